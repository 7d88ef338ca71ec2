package workflows_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/erp"
	"github.com/syncctl/syncctl/store"
	"github.com/syncctl/syncctl/store/sqlite"
	"github.com/syncctl/syncctl/store/storetest"
	"github.com/syncctl/syncctl/workflows"
)

// The ERP is down for a whole (virtual) day while an order changes three
// times and is refunded: every ERPDelivery workflow keeps retrying with
// backoff, capped at five minutes, none gives up, and when the ERP comes
// back it gets every delivery once, each order's in revision order (the
// refund after the order versions before it). Real store, real signed
// HTTP to the reference receiver; Temporal's test environment skips the day.
func TestERPDownForADayGetsEverythingAfterwardsInOrder(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "syncctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	var ids []string
	o := storetest.Order("3000000000000000042", domain.OrderPaid)
	for _, status := range []domain.OrderStatus{domain.OrderPaid, domain.OrderShipped, domain.OrderRefunding} {
		o.Status = status
		o.ModifiedAt = o.ModifiedAt.Add(time.Minute)
		c, err := st.UpsertOrder(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.DeliveryID)
	}
	rc, err := st.UpsertAfterSale(ctx, domain.AfterSale{Shop: o.Shop, PlatformOrderID: o.PlatformOrderID, PlatformCaseID: "RF42",
		Kind: "refund", Status: domain.AfterSaleRequested, RefundAmount: o.Amounts.Paid, ModifiedAt: o.ModifiedAt})
	if err != nil {
		t.Fatal(err)
	}
	ids = append(ids, rc.DeliveryID)
	other := storetest.Order("3000000000000000043", domain.OrderPaid)
	oc, err := st.UpsertOrder(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	ids = append(ids, oc.DeliveryID)

	secret := []byte("whsec_outage_day")
	rcv := erp.NewReceiver(secret, nil)
	var down atomic.Bool
	down.Store(true)
	var mu sync.Mutex
	var refused int
	arrived := map[string][]int{} // order → revisions in the order they were accepted
	h := rcv.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			mu.Lock()
			refused++
			mu.Unlock()
			http.Error(w, "erp down", http.StatusServiceUnavailable)
			return
		}
		id := r.Header.Get(erp.HeaderDelivery)
		d, err := st.GetDelivery(r.Context(), id)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if err == nil && rec.Code/100 == 2 {
			mu.Lock()
			arrived[d.PlatformOrderID] = append(arrived[d.PlatformOrderID], d.Revision)
			mu.Unlock()
		}
		w.WriteHeader(rec.Code)
	}))
	defer srv.Close()
	hc := retryablehttp.NewClient()
	hc.Logger, hc.RetryMax, hc.ErrorHandler = nil, 0, retryablehttp.PassthroughErrorHandler
	client, err := erp.NewClient(srv.URL+"/webhooks/syncctl", secret, hc)
	if err != nil {
		t.Fatal(err)
	}

	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterActivity(&workflows.Activities{Store: st, ERP: client})
	env.RegisterWorkflowWithOptions(workflows.ERPDelivery, workflow.RegisterOptions{Name: workflows.ERPDeliveryWorkflowName})
	t0 := env.Now()
	var backAt time.Duration
	env.RegisterDelayedCallback(func() { down.Store(false); backAt = env.Now().Sub(t0) }, 24*time.Hour)
	// Every delivery's workflow at once, newest first, as a dispatch after
	// the outage may start them.
	env.ExecuteWorkflow(func(ctx workflow.Context) error {
		var futs []workflow.ChildWorkflowFuture
		for i := len(ids) - 1; i >= 0; i-- {
			d, err := st.GetDelivery(context.Background(), ids[i])
			if err != nil {
				return err
			}
			cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: workflows.ERPDeliveryID(ids[i])})
			futs = append(futs, workflow.ExecuteChildWorkflow(cctx, workflows.ERPDeliveryWorkflowName,
				workflows.ERPDeliveryInput{DeliveryID: ids[i], Shop: d.Shop, OrderID: d.PlatformOrderID}))
		}
		for _, f := range futs {
			if err := f.Get(ctx, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if backAt != 24*time.Hour || env.Now().Sub(t0) < 24*time.Hour {
		t.Fatalf("the deliveries ended %v after the start (ERP back at %v): they did not wait out the day", env.Now().Sub(t0), backAt)
	}
	if refused < 24*60/5 {
		t.Errorf("the ERP refused %d attempts in a day: the retries gave up or slowed beyond 5 minutes", refused)
	}
	for _, id := range ids {
		d, err := st.GetDelivery(ctx, id)
		if err != nil || d.Status != store.DeliveryDelivered {
			t.Errorf("delivery %s: %+v, %v; want delivered", id, d.Status, err)
		}
	}
	if got := arrived[o.PlatformOrderID]; len(got) != 4 || !ascending(got) {
		t.Errorf("order %s arrived as revisions %v, want its 3 versions then its refund, ascending", o.PlatformOrderID, got)
	}
	if got := arrived[other.PlatformOrderID]; len(got) != 1 {
		t.Errorf("order %s arrived %d times, want once", other.PlatformOrderID, len(got))
	}
	if st := rcv.Stats(); st.Accepted != 5 || st.Duplicates != 0 || st.Stale != 0 || st.Refunds != 1 {
		t.Errorf("receiver = %+v, want 5 accepted once each, nothing stale, one refund case", st)
	}
	t.Logf("ERP down 24h: %d attempts refused, all %d deliveries accepted after it came back", refused, len(ids))
}

func ascending(v []int) bool {
	for i := 1; i < len(v); i++ {
		if v[i] < v[i-1] {
			return false
		}
	}
	return true
}
