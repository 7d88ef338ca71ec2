package jd

import (
	"testing"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// TestPlatformOpen: the declaration opens a sandbox with fresh credentials
// and tells a connector where its gateway and OAuth endpoint are.
func TestPlatformOpen(t *testing.T) {
	sb, err := Platform.Open(kit.Config{Credentials: Platform.NewCredentials(), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	shop := Platform.Shop("http://127.0.0.1:9")
	if shop.Gateway != "http://127.0.0.1:9/routerjson" || shop.Options["oauth_url"] != "http://127.0.0.1:9/oauth2/refresh_token" {
		t.Fatalf("shop = %+v", shop)
	}
}

// TestGeneratedCancellation: the cancellation generator's buyer cancels an
// open order and its stock goes back on sale.
func TestGeneratedCancellation(t *testing.T) {
	e := start(t, Config{})
	e.call(t, "jingdong.ware.write.add", map[string]any{
		"ware": map[string]any{"title": "保温杯", "categoryId": 1349, "outerId": "CUP", "itemNum": "CUP", "wareStatus": 8,
			"jdPrice": 99, "marketPrice": 129},
		"skus": []map[string]any{{"outerId": "CUP-1", "jdPrice": 99, "stockNum": 1}}}, nil)
	ids, err := e.s.SellOrders(1, "")
	if err != nil {
		t.Fatal(err)
	}
	e.s.cancelOne()
	if o := e.s.orders[ids[0]]; o.State != StateCanceled {
		t.Fatalf("state = %s", o.State)
	}
	if items := e.s.AdminItems(); items[0].SKUs[0].Stock != 1 {
		t.Fatalf("stock = %+v", items)
	}
}
