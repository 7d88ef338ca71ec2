package catalog_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/store"
	_ "github.com/syncctl/syncctl/store/sqlite"
)

// Import commits the valid rows, reports the rejected ones, and merges a
// product that lost rows with the stored one instead of replacing it.
func TestImportMergesAProductThatLostRows(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite", filepath.Join(t.TempDir(), "syncctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const header = "spu_code,title,sku_code,specs,list_price,stock\n"
	rep, err := catalog.Import(ctx, st, strings.NewReader(header+
		"P-1,纯棉T恤基础款,P-1-W,颜色:白,59.90,10\nP-1,纯棉T恤基础款,P-1-B,颜色:黑,59.90,10\n"), catalog.FormatCSV)
	if err != nil || rep.Rows != 2 || rep.Products != 1 || rep.Stored.Created != 1 || rep.Stored.SKUs != 2 || len(rep.Rejected) != 0 {
		t.Fatalf("first import: %+v %v", rep, err)
	}
	rep, err = catalog.Import(ctx, st, strings.NewReader(header+
		"P-1,纯棉T恤基础款,P-1-W,颜色:白,49.90,10\nP-1,纯棉T恤基础款,P-1-B,颜色:黑,0,-1\n"), catalog.FormatCSV)
	if err != nil || rep.Rows != 2 || rep.Products != 1 || rep.Stored.Updated != 1 || rep.RejectedRecords != 1 || len(rep.Rejected) != 2 {
		t.Fatalf("import with a bad row: %+v %v", rep, err)
	}
	p, err := st.GetProduct(ctx, "P-1")
	if err != nil || len(p.SKUs) != 2 {
		t.Fatalf("P-1 = %+v %v: the rejected SKU must be kept", p, err)
	}
	for _, s := range p.SKUs {
		if want := map[string]int64{"P-1-W": 4990, "P-1-B": 5990}[s.Code]; int64(s.ListPrice) != want {
			t.Errorf("%s costs %d, want %d", s.Code, s.ListPrice, want)
		}
	}

	// Nothing valid: nothing written, no error.
	rep, err = catalog.Import(ctx, st, strings.NewReader(header+"P-2,好东西啊,P-2-1,,0,1\n"), catalog.FormatCSV)
	if err != nil || rep.Products != 0 || rep.Stored != (store.ImportResult{}) || rep.RejectedRecords != 1 {
		t.Fatalf("all rows rejected: %+v %v", rep, err)
	}
	// A file that cannot be read at all says so by its type.
	_, err = catalog.Import(ctx, st, strings.NewReader(""), catalog.FormatCSV)
	var unreadable *catalog.UnreadableError
	if !errors.As(err, &unreadable) {
		t.Fatalf("empty file: %v (%T), want an UnreadableError", err, err)
	}
}
