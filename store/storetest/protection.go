package storetest

import (
	"testing"
	"time"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

// holdOf builds a pending parity hold of A-0 on the test shop.
func holdOf(price domain.Money) domain.PriceHold {
	return domain.PriceHold{Shop: shop, SKUCode: "A-0", ProductCode: "A", Old: 5990, Price: price, Status: domain.HoldPending,
		CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour),
		Violations: []domain.PriceViolation{{Guard: domain.GuardParity, Action: domain.GuardNeedsApproval, SKU: "A-0", Shop: shop, Price: price, Reason: "below the flagship"}}}
}

// One hold per shop, SKU and price; a new price supersedes the pending
// one; a decision is taken once; a decided write stays decided.
func testHolds(t *testing.T, s store.Store) {
	h1, created, sup, err := s.RecordHold(ctx, holdOf(4990))
	must(t, err)
	if !created || h1.ID == 0 || len(sup) != 0 {
		t.Fatalf("first hold = %+v created %v superseded %v", h1, created, sup)
	}
	again, created, _, err := s.RecordHold(ctx, holdOf(4990))
	must(t, err)
	if created || again.ID != h1.ID || len(again.Violations) != 1 || again.Violations[0].Reason != "below the flagship" {
		t.Fatalf("the same write held again = %+v created %v, want the first hold", again, created)
	}
	h2, created, sup, err := s.RecordHold(ctx, holdOf(4590))
	must(t, err)
	if !created || len(sup) != 1 || sup[0] != h1.ID {
		t.Fatalf("another price = %+v created %v superseded %v, want #%d superseded", h2, created, sup, h1.ID)
	}
	if old, _ := s.GetHold(ctx, h1.ID); old.Status != domain.HoldSuperseded {
		t.Fatalf("superseded hold = %s", old.Status)
	}
	at := time.Now().Truncate(time.Millisecond)
	got, err := s.DecideHold(ctx, h2.ID, domain.HoldRejected, "ops", "partners", at)
	must(t, err)
	if got.Status != domain.HoldRejected || got.DecidedBy != "ops" || got.Note != "partners" || !got.DecidedAt.Equal(at) {
		t.Fatalf("decided = %+v", got)
	}
	if _, err := s.DecideHold(ctx, h2.ID, domain.HoldApproved, "x", "", at); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("a second decision: %v, want conflict", err)
	}
	if still, created, _, _ := s.RecordHold(ctx, holdOf(4590)); created || still.Status != domain.HoldRejected {
		t.Fatalf("the rejected write held again = %+v created %v, want it rejected", still, created)
	}
	if _, err := s.GetHold(ctx, 999999); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("unknown hold: %v", err)
	}
	pending, err := s.ListHolds(ctx, store.HoldFilter{Status: []domain.HoldStatus{domain.HoldPending}})
	must(t, err)
	all, err := s.ListHolds(ctx, store.HoldFilter{SKU: "A-0"})
	must(t, err)
	if len(pending) != 0 || len(all) != 2 || all[0].ID != h2.ID {
		t.Fatalf("pending %d, all %+v", len(pending), all)
	}
}

