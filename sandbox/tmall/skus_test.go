package tmall_test

import (
	"fmt"
	"testing"
)

// taobao.item.sku.delete keeps the item's rules: num and price do not
// follow by themselves, item_num (above 0) and item_price restore them, and
// the last SKU goes only with item_num. A refused call changes nothing.
func TestSKUDeleteKeepsTheItemsRules(t *testing.T) {
	e := newEnv(t, 0)
	id := addItem(e) // BLK-M 3 × 69.90 (1627207:-1;20509:-1), WHT-M 7 × 59.90 (1627207:-2;20509:-1); item 59.90, num 10
	white := "1627207:-2;20509:-1"
	before := fmt.Sprint(items(t, e))
	refused := map[string]struct {
		p    map[string]string
		want string
	}{
		"no properties":               {map[string]string{}, "40/missing-parameter:properties"},
		"unknown properties":          {map[string]string{"properties": "1627207:-9;20509:-1"}, "15/isv.sku-not-exist"},
		"num left as it was":          {map[string]string{"properties": white, "item_price": "69.90"}, "15/isv.invalid-parameter:item_num"},
		"item_num not the sum":        {map[string]string{"properties": white, "item_price": "69.90", "item_num": "5"}, "15/isv.invalid-parameter:item_num"},
		"item_num 0":                  {map[string]string{"properties": white, "item_price": "69.90", "item_num": "0"}, "15/isv.invalid-parameter:item_num"},
		"price left out of the range": {map[string]string{"properties": white, "item_num": "3"}, "15/isv.invalid-parameter:item_price"},
		"bad item_price":              {map[string]string{"properties": white, "item_num": "3", "item_price": "69.9x"}, "15/isv.invalid-parameter:item_price"},
	}
	for name, c := range refused {
		c.p["num_iid"] = id
		if got := errCode(e.call("taobao.item.sku.delete", c.p)); got != c.want {
			t.Errorf("%s: got %q, want %q", name, got, c.want)
		}
	}
	if after := fmt.Sprint(items(t, e)); after != before {
		t.Fatalf("refused deletes changed the item:\n%s\n%s", before, after)
	}
	out := e.call("taobao.item.sku.delete", map[string]string{"num_iid": id, "properties": white, "item_num": "3", "item_price": "69.90"})
	r, ok := out["item_sku_delete_response"].(map[string]any)
	if !ok || r["sku"].(map[string]any)["num_iid"] == nil {
		t.Fatalf("sku.delete = %v", out)
	}
	it := items(t, e)[0]
	skus := it["skus"].([]any)
	if len(skus) != 1 || skus[0].(map[string]any)["outer_id"] != "TS-1-BLK-M" || it["num"] != float64(3) || it["price_fen"] != float64(6990) {
		t.Fatalf("item after the delete = %v", it)
	}
	// Deleting it again: the SKU is not there.
	if c := errCode(e.call("taobao.item.sku.delete", map[string]string{"num_iid": id, "properties": white, "item_num": "3"})); c != "15/isv.sku-not-exist" {
		t.Fatalf("a second delete = %q", c)
	}
	// The last SKU needs item_num.
	black := map[string]string{"num_iid": id, "properties": "1627207:-1;20509:-1"}
	if c := errCode(e.call("taobao.item.sku.delete", black)); c != "15/isv.invalid-parameter:item_num" {
		t.Fatalf("the last SKU without item_num = %q", c)
	}
	black["item_num"] = "3"
	if c := errCode(e.call("taobao.item.sku.delete", black)); c != "" {
		t.Fatalf("the last SKU with item_num = %q", c)
	}
	if it := items(t, e)[0]; len(it["skus"].([]any)) != 0 || it["num"] != float64(3) {
		t.Fatalf("item without SKUs = %v", it)
	}
}
