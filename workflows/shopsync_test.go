package workflows_test

import (
	"fmt"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/workflows"
)

// shopSyncRig runs a ShopSync in virtual time with a push that takes
// pushTakes, signals each code at its instant, and records when each
// code's push started.
type shopSyncRig struct {
	env    *testsuite.TestWorkflowEnvironment
	t0     time.Time
	pushed map[string]time.Duration // code → start of the first push that took it
	pushes int
}

func newShopSyncRig(t *testing.T, pushTakes time.Duration) *shopSyncRig {
	var s testsuite.WorkflowTestSuite
	r := &shopSyncRig{env: s.NewTestWorkflowEnvironment(), pushed: map[string]time.Duration{}}
	r.t0 = r.env.Now()
	r.env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in workflows.CatalogPushInput) (*workflows.PushProgress, error) {
		r.pushes++
		at := workflow.Now(ctx).Sub(r.t0)
		for _, c := range in.Codes {
			if _, ok := r.pushed[c]; !ok {
				r.pushed[c] = at
			}
		}
		if err := workflow.Sleep(ctx, pushTakes); err != nil {
			return nil, err
		}
		return &workflows.PushProgress{Shop: in.Shop, Calls: len(in.Codes)}, nil
	}, workflow.RegisterOptions{Name: workflows.CatalogPushWorkflowName})
	return r
}

func (r *shopSyncRig) signalAt(at time.Duration, codes ...string) {
	r.env.RegisterDelayedCallback(func() { r.env.SignalWorkflow(workflows.SignalProducts, codes) }, at)
}

func (r *shopSyncRig) run(t *testing.T) workflows.ShopSyncState {
	t.Helper()
	r.env.ExecuteWorkflow(workflows.ShopSync, workflows.ShopSyncInput{Shop: domain.ShopRef{Channel: "tmall", Shop: "flagship"}})
	if err := r.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var st workflows.ShopSyncState
	if err := r.env.GetWorkflowResult(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// A steady stream of ERP changes, one every 200 ms for 20 s (never the
// pause that ends a round), while each push takes 700 ms: no change waits
// longer than DefaultSyncMaxDelay plus one push before a push takes it,
// and the changes are still coalesced (far fewer pushes than changes).
func TestShopSyncBoundsTheWaitOfASteadyStream(t *testing.T) {
	const every, pushTakes, changes = 200 * time.Millisecond, 700 * time.Millisecond, 100
	r := newShopSyncRig(t, pushTakes)
	sent := map[string]time.Duration{}
	for i := range changes {
		code := fmt.Sprintf("P%d", i)
		at := time.Duration(i+1) * every
		sent[code] = at
		r.signalAt(at, code)
	}
	st := r.run(t)

	worst := time.Duration(0)
	for code, at := range sent {
		started, ok := r.pushed[code]
		if !ok {
			t.Fatalf("%s (changed at %v) was never pushed", code, at)
		}
		worst = max(worst, started-at)
	}
	if bound := workflows.DefaultSyncMaxDelay + pushTakes; worst > bound {
		t.Fatalf("a change waited %v for its push, want at most %v (MaxDelay + one push)", worst, bound)
	}
	if st.Changes != changes || st.Products != changes {
		t.Fatalf("state %+v, want %d changes and products", st, changes)
	}
	// 20 s of changes: about one push per MaxDelay, not one per change.
	if limit := int(changes*every/workflows.DefaultSyncMaxDelay) + 2; r.pushes > limit {
		t.Fatalf("%d pushes for %d changes over %v, want at most %d", r.pushes, changes, changes*every, limit)
	}
	t.Logf("%d changes, %d pushes, longest wait %v", changes, r.pushes, worst)
}

// A lone change is pushed once the quiet time has passed; two hundred
// changes of one product over two seconds (no pause among them) are a
// push once the first is MaxDelay old and one for the rest.
func TestShopSyncPushesALoneChangeAfterTheQuietAndABurstOnce(t *testing.T) {
	r := newShopSyncRig(t, 500*time.Millisecond)
	r.signalAt(time.Second, "LONE")
	burst := 30 * time.Second
	for i := range 200 {
		r.signalAt(burst+time.Duration(i)*10*time.Millisecond, "HOT")
	}
	st := r.run(t)
	if got, want := r.pushed["LONE"], time.Second+workflows.DefaultSyncQuiet; got != want {
		t.Fatalf("the lone change was pushed at %v, want %v (its time + the quiet)", got, want)
	}
	if got := r.pushed["HOT"]; got < burst || got > burst+workflows.DefaultSyncMaxDelay {
		t.Fatalf("the burst's first push at %v, want within MaxDelay of %v", got, burst)
	}
	if r.pushes != 3 {
		t.Fatalf("%d pushes for one change and a burst of 200, want 3", r.pushes)
	}
	if st.Changes != 201 {
		t.Fatalf("state %+v, want 201 changes taken", st)
	}
}
