package tmall_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/tmall"
	"github.com/syncctl/syncctl/domain"
	sbtmall "github.com/syncctl/syncctl/sandbox/tmall"
)

// RemoveSKU against the sandbox, which keeps TOP's rules for
// taobao.item.sku.delete (num and price restored by item_num and
// item_price, item_num above 0, the last SKU only with item_num).
func TestRemoveSKUAgainstTheSandbox(t *testing.T) {
	sb := sbtmall.New(sbtmall.Config{AppKey: appKey, AppSecret: secret, Session: session, Seed: 7})
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { srv.Close(); _ = sb.Close() })
	c, err := tmall.New(connectors.ShopConfig{Channel: "tmall", Shop: "flagship", Gateway: srv.URL + "/router/rest",
		Credentials: creds(appKey, secret, session), QPS: 1000})
	if err != nil {
		t.Fatal(err)
	}
	ch := c.(*tmall.Channel)
	ctx := context.Background()
	push := product() // WHT-M 7 × 59.90, BLK-M 3 × 69.90
	push.Product.SKUs = append(push.Product.SKUs, domain.SKU{Code: "YS-TS-001-RED-M", ListPrice: 7990,
		Specs: []domain.SpecValue{{Name: "颜色", Value: "红色"}, {Name: "尺码", Value: "M"}}})
	push.Prices["YS-TS-001-RED-M"], push.Stocks["YS-TS-001-RED-M"] = 7990, 0
	res, err := ch.UpsertProduct(ctx, push)
	if err != nil {
		t.Fatal(err)
	}
	ids := res.IDs
	// The cheapest SKU, with stock: item_num and item_price follow.
	if err := ch.RemoveSKU(ctx, ids, "YS-TS-001-WHT-M"); err != nil {
		t.Fatal(err)
	}
	it := sandboxItem(t, srv.URL)
	if _, has := it.SKUs["YS-TS-001-WHT-M"]; has || len(it.SKUs) != 2 || it.Num != 3 || it.PriceFen != 6990 {
		t.Fatalf("after removing WHT-M: %+v", it)
	}
	// Again (a retry after a lost answer): nothing left to do.
	if err := ch.RemoveSKU(ctx, ids, "YS-TS-001-WHT-M"); err != nil {
		t.Fatalf("removing it again = %v", err)
	}
	// BLK-M holds all the stock: the SKU that stays has none, so BLK-M's
	// stock goes to 0 first (item_num must be above 0).
	if err := ch.RemoveSKU(ctx, ids, "YS-TS-001-BLK-M"); err != nil {
		t.Fatal(err)
	}
	it = sandboxItem(t, srv.URL)
	if _, has := it.SKUs["YS-TS-001-RED-M"]; !has || len(it.SKUs) != 1 || it.Num != 0 || it.PriceFen != 7990 {
		t.Fatalf("after removing BLK-M: %+v", it)
	}
	// The last SKU stays on the item at stock 0.
	if err := ch.UpdateStock(ctx, connectors.StockUpdate{SKUCode: "YS-TS-001-RED-M", IDs: ids, Quantity: 4}); err != nil {
		t.Fatal(err)
	}
	if err := ch.RemoveSKU(ctx, ids, "YS-TS-001-RED-M"); err != nil {
		t.Fatal(err)
	}
	if it = sandboxItem(t, srv.URL); len(it.SKUs) != 1 || it.SKUs["YS-TS-001-RED-M"].Quantity != 0 || it.Num != 0 {
		t.Fatalf("after removing the last SKU: %+v", it)
	}
	// An item that is not there: nothing sells the SKU.
	if err := ch.RemoveSKU(ctx, connectors.ProductIDs{ItemID: "999"}, "YS-TS-001-RED-M"); err != nil {
		t.Fatalf("an unknown item = %v", err)
	}
}
