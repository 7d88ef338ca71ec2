package youzan

import (
	"strconv"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// Platform declares the Youzan sandbox to the platform registration (not
// registered yet).
var Platform = kit.Platform{
	ID: "youzan",
	Credentials: []kit.Credential{
		{Name: "client_id", New: func() string { return kit.RandHex(8) }},
		{Name: "client_secret", New: func() string { return kit.RandHex(16) }},
		{Name: "grant_id", New: func() string {
			n, _ := strconv.ParseInt(kit.RandHex(3), 16, 64)
			return strconv.FormatInt(10000000+n, 10)
		}},
	},
	Open: func(c kit.Config) (kit.Sandbox, error) {
		return Open(Config{ClientID: c.Credentials["client_id"], ClientSecret: c.Credentials["client_secret"], KdtID: c.Credentials["grant_id"],
			QPS: c.QPS, OrdersPerMinute: c.OrdersPerMinute, Seed: c.Seed, StateFile: c.StateFile, Now: c.Now, PushURL: c.PushURL})
	},
	Shop: func(baseURL string) kit.ShopSetup {
		return kit.ShopSetup{Gateway: baseURL, Options: map[string]string{}}
	},
	Help: help,
}

const help = `Run the sandbox of Youzan 有赞云 (自用型 app, one shop).

POST /auth/token (JSON: authorize_type "silent", client_id, client_secret,
grant_id = kdt_id) answers {success, code:200, data{access_token, expires}}
(expires in ms epoch, 7 days) or {success:false, code:1103}.

POST /api/{api}/{version}?access_token=… with a JSON body. Gateway failures
answer {"gw_err_resp":{err_code, err_msg, trace_id}}: 4001 no version, 4005
unknown api, 4007 not JSON, 4201 no token, 4203 unknown token, 4101 throttled.
3.x APIs answer {"response":…} / {"error_response":{code,msg}}, 4.x APIs
{success, code, message, data, trace_id}. Always HTTP 200.

APIs: youzan.item.create/3.0.1, youzan.item.update/3.0.1, youzan.item.get/3.0.0,
youzan.item.quantity.update/3.0.0, youzan.item.price.update/1.0.0,
youzan.item.update.listing/3.0.0, youzan.item.update.delisting/3.0.0 (prices
in 分), youzan.trades.sold.get/4.0.4 (start_update/end_update, page_no ≤ 100,
page_size ≤ 100, page_no × page_size ≤ 10000, else code 40001 naming
page_no), youzan.trade.get/4.0.2 (amounts in 元 strings),
youzan.items.custom.get/3.0.0 (items by item_no),
youzan.logistics.online.confirm/3.0.0 (tid, out_stype express id, out_sid,
is_no_express, oids for a split shipment; the order moves to
WAIT_BUYER_CONFIRM_GOODS once every line shipped, and its update_time moves
on), youzan.salesman.trades.get/3.0.1 (分销员 records by created time or
order_no, cps_money in 元, settle_state; page_no × page_size ≤ 3200).

Orders: about a quarter are sold by a 分销员; a burst is spread at most
4000 orders a second (its last orders are dated a little ahead). The
generator (--orders-per-minute) also cancels, asks refunds for and refunds
orders now and then.

Push messages: once a receiver is subscribed (POST /_sandbox/push
{"url":"http://…"}, "" stops; GET /_sandbox/push counts what was sent,
refused, dropped), every order change is POSTed to it as Youzan does: a
JSON body {client_id, id, kdt_id, kdt_name, mode, msg (URL-encoded JSON),
msg_id, root_kdt_id, sendCount, sign, status, test, type, version} with
Event-Sign = md5(client_id + body + client_secret). Types:
trade_TradeCreate and trade_TradeBuyerPay when sold, trade_TradeSellerShip
(trade_TradePartlySellerShip for some lines), trade_TradeClose when
cancelled or refunded, trade_refund_BuyerCreated when a refund is asked,
trade_refund_RefundSuccess when refunded. A message is acknowledged by
HTTP 200 {"code":0,…}; anything else is sent again after 0.2 s, 1 s and
3 s, then dropped.

Admin endpoints (unsigned JSON), common to every sandbox: see /_sandbox/.
Youzan's own: POST /_sandbox/youzan/orders {"count","sku_outer_id",
"salesman":true|false} sells orders all by a 分销员 (or none);
POST /_sandbox/youzan/orders/{id}/refund-request has the buyer ask for a
full refund (refund_state 11, the order cannot ship until it is refunded).`
