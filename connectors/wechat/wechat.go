// Package wechat is the connector of WeChat 微信小店 (channels/ec). It
// speaks the platform's JSON protocol (sandbox/wechat serves it): POST
// <gateway>/channels/ec/<module>/<action>?access_token=… with a JSON body;
// every answer is HTTP 200 with {"errcode":0,"errmsg":"ok",…} or a non-zero
// errcode. The access token comes from POST <gateway>/cgi-bin/stable_token
// (appid + secret, 7200 s) through a connectors.TokenSource over the
// shop's TokenStore, so every worker shares one token and one refresh.
//
// Beyond connectors.Channel it is a ReviewTracker, a PromotionPool (优选联盟
// 普通推广, league/item/*), a SKURemover (auditfree is_delete, or the draft
// again without the SKU), AfterSales (aftersale/getaftersalelist by
// update time) and a PushReceiver (VerifyPush: 消息推送 in security mode,
// with the optional push_token and encoding_aes_key credentials). Ship
// translates syncctl's carrier codes through wechatmap.Carriers and sends
// split parcels.
//
// Options (connectors.ShopConfig.Options):
//
//	cat_ids  the platform category path of pushed products (cats_v2), as
//	         comma-separated ids, e.g. "6033,6057,6091"
package wechat

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
)

// platformName names the platform in errors.
const platformName = "wechat_shop"

// defaultQPS paces a shop whose configuration names no quota (channels/ec
// QPS figures are UNCONFIRMED; 45011 answers bans the shop to the next minute).
const defaultQPS = 5

// OrderWindowMax is order/list/get's longest update_time_range.
const OrderWindowMax = 7 * 24 * time.Hour

// orderPageSize is order/list/get's page_size: the platform's most.
const orderPageSize = 100

// Platform declares WeChat 微信小店 to the platform registration.
var Platform = connectors.Platform{
	ID: "wechat_shop", Name: "WeChat 微信小店 (channels/ec)", Kind: connectors.KindMiniProgram, DefaultQPS: defaultQPS, Pool: "优选联盟",
	Credentials: []connectors.CredentialSpec{
		{Name: "appid", Help: "the shop's AppID"},
		{Name: "secret", Secret: true, Help: "the shop's AppSecret"},
		{Name: "access_token", Minted: true, Help: "fetched with cgi-bin/stable_token and kept in the shop's token store"},
		// Push messages (VerifyPush) need both; a shop without them is polled only.
		{Name: "push_token", Secret: true, Optional: true, Help: "the Token of the shop's 消息推送 settings, to verify push messages"},
		{Name: "encoding_aes_key", Secret: true, Optional: true, Help: "the EncodingAESKey (43 characters) of the shop's 消息推送 settings, to decrypt push messages"},
	},
	Options: []connectors.OptionSpec{
		{Name: "cat_ids", Help: "category path of pushed products (cats_v2), comma-separated ids", Validate: validCatIDs},
	},
	New: New,
}

func validCatIDs(v string) error {
	if _, err := catIDs(v); err != nil {
		return err
	}
	return nil
}

func catIDs(v string) ([]string, error) {
	if v == "" {
		return nil, nil
	}
	ids := strings.Split(v, ",")
	for _, id := range ids {
		if !domain.Digits(id) {
			return nil, fmt.Errorf("%q is not a comma-separated list of category ids such as \"6033,6057\"", v)
		}
	}
	return ids, nil
}

// Channel is one shop on 微信小店.
type Channel struct {
	shop    domain.ShopRef
	gateway string
	appID   string
	secret  connectors.Secret
	http    *retryablehttp.Client
	gate    *shopgate.Gate
	tokens  *connectors.TokenSource
	catIDs  []string
	now     func() time.Time
	// The 消息推送 Token and EncodingAESKey ("" when the shop has none).
	pushToken, pushAESKey connectors.Secret
}

var (
	_ connectors.Channel       = (*Channel)(nil)
	_ connectors.ReviewTracker = (*Channel)(nil)
	_ connectors.SKURemover    = (*Channel)(nil)
	_ connectors.AfterSales    = (*Channel)(nil)
)

// idempotent lists the methods that may be retried in-process: reads and
// writes of absolute values. product/add (a retry would create a second
// product), product/stock/update (a delta applied twice) and
// order/delivery/send are absent: Temporal retries their activity, which
// reads the state first.
var idempotent = map[string]bool{
	"product/get": true, "product/list/get": true, "order/list/get": true, "order/get": true, "product/update": true,
	"product/auditfree": true, "product/listing": true, "product/delisting": true,
	"league/item/get": true, "league/item/upd": true, "league/item/delete": true,
	"aftersale/getaftersalelist": true, "aftersale/getaftersaleorder": true,
}

