package tmall_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/shopgate"
	"github.com/syncctl/syncctl/connectors/tmall"
	"github.com/syncctl/syncctl/domain"
	sbtmall "github.com/syncctl/syncctl/sandbox/tmall"
)

// ReadPrices reads each SKU's price from the sandbox (TOP 元 strings into
// fen), afresh on every call: a price another client changed since this
// one pushed is what it returns. An item without SKUs gives its item price
// to the one SKU code asked for.
func TestReadPricesFromTheSandbox(t *testing.T) {
	sb := sbtmall.New(sbtmall.Config{AppKey: appKey, AppSecret: secret, Session: session, Seed: 3})
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { srv.Close(); _ = sb.Close() })
	open := func(shop string) *tmall.Channel {
		c, err := tmall.New(connectors.ShopConfig{Channel: "tmall", Shop: shop, Gateway: srv.URL + "/router/rest",
			Credentials: creds(appKey, secret, session), QPS: 1000})
		if err != nil {
			t.Fatal(err)
		}
		return c.(*tmall.Channel)
	}
	ch, other := open("flagship"), open("backoffice")
	var _ connectors.PriceReader = ch
	ctx := context.Background()

	res, err := ch.UpsertProduct(ctx, product())
	if err != nil {
		t.Fatal(err)
	}
	got, err := ch.ReadPrices(ctx, res.IDs)
	if err != nil || len(got) != 2 || got["YS-TS-001-WHT-M"] != 5990 || got["YS-TS-001-BLK-M"] != 6990 {
		t.Fatalf("read after the push = %v, %v", got, err)
	}
	// Another client (the seller's back office) lowers a price.
	if err := other.UpdatePrice(ctx, connectors.PriceUpdate{SKUCode: "YS-TS-001-BLK-M", IDs: res.IDs, Price: 4585}); err != nil {
		t.Fatal(err)
	}
	cctx, calls := shopgate.WithCounter(ctx)
	got, err = ch.ReadPrices(cctx, res.IDs)
	if err != nil || got["YS-TS-001-BLK-M"] != 4585 || got["YS-TS-001-WHT-M"] != 5990 || calls.Sent() != 1 {
		t.Fatalf("read after the other client's change = %v, %v (%d calls); want 45.85 as 4585", got, err, calls.Sent())
	}
	byCode := connectors.ProductIDs{ItemID: res.IDs.ItemID, SKUIDs: map[string]string{"YS-TS-001-BLK-M": "", "YS-TS-001-NOPE": ""}}
	if got, err = ch.ReadPrices(ctx, byCode); err != nil || len(got) != 1 || got["YS-TS-001-BLK-M"] != 4585 {
		t.Fatalf("read by outer id = %v, %v", got, err)
	}

	single := connectors.ProductPush{Product: domain.Product{Code: "YS-CAP-001", Title: "山野集棒球帽", Category: "服饰配件/帽子",
		Description: "精梳纯棉，可调节帽围", Images: []string{"https://img.example.com/cap.jpg"},
		SKUs: []domain.SKU{{Code: "YS-CAP-001-F", ListPrice: 3900, Stock: 4}}},
		Prices: map[string]domain.Money{"YS-CAP-001-F": 3910}, Stocks: map[string]int{"YS-CAP-001-F": 4}}
	res, err = ch.UpsertProduct(ctx, single)
	if err != nil {
		t.Fatal(err)
	}
	ids := connectors.ProductIDs{ItemID: res.IDs.ItemID, SKUIDs: map[string]string{"YS-CAP-001-F": ""}}
	if got, err = ch.ReadPrices(ctx, ids); err != nil || len(got) != 1 || got["YS-CAP-001-F"] != 3910 {
		t.Fatalf("read of an item without SKUs = %v, %v", got, err)
	}
	if _, err = ch.ReadPrices(ctx, connectors.ProductIDs{ItemID: "612345678999"}); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("read of an unknown item = %v, want not_found", err)
	}
}
