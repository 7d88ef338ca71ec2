package tmall_test

import (
	"fmt"
	"strings"
	"testing"
)

func itemFields() map[string]string {
	return map[string]string{"type": "fixed", "cid": "50000671", "desc": "好看的T恤衫", "num": "10",
		"stuff_status": "new", "title": "纯棉T恤", "location.state": "浙江", "location.city": "杭州", "price": "59.90", "outer_id": "TS-1",
		"sku_properties": "1627207:-1;20509:-1,1627207:-2;20509:-1", "sku_quantities": "3,7", "sku_prices": "69.90,59.90",
		"sku_outer_ids": "TS-1-BLK-M,TS-1-WHT-M", "property_alias": "1627207:-1:黑色;1627207:-2:白色;20509:-1:M"}
}

func addItem(e *env) string {
	out := e.call("taobao.item.add", itemFields())
	r, ok := out["item_add_response"].(map[string]any)
	if !ok {
		e.t.Fatalf("item.add = %v", out)
	}
	return fmt.Sprint(r["item"].(map[string]any)["num_iid"])
}

func items(t *testing.T, e *env) []map[string]any {
	var out struct{ Items []map[string]any }
	getJSON(t, e.srv.URL+"/_sandbox/top/items", &out)
	return out.Items
}

func sellerGet(e *env, id, fields string) map[string]any {
	out := e.call("taobao.item.seller.get", map[string]string{"num_iid": id, "fields": fields})
	r, ok := out["item_seller_get_response"].(map[string]any)
	if !ok {
		e.t.Fatalf("seller.get = %v", out)
	}
	return r["item"].(map[string]any)
}

func TestItemAddValidationNamesTheField(t *testing.T) {
	e := newEnv(t, 0)
	cases := map[string]struct{ key, val, want string }{
		"title too long":          {"title", strings.Repeat("长", 31), "isv.invalid-parameter:title"},
		"num not sum":             {"num", "9", "isv.invalid-parameter:num"},
		"price below sku range":   {"price", "10.00", "isv.invalid-parameter:price"},
		"price above sku range":   {"price", "70.00", "isv.invalid-parameter:price"},
		"price with a plus sign":  {"price", "+60", "isv.invalid-parameter:price"},
		"price 3 decimals":        {"sku_prices", "59.901,69.90", "isv.invalid-parameter:sku_prices"},
		"sku price signed":        {"sku_prices", "+69.90,59.90", "isv.invalid-parameter:sku_prices"},
		"fewer quantities":        {"sku_quantities", "10", "isv.invalid-parameter:sku_quantities"},
		"more prices than skus":   {"sku_prices", "69.90,59.90,49.90", "isv.invalid-parameter:sku_prices"},
		"more outer ids":          {"sku_outer_ids", "A,B,C", "isv.invalid-parameter:sku_outer_ids"},
		"duplicate sku props":     {"sku_properties", "1627207:-1;20509:-1,1627207:-1;20509:-1", "isv.invalid-parameter:sku_properties"},
		"duplicate sku outer ids": {"sku_outer_ids", "TS-1-X,TS-1-X", "isv.invalid-parameter:sku_outer_ids"},
		"bad property":            {"sku_properties", "1627207,20509:-1", "isv.invalid-parameter:sku_properties"},
		"desc too short":          {"desc", "好看", "isv.invalid-parameter:desc"},
		"missing desc":            {"desc", "", "missing-parameter:desc"},
		"bad approve status":      {"approve_status", "maybe", "isv.invalid-parameter:approve_status"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p := itemFields()
			p[c.key] = c.val
			if got := errCode(e.call("taobao.item.add", p)); !strings.HasSuffix(got, c.want) {
				t.Fatalf("got %s, want …%s", got, c.want)
			}
		})
	}
	if n := len(items(t, e)); n != 0 {
		t.Fatalf("%d items kept from refused adds", n)
	}
}

