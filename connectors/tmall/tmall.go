// Package tmall is the Taobao/Tmall connector. It speaks TOP as documented
// (../shared/channels.md §3): form POST to the router, md5 / hmac /
// hmac-sha256 signatures over ASCII-sorted parameters, GMT+8 timestamps,
// error_response in HTTP 200 bodies, yuan strings for money, and order pulls
// walked from the last page backwards.
//
// Options (connectors.ShopConfig.Options):
//
//	sign_method     md5 | hmac | hmac-sha256 (default md5, the method of the
//	                TOP doc's worked example)
//	cid             default leaf category id (default 50000671)
//	cid:<category>  leaf category id for one master category path
//	location_state  发货地省 (default 浙江)
//	location_city   发货地市 (default 杭州)
//	pid:<spec>      TOP sale property id for a spec name (颜色 and 尺码 are built
//	                in; a product with any other spec fails until it is set)
package tmall

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/httpx"
	"github.com/syncctl/syncctl/connectors/shopgate"
	"github.com/syncctl/syncctl/domain"
	tmallmap "github.com/syncctl/syncctl/mapping/tmall"
)

// Platform declares TOP to the platform registration (package platforms):
// a TOP shop is an app (app_key + app_secret) and the seller's session key,
// which TOP mints through OAuth and an operator pastes in; syncctl does not
// refresh it (only 服务市场 apps get refresh tokens).
var Platform = connectors.Platform{
	ID: "tmall", Aliases: []string{"taobao"}, Name: "Taobao/Tmall (TOP)", Kind: connectors.KindMarketplace,
	DefaultQPS: defaultQPS,
	Credentials: []connectors.CredentialSpec{
		{Name: "app_key", Help: "the app's AppKey"},
		{Name: "app_secret", Secret: true, Help: "the app's AppSecret"},
		{Name: "session", Secret: true, Help: "the seller's session key (sessionKey) from TOP OAuth"},
	},
	Options: []connectors.OptionSpec{
		{Name: "sign_method", Default: SignMD5, Help: "md5, hmac or hmac-sha256", Validate: func(v string) error {
			if v != SignMD5 && v != SignHMAC && v != SignHMACSHA256 {
				return fmt.Errorf("%q is not md5, hmac or hmac-sha256", v)
			}
			return nil
		}},
		{Name: "cid", Default: "50000671", Help: "default leaf category id"},
		{Name: "cid:", Help: "leaf category id for one master category path"},
		{Name: "location_state", Default: "浙江", Help: "发货地省"},
		{Name: "location_city", Default: "杭州", Help: "发货地市"},
		{Name: "pid:", Help: "TOP sale property id for a spec name (颜色 and 尺码 are built in)"},
	},
	New: New,
}

// defaultQPS paces a shop whose configuration names no quota.
const defaultQPS = 10

// Channel is one Tmall/Taobao shop.
type Channel struct {
	cfg     connectors.ShopConfig
	appKey  string
	secret  connectors.Secret
	session connectors.Secret
	shop    domain.ShopRef
	http    *retryablehttp.Client
	limiter *shopgate.Gate // the shop's gate: its bans and pacing, shared by every Channel of the shop
	sign    string
	opts    tmallmap.ItemOptions
	Now     func() time.Time // injectable clock for the timestamp

	mu        sync.Mutex
	items     map[string]*itemInfo // num_iid → SKUs as last read with taobao.item.seller.get, at most maxRememberedItems
	itemLocks map[string]*itemLock // num_iid → the lock of the price updates of that item running now
}

// maxRememberedItems bounds the items a Channel remembers: one it has
// forgotten is read again from TOP when a write needs its SKU ids. Without
// the bound a worker kept every item it ever pushed (about 0.5 MiB per
// 1 000 SKUs: 605 MiB after a 1 000 000-SKU push).
const maxRememberedItems = 4096

// itemLock serializes the price updates of one item; it is dropped when
// the last one waiting for it is done.
type itemLock struct {
	mu    sync.Mutex
	users int // holders and waiters, guarded by Channel.mu
}

// idempotent lists the methods that may be retried in-process (httpx
// AllowRetry): reads, and writes that set absolute values, so a second
// delivery changes nothing. taobao.item.add and taobao.logistics.offline.send
// are absent on purpose: a retry after a lost answer would list the item
// twice or ship twice. Temporal retries their activity instead, which looks
// the item up by outer id first.
var idempotent = map[string]bool{
	"taobao.item.seller.get": true, "taobao.items.custom.get": true,
	"taobao.trades.sold.increment.get": true, "taobao.trade.fullinfo.get": true,
	"taobao.item.update": true, "taobao.item.sku.price.update": true,
	"taobao.item.quantity.update": true, // always type=1 (全量): absolute
	"taobao.item.update.listing":  true, "taobao.item.update.delisting": true,
	"taobao.item.sku.delete": true, // a second delivery finds no SKU, which RemoveSKU takes as done
}

