package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

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
	env.OnActivity(a.DescribeShop, mock.Anything, shop).Return(workflows.ShopInfo{}, nil)
	env.OnActivity(a.CountChangedProducts, mock.Anything, shop).Return(len(all), nil)
	env.OnActivity(a.NextChangedProducts, mock.Anything, mock.Anything).Return(pagesOf(all))
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
	env.OnActivity(a.DescribeShop, mock.Anything, shop).Return(workflows.ShopInfo{}, nil)
	env.OnActivity(a.CountChangedProducts, mock.Anything, shop).Return(40, nil)
	env.OnActivity(a.NextChangedProducts, mock.Anything, mock.Anything).Return(codes("P", 40), nil).Once()
	pushes := 0
	env.OnActivity(a.PushProducts, mock.Anything, mock.Anything).Return(
		func(context.Context, workflows.PushProductsInput) (workflows.PushProductsResult, error) {
			pushes++
			return workflows.PushProductsResult{}, temporal.NewNonRetryableApplicationError("tmall auth: Invalid session [27]", domain.EAuth, nil)
		})
	env.ExecuteWorkflow(workflows.CatalogPush, workflows.CatalogPushInput{Shop: shop, ChunkSize: 4, Parallel: 2})
	err := env.GetWorkflowError()
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != domain.EAuth {
		t.Fatalf("workflow error = %v, want the auth error", err)
	}
	if pushes > 3 { // the chunks in flight when the first failed, not all 10
		t.Fatalf("%d chunks were sent after the credentials failed", pushes)
	}
}

// A chunk whose activity gives up is settled product by product: what an
// earlier attempt pushed counts as pushed, the rest as failed with the reason,
// and the push goes on with the other chunks.
func TestCatalogPushSettlesAChunkThatGaveUp(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	var a *workflows.Activities
	env.OnActivity(a.DescribeShop, mock.Anything, shop).Return(workflows.ShopInfo{}, nil)
	env.OnActivity(a.CountChangedProducts, mock.Anything, shop).Return(6, nil)
	env.OnActivity(a.NextChangedProducts, mock.Anything, mock.Anything).Return(codes("P", 6), nil).Once()
	env.OnActivity(a.NextChangedProducts, mock.Anything, mock.Anything).Return([]string(nil), nil)
	env.OnActivity(a.PushProducts, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in workflows.PushProductsInput) (workflows.PushProductsResult, error) {
			if in.Codes[0] == "P003" {
				return workflows.PushProductsResult{}, temporal.NewNonRetryableApplicationError("tmall conflict: item locked", domain.EConflict, nil)
			}
			return workflows.PushProductsResult{Pushed: len(in.Codes), SKUs: 2 * len(in.Codes)}, nil
		})
	var settled workflows.SettleChunkInput
	env.OnActivity(a.SettleFailedChunk, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in workflows.SettleChunkInput) (workflows.PushProductsResult, error) {
			settled = in
			return workflows.PushProductsResult{Pushed: 1, Failures: []workflows.ItemFailure{
				{Product: "P004", Code: in.Code, Reason: in.Reason}, {Product: "P005", Code: in.Code, Reason: in.Reason}}}, nil
		})
	env.ExecuteWorkflow(workflows.CatalogPush, workflows.CatalogPushInput{Shop: shop, ChunkSize: 3})
	var p workflows.PushProgress
	if err := env.GetWorkflowResult(&p); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(settled.Codes) != "[P003 P004 P005]" || settled.Code != domain.EConflict || settled.Reason != "tmall conflict: item locked" {
		t.Fatalf("settled %+v", settled)
	}
	if p.Pushed != 4 || p.Failed != 2 || len(p.Failures) != 2 || p.Failures[0].Product != "P004" {
		t.Fatalf("progress = %+v", p)
	}
}

