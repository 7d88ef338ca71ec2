package wechat_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/syncctl/syncctl/sandbox/kit"
	"github.com/syncctl/syncctl/sandbox/wechat"
)

// The sandbox opens through its declaration and answers the common admin API.
func TestPlatformAndAdmin(t *testing.T) {
	creds := wechat.Platform.NewCredentials()
	if creds["appid"] == "" || creds["secret"] == "" {
		t.Fatalf("credentials %v", creds)
	}
	sb, err := wechat.Platform.Open(kit.Config{Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	defer func() { srv.Close(); _ = sb.Close() }()
	if g := wechat.Platform.Shop(srv.URL).Gateway; g != srv.URL {
		t.Errorf("gateway %s", g)
	}
	e := &env{t: t, srv: srv}
	e.token = e.post("/cgi-bin/stable_token", map[string]any{"grant_type": "client_credential", "appid": creds["appid"], "secret": creds["secret"]})["access_token"].(string)
	id := e.call("product/add", addBody(), 0)["data"].(map[string]any)["product_id"].(string)
	for range wechat.DefaultReviewGets {
		e.call("product/get", map[string]any{"product_id": id, "data_type": 3}, 0)
	}
	admin := kit.AdminClient{BaseURL: srv.URL}
	ctx := context.Background()
	items, err := admin.Items(ctx)
	if err != nil || len(items) != 1 || !items[0].OnSale || items[0].SKUs[0].OuterID != "YS-TS-001-WHT-M" || items[0].SKUs[0].PriceFen != 5990 {
		t.Fatalf("items %+v %v", items, err)
	}
	ids, err := admin.SellOrders(ctx, 2, "YS-TS-001-WHT-M")
	if err != nil || len(ids) != 2 {
		t.Fatalf("sell %v %v", ids, err)
	}
	if err := admin.RefundOrder(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	if err := admin.CancelOrder(ctx, ids[0]); err == nil {
		t.Error("cancelled a refunded order")
	}
	if err := admin.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if items, _ := admin.Items(ctx); len(items) != 0 {
		t.Errorf("after reset: %+v", items)
	}
}
