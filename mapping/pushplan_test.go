package mapping_test

import (
	"errors"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping"
)

var (
	shop = domain.ShopRef{Channel: "tmall", Shop: "flagship"}
	at   = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
)

func tee() domain.Product {
	return domain.Product{Code: "YS-TS-001", Title: "纯棉圆领短袖T恤", Category: "服装/T恤", SKUs: []domain.SKU{
		{Code: "YS-TS-001-WHT-M", Specs: []domain.SpecValue{{Name: "颜色", Value: "白色"}, {Name: "尺码", Value: "M"}}, ListPrice: 5990, Stock: 10},
		{Code: "YS-TS-001-WHT-L", Specs: []domain.SpecValue{{Name: "颜色", Value: "白色"}, {Name: "尺码", Value: "L"}}, ListPrice: 5990, Stock: 0},
	}}
}

// listed returns the listings a successful push of p leaves behind.
func listed(p domain.Product) []domain.ChannelListing {
	plan := mapping.PlanProductPush(shop, p, nil, at)
	return plan.Pushed(connectors.ProductResult{Status: domain.ListingOnSale, IDs: connectors.ProductIDs{
		ItemID: "600000000001", SKUIDs: map[string]string{"YS-TS-001-WHT-M": "5001", "YS-TS-001-WHT-L": "5002"}}})
}

func TestPlanNewProductIsOneCreate(t *testing.T) {
	plan := mapping.PlanProductPush(shop, tee(), nil, at)
	if plan.Upsert == nil || plan.Upsert.Known != nil || plan.Upsert.MayExist {
		t.Fatalf("plan = %+v, want a create", plan.Upsert)
	}
	if plan.Upsert.Prices["YS-TS-001-WHT-M"] != 5990 || plan.Upsert.Stocks["YS-TS-001-WHT-L"] != 0 {
		t.Fatalf("prices/stocks = %v %v", plan.Upsert.Prices, plan.Upsert.Stocks)
	}
	ls := listed(tee())
	if len(ls) != 2 || ls[0].ItemID != "600000000001" || ls[0].ContentHash != tee().ContentHash() || ls[0].Status != domain.ListingOnSale {
		t.Fatalf("listings after push = %+v", ls)
	}
}

func TestPlanUnchangedProductDoesNothing(t *testing.T) {
	plan := mapping.PlanProductPush(shop, tee(), listed(tee()), at)
	if plan.Upsert != nil || len(plan.Prices) != 0 || len(plan.Stocks) != 0 {
		t.Fatalf("plan for an unchanged product = %+v", plan)
	}
}

func TestPlanPriceAndStockOnlyChanges(t *testing.T) {
	p := tee()
	p.SKUs[0].ListPrice = 4990
	p.SKUs[1].Stock = 25
	plan := mapping.PlanProductPush(shop, p, listed(tee()), at)
	if plan.Upsert != nil {
		t.Fatal("a price/stock change must not re-push content")
	}
	if len(plan.Prices) != 1 || plan.Prices[0].SKUCode != "YS-TS-001-WHT-M" || plan.Prices[0].Price != 4990 || plan.Prices[0].IDs.SKUIDs["YS-TS-001-WHT-M"] != "5001" {
		t.Fatalf("prices = %+v", plan.Prices)
	}
	if len(plan.Stocks) != 1 || plan.Stocks[0].Quantity != 25 || plan.Stocks[0].SKUCode != "YS-TS-001-WHT-L" {
		t.Fatalf("stocks = %+v", plan.Stocks)
	}
	saved := plan.PriceSaved(plan.Prices[0])
	if saved[0].Price != 4990 || saved[0].ItemID != "600000000001" {
		t.Fatalf("saved = %+v", saved)
	}
}

func TestPlanContentChangeIsUpdateWithKnownIDs(t *testing.T) {
	p := tee()
	p.Title = "新款纯棉圆领短袖T恤"
	plan := mapping.PlanProductPush(shop, p, listed(tee()), at)
	if plan.Upsert == nil || plan.Upsert.Known == nil || plan.Upsert.Known.ItemID != "600000000001" || plan.Upsert.Known.SKUIDs["YS-TS-001-WHT-L"] != "5002" {
		t.Fatalf("plan = %+v, want an update of the known item", plan.Upsert)
	}
	// A new SKU added to a listed product also re-pushes the product.
	p = tee()
	p.SKUs = append(p.SKUs, domain.SKU{Code: "YS-TS-001-WHT-XL", Specs: []domain.SpecValue{{Name: "颜色", Value: "白色"}, {Name: "尺码", Value: "XL"}}, ListPrice: 5990, Stock: 3})
	if plan := mapping.PlanProductPush(shop, p, listed(tee()), at); plan.Upsert == nil || plan.Upsert.Known == nil {
		t.Fatal("a new SKU must update the known item")
	}
}

func TestPlanInterruptedCreateLooksUpFirst(t *testing.T) {
	pending := mapping.PlanProductPush(shop, tee(), nil, at).PendingListings()
	plan := mapping.PlanProductPush(shop, tee(), pending, at)
	if plan.Upsert == nil || plan.Upsert.Known != nil || !plan.Upsert.MayExist {
		t.Fatalf("plan after an interrupted create = %+v, want MayExist", plan.Upsert)
	}
}

func TestPlanFailureKeepsIDsAndReason(t *testing.T) {
	p := tee()
	p.Title = "x"
	plan := mapping.PlanProductPush(shop, p, listed(tee()), at)
	failed := plan.Failed(errors.New("tmall invalid: title too short [isv.invalid-parameter:title]"), connectors.ProductIDs{})
	for _, l := range failed {
		if l.ItemID != "600000000001" || l.LastError == "" || l.ContentHash != tee().ContentHash() || l.Status != domain.ListingOnSale {
			t.Fatalf("failed listing = %+v: ids, old hash and status must stay, reason recorded", l)
		}
	}
	fresh := mapping.PlanProductPush(shop, p, nil, at).Failed(errors.New("boom"), connectors.ProductIDs{})
	if fresh[0].Status != domain.ListingFailed {
		t.Fatalf("never-listed failure status = %s", fresh[0].Status)
	}
	// A create whose read-back failed: the item id the platform gave is
	// kept, so the next push updates that item instead of creating another.
	created := mapping.PlanProductPush(shop, p, nil, at)
	got := created.Failed(errors.New("read-back failed"), connectors.ProductIDs{ItemID: "600000000077"})
	if got[0].ItemID != "600000000077" || !created.GotIDs(got) {
		t.Fatalf("failed create = %+v", got[0])
	}
	next := mapping.PlanProductPush(shop, p, got, at)
	if next.Upsert == nil || next.Upsert.Known == nil || next.Upsert.Known.ItemID != "600000000077" || next.Upsert.MayExist {
		t.Fatalf("plan after a create whose read-back failed = %+v, want an update of 600000000077", next.Upsert)
	}
}
