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

// Orders are never missed at a window's edges nor while a pull runs:
// orders modified exactly on the pull's 1-hour window boundaries and a
// second either side (one of them before the starting cursor, within the
// overlap), exactly on the cursor a pull left and beside it, and orders
// sold continuously while pulls page through windows of two orders a
// page. Every one reaches the ERP exactly once.
func TestOrdersAtWindowEdgesAndDuringAPullAreNeverMissed(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	r := newRig(ctx, t)
	policy := domain.PullPolicy{InitialLookback: 7 * time.Hour, Overlap: 5 * time.Minute, Lag: time.Second, Window: time.Hour}
	// The cursor starts 4 h back: the first pull's windows end on the hour
	// after it, up to now (the platform caps a query at 2 h).
	c0 := time.Now().Truncate(time.Second).Add(-4 * time.Hour)
	must(t, r.st.SetOrderCursor(ctx, r.shop, c0))
	var ids []string
	add := func(id string, at time.Time) {
		t.Helper()
		must(t, r.sb.AddOrder(paidOrder(id, at)))
		ids = append(ids, id)
	}
	n := 0
	next := func() string { n++; return "37046123545597450" + string(rune('0'+n/10)) + string(rune('0'+n%10)) }
	for k := 0; k < 4; k++ {
		edge := c0.Add(time.Duration(k) * time.Hour)
		add(next(), edge)
		add(next(), edge.Add(-time.Second))
		add(next(), edge.Add(time.Second))
	}
	pull := func(id string) {
		t.Helper()
		in := workflows.OrderPullInput{Shop: r.shop, Once: true, PullPolicy: policy}
		run, err := workflows.Start(ctx, r.c, r.shop, id, workflows.OrderPullWorkflowName, in)
		if err != nil {
			t.Fatal(err)
		}
		if err := run.Get(ctx, nil); err != nil {
			t.Fatalf("pull %s: %v", id, err)
		}
	}
	pull("edges-first")
	cursor, ok, err := r.st.OrderCursor(ctx, r.shop)
	if err != nil || !ok {
		t.Fatalf("cursor after the first pull: %v %v", ok, err)
	}
	// On the cursor itself and a second either side, made after the pull.
	add(next(), cursor)
	add(next(), cursor.Add(-time.Second))
	add(next(), cursor.Add(time.Second))

	// Buyers keep buying while pulls run one after another.
	selling, stop := context.WithCancel(ctx)
	var sold sync.WaitGroup
	var mu sync.Mutex
	sold.Add(1)
	go func() {
		defer sold.Done()
		for i := 0; selling.Err() == nil; i++ {
			id := "3704612354559746" + string(rune('0'+i/100%10)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10))
			if err := r.sb.AddOrder(paidOrder(id, time.Now())); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			ids = append(ids, id)
			mu.Unlock()
			time.Sleep(30 * time.Millisecond)
		}
	}()
	for i := 0; i < 4; i++ {
		pull("during-" + string(rune('a'+i)))
	}
	stop()
	sold.Wait()
	time.Sleep(policy.Lag + 1100*time.Millisecond) // the last sale's second and the lag are over
	pull("after")

	deadline := time.Now().Add(60 * time.Second)
	for r.rcv.Stats().Accepted < len(ids) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	got := map[string]int{}
	for _, o := range r.rcv.Orders() {
		got[o.Key] = o.Deliveries
	}
	var missing, twice []string
	for _, id := range ids {
		switch got[r.shop.String()+"/"+id] {
		case 0:
			missing = append(missing, id)
		case 1:
		default:
			twice = append(twice, id)
		}
	}
	if len(missing) > 0 || len(twice) > 0 {
		t.Fatalf("of %d orders, missed %v, delivered more than once %v", len(ids), missing, twice)
	}
	if s := r.rcv.Stats(); s.Duplicates != 0 || s.Accepted != len(ids) {
		t.Fatalf("erp = %+v, want %d orders once each", s, len(ids))
	}
	t.Logf("%d orders (15 on edges, %d sold during the pulls) reached the ERP once each", len(ids), len(ids)-15)
}
