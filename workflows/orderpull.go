package workflows

import (
	"errors"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// OrderPull keeps one shop's orders flowing to the ERP. Each round pulls the
// orders modified since the stored cursor (with overlap, behind a lag, in
// windows the platform accepts) and starts one ERPDelivery workflow per
// pending delivery. Long-running by default: it waits Interval between rounds
// (or a pull-now signal) and continues as new before history grows. With
// Once it pulls until caught up, waits for its deliveries and finishes.
func OrderPull(ctx workflow.Context, in OrderPullInput) (*PullStats, error) {
	in = orderPullDefaults(in)
	st := in.Stats
	if st == nil {
		st = &PullStats{}
	}
	if err := workflow.SetQueryHandler(ctx, QueryProgress, func() (*PullStats, error) { return st, nil }); err != nil {
		return nil, err
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx,
		AttrChannel.ValueSet(in.Shop.Channel), AttrShop.ValueSet(in.Shop.Shop),
		AttrSyncKind.ValueSet(KindOrderPull), AttrSyncStatus.ValueSet(StatusRunning)); err != nil {
		return nil, err
	}
	pullNow := workflow.GetSignalChannel(ctx, SignalPullNow)
	stop := workflow.GetSignalChannel(ctx, SignalStopPull)
	stopped := false
	var waiting []workflow.ChildWorkflowFuture
	for round := 0; ; round++ {
		res, err := pullRound(ctx, in)
		st.Pulls++
		st.Seen += res.Seen
		st.Created += res.Created
		st.Updated += res.Updated
		st.Rejected += len(res.Rejected)
		if !res.Cursor.IsZero() {
			st.Cursor = res.Cursor
		}
		st.LastError = ""
		if err != nil {
			// Keep the shop's pull alive through a channel outage: the next
			// round starts from the stored cursor, so nothing is skipped.
			st.LastError = err.Error()
			if in.Once {
				return st, err
			}
		}
		started, err := dispatchDeliveries(ctx, in)
		if err != nil {
			return st, err
		}
		st.Dispatched += len(started)
		waiting = append(waiting, started...)
		if in.Once {
			if res.CaughtUp {
				break
			}
			continue
		}
		if stopped || waitNextRound(ctx, in.Interval, pullNow, stop) {
			break
		}
		if info := workflow.GetInfo(ctx); info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() > continueAsNewEvents || round >= 500 {
			st.Runs++
			in.Stats = st
			return nil, workflow.NewContinueAsNewError(ctx, OrderPull, in)
		}
	}
	for _, f := range waiting {
		if err := f.Get(ctx, nil); err == nil {
			st.Delivered++
		}
	}
	return st, workflow.UpsertTypedSearchAttributes(ctx, AttrSyncStatus.ValueSet(StatusCompleted))
}

func orderPullDefaults(in OrderPullInput) OrderPullInput {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&in.Interval, time.Minute)
	def(&in.Window, 30*time.Minute)
	def(&in.InitialLookback, 24*time.Hour)
	if in.Overlap < 0 {
		in.Overlap = 0
	}
	if in.Lag < 0 {
		in.Lag = 0
	}
	return in
}

func pullRound(ctx workflow.Context, in OrderPullInput) (PullOrdersResult, error) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute, MaximumAttempts: 10,
			NonRetryableErrorTypes: []string{"invalid", "auth", "not_found"},
		},
	})
	var res PullOrdersResult
	err := workflow.ExecuteActivity(actx, acts.PullOrders, PullOrdersInput{
		Shop: in.Shop, Overlap: in.Overlap, Lag: in.Lag, Window: in.Window,
		InitialLookback: in.InitialLookback, MaxWindows: 48,
	}).Get(ctx, &res)
	return res, err
}

// dispatchDeliveries starts an ERPDelivery child per pending delivery. A
// child whose id is already running (started by an earlier round) is left
// alone: the id is the idempotency key. A closed id may start again: a
// delivered row is only pending again when an operator requeued it.
// Children are abandoned on close so the pull can continue as new while
// deliveries retry.
func dispatchDeliveries(ctx workflow.Context, in OrderPullInput) ([]workflow.ChildWorkflowFuture, error) {
	var refs []DeliveryRef
	if err := workflow.ExecuteActivity(storeCtx(ctx), acts.PendingDeliveries,
		PendingDeliveriesInput{Shop: in.Shop, Limit: 1000}).Get(ctx, &refs); err != nil {
		return nil, err
	}
	var started []workflow.ChildWorkflowFuture
	for _, r := range refs {
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID:            ERPDeliveryID(r.ID),
			ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		})
		f := workflow.ExecuteChildWorkflow(cctx, ERPDelivery, ERPDeliveryInput{DeliveryID: r.ID, Shop: r.Shop, OrderID: r.OrderID})
		// Wait until the child really started: abandoning a child that has
		// not started yet would lose it at continue-as-new.
		if err := f.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
			var already *temporal.ChildWorkflowExecutionAlreadyStartedError
			if errors.As(err, &already) {
				continue
			}
			return started, err
		}
		started = append(started, f)
	}
	return started, nil
}

// waitNextRound sleeps until the interval passes or a signal arrives; it
// reports whether a stop was asked for.
func waitNextRound(ctx workflow.Context, interval time.Duration, pullNow, stop workflow.ReceiveChannel) bool {
	timerCtx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	stopped := false
	sel := workflow.NewSelector(ctx)
	sel.AddFuture(workflow.NewTimer(timerCtx, interval), func(workflow.Future) {})
	sel.AddReceive(pullNow, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, nil) })
	sel.AddReceive(stop, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, nil); stopped = true })
	sel.Select(ctx)
	return stopped
}

// ERPDelivery delivers one order revision to the ERP, retrying with backoff
// (capped at 5 minutes between attempts) until the ERP accepts it. Each
// attempt is visible on the pending activity in the Web UI.
func ERPDelivery(ctx workflow.Context, in ERPDeliveryInput) (*ERPDeliveryResult, error) {
	if in.DeliveryID == "" {
		return nil, temporal.NewNonRetryableApplicationError("erp delivery: delivery id is required", "invalid", nil)
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx,
		AttrChannel.ValueSet(in.Shop.Channel), AttrShop.ValueSet(in.Shop.Shop), AttrOrderID.ValueSet(in.OrderID),
		AttrSyncKind.ValueSet(KindERPDelivery), AttrSyncStatus.ValueSet(StatusWaitingERP)); err != nil {
		return nil, err
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute,
			NonRetryableErrorTypes: []string{"invalid", "not_found"},
		},
	})
	var res ERPDeliveryResult
	if err := workflow.ExecuteActivity(actx, acts.DeliverToERP, in.DeliveryID).Get(ctx, &res); err != nil {
		return nil, err
	}
	return &res, workflow.UpsertTypedSearchAttributes(ctx, AttrSyncStatus.ValueSet(StatusDelivered))
}
