package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
	"github.com/syncctl/syncctl/store/postgres"
	"github.com/syncctl/syncctl/store/postgres/pgtest"
	"github.com/syncctl/syncctl/store/storetest"
)

// Several worker processes share one PostgreSQL: here, three stores (three
// pools) on one database, each used by several goroutines at once, where
// SQLite would have had one writer at a time.
func workers(t *testing.T, n int) []*postgres.DB {
	t.Helper()
	dsn := pgtest.DSN(t)
	var out []*postgres.DB
	for range n {
		db, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		out = append(out, db)
	}
	return out
}

// all runs f(worker, i) for i < n, spread over the workers, all at once.
func all(ws []*postgres.DB, n int, f func(w *postgres.DB, i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = f(ws[i%len(ws)], i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

func noErrors(t *testing.T, errs []error) {
	t.Helper()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
}

// Workers pulling the same order's versions at once store each version
// once, enqueue one delivery per version, and consume a reservation's
// units exactly once.
func TestWorkersUpsertOrdersOnce(t *testing.T) {
	ctx := context.Background()
	ws := workers(t, 3)
	_, err := ws[0].ImportProducts(ctx, []domain.Product{storetest.Product("A", 1)})
	if err != nil {
		t.Fatal(err)
	}
	created := storetest.Order("x", domain.OrderPaid).CreatedAt
	r, err := ws[0].AddReservation(ctx, domain.StockReservation{Shop: shopOf(), SKUCode: "A-0", Units: 10, From: created.Add(-time.Hour), Until: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	// 24 orders of one unit each, every one pulled by three workers at once,
	// in two versions.
	var mu sync.Mutex
	events := map[store.OrderEvent]int{}
	noErrors(t, all(ws, 24*3*2, func(w *postgres.DB, i int) error {
		o := storetest.Order(fmt.Sprint(10000+i/6), domain.OrderPaid)
		if i%2 == 1 {
			o.Status, o.ModifiedAt = domain.OrderShipped, o.ModifiedAt.Add(time.Minute)
		}
		c, err := w.UpsertOrder(ctx, o)
		mu.Lock()
		events[c.Event]++
		mu.Unlock()
		return err
	}))
	// Each order: created once; updated at most once (the shipped version
	// first makes the paid one stale, so it may be the only one).
	if events[store.OrderCreated] != 24 || events[store.OrderUpdated] > 24 {
		t.Fatalf("events = %v, want 24 created and at most 24 updated", events)
	}
	stats, err := ws[1].DeliveryStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stats[store.DeliveryPending] != events[store.OrderCreated]+events[store.OrderUpdated] {
		t.Fatalf("deliveries = %v for events %v: one per version", stats, events)
	}
	got, err := ws[2].GetReservation(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Consumed != 10 {
		t.Fatalf("reservation consumed %d of 10 by 24 one-unit orders", got.Consumed)
	}
}

// Leases and ERP changes decided by several workers at once: one holder,
// no change lost.
func TestWorkersLeasesAndERPChanges(t *testing.T) {
	ctx := context.Background()
	ws := workers(t, 3)
	var mu sync.Mutex
	holders := 0
	noErrors(t, all(ws, 30, func(w *postgres.DB, i int) error {
		ok, err := w.ClaimWrite(ctx, shopOf(), "A", fmt.Sprint("worker-", i), time.Minute)
		if ok {
			mu.Lock()
			holders++
			mu.Unlock()
		}
		return err
	}))
	if holders != 1 {
		t.Fatalf("%d workers hold one lease", holders)
	}

	p := storetest.Product("S", 2)
	p.SKUs[0].Stock = 100
	if _, err := ws[0].ImportProducts(ctx, []domain.Product{p}); err != nil {
		t.Fatal(err)
	}
	if _, err := ws[0].ChangedProducts(ctx, shopOf(), "", 10); err != nil { // tracks the shop
		t.Fatal(err)
	}
	minus := -1
	var applied, stale int
	noErrors(t, all(ws, 40, func(w *postgres.DB, i int) error {
		res, err := w.ApplySKUChanges(ctx, fmt.Sprint("req-", i), []store.SKUChange{{SKU: "S-0", Delta: &minus, Version: int64(i + 1)}})
		mu.Lock()
		applied += len(res.Applied)
		stale += len(res.Stale)
		mu.Unlock()
		return err
	}))
	if applied+stale != 40 || applied == 0 {
		t.Fatalf("applied %d, stale %d of 40", applied, stale)
	}
	got, err := ws[1].GetProduct(ctx, "S")
	if err != nil {
		t.Fatal(err)
	}
	if got.SKUs[0].Stock != 100-applied {
		t.Fatalf("stock %d after %d applied deltas of -1 from 100: a change was lost", got.SKUs[0].Stock, applied)
	}
	if codes, err := ws[2].ChangedProducts(ctx, shopOf(), "", 10); err != nil || len(codes) != 1 {
		t.Fatalf("changed = %v, %v; want S", codes, err)
	}
}

// A push saving listings while an import changes the same products: the
// shop's change set ends as a full comparison says, whoever went first.
func TestWorkersKeepChangeSetsExact(t *testing.T) {
	ctx := context.Background()
	ws := workers(t, 2)
	var ps []domain.Product
	for i := range 20 {
		ps = append(ps, storetest.Product(fmt.Sprintf("P%02d", i), 2))
	}
	if _, err := ws[0].ImportProducts(ctx, ps); err != nil {
		t.Fatal(err)
	}
	sh := shopOf()
	if _, err := ws[0].ChangedProducts(ctx, sh, "", 100); err != nil {
		t.Fatal(err)
	}
	changed := make([]domain.Product, len(ps))
	for i, p := range ps {
		p.SKUs = append([]domain.SKU(nil), p.SKUs...)
		p.SKUs[0].Stock += 5
		changed[i] = p
	}
	noErrors(t, all(ws, 2*len(ps), func(w *postgres.DB, i int) error {
		p := ps[i/2]
		if i%2 == 0 {
			var ls []domain.ChannelListing
			for _, k := range p.SKUs { // the push of the old catalog
				ls = append(ls, domain.ChannelListing{Shop: sh, SKUCode: k.Code, ProductCode: p.Code, ItemID: "1", ContentHash: p.ContentHash(),
					Price: k.ListPrice, Stock: k.Stock, Status: domain.ListingOnSale})
			}
			return w.SaveListings(ctx, ls)
		}
		_, err := w.ImportProducts(ctx, []domain.Product{changed[i/2]})
		return err
	}))
	// Every product's stock moved after (or before) its push: all changed.
	codes, err := ws[1].ChangedProducts(ctx, sh, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != len(ps) {
		t.Fatalf("changed after the race = %d products, want %d", len(codes), len(ps))
	}
}

func shopOf() domain.ShopRef { return domain.ShopRef{Channel: "tmall", Shop: "flagship"} }
