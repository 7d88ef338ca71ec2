// Package youzan is the connector of Youzan 有赞云 (channels.md §2), for a
// 自用型 app of one shop. Tokens come from POST <gateway>/auth/token
// (authorize_type silent, grant_id = the shop's kdt_id) through a
// connectors.TokenSource, and travel only in the URL query of
// POST <gateway>/api/{api}/{version}?access_token=…. Every answer is HTTP
// 200: the body decides (gw_err_resp for gateway failures, the v3 or v4
// envelope of the API's version otherwise). Item writes speak 分; orders
// come in 元 strings (mapping/youzan). A retried create is found by its
// item_no (youzan.items.custom.get); orders are joined with their 分销员
// records (youzan.salesman.trades.get) and shipped with
// youzan.logistics.online.confirm; push messages are verified by
// VerifyPush (Event-Sign, push.go).
//
// Options (connectors.ShopConfig.Options):
//
//	order_page_size  orders a page of youzan.trades.sold.get (default 100)
//	order_max_rows   the platform's page_no × page_size cap (default 10000);
//	                 a window holding more is split, never truncated
package youzan

import (
	"bytes"
	"context"
	"encoding/json"
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
)

// The platform's documented order query limits: the defaults of the options.
const (
	DefaultPageSize = 100
	DefaultMaxRows  = 10000
	MaxPageNo       = 100 // page_no runs 1 to 100
	// OrderWindowMax: each time pair of trades.sold.get spans ≤ 3 months.
	OrderWindowMax = 90 * 24 * time.Hour
)

// defaultQPS paces a shop whose configuration names no quota (no public
// per-API QPS is documented).
const defaultQPS = 5

// Platform declares Youzan to the platform registration (not registered
// yet: see platforms/compiled.go).
var Platform = connectors.Platform{
	ID: "youzan", Name: "Youzan 有赞云", Kind: connectors.KindMiniProgram, DefaultQPS: defaultQPS,
	Credentials: []connectors.CredentialSpec{
		{Name: "client_id", Help: "the app's client_id"},
		{Name: "client_secret", Secret: true, Help: "the app's client_secret"},
		{Name: "grant_id", Help: "the shop's kdt_id (店铺 id) the 自用型 app is authorized for"},
		{Name: "access_token", Minted: true, Help: "fetched from /auth/token and refreshed by syncctl"},
	},
	Options: []connectors.OptionSpec{
		{Name: "order_page_size", Default: strconv.Itoa(DefaultPageSize), Help: "orders a page, 1 to 100", Validate: validPageSize},
		{Name: "order_max_rows", Default: strconv.Itoa(DefaultMaxRows), Help: "the page_no × page_size cap of trades.sold.get", Validate: validMaxRows},
	},
	New: New,
}

func validPageSize(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 100 {
		return fmt.Errorf("%q is not a page size from 1 to 100", v)
	}
	return nil
}

func validMaxRows(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > DefaultMaxRows {
		return fmt.Errorf("%q is not a row cap from 1 to %d", v, DefaultMaxRows)
	}
	return nil
}

// envelope is the answer shape of an API version.
type envelope int

const (
	v3 envelope = iota // {"response":…} / {"error_response":{code,msg}}
	v4                 // {success, code:200, message, data, trace_id}
)

// apis is every API the connector calls, with its version and so its
// envelope (≥ 4.0.0 → v4). The doubt (channels.md §2.3–2.4): the item
// write APIs are documented as 3.0.x; item.price.update 1.0.0's envelope is
// undocumented and taken as v3; the order APIs are 4.0.x. sandbox/youzan
// keeps the same table.
var apis = map[string]struct {
	version    string
	env        envelope
	idempotent bool // may be retried in-process: reads and absolute writes
}{
	"youzan.item.create":           {"3.0.1", v3, false},
	"youzan.item.update":           {"3.0.1", v3, true},
	"youzan.item.quantity.update":  {"3.0.0", v3, true},
	"youzan.item.price.update":     {"1.0.0", v3, true},
	"youzan.item.update.listing":   {"3.0.0", v3, true},
	"youzan.item.update.delisting": {"3.0.0", v3, true},
	"youzan.trades.sold.get":       {"4.0.4", v4, true},
	"youzan.trade.get":             {"4.0.2", v4, true},
	lookupAPI:                      {"3.0.0", v3, true},
	// Shipping is never retried in-process: a lost answer is read back
	// (CodeTradeState) rather than sent twice.
	"youzan.logistics.online.confirm": {"3.0.0", v3, false},
	salesmanAPI:                       {"3.0.1", v3, true},
}