// A reservation consumes the new orders of its shop created in its
// window, once each, the earliest reservation first; other shops' orders,
// updates and cancelled orders consume nothing; a release is final.
func testReservations(t *testing.T, s store.Store) {
	_, err := s.ImportProducts(ctx, []domain.Product{Product("A", 2)})
	must(t, err)
	created := Order("x", domain.OrderPaid).CreatedAt
	if _, err := s.AddReservation(ctx, domain.StockReservation{Shop: shop, SKUCode: "NOPE", Units: 5, From: created, Until: time.Now().Add(time.Hour)}); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("reservation of an unknown SKU: %v", err)
	}
	if _, err := s.AddReservation(ctx, domain.StockReservation{Shop: shop, SKUCode: "A-0", Units: 0, From: created, Until: time.Now().Add(time.Hour)}); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("reservation of 0 units: %v", err)
	}
	r, err := s.AddReservation(ctx, domain.StockReservation{Shop: shop, SKUCode: "A-0", Units: 5, From: created.Add(-time.Minute), Until: time.Now().Add(time.Hour), By: "ops"})
	must(t, err)
	later, err := s.AddReservation(ctx, domain.StockReservation{Shop: shop, SKUCode: "A-0", Units: 5, From: created, Until: time.Now().Add(time.Hour)})
	must(t, err)

	o := Order("R1", domain.OrderPaid)
	o.Lines[0].Quantity = 3
	_, err = s.UpsertOrder(ctx, o)
	must(t, err)
	o.Status, o.ModifiedAt = domain.OrderShipped, o.ModifiedAt.Add(time.Minute) // an update: no second consumption
	_, err = s.UpsertOrder(ctx, o)
	must(t, err)
	big := Order("R2", domain.OrderPaid)
	big.Lines[0].Quantity = 4 // 2 left in the first, 2 from the next
	_, err = s.UpsertOrder(ctx, big)
	must(t, err)
	other := Order("R3", domain.OrderPaid)
	other.Shop = domain.ShopRef{Channel: "douyin", Shop: "other"}
	_, err = s.UpsertOrder(ctx, other)
	must(t, err)
	cancelled := Order("R4", domain.OrderCancelled)
	_, err = s.UpsertOrder(ctx, cancelled)
	must(t, err)

	open, err := s.OpenReservations(ctx, "A-0")
	must(t, err)
	if len(open) != 2 || open[0].ID != r.ID || open[0].Consumed != 5 || open[0].Remaining() != 0 || open[1].ID != later.ID || open[1].Consumed != 2 {
		t.Fatalf("open reservations = %+v, want the first consumed 5 and the next 2", open)
	}
	rel, err := s.ReleaseReservation(ctx, later.ID, time.Now())
	must(t, err)
	if rel.Status != domain.ReservationReleased || rel.ReleasedAt.IsZero() {
		t.Fatalf("released = %+v", rel)
	}
	if _, err := s.ReleaseReservation(ctx, later.ID, time.Now()); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("a second release: %v", err)
	}
	if open, _ := s.OpenReservations(ctx); len(open) != 1 {
		t.Fatalf("open after the release = %+v", open)
	}
}

// A breaker snapshot older than the stored one never replaces it.
func testBreakers(t *testing.T, s store.Store) {
	now := time.Now().Truncate(time.Millisecond)
	must(t, s.SaveBreaker(ctx, domain.ShopBreaker{Shop: shop, State: domain.BreakerOpen, Failures: 5, OpenUntil: now.Add(30 * time.Second), Since: now, LastError: "503"}))
	must(t, s.SaveBreaker(ctx, domain.ShopBreaker{Shop: shop, State: domain.BreakerClosed, Since: now.Add(-time.Second)}))
	bs, err := s.ListBreakers(ctx)
	must(t, err)
	if len(bs) != 1 || bs[0].State != domain.BreakerOpen || bs[0].Failures != 5 || !bs[0].OpenUntil.Equal(now.Add(30*time.Second)) {
		t.Fatalf("breakers = %+v, want the newer open one", bs)
	}
}

