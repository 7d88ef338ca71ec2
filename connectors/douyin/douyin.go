// Package douyin is the connector of Douyin 抖店 + 精选联盟 (channels.md §5),
// not registered yet: see platforms/compiled.go. Every call is
// POST <gateway>/<method with . → />?app_key=&method=&access_token=
// &timestamp=&v=2&sign_method=hmac-sha256&sign= with the business params as
// the body (param_json: sorted keys, compact, no HTML escaping; Sign). Every
// answer is HTTP 200 {code, msg, sub_code, sub_msg, data, log_id} (newer
// also err_no, message): code 10000 or err_no 0 is success. The access
// token comes from token.create (authorization_self with the shop's id) and
// token.refresh, through a connectors.TokenSource over the shop's
// TokenStore, so every worker shares one token and one refresh. Push
// messages are verified by VerifyPush (app-id and event-sign, push.go).
//
// Options (connectors.ShopConfig.Options):
//
//	category_leaf_id  the leaf category of pushed products (required to push)
//	freight_id        the shop's freight template (default 0)
//	mobile            the after-sales phone shown on products
//	order_page_size   orders a page of order.searchList, 1 to 100 (default 100)
package douyin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/httpx"
	"github.com/syncctl/syncctl/connectors/shopgate"
	"github.com/syncctl/syncctl/domain"
	douyinmap "github.com/syncctl/syncctl/mapping/douyin"
)

// platformName names the platform in errors.
const platformName = "douyin"

// defaultQPS paces a shop whose configuration names no quota (per-API QPS
// figures are UNCONFIRMED: channels.md §5.6).
const defaultQPS = 5

// Order query limits of order.searchList. size ≤ 100 is documented; the
// window and the lookback are UNCONFIRMED (channels.md §8.3) and
// sandbox/douyin keeps the same window.
const (
	DefaultPageSize = 100
	OrderWindowMax  = 7 * 24 * time.Hour
	OrderLookback   = 90 * 24 * time.Hour
)

// Platform declares Douyin to the platform registration.
var Platform = connectors.Platform{
	ID: "douyin", Name: "Douyin 抖店 + 精选联盟", Kind: connectors.KindCPSPool, DefaultQPS: defaultQPS, Pool: "精选联盟",
	Credentials: []connectors.CredentialSpec{
		{Name: "app_key", Help: "the app's app_key"},
		{Name: "app_secret", Secret: true, Help: "the app's app_secret (signs every call)"},
		{Name: "shop_id", Help: "the shop's id, which a 自用型 app's token.create (authorization_self) names"},
		{Name: "access_token", Minted: true, Help: "fetched with token.create, refreshed with token.refresh, kept in the shop's token store"},
	},
	Options: []connectors.OptionSpec{
		{Name: "category_leaf_id", Help: "leaf category of pushed products", Validate: validID},
		{Name: "freight_id", Default: "0", Help: "freight template of pushed products", Validate: validID},
		{Name: "mobile", Help: "after-sales phone shown on products"},
		{Name: "order_page_size", Default: strconv.Itoa(DefaultPageSize), Help: "orders a page, 1 to 100", Validate: validPageSize},
	},
	New: New,
}

func validID(v string) error {
	if !domain.Digits(v) {
		return fmt.Errorf("%q is not a numeric id", v)
	}
	return nil
}

func validPageSize(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > DefaultPageSize {
		return fmt.Errorf("%q is not a page size from 1 to %d", v, DefaultPageSize)
	}
	return nil
}

// Channel is one Douyin shop.
type Channel struct {
	shop     domain.ShopRef
	gateway  string
	appKey   string
	secret   connectors.Secret
	shopID   string
	http     *retryablehttp.Client
	gate     *shopgate.Gate
	tokens   *connectors.TokenSource
	settings douyinmap.Shop
	pageSize int
	now      func() time.Time
}

var (
	_ connectors.Channel       = (*Channel)(nil)
	_ connectors.ReviewTracker = (*Channel)(nil)
	_ connectors.PromotionPool = (*Channel)(nil)
)

