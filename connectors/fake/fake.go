// Package fake is the connector of "fake", a made-up mini-program platform
// that is unlike Tmall on purpose: content review, delta-only stock, cursor
// paging with a small page size and a cap on the order window. It speaks
// the platform's JSON protocol over HTTP (sandbox/fake serves it): POST
// <gateway>/<method> with a JSON body and "Authorization: Bearer
// <api_key>"; every answer is HTTP 200 with {"code":0,"data":…} or
// {"code":N,"message":…[,"retry_after":s]}. Ids are strings, money fen,
// times unix seconds. It is registered by platforms/fakeplatform, which
// only tests import.
//
// Options (connectors.ShopConfig.Options):
//
//	order_window_max  the longest order.list window (default 24h, the
//	                  platform's documented cap)
//	order_page_size   orders a page (default 20, the platform's most)
package fake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/httpx"
	"github.com/syncctl/syncctl/connectors/shopgate"
	"github.com/syncctl/syncctl/domain"
)

// The platform's documented order query limits: the defaults of the
// options order_window_max and order_page_size.
const (
	DefaultWindowMax = 24 * time.Hour
	DefaultPageSize  = 20
	maxPageSize      = 100
)

// defaultQPS paces a shop whose configuration names no quota.
const defaultQPS = 10

// Platform declares the fake platform to the platform registration.
var Platform = connectors.Platform{
	ID: "fake", Name: "Fake mini-program platform (tests)", Kind: connectors.KindMiniProgram, DefaultQPS: defaultQPS,
	Credentials: []connectors.CredentialSpec{
		{Name: "api_key", Secret: true, Help: "the shop's API key, sent as a Bearer token"},
	},
	Options: []connectors.OptionSpec{
		{Name: "order_window_max", Default: DefaultWindowMax.String(), Help: "the longest order query window the platform accepts", Validate: validWindow},
		{Name: "order_page_size", Default: strconv.Itoa(DefaultPageSize), Help: "orders a page, 1 to 100", Validate: validPageSize},
	},
	New: New,
}

func validWindow(v string) error {
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Second {
		return fmt.Errorf("%q is not a duration of at least 1s, such as \"24h\"", v)
	}
	return nil
}

func validPageSize(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPageSize {
		return fmt.Errorf("%q is not a page size from 1 to %d", v, maxPageSize)
	}
	return nil
}

// Channel is one shop on the fake platform.
type Channel struct {
	shop      domain.ShopRef
	gateway   string
	apiKey    connectors.Secret
	http      *retryablehttp.Client
	gate      *shopgate.Gate
	windowMax time.Duration
	pageSize  int
}

var (
	_ connectors.Channel       = (*Channel)(nil)
	_ connectors.ReviewTracker = (*Channel)(nil)
)

// idempotent lists the methods that may be retried in-process: reads, and
// writes of absolute values. product.upsert (a create would list twice),
// sku.stock.delta (a delta applied twice) and order.ship are absent:
// Temporal retries their activity, which reads the state first.
var idempotent = map[string]bool{
	"product.get": true, "product.review_status": true, "order.list": true, "order.get": true,
	"sku.price.update": true, "product.listing": true,
}

