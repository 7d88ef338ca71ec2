package wechat

import "github.com/syncctl/syncctl/sandbox/kit"

// Platform declares the WeChat sandbox to the platform registration.
var Platform = kit.Platform{
	ID: "wechat_shop",
	Credentials: []kit.Credential{
		{Name: "appid", New: func() string { return "wx" + kit.RandHex(8) }},
		{Name: "secret", New: func() string { return kit.RandHex(16) }},
	},
	Open: func(c kit.Config) (kit.Sandbox, error) {
		return Open(Config{AppID: c.Credentials["appid"], Secret: c.Credentials["secret"], QPS: c.QPS,
			OrdersPerMinute: c.OrdersPerMinute, Seed: c.Seed, StateFile: c.StateFile, Now: c.Now})
	},
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
product/auditfree (sale_price of a listed product), order/list/get
(update_time_range ≤ 7 days, page_size ≤ 100, next_key/has_more, ids as
strings), order/get, order/delivery/send.

Admin endpoints (unsigned JSON), common to every sandbox:
  GET  /_sandbox/items                  every product with out ids, prices (分), stock, status
  POST /_sandbox/orders                 {"count":N,"sku_outer_id":"optional"} sells N paid orders
  POST /_sandbox/orders/{id}/cancel     the buyer cancels an order not shipped yet
  POST /_sandbox/orders/{id}/refund     the buyer gets a full refund
  POST /_sandbox/faults                 inject errors, latency, rate limits, outages, malformed bodies
  GET  /_sandbox/stats                  calls served and rejected
  POST /_sandbox/reset                  empty shop, no faults, zeroed stats`
