package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
	"github.com/syncctl/syncctl/store/sqlite"
	"github.com/syncctl/syncctl/store/storetest"
)

func open(t *testing.T) store.Store {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "syncctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestSuite(t *testing.T) { storetest.Run(t, open) }

func TestReopenKeepsDataAndMigratesOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "syncctl.db")
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportProducts(ctx, []domain.Product{storetest.Product("A", 2)}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	if spus, skus, err := db.CatalogStats(ctx); err != nil || spus != 1 || skus != 2 {
		t.Fatalf("after reopen: %d/%d %v", spus, skus, err)
	}
}

// A directory name with characters that mean something in a DSN ('?', '#',
// '%', spaces) still names the file, not a query.
func TestOpenPathWithDSNCharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shop ?#%25 data")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "syncctl.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("database not created at %s: %v", path, err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("database mode %v, want 0600: it holds orders", st.Mode().Perm())
	}
}

// After a push, the shop's change set is empty again: the idle push that
// follows reads no rows (the property the change set exists for; the
// re-check in ChangedProducts would hide a set that only grows).
func TestChangeSetShrinksAfterPush(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "syncctl.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	shop := domain.ShopRef{Channel: "tmall", Shop: "flagship"}
	var ps []domain.Product
	for i := 0; i < 20; i++ {
		ps = append(ps, storetest.Product(fmt.Sprintf("P%02d", i), 3))
	}
	if _, err := db.ImportProducts(ctx, ps); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rows := func() int {
		var n int
		if err := raw.QueryRow(`SELECT COUNT(*) FROM push_pending WHERE channel = ? AND shop = ?`, shop.Channel, shop.Shop).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n, _ := db.CountChangedProducts(ctx, shop); n != 20 || rows() != 20 {
		t.Fatalf("first count %d, set rows %d; want 20, 20", n, rows())
	}
	for _, p := range ps {
		var ls []domain.ChannelListing
		for _, k := range p.SKUs {
			ls = append(ls, domain.ChannelListing{Shop: shop, SKUCode: k.Code, ProductCode: p.Code, ItemID: "1", ContentHash: p.ContentHash(),
				Price: k.ListPrice, Stock: k.Stock, Status: domain.ListingOnSale})
		}
		if err := db.SaveListings(ctx, ls); err != nil {
			t.Fatal(err)
		}
	}
	if n := rows(); n != 0 {
		t.Fatalf("set rows after the push = %d, want 0", n)
	}
}
