package sqlite_test

import (
	"context"
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
