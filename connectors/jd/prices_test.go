package jd_test

import (
	"context"
	"testing"

	"github.com/syncctl/syncctl/connectors"
)

// ReadPrices reads searchSkuList's jdPrice (元, into fen): the pushed
// prices, then a changed one, found by skuId or by outerId.
func TestReadPrices(t *testing.T) {
	e := setup(t, "as", nil)
	ctx := context.Background()
	reader, ok := e.ch.(connectors.PriceReader)
	if !ok {
		t.Fatal("the connector does not read prices")
	}
	res, err := e.ch.UpsertProduct(ctx, push())
	if err != nil {
		t.Fatal(err)
	}
	got, err := reader.ReadPrices(ctx, res.IDs)
	if err != nil || len(got) != 2 || got["YS-TS-001-WHT-M"] != 5990 || got["YS-TS-001-BLK-L"] != 4990 {
		t.Fatalf("read after the push = %v, %v", got, err)
	}
	if err := e.ch.UpdatePrice(ctx, connectors.PriceUpdate{SKUCode: "YS-TS-001-BLK-L", IDs: res.IDs, Price: 3985}); err != nil {
		t.Fatal(err)
	}
	byCode := connectors.ProductIDs{ItemID: res.IDs.ItemID, SKUIDs: map[string]string{"YS-TS-001-BLK-L": "", "YS-TS-001-NOPE": ""}}
	if got, err = reader.ReadPrices(ctx, byCode); err != nil || len(got) != 1 || got["YS-TS-001-BLK-L"] != 3985 {
		t.Fatalf("read after the price update, by outerId = %v, %v", got, err)
	}
}
