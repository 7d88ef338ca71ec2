package kuaishou

import (
	"context"
	"testing"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
)

// ReadPrices reads open.item.get's skuSalePrice (分): the pushed prices,
// then a price another worker changed, found by kwaiSkuId or by relSkuId.
func TestReadPrices(t *testing.T) {
	e := setup(t, nil)
	ch, other := e.channel(t, nil), e.channel(t, nil)
	ctx := context.Background()
	var _ connectors.PriceReader = ch
	res, err := ch.UpsertProduct(ctx, push())
	if err != nil {
		t.Fatal(err)
	}
	got, err := ch.ReadPrices(ctx, res.IDs)
	if err != nil || len(got) != 2 || got["YS-TS-001-WHT-M"] != 5990 || got["YS-TS-001-BLK-L"] != 4990 {
		t.Fatalf("read after the push = %v, %v", got, err)
	}
	if err := other.UpdatePrice(ctx, connectors.PriceUpdate{SKUCode: "YS-TS-001-BLK-L", IDs: res.IDs, Price: 3990}); err != nil {
		t.Fatal(err)
	}
	byCode := connectors.ProductIDs{ItemID: res.IDs.ItemID, SKUIDs: map[string]string{"YS-TS-001-BLK-L": "", "YS-TS-001-NOPE": ""}}
	if got, err = ch.ReadPrices(ctx, byCode); err != nil || len(got) != 1 || got["YS-TS-001-BLK-L"] != 3990 {
		t.Fatalf("read after the other worker's change, by relSkuId = %v, %v", got, err)
	}
	if _, err := ch.ReadPrices(ctx, connectors.ProductIDs{ItemID: "999"}); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("read of an unknown item = %v, want not_found", err)
	}
}