func TestItemLifecycle(t *testing.T) {
	e := newEnv(t, 0)
	id := addItem(e)
	skus := sellerGet(e, id, "num_iid,sku")["skus"].(map[string]any)["sku"].([]any)
	if len(skus) != 2 || skus[0].(map[string]any)["outer_id"] != "TS-1-BLK-M" {
		t.Fatalf("skus = %v", skus)
	}
	skuID := fmt.Sprint(skus[1].(map[string]any)["sku_id"])
	if c := errCode(e.call("taobao.item.sku.price.update", map[string]string{"num_iid": id, "properties": "1627207:-2;20509:-1", "price": "49.90", "item_price": "49.90"})); c != "" {
		t.Fatal(c)
	}
	if c := errCode(e.call("taobao.item.quantity.update", map[string]string{"num_iid": id, "sku_id": skuID, "quantity": "20"})); c != "" {
		t.Fatal(c)
	}
	if c := errCode(e.call("taobao.item.quantity.update", map[string]string{"num_iid": id, "outer_id": "TS-1-BLK-M", "quantity": "-2", "type": "2"})); c != "" {
		t.Fatal(c)
	}
	// Below zero is the caller's mistake, not a transient failure.
	if c := errCode(e.call("taobao.item.quantity.update", map[string]string{"num_iid": id, "outer_id": "TS-1-BLK-M", "quantity": "-5", "type": "2"})); c != "15/isv.invalid-parameter:quantity" {
		t.Fatalf("stock below zero = %q", c)
	}
	// Item-level stock on an item with SKUs is refused.
	if c := errCode(e.call("taobao.item.quantity.update", map[string]string{"num_iid": id, "quantity": "5"})); c != "40/missing-parameter:sku_id" {
		t.Fatalf("item-level stock on a SKU item = %q", c)
	}
	if c := errCode(e.call("taobao.item.update.delisting", map[string]string{"num_iid": id})); c != "" {
		t.Fatal(c)
	}
	it := items(t, e)[0]
	s := it["skus"].([]any)
	if it["approve_status"] != "instock" || it["num"] != float64(21) || s[1].(map[string]any)["price_fen"] != float64(4990) ||
		it["price_fen"] != float64(4990) || s[1].(map[string]any)["quantity"] != float64(20) || s[0].(map[string]any)["quantity"] != float64(1) {
		t.Fatalf("item after updates = %v", it)
	}
	found := e.call("taobao.items.custom.get", map[string]string{"outer_id": "TS-1", "fields": "num_iid"})
	if list := found["items_custom_get_response"].(map[string]any)["items"].(map[string]any)["item"].([]any); len(list) != 1 {
		t.Fatalf("items.custom.get = %v", found)
	}
	if c := errCode(e.call("taobao.item.update.listing", map[string]string{"num_iid": id, "num": "21"})); c != "" || items(t, e)[0]["approve_status"] != "onsale" {
		t.Fatalf("listing = %q", c)
	}
}

// A SKU price change that would leave the item price outside the SKU
// range is refused unless item_price moves it back in.
func TestSKUPriceUpdateKeepsTheItemPriceInRange(t *testing.T) {
	e := newEnv(t, 0)
	id := addItem(e) // SKUs 69.90 / 59.90, item 59.90
	// Raising the cheapest SKU above the item price leaves it out of range.
	out := e.call("taobao.item.sku.price.update", map[string]string{"num_iid": id, "properties": "1627207:-2;20509:-1", "price": "64.90"})
	if c := errCode(out); c != "15/isv.invalid-parameter:item_price" {
		t.Fatalf("the cheapest SKU raised above the item price without item_price = %s", c)
	}
	if it := items(t, e)[0]; it["skus"].([]any)[1].(map[string]any)["price_fen"] != float64(5990) {
		t.Fatalf("a refused update changed the SKU: %v", it)
	}
	if c := errCode(e.call("taobao.item.sku.price.update", map[string]string{"num_iid": id, "properties": "1627207:-2;20509:-1", "price": "64.90", "item_price": "79.90"})); c != "15/isv.invalid-parameter:item_price" {
		t.Fatalf("item_price outside the range = %s", c)
	}
	if c := errCode(e.call("taobao.item.sku.price.update", map[string]string{"num_iid": id, "properties": "1627207:-2;20509:-1", "price": "64.90", "item_price": "64.90"})); c != "" {
		t.Fatalf("with item_price moved into the range = %s", c)
	}
	if it := items(t, e)[0]; it["price_fen"] != float64(6490) {
		t.Fatalf("item price after item_price = %v", it["price_fen"])
	}
	if c := errCode(e.call("taobao.item.sku.price.update", map[string]string{"num_iid": id, "properties": "1627207:-1;20509:-1", "price": "66.00"})); c != "" {
		t.Fatalf("a change within the range = %s", c)
	}
}

