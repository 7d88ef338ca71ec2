package workflows_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"testing"

	"go.temporal.io/sdk/testsuite"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
	"github.com/syncctl/syncctl/store/storetest"
	"github.com/syncctl/syncctl/workflows"
)

// poolChannel is a channel with a promotion pool that records what it was
// asked and refuses some items, as a platform refuses a rate it cannot take.
type poolChannel struct {
	connectors.Channel // only the pool methods are called
	rates              map[string]int
	refuse             map[string]error
	calls              []string
}

func (c *poolChannel) JoinPromotionPool(_ context.Context, ids connectors.ProductIDs, bp int) error {
	c.calls = append(c.calls, fmt.Sprintf("join %s %d", ids.ItemID, bp))
	if err := c.refuse[ids.ItemID]; err != nil {
		return err
	}
	c.rates[ids.ItemID] = bp
	return nil
}

func (c *poolChannel) LeavePromotionPool(_ context.Context, ids connectors.ProductIDs) error {
	c.calls = append(c.calls, "leave "+ids.ItemID)
	delete(c.rates, ids.ItemID)
	return nil
}

// A pool pass joins products on sale at their policy's rate (product over
// category over default), makes no call for what is in line already, updates
// a changed rate, takes delisted products out, and reports a product the
// platform refuses without stopping for it.
func TestSyncPromotionPool(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite", filepath.Join(t.TempDir(), "syncctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var products []domain.Product
	var listings []domain.ChannelListing
	for i, cat := range []string{"食品/零食", "服装/男装", "食品/咖啡", "美妆", "家居"} {
		p := storetest.Product(fmt.Sprintf("P%d", i), 2)
		p.Category = cat
		products = append(products, p)
		for _, k := range p.SKUs {
			listings = append(listings, domain.ChannelListing{Shop: shop, SKUCode: k.Code, ProductCode: p.Code, ItemID: "item-" + p.Code,
				PlatformSKUID: "sku-" + k.Code, Price: k.ListPrice, Stock: k.Stock, Status: domain.ListingOnSale})
		}
	}
	listings[6].Status, listings[7].Status = domain.ListingInReview, domain.ListingInReview // P3 is not on sale yet
	if _, err := st.ImportProducts(ctx, products); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveListings(ctx, listings); err != nil {
		t.Fatal(err)
	}
	ch := &poolChannel{rates: map[string]int{}, refuse: map[string]error{
		"item-P4": domain.Errorf(domain.EInvalid, "commissionRate: 12.5%% is not a whole percent")}}
	policy := domain.CommissionPolicy{Default: 2000, ByCategory: map[string]int{"食品": 1500}, ByProduct: map[string]int{"P4": 1250}}
	a := &workflows.Activities{Store: st, Shops: connectors.Shops{shop: ch}, Commission: map[domain.ShopRef]domain.CommissionPolicy{shop: policy}}
	var s testsuite.WorkflowTestSuite
	pass := func() workflows.PoolSync {
		t.Helper()
		env := s.NewTestActivityEnvironment()
		env.RegisterActivity(a)
		v, err := env.ExecuteActivity(a.SyncPromotionPool, shop)
		if err != nil {
			t.Fatal(err)
		}
		var r workflows.PoolSync
		if err := v.Get(&r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := pass()
	if r.Joined != 3 || r.InPool != 3 || len(r.Failures) != 1 || r.Failures[0].Product != "P4" || r.Failures[0].Code != domain.EInvalid {
		t.Fatalf("first pass: %+v", r)
	}
	if got := fmt.Sprint(ch.rates); got != "map[item-P0:1500 item-P1:2000 item-P2:1500]" {
		t.Fatalf("pool after the first pass: %s", got)
	}
	ls, _ := st.Listings(ctx, shop, "P0")
	if len(ls) != 2 || ls[0].PoolRate != 1500 || ls[1].PoolRate != 1500 {
		t.Fatalf("P0's listings keep no rate: %+v", ls)
	}

	// Nothing changed: no call but the refused product's again.
	ch.calls = nil
	if r := pass(); r.Joined+r.Updated+r.Left != 0 || fmt.Sprint(ch.calls) != "[join item-P4 1250]" {
		t.Fatalf("second pass %+v made calls %v", r, ch.calls)
	}

	// The policy changes, P3 is approved, P1 is delisted.
	delete(ch.refuse, "item-P4")
	policy.ByCategory["食品/咖啡"] = 2500
	a.Commission[shop] = policy
	listings[6].Status, listings[7].Status = domain.ListingOnSale, domain.ListingOnSale
	listings[2].Status, listings[3].Status = domain.ListingDelisted, domain.ListingDelisted
	if err := st.SaveListings(ctx, listings); err != nil {
		t.Fatal(err)
	}
	ch.calls = nil
	r = pass()
	sort.Strings(ch.calls)
	if r.Joined != 2 || r.Updated != 1 || r.Left != 1 || r.InPool != 4 ||
		fmt.Sprint(ch.calls) != "[join item-P2 2500 join item-P3 2000 join item-P4 1250 leave item-P1]" {
		t.Fatalf("third pass %+v, calls %v", r, ch.calls)
	}
}