// Gateway error codes (gw_err_resp).
const (
	codeThrottled = 4101 // UNCONFIRMED: a public test plan watches for it
)

// tokenCodes are gateway codes for a missing, unknown or expired token:
// the token is refreshed and the call retried once.
var tokenCodes = map[int]bool{4201: true, 4202: true, 4203: true}

// Channel is one Youzan shop.
type Channel struct {
	shop     domain.ShopRef
	gateway  string
	clientID string
	secret   connectors.Secret
	grantID  string
	http     *retryablehttp.Client
	gate     *shopgate.Gate
	tokens   *connectors.TokenSource
	pageSize int
	maxRows  int
	salesmen windowCache // 分销员 records of the last created-time window
}

var _ connectors.Channel = (*Channel)(nil)

// New opens a shop from its configuration.
func New(cfg connectors.ShopConfig) (connectors.Channel, error) {
	rec := "shop " + cfg.Ref().String()
	for _, name := range []string{"client_id", "client_secret", "grant_id"} {
		if cfg.Credential(name) == "" {
			return nil, domain.Errorf(domain.EInvalid, "%s, credential %s: required", rec, name)
		}
	}
	if u, err := url.Parse(cfg.Gateway); cfg.Gateway == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, domain.Errorf(domain.EInvalid, "%s, field gateway: want an http or https URL such as https://open.youzanyun.com", rec)
	}
	c := &Channel{shop: cfg.Ref(), gateway: strings.TrimRight(cfg.Gateway, "/"), clientID: cfg.Credential("client_id"),
		secret: cfg.Credentials["client_secret"], grantID: cfg.Credential("grant_id"), http: httpx.New(httpx.Options{}),
		pageSize: DefaultPageSize, maxRows: DefaultMaxRows}
	for _, o := range []struct {
		name  string
		check func(string) error
		dst   *int
	}{{"order_page_size", validPageSize, &c.pageSize}, {"order_max_rows", validMaxRows, &c.maxRows}} {
		if v := cfg.Options[o.name]; v != "" {
			if err := o.check(v); err != nil {
				return nil, domain.Errorf(domain.EInvalid, "%s, option %s: %v", rec, o.name, err)
			}
			*o.dst, _ = strconv.Atoi(v)
		}
	}
	c.gate = cfg.Gate(defaultQPS)
	c.tokens = &connectors.TokenSource{Store: cfg.Tokens, Shop: c.shop, Mint: c.mint}
	return c, nil
}

// Shop implements connectors.Channel.
func (c *Channel) Shop() domain.ShopRef { return c.shop }

// Capabilities implements connectors.Channel.
func (c *Channel) Capabilities() connectors.Capabilities {
	return connectors.Capabilities{OrderWindowMax: OrderWindowMax, OrderLookback: OrderWindowMax}
}

// mint fetches a token with authorize_type silent. Youzan's silent grant
// has no refresh token: a refresh is a new silent call with refresh true.
func (c *Channel) mint(ctx context.Context, _ connectors.Token, have bool) (connectors.Token, error) {
	grant := any(c.grantID)
	if domain.Digits(c.grantID) {
		grant = json.Number(c.grantID)
	}
	body, _ := json.Marshal(map[string]any{"client_id": c.clientID, "client_secret": c.secret.Reveal(),
		"authorize_type": "silent", "grant_id": grant, "refresh": have})
	var r struct {
		Success bool   `json:"success"`
		Code    int    `json:"code"`
		Message string `json:"message"`
		Data    *struct {
			AccessToken string `json:"access_token"`
			Expires     int64  `json:"expires"` // ms epoch
		} `json:"data"`
	}
	var tok connectors.Token
	err := c.gate.Do(ctx, func(ctx context.Context) error {
		raw, err := httpx.Post(ctx, c.http, "youzan", "auth.token", c.gateway+"/auth/token", "application/json", bytes.NewReader(body), nil)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			return unavailable(err, "auth.token: malformed response body")
		}
		if !r.Success || r.Data == nil || r.Data.AccessToken == "" {
			if r.Code >= 500 && r.Code < 600 || r.Code == 0 {
				return &domain.Error{Code: domain.EUnavailable, Platform: "youzan", PlatformCode: strconv.Itoa(r.Code), Message: "auth.token: " + r.Message}
			}
			return &domain.Error{Code: domain.EAuth, Platform: "youzan", PlatformCode: strconv.Itoa(r.Code),
				Message: "auth.token: " + r.Message + " (check client_id, client_secret and grant_id)"}
		}
		tok = connectors.Token{Access: connectors.Secret(r.Data.AccessToken)}
		if r.Data.Expires > 0 {
			tok.Expires = time.UnixMilli(r.Data.Expires)
		}
		return nil
	})
	return tok, err
}

