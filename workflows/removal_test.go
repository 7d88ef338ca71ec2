package workflows_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"go.temporal.io/sdk/testsuite"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store/sqlite"
	"github.com/syncctl/syncctl/store/storetest"
	"github.com/syncctl/syncctl/workflows"
)

// recorder is a channel that records the calls the push makes, in order.
type recorder struct {
	calls     []string
	removeErr error // what RemoveSKU answers (remover only)
}

func (r *recorder) Shop() domain.ShopRef                                      { return shop }
func (r *recorder) Capabilities() connectors.Capabilities                     { return connectors.Capabilities{} }
func (r *recorder) UpdatePrice(context.Context, connectors.PriceUpdate) error { return nil }
func (r *recorder) ListOrders(context.Context, connectors.OrderQuery) (connectors.OrderPage, error) {
	return connectors.OrderPage{}, nil
}
func (r *recorder) GetOrder(context.Context, string) (domain.SalesOrder, error) {
	return domain.SalesOrder{}, nil
}
func (r *recorder) Ship(context.Context, domain.Shipment) error { return nil }

func (r *recorder) UpsertProduct(_ context.Context, p connectors.ProductPush) (connectors.ProductResult, error) {
	r.calls = append(r.calls, "upsert "+p.Product.Code)
	res := connectors.ProductResult{Status: domain.ListingOnSale, IDs: connectors.ProductIDs{ItemID: "1" + p.Product.Code, SKUIDs: map[string]string{}}}
	for _, s := range p.Product.SKUs {
		res.IDs.SKUIDs[s.Code] = "9" + s.Code
	}
	return res, nil
}

func (r *recorder) UpdateStock(_ context.Context, u connectors.StockUpdate) error {
	r.calls = append(r.calls, fmt.Sprintf("stock %s=%d", u.SKUCode, u.Quantity))
	return nil
}

func (r *recorder) SetListed(_ context.Context, ids connectors.ProductIDs, listed bool) error {
	r.calls = append(r.calls, fmt.Sprintf("listed %s=%v", ids.ItemID, listed))
	return nil
}

// remover is a recorder on a platform that removes SKUs.
type remover struct{ *recorder }

func (r remover) RemoveSKU(_ context.Context, ids connectors.ProductIDs, code string) error {
	r.calls = append(r.calls, fmt.Sprintf("remove %s from %s (%s)", code, ids.ItemID, ids.SKUIDs[code]))
	return r.removeErr
}

