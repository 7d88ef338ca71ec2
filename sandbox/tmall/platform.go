package tmall

import (
	"github.com/syncctl/syncctl/sandbox/kit"
)

// Platform declares the TOP sandbox to the platform registration.
var Platform = kit.Platform{
	ID: "tmall",
	Credentials: []kit.Credential{
		{Name: "app_key", New: func() string { return "23" + kit.RandHex(3) }},
		{Name: "app_secret", New: func() string { return kit.RandHex(16) }},
		{Name: "session", New: func() string { return "6100" + kit.RandHex(12) }},
	},
	Open: func(c kit.Config) (kit.Sandbox, error) {
		return Open(Config{AppKey: c.Credentials["app_key"], AppSecret: c.Credentials["app_secret"], Session: c.Credentials["session"],
			QPS: c.QPS, OrdersPerMinute: c.OrdersPerMinute, Seed: c.Seed, StateFile: c.StateFile, Now: c.Now})
	},
	Shop: func(baseURL string) kit.ShopSetup {
		return kit.ShopSetup{Gateway: baseURL + "/router/rest", Options: SampleCatalogOptions()}
	},
	Help: help,
}

// SampleCatalogOptions are the TOP connector options of a shop on the
// sandbox: the signature method, and a sale-property id (pid) for every
// spec name the sample catalog uses (the connector needs one for each; 颜色
// and 尺码 are TOP's well-known ones, the others are plausible made-up ids).
func SampleCatalogOptions() map[string]string {
	return map[string]string{
		"sign_method": "hmac-sha256",
		"pid:颜色":      "1627207",
		"pid:尺码":      "20509",
		"pid:尺寸":      "20518",
		"pid:规格":      "122216343",
		"pid:口味":      "122216507",
		"pid:型号":      "122216608",
		"pid:长度":      "122216346",
		"pid:容量":      "122216635",
	}
}

const help = `Run the Taobao/Tmall TOP sandbox: a fake of the TOP gateway written from the
platform's side (see sandbox/README.md).

It serves POST /router/rest like the real gateway: it checks app_key,
timestamp (±10 min), v=2.0, the md5 / hmac / hmac-sha256 signature and the
session, answering TOP's error codes (25 bad signature, 27 bad session,
31 bad timestamp, 7 over the QPS limit with "This ban will last for N more
seconds"), and keeps items, SKUs and trades with TOP's rules.

Admin endpoints (unsigned JSON), common to every sandbox:
  GET  /_sandbox/items                  every item with outer ids, prices (fen), stock, status
  POST /_sandbox/orders                 {"count":N,"sku_outer_id":"optional"} sells N paid orders
  POST /_sandbox/orders/{tid}/cancel    the buyer cancels an unshipped trade
  POST /_sandbox/orders/{tid}/refund    the buyer gets a full refund (TRADE_CLOSED, refund_status SUCCESS)
  POST /_sandbox/faults                 inject errors, latency, rate limits, outages, malformed bodies
  GET  /_sandbox/stats                  calls served and rejected
  POST /_sandbox/reset                  empty shop, no faults, zeroed stats
TOP's own views:
  GET  /_sandbox/top/items              items as TOP fields (num_iid, approve_status, quantity…)
  GET  /_sandbox/orders                 every trade as TOP fields`
