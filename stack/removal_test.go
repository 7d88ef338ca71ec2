package stack_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/catalog/sample"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/stack"
)

// A SKU dropped from a product by a re-import, and a whole product removed
// from the catalog, end on every channel at the next push: on Tmall the
// SKU is deleted from the item (taobao.item.sku.delete), on the fake
// platform, which cannot remove a SKU, it is set to stock 0 first; the
// removed product's item is delisted on both. The listings say removed at
// stock 0, and the push after that makes no call at all.
func TestRemovedFromTheCatalogEndsOnEveryChannel(t *testing.T) {
	s := start(t, stack.Options{})
	ctx := context.Background()
	if _, err := stack.ImportCatalog(ctx, s.Store, sample.JSON()); err != nil {
		t.Fatal(err)
	}
	for _, sb := range s.Sandboxes {
		if p := push(t, s, sb.Shop); p.Failed != 0 || p.Removed != 0 {
			t.Fatalf("first push to %s = %+v", sb.Shop, p)
		}
	}

	// The first product with two SKUs or more loses its last SKU that has
	// stock (so the stock-0 fallback has something to write); another
	// product goes as a whole.
	products, err := s.Store.ListProducts(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	var trimmed, removed domain.Product
	var dropped domain.SKU
	for _, p := range products {
		if trimmed.Code == "" && len(p.SKUs) >= 2 && p.SKUs[len(p.SKUs)-1].Stock > 0 {
			trimmed, dropped = p, p.SKUs[len(p.SKUs)-1]
			trimmed.SKUs = p.SKUs[:len(p.SKUs)-1]
		} else if removed.Code == "" {
			removed = p
		}
	}
	if trimmed.Code == "" || removed.Code == "" {
		t.Fatal("the sample catalog has no product with two SKUs and another product")
	}
	var file bytes.Buffer
	if err := catalog.Export(&file, []domain.Product{trimmed}, catalog.FormatJSON); err != nil {
		t.Fatal(err)
	}
	if rejected, err := stack.ImportCatalog(ctx, s.Store, file.Bytes()); err != nil || len(rejected) != 0 {
		t.Fatalf("re-import of %s without %s: %v %v", trimmed.Code, dropped.Code, rejected, err)
	}
	res, err := s.Store.RemoveProducts(ctx, []string{removed.Code})
	if err != nil {
		t.Fatal(err)
	}
	if res.Listings != len(removed.SKUs)*len(s.Sandboxes) {
		t.Fatalf("remove %s = %+v, want %d listings to end", removed.Code, res, len(removed.SKUs)*len(s.Sandboxes))
	}

	for _, sb := range s.Sandboxes {
		before, err := sb.Admin.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		p := push(t, s, sb.Shop)
		if p.Total != 2 || p.Pushed != 2 || p.Failed != 0 || p.Removed != 1+len(removed.SKUs) {
			t.Fatalf("push to %s after the removals = %+v, want 2 products, %d listings removed", sb.Shop, p, 1+len(removed.SKUs))
		}
		after, err := sb.Admin.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		served := func(method string) int { return after.Served[method] - before.Served[method] }
		switch sb.Platform.ID() {
		case "tmall":
			if served("taobao.item.sku.delete") != 1 || served("taobao.item.update.delisting") != 1 {
				t.Fatalf("tmall served %v, want one sku.delete and one delisting", after.Served)
			}
		case "fake":
			if served("sku.stock.delta") != 1 || served("product.listing") != 1 {
				t.Fatalf("fake served %v, want one stock write (to 0) and one delisting", after.Served)
			}
		}
		items, err := sb.Admin.Items(ctx)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, it := range items {
			seen[it.OuterID] = true
			switch it.OuterID {
			case trimmed.Code:
				for _, k := range it.SKUs {
					if k.OuterID == dropped.Code && k.Stock != 0 {
						t.Fatalf("%s still offers %d of the dropped SKU %s", sb.Shop, k.Stock, dropped.Code)
					}
				}
				if len(it.SKUs) < len(trimmed.SKUs) {
					t.Fatalf("%s: item %s has %d SKUs, want the %d that stay", sb.Shop, it.OuterID, len(it.SKUs), len(trimmed.SKUs))
				}
			case removed.Code:
				if it.OnSale {
					t.Fatalf("%s: the removed product's item %s is still on sale (%s)", sb.Shop, it.ItemID, it.Status)
				}
			}
		}
		if !seen[trimmed.Code] || !seen[removed.Code] {
			t.Fatalf("%s does not list both %s and %s", sb.Shop, trimmed.Code, removed.Code)
		}
		for code, skus := range map[string][]string{trimmed.Code: {dropped.Code}, removed.Code: codes(removed.SKUs)} {
			ls, err := s.Store.Listings(ctx, sb.Shop, code)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range skus {
				found := false
				for _, l := range ls {
					if l.SKUCode == want {
						found = true
						if l.Status != domain.ListingRemoved || l.Stock != 0 || l.LastError != "" {
							t.Fatalf("%s listing of %s = %s, stock %d (%s), want removed at 0", sb.Shop, want, l.Status, l.Stock, l.LastError)
						}
					}
				}
				if !found {
					t.Fatalf("%s has no listing of %s", sb.Shop, want)
				}
			}
		}
		if again := push(t, s, sb.Shop); again.Total != 0 || again.Calls != 0 || again.Removed != 0 {
			t.Fatalf("third push to %s = %+v, want no call", sb.Shop, again)
		}
	}
}

func codes(skus []domain.SKU) []string {
	var out []string
	for _, k := range skus {
		out = append(out, k.Code)
	}
	return out
}
