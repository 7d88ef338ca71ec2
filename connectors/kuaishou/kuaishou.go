// Package kuaishou is the connector of Kuaishou 快手电商开放平台 + 分销
// (channels.md §6), for one shop that authorised the app (OAuth2 code).
// Not registered yet: see platforms/compiled.go.
//
// Every call goes to <gateway>/open/<method with . → /> with appkey, method,
// version=1, param (the business JSON), access_token, timestamp (ms),
// signMethod and sign (Sign), form-encoded: GET for reads, POST for writes.
// Every answer is HTTP 200 and the body decides: result 1 is success.
//
// Tokens: the access token lives 48 h; the refresh token lives 180 days and
// ROTATES: each refresh returns a new one and the old one dies minutes later.
// So the refresh token is kept in the shop's connectors.TokenStore beside
// the access token (seeded from the configured refresh_token the first
// time), and every refresh runs under the store's lease through a
// connectors.TokenSource: two workers never refresh with the same refresh
// token, and the one that did not refresh reloads the stored pair.
//
// Push: it is a connectors.PushReceiver for the app's message service
// (消息服务, push.go), with the optional message_private_key credential.
//
// Options (connectors.ShopConfig.Options):
//
//	category_id      the Kuaishou leaf category of pushed items (open.item.new categoryId)
//	sign_method      HMAC_SHA256 (default) or MD5
//	order_page_size  orders a page of open.order.cursor.list, 1 to 50 (default 50)
package kuaishou

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/httpx"
	"github.com/syncctl/syncctl/connectors/shopgate"
	"github.com/syncctl/syncctl/domain"
)

// platformName names the platform in errors.
const platformName = "kuaishou"

// Order query limits of open.order.cursor.list (channels.md §6.5, §0.5).
const (
	OrderWindowMax = 7 * 24 * time.Hour
	OrderLookback  = 90 * 24 * time.Hour
	// MaxOrderPageSize: 50 per the SDK schema, 100 per one integrator
	// (UNCONFIRMED); the smaller is safe either way.
	MaxOrderPageSize = 50
)

// defaultQPS paces a shop whose configuration names no quota: well under
// the published 50 calls/s per user of the item APIs (channels.md §6.6).
const defaultQPS = 20

// Platform declares Kuaishou to the platform registration (not registered
// yet: see platforms/compiled.go).
var Platform = connectors.Platform{
	ID: "kuaishou", Name: "Kuaishou 快手电商 + 分销", Kind: connectors.KindCPSPool, DefaultQPS: defaultQPS, Pool: "分销",
	Credentials: []connectors.CredentialSpec{
		{Name: "appkey", Help: "the app's appKey (also its OAuth app_id)"},
		{Name: "app_secret", Secret: true, Help: "the app's appSecret, for /oauth2/refresh_token"},
		{Name: "sign_secret", Secret: true, Help: "the app's signSecret, for request signatures"},
		{Name: "refresh_token", Secret: true, Help: "the shop's refresh token from its authorisation; used once to seed the token store, which keeps the rotated ones"},
		{Name: "access_token", Minted: true, Help: "refreshed by syncctl every 48 h and kept, with the current refresh token, in the shop's token store"},
		// Push messages (VerifyPush) need it; a shop without it is polled only.
		{Name: "message_private_key", Secret: true, Optional: true, Help: "the app's 消息服务 privateKey (Base64 AES key), to decrypt push messages"},
	},
	Options: []connectors.OptionSpec{
		{Name: "category_id", Help: "Kuaishou leaf category id of pushed items", Validate: validCategory},
		{Name: "sign_method", Default: SignHMACSHA256, Help: "HMAC_SHA256 or MD5", Validate: validSignMethod},
		{Name: "order_page_size", Default: strconv.Itoa(MaxOrderPageSize), Help: "orders a page, 1 to 50", Validate: validPageSize},
	},
	New: New,
}

func validCategory(v string) error {
	if n, err := strconv.ParseInt(v, 10, 64); err != nil || n <= 0 {
		return fmt.Errorf("%q is not a category id", v)
	}
	return nil
}

func validSignMethod(v string) error {
	if v != SignMD5 && v != SignHMACSHA256 {
		return fmt.Errorf("%q is not HMAC_SHA256 or MD5", v)
	}
	return nil
}

func validPageSize(v string) error {
	if n, err := strconv.Atoi(v); err != nil || n < 1 || n > MaxOrderPageSize {
		return fmt.Errorf("%q is not a page size from 1 to %d", v, MaxOrderPageSize)
	}
	return nil
}

// api is how one method is called.
type api struct {
	get        bool // GET with the parameters in the query; POST with a form body otherwise
	idempotent bool // may be retried in-process: reads and absolute writes
}

