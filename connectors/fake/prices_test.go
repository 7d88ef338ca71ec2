package fake_test

import (
	"context"
	"testing"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/shopgate"
	"github.com/syncctl/syncctl/domain"
)

// ReadPrices reads what the platform shows now: the pushed prices, then a
// price an operator changed in the platform's back office, found by the
// SKU id or by the outer id, through the shop's gate.
func TestReadPrices(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	reader, ok := e.ch.(connectors.PriceReader)
	if !ok {
		t.Fatal("the connector does not read prices")
	}
	p := product("P1", 2)
	p.Prices["P1-1"] = 6990
	res, err := e.ch.UpsertProduct(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := reader.ReadPrices(ctx, res.IDs)
	if err != nil || len(got) != 2 || got["P1-0"] != 5990 || got["P1-1"] != 6990 {
		t.Fatalf("read after the push = %v, %v", got, err)
	}
	if err := e.sb.SetPrice("P1-1", 4590); err != nil {
		t.Fatal(err)
	}
	cctx, calls := shopgate.WithCounter(ctx)
	byCode := connectors.ProductIDs{ItemID: res.IDs.ItemID, SKUIDs: map[string]string{"P1-1": "", "P1-9": ""}}
	got, err = reader.ReadPrices(cctx, byCode)
	if err != nil || len(got) != 1 || got["P1-1"] != 4590 || calls.Sent() != 1 {
		t.Fatalf("read after the back-office edit = %v, %v (%d calls); want P1-1 at 4590 and no P1-9", got, err, calls.Sent())
	}
	if got, err = reader.ReadPrices(ctx, connectors.ProductIDs{ItemID: res.IDs.ItemID}); err != nil || len(got) != 2 || got["P1-0"] != 5990 {
		t.Fatalf("read of every SKU = %v, %v", got, err)
	}
	if _, err := reader.ReadPrices(ctx, connectors.ProductIDs{ItemID: "1000000000000000099"}); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("read of an unknown item = %v, want not_found", err)
	}
}
