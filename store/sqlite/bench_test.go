package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store/sqlite"
	"github.com/syncctl/syncctl/store/storetest"
)

// BenchmarkChangedProductsUnchangedCatalog measures the change query on a
// fully pushed catalog of 20k SPUs / 80k SKUs: what an idle push costs once
// the shop's change set is kept (after its first push).
func BenchmarkChangedProductsUnchangedCatalog(b *testing.B) {
	ctx := context.Background()
	db, shop := pushedCatalog(b)
	if _, err := db.CountChangedProducts(ctx, shop); err != nil { // the shop's first push
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		codes, err := db.ChangedProducts(ctx, shop, "", 100)
		if err != nil || len(codes) != 0 {
			b.Fatalf("changed = %v, %v", codes, err)
		}
	}
}

// BenchmarkChangedProductsFirstComparison measures the one full comparison
// of the catalog with a shop's listings, made on the shop's first push.
func BenchmarkChangedProductsFirstComparison(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		db, shop := pushedCatalog(b)
		b.StartTimer()
		if n, err := db.CountChangedProducts(ctx, shop); err != nil || n != 0 {
			b.Fatalf("changed = %d, %v", n, err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
}

// pushedCatalog is a store holding 20k SPUs / 80k SKUs, all pushed to shop.
func pushedCatalog(b *testing.B) (*sqlite.DB, domain.ShopRef) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	shop := domain.ShopRef{Channel: "tmall", Shop: "bench"}
	var batch []domain.Product
	for i := 0; i < 20000; i++ {
		p := storetest.Product(fmt.Sprintf("P%06d", i), 4)
		batch = append(batch, p)
		if len(batch) == 1000 {
			if _, err := db.ImportProducts(ctx, batch); err != nil {
				b.Fatal(err)
			}
			var ls []domain.ChannelListing
			for _, p := range batch {
				for _, k := range p.SKUs {
					ls = append(ls, domain.ChannelListing{Shop: shop, SKUCode: k.Code, ProductCode: p.Code, ItemID: "1",
						ContentHash: p.ContentHash(), Price: k.ListPrice, Stock: k.Stock, Status: domain.ListingOnSale})
				}
			}
			if err := db.SaveListings(ctx, ls); err != nil {
				b.Fatal(err)
			}
			batch = nil
		}
	}
	return db, shop
}

// BenchmarkImportProducts imports 1000 products (4 SKUs each) per op.
func BenchmarkImportProducts(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	n := 0
	for b.Loop() {
		var batch []domain.Product
		for i := 0; i < 1000; i++ {
			batch = append(batch, storetest.Product(fmt.Sprintf("Q%08d", n), 4))
			n++
		}
		if _, err := db.ImportProducts(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
}