// New opens a shop from its configuration.
func New(cfg connectors.ShopConfig) (connectors.Channel, error) {
	rec := "shop " + cfg.Ref().String()
	for _, name := range []string{"appid", "secret"} {
		if cfg.Credential(name) == "" {
			return nil, domain.Errorf(domain.EInvalid, "%s, credential %s: required", rec, name)
		}
	}
	if u, err := url.Parse(cfg.Gateway); cfg.Gateway == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, domain.Errorf(domain.EInvalid, "%s, field gateway: want an http or https URL such as https://api.weixin.qq.com", rec)
	}
	cats, err := catIDs(cfg.Options["cat_ids"])
	if err != nil {
		return nil, domain.Errorf(domain.EInvalid, "%s, option cat_ids: %v", rec, err)
	}
	if k := cfg.Credential("encoding_aes_key"); k != "" {
		if _, err := aesKey(k); err != nil {
			return nil, domain.Errorf(domain.EInvalid, "%s, credential encoding_aes_key: must be the 43 base64 characters of the shop's 消息推送 EncodingAESKey", rec)
		}
	}
	c := &Channel{shop: cfg.Ref(), gateway: strings.TrimRight(cfg.Gateway, "/"), appID: cfg.Credential("appid"), secret: cfg.Credentials["secret"],
		pushToken: cfg.Credentials["push_token"], pushAESKey: cfg.Credentials["encoding_aes_key"],
		http: httpx.New(httpx.Options{}), catIDs: cats, now: time.Now}
	c.gate = cfg.Gate(defaultQPS)
	// The lease outlasts one stable_token call with its retries.
	c.tokens = &connectors.TokenSource{Store: cfg.Tokens, Shop: c.shop, Lease: httpx.Options{}.Budget() + 10*time.Second, Mint: c.mint}
	return c, nil
}

// Shop implements connectors.Channel.
func (c *Channel) Shop() domain.ShopRef { return c.shop }

// Capabilities implements connectors.Channel.
func (c *Channel) Capabilities() connectors.Capabilities {
	return connectors.Capabilities{Review: true, OrderWindowMax: OrderWindowMax, OrderLookback: 365 * 24 * time.Hour}
}