// A throttled channel ends an attempt with what it did; the rest of the
// chunk goes again after the platform's wait, every call of every attempt
// is counted, and meanwhile the push says it is retrying, why and when.
func TestCatalogPushRetriesAThrottledChunkAndCountsEveryCall(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	var a *workflows.Activities
	env.OnActivity(a.DescribeShop, mock.Anything, shop).Return(workflows.ShopInfo{}, nil)
	env.OnActivity(a.CountChangedProducts, mock.Anything, shop).Return(4, nil)
	env.OnActivity(a.NextChangedProducts, mock.Anything, mock.Anything).Return(codes("P", 4), nil).Once()
	env.OnActivity(a.NextChangedProducts, mock.Anything, mock.Anything).Return([]string(nil), nil)
	var sent [][]string
	env.OnActivity(a.PushProducts, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in workflows.PushProductsInput) (workflows.PushProductsResult, error) {
			sent = append(sent, in.Codes)
			if len(sent) == 1 { // one product done, then the platform bans for 30 s
				return workflows.PushProductsResult{Done: 1, Pushed: 1, SKUs: 2, Calls: 3, Throttled: 1,
					Retry: &workflows.ChunkStop{Code: domain.ERateLimited, Reason: "tmall: App Call Limited [7]: This ban will last for 30 more seconds", After: 30 * time.Second}}, nil
			}
			return workflows.PushProductsResult{Done: len(in.Codes), Pushed: len(in.Codes), SKUs: 2 * len(in.Codes), Calls: 2 * len(in.Codes)}, nil
		})
	var during workflows.PushProgress
	var at time.Time
	env.RegisterDelayedCallback(func() {
		at = env.Now()
		q, err := env.QueryWorkflow(workflows.QueryProgress)
		if err == nil {
			_ = q.Get(&during)
		}
	}, 10*time.Second)
	env.ExecuteWorkflow(workflows.CatalogPush, workflows.CatalogPushInput{Shop: shop, ChunkSize: 4})
	var p workflows.PushProgress
	if err := env.GetWorkflowResult(&p); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(sent) != "[[P000 P001 P002 P003] [P001 P002 P003]]" {
		t.Fatalf("chunks sent = %v, want the rest after the first product", sent)
	}
	if p.Pushed != 4 || p.SKUs != 8 || p.Calls != 9 || p.Throttled != 1 || p.Retries != 1 || p.LastError != "" || p.NextAttempt != nil {
		t.Fatalf("progress = %+v", p)
	}
	if during.LastError == "" || !strings.Contains(during.LastError, "App Call Limited") || during.NextAttempt == nil || during.Retries != 1 {
		t.Fatalf("progress while waiting = %+v, want the reason and the next attempt", during)
	}
	if wait := during.NextAttempt.Sub(at); wait <= 0 || wait > 30*time.Second {
		t.Fatalf("next attempt in %s, want within the platform's 30 s", wait)
	}
}