// New opens a shop from its configuration (checked against Platform by the
// registration; New checks again what it cannot work without).
func New(cfg connectors.ShopConfig) (connectors.Channel, error) {
	rec := "shop " + cfg.Ref().String()
	switch {
	case cfg.Gateway == "":
		return nil, domain.Errorf(domain.EInvalid, "%s, field gateway: required (e.g. https://eco.taobao.com/router/rest)", rec)
	case cfg.Credential("app_key") == "":
		return nil, domain.Errorf(domain.EInvalid, "%s, credential app_key: required", rec)
	case cfg.Credential("app_secret") == "":
		return nil, domain.Errorf(domain.EInvalid, "%s, credential app_secret: required (from an env var or a file)", rec)
	case cfg.Credential("session") == "":
		return nil, domain.Errorf(domain.EInvalid, "%s, credential session: required (from an env var or a file)", rec)
	}
	if u, err := url.Parse(cfg.Gateway); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, domain.Errorf(domain.EInvalid, "%s, field gateway: want an http or https URL such as https://eco.taobao.com/router/rest", rec)
	}
	opt := func(k, def string) string {
		if v := cfg.Options[k]; v != "" {
			return v
		}
		return def
	}
	sign := opt("sign_method", SignMD5)
	if sign != SignMD5 && sign != SignHMAC && sign != SignHMACSHA256 {
		return nil, domain.Errorf(domain.EInvalid, "%s, option sign_method: %q is not md5, hmac or hmac-sha256", rec, sign)
	}
	item := tmallmap.ItemOptions{CID: opt("cid", "50000671"), LocationState: opt("location_state", "浙江"),
		LocationCity: opt("location_city", "杭州"), CIDByCategory: map[string]string{}, SpecPIDs: map[string]string{}}
	for k, v := range cfg.Options {
		if c, ok := strings.CutPrefix(k, "cid:"); ok && c != "" {
			item.CIDByCategory[c] = v
		}
		if spec, ok := strings.CutPrefix(k, "pid:"); ok && spec != "" {
			item.SpecPIDs[spec] = v
		}
	}
	return &Channel{cfg: cfg, appKey: cfg.Credential("app_key"), secret: cfg.Credentials["app_secret"], session: cfg.Credentials["session"],
		shop: cfg.Ref(), http: httpx.New(httpx.Options{}),
		limiter: cfg.Gate(defaultQPS), sign: sign, opts: item, Now: time.Now,
		items: map[string]*itemInfo{}, itemLocks: map[string]*itemLock{}}, nil
}

// Shop implements connectors.Channel.
func (c *Channel) Shop() domain.ShopRef { return c.shop }

// Capabilities implements connectors.Channel.
func (c *Channel) Capabilities() connectors.Capabilities {
	return connectors.Capabilities{OrderWindowMax: 24 * time.Hour, OrderLookback: 90 * 24 * time.Hour}
}

// call signs and sends one TOP request and decodes the method's response
// object into out. All parameters travel in the form body, so no secret is
// ever part of a URL (and so of an error or a log line). Empty values are
// dropped before signing and sending, as the official SDKs do.
//
// The shop's gate holds the call while the shop is banned (by an answer to
// any of its calls, here or on another worker) and paces it at the quota; a
// throttle answer (code 7, ERateLimited with TOP's "N more seconds") bans
// the whole shop. The timestamp is taken after the wait.
func (c *Channel) call(ctx context.Context, method string, biz map[string]string, out any) error {
	return c.limiter.Do(ctx, func(ctx context.Context) error {
		params := map[string]string{"method": method, "app_key": c.appKey, "session": c.session.Reveal(),
			"timestamp": tmallmap.FormatTime(c.Now()), "format": "json", "v": "2.0", "sign_method": c.sign}
		for k, v := range biz {
			params[k] = v
		}
		form := url.Values{}
		for k, v := range params {
			if v != "" {
				form.Set(k, v)
			}
		}
		sig, err := Sign(c.sign, c.secret.Reveal(), params)
		if err != nil {
			return domain.Errorf(domain.EInvalid, "%s: %v", method, err)
		}
		form.Set("sign", sig)
		if idempotent[method] {
			ctx = httpx.AllowRetry(ctx)
		}
		body, err := httpx.Post(ctx, c.http, "tmall", method, c.cfg.Gateway, "application/x-www-form-urlencoded;charset=utf-8",
			strings.NewReader(form.Encode()), nil)
		if err != nil {
			return err
		}
		var env map[string]json.RawMessage
		if err := decode(body, &env); err != nil {
			return unavailable(err, method+": malformed response body")
		}
		if raw, ok := env["error_response"]; ok {
			var e topError
			if err := decode(raw, &e); err != nil {
				return unavailable(err, method+": malformed error_response")
			}
			return mapError(method, e)
		}
		root := strings.ReplaceAll(strings.TrimPrefix(method, "taobao."), ".", "_") + "_response"
		raw, ok := env[root]
		if !ok {
			return unavailable(nil, fmt.Sprintf("%s: response has no %s", method, root))
		}
		if out == nil {
			return nil
		}
		if err := decode(raw, out); err != nil {
			return unavailable(err, method+": malformed "+root)
		}
		return nil
	})
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