// One writer per product and shop: a lease is its holder's until released
// or expired; its holder takes it again at once.
func testWriteLeases(t *testing.T, s store.Store) {
	ok, err := s.ClaimWrite(ctx, shop, "A", "w1", time.Minute)
	must(t, err)
	if !ok {
		t.Fatal("a free lease was refused")
	}
	if ok, _ := s.ClaimWrite(ctx, shop, "A", "w2", time.Minute); ok {
		t.Fatal("a held lease went to a second writer")
	}
	if ok, _ := s.ClaimWrite(ctx, shop, "B", "w2", time.Minute); !ok {
		t.Fatal("another product's lease was refused")
	}
	if ok, _ := s.ClaimWrite(ctx, shop, "A", "w1", time.Minute); !ok {
		t.Fatal("the holder could not take its own lease again")
	}
	must(t, s.ReleaseWrite(ctx, shop, "A", "w2")) // not its lease: nothing happens
	if ok, _ := s.ClaimWrite(ctx, shop, "A", "w2", time.Minute); ok {
		t.Fatal("a release by another writer freed the lease")
	}
	must(t, s.ReleaseWrite(ctx, shop, "A", "w1"))
	if ok, _ := s.ClaimWrite(ctx, shop, "A", "w2", time.Millisecond); !ok {
		t.Fatal("a released lease was refused")
	}
	time.Sleep(5 * time.Millisecond)
	if ok, _ := s.ClaimWrite(ctx, shop, "A", "w3", time.Minute); !ok {
		t.Fatal("an expired lease was refused")
	}
}

// A store rebuilt from scratch gives an order version the revision and
// delivery id the first store gave it, so the ERP never drops a new
// version as a duplicate nor takes a later one for stale; two versions in
// one millisecond still get distinct, increasing revisions.
func testRevisionsSurviveARebuild(t *testing.T, s store.Store) {
	o := Order("3000000000000000777", domain.OrderPaid)
	first, err := s.UpsertOrder(ctx, o)
	must(t, err)
	o.Status, o.ModifiedAt = domain.OrderShipped, o.ModifiedAt.Add(90*time.Minute)
	second, err := s.UpsertOrder(ctx, o)
	must(t, err)
	// The rebuilt store sees only the later version: another shop name
	// stands for the empty store (the suite gives one store per test).
	rebuilt := o
	rebuilt.Shop = domain.ShopRef{Channel: shop.Channel, Shop: shop.Shop + "-rebuilt"}
	again, err := s.UpsertOrder(ctx, rebuilt)
	must(t, err)
	if again.Revision != second.Revision || second.Revision <= first.Revision {
		t.Fatalf("revisions: first %d, second %d, rebuilt %d: want the rebuilt store to give the second version's", first.Revision, second.Revision, again.Revision)
	}
	o.Lines[0].Quantity, o.Status = 2, domain.OrderCompleted // same millisecond, other content
	third, err := s.UpsertOrder(ctx, o)
	must(t, err)
	if third.Revision != second.Revision+1 || third.DeliveryID == second.DeliveryID {
		t.Fatalf("a version in the same millisecond = %+v after %+v", third, second)
	}
}

// testShopUsage: each process's count replaces its own older one, and a
// shop's use is the sum over the processes that counted since.
func testShopUsage(t *testing.T, s store.Store) {
	t0 := time.Unix(1_800_000_000, 0)
	other := domain.ShopRef{Channel: "fake", Shop: "mini"}
	must(t, s.SaveShopUsage(ctx, shop, "syncctl@a:1", 120, t0))
	must(t, s.SaveShopUsage(ctx, shop, "syncctl@b:2", 90, t0.Add(10*time.Second)))
	must(t, s.SaveShopUsage(ctx, shop, "syncctl@a:1", 150, t0.Add(30*time.Second)))
	must(t, s.SaveShopUsage(ctx, shop, "syncctl@a:1", 1, t0.Add(20*time.Second))) // older: ignored
	must(t, s.SaveShopUsage(ctx, other, "syncctl@c:3", 7, t0.Add(-time.Hour)))
	got, err := s.ShopUsages(ctx, t0)
	must(t, err)
	if len(got) != 1 || got[0].Shop != shop || got[0].CallsPerMinute != 240 || got[0].Processes != 2 || !got[0].At.Equal(t0.Add(30*time.Second)) {
		t.Fatalf("usages = %+v, want %s at 150+90 calls/min from 2 processes (the stale shop left out)", got, shop)
	}
}
