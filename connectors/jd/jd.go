// Package jd is the connector of JD JOS (京东宙斯, channels.md §4) for a
// POP merchant shop (not registered yet: see platforms/compiled.go).
//
// Every call is a form POST to the router (https://api.jd.com/routerjson)
// with the system parameters method, app_key, access_token, timestamp
// ("yyyy-MM-dd HH:mm:ss" GMT+8), format=json, v=2.0, sign_method=md5, the
// business parameters as one JSON string 360buy_param_json, and sign: md5
// over the sorted name+value pairs (Sign). Answers are HTTP 200: success
// under "<method with dots as underscores>_responce" (JD's spelling) with
// code "0", failures as error_response{code, zh_desc, en_desc} or a
// non-"0" code inside the _responce; business results carry their own
// success flag. Codes map through one table (errors.go).
//
// Tokens: the shop's OAuth grant gives an access_token and a refresh_token;
// syncctl keeps both in the shop's TokenStore through a TokenSource and
// refreshes at <oauth_url> (grant_type=refresh_token) when the token nears
// its expires_in or JD refuses it (code 18/19: refresh once, then EAuth).
// The configured refresh_token only seeds the store.
//
// Money: ware writes send 元 as JSON numbers with two decimals, orders
// come as 元 strings or numbers (mapping/jd); both are converted exactly.
//
// Options (connectors.ShopConfig.Options):
//
//	category_id      leaf category id of new wares (default 1349, a sample)
//	attr:<spec>      JD sale attribute id of a spec name (颜色 and 尺码 have
//	                 placeholders, see mapping/jd DefaultAttrIDs)
//	oauth_url        the refresh endpoint (default the JD OAuth host's
//	                 /oauth2/refresh_token)
//	order_page_size  orders a page of pop.order.search, 1 to 100 (default 100)
package jd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/httpx"
	"github.com/syncctl/syncctl/connectors/shopgate"
	"github.com/syncctl/syncctl/domain"
	jdmap "github.com/syncctl/syncctl/mapping/jd"
)

// Order query limits. UNCONFIRMED (channels.md §4 lists the parameters of
// jingdong.pop.order.search, not its limits): a window of at most one day
// (TOP's, the strictest marketplace rule known), orders modified within
// the last 90 days, pages of at most 100. sandbox/jd enforces the same.
const (
	OrderWindowMax  = 24 * time.Hour
	OrderLookback   = 90 * 24 * time.Hour
	MaxPageSize     = 100
	DefaultCategory = "1349"
	DefaultOAuthURL = "https://open-oauth.jd.com/oauth2/refresh_token"
)

// defaultQPS paces a shop whose configuration names no quota (JD publishes
// per-app daily quotas, no per-second figure).
const defaultQPS = 5

// Platform declares JD to the platform registration (not registered yet:
// see platforms/compiled.go).
var Platform = connectors.Platform{
	ID: "jd", Name: "JD JOS 京东", Kind: connectors.KindMarketplace, DefaultQPS: defaultQPS,
	Credentials: []connectors.CredentialSpec{
		{Name: "app_key", Help: "the app's AppKey"},
		{Name: "app_secret", Secret: true, Help: "the app's AppSecret"},
		{Name: "refresh_token", Secret: true, Help: "the refresh_token of the shop's OAuth grant; syncctl keeps the ones it is given next"},
		{Name: "access_token", Minted: true, Help: "refreshed by syncctl with the refresh_token"},
	},
	Options: []connectors.OptionSpec{
		{Name: "category_id", Default: DefaultCategory, Help: "leaf category id of new wares", Validate: digits},
		{Name: "attr:", Help: "JD sale attribute id of a spec name", Validate: digits},
		{Name: "oauth_url", Default: DefaultOAuthURL, Help: "the OAuth refresh endpoint", Validate: httpURL},
		{Name: "order_page_size", Default: strconv.Itoa(MaxPageSize), Help: "orders a page, 1 to 100", Validate: validPageSize},
	},
	New: New,
}

func digits(v string) error {
	if !domain.Digits(v) {
		return fmt.Errorf("%q is not a numeric id", v)
	}
	return nil
}

func httpURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("want an http or https URL")
	}
	return nil
}

func validPageSize(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxPageSize {
		return fmt.Errorf("%q is not a page size from 1 to %d", v, MaxPageSize)
	}
	return nil
}

