package workflows_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/workflows"
)

// The same orders arrive three ways at once — a poll, a backfill of their
// range and a platform push message bringing a pull forward — twice: when
// they are new, and after two of them changed. The index keeps one order
// per platform id and one version per modification, so the ERP gets each
// version exactly once, whichever way came first.
func TestPollPushAndBackfillAtOnceDeliverEachVersionOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	r := newRig(ctx, t)
	now := time.Now().Truncate(time.Second)
	const n = 6
	for i := 0; i < n; i++ {
		must(t, r.sb.AddOrder(paidOrder(fmtID(40+i), now.Add(-time.Duration(50-i*5)*time.Minute))))
	}
	all := func(at time.Time) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan error, 3)
		wg.Add(3)
		go func() {
			defer wg.Done()
			in := workflows.OrderPullInput{Shop: r.shop, Once: true, PullPolicy: domain.PullPolicy{InitialLookback: 2 * time.Hour, Overlap: time.Hour}}
			run, err := workflows.Start(ctx, r.c, r.shop, workflows.OrderPullOnceID(r.shop, at.Add(-time.Hour)), workflows.OrderPullWorkflowName, in)
			if err == nil {
				err = run.Get(ctx, nil)
			}
			errs <- err
		}()
		go func() {
			defer wg.Done()
			run, err := workflows.Backfill(ctx, r.c, workflows.TaskQueue, workflows.OrderBackfillInput{Shop: r.shop, From: at.Add(-2 * time.Hour), To: at})
			if err == nil {
				err = run.Get(ctx, nil)
			}
			errs <- err
		}()
		go func() {
			defer wg.Done()
			// What the push route does with a verified order message.
			_, err := workflows.PullSoon(ctx, r.c, workflows.TaskQueue, r.shop, at)
			errs <- err
		}()
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	waitAccepted := func(want int) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for r.rcv.Stats().Accepted < want && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(500 * time.Millisecond) // a duplicate would arrive now
	}

	waitPastSecondOf(t, r.sb, fmtID(40+n-1))
	all(time.Now())
	waitAccepted(n)
	if s := r.rcv.Stats(); s.Accepted != n || s.Duplicates != 0 || s.Stale != 0 {
		t.Fatalf("after the first round the ERP has %+v, want %d orders once each", s, n)
	}

	// Two orders change on the platform: a new version each.
	must(t, r.sb.CancelOrder(fmtID(41)))
	must(t, r.sb.CancelOrder(fmtID(43)))
	waitPastSecondOf(t, r.sb, fmtID(43))
	all(time.Now())
	waitAccepted(n + 2)
	if s := r.rcv.Stats(); s.Accepted != n+2 || s.Duplicates != 0 || s.Stale != 0 || s.Orders != n {
		t.Fatalf("after the changes the ERP has %+v, want %d deliveries (%d orders, 2 of them twice), none twice", s, n+2, n)
	}
	recs, err := r.st.ListOrders(ctx, r.shop, 0)
	if err != nil {
		t.Fatal(err)
	}
	versions := 0
	for _, rec := range recs {
		versions += rec.Versions
	}
	if len(recs) != n || versions != n+2 {
		t.Fatalf("the index has %d orders, %d versions; want %d orders, %d versions", len(recs), versions, n, n+2)
	}
	for _, o := range r.rcv.Orders() {
		if o.Status == string(domain.OrderCancelled) && o.Deliveries != 2 {
			t.Errorf("order %s: %d deliveries, want its 2 versions once each", o.Key, o.Deliveries)
		}
	}
}
