package workflows_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping/pricing"
	"github.com/syncctl/syncctl/platforms"
	_ "github.com/syncctl/syncctl/platforms/fakeplatform"
	sbfake "github.com/syncctl/syncctl/sandbox/fake"
	"github.com/syncctl/syncctl/sandbox/kit"
	"github.com/syncctl/syncctl/store"
	"github.com/syncctl/syncctl/store/storetest"
	"github.com/syncctl/syncctl/workflows"
)

// flakyReader reads through its channel the first reads times, then fails.
type flakyReader struct {
	connectors.Channel
	reads int
}

func (f *flakyReader) ReadPrices(ctx context.Context, ids connectors.ProductIDs) (map[string]domain.Money, error) {
	if f.reads--; f.reads < 0 {
		return nil, domain.Errorf(domain.EUnavailable, "fake: product.get: unreachable")
	}
	return f.Channel.(connectors.PriceReader).ReadPrices(ctx, ids)
}

// A shop operator lowers a price in the platform's back office after
// syncctl pushed it: the check that reads the platform (the connector is a
// PriceReader) finds the price below the floor and drifting from the rule;
// the check of the last pushed prices does not. A shop this process has
// no connector for keeps its last pushed prices; a read that fails falls
// back to them with a warning; the PriceCheck workflow reads live too.
func TestCheckPricesReadsThePlatform(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite", filepath.Join(t.TempDir(), "syncctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.ImportProducts(ctx, []domain.Product{storetest.Product("P1", 2), storetest.Product("P2", 1)}); err != nil {
		t.Fatal(err)
	}

	creds := sbfake.Platform.NewCredentials()
	box, err := sbfake.Platform.Open(kit.Config{Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(box)
	t.Cleanup(func() { srv.Close(); _ = box.Close() })
	sb := box.(*sbfake.Server)
	mini := domain.ShopRef{Channel: "fake", Shop: "pricecheck"}
	tmall := domain.ShopRef{Channel: "tmall", Shop: "flagship"}
	setup := sbfake.Platform.Shop(srv.URL)
	ch, err := platforms.Open(connectors.ShopConfig{Channel: mini.Channel, Shop: mini.Shop, Gateway: setup.Gateway, QPS: 1000,
		Options: setup.Options, Credentials: map[string]connectors.Secret{"api_key": connectors.Secret(creds["api_key"])}})
	if err != nil {
		t.Fatal(err)
	}

	// The push, as the worker makes it: items on the platform, listings
	// with their ids and the prices pushed (the list price, 59.90).
	var ls []domain.ChannelListing
	for _, code := range []string{"P1", "P2"} {
		prod, err := st.GetProduct(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		push := connectors.ProductPush{Product: prod, Prices: map[string]domain.Money{}, Stocks: map[string]int{}}
		for _, k := range prod.SKUs {
			push.Prices[k.Code], push.Stocks[k.Code] = k.ListPrice, k.Stock
		}
		res, err := ch.UpsertProduct(ctx, push)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range prod.SKUs {
			ls = append(ls, domain.ChannelListing{Shop: mini, SKUCode: k.Code, ProductCode: code, ItemID: res.IDs.ItemID,
				PlatformSKUID: res.IDs.SKUIDs[k.Code], Price: k.ListPrice, Status: domain.ListingOnSale, PushedAt: time.Now()},
				domain.ChannelListing{Shop: tmall, SKUCode: k.Code, ProductCode: code, ItemID: "61000" + code[1:],
					Price: k.ListPrice, Status: domain.ListingOnSale, PushedAt: time.Now()})
		}
	}
	if err := st.SaveListings(ctx, ls); err != nil {
		t.Fatal(err)
	}
	if err := sb.SetPrice("P1-1", 2500); err != nil { // the operator's edit, on the platform only
		t.Fatal(err)
	}

	pol := pricing.Policy{Floor: pricing.Floor{Margin: 5000}} // cost 20.00 +50% = 30.00
	at := time.Now()
	check := func(channels workflows.ChannelOf) workflows.PriceCheck {
		t.Helper()
		res, err := workflows.CheckPrices(ctx, st, pol, map[domain.ShopRef]bool{}, nil, at, channels)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}

	stored := check(nil)
	if stored.CheckedSKUs != 3 || len(stored.Violations) != 0 || len(stored.Drift) != 0 ||
		stored.Sources[mini.String()] != workflows.SourceLastPushed || stored.Sources[tmall.String()] != workflows.SourceLastPushed {
		t.Fatalf("check of the last pushed prices = %+v", stored)
	}

	shops := connectors.Shops{mini: ch}
	live := check(shops.Get)
	if len(live.Violations) != 1 || live.Violations[0].SKU != "P1-1" || live.Violations[0].Shop != mini ||
		live.Violations[0].Guard != domain.GuardFloor || live.Violations[0].Price != 2500 {
		t.Fatalf("live violations = %+v, want P1-1's floor at 25.00 on %s", live.Violations, mini)
	}
	if len(live.Drift) != 1 || live.Drift[0].SKU != "P1-1" || live.Drift[0].Shows != 2500 || live.Drift[0].RulePrice != 5990 {
		t.Fatalf("live drift = %+v", live.Drift)
	}
	if live.Sources[mini.String()] != workflows.SourcePlatform || live.Sources[tmall.String()] != workflows.SourceLastPushed ||
		len(live.Warnings) != 0 || len(live.Shops) != 2 {
		t.Fatalf("live sources = %v, warnings %q, shops %v", live.Sources, live.Warnings, live.Shops)
	}

	// A read that fails: the shop's last pushed prices from there on, a
	// warning, no failed check. P1 is read, then P2's read fails.
	res := check(connectors.Shops{mini: &flakyReader{Channel: ch, reads: 1}}.Get)
	if len(res.Violations) != 1 || res.Sources[mini.String()] != workflows.SourceMixed || len(res.Warnings) != 1 ||
		!strings.Contains(res.Warnings[0], "fake/pricecheck: reading the platform's prices failed at product P2") {
		t.Fatalf("check with a failing read = %+v", res)
	}

	// The scheduled check of the shop reads the shops its worker serves.
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterActivity(&workflows.Activities{Store: st, Shops: shops, Pricing: func() pricing.Policy { return pol }})
	env.ExecuteWorkflow(workflows.PriceCheckWorkflow, mini)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var wres workflows.PriceCheck
	if err := env.GetWorkflowResult(&wres); err != nil {
		t.Fatal(err)
	}
	if len(wres.Violations) != 1 || wres.Violations[0].Price != 2500 || wres.Sources[mini.String()] != workflows.SourcePlatform {
		t.Fatalf("workflow result = %+v", wres)
	}
}
