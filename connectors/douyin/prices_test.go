package douyin_test

import (
	"context"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
)

// ReadPrices reads product.detail's online spec_prices (分): the pushed
// prices once approved, a price changed with sku.editPrice, found by
// sku_id or by outer_sku_id.
func TestReadPrices(t *testing.T) {
	e := setup(t, "the-secret")
	ctx := context.Background()
	reader, ok := e.ch.(connectors.PriceReader)
	if !ok {
		t.Fatal("the connector does not read prices")
	}
	res, err := e.ch.UpsertProduct(ctx, push(7))
	if err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(2 * time.Second)
	if st, _, err := e.reviewer(t).ReviewStatus(ctx, res.IDs); err != nil || st != domain.ListingOnSale {
		t.Fatalf("review: %s %v", st, err)
	}
	got, err := reader.ReadPrices(ctx, res.IDs)
	if err != nil || len(got) != 2 || got["YS-TS-001-WHT-M"] != 5990 || got["YS-TS-001-BLK-L"] != 73900 {
		t.Fatalf("read once approved = %v, %v", got, err)
	}
	if err := e.ch.UpdatePrice(ctx, connectors.PriceUpdate{SKUCode: "YS-TS-001-WHT-M", IDs: res.IDs, Price: 4590}); err != nil {
		t.Fatal(err)
	}
	byCode := connectors.ProductIDs{ItemID: res.IDs.ItemID, SKUIDs: map[string]string{"YS-TS-001-WHT-M": "", "YS-TS-001-NOPE": ""}}
	if got, err = reader.ReadPrices(ctx, byCode); err != nil || len(got) != 1 || got["YS-TS-001-WHT-M"] != 4590 {
		t.Fatalf("read after sku.editPrice, by outer_sku_id = %v, %v", got, err)
	}
	if _, err := reader.ReadPrices(ctx, connectors.ProductIDs{ItemID: "3000000000000000001"}); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("read of an unknown product = %v, want not_found", err)
	}
}