// apis is every method the connector calls. The HTTP method of each is
// UNCONFIRMED beyond "GET by default, POST for writes" (channels.md §6.3).
// Deltas (stock, autopass.edit), creates and deliver are never retried
// in-process: Temporal retries the activity, which reads the state first.
var apis = map[string]api{
	"open.item.new":                   {false, false},
	"open.item.edit":                  {false, true},
	"open.item.get":                   {true, true},
	"open.item.list.get":              {true, true},
	"open.item.autopass.edit":         {false, false},
	"open.item.sku.stock.update":      {false, false},
	"open.item.shelf.status.update":   {false, true},
	"open.order.cursor.list":          {true, true},
	"open.order.detail":               {true, true},
	"open.seller.order.goods.deliver": {false, false},
	"open.distribution.plan.create":   {false, false},
	"open.distribution.plan.update":   {false, true},
	"open.distribution.plan.query":    {true, true},
}

// Channel is one Kuaishou shop.
type Channel struct {
	shop         domain.ShopRef
	gateway      string
	appKey       string
	appSecret    connectors.Secret
	signSecret   connectors.Secret
	seedRefresh  connectors.Secret
	signMethod   string
	categoryID   int64
	pageSize     int
	http         *retryablehttp.Client
	gate         *shopgate.Gate
	tokens       *connectors.TokenSource
	mintDeadline time.Duration
	now          func() time.Time

	mu        sync.Mutex
	exhausted map[string]time.Time // method → end of its [1017] daily quota

	messageKey []byte // the decoded message_private_key (push.go); nil when the shop has none
}

var (
	_ connectors.Channel       = (*Channel)(nil)
	_ connectors.PromotionPool = (*Channel)(nil)
	_ connectors.PushReceiver  = (*Channel)(nil) // push.go: the message service
)

// New opens a shop from its configuration.
func New(cfg connectors.ShopConfig) (connectors.Channel, error) {
	return open(cfg, time.Now)
}

func open(cfg connectors.ShopConfig, now func() time.Time) (*Channel, error) {
	rec := "shop " + cfg.Ref().String()
	for _, name := range []string{"appkey", "app_secret", "sign_secret", "refresh_token"} {
		if cfg.Credential(name) == "" {
			return nil, domain.Errorf(domain.EInvalid, "%s, credential %s: required", rec, name)
		}
	}
	if u, err := url.Parse(cfg.Gateway); cfg.Gateway == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, domain.Errorf(domain.EInvalid, "%s, field gateway: want an http or https URL such as https://openapi.kwaixiaodian.com", rec)
	}
	c := &Channel{shop: cfg.Ref(), gateway: strings.TrimRight(cfg.Gateway, "/"), appKey: cfg.Credential("appkey"),
		appSecret: cfg.Credentials["app_secret"], signSecret: cfg.Credentials["sign_secret"], seedRefresh: cfg.Credentials["refresh_token"],
		signMethod: SignHMACSHA256, pageSize: MaxOrderPageSize, http: httpx.New(httpx.Options{}), now: now, exhausted: map[string]time.Time{}}
	if v := cfg.Options["sign_method"]; v != "" {
		if err := validSignMethod(v); err != nil {
			return nil, domain.Errorf(domain.EInvalid, "%s, option sign_method: %v", rec, err)
		}
		c.signMethod = v
	}
	if v := cfg.Options["order_page_size"]; v != "" {
		if err := validPageSize(v); err != nil {
			return nil, domain.Errorf(domain.EInvalid, "%s, option order_page_size: %v", rec, err)
		}
		c.pageSize, _ = strconv.Atoi(v)
	}
	if v := cfg.Options["category_id"]; v != "" {
		if err := validCategory(v); err != nil {
			return nil, domain.Errorf(domain.EInvalid, "%s, option category_id: %v", rec, err)
		}
		c.categoryID, _ = strconv.ParseInt(v, 10, 64)
	}
	if v := cfg.Credential("message_private_key"); v != "" {
		key, err := messageKey(v)
		if err != nil {
			return nil, domain.Errorf(domain.EInvalid, "%s, credential message_private_key: %v", rec, err)
		}
		c.messageKey = key
	}
	c.gate = cfg.Gate(defaultQPS)
	// A refresh must end well inside its lease: were the lease to run out
	// while the refresh is in flight, another worker could refresh with the
	// same refresh token. The mint is bounded by the HTTP budget; the lease
	// outlasts it.
	c.mintDeadline = httpx.Options{}.Budget()
	c.tokens = &connectors.TokenSource{Store: cfg.Tokens, Shop: c.shop, Lease: c.mintDeadline + 30*time.Second, Mint: c.mint, Now: now}
	return c, nil
}

// Shop implements connectors.Channel.
func (c *Channel) Shop() domain.ShopRef { return c.shop }

// Capabilities implements connectors.Channel. Item audit is not tracked
// (Review false): its states are UNCONFIRMED.
func (c *Channel) Capabilities() connectors.Capabilities {
	return connectors.Capabilities{OrderWindowMax: OrderWindowMax, OrderLookback: OrderLookback}
}

// unavailable is an answer the connector cannot use: retryable.
func unavailable(err error, msg string) *domain.Error {
	return &domain.Error{Code: domain.EUnavailable, Platform: platformName, Message: msg, Err: err}
}
