package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

// removedListing is l as a push saves it once it ended the SKU on the shop.
func removedListing(l domain.ChannelListing) domain.ChannelListing {
	l.Status, l.Stock, l.ContentHash = domain.ListingRemoved, 0, ""
	return l
}

// A SKU dropped by an import, and a whole product removed, put their live
// listings into the change set of every shop that lists them (and only
// those); saving the listings as removed takes them out again.
func testRemovalsInChangeSet(t *testing.T, s store.Store) {
	a, b, c := Product("A", 3), Product("B", 2), Product("C", 1)
	_, err := s.ImportProducts(ctx, []domain.Product{a, b, c})
	must(t, err)
	outlet := domain.ShopRef{Channel: "fake", Shop: "outlet"}
	unlisted := domain.ShopRef{Channel: "tmall", Shop: "unlisted"} // tracked, lists nothing
	for _, sh := range []domain.ShopRef{shop, outlet} {
		for _, p := range []domain.Product{a, b, c} {
			must(t, s.SaveListings(ctx, pushed(sh, p)))
		}
		if n, _ := s.CountChangedProducts(ctx, sh); n != 0 {
			t.Fatalf("%s after a full push: %d changed", sh, n)
		}
	}
	if n, _ := s.CountChangedProducts(ctx, unlisted); n != 3 {
		t.Fatalf("a shop that lists nothing: %d changed, want 3", n)
	}

	// A re-import of A without A-1; C removed as a whole.
	a1 := a
	a1.SKUs = []domain.SKU{a.SKUs[0], a.SKUs[2]}
	_, err = s.ImportProducts(ctx, []domain.Product{a1, b})
	must(t, err)
	res, err := s.RemoveProducts(ctx, []string{"C"})
	must(t, err)
	if res.Products != 1 || res.SKUs != 1 || res.Listings != 2 {
		t.Fatalf("remove C = %+v, want 1 product, 1 SKU, 2 listings to end", res)
	}
	if _, err := s.GetProduct(ctx, "C"); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("GetProduct(C) after removal = %v", err)
	}
	if spus, skus, _ := s.CatalogStats(ctx); spus != 2 || skus != 4 {
		t.Fatalf("catalog after the removals = %d/%d, want 2/4", spus, skus)
	}
	for _, sh := range []domain.ShopRef{shop, outlet} {
		if codes, _ := s.ChangedProducts(ctx, sh, "", 10); fmt.Sprint(codes) != "[A C]" {
			t.Fatalf("%s changed after the removals = %v, want [A C]", sh, codes)
		}
		if n, _ := s.CountChangedProducts(ctx, sh); n != 2 {
			t.Fatalf("%s count = %d, want 2", sh, n)
		}
		if codes, _ := s.ChangedProducts(ctx, sh, "A", 10); fmt.Sprint(codes) != "[C]" {
			t.Fatalf("%s paging after A = %v", sh, codes)
		}
		if codes, _ := s.ChangedProducts(ctx, sh, "", 1); fmt.Sprint(codes) != "[A]" {
			t.Fatalf("%s limit 1 = %v", sh, codes)
		}
	}
	if n, _ := s.CountChangedProducts(ctx, unlisted); n != 2 {
		t.Fatalf("the unlisted shop after the removals: %d changed, want 2 (A and B, C is gone)", n)
	}
	// The listings stay until a push ends them; C's are still readable by product.
	if ls, _ := s.Listings(ctx, shop, "C"); len(ls) != 1 || ls[0].Status != domain.ListingOnSale {
		t.Fatalf("listings of removed C = %+v", ls)
	}

	// The push of shop: A's remaining SKUs updated and A-1 ended; C ended.
	ls := pushed(shop, a1)
	ls = append(ls, removedListing(pushed(shop, a)[1]))
	must(t, s.SaveListings(ctx, ls))
	if codes, _ := s.ChangedProducts(ctx, shop, "", 10); fmt.Sprint(codes) != "[C]" {
		t.Fatalf("with A ended, changed = %v", codes)
	}
	// A failed attempt to end C keeps it in the set, with the reason.
	failed := pushed(shop, c)
	failed[0].LastError = "tmall unavailable: gateway down"
	must(t, s.SaveListings(ctx, failed))
	if codes, _ := s.ChangedProducts(ctx, shop, "", 10); fmt.Sprint(codes) != "[C]" {
		t.Fatalf("with C's end failed, changed = %v", codes)
	}
	must(t, s.SaveListings(ctx, []domain.ChannelListing{removedListing(pushed(shop, c)[0])}))
	if n, _ := s.CountChangedProducts(ctx, shop); n != 0 {
		t.Fatalf("after ending everything: %d changed", n)
	}
	if ls, _ := s.ListingsInStatus(ctx, shop, domain.ListingRemoved, "", 10); len(ls) != 2 || ls[0].SKUCode != "A-1" || ls[1].SKUCode != "C-0" || ls[1].Stock != 0 {
		t.Fatalf("removed listings = %+v", ls)
	}
	// The other shop still has both to do.
	if codes, _ := s.ChangedProducts(ctx, outlet, "", 10); fmt.Sprint(codes) != "[A C]" {
		t.Fatalf("outlet changed = %v", codes)
	}

	// A SKU that comes back is no longer to be ended; its removed listing
	// makes it a change (to push again).
	_, err = s.ImportProducts(ctx, []domain.Product{a})
	must(t, err)
	if codes, _ := s.ChangedProducts(ctx, shop, "", 10); fmt.Sprint(codes) != "[A]" {
		t.Fatalf("after A-1 came back, shop changed = %v", codes)
	}
	// On outlet, A-1 was never ended: with it back, A is as listed.
	if codes, _ := s.ChangedProducts(ctx, outlet, "", 10); fmt.Sprint(codes) != "[C]" {
		t.Fatalf("after A-1 came back, outlet changed = %v", codes)
	}
	// A product removed and imported again before any push: nothing to end.
	_, err = s.ImportProducts(ctx, []domain.Product{c})
	must(t, err)
	if codes, _ := s.ChangedProducts(ctx, outlet, "", 10); len(codes) != 0 {
		t.Fatalf("after C came back, outlet changed = %v", codes)
	}
}

// RemoveProducts is all or nothing, and names the codes it does not know.
func testRemoveUnknownWritesNothing(t *testing.T, s store.Store) {
	_, err := s.ImportProducts(ctx, []domain.Product{Product("A", 2), Product("B", 1)})
	must(t, err)
	_, err = s.RemoveProducts(ctx, []string{"A", "X", "Y"})
	if domain.ErrorCode(err) != domain.ENotFound || !strings.Contains(err.Error(), "X and Y") {
		t.Fatalf("remove with unknown codes = %v, want not found naming X and Y", err)
	}
	if spus, skus, _ := s.CatalogStats(ctx); spus != 2 || skus != 3 {
		t.Fatalf("a refused removal changed the catalog: %d/%d", spus, skus)
	}
	if _, err := s.RemoveProducts(ctx, []string{"A", ""}); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("remove with an empty code = %v, want invalid", err)
	}
	res, err := s.RemoveProducts(ctx, []string{"B", "A", "B"})
	must(t, err)
	if res.Products != 2 || res.SKUs != 3 || res.Listings != 0 {
		t.Fatalf("remove A and B (B twice) = %+v", res)
	}
	if spus, _, _ := s.CatalogStats(ctx); spus != 0 {
		t.Fatalf("%d products left", spus)
	}
	if n, _ := s.CountChangedProducts(ctx, shop); n != 0 {
		t.Fatalf("a removal of products no shop lists left %d to push", n)
	}
}
