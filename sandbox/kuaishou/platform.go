package kuaishou

import "github.com/syncctl/syncctl/sandbox/kit"

// SampleCategoryID is the leaf category a shop on the sandbox pushes to
// (the sandbox takes any positive id).
const SampleCategoryID = "1001"

// Platform declares the Kuaishou sandbox to the platform registration (not
// registered yet).
var Platform = kit.Platform{
	ID: "kuaishou",
	Credentials: []kit.Credential{
		{Name: "appkey", New: func() string { return "ks" + kit.RandHex(9) }},
		{Name: "app_secret", New: func() string { return kit.RandHex(11) }},
		{Name: "sign_secret", New: func() string { return kit.RandHex(16) }},
		{Name: "refresh_token", New: func() string { return "ChFvYXV0aC5yZWZyZXNo" + kit.RandHex(24) }},
		// 消息服务 (push.go): the Base64 of a 16-byte AES key.
		{Name: "message_private_key", New: NewMessageKey, Optional: true},
	},
	Open: func(c kit.Config) (kit.Sandbox, error) {
		return Open(Config{AppKey: c.Credentials["appkey"], AppSecret: c.Credentials["app_secret"], SignSecret: c.Credentials["sign_secret"],
			RefreshToken: c.Credentials["refresh_token"], QPS: c.QPS, OrdersPerMinute: c.OrdersPerMinute, Seed: c.Seed,
			StateFile: c.StateFile, Now: c.Now, MessagePrivateKey: c.Credentials["message_private_key"], PushURL: c.PushURL})
	},
	// The gateway is the API host: the connector appends /oauth2/… and /open/….
	Shop: func(baseURL string) kit.ShopSetup {
		return kit.ShopSetup{Gateway: baseURL, Options: map[string]string{"category_id": SampleCategoryID}}
	},
	Help: help,
}

const help = `Run the sandbox of Kuaishou 快手电商开放平台 + 分销 (one shop).

OAuth: POST /oauth2/refresh_token (form: app_id, app_secret,
grant_type=refresh_token, refresh_token) → {result:1, access_token,
expires_in:172800, refresh_token, refresh_token_expires_in, scopes}. The
refresh token rotates: the new one inherits the old one's expiry; the old one
still refreshes for 5 minutes, then 100200102 refreshToken.discarded. Access
tokens live 48 h each. The shop's first refresh token is its refresh_token
credential; the current one is kept in the state file.

Gateway: GET or POST /open/<method with . → /> form-encoded with appkey,
method, version=1, param (JSON), access_token, timestamp (ms), signMethod
(MD5 | HMAC_SHA256), sign = MD5 hex / HMAC-SHA256 Base64 of the sorted
k=v&… string + "&signSecret=<sign_secret>". HTTP 200 always: {"result":1,
"data":…} or result 27 签名校验失败, 28 鉴权失败/TOKEN过期, 1017 throttled
("Exceed qps limit, KEY […], MAX_QPS […]" above --qps), 2001 bad parameter,
2002 not found, 2003 state conflict, 300003/300004/300005 order windows.

APIs: open.item.new, open.item.edit, open.item.get, open.item.list.get,
open.item.autopass.edit (price; stock deltas 1 add / 2 subtract),
open.item.sku.stock.update (delta only), open.item.shelf.status.update,
open.order.cursor.list (queryType 2 by update time, ms windows ≤ 7 days and
≤ 90 days back, pageSize ≤ 50, cursor until "nomore"), open.order.detail,
open.seller.order.goods.deliver (expressCode from the platform's table),
open.distribution.plan.create / update / query (ITEM_NORMAL, commissionRate
a whole percent 0 to 90). Money in 分, order ids 19 digits.

Push (消息服务): once a receiver is subscribed (POST /_sandbox/push
{"url":…}, or the configuration's push URL, which first gets a
{"test":true} heartbeat) every order change is POSTed to it in the
background: kwaishop_order_addOrder, _paySuccess, _delivering, _orderFail,
kwaishop_aftersales_addRefund and _updateRefund. The text/plain body is the
Base64 of AES/CBC/PKCS5Padding (key = Base64-decoded message_private_key,
IV = 16 zero bytes) of {eventId, msgId, bizId, userId, openId, appKey,
event, info (a JSON string: oid, or orderId and refundId), createTime,
test}. An answer other than HTTP 200 {"result":1} is resent a few times.

Orders sold (generator and POST /_sandbox/orders): mostly paid, 5 % cancelled
unpaid, 5 % with a refund requested; 60 % of those of an item in an open plan
come through one of 20 distributors with the plan's commission.

Admin endpoints (unsigned JSON), common to every sandbox:
  GET  /_sandbox/items                  every item with rel ids, prices (分), stock, shelf status
  POST /_sandbox/orders                 {"count":N,"sku_outer_id":"optional"} sells N orders
  POST /_sandbox/orders/{id}/cancel     the buyer cancels an order not shipped yet
  POST /_sandbox/orders/{id}/refund     the buyer gets a full refund
  POST /_sandbox/faults                 errors, latency, rate limits (sub_code qps | quota |
                                        user_quota | api_quota), outages, malformed bodies
  POST /_sandbox/push                   {"url":"http://receiver/…"} subscribes a push receiver ("" stops)
  GET  /_sandbox/push                   messages sent, refused (each resent), dropped, in flight
  GET  /_sandbox/stats                  calls served and rejected
  POST /_sandbox/reset                  empty shop, no faults, zeroed stats`