// idempotent lists the methods that may be retried in-process: reads and
// absolute writes. product.addV2 (a second product), product.editV2 (a
// second review), order.logisticsAdd and the token calls (a refresh token
// is used once) are absent: Temporal retries their activity, which reads
// the state first.
var idempotent = map[string]bool{
	"product.detail": true, "product.listV2": true, "product.auditList": true, "product.setOnline": true, "product.setOffline": true,
	"sku.syncStock": true, "sku.editPrice": true, "buyin.simplePlan": true,
	"order.searchList": true, "order.orderDetail": true, "alliance.getOrderList": true,
}

// New opens a shop from its configuration.
func New(cfg connectors.ShopConfig) (connectors.Channel, error) {
	rec := "shop " + cfg.Ref().String()
	for _, name := range []string{"app_key", "app_secret", "shop_id"} {
		if cfg.Credential(name) == "" {
			return nil, domain.Errorf(domain.EInvalid, "%s, credential %s: required", rec, name)
		}
	}
	if u, err := url.Parse(cfg.Gateway); cfg.Gateway == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, domain.Errorf(domain.EInvalid, "%s, field gateway: want an http or https URL such as https://openapi-fxg.jinritemai.com", rec)
	}
	c := &Channel{shop: cfg.Ref(), gateway: strings.TrimRight(cfg.Gateway, "/"), appKey: cfg.Credential("app_key"),
		secret: cfg.Credentials["app_secret"], shopID: cfg.Credential("shop_id"), http: httpx.New(httpx.Options{}),
		pageSize: DefaultPageSize, now: time.Now, settings: douyinmap.Shop{Mobile: cfg.Options["mobile"]}}
	for _, o := range []struct {
		name  string
		check func(string) error
		set   func(string)
	}{
		{"category_leaf_id", validID, func(v string) { c.settings.CategoryLeafID, _ = strconv.ParseInt(v, 10, 64) }},
		{"freight_id", validID, func(v string) { c.settings.FreightID, _ = strconv.ParseInt(v, 10, 64) }},
		{"order_page_size", validPageSize, func(v string) { c.pageSize, _ = strconv.Atoi(v) }},
	} {
		if v := cfg.Options[o.name]; v != "" {
			if err := o.check(v); err != nil {
				return nil, domain.Errorf(domain.EInvalid, "%s, option %s: %v", rec, o.name, err)
			}
			o.set(v)
		}
	}
	c.gate = cfg.Gate(defaultQPS)
	// The lease outlasts one token call with its retries.
	c.tokens = &connectors.TokenSource{Store: cfg.Tokens, Shop: c.shop, Lease: httpx.Options{}.Budget() + 10*time.Second, Mint: c.mint}
	return c, nil
}

// Shop implements connectors.Channel.
func (c *Channel) Shop() domain.ShopRef { return c.shop }

// Capabilities implements connectors.Channel.
func (c *Channel) Capabilities() connectors.Capabilities {
	return connectors.Capabilities{Review: true, OrderWindowMax: OrderWindowMax, OrderLookback: OrderLookback}
}

