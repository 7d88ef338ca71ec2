package workflows_test

import (
	"context"
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/testsuite"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
	_ "github.com/syncctl/syncctl/store/sqlite" // the store driver
	"github.com/syncctl/syncctl/store/storetest"
	"github.com/syncctl/syncctl/workflows"
)

// A chunk that gave up is settled against the store: a product an earlier
// attempt pushed counts as pushed, the others fail with the reason on their
// listings, and a product gone from the catalog is left alone.
func TestSettleFailedChunk(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite", filepath.Join(t.TempDir(), "syncctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	done, todo := storetest.Product("P1", 2), storetest.Product("P2", 1)
	if _, err := st.ImportProducts(ctx, []domain.Product{done, todo}); err != nil {
		t.Fatal(err)
	}
	var pushed []domain.ChannelListing
	for _, k := range done.SKUs {
		pushed = append(pushed, domain.ChannelListing{Shop: shop, SKUCode: k.Code, ProductCode: "P1", ItemID: "1", PlatformSKUID: "9" + k.Code,
			ContentHash: done.ContentHash(), Price: k.ListPrice, Stock: k.Stock, Status: domain.ListingOnSale})
	}
	if err := st.SaveListings(ctx, pushed); err != nil {
		t.Fatal(err)
	}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(&workflows.Activities{Store: st})
	v, err := env.ExecuteActivity((&workflows.Activities{}).SettleFailedChunk, workflows.SettleChunkInput{
		Shop: shop, Codes: []string{"P1", "P2", "GONE"}, Code: domain.EUnavailable, Reason: "tmall unavailable: gateway down"})
	if err != nil {
		t.Fatal(err)
	}
	var r workflows.PushProductsResult
	if err := v.Get(&r); err != nil {
		t.Fatal(err)
	}
	if r.Pushed != 2 || len(r.Failures) != 1 || r.Failures[0].Product != "P2" || r.Failures[0].Code != domain.EUnavailable {
		t.Fatalf("settled = %+v", r)
	}
	ls, _ := st.Listings(ctx, shop, "P2")
	if len(ls) != 1 || ls[0].Status != domain.ListingFailed || ls[0].LastError != "tmall unavailable: gateway down" {
		t.Fatalf("P2 listings = %+v", ls)
	}
	if ls, _ := st.Listings(ctx, shop, "P1"); ls[0].Status != domain.ListingOnSale || ls[0].LastError != "" {
		t.Fatalf("P1 listings = %+v: an up-to-date product must not be marked", ls)
	}
}
