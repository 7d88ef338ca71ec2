package stack_test

import (
	"context"
	"testing"
	"time"

	"github.com/syncctl/syncctl/catalog/sample"
	"github.com/syncctl/syncctl/domain"
	sbvipshop "github.com/syncctl/syncctl/sandbox/vipshop"
	"github.com/syncctl/syncctl/stack"
	"github.com/syncctl/syncctl/store"
)

// Vipshop answers a stock write with the units its carts and orders
// already hold beyond the level set (over_sell_quantity). The push records
// it on the listing and counts the SKU in its progress: the channel has
// sold more than the brand now offers it.
func TestOverSellReportedByVipshopIsRecorded(t *testing.T) {
	s := start(t, stack.Options{Platforms: []string{"vipshop"}})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := stack.ImportCatalog(ctx, s.Store, sample.JSON()); err != nil {
		t.Fatal(err)
	}
	sb := s.Sandboxes[0]
	if p := push(t, s, sb.Shop); p.Failed != 0 || p.OverSold != 0 {
		t.Fatalf("first push = %+v", p)
	}
	var p domain.Product
	if err := store.EachProduct(ctx, s.Store, "", 1, func(x domain.Product) error { p = x; return nil }); err != nil {
		t.Fatal(err)
	}
	sku := p.SKUs[0].Code
	if err := sb.Handler.(*sbvipshop.Server).SetCartHold(sku, 10); err != nil {
		t.Fatal(err)
	}
	p.SKUs[0].Stock = 4 // the warehouse now has 4; carts hold 10
	if _, err := s.Store.ImportProducts(ctx, []domain.Product{p}); err != nil {
		t.Fatal(err)
	}
	prog := push(t, s, sb.Shop)
	if prog.Failed != 0 || prog.OverSold != 1 {
		t.Fatalf("second push = %+v, want one SKU over-sold", prog)
	}
	ls, err := s.Store.Listings(ctx, sb.Shop, p.Code)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		want := 0
		if l.SKUCode == sku {
			want = 6
		}
		if l.OverSell != want || (l.SKUCode == sku && l.Stock != 4) {
			t.Errorf("%s: over-sell %d at stock %d, want %d", l.SKUCode, l.OverSell, l.Stock, want)
		}
	}
}
