package vipshop

import (
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// Platform declares the Vipshop sandbox to the platform registration (not
// registered yet).
var Platform = kit.Platform{
	ID: "vipshop",
	Credentials: []kit.Credential{
		{Name: "app_key", New: func() string { return kit.RandHex(6) }},
		{Name: "app_secret", New: func() string { return kit.RandHex(16) }},
		{Name: "refresh_token", New: func() string { return "vipsbr_" + kit.RandHex(20) }},
	},
	Open: func(c kit.Config) (kit.Sandbox, error) {
		cfg := Config{AppKey: c.Credentials["app_key"], AppSecret: c.Credentials["app_secret"], RefreshToken: c.Credentials["refresh_token"],
			QPS: c.QPS, OrdersPerMinute: c.OrdersPerMinute, CancelRate: DefaultCancelRate, Seed: c.Seed, StateFile: c.StateFile, Now: c.Now}
		if err := ApplyOptions(&cfg, c.Options); err != nil {
			return nil, err
		}
		return Open(cfg)
	},
	Options: kit.ReviewOptionNames,
	// The gateway is the base URL (the connector posts to <gateway>/). The
	// sandbox takes any category and brand id; these fit the sample catalog.
	Shop: func(baseURL string) kit.ShopSetup {
		return kit.ShopSetup{Gateway: baseURL, Options: map[string]string{"third_category_id": "8412", "brand_id": "10001",
			"pid:规格": "1001", "pid:口味": "1002", "pid:型号": "1003", "pid:容量": "1004", "pid:尺寸": "1005", "pid:长度": "1006"}}
	},
	Help: help,
}

const help = `Run the sandbox of Vipshop 唯品会 VOP (MP marketplace).

It serves POST / with the system parameters in the query string (service,
method, version 1.0.0, timestamp in epoch seconds within 10 minutes, format
json, appKey, accessToken, sign) and a JSON body keyed by argument names.
sign = upper-case hex HMAC-MD5(app_secret, sorted name+value of the system
parameters + raw body). Answers, all HTTP 200: {"returnCode":"0","result":…}
or {"returnCode":"vipapis.…","returnMessage":…}: sign-not-match,
appkey-not-exist, oauth-invalidate-failure (token missing, unknown or
expired), app-flow-overrun (over the QPS), miss-parameter,
parameter-notmatch, api-invalidate-permission, request-data-max.

Tokens: vipapis.oauth.OauthService.refreshToken {"request":{refresh_token,
client_id, client_secret, request_client_ip}} → access_token (24 h) and a
new refresh_token (the used one dies).

Products (vipapis.marketplace.product.ProductService): addProduct,
editProduct, appendSkus (drafts, audit_status 11), submitProducts (12),
review after a delay → 13 approved or 14 rejected with audit_remark,
getProducts, getProductById, onShelf/offShelf. Money is yuan as JSON numbers
with at most two decimals. PriceService.updateSkuPrice;
InventoryService.updateSkuStock (absolute, over_sell_quantity when carts hold
more), getSkuStock. SovDeliveryService: getOrders (by modification time,
windows ≤ 24 h within 3 months, page from 1, limit ≤ 200; yuan strings),
getOrderDetail (≤ 50 ids), ship, getCarriers, batchGetCancelInfo (buyers'
cancellation applications by order, apply_sn or creation window ≤ 24 h).
Orders: 10 to ship, 22 shipped, 25 signed for, 70 refused, 97 cancelled.

Review options (--option name=value, or the configuration's options):
review_delay (e.g. "30s": how long after submitProducts a review ends;
default 3s, "0s" at the next read) and reject_rate (0 to 1: the share of
reviews that fail with an audit_remark such as 标题含违禁词; default 0).

Admin endpoints (unsigned JSON), common to every sandbox:
  GET  /_sandbox/items                  every product with outer ids, prices (分), stock, status
  POST /_sandbox/orders                 {"count":N,"sku_outer_id":"optional"} sells N orders to ship
  POST /_sandbox/orders/{id}/cancel     the buyer cancels an order not shipped yet
  POST /_sandbox/orders/{id}/refund     refund: cancelled before shipping, refused (70) after
  POST /_sandbox/faults                 inject errors, latency, rate limits, outages, malformed bodies
  GET  /_sandbox/stats                  calls served and rejected
  POST /_sandbox/reset                  empty shop, no faults, zeroed stats`

// Options are the sandbox's own settings by name, as a "--option
// name=value" flag or a configuration would give them (the names and
// formats of the WeChat sandbox's).
var Options = map[string]string{
	"review_delay": "how long after submitProducts a review ends, e.g. 30s (default 3s; 0s: at the next read)",
	"reject_rate":  "share of reviews that fail with a realistic audit_remark, 0 to 1 (default 0)",
}

// ApplyOptions sets Config fields from Options values; an unknown name or
// a malformed value is an error naming it.
func ApplyOptions(cfg *Config, opts map[string]string) error {
	o, err := kit.ParseReviewOptions("vipshop sandbox", opts)
	if err != nil {
		return err
	}
	if o.Delay != nil {
		// Config takes 0 as "the default"; the option's 0 is "at once".
		cfg.ReviewDelay = max(*o.Delay, time.Nanosecond)
	}
	if o.RejectRate != nil {
		cfg.RejectRate = *o.RejectRate
	}
	return nil
}
