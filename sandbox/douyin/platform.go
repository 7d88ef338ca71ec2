package douyin

import (
	"strconv"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// Platform declares the Douyin sandbox to the platform registration (not
// registered yet).
var Platform = kit.Platform{
	ID: "douyin",
	Credentials: []kit.Credential{
		{Name: "app_key", New: func() string { return digits(19) }},
		{Name: "app_secret", New: func() string {
			return kit.RandHex(4) + "-" + kit.RandHex(2) + "-" + kit.RandHex(2) + "-" + kit.RandHex(2) + "-" + kit.RandHex(6)
		}},
		{Name: "shop_id", New: func() string { return digits(8) }},
	},
	Open: func(c kit.Config) (kit.Sandbox, error) {
		cfg := Config{AppKey: c.Credentials["app_key"], AppSecret: c.Credentials["app_secret"], ShopID: c.Credentials["shop_id"],
			QPS: c.QPS, OrdersPerMinute: c.OrdersPerMinute, Seed: c.Seed, StateFile: c.StateFile, Now: c.Now, PushURL: c.PushURL}
		if err := ApplyOptions(&cfg, c.Options); err != nil {
			return nil, err
		}
		return Open(cfg)
	},
	Options: kit.ReviewOptionNames,
	// The gateway is the API host: the connector appends /product/addV2 …
	// The sandbox takes any leaf category; this one is 女装/T恤.
	Shop: func(baseURL string) kit.ShopSetup {
		return kit.ShopSetup{Gateway: baseURL, Options: map[string]string{"category_leaf_id": SampleCategory}}
	},
	Help: help,
}

// SampleCategory is the leaf category the sandbox's shop setup names.
const SampleCategory = "20000"

func digits(n int) string {
	out := ""
	for len(out) < n {
		v, _ := strconv.ParseUint(kit.RandHex(7), 16, 64)
		out += strconv.FormatUint(v, 10)
	}
	return "7" + out[:n-1]
}

const help = `Run the sandbox of Douyin 抖店 + 精选联盟.

Every call is POST /<method with . → />?app_key=&method=&access_token=
&timestamp=&v=2&sign_method=hmac-sha256&sign= with the business params as a
sorted, compact JSON body (param_json). sign = lowercase hex of
HMAC-SHA256(key=app_secret, app_secret + "app_key"…"method"…"param_json"…
"timestamp"…"v2" + app_secret) (md5 of the same pattern with sign_method=md5).
Answers are HTTP 200 {code, msg, sub_code, sub_msg, data, log_id, err_no,
message}: 10000 / err_no 0 success; 40001 missing parameter or token; 40003
isv.signature-invalid, isv.timestamp-invalid, isv.access-token-expired,
isv.access-token-no-existed; 40002/40004 business parameters; 50001 token
generation; 50002 business failure; 60000 throttled (the QPS); 70000
unknown API.

Tokens: token.create (grant_type authorization_self + shop_id) and
token.refresh (refresh_token, used once) → access_token, expires_in (7 d),
refresh_token (14 d).

Products: product.addV2 / editV2 (review: check_status 2, then 3 and on sale
(status 0) or 4 rejected with a reason in product.auditList), product.detail
(show_draft), product.listV2 (page from 1), product.setOnline / setOffline,
sku.syncStock (stock_num, incremental), sku.editPrice (分). 精选联盟:
buyin.simplePlan (cos_ratio in percent), alliance.getOrderList (commission_rate
万分比, estimated/real commission in 分).

Review options (--option name=value, or the configuration's options):
review_delay (e.g. "30s": how long a review takes from addV2/editV2;
default 2s, "0s" at the next look) and reject_rate (0 to 1: the share of
reviews that fail, check_status 4 with a reason in product.auditList such
as 商品标题与类目不符; default 0).

Orders: order.searchList (update_time_start/end in unix seconds, both
included, ≤ 7 days; page from 0, size ≤ 100), order.orderDetail,
order.logisticsAdd (company_code). Sold orders: ~40 % promoted by one of 20
达人; the generator also cancels some and starts refunds.

Push messages: once a receiver is subscribed, every change is POSTed to
it as Douyin does: a JSON array [{"tag","msg_id","data":"<JSON string>"}]
with headers app-id (the app_key) and event-sign = md5(app_key + body +
app_secret). Tags: 100 and 101 (created, paid: one request) when sold,
102 shipped, 103 completed, 106 cancelled, 200 a refund asked, 206
refunded (data p_id = the order id as a 19-digit number, s_ids/s_id),
400 a product review's end. A request is acknowledged by a 2xx answer
{"code":0,…}; anything else is sent again after 0.2 s, 1 s and 3 s, then
dropped.

Admin endpoints (unsigned JSON), common to every sandbox:
  GET  /_sandbox/items                  every product with outer ids, prices (分), stock, status
  POST /_sandbox/orders                 {"count":N,"sku_outer_id":"optional"} sells N paid orders
  POST /_sandbox/orders/{id}/cancel     the buyer cancels an order not shipped yet
  POST /_sandbox/orders/{id}/refund     the buyer gets a full refund
  POST /_sandbox/faults                 inject errors, latency, rate limits (60000), outages, malformed bodies
  GET  /_sandbox/stats                  calls served and rejected
  POST /_sandbox/reset                  empty shop, no faults, zeroed stats
  POST /_sandbox/push                   {"url":"http://…"} subscribes a receiver of push messages ("" stops)
  GET  /_sandbox/push                   push messages sent, refused, dropped, in flight`

// Options are the sandbox's own settings by name, as a "--option
// name=value" flag or a configuration would give them (the names and
// formats of the WeChat sandbox's).
var Options = map[string]string{
	"review_delay": "how long a product review takes from addV2/editV2, e.g. 30s (default 2s; 0s: at the next look)",
	"reject_rate":  "share of reviews that fail with a realistic reason, 0 to 1 (default 0)",
}

// ApplyOptions sets Config fields from Options values; an unknown name or
// a malformed value is an error naming it.
func ApplyOptions(cfg *Config, opts map[string]string) error {
	o, err := kit.ParseReviewOptions("douyin sandbox", opts)
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