func TestItemUpdateKeepsInvariants(t *testing.T) {
	e := newEnv(t, 0)
	id := addItem(e)
	before := items(t, e)[0]
	cases := map[string]struct {
		p    map[string]string
		want string
	}{
		"num alone on a SKU item": {map[string]string{"num": "11"}, "isv.invalid-parameter:num"},
		"sku prices leave the item price out": {map[string]string{"sku_properties": "1627207:-1;20509:-1,1627207:-2;20509:-1",
			"sku_quantities": "3,7", "sku_prices": "79.90,69.90", "sku_outer_ids": "TS-1-BLK-M,TS-1-WHT-M"}, "isv.invalid-parameter:price"},
		"duplicate sku outer ids": {map[string]string{"sku_properties": "1627207:-1;20509:-1,1627207:-2;20509:-1",
			"sku_quantities": "3,7", "sku_prices": "69.90,59.90", "sku_outer_ids": "TS-1-BLK-M,TS-1-BLK-M"}, "isv.invalid-parameter:sku_outer_ids"},
		"title too long": {map[string]string{"title": strings.Repeat("长", 31)}, "isv.invalid-parameter:title"},
	}
	for name, c := range cases {
		c.p["num_iid"] = id
		if got := errCode(e.call("taobao.item.update", c.p)); !strings.HasSuffix(got, c.want) {
			t.Errorf("%s: got %s, want …%s", name, got, c.want)
		}
	}
	if after := items(t, e)[0]; fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("refused updates changed the item:\n%v\n%v", before, after)
	}
	// A valid update: a SKU added, existing ones keep their sku_id, the
	// title changes, approve_status is left alone when not sent.
	e.call("taobao.item.update.delisting", map[string]string{"num_iid": id})
	p := itemFields()
	delete(p, "approve_status")
	p["num_iid"], p["title"], p["num"] = id, "纯棉T恤 新款", "12"
	p["sku_properties"] += ",1627207:-3;20509:-1"
	p["sku_quantities"], p["sku_prices"], p["sku_outer_ids"] = "3,7,2", "69.90,59.90,65.00", "TS-1-BLK-M,TS-1-WHT-M,TS-1-RED-M"
	if c := errCode(e.call("taobao.item.update", p)); c != "" {
		t.Fatal(c)
	}
	after := items(t, e)[0]
	skus := after["skus"].([]any)
	if after["title"] != "纯棉T恤 新款" || after["approve_status"] != "instock" || after["num"] != float64(12) || len(skus) != 3 ||
		skus[0].(map[string]any)["sku_id"] != before["skus"].([]any)[0].(map[string]any)["sku_id"] {
		t.Fatalf("after update = %v", after)
	}
}

func TestSellerGetAnswersOnlyTheFieldsAskedFor(t *testing.T) {
	e := newEnv(t, 0)
	id := addItem(e)
	it := sellerGet(e, id, "num_iid,title")
	if _, has := it["skus"]; has || it["title"] != "纯棉T恤" || it["num_iid"] == nil || it["price"] != nil {
		t.Fatalf("fields num_iid,title = %v", it)
	}
	if it := sellerGet(e, id, "num_iid,sku,price"); it["skus"] == nil || it["price"] != "59.90" {
		t.Fatalf("fields with sku = %v", it)
	}
}
