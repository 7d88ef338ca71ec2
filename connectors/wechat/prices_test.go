package wechat_test

import (
	"context"
	"testing"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/shopgate"
	"github.com/syncctl/syncctl/domain"
)

// ReadPrices reads the online copy's sale_price (分): nothing before the
// first review passes, the pushed prices once listed, a price changed with
// auditfree at once, and not a new price waiting in review in the draft.
func TestReadPrices(t *testing.T) {
	ctx := context.Background()
	e := open(t, nil)
	reader, ok := e.ch.(connectors.PriceReader)
	if !ok {
		t.Fatal("the connector does not read prices")
	}
	e.sb.SetReviewGets(3)
	res, err := e.ch.UpsertProduct(ctx, push())
	if err != nil {
		t.Fatal(err)
	}
	ids := res.IDs
	if got, err := reader.ReadPrices(ctx, ids); err != nil || len(got) != 0 {
		t.Fatalf("read before the review passed = %v, %v; want nothing shown", got, err)
	}
	for range 2 {
		if _, _, err := e.ch.(connectors.ReviewTracker).ReviewStatus(ctx, ids); err != nil {
			t.Fatal(err)
		}
	}
	cctx, calls := shopgate.WithCounter(ctx)
	got, err := reader.ReadPrices(cctx, ids)
	if err != nil || len(got) != 2 || got["YS-TS-001-WHT-M"] != 5990 || got["YS-TS-001-BLK-M"] != 6990 || calls.Sent() != 1 {
		t.Fatalf("read once listed = %v, %v (%d calls)", got, err, calls.Sent())
	}

	if err := e.ch.UpdatePrice(ctx, connectors.PriceUpdate{SKUCode: "YS-TS-001-BLK-M", IDs: ids, Price: 4590}); err != nil {
		t.Fatal(err)
	}
	byCode := connectors.ProductIDs{ItemID: ids.ItemID, SKUIDs: map[string]string{"YS-TS-001-BLK-M": "", "YS-TS-001-NOPE": ""}}
	if got, err = reader.ReadPrices(ctx, byCode); err != nil || len(got) != 1 || got["YS-TS-001-BLK-M"] != 4590 {
		t.Fatalf("read after auditfree, by out_sku_id = %v, %v", got, err)
	}

	// A content update with another price waits in review: buyers still
	// see the online price.
	upd := push()
	upd.Known = &ids
	upd.Prices["YS-TS-001-WHT-M"] = 5500
	if _, err := e.ch.UpsertProduct(ctx, upd); err != nil {
		t.Fatal(err)
	}
	if got, err = reader.ReadPrices(ctx, ids); err != nil || got["YS-TS-001-WHT-M"] != 5990 {
		t.Fatalf("read with a draft in review = %v, %v; want the online 59.90", got, err)
	}
	if _, err := reader.ReadPrices(ctx, connectors.ProductIDs{ItemID: "10000000999"}); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("read of an unknown product = %v, want not_found", err)
	}
}
