package stack_test

import (
	"context"
	"testing"
	"time"

	"github.com/syncctl/syncctl/catalog/sample"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping/pricing"
	"github.com/syncctl/syncctl/stack"
	"github.com/syncctl/syncctl/store"
	"github.com/syncctl/syncctl/workflows"
)

// With a stock policy (5 held back; Tmall 50 %, the other shop 30 % up to
// 100) each shop is offered its share of every SKU, and the sum offered
// never exceeds the master stock less the safety stock. A full push
// (--all) of an up-to-date catalog makes no call.
func TestStockAllocationAcrossShops(t *testing.T) {
	policy := pricing.StockPolicy{Safety: 5, Shares: []pricing.ShareRule{
		{Shops: []pricing.ShopPattern{{Channel: "tmall", Shop: "*"}}, Share: 5000},
		{Shops: []pricing.ShopPattern{{Channel: "fake", Shop: "*"}}, Share: 3000, Cap: 100},
	}}
	s := start(t, stack.Options{Platforms: agnostic, Stock: &policy})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := stack.ImportCatalog(ctx, s.Store, sample.JSON()); err != nil {
		t.Fatal(err)
	}
	var shops []domain.ShopRef
	for _, sb := range s.Sandboxes {
		shops = append(shops, sb.Shop)
		if p := push(t, s, sb.Shop); p.Failed != 0 {
			t.Fatalf("push to %s = %+v", sb.Shop, p)
		}
	}
	offered := map[string]map[domain.ShopRef]int{}
	for _, shop := range shops {
		for after := ""; ; {
			page, err := s.Store.ListListings(ctx, shop, after, 500)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			after = page[len(page)-1].SKUCode
			for _, l := range page {
				if offered[l.SKUCode] == nil {
					offered[l.SKUCode] = map[domain.ShopRef]int{}
				}
				offered[l.SKUCode][shop] = l.Stock
			}
		}
	}
	checked := 0
	err := store.EachProduct(ctx, s.Store, "", 0, func(p domain.Product) error {
		for _, k := range p.SKUs {
			want := policy.Allocate(k.Stock, shops, nil, time.Time{})
			sum := 0
			for _, shop := range shops {
				got := offered[k.Code][shop]
				if got != want[shop] {
					t.Errorf("%s on %s: offered %d, want %d (master %d)", k.Code, shop, got, want[shop], k.Stock)
				}
				sum += got
			}
			if sum > max(0, k.Stock-policy.Safety) {
				t.Errorf("%s: %d offered across shops, only %d to offer", k.Code, sum, k.Stock-policy.Safety)
			}
			if k.Stock > 100 && offered[k.Code][shops[1]] > 100 {
				t.Errorf("%s: the capped shop is offered %d", k.Code, offered[k.Code][shops[1]])
			}
			checked++
		}
		return nil
	})
	if err != nil || checked != 307 {
		t.Fatalf("checked %d SKUs: %v", checked, err)
	}
	// A full pass over an up-to-date catalog compares all 65 and calls nothing.
	shop := shops[0]
	run, err := s.StartWorkflow(ctx, shop, workflows.CatalogPushID(shop), workflows.CatalogPushWorkflowName, workflows.CatalogPushInput{Shop: shop, All: true})
	if err != nil {
		t.Fatal(err)
	}
	var p workflows.PushProgress
	if err := run.Get(ctx, &p); err != nil || p.Total != 65 || p.Calls != 0 || p.Failed != 0 {
		t.Fatalf("full push of an up-to-date catalog = %+v, %v", p, err)
	}
}