// envelope is the error part of every answer.
type envelope struct {
	ErrCode *int   `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// mint fetches a token with cgi-bin/stable_token (normal mode: the
// platform hands out the same token until shortly before it expires).
func (c *Channel) mint(ctx context.Context, _ connectors.Token, _ bool) (connectors.Token, error) {
	in := map[string]any{"grant_type": "client_credential", "appid": c.appID, "secret": c.secret.Reveal(), "force_refresh": false}
	var r struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	err := c.gate.Do(ctx, func(ctx context.Context) error {
		return c.post(httpx.AllowRetry(ctx), "stable_token", c.gateway+"/cgi-bin/stable_token", in, &r, false)
	})
	if err != nil {
		return connectors.Token{}, err
	}
	if r.AccessToken == "" || r.ExpiresIn <= 0 {
		return connectors.Token{}, unavailable(nil, "stable_token: the answer has no access_token or expires_in")
	}
	return connectors.Token{Access: connectors.Secret(r.AccessToken), Expires: c.now().Add(time.Duration(r.ExpiresIn) * time.Second)}, nil
}

// call sends one channels/ec method with the shop's token and decodes the
// answer into out (a *json.RawMessage takes the whole body). A token the
// platform refuses (40001, 40014, 42001) is refreshed and the call sent once
// more; refused again, it is EAuth.
func (c *Channel) call(ctx context.Context, method string, in, out any) error {
	return c.tokens.WithToken(ctx, tokenRefused, "check the shop's appid, secret and API permissions",
		func(tok connectors.Token) error { return c.send(ctx, method, tok, in, out) })
}

func (c *Channel) send(ctx context.Context, method string, tok connectors.Token, in, out any) error {
	if idempotent[method] {
		ctx = httpx.AllowRetry(ctx)
	}
	u := c.gateway + "/channels/ec/" + method + "?access_token=" + url.QueryEscape(tok.Access.Reveal())
	err := c.gate.Do(ctx, func(ctx context.Context) error { return c.post(ctx, method, u, in, out, true) })
	var sku skuThrottled
	if errors.As(err, &sku) {
		return sku.err // throttled for one SKU: not a ban of the shop
	}
	return err
}

// skuThrottled carries a 10020112 answer past the shop's gate, which would
// otherwise ban every call of the shop for one SKU's limit. It has no
// Unwrap on purpose.
type skuThrottled struct{ err *domain.Error }

func (s skuThrottled) Error() string { return s.err.Error() }

// post is one request. The URL carries the token, so it never appears in
// an error (httpx.Post names only the method).
func (c *Channel) post(ctx context.Context, method, u string, in, out any, needCode bool) error {
	body, err := json.Marshal(in)
	if err != nil {
		return domain.Errorf(domain.EInternal, "%s: encode the request: %v", method, err)
	}
	raw, err := httpx.Post(ctx, c.http, platformName, method, u, "application/json", bytes.NewReader(body), nil)
	if err != nil {
		return err
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil || (needCode && env.ErrCode == nil) {
		return unavailable(err, method+": malformed response body")
	}
	if env.ErrCode != nil && *env.ErrCode != 0 {
		e := mapError(method, *env.ErrCode, env.ErrMsg, c.now())
		if *env.ErrCode == codeSKUStockFreq {
			return skuThrottled{e}
		}
		return e
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return unavailable(err, method+": malformed answer")
	}
	return nil
}

// Error codes the connector treats apart (channels.md §1).
const (
	codeBusy          = -1
	codeInvalidToken  = 40001
	codeBadToken      = 40014
	codeExpiredToken  = 42001
	codeInvalidAppID  = 40013
	codeInvalidSecret = 40125
	codeDailyQuota    = 45009
	codeMinuteQuota   = 45011
	codeSKUStockFreq  = 10020112
	codeNotFound      = 10020052
	codeDelistInAudit = 10020047
	codeNotListed     = 10020065
	codeStockInAudit  = 10020217
	codeNeverListed   = 10020289
)

// skuStockWait is how long one SKU's stock is left alone after 10020112
// (the platform names no figure: UNCONFIRMED).
const skuStockWait = time.Minute

var gmt8 = time.FixedZone("GMT+8", 8*3600)

// mapError turns an errcode into a coded domain error: -1 is retryable,
// 45011 rate-limited until the next minute, 45009 until the quota day
// resets at midnight GMT+8, 10020112 for that SKU, token and credential
// codes are EAuth, a missing record ENotFound, a draft in audit or a
// product never listed (or not listed, for 优选联盟) EConflict, every other
// code invalid (the errmsg names the problem: 10025012 a delivery_id,
// 10023007 a shop without 优选联盟).
func mapError(method string, code int, msg string, now time.Time) *domain.Error {
	e := &domain.Error{Platform: platformName, PlatformCode: strconv.Itoa(code), Message: method + ": " + msg}
	switch code {
	case codeBusy:
		e.Code = domain.EUnavailable
	case codeMinuteQuota:
		next := now.Truncate(time.Minute).Add(time.Minute)
		e.Code, e.RetryAfter = domain.ERateLimited, next.Sub(now)
	case codeDailyQuota:
		t := now.In(gmt8)
		midnight := time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, gmt8)
		e.Code, e.RetryAfter = domain.ERateLimited, midnight.Sub(now)
	case codeSKUStockFreq:
		e.Code, e.RetryAfter = domain.ERateLimited, skuStockWait
	case codeInvalidToken, codeBadToken, codeExpiredToken, codeInvalidAppID, codeInvalidSecret, 41001:
		e.Code = domain.EAuth
	case codeNotFound, codeLeagueNoProduct:
		e.Code = domain.ENotFound
	case codeStockInAudit, codeDelistInAudit, codeNeverListed, codeLeagueNotListed:
		// The product's state, not the request, is wrong: a draft in audit,
		// or a product whose first review has not passed yet.
		e.Code = domain.EConflict
	default:
		e.Code = domain.EInvalid
	}
	return e
}

// tokenRefused reports whether err is the platform refusing the token.
func tokenRefused(err error) bool {
	var de *domain.Error
	if !errors.As(err, &de) || de.Platform != platformName {
		return false
	}
	switch de.PlatformCode {
	case strconv.Itoa(codeInvalidToken), strconv.Itoa(codeBadToken), strconv.Itoa(codeExpiredToken):
		return true
	}
	return false
}

// unavailable is an answer the connector cannot use: retryable.
func unavailable(err error, msg string) *domain.Error {
	return &domain.Error{Code: domain.EUnavailable, Platform: platformName, Message: msg, Err: err}
}
