package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store/postgres"
	"github.com/syncctl/syncctl/store/postgres/pgtest"
	"github.com/syncctl/syncctl/store/storetest"
)

// BenchmarkImportCatalog measures a batched import of 5k SPUs / 20k SKUs
// into an empty store with one tracked shop (its change set kept).
func BenchmarkImportCatalog(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		db, err := postgres.Open(ctx, pgtest.DSN(b))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.CountChangedProducts(ctx, domain.ShopRef{Channel: "tmall", Shop: "bench"}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		im, err := db.BeginImport(ctx)
		if err != nil {
			b.Fatal(err)
		}
		var batch []domain.Product
		for i := range 5000 {
			batch = append(batch, storetest.Product(fmt.Sprintf("P%06d", i), 4))
			if len(batch) == 500 {
				if err := im.Add(ctx, batch); err != nil {
					b.Fatal(err)
				}
				batch = batch[:0]
			}
		}
		if _, err := im.Commit(ctx); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(5000*float64(b.N)/b.Elapsed().Seconds(), "products/s")
}

// BenchmarkChangedProductsUnchangedCatalog measures an idle push's change
// query on a pushed catalog of 5k SPUs / 20k SKUs.
func BenchmarkChangedProductsUnchangedCatalog(b *testing.B) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.DSN(b))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	shop := domain.ShopRef{Channel: "tmall", Shop: "bench"}
	var ps []domain.Product
	for i := range 5000 {
		ps = append(ps, storetest.Product(fmt.Sprintf("P%06d", i), 4))
	}
	if _, err := db.ImportProducts(ctx, ps); err != nil {
		b.Fatal(err)
	}
	if _, err := db.CountChangedProducts(ctx, shop); err != nil {
		b.Fatal(err)
	}
	for _, p := range ps {
		var ls []domain.ChannelListing
		for _, k := range p.SKUs {
			ls = append(ls, domain.ChannelListing{Shop: shop, SKUCode: k.Code, ProductCode: p.Code, ItemID: "1", ContentHash: p.ContentHash(),
				Price: k.ListPrice, Stock: k.Stock, Status: domain.ListingOnSale})
		}
		if err := db.SaveListings(ctx, ls); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		codes, err := db.ChangedProducts(ctx, shop, "", 100)
		if err != nil || len(codes) != 0 {
			b.Fatalf("changed = %v, %v", codes, err)
		}
	}
}