// call sends one API and decodes its data (v4) or response (v3) into out.
// A token error refreshes the token and retries once; a second one is
// EAuth.
func (c *Channel) call(ctx context.Context, api string, in, out any) error {
	spec, ok := apis[api]
	if !ok {
		return domain.Errorf(domain.EInternal, "youzan: %s is not in the connector's API table", api)
	}
	body, err := json.Marshal(in)
	if err != nil {
		return domain.Errorf(domain.EInternal, "%s: encode the request: %v", api, err)
	}
	return c.tokens.WithToken(ctx, isTokenError, "re-authorize the app for the shop", func(tok connectors.Token) error {
		return c.gate.Do(ctx, func(ctx context.Context) error {
			return c.send(ctx, api, spec.version, spec.env, spec.idempotent, tok, body, out)
		})
	})
}

// tokenError marks a gateway token rejection until call decides.
const tokenError = "youzan_token"

func isTokenError(err error) bool {
	e, ok := err.(*domain.Error)
	return ok && e.Code == tokenError
}

func (c *Channel) send(ctx context.Context, api, version string, env envelope, idempotent bool, tok connectors.Token, body []byte, out any) error {
	if idempotent {
		ctx = httpx.AllowRetry(ctx)
	}
	u := c.gateway + "/api/" + api + "/" + version + "?access_token=" + url.QueryEscape(tok.Access.Reveal())
	raw, err := httpx.Post(ctx, c.http, "youzan", api, u, "application/json", bytes.NewReader(body), nil)
	if err != nil {
		return err
	}
	var r struct {
		Gw *struct {
			ErrCode int    `json:"err_code"`
			ErrMsg  string `json:"err_msg"`
		} `json:"gw_err_resp"`
		// v3
		Response json.RawMessage `json:"response"`
		ErrResp  *struct {
			Code int    `json:"code"`
			Msg  string `json:"msg"`
		} `json:"error_response"`
		// v4
		Success *bool           `json:"success"`
		Code    int             `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return unavailable(err, api+": malformed response body")
	}
	var payload json.RawMessage
	switch {
	case r.Gw != nil:
		return gatewayError(api, r.Gw.ErrCode, r.Gw.ErrMsg)
	case env == v3 && r.ErrResp != nil:
		return apiError(api, r.ErrResp.Code, r.ErrResp.Msg)
	case env == v3 && len(r.Response) > 0:
		payload = r.Response
	case env == v4 && r.Success != nil && !*r.Success:
		return apiError(api, r.Code, r.Message)
	case env == v4 && r.Success != nil:
		payload = r.Data
	default:
		return unavailable(nil, api+": the answer is in no envelope of version "+version)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(payload, out); err != nil {
		return unavailable(err, api+": malformed data")
	}
	return nil
}

// throttleWait is the wait after a throttle: Youzan announces none.
const throttleWait = time.Second

// gatewayError maps gw_err_resp: token codes are retried once by call;
// the throttle bans the shop a moment; other 4xxx (path, content type) are
// a bug here, never retried; anything else may pass on a later attempt.
func gatewayError(api string, code int, msg string) *domain.Error {
	e := &domain.Error{Platform: "youzan", PlatformCode: strconv.Itoa(code), Message: api + ": " + msg}
	switch {
	case tokenCodes[code]:
		e.Code = tokenError
	case code == codeThrottled:
		e.Code, e.RetryAfter = domain.ERateLimited, throttleWait
	case code >= 4000 && code < 5000:
		e.Code = domain.EInvalid
	default:
		e.Code = domain.EUnavailable
	}
	return e
}

// API error codes. UNCONFIRMED beyond item not-found (a public test
// plan); kept in one table with sandbox/youzan.
var apiCodes = map[int]string{
	40001:          domain.EInvalid,
	codeTradeState: domain.EConflict,
	122001001:      domain.ENotFound,
}

// codeTradeState refuses a shipment of an order (or a line) not waiting
// to ship: UNCONFIRMED, no public source shows it; sandbox/youzan answers
// the same.
const codeTradeState = 40002

func apiError(api string, code int, msg string) *domain.Error {
	c, ok := apiCodes[code]
	if !ok {
		c = domain.EUnavailable
	}
	return &domain.Error{Code: c, Platform: "youzan", PlatformCode: strconv.Itoa(code), Message: api + ": " + msg}
}

func unavailable(err error, msg string) *domain.Error {
	return &domain.Error{Code: domain.EUnavailable, Platform: "youzan", Message: msg, Err: err}
}
