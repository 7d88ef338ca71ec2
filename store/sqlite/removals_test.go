package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store/sqlite"
	"github.com/syncctl/syncctl/store/storetest"
)

func listed(shop domain.ShopRef, p domain.Product) []domain.ChannelListing {
	var ls []domain.ChannelListing
	for _, k := range p.SKUs {
		ls = append(ls, domain.ChannelListing{Shop: shop, SKUCode: k.Code, ProductCode: p.Code, ItemID: "1", ContentHash: p.ContentHash(),
			Price: k.ListPrice, Stock: k.Stock, Status: domain.ListingOnSale})
	}
	return ls
}

// A database written by an earlier version, where an import dropped a SKU
// that stayed on sale: migration 006 finds it, so the next push ends it.
func TestMigrationFindsSKUsDroppedEarlier(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "syncctl.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	shop := domain.ShopRef{Channel: "tmall", Shop: "flagship"}
	a := storetest.Product("A", 3)
	if _, err := db.ImportProducts(ctx, []domain.Product{a, storetest.Product("B", 1)}); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveListings(ctx, listed(shop, a)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// Back to the schema before 006, then drop A-1 as the old import did.
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TRIGGER skus_removed`, `DROP TRIGGER skus_added`, `DROP TRIGGER skus_moved`,
		`DROP TRIGGER listings_removal_insert`, `DROP TRIGGER listings_removal_update`, `DROP TABLE push_removals`,
		`DROP INDEX listings_sku`, `DELETE FROM schema_migrations WHERE version = 6`, `DELETE FROM skus WHERE code = 'A-1'`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()
	db, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if codes, err := db.ChangedProducts(ctx, shop, "", 10); err != nil || fmt.Sprint(codes) != "[A B]" {
		t.Fatalf("changed after the migration = %v, %v; want [A B] (A's dropped SKU, B never pushed)", codes, err)
	}
}

// The removal half of the change set empties as listings are ended: an
// idle push after them reads no rows.
func TestRemovalSetShrinksAfterPush(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "syncctl.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	shop := domain.ShopRef{Channel: "tmall", Shop: "flagship"}
	var ps []domain.Product
	var codes []string
	for i := 0; i < 10; i++ {
		p := storetest.Product(fmt.Sprintf("P%02d", i), 2)
		ps, codes = append(ps, p), append(codes, p.Code)
	}
	if _, err := db.ImportProducts(ctx, ps); err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if err := db.SaveListings(ctx, listed(shop, p)); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rows := func() int {
		var n int
		if err := raw.QueryRow(`SELECT COUNT(*) FROM push_removals`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// An import that rewrites every product (delete + insert of its SKUs)
	// leaves nothing to end.
	for i := range ps {
		ps[i].SKUs[0].Cost++
	}
	if _, err := db.ImportProducts(ctx, ps); err != nil {
		t.Fatal(err)
	}
	if n := rows(); n != 0 {
		t.Fatalf("removal rows after rewriting every product = %d, want 0", n)
	}
	if _, err := db.RemoveProducts(ctx, codes); err != nil {
		t.Fatal(err)
	}
	if n := rows(); n != 20 {
		t.Fatalf("removal rows after removing 10 products = %d, want 20", n)
	}
	for _, p := range ps {
		ls := listed(shop, p)
		for i := range ls {
			ls[i].Status, ls[i].Stock = domain.ListingRemoved, 0
		}
		if err := db.SaveListings(ctx, ls); err != nil {
			t.Fatal(err)
		}
	}
	if n := rows(); n != 0 {
		t.Fatalf("removal rows after the push = %d, want 0", n)
	}
}
