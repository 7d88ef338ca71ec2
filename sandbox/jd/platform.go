package jd

import (
	"github.com/syncctl/syncctl/sandbox/kit"
)

// Platform declares the JD sandbox to the platform registration (not
// registered yet). Generated orders are cancelled by their buyers at a
// tenth of the order rate (kit.Config has no cancellation rate).
var Platform = kit.Platform{
	ID: "jd",
	Credentials: []kit.Credential{
		{Name: "app_key", New: func() string { return kit.RandHex(16) }},
		{Name: "app_secret", New: func() string { return kit.RandHex(16) }},
		{Name: "refresh_token", New: func() string { return kit.RandHex(16) }},
	},
	Open: func(c kit.Config) (kit.Sandbox, error) {
		return Open(Config{AppKey: c.Credentials["app_key"], AppSecret: c.Credentials["app_secret"], RefreshToken: c.Credentials["refresh_token"],
			QPS: c.QPS, OrdersPerMinute: c.OrdersPerMinute, CancelsPerMinute: c.OrdersPerMinute / 10, Seed: c.Seed,
			StateFile: c.StateFile, Now: c.Now})
	},
	Shop: func(baseURL string) kit.ShopSetup {
		opts := map[string]string{"oauth_url": baseURL + "/oauth2/refresh_token"}
		for spec, id := range sampleCatalogAttrs {
			opts["attr:"+spec] = id
		}
		return kit.ShopSetup{Gateway: baseURL + "/routerjson", Options: opts}
	},
	Help: help,
}

// sampleCatalogAttrs are sale attribute ids for the spec names of the
// sample catalog beyond 颜色 and 尺码, the ones the connector knows:
// plausible made-up ids, as a shop's own category would have them.
var sampleCatalogAttrs = map[string]string{
	"尺寸": "1001105", "规格": "1001106", "口味": "1001107", "型号": "1001108", "长度": "1001109", "容量": "1001110",
}

const help = `Run the sandbox of JD JOS 京东宙斯 (one POP shop).

GET or POST /routerjson with method, app_key, access_token, timestamp
("yyyy-MM-dd HH:mm:ss" GMT+8, ±6 min), v=2.0, format=json, sign_method=md5,
360buy_param_json and sign = UPPER(md5(secret + sorted name+value + secret)).
Success: {"<method with dots as underscores>_responce":{"code":"0",…}};
failure: {"error_response":{"code","zh_desc","en_desc"}}, always HTTP 200.
Codes: 2 over the QPS limit (App Call Limited), 8 timestamp, 12 signature,
15 unknown method, 18/19 access_token missing/invalid or expired, 21 app_key,
61 a parameter's value, 62/63 360buy_param_json, 71 an id not of this shop.

POST /oauth2/refresh_token (app_key, app_secret, grant_type=refresh_token,
refresh_token; query or form) answers {access_token, expires_in (24 h),
refresh_token (a new one: the old one dies), scope, open_id, time}.

Methods: jingdong.ware.write.add / updateWare / upOrDown,
jingdong.ware.read.searchWare4Valid, jingdong.sku.write.updateSkus,
jingdong.sku.read.searchSkuList, jingdong.price.write.updateSkuJdPrice,
jingdong.stock.write.updateSkuStock, jingdong.pop.order.search (≤ 1 day,
≤ 90 days back, page_size ≤ 100), jingdong.pop.order.get,
jingdong.pop.order.shipment. Prices in 元; order amounts 元 strings.

Admin endpoints (unsigned JSON), common to every sandbox: see /_sandbox/.`
