package wechat

import (
	"github.com/syncctl/syncctl/sandbox/kit"
)

// Platform declares the WeChat sandbox to the platform registration.
var Platform = kit.Platform{
	ID: "wechat_shop",
	Credentials: []kit.Credential{
		{Name: "appid", New: func() string { return "wx" + kit.RandHex(8) }},
		{Name: "secret", New: func() string { return kit.RandHex(16) }},
		// 消息推送 (push.go): the Token and the 43-character EncodingAESKey.
		{Name: "push_token", New: func() string { return kit.RandHex(16) }, Optional: true},
		{Name: "encoding_aes_key", New: NewEncodingAESKey, Optional: true},
	},
	Open: func(c kit.Config) (kit.Sandbox, error) {
		cfg := Config{AppID: c.Credentials["appid"], Secret: c.Credentials["secret"], QPS: c.QPS,
			OrdersPerMinute: c.OrdersPerMinute, Seed: c.Seed, StateFile: c.StateFile, Now: c.Now,
			PushToken: c.Credentials["push_token"], EncodingAESKey: c.Credentials["encoding_aes_key"], PushURL: c.PushURL}
		if err := ApplyOptions(&cfg, c.Options); err != nil {
			return nil, err
		}
		return Open(cfg)
	},
	Options: kit.ReviewOptionNames,
	// The gateway is the API host: the connector appends /cgi-bin/… and
	// /channels/ec/…. The sandbox takes any category ids.
	Shop: func(baseURL string) kit.ShopSetup {
		return kit.ShopSetup{Gateway: baseURL, Options: map[string]string{}}
	},
	Help: help,
}

const help = `Run the sandbox of WeChat 微信小店 (channels/ec).

It serves POST /cgi-bin/stable_token {"grant_type":"client_credential",
"appid","secret"} → {"access_token","expires_in":7200} (40013 bad appid,
40125 bad secret) and POST /channels/ec/<module>/<action>?access_token=…
with a JSON body, answering HTTP 200 and {"errcode":0,"errmsg":"ok",…} or
{"errcode":N,"errmsg":"… rid: …"}: 41001 token missing, 40001 invalid,
42001 expired, 45011 over the minute quota (the QPS), 40097 bad argument.
Money is integer 分, times unix seconds, order ids 19 digits.

Methods: product/add and product/update (write the draft, review: edit_status
2 → 4 approved and listed (status 5), or 3 rejected), product/get
(data_type 1 online, 2 draft, 3 both), product/list/get (ids,
page_size ≤ 30, next_key), product/listing, product/delisting,
product/stock/update (diff_type 1 add, 2 subtract, 3 set; 10020289 never
listed, 10020217 in audit, 10020218 zero delta, 10020219 insufficient),
product/auditfree (sale_price of a listed product; is_delete takes a SKU
off), order/list/get (update_time_range ≤ 7 days, page_size ≤ 100,
next_key/has_more, ids as strings), order/get, order/delivery/send
(delivery_id from order/deliverycompanylist/get, else 10025012; split
parcels with product_infos: status 21 until all shipped, then 30),
league/item/batchadd|get|upd|delete (优选联盟: listed products only,
10023104; ratio in whole percent 0-90; orders of pool products carry a
达人's commission_infos and settle_info), aftersale/getaftersalelist
(begin_update_time/end_update_time ≤ 24 h, 10020004) and
aftersale/getaftersaleorder (cases from cancellations and refunds).

Push (消息推送, security mode only): once a receiver is subscribed (POST
/_sandbox/push {"url":…}, or the configuration's push URL) every order
change is POSTed to it in the background: channels_ec_order_new and _pay
when an order is sold, _deliver when it ships (order_info.finish_delivery),
_cancel when the buyer cancels, channels_ec_aftersale_update when an
after-sales case opens or moves (refunds). The body is
{"ToUserName","Encrypt"}; the query has signature, timestamp, nonce,
encrypt_type=aes and msg_signature = sha1(sort(push_token, timestamp,
nonce, Encrypt)); Encrypt is AES-256-CBC under encoding_aes_key (43
characters, key = base64(it + "="), IV = its first 16 bytes) of 16 random
bytes, the length, the JSON message and the appid. An answer other than
HTTP 200 "success" (or empty) is resent a few times.

Review options (Options, once the sandbox's configuration carries them):
review_delay (e.g. "30s": the least time a review takes) and reject_rate
(0 to 1: the share of reviews that fail, e.g. 商品主图不清晰).

Admin endpoints (unsigned JSON), common to every sandbox:
  GET  /_sandbox/items                  every product with out ids, prices (分), stock, status
  POST /_sandbox/orders                 {"count":N,"sku_outer_id":"optional"} sells N paid orders
  POST /_sandbox/orders/{id}/cancel     the buyer cancels an order not shipped yet
  POST /_sandbox/orders/{id}/refund     the buyer gets a full refund
  POST /_sandbox/faults                 inject errors, latency, rate limits, outages, malformed bodies
  POST /_sandbox/push                   {"url":"http://receiver/…"} subscribes a push receiver ("" stops)
  GET  /_sandbox/push                   messages sent, refused (each resent), dropped, in flight
  GET  /_sandbox/stats                  calls served and rejected
  POST /_sandbox/reset                  empty shop, no faults, zeroed stats`

// Options are the sandbox's own settings by name, as a "--option
// name=value" flag or a configuration would give them.
var Options = map[string]string{
	"review_delay": "least time a review takes from its submission, e.g. 30s (default 0: ends after DefaultReviewGets product/get calls)",
	"reject_rate":  "share of reviews that fail with a realistic reason, 0 to 1 (default 0)",
}

// ApplyOptions sets Config fields from Options values; an unknown name or
// a malformed value is an error naming it.
func ApplyOptions(cfg *Config, opts map[string]string) error {
	o, err := kit.ParseReviewOptions("wechat sandbox", opts)
	if err != nil {
		return err
	}
	if o.Delay != nil {
		cfg.ReviewDelay = *o.Delay
	}
	if o.RejectRate != nil {
		cfg.RejectRate = *o.RejectRate
	}
	return nil
}