// tokenData is the data of token.create and token.refresh.
type tokenData struct {
	AccessToken  string `json:"access_token"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
}

// RefreshLifetime is how long a refresh token lives (UNCONFIRMED: 14 d
// nominally; the answer does not say). Past it, Mint creates a new token.
const RefreshLifetime = 14 * 24 * time.Hour

// mint refreshes the token with its refresh token (used once: the answer
// carries the next), or creates one with authorization_self when there is
// none or the platform refuses it.
func (c *Channel) mint(ctx context.Context, cur connectors.Token, have bool) (connectors.Token, error) {
	var d tokenData
	err := errors.New("no refresh token")
	if have && cur.Refresh != "" && (cur.RefreshExpires.IsZero() || c.now().Before(cur.RefreshExpires)) {
		err = c.send(ctx, "token.refresh", connectors.Token{}, map[string]any{"grant_type": "refresh_token", "refresh_token": cur.Refresh.Reveal()}, &d)
		if err != nil && !tokenGenerationFailed(err) {
			return connectors.Token{}, err
		}
	}
	if err != nil {
		err = c.send(ctx, "token.create", connectors.Token{}, map[string]any{"code": "", "grant_type": "authorization_self", "shop_id": c.shopID}, &d)
		if tokenGenerationFailed(err) {
			var de *domain.Error
			errors.As(err, &de)
			return connectors.Token{}, &domain.Error{Code: domain.EAuth, Platform: platformName, PlatformCode: de.PlatformCode,
				Message: "token.create: " + de.Message + " (check app_key, app_secret and shop_id, and that the shop authorized the app)"}
		}
		if err != nil {
			return connectors.Token{}, err
		}
	}
	if d.AccessToken == "" || d.ExpiresIn <= 0 {
		return connectors.Token{}, unavailable(nil, "token: the answer has no access_token or expires_in")
	}
	now := c.now()
	tok := connectors.Token{Access: connectors.Secret(d.AccessToken), Expires: now.Add(time.Duration(d.ExpiresIn) * time.Second)}
	if d.RefreshToken != "" {
		tok.Refresh, tok.RefreshExpires = connectors.Secret(d.RefreshToken), now.Add(RefreshLifetime)
	}
	return tok, nil
}

// call sends one API with the shop's token and decodes its data into out.
// A token the platform refuses is refreshed and the call sent once more;
// refused again, it is EAuth.
func (c *Channel) call(ctx context.Context, method string, in, out any) error {
	return c.tokens.WithToken(ctx, tokenRefused, "re-authorize the app for the shop",
		func(tok connectors.Token) error { return c.send(ctx, method, tok, in, out) })
}

// send signs and posts one call through the shop's gate. The URL carries
// the token and the signature, so it never appears in an error.
func (c *Channel) send(ctx context.Context, method string, tok connectors.Token, in, out any) error {
	if idempotent[method] {
		ctx = httpx.AllowRetry(ctx)
	}
	pj, err := ParamJSON(in)
	if err != nil {
		return domain.Errorf(domain.EInternal, "%s: encode the params: %v", method, err)
	}
	return c.gate.Do(ctx, func(ctx context.Context) error {
		ts := strconv.FormatInt(c.now().Unix(), 10)
		q := url.Values{"app_key": {c.appKey}, "method": {method}, "timestamp": {ts}, "v": {"2"}, "sign_method": {SignHMAC},
			"sign": {Sign(SignHMAC, c.secret.Reveal(), c.appKey, method, pj, ts)}}
		if tok.Access != "" {
			q.Set("access_token", tok.Access.Reveal())
		}
		u := c.gateway + "/" + strings.ReplaceAll(method, ".", "/") + "?" + q.Encode()
		raw, err := httpx.Post(ctx, c.http, platformName, method, u, "application/json", strings.NewReader(pj), nil)
		if err != nil {
			return err
		}
		return decodeAnswer(method, raw, out, c.now())
	})
}

// envelope is every answer's frame.
type envelope struct {
	Code    *int            `json:"code"`
	Msg     string          `json:"msg"`
	SubCode string          `json:"sub_code"`
	SubMsg  string          `json:"sub_msg"`
	ErrNo   *int            `json:"err_no"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

// decodeAnswer reads the envelope: code 10000 (or, on newer answers
// without code, err_no 0) is success and data goes into out.
func decodeAnswer(method string, raw []byte, out any, now time.Time) error {
	var env envelope
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&env); err != nil || (env.Code == nil && env.ErrNo == nil) {
		return unavailable(err, method+": malformed response body")
	}
	code := 0
	switch {
	case env.Code != nil:
		code = *env.Code
	case *env.ErrNo == 0:
		code = codeOK
	default:
		code = *env.ErrNo
	}
	if code != codeOK {
		msg := env.SubMsg
		if msg == "" {
			msg = env.Message
		}
		if msg == "" {
			msg = env.Msg
		}
		return mapError(method, code, env.SubCode, msg, now)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return unavailable(err, method+": malformed data")
	}
	return nil
}

func unavailable(err error, msg string) *domain.Error {
	return &domain.Error{Code: domain.EUnavailable, Platform: platformName, Message: msg, Err: err}
}
