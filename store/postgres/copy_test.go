package postgres_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
	"github.com/syncctl/syncctl/store/postgres"
	"github.com/syncctl/syncctl/store/postgres/pgtest"
	"github.com/syncctl/syncctl/store/sqlite"
	"github.com/syncctl/syncctl/store/storetest"
)

// A populated SQLite store copied into PostgreSQL reads back the same
// through the interface, goes on from where it was (ids, dedupe, leases,
// change sets), refuses a second copy over it unless forced, and copies
// back into SQLite the same again.
func TestCopySQLiteToPostgres(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	lite, err := sqlite.Open(ctx, filepath.Join(dir, "syncctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	storetest.Populate(t, lite)
	want := storetest.Snapshot(t, lite)

	dsn := pgtest.DSN(t)
	pg, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	start := time.Now()
	copied, err := store.Copy(ctx, lite, pg, store.CopyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("copied %d tables in %v: %+v", len(copied), time.Since(start), copied)
	if diff := storetest.Diff(want, storetest.Snapshot(t, pg)); diff != "" {
		t.Fatalf("PostgreSQL after the copy reads otherwise than SQLite:\n%s", diff)
	}

	// The copy goes on where SQLite was.
	shop := domain.ShopRef{Channel: "tmall", Shop: "flagship"}
	again := storetest.Order("7101", domain.OrderPaid)
	again.ModifiedAt = time.Date(2026, 11, 24, 8, 1, 0, 0, time.UTC)
	if ch, err := pg.UpsertOrder(ctx, again); err != nil || ch.Event != "" {
		t.Fatalf("a known order version after the copy = %+v, %v; want nothing new", ch, err)
	}
	if ok, err := pg.ClaimWrite(ctx, shop, "A", "worker-2", time.Minute); err != nil || ok {
		t.Fatalf("another worker took the copied lease: %v, %v", ok, err)
	}
	h, created, _, err := pg.RecordHold(ctx, domain.PriceHold{Shop: shop, SKUCode: "B-0", ProductCode: "B", Old: 5990, Price: 3990,
		Status: domain.HoldPending, CreatedAt: time.Now()})
	if err != nil || !created || h.ID <= 2 {
		t.Fatalf("a new hold after the copy = #%d created %v, %v; want an id after the copied ones", h.ID, created, err)
	}
	stock := 1
	if _, err := pg.ApplySKUChanges(ctx, "req-1", []store.SKUChange{{SKU: "C-0", Stock: &stock, Version: 6}}); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("a replayed ERP request after the copy = %v, want conflict", err)
	}

	// A second copy over it is refused, and forced replaces it.
	if _, err := store.Copy(ctx, lite, pg, store.CopyOptions{}); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("a copy into a store with rows = %v, want conflict", err)
	}
	if _, err := store.Copy(ctx, lite, pg, store.CopyOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	if diff := storetest.Diff(want, storetest.Snapshot(t, pg)); diff != "" {
		t.Fatalf("after a forced copy PostgreSQL reads otherwise:\n%s", diff)
	}

	// And back.
	back, err := sqlite.Open(ctx, filepath.Join(dir, "back.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	if _, err := store.Copy(ctx, pg, back, store.CopyOptions{}); err != nil {
		t.Fatal(err)
	}
	if diff := storetest.Diff(want, storetest.Snapshot(t, back)); diff != "" {
		t.Fatalf("SQLite copied back from PostgreSQL reads otherwise:\n%s", diff)
	}
}
