// Package vipshop is the connector of Vipshop 唯品会 VOP for a brand's MP
// marketplace shop (channels.md §4a); not registered yet: see
// platforms/compiled.go. Every call is POST <gateway>/ with the system
// parameters in the query string (service, method, version, timestamp in
// epoch seconds, format, appKey, accessToken, sign) and the business
// arguments as a JSON body keyed by their IDL names. sign is the upper-case
// hex HMAC-MD5, keyed with the app secret, of the sorted name+value pairs
// of the system parameters followed by the raw body (Sign). Answers are
// {"returnCode":"0","result":…} or {"returnCode":"vipapis.…","returnMessage":…};
// the body decides, whatever the HTTP status.
//
// The access token comes from the shop's OAuth authorization: the operator
// authorizes the app at auth.vip.com once and configures the refresh token
// it got; syncctl refreshes the access token with the signed
// vipapis.oauth.OauthService.refreshToken through a connectors.TokenSource
// over the shop's TokenStore (every worker shares one token, one refresh at
// a time), and keeps each new refresh token there.
//
// Options (connectors.ShopConfig.Options):
//
//	third_category_id  the platform's third-level category of pushed products
//	brand_id           the platform's brand id of pushed products
//	pid:<spec>         sale-property id of a spec name (颜色 and 尺码 are built in)
//	warehouse          updateSkuStock's warehouse code ("" = the shop's default)
//	client_ip          request_client_ip of refreshToken (default 127.0.0.1)
//	order_page_size    orders a getOrders page, 1 to 200 (default 200)
package vipshop

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/httpx"
	"github.com/syncctl/syncctl/connectors/shopgate"
	"github.com/syncctl/syncctl/domain"
	vipmap "github.com/syncctl/syncctl/mapping/vipshop"
)

// platformName names the platform in errors: the channel id.
const platformName = "vipshop"

// defaultQPS paces a shop whose configuration names no quota (per-second
// quotas are UNCONFIRMED; apps have a daily traffic cap).
const defaultQPS = 5

// Order query limits. getOrders serves only the last 3 months (89 days is
// inside any 3 calendar months); the longest window of one call is not
// documented: UNCONFIRMED, 24 h, one constant the sandbox shares.
const (
	OrderWindowMax  = 24 * time.Hour
	OrderLookback   = 89 * 24 * time.Hour
	MaxOrderPage    = 200
	maxDetailIDs    = 50 // order_ids per getOrderDetail: UNCONFIRMED
	apiVersion      = "1.0.0"
	defaultClientIP = "127.0.0.1"
)

// Services of the MP APIs (channels.md §4a).
const (
	svcProduct   = "vipapis.marketplace.product.ProductService"
	svcPrice     = "vipapis.marketplace.price.PriceService"
	svcInventory = "vipapis.marketplace.inventory.InventoryService"
	svcDelivery  = "vipapis.marketplace.delivery.SovDeliveryService"
	svcOauth     = "vipapis.oauth.OauthService"
)

// idempotent lists the methods that may be retried in-process: reads and
// absolute writes. addProduct and appendSkus (a retry would create twice),
// ship and refreshToken (it rotates the refresh token) are absent: Temporal
// retries their activity, which looks the effect up first.
var idempotent = map[string]bool{
	"getProducts": true, "getProductById": true, "editProduct": true, "submitProducts": true, "onShelf": true, "offShelf": true,
	"updateSkuPrice": true, "updateSkuStock": true, "getOrders": true, "getOrderDetail": true,
}

