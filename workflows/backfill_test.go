package workflows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/workflows"
)

// Orders the platform indexed late, behind the pull's cursor, are found by
// a backfill of their range and reach the ERP once; orders the pulls had
// delivered are read again and not delivered twice; the cursor stays. The
// range spans several of the platform's two-hour windows, two orders a page.
func TestBackfillFindsWhatThePullsMissedOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r := newRig(ctx, t)
	c, st, sb, rcv, mini := r.c, r.st, r.sb, r.rcv, r.shop
	now := time.Now().Truncate(time.Second)
	for i, ago := range []time.Duration{5 * time.Hour, 3 * time.Hour, 20 * time.Minute} {
		must(t, sb.AddOrder(paidOrder(fmtID(i), now.Add(-ago))))
	}
	waitPastSecondOf(t, sb, fmtID(2))
	pull := workflows.OrderPullInput{Shop: mini, Once: true, PullPolicy: domain.PullPolicy{InitialLookback: 6 * time.Hour}}
	if ps := runPull(ctx, t, c, mini, pull, now); ps.Created != 3 {
		t.Fatalf("pull = %+v", ps)
	}
	cursor, _, _ := st.OrderCursor(ctx, mini)

	// Three orders the platform shows only now, modified hours ago: behind
	// the cursor, so no pull will ever read them.
	for i, ago := range []time.Duration{4 * time.Hour, 150 * time.Minute, time.Hour} {
		must(t, sb.AddOrder(paidOrder(fmtID(10+i), now.Add(-ago))))
	}
	if ps := runPull(ctx, t, c, mini, pull, now.Add(time.Second)); ps.Created != 0 {
		t.Fatalf("a pull found %d late orders behind its cursor: the test shows nothing", ps.Created)
	}
	run, err := workflows.Backfill(ctx, c, workflows.TaskQueue, workflows.OrderBackfillInput{Shop: mini, From: now.Add(-6 * time.Hour), To: now})
	if err != nil {
		t.Fatal(err)
	}
	var p workflows.BackfillProgress
	if err := run.Get(ctx, &p); err != nil {
		t.Fatal(err)
	}
	if !p.Done || p.Created != 3 || p.Seen != 6 || p.Windows < 3 {
		t.Fatalf("backfill = %+v, want the 3 late orders found among 6, in 2h windows", p)
	}
	deadline := time.Now().Add(30 * time.Second)
	for rcv.Stats().Accepted != 6 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if s := rcv.Stats(); s.Accepted != 6 || s.Duplicates != 0 {
		t.Fatalf("erp = %+v, want the 6 orders once each", s)
	}
	if after, _, _ := st.OrderCursor(ctx, mini); !after.Equal(cursor) && after.Before(cursor) {
		t.Fatalf("the backfill moved the cursor back: %v → %v", cursor, after)
	}
}

// The ERP gets an order's versions in order: with the first version
// refused twice, the second is not sent before the first is accepted (it
// would make the first stale at the ERP).
func TestAnOrdersVersionsReachTheERPInOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r := newRig(ctx, t)
	now := time.Now().Truncate(time.Second)
	o := domain.SalesOrder{Shop: r.shop, PlatformOrderID: "3704612354559743299", Status: domain.OrderPaid, Currency: "CNY",
		CreatedAt: now.Add(-time.Hour), ModifiedAt: now.Add(-time.Hour),
		Lines: []domain.OrderLine{{PlatformLineID: "1", SKUCode: "A-0", Quantity: 1, UnitPrice: 5990, Paid: 5990}}}
	if _, err := r.st.UpsertOrder(ctx, o); err != nil {
		t.Fatal(err)
	}
	o.Status, o.ModifiedAt = domain.OrderShipped, now.Add(-30*time.Minute)
	if _, err := r.st.UpsertOrder(ctx, o); err != nil {
		t.Fatal(err)
	}
	r.rcv.FailNext(3) // the first version inline, then both workflows' first attempts: their retries race
	pull := workflows.OrderPullInput{Shop: r.shop, Once: true, PullPolicy: domain.PullPolicy{InitialLookback: time.Minute}}
	runPull(ctx, t, r.c, r.shop, pull, now)
	var got []string
	for _, ro := range r.rcv.Orders() {
		if strings.HasSuffix(ro.Key, o.PlatformOrderID) {
			got = ro.Events
		}
	}
	if st := r.rcv.Stats(); st.Stale != 0 || len(got) != 2 || got[0] != "order.created" || got[1] != "order.updated" {
		t.Fatalf("the ERP applied %v (stats %+v), want created then updated, nothing stale", got, st)
	}
}
