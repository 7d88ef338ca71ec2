package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/workflows"
)

var shop = domain.ShopRef{Channel: "tmall", Shop: "flagship"}

func TestWorkflowIDsArePinned(t *testing.T) {
	if got := workflows.CatalogPushID(shop); got != "catalog-push/tmall/flagship" {
		t.Errorf("CatalogPushID = %q", got)
	}
	if got := workflows.OrderPullID(shop); got != "order-pull/tmall/flagship" {
		t.Errorf("OrderPullID = %q", got)
	}
	if got := workflows.ERPDeliveryID("dlv_abc"); got != "erp-delivery/dlv_abc" {
		t.Errorf("ERPDeliveryID = %q", got)
	}
	at := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	if got := workflows.OrderPullOnceID(shop, at); got != "order-pull-once/tmall/flagship/20261124T080000Z" {
		t.Errorf("OrderPullOnceID = %q", got)
	}
	for _, id := range []string{workflows.CatalogPushID(shop), workflows.OrderPullID(shop), workflows.OrderPullOnceID(shop, at)} {
		if got, err := workflows.ParseShopID(id); err != nil || got != shop {
			t.Errorf("ParseShopID(%q) = %v, %v", id, got, err)
		}
	}
	if _, err := workflows.ParseShopID("erp-delivery/dlv_abc"); err == nil {
		t.Error("ParseShopID accepted a delivery id")
	}
}

func codes(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%03d", prefix, i)
	}
	return out
}

func TestCatalogPushPagesChunksAndReportsProgress(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	var a *workflows.Activities
	all := codes("SPU", 23)
	env.OnActivity(a.CountChangedProducts, mock.Anything, shop).Return(len(all), nil)
	env.OnActivity(a.NextChangedProducts, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in workflows.NextChangedInput) ([]string, error) {
			var page []string
			for _, c := range all {
				if c > in.After && len(page) < in.Limit {
					page = append(page, c)
				}
			}
			return page, nil
		})
	chunks := 0
	env.OnActivity(a.PushProducts, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in workflows.PushProductsInput) (workflows.PushProductsResult, error) {
			chunks++
			if len(in.Codes) > 4 {
				return workflows.PushProductsResult{}, fmt.Errorf("chunk of %d exceeds chunk size 4", len(in.Codes))
			}
			r := workflows.PushProductsResult{Calls: len(in.Codes)}
			for _, c := range in.Codes {
				if c == "SPU007" {
					r.Failures = append(r.Failures, workflows.ItemFailure{Product: c, Code: domain.EInvalid, Reason: "title too long"})
					continue
				}
				r.Pushed++
				r.SKUs += 3
			}
			return r, nil
		})
	env.ExecuteWorkflow(workflows.CatalogPush, workflows.CatalogPushInput{Shop: shop, BatchSize: 10, ChunkSize: 4, Parallel: 2})
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("workflow: completed=%v err=%v", env.IsWorkflowCompleted(), env.GetWorkflowError())
	}
	var p workflows.PushProgress
	if err := env.GetWorkflowResult(&p); err != nil {
		t.Fatal(err)
	}
	if p.Total != 23 || p.Pushed != 22 || p.Failed != 1 || p.SKUs != 66 || p.Calls != 23 || !p.Done {
		t.Fatalf("progress = %+v", p)
	}
	if len(p.Failures) != 1 || p.Failures[0].Product != "SPU007" {
		t.Fatalf("failures = %+v", p.Failures)
	}
	if chunks != 7 { // pages of 10,10,3 → chunks 3+3+1
		t.Fatalf("push activities = %d, want 7", chunks)
	}
	q, err := env.QueryWorkflow(workflows.QueryProgress)
	if err != nil {
		t.Fatal(err)
	}
	var qp workflows.PushProgress
	if err := q.Get(&qp); err != nil || qp.Pushed != 22 {
		t.Fatalf("progress query = %+v, %v", qp, err)
	}
}

