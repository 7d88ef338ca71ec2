package workflows_test

import (
	"context"
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/testsuite"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping/pricing"
	"github.com/syncctl/syncctl/store"
	"github.com/syncctl/syncctl/store/storetest"
	"github.com/syncctl/syncctl/workflows"
)

// The scheduled price check of a shop runs the same check as `prices
// check` on the store, with the pricing policy in force, and its result
// names the violation.
func TestPriceCheckWorkflowFindsAPriceBelowTheFloor(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite", filepath.Join(t.TempDir(), "syncctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.ImportProducts(ctx, []domain.Product{storetest.Product("P1", 2)}); err != nil {
		t.Fatal(err)
	}
	shop := domain.ShopRef{Channel: "tmall", Shop: "flagship"}
	if err := st.SaveListings(ctx, []domain.ChannelListing{
		{Shop: shop, SKUCode: "P1-0", ProductCode: "P1", ItemID: "1", Price: 2500, Status: domain.ListingOnSale}, // cost 20.00 +50% = 30.00
		{Shop: shop, SKUCode: "P1-1", ProductCode: "P1", ItemID: "1", Price: 5990, Status: domain.ListingOnSale},
	}); err != nil {
		t.Fatal(err)
	}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterActivity(&workflows.Activities{Store: st, Pricing: func() pricing.Policy { return pricing.Policy{Floor: pricing.Floor{Margin: 5000}} }})
	env.ExecuteWorkflow(workflows.PriceCheckWorkflow, shop)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var res workflows.PriceCheck
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.CheckedSKUs != 2 || len(res.Violations) != 1 || res.Violations[0].SKU != "P1-0" || res.Violations[0].Guard != domain.GuardFloor {
		t.Fatalf("check = %+v", res)
	}
}