// Platform declares Vipshop to the platform registration (not registered
// yet: see platforms/compiled.go).
var Platform = connectors.Platform{
	ID: platformName, Name: "Vipshop 唯品会 VOP (MP)", Kind: connectors.KindMarketplace, DefaultQPS: defaultQPS,
	Credentials: []connectors.CredentialSpec{
		{Name: "app_key", Help: "the app's appKey"},
		{Name: "app_secret", Secret: true, Help: "the app's secret, which signs every call"},
		{Name: "refresh_token", Secret: true, Help: "the refresh_token of the shop's OAuth authorization at auth.vip.com (syncctl keeps the ones it refreshes to)"},
		{Name: "access_token", Minted: true, Help: "refreshed with vipapis.oauth.OauthService.refreshToken and kept in the shop's token store"},
	},
	Options: []connectors.OptionSpec{
		{Name: "third_category_id", Help: "the platform's third-level category id of pushed products", Validate: positiveInt},
		{Name: "brand_id", Help: "the platform's brand id of pushed products", Validate: positiveInt},
		{Name: "pid:", Help: "sale-property id of a spec name (颜色 and 尺码 are built in)", Validate: positiveInt},
		{Name: "warehouse", Help: "updateSkuStock's warehouse code (empty: the shop's default)"},
		{Name: "client_ip", Default: defaultClientIP, Help: "request_client_ip sent with refreshToken"},
		{Name: "order_page_size", Default: strconv.Itoa(MaxOrderPage), Help: "orders a getOrders page, 1 to 200", Validate: validPageSize},
	},
	New: New,
}

func positiveInt(v string) error {
	if n, err := strconv.Atoi(v); err != nil || n <= 0 {
		return fmt.Errorf("%q is not a positive integer id", v)
	}
	return nil
}

func validPageSize(v string) error {
	if n, err := strconv.Atoi(v); err != nil || n < 1 || n > MaxOrderPage {
		return fmt.Errorf("%q is not a page size from 1 to %d", v, MaxOrderPage)
	}
	return nil
}

// Channel is one Vipshop MP shop.
type Channel struct {
	shop      domain.ShopRef
	gateway   string
	appKey    string
	secret    connectors.Secret
	refresh   connectors.Secret // the configured refresh token
	clientIP  string
	warehouse string
	pageSize  int
	products  vipmap.Shop
	http      *retryablehttp.Client
	gate      *shopgate.Gate
	tokens    *connectors.TokenSource
	now       func() time.Time

	carriersMu sync.Mutex
	carriers   map[string]bool // carrier_code of the shop's getCarriers; nil until read
}

var (
	_ connectors.Channel       = (*Channel)(nil)
	_ connectors.ReviewTracker = (*Channel)(nil)
)

// New opens a shop from its configuration.
func New(cfg connectors.ShopConfig) (connectors.Channel, error) {
	rec := "shop " + cfg.Ref().String()
	for _, name := range []string{"app_key", "app_secret", "refresh_token"} {
		if cfg.Credential(name) == "" {
			return nil, domain.Errorf(domain.EInvalid, "%s, credential %s: required", rec, name)
		}
	}
	if u, err := url.Parse(cfg.Gateway); cfg.Gateway == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, domain.Errorf(domain.EInvalid, "%s, field gateway: want an http or https URL such as https://vop.vipapis.com", rec)
	}
	c := &Channel{shop: cfg.Ref(), gateway: strings.TrimRight(cfg.Gateway, "/"), appKey: cfg.Credential("app_key"),
		secret: cfg.Credentials["app_secret"], refresh: cfg.Credentials["refresh_token"], clientIP: defaultClientIP,
		warehouse: cfg.Options["warehouse"], pageSize: MaxOrderPage, http: httpx.New(httpx.Options{}), now: time.Now}
	if v := cfg.Options["client_ip"]; v != "" {
		c.clientIP = v
	}
	for _, o := range []struct {
		name  string
		check func(string) error
		dst   *int
	}{{"third_category_id", positiveInt, &c.products.CategoryID}, {"brand_id", positiveInt, &c.products.BrandID},
		{"order_page_size", validPageSize, &c.pageSize}} {
		if v := cfg.Options[o.name]; v != "" {
			if err := o.check(v); err != nil {
				return nil, domain.Errorf(domain.EInvalid, "%s, option %s: %v", rec, o.name, err)
			}
			*o.dst, _ = strconv.Atoi(v)
		}
	}
	pids, err := vipmap.ParsePIDs(cfg.Options)
	if err != nil {
		return nil, domain.Errorf(domain.EInvalid, "%s, %v", rec, err)
	}
	c.products.PIDs = pids
	c.gate = cfg.Gate(defaultQPS)
	// The lease outlasts one refreshToken call with its timeout.
	c.tokens = &connectors.TokenSource{Store: cfg.Tokens, Shop: c.shop, Lease: httpx.Options{}.Budget() + 10*time.Second, Mint: c.mint}
	return c, nil
}

