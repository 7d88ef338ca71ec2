package storetest

import (
	"fmt"
	"testing"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

func skuCodes(p domain.Product) string {
	var codes []string
	for _, s := range p.SKUs {
		codes = append(codes, s.Code)
	}
	return fmt.Sprint(codes)
}

// An import in batches is one transaction: others see nothing of it until
// Commit, then all of it, counted once per product.
func testImportBatchesCommitAtOnce(t *testing.T, s store.Store) {
	_, err := s.ImportProducts(ctx, []domain.Product{Product("A", 2)})
	must(t, err)
	im, err := s.BeginImport(ctx)
	must(t, err)
	defer im.Rollback()
	must(t, im.Add(ctx, []domain.Product{Product("A", 2), Product("B", 1)}))
	c := Product("C", 2)
	c.SKUs = c.SKUs[:1]
	must(t, im.Add(ctx, []domain.Product{c}))
	c = Product("C", 2)
	c.SKUs = c.SKUs[1:] // C's rows came in two parts
	must(t, im.Add(ctx, []domain.Product{c}))
	if _, err := s.GetProduct(ctx, "B"); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("B before Commit: %v, want not found", err)
	}
	res, err := im.Commit(ctx)
	must(t, err)
	if want := (store.ImportResult{Created: 2, Unchanged: 1, SKUs: 5}); res != want {
		t.Fatalf("result = %+v, want %+v", res, want)
	}
	got, err := s.GetProduct(ctx, "C")
	must(t, err)
	if skuCodes(got) != "[C-0 C-1]" {
		t.Fatalf("C = %s, want both parts in order", skuCodes(got))
	}
	if err := im.Rollback(); err != nil {
		t.Fatalf("Rollback after Commit = %v, want nothing done", err)
	}
}

func testImportRollbackWritesNothing(t *testing.T, s store.Store) {
	_, err := s.ImportProducts(ctx, []domain.Product{Product("A", 2)})
	must(t, err)
	im, err := s.BeginImport(ctx)
	must(t, err)
	a := Product("A", 1)
	a.Title = "改过"
	must(t, im.Add(ctx, []domain.Product{a, Product("B", 1)}))
	must(t, im.Rollback())
	if _, err := s.GetProduct(ctx, "B"); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("B after rollback: %v", err)
	}
	got, err := s.GetProduct(ctx, "A")
	must(t, err)
	if got.Title == "改过" || len(got.SKUs) != 2 {
		t.Fatalf("A after rollback = %+v", got)
	}
}

// SKUOwners sees the catalog and the import's own writes; Add refuses a SKU
// owned by another product (the importer checks first and rolls back).
func testImportSKUOwners(t *testing.T, s store.Store) {
	_, err := s.ImportProducts(ctx, []domain.Product{Product("A", 2)})
	must(t, err)
	im, err := s.BeginImport(ctx)
	must(t, err)
	defer im.Rollback()
	must(t, im.Add(ctx, []domain.Product{Product("B", 1)}))
	owners, err := im.SKUOwners(ctx, []string{"A-0", "X-1", "A-1", "B-0"})
	must(t, err)
	if fmt.Sprint(owners) != "map[A-0:A A-1:A B-0:B]" {
		t.Fatalf("owners = %v", owners)
	}
	many := make([]string, 1200) // more than one query's worth
	for i := range many {
		many[i] = fmt.Sprintf("N-%d", i)
	}
	many[1100] = "A-1"
	if owners, err := im.SKUOwners(ctx, many); err != nil || fmt.Sprint(owners) != "map[A-1:A]" {
		t.Fatalf("owners of 1200 codes = %v, %v", owners, err)
	}
	thief := Product("C", 1)
	thief.SKUs[0].Code = "A-1"
	if err := im.Add(ctx, []domain.Product{thief}); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("Add of a SKU owned by A = %v, want conflict", err)
	}
}

// A product the import carried whole ends as the import had it; one named
// by MergeSKUs keeps its stored SKUs the import did not carry, after the
// carried ones, whatever order its parts came in.
func testImportPartsPruneOrMerge(t *testing.T, s store.Store) {
	_, err := s.ImportProducts(ctx, []domain.Product{Product("P", 3), Product("M", 3)})
	must(t, err)
	im, err := s.BeginImport(ctx)
	must(t, err)
	defer im.Rollback()
	part := func(code string, skus ...int) domain.Product {
		full := Product(code, 5)
		p := full
		p.SKUs = nil
		for _, i := range skus {
			k := full.SKUs[i]
			k.ListPrice = 100
			p.SKUs = append(p.SKUs, k)
		}
		return p
	}
	must(t, im.Add(ctx, []domain.Product{part("P", 1), part("M", 1)}))
	must(t, im.Add(ctx, []domain.Product{part("P", 4), part("M", 4)}))
	res, err := im.Commit(ctx, store.MergeSKUs("M"))
	must(t, err)
	if want := (store.ImportResult{Updated: 2, SKUs: 2 + 4}); res != want {
		t.Fatalf("result = %+v, want %+v", res, want)
	}
	p, err := s.GetProduct(ctx, "P")
	must(t, err)
	m, err := s.GetProduct(ctx, "M")
	must(t, err)
	if skuCodes(p) != "[P-1 P-4]" || skuCodes(m) != "[M-1 M-4 M-0 M-2]" {
		t.Fatalf("P = %s (want [P-1 P-4]), M = %s (want [M-1 M-4 M-0 M-2])", skuCodes(p), skuCodes(m))
	}
	if m.SKUs[0].ListPrice != 100 || m.SKUs[2].ListPrice != 5990 {
		t.Fatalf("M = %+v: the import's prices on its SKUs, the stored ones on the others", m.SKUs)
	}
	spus, skus, err := s.CatalogStats(ctx)
	must(t, err)
	if spus != 2 || skus != 6 {
		t.Fatalf("stats = %d/%d, want 2/6", spus, skus)
	}
}

// An import keeps the tracked shops' change sets as ImportProducts does.
func testImportKeepsChangeSets(t *testing.T, s store.Store) {
	a, b := Product("A", 2), Product("B", 1)
	_, err := s.ImportProducts(ctx, []domain.Product{a, b})
	must(t, err)
	must(t, s.SaveListings(ctx, pushed(shop, a)))
	must(t, s.SaveListings(ctx, pushed(shop, b)))
	if n, err := s.CountChangedProducts(ctx, shop); err != nil || n != 0 {
		t.Fatalf("pushed catalog changed = %d, %v", n, err)
	}
	im, err := s.BeginImport(ctx)
	must(t, err)
	defer im.Rollback()
	b.SKUs[0].Stock = 0
	must(t, im.Add(ctx, []domain.Product{a, b, Product("C", 1)}))
	res, err := im.Commit(ctx)
	must(t, err)
	if want := (store.ImportResult{Created: 1, Updated: 1, Unchanged: 1, SKUs: 4}); res != want {
		t.Fatalf("result = %+v, want %+v", res, want)
	}
	codes, err := s.ChangedProducts(ctx, shop, "", 10)
	must(t, err)
	if fmt.Sprint(codes) != "[B C]" {
		t.Fatalf("changed = %v, want [B C]", codes)
	}
}
