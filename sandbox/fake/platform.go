package fake

import (
	"github.com/syncctl/syncctl/sandbox/kit"
)

// Platform declares the fake sandbox to the platform registration. It is
// registered by platforms/fakeplatform, which only tests import.
var Platform = kit.Platform{
	ID:          "fake",
	Credentials: []kit.Credential{{Name: "api_key", New: func() string { return "fk_" + kit.RandHex(16) }}},
	Open: func(c kit.Config) (kit.Sandbox, error) {
		return Open(Config{APIKey: c.Credentials["api_key"], QPS: c.QPS, OrdersPerMinute: c.OrdersPerMinute,
			Seed: c.Seed, StateFile: c.StateFile, Now: c.Now})
	},
	// The connector's option defaults match the sandbox's defaults, so a
	// shop needs no options; a test that calls SetOrderLimits sets the
	// connector's order_window_max and order_page_size to match.
	Shop: func(baseURL string) kit.ShopSetup {
		return kit.ShopSetup{Gateway: baseURL + "/api", Options: map[string]string{}}
	},
	Help: help,
}

const help = `Run the sandbox of "fake", a made-up mini-program platform unlike Tmall,
used to prove the platform-neutral code against a second wire protocol.

It serves POST /api/<method> with a JSON body and the shop's key as
"Authorization: Bearer <api_key>", answering HTTP 200 with
{"code":0,"message":"ok","data":{…}} or {"code":N,"message":"field: reason"}.
Codes: 40001 bad parameter, 40002 unknown method, 40101 bad key, 40401 not
found, 40901 state conflict, 42901 over the QPS quota (with "retry_after"
seconds), 50001 internal, 50301 busy. Ids are strings, money integer fen,
times unix seconds.

Methods: product.upsert (content goes into review), product.get (by item_id
or outer_id), product.review_status, product.listing, sku.price.update,
sku.stock.delta (the only stock write: deltas), order.list (modified in
[start_time, end_time), at most 24 h, 20 a page, next_cursor), order.get,
order.ship (whole order or whole lines).

Admin endpoints (unsigned JSON), common to every sandbox:
  GET  /_sandbox/items                  every item with outer ids, prices (fen), stock, status
  POST /_sandbox/orders                 {"count":N,"sku_outer_id":"optional"} sells N paid orders
  POST /_sandbox/orders/{id}/cancel     the buyer cancels an order not shipped yet
  POST /_sandbox/orders/{id}/refund     the buyer gets a full refund
  POST /_sandbox/faults                 inject errors, latency, rate limits, outages, malformed bodies
  GET  /_sandbox/stats                  calls served and rejected
  POST /_sandbox/reset                  empty shop, no faults, zeroed stats`