// Shop implements connectors.Channel.
func (c *Channel) Shop() domain.ShopRef { return c.shop }

// Capabilities implements connectors.Channel.
func (c *Channel) Capabilities() connectors.Capabilities {
	return connectors.Capabilities{Review: true, OrderWindowMax: OrderWindowMax, OrderLookback: OrderLookback}
}

// Sign is the request signature of the official SDK (OspStub::createRequestSign):
// every system parameter but sign (accessToken included when present),
// sorted by name, concatenated as name+value without separators, then the
// raw body; HMAC-MD5 keyed with the app secret, upper-case hex.
func Sign(secret string, params map[string]string, body []byte) string {
	names := make([]string, 0, len(params))
	for k := range params {
		if k != "sign" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	m := hmac.New(md5.New, []byte(secret))
	for _, k := range names {
		m.Write([]byte(k))
		m.Write([]byte(params[k]))
	}
	m.Write(body)
	return strings.ToUpper(hex.EncodeToString(m.Sum(nil)))
}

// call sends one method with the shop's access token and decodes its
// result into out. A token the gateway refuses
// (vipapis.oauth-invalidate-failure) is refreshed once and the call sent
// again; refused again, it is EAuth.
func (c *Channel) call(ctx context.Context, service, method string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return domain.Errorf(domain.EInternal, "%s: encode the request: %v", method, err)
	}
	return c.tokens.WithToken(ctx, func(err error) bool { return isCode(err, CodeTokenInvalid) },
		"check that the app is still authorized for the shop and granted this API",
		func(tok connectors.Token) error { return c.send(ctx, service, method, tok.Access.Reveal(), body, out) })
}

// send is one signed request through the shop's gate; token "" sends no
// accessToken (refreshToken).
func (c *Channel) send(ctx context.Context, service, method, token string, body []byte, out any) error {
	if idempotent[method] {
		ctx = httpx.AllowRetry(ctx)
	}
	return c.gate.Do(ctx, func(ctx context.Context) error {
		params := map[string]string{"service": service, "method": method, "version": apiVersion,
			"timestamp": strconv.FormatInt(c.now().Unix(), 10), "format": "json", "appKey": c.appKey}
		if token != "" {
			params["accessToken"] = token
		}
		q := url.Values{}
		for k, v := range params {
			q.Set(k, v)
		}
		q.Set("sign", Sign(c.secret.Reveal(), params, body))
		return c.post(ctx, method, c.gateway+"/?"+q.Encode(), body, out)
	})
}

// post sends the request and reads the envelope. The URL carries the token
// and the signature, so it never appears in an error. The body decides
// whatever the HTTP status (UNCONFIRMED which status errors come with): an
// envelope is mapped; a non-200 without one is httpx.StatusError.
func (c *Channel) post(ctx context.Context, method, u string, body []byte, out any) error {
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return domain.Errorf(domain.EInvalid, "%s: gateway: the URL is malformed", method) // never the URL: it holds the access token
	}
	req.Header.Set("Content-Type", "application/json;charset=utf-8")
	resp, err := c.http.Do(req)
	if err != nil {
		return httpx.TransportError(platformName, method, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, httpx.MaxBody))
	if err != nil {
		return httpx.TransportError(platformName, method, err)
	}
	var env struct {
		ReturnCode    vipmap.Str      `json:"returnCode"`
		ReturnMessage string          `json:"returnMessage"`
		Result        json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(raw, &env); err != nil || env.ReturnCode == "" {
		if resp.StatusCode != http.StatusOK {
			return httpx.StatusError(platformName, method, resp)
		}
		return unavailable(err, method+": malformed response body")
	}
	if env.ReturnCode != "0" {
		return mapError(method, string(env.ReturnCode), env.ReturnMessage)
	}
	if out == nil || len(env.Result) == 0 || string(env.Result) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(env.Result))
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		return unavailable(err, method+": malformed result")
	}
	return nil
}

