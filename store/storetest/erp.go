package storetest

import (
	"errors"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

// A stock delta never takes a SKU below 0 nor beyond what the catalog can
// hold: one that would is refused naming its item, and nothing of its
// request is applied, not even its request id.
func testStockDeltasStayWithinTheCatalog(t *testing.T, s store.Store) {
	_, err := s.ImportProducts(ctx, []domain.Product{Product("D", 2)})
	must(t, err)
	stock := func(sku string) int {
		t.Helper()
		p, err := s.GetProduct(ctx, "D")
		must(t, err)
		for _, k := range p.SKUs {
			if k.Code == sku {
				return k.Stock
			}
		}
		t.Fatalf("no SKU %s", sku)
		return 0
	}
	ptr := func(n int) *int { return &n }
	_, err = s.ApplySKUChanges(ctx, "req-1", []store.SKUChange{
		{SKU: "D-0", Delta: ptr(-50), Version: 1},
		{SKU: "D-1", Stock: ptr(domain.MaxStock - 5), Version: 1},
	})
	must(t, err)
	if got := stock("D-0"); got != 0 {
		t.Fatalf("10 - 50 left stock %d, want 0", got)
	}
	_, err = s.ApplySKUChanges(ctx, "req-2", []store.SKUChange{
		{SKU: "D-0", Stock: ptr(7), Version: 2},
		{SKU: "D-1", Delta: ptr(6), Version: 2},
	})
	if domain.ErrorCode(err) != domain.EInvalid || !strings.HasPrefix(domain.Describe(err), "items[1].delta: ") {
		t.Fatalf("a delta beyond the catalog's stock: %v, want invalid naming items[1].delta", err)
	}
	if stock("D-0") != 0 || stock("D-1") != domain.MaxStock-5 {
		t.Fatalf("a refused request changed stock: D-0 %d, D-1 %d", stock("D-0"), stock("D-1"))
	}
	_, err = s.ApplySKUChanges(ctx, "req-2", []store.SKUChange{{SKU: "D-1", Delta: ptr(5), Version: 2}})
	must(t, err) // the refused request did not take its id
	if got := stock("D-1"); got != domain.MaxStock {
		t.Fatalf("stock %d, want the catalog's most, %d", got, domain.MaxStock)
	}
}

// An import carrying an ERP request id takes it in its own transaction:
// an import that fails leaves the id free for the ERP's retry, and a
// replayed id writes nothing.
func testImportTakesItsRequestID(t *testing.T, s store.Store) {
	_, err := s.ImportProducts(ctx, []domain.Product{Product("A", 2)})
	must(t, err)
	thief := Product("C", 1)
	thief.SKUs[0].Code = "A-1" // owned by A
	_, err = s.ImportProducts(ctx, []domain.Product{Product("D", 1), thief}, store.WithRequestID("req-1"))
	if domain.ErrorCode(err) != domain.EConflict || errors.Is(err, store.ErrReplayed) {
		t.Fatalf("import of a SKU owned by another product = %v, want a conflict that is no replay", err)
	}
	res, err := s.ImportProducts(ctx, []domain.Product{Product("D", 1)}, store.WithRequestID("req-1"))
	if err != nil || res.Created != 1 {
		t.Fatalf("the retry of a failed import with its request id = %+v, %v: want it written", res, err)
	}
	_, err = s.ImportProducts(ctx, []domain.Product{Product("E", 1)}, store.WithRequestID("req-1"))
	if !errors.Is(err, store.ErrReplayed) || domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("a replayed request id = %v, want a conflict wrapping ErrReplayed", err)
	}
	if _, err := s.GetProduct(ctx, "E"); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatal("a replayed import wrote its products")
	}
	if err := s.TakeRequest(ctx, "req-1"); !errors.Is(err, store.ErrReplayed) {
		t.Fatalf("TakeRequest of an id an import took = %v, want ErrReplayed", err)
	}
}