// Credentials that fail stop the push with the platform's reason as the
// workflow's headline, not "activity error".
func TestCatalogPushAbortHeadlineIsThePlatformsReason(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	var a *workflows.Activities
	env.OnActivity(a.DescribeShop, mock.Anything, shop).Return(workflows.ShopInfo{}, nil)
	env.OnActivity(a.CountChangedProducts, mock.Anything, shop).Return(4, nil)
	env.OnActivity(a.NextChangedProducts, mock.Anything, mock.Anything).Return(codes("P", 4), nil).Once()
	env.OnActivity(a.PushProducts, mock.Anything, mock.Anything).Return(workflows.PushProductsResult{Calls: 1,
		Abort: &workflows.ChunkStop{Code: domain.EAuth, Reason: "tmall: Invalid session [27]"}}, nil)
	env.ExecuteWorkflow(workflows.CatalogPush, workflows.CatalogPushInput{Shop: shop})
	var appErr *temporal.ApplicationError
	if err := env.GetWorkflowError(); !errors.As(err, &appErr) || appErr.Type() != domain.EAuth || appErr.Message() != "tmall: Invalid session [27]" {
		t.Fatalf("workflow error = %v", err)
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

// pullEnv mocks the order pull's activities: each PullOrders call reports the
// next of results (the last repeats); DispatchDeliveries reports pending
// deliveries that drain by one per call.
func pullEnv(t *testing.T, results []workflows.PullOrdersResult, pending int) (*testsuite.TestWorkflowEnvironment, *int, *int) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	var a *workflows.Activities
	pulls, dispatches := 0, 0
	env.OnActivity(a.PullOrders, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in workflows.PullOrdersInput) (workflows.PullOrdersResult, error) {
			if in.Shop != shop {
				return workflows.PullOrdersResult{}, fmt.Errorf("unexpected input %+v", in)
			}
			r := results[min(pulls, len(results)-1)]
			pulls++
			if r.Calls < 0 { // a channel outage
				return workflows.PullOrdersResult{}, temporal.NewNonRetryableApplicationError("tmall unavailable: gateway down", domain.EAuth, nil)
			}
			return r, nil
		})
	env.OnActivity(a.DispatchDeliveries, mock.Anything, mock.Anything).Return(
		func(context.Context, workflows.DispatchInput) (workflows.DispatchResult, error) {
			dispatches++
			started := 0
			if dispatches == 1 {
				started = pending
			}
			if pending > 0 && dispatches > 1 {
				pending--
			}
			return workflows.DispatchResult{Started: started, Pending: pending}, nil
		})
	return env, &pulls, &dispatches
}

func TestOrderPullOncePullsUntilCaughtUpAndWaitsForTheERP(t *testing.T) {
	env, pulls, dispatches := pullEnv(t, []workflows.PullOrdersResult{
		{Seen: 3, Created: 3}, {Seen: 2, Created: 1, Updated: 1, CaughtUp: true}}, 4)
	env.ExecuteWorkflow(workflows.OrderPull, workflows.OrderPullInput{Shop: shop, Once: true, PullPolicy: domain.PullPolicy{Overlap: 5 * time.Minute}})
	var st workflows.PullStats
	if err := env.GetWorkflowResult(&st); err != nil {
		t.Fatal(err)
	}
	// Two pulls, then dispatch checks until the 4 pending are accepted.
	if *pulls != 2 || st.Created != 4 || st.Updated != 1 || st.Delivered != 5 || st.Pending != 0 || st.Dispatched != 4 {
		t.Fatalf("stats = %+v (pulls %d)", st, *pulls)
	}
	if *dispatches != 2+3 {
		t.Fatalf("dispatch calls = %d, want 5 (one a round, then one per check until none is pending)", *dispatches)
	}
}

func TestOrderPullOnceFailsOnAChannelError(t *testing.T) {
	env, _, _ := pullEnv(t, []workflows.PullOrdersResult{{Calls: -1}}, 0)
	env.ExecuteWorkflow(workflows.OrderPull, workflows.OrderPullInput{Shop: shop, Once: true})
	// The channel's reason is the headline, not "activity error".
	var appErr *temporal.ApplicationError
	if err := env.GetWorkflowError(); !errors.As(err, &appErr) || !strings.Contains(appErr.Message(), "gateway down") || strings.Contains(appErr.Message(), "activity error") {
		t.Fatalf("once pull error = %v, want the channel's reason as the headline", err)
	}
}