// removalStore is a store where P1 (3 SKUs) and P2 are pushed to shop,
// then P1 loses P1-2 and P2 is removed from the catalog.
func removalStore(t *testing.T) *sqlite.DB {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "syncctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p1, p2 := storetest.Product("P1", 3), storetest.Product("P2", 1)
	if _, err := st.ImportProducts(ctx, []domain.Product{p1, p2}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []domain.Product{p1, p2} {
		var ls []domain.ChannelListing
		for _, k := range p.SKUs {
			ls = append(ls, domain.ChannelListing{Shop: shop, SKUCode: k.Code, ProductCode: p.Code, ItemID: "1" + p.Code, PlatformSKUID: "9" + k.Code,
				ContentHash: p.ContentHash(), Price: k.ListPrice, Stock: k.Stock, Status: domain.ListingOnSale})
		}
		if err := st.SaveListings(ctx, ls); err != nil {
			t.Fatal(err)
		}
	}
	p1.SKUs = p1.SKUs[:2]
	if _, err := st.ImportProducts(ctx, []domain.Product{p1}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RemoveProducts(ctx, []string{"P2"}); err != nil {
		t.Fatal(err)
	}
	if codes, _ := st.ChangedProducts(ctx, shop, "", 10); fmt.Sprint(codes) != "[P1 P2]" {
		t.Fatalf("changed = %v", codes)
	}
	return st
}

func pushChunk(t *testing.T, st *sqlite.DB, ch connectors.Channel, codes ...string) workflows.PushProductsResult {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(&workflows.Activities{Store: st, Shops: connectors.Shops{shop: ch}})
	v, err := env.ExecuteActivity((&workflows.Activities{}).PushProducts, workflows.PushProductsInput{Shop: shop, Codes: codes})
	if err != nil {
		t.Fatal(err)
	}
	var r workflows.PushProductsResult
	if err := v.Get(&r); err != nil {
		t.Fatal(err)
	}
	return r
}

// The push ends what left the catalog before anything else of the product:
// the removed product's item is delisted, the dropped SKU removed where the
// platform can and set to stock 0 where it cannot; each ended listing says
// removed at stock 0, counts in Removed, and leaves the change set.
func TestPushEndsWhatLeftTheCatalog(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name    string
		channel func(*recorder) connectors.Channel
		removal string
	}{
		{"stock 0 where the platform cannot remove a SKU", func(r *recorder) connectors.Channel { return r }, "stock P1-2=0"},
		{"removed where it can", func(r *recorder) connectors.Channel { return remover{r} }, "remove P1-2 from 1P1 (9P1-2)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := removalStore(t)
			rec := &recorder{}
			r := pushChunk(t, st, c.channel(rec), "P1", "P2")
			if want := c.removal + ", upsert P1, listed 1P2=false"; strings.Join(rec.calls, ", ") != want {
				t.Fatalf("calls = %v, want %s", rec.calls, want)
			}
			if r.Done != 2 || r.Pushed != 2 || r.Removed != 2 || r.SKUs != 2 || len(r.Failures) != 0 {
				t.Fatalf("result = %+v", r)
			}
			for _, code := range []string{"P1", "P2"} {
				ls, _ := st.Listings(ctx, shop, code)
				for _, l := range ls {
					gone := l.SKUCode == "P1-2" || code == "P2"
					if gone != (l.Status == domain.ListingRemoved) || (gone && l.Stock != 0) {
						t.Fatalf("listing %s = %s/%d", l.SKUCode, l.Status, l.Stock)
					}
				}
			}
			if n, _ := st.CountChangedProducts(ctx, shop); n != 0 {
				t.Fatalf("%d products still to push", n)
			}
			// Nothing left: the next push calls nothing.
			rec.calls = nil
			if r := pushChunk(t, st, c.channel(rec), "P1", "P2"); len(rec.calls) != 0 || r.Removed != 0 {
				t.Fatalf("a second push = %+v, calls %v", r, rec.calls)
			}
		})
	}
}

// A removal the platform refuses fails the product with the reason on the
// listing it could not end, before its content is pushed; the next push
// tries again. A chunk settled after its activity gave up does the same
// for a removed product.
func TestRemovalFailureKeepsItToDo(t *testing.T) {
	ctx := context.Background()
	st := removalStore(t)
	rec := &recorder{removeErr: domain.Errorf(domain.EInvalid, "tmall invalid: item_num 不是大于0的整数")}
	r := pushChunk(t, st, remover{rec}, "P1")
	if len(rec.calls) != 1 || len(r.Failures) != 1 || r.Failures[0].Product != "P1" || r.Removed != 0 {
		t.Fatalf("result = %+v, calls %v", r, rec.calls)
	}
	ls, _ := st.Listings(ctx, shop, "P1")
	if l := ls[2]; l.SKUCode != "P1-2" || l.Status != domain.ListingOnSale || !strings.Contains(l.LastError, "item_num") {
		t.Fatalf("P1-2 after the failed removal = %+v", l)
	}
	if codes, _ := st.ChangedProducts(ctx, shop, "", 10); fmt.Sprint(codes) != "[P1 P2]" {
		t.Fatalf("changed after the failure = %v", codes)
	}

	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(&workflows.Activities{Store: st})
	v, err := env.ExecuteActivity((&workflows.Activities{}).SettleFailedChunk, workflows.SettleChunkInput{
		Shop: shop, Codes: []string{"P2"}, Code: domain.EUnavailable, Reason: "tmall unavailable: gateway down"})
	if err != nil {
		t.Fatal(err)
	}
	var settled workflows.PushProductsResult
	if err := v.Get(&settled); err != nil {
		t.Fatal(err)
	}
	if len(settled.Failures) != 1 || settled.Pushed != 0 {
		t.Fatalf("settled = %+v: a removed product whose item is still listed is not done", settled)
	}
	if ls, _ := st.Listings(ctx, shop, "P2"); ls[0].LastError != "tmall unavailable: gateway down" || ls[0].Status != domain.ListingOnSale {
		t.Fatalf("P2 after settling = %+v", ls[0])
	}
}