func TestCatalogPushStopsOnAuthFailure(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	var a *workflows.Activities
	env.OnActivity(a.CountChangedProducts, mock.Anything, shop).Return(2, nil)
	env.OnActivity(a.NextChangedProducts, mock.Anything, mock.Anything).Return([]string{"A", "B"}, nil).Once()
	env.OnActivity(a.PushProducts, mock.Anything, mock.Anything).Return(workflows.PushProductsResult{},
		temporal.NewNonRetryableApplicationError("tmall auth: Invalid session [27]", domain.EAuth, nil))
	env.ExecuteWorkflow(workflows.CatalogPush, workflows.CatalogPushInput{Shop: shop})
	err := env.GetWorkflowError()
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != domain.EAuth {
		t.Fatalf("workflow error = %v, want the auth error", err)
	}
}

func TestCatalogPushRejectsMissingShop(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.ExecuteWorkflow(workflows.CatalogPush, workflows.CatalogPushInput{})
	if err := env.GetWorkflowError(); err == nil {
		t.Fatal("push without a shop succeeded")
	}
}

func TestOrderPullOnceDispatchesAndWaitsForDeliveries(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	var a *workflows.Activities
	env.RegisterWorkflow(workflows.ERPDelivery)
	rounds := 0
	env.OnActivity(a.PullOrders, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in workflows.PullOrdersInput) (workflows.PullOrdersResult, error) {
			rounds++
			if in.Shop != shop || in.Lag != 0 || in.Overlap != 5*time.Minute {
				return workflows.PullOrdersResult{}, fmt.Errorf("unexpected input %+v", in)
			}
			// First round: behind; second: caught up.
			return workflows.PullOrdersResult{Seen: 3, Created: 3, CaughtUp: rounds == 2}, nil
		})
	pending := [][]workflows.DeliveryRef{
		{{ID: "dlv_1", Shop: shop, OrderID: "1"}, {ID: "dlv_2", Shop: shop, OrderID: "2"}},
		{{ID: "dlv_3", Shop: shop, OrderID: "3"}},
	}
	call := 0
	env.OnActivity(a.PendingDeliveries, mock.Anything, mock.Anything).Return(
		func(context.Context, workflows.PendingDeliveriesInput) ([]workflows.DeliveryRef, error) {
			call++
			return pending[call-1], nil
		})
	delivered := map[string]int{}
	env.OnActivity(a.DeliverToERP, mock.Anything, mock.Anything).Return(
		func(_ context.Context, id string) (workflows.ERPDeliveryResult, error) {
			delivered[id]++
			if id == "dlv_2" && delivered[id] < 3 {
				// The ERP is down for the first two attempts: retried, not lost.
				return workflows.ERPDeliveryResult{}, temporal.NewApplicationError("erp answered HTTP 503", domain.EUnavailable)
			}
			return workflows.ERPDeliveryResult{DeliveryID: id, Attempts: delivered[id], HTTPStatus: 204}, nil
		})
	env.ExecuteWorkflow(workflows.OrderPull, workflows.OrderPullInput{Shop: shop, Once: true, Overlap: 5 * time.Minute})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var st workflows.PullStats
	if err := env.GetWorkflowResult(&st); err != nil {
		t.Fatal(err)
	}
	if st.Pulls != 2 || st.Created != 6 || st.Dispatched != 3 || st.Delivered != 3 {
		t.Fatalf("stats = %+v", st)
	}
	if delivered["dlv_1"] != 1 || delivered["dlv_2"] != 3 || delivered["dlv_3"] != 1 {
		t.Fatalf("delivery attempts = %v", delivered)
	}
}

func TestOrderPullLongRunningStopsOnSignal(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	var a *workflows.Activities
	env.RegisterWorkflow(workflows.ERPDelivery)
	env.OnActivity(a.PullOrders, mock.Anything, mock.Anything).Return(workflows.PullOrdersResult{Seen: 1, CaughtUp: true}, nil)
	env.OnActivity(a.PendingDeliveries, mock.Anything, mock.Anything).Return([]workflows.DeliveryRef(nil), nil)
	// Three rounds one interval apart, then an operator stops it.
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.SignalStopPull, nil) }, 2*time.Minute+30*time.Second)
	env.ExecuteWorkflow(workflows.OrderPull, workflows.OrderPullInput{Shop: shop, Interval: time.Minute})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var st workflows.PullStats
	if err := env.GetWorkflowResult(&st); err != nil {
		t.Fatal(err)
	}
	if st.Pulls != 3 || st.Seen != 3 {
		t.Fatalf("stats = %+v, want 3 pulls", st)
	}
}