// New opens a shop from its configuration (checked against Platform by the
// registration; New checks again what it cannot work without).
func New(cfg connectors.ShopConfig) (connectors.Channel, error) {
	rec := "shop " + cfg.Ref().String()
	if cfg.Credential("api_key") == "" {
		return nil, domain.Errorf(domain.EInvalid, "%s, credential api_key: required (from an env var or a file)", rec)
	}
	if u, err := url.Parse(cfg.Gateway); cfg.Gateway == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, domain.Errorf(domain.EInvalid, "%s, field gateway: want an http or https URL such as http://127.0.0.1:8202/api", rec)
	}
	c := &Channel{shop: cfg.Ref(), gateway: strings.TrimRight(cfg.Gateway, "/"), apiKey: cfg.Credentials["api_key"],
		http: httpx.New(httpx.Options{}), windowMax: DefaultWindowMax, pageSize: DefaultPageSize}
	if v := cfg.Options["order_window_max"]; v != "" {
		if err := validWindow(v); err != nil {
			return nil, domain.Errorf(domain.EInvalid, "%s, option order_window_max: %v", rec, err)
		}
		c.windowMax, _ = time.ParseDuration(v)
		c.windowMax = c.windowMax.Truncate(time.Second) // the platform counts whole seconds
	}
	if v := cfg.Options["order_page_size"]; v != "" {
		if err := validPageSize(v); err != nil {
			return nil, domain.Errorf(domain.EInvalid, "%s, option order_page_size: %v", rec, err)
		}
		c.pageSize, _ = strconv.Atoi(v)
	}
	c.gate = cfg.Gate(defaultQPS)
	return c, nil
}

// Shop implements connectors.Channel.
func (c *Channel) Shop() domain.ShopRef { return c.shop }

// Capabilities implements connectors.Channel.
func (c *Channel) Capabilities() connectors.Capabilities {
	return connectors.Capabilities{Review: true, OrderWindowMax: c.windowMax, OrderLookback: 90 * 24 * time.Hour}
}

// envelope is every answer of the platform.
type envelope struct {
	Code       *int            `json:"code"`
	Message    string          `json:"message"`
	RetryAfter int             `json:"retry_after"`
	Data       json.RawMessage `json:"data"`
}

// call sends one method and decodes its data into out. The key travels in
// the Authorization header only, so it is never part of a URL, an error or
// a log line.
func (c *Channel) call(ctx context.Context, method string, in, out any) error {
	return c.gate.Do(ctx, func(ctx context.Context) error { return c.send(ctx, method, in, out) })
}

// send is one request, made when the shop's gate lets it through.
func (c *Channel) send(ctx context.Context, method string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return domain.Errorf(domain.EInternal, "%s: encode the request: %v", method, err)
	}
	if idempotent[method] {
		ctx = httpx.AllowRetry(ctx)
	}
	raw, err := httpx.Post(ctx, c.http, "fake", method, c.gateway+"/"+method, "application/json", bytes.NewReader(body),
		http.Header{"Authorization": {"Bearer " + c.apiKey.Reveal()}})
	if err != nil {
		return err
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil || env.Code == nil {
		return unavailable(err, method+": malformed response body")
	}
	if *env.Code != 0 {
		return mapError(method, *env.Code, env.Message, env.RetryAfter)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return unavailable(err, method+": malformed data")
	}
	return nil
}

// defaultThrottleWait is the wait when a throttle does not say how long.
const defaultThrottleWait = time.Second

// mapError turns an error envelope into a coded domain error by the
// code's class (its first three digits are an HTTP status). Its text is
// the method and the platform's message, which names the parameter.
func mapError(method string, code int, msg string, retryAfter int) *domain.Error {
	e := &domain.Error{Platform: "fake", PlatformCode: strconv.Itoa(code), Message: method + ": " + msg}
	switch code / 100 {
	case 400:
		e.Code = domain.EInvalid
	case 401, 403:
		e.Code = domain.EAuth
	case 404:
		e.Code = domain.ENotFound
	case 409:
		e.Code = domain.EConflict
	case 429:
		e.Code, e.RetryAfter = domain.ERateLimited, defaultThrottleWait
		if retryAfter > 0 {
			e.RetryAfter = time.Duration(retryAfter) * time.Second
		}
	default: // 5xx and codes the platform does not document: a later attempt decides
		e.Code = domain.EUnavailable
	}
	return e
}

// unavailable is an answer the connector cannot use: retryable, for a
// gateway hiccup is the likely cause.
func unavailable(err error, msg string) *domain.Error {
	return &domain.Error{Code: domain.EUnavailable, Platform: "fake", Message: msg, Err: err}
}
