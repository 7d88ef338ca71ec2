package douyin_test

import (
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/syncctl/syncctl/sandbox/douyin"
)

// A syncStock repeated with its idempotent_id changes the stock once and
// answers 40003 isv.idempotent-id-existed, across a restart too; a new id
// applies; the id is forgotten after IdempotentWindow.
func TestSyncStockIdempotent(t *testing.T) {
	state := filepath.Join(t.TempDir(), "douyin.json")
	clk := &clock{t: time.Now().Truncate(time.Second)}
	cfg := douyin.Config{AppKey: appKey, AppSecret: appSecret, ShopID: shopID, Now: clk.Now, Seed: 3, StateFile: state}
	sb := douyin.New(cfg)
	ts := httptest.NewServer(sb)
	c := &client{t: t, url: ts.URL, clk: clk, key: appKey, sec: appSecret}
	c.token = data(c.call("token.create", map[string]any{"code": "", "grant_type": "authorization_self", "shop_id": shopID}))["access_token"].(string)
	id := data(c.call("product.addV2", addParams()))["product_id"].(json.Number).String()
	d := data(c.call("product.detail", map[string]any{"product_id": id, "show_draft": "true"}))
	sku := d["spec_prices"].([]any)[0].(map[string]any)["sku_id"].(json.Number).String()
	stock := func(sb *douyin.Server) int { return sb.AdminItems()[0].SKUs[0].Stock }

	inc := map[string]any{"product_id": id, "sku_id": sku, "stock_num": 3, "incremental": true, "idempotent_id": "a1b2c3d4e5f60718293a4b5c6d7e8f90"}
	if r := c.call("sku.syncStock", inc); num(r["err_no"]) != 0 {
		t.Fatal(r)
	}
	if n, sub := code(c.call("sku.syncStock", inc)); n != douyin.CodeInvalidParam || sub != douyin.SubIdempotentExisted {
		t.Fatalf("repeat: %d %s", n, sub)
	}
	if got, w := stock(sb), 5+3; got != w || sb.StockWrites(id, sku) != 1 {
		t.Fatalf("stock %d (want %d), writes %d", got, w, sb.StockWrites(id, sku))
	}
	// Another id applies; no id at all applies every time.
	inc["idempotent_id"] = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
	c.call("sku.syncStock", inc)
	delete(inc, "idempotent_id")
	c.call("sku.syncStock", inc)
	if got := stock(sb); got != 5+9 || sb.StockWrites(id, sku) != 3 {
		t.Fatalf("stock %d, writes %d", got, sb.StockWrites(id, sku))
	}
	inc["idempotent_id"] = string(make([]byte, 65))
	if n, sub := code(c.call("sku.syncStock", inc)); n != douyin.CodeInvalidBizArg || sub != "isv.parameter-invalid:idempotent_id" {
		t.Fatalf("long id: %d %s", n, sub)
	}
	// The ids survive a restart.
	ts.Close()
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	sb2 := douyin.New(cfg)
	defer sb2.Close()
	ts2 := httptest.NewServer(sb2)
	defer ts2.Close()
	c.url = ts2.URL
	inc["idempotent_id"] = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
	if n, sub := code(c.call("sku.syncStock", inc)); n != douyin.CodeInvalidParam || sub != douyin.SubIdempotentExisted {
		t.Fatalf("repeat after restart: %d %s", n, sub)
	}
	clk.Advance(douyin.IdempotentWindow + time.Second)
	if r := c.call("sku.syncStock", inc); num(r["err_no"]) != 0 || stock(sb2) != 5+12 {
		t.Fatalf("after the window: %v, stock %d", r, stock(sb2))
	}
}