// The long-running pull lives through a failing round (the next starts from
// the stored cursor), answers pull-now at once, and stops on a signal.
func TestOrderPullLongRunningSurvivesErrorsAndObeysSignals(t *testing.T) {
	env, pulls, _ := pullEnv(t, []workflows.PullOrdersResult{
		{Seen: 1, CaughtUp: true}, {Calls: -1}, {Seen: 2, CaughtUp: true, Rejected: 1, Unresolved: 1, Sample: []string{"order 9: field payment: not a yuan amount"}}}, 0)
	var lastErrAfterFailure string
	var nextAttempt *time.Time
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(workflows.QueryProgress)
		if err == nil {
			var st workflows.PullStats
			_ = v.Get(&st)
			lastErrAfterFailure, nextAttempt = st.LastError, st.NextAttempt
		}
	}, 90*time.Second) // after round 2 (at 1m), before round 3 (at 2m)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.SignalPullNow, nil) }, 2*time.Minute+10*time.Second)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.SignalStopPull, nil) }, 2*time.Minute+20*time.Second)
	statuses := recordStatuses(env)
	env.ExecuteWorkflow(workflows.OrderPull, workflows.OrderPullInput{Shop: shop, PullPolicy: domain.PullPolicy{Interval: time.Minute}})
	var st workflows.PullStats
	if err := env.GetWorkflowResult(&st); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(*statuses); got != "[running retrying rejected-orders completed-with-failures]" {
		t.Fatalf("SyncStatus went %s", got)
	}
	// Rounds at 0, 1m (fails), 2m, and 2m10s (pull-now); stop at 2m20s.
	if *pulls != 4 || st.Pulls != 4 || st.LastError != "" || st.Unresolved != 1 || len(st.Recent) != 1 {
		t.Fatalf("stats = %+v (pulls %d)", st, *pulls)
	}
	if !strings.Contains(lastErrAfterFailure, "gateway down") || strings.Contains(lastErrAfterFailure, "activity error") {
		t.Fatalf("progress after the failed round showed last_error %q, want the channel's own words", lastErrAfterFailure)
	}
	if nextAttempt == nil || nextAttempt.Sub(env.Now()) > 0 || st.NextAttempt != nil {
		// (env.Now() is the end of the run here: the next attempt, round 3 at 2m, is past.)
		t.Fatalf("next attempt while retrying = %v, at the end %v", nextAttempt, st.NextAttempt)
	}
}

// A long-running pull continues as new after a bounded number of rounds,
// carrying its counters, and a buffered pull-now does not get lost or stall it.
func TestOrderPullContinuesAsNew(t *testing.T) {
	env, _, _ := pullEnv(t, []workflows.PullOrdersResult{{Seen: 1, Created: 1, CaughtUp: true}}, 0)
	env.ExecuteWorkflow(workflows.OrderPull, workflows.OrderPullInput{Shop: shop, PullPolicy: domain.PullPolicy{Interval: time.Second}})
	err := env.GetWorkflowError()
	var can *workflow.ContinueAsNewError
	if !errors.As(err, &can) {
		t.Fatalf("after many rounds err = %v, want continue-as-new", err)
	}
	var next workflows.OrderPullInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if next.Stats == nil || next.Stats.Runs != 1 || next.Stats.Created != next.Stats.Pulls || next.Stats.Pulls < 100 || next.Shop != shop || next.Interval != time.Second {
		t.Fatalf("continued with %+v stats %+v", next, next.Stats)
	}
}

func TestERPDeliveryMarksFailureInTheUI(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	var a *workflows.Activities
	env.OnActivity(a.DeliverToERP, mock.Anything, "dlv_1").Return(workflows.ERPDeliveryResult{},
		temporal.NewNonRetryableApplicationError("delivery dlv_1 does not exist", domain.ENotFound, nil))
	statuses := recordStatuses(env)
	env.ExecuteWorkflow(workflows.ERPDelivery, workflows.ERPDeliveryInput{DeliveryID: "dlv_1", Shop: shop, OrderID: "1"})
	if err := env.GetWorkflowError(); err == nil {
		t.Fatal("a delivery that cannot be made succeeded")
	}
	if got := fmt.Sprint(*statuses); got != "[waiting-for-erp failed]" {
		t.Fatalf("SyncStatus went %s, want [waiting-for-erp failed]", got)
	}
}

// recordStatuses collects every SyncStatus the workflow shows, in order.
func recordStatuses(env *testsuite.TestWorkflowEnvironment) *[]string {
	var out []string
	env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		if sa, ok := args.Get(0).(temporal.SearchAttributes); ok {
			if v, ok := sa.GetKeyword(workflows.AttrSyncStatus); ok {
				out = append(out, v)
			}
		}
	}).Return(nil)
	return &out
}