// Gateway codes (channels.md §4a), all prefixed vipapis.
const (
	CodeSignMismatch  = "vipapis.sign-not-match"
	CodeAppKeyUnknown = "vipapis.appkey-not-exist"
	CodeTokenInvalid  = "vipapis.oauth-invalidate-failure"
	CodeFlowOverrun   = "vipapis.app-flow-overrun"
	CodeMissParam     = "vipapis.miss-parameter"
	CodeParamMismatch = "vipapis.parameter-notmatch"
	CodeNoPermission  = "vipapis.api-invalidate-permission"
	CodeIPBlacklisted = "vipapis.ip-in-blackList"
	CodeNoWhiteIP     = "vipapis.white-ip-not-exist"
	CodeRequestTooBig = "vipapis.request-data-max"
	CodeTimeout       = "vipapis.response-timeOut"
	CodeSysError      = "vipapis.sys_other_error"
	// Business codes: UNCONFIRMED (no public source lists the MP
	// services' own codes); sandbox/vipshop answers the same.
	CodeNotFound      = "vipapis.marketplace.not-found"
	CodeStateConflict = "vipapis.marketplace.state-conflict"
)

// ThrottleWait is the wait after vipapis.app-flow-overrun, which announces
// none (UNCONFIRMED: per-second quotas are undocumented). The shop's gate
// holds every call of the shop that long.
const ThrottleWait = time.Second

// errorCodes maps every known code onto a domain code. Token refusals are
// EAuth here; call refreshes once before it lets one through.
var errorCodes = map[string]string{
	CodeSignMismatch:  domain.EInvalid, // our signature or the secret is wrong: retrying cannot help
	CodeAppKeyUnknown: domain.EAuth,
	CodeTokenInvalid:  domain.EAuth,
	CodeFlowOverrun:   domain.ERateLimited,
	CodeMissParam:     domain.EInvalid,
	CodeParamMismatch: domain.EInvalid,
	CodeNoPermission:  domain.EAuth, // the app is not granted the API
	CodeIPBlacklisted: domain.EAuth, // the worker's IP is refused: configuration
	CodeNoWhiteIP:     domain.EAuth,
	CodeRequestTooBig: domain.EInvalid,
	CodeTimeout:       domain.EUnavailable,
	CodeSysError:      domain.EUnavailable,
	CodeNotFound:      domain.ENotFound,
	CodeStateConflict: domain.EConflict,
}

// mapError turns an error answer into a coded domain error; an unknown code
// is EUnavailable (retried with backoff, its message kept).
func mapError(method, code, msg string) *domain.Error {
	e := &domain.Error{Platform: platformName, PlatformCode: code, Message: method + ": " + msg}
	c, ok := errorCodes[code]
	if !ok {
		c = domain.EUnavailable
	}
	e.Code = c
	if c == domain.ERateLimited {
		e.RetryAfter = ThrottleWait
	}
	return e
}

func isCode(err error, code string) bool {
	var de *domain.Error
	return errors.As(err, &de) && de.Platform == platformName && de.PlatformCode == code
}

// unavailable is an answer the connector cannot use: retryable.
func unavailable(err error, msg string) *domain.Error {
	return &domain.Error{Code: domain.EUnavailable, Platform: platformName, Message: msg, Err: err}
}