// idempotent lists the methods that may be retried in-process: reads and
// writes of absolute values. ware.write.add and pop.order.shipment are
// absent on purpose (a retry after a lost answer would list twice or ship
// twice); Temporal retries their activity, and a retried create looks the
// ware up by its 货号 first (MayExist).
var idempotent = map[string]bool{
	"jingdong.ware.read.searchWare4Valid": true, "jingdong.sku.read.searchSkuList": true,
	"jingdong.ware.write.updateWare": true, "jingdong.sku.write.updateSkus": true,
	"jingdong.price.write.updateSkuJdPrice": true, "jingdong.stock.write.updateSkuStock": true,
	"jingdong.ware.write.upOrDown": true, "jingdong.pop.order.search": true, "jingdong.pop.order.get": true,
}

// Channel is one JD shop.
type Channel struct {
	shop     domain.ShopRef
	gateway  string
	oauthURL string
	appKey   string
	secret   connectors.Secret
	seed     connectors.Secret // the configured refresh_token
	http     *retryablehttp.Client
	gate     *shopgate.Gate
	tokens   *connectors.TokenSource
	ware     jdmap.WareOptions
	pageSize int
	Now      func() time.Time // the timestamp's clock
}

var _ connectors.Channel = (*Channel)(nil)

// New opens a shop from its configuration.
func New(cfg connectors.ShopConfig) (connectors.Channel, error) {
	rec := "shop " + cfg.Ref().String()
	for _, name := range []string{"app_key", "app_secret", "refresh_token"} {
		if cfg.Credential(name) == "" {
			return nil, domain.Errorf(domain.EInvalid, "%s, credential %s: required", rec, name)
		}
	}
	if cfg.Gateway == "" || httpURL(cfg.Gateway) != nil {
		return nil, domain.Errorf(domain.EInvalid, "%s, field gateway: want an http or https URL such as https://api.jd.com/routerjson", rec)
	}
	opt := func(k, def string) string {
		if v := cfg.Options[k]; v != "" {
			return v
		}
		return def
	}
	c := &Channel{shop: cfg.Ref(), gateway: cfg.Gateway, oauthURL: opt("oauth_url", DefaultOAuthURL),
		appKey: cfg.Credential("app_key"), secret: cfg.Credentials["app_secret"], seed: cfg.Credentials["refresh_token"],
		http: httpx.New(httpx.Options{}), Now: time.Now,
		ware: jdmap.WareOptions{CategoryID: opt("category_id", DefaultCategory), AttrIDs: map[string]string{}}}
	for _, check := range []struct {
		name string
		err  error
	}{{"oauth_url", httpURL(c.oauthURL)}, {"category_id", digits(c.ware.CategoryID)}, {"order_page_size", validPageSize(opt("order_page_size", strconv.Itoa(MaxPageSize)))}} {
		if check.err != nil {
			return nil, domain.Errorf(domain.EInvalid, "%s, option %s: %v", rec, check.name, check.err)
		}
	}
	c.pageSize, _ = strconv.Atoi(opt("order_page_size", strconv.Itoa(MaxPageSize)))
	for k, v := range cfg.Options {
		if spec, ok := strings.CutPrefix(k, "attr:"); ok && spec != "" {
			if digits(v) != nil {
				return nil, domain.Errorf(domain.EInvalid, "%s, option %s: %q is not a numeric id", rec, k, v)
			}
			c.ware.AttrIDs[spec] = v
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
	return connectors.Capabilities{OrderWindowMax: OrderWindowMax, OrderLookback: OrderLookback}
}

// mint refreshes the access token with the stored refresh token (the
// configured one when the store has none). JD may rotate the refresh
// token: the answer's one is kept. The request goes as a form body, not
// the query the integrators use, so the secret never sits in a URL
// (UNCONFIRMED that JD reads the body; sandbox/jd reads both).
func (c *Channel) mint(ctx context.Context, cur connectors.Token, have bool) (connectors.Token, error) {
	refresh := c.seed.Reveal()
	if have && cur.Refresh != "" {
		refresh = cur.Refresh.Reveal()
	}
	form := url.Values{"app_key": {c.appKey}, "app_secret": {c.secret.Reveal()}, "grant_type": {"refresh_token"}, "refresh_token": {refresh}}
	var r struct {
		Code         json.Number `json:"code"`
		Msg          string      `json:"msg"`
		AccessToken  string      `json:"access_token"`
		RefreshToken string      `json:"refresh_token"`
		ExpiresIn    int64       `json:"expires_in"` // seconds
	}
	var tok connectors.Token
	err := c.gate.Do(ctx, func(ctx context.Context) error {
		raw, err := httpx.Post(ctx, c.http, "jd", "oauth2.refresh_token", c.oauthURL, "application/x-www-form-urlencoded;charset=utf-8",
			strings.NewReader(form.Encode()), nil)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			return unavailable(err, "oauth2.refresh_token: malformed response body")
		}
		if r.AccessToken == "" {
			return &domain.Error{Code: domain.EAuth, Platform: "jd", PlatformCode: r.Code.String(),
				Message: "oauth2.refresh_token: " + r.Msg + " (the refresh_token was refused: authorize the app for the shop again and configure its refresh_token)"}
		}
		tok = connectors.Token{Access: connectors.Secret(r.AccessToken), Refresh: connectors.Secret(r.RefreshToken)}
		if r.ExpiresIn > 0 {
			tok.Expires = c.Now().Add(time.Duration(r.ExpiresIn) * time.Second)
		}
		return nil
	})
	return tok, err
}

// call signs and sends one JOS method with its business parameters and
// decodes the method's _responce object into out. A token refusal
// refreshes the token and retries once; a second one is EAuth.
func (c *Channel) call(ctx context.Context, method string, biz, out any) error {
	pj, err := json.Marshal(biz)
	if err != nil {
		return domain.Errorf(domain.EInternal, "%s: encode 360buy_param_json: %v", method, err)
	}
	return c.tokens.WithToken(ctx, func(err error) bool { return domain.ErrorCode(err) == tokenError }, "authorize the app for the shop again",
		func(tok connectors.Token) error {
			return c.gate.Do(ctx, func(ctx context.Context) error { return c.send(ctx, method, string(pj), tok, out) })
		})
}

// send makes one signed POST. Every parameter travels in the form body, so
// no token or signature is ever part of a URL (or of an error).
func (c *Channel) send(ctx context.Context, method, paramJSON string, tok connectors.Token, out any) error {
	params := map[string]string{"method": method, "app_key": c.appKey, "access_token": tok.Access.Reveal(),
		"timestamp": jdmap.FormatTime(c.Now()), "format": "json", "v": "2.0", "sign_method": "md5", "360buy_param_json": paramJSON}
	form := url.Values{}
	for k, v := range params {
		if v != "" {
			form.Set(k, v)
		}
	}
	form.Set("sign", Sign(c.secret.Reveal(), params))
	if idempotent[method] {
		ctx = httpx.AllowRetry(ctx)
	}
	body, err := httpx.Post(ctx, c.http, "jd", method, c.gateway, "application/x-www-form-urlencoded;charset=utf-8",
		strings.NewReader(form.Encode()), nil)
	if err != nil {
		return err
	}
	return decodeAnswer(method, body, out)
}

// jdErr is error_response, and the code fields of a _responce.
type jdErr struct {
	Code   jdmap.ID `json:"code"`
	ZhDesc string   `json:"zh_desc"`
	EnDesc string   `json:"en_desc"`
}

// ResponseRoot is the key of a method's success answer: dots as
// underscores, then "_responce" (sic).
func ResponseRoot(method string) string { return strings.ReplaceAll(method, ".", "_") + "_responce" }

// decodeAnswer reads an answer: error_response, or the method's _responce
// whose code must be "0".
func decodeAnswer(method string, body []byte, out any) error {
	var env map[string]json.RawMessage
	if err := decode(body, &env); err != nil {
		return unavailable(err, method+": malformed response body")
	}
	if raw, ok := env["error_response"]; ok {
		var e jdErr
		if err := decode(raw, &e); err != nil {
			return unavailable(err, method+": malformed error_response")
		}
		return mapError(method, string(e.Code), e.ZhDesc, e.EnDesc)
	}
	root := ResponseRoot(method)
	raw, ok := env[root]
	if !ok {
		return unavailable(nil, fmt.Sprintf("%s: the answer has no %s", method, root))
	}
	var e jdErr
	if err := decode(raw, &e); err != nil {
		return unavailable(err, method+": malformed "+root)
	}
	if e.Code != "0" {
		return mapError(method, string(e.Code), e.ZhDesc, e.EnDesc)
	}
	if out == nil {
		return nil
	}
	if err := decode(raw, out); err != nil {
		return unavailable(err, method+": malformed "+root)
	}
	return nil
}

// decode reads one JSON value with its numbers as json.Number. Anything
// after it (an answer cut and spliced, two answers in one) is malformed.
func decode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return nil
}

// result is the success flag and codes of a business result inside a
// _responce (apiResult, sopjosshipment_result): a failure there maps
// through the same code table.
type result struct {
	Success        bool     `json:"success"`
	NumberCode     jdmap.ID `json:"numberCode"`
	ErrorCode      jdmap.ID `json:"errorCode"`
	ChineseErrCode string   `json:"chineseErrCode"`
	EnglishErrCode string   `json:"englishErrCode"`
}

func (r result) err(method string) error {
	if r.Success {
		return nil
	}
	code := string(r.NumberCode)
	if code == "" {
		code = string(r.ErrorCode)
	}
	return mapError(method, code, r.ChineseErrCode, r.EnglishErrCode)
}
