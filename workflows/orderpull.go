package workflows

import (
	"errors"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/syncctl/syncctl/domain"
)

// OrderPull keeps one shop's orders flowing to the ERP. Each round pulls the
// orders modified since the stored cursor (with overlap, behind a lag, in
// windows the platform accepts) and dispatches the shop's pending deliveries
// (one ERPDelivery workflow per order version). Long-running by default: it
// waits Interval between rounds (or a pull-now signal), survives channel and
// store outages (the next round starts from the stored cursor, so nothing is
// skipped) and continues as new before its history grows. With Once it pulls
// until caught up, waits until the ERP has accepted every delivery of the
// shop, and finishes.
func OrderPull(ctx workflow.Context, in OrderPullInput) (*PullStats, error) {
	w, err := newOrderPull(ctx, in)
	if err != nil {
		return nil, err
	}
	st, err := w.run(ctx)
	return st, headline(err)
}

type orderPull struct {
	in      OrderPullInput
	st      *PullStats
	status  string
	pullNow workflow.ReceiveChannel
	stop    workflow.ReceiveChannel
}

func newOrderPull(ctx workflow.Context, in OrderPullInput) (*orderPull, error) {
	if in.Shop.Channel == "" || in.Shop.Shop == "" {
		return nil, temporal.NewNonRetryableApplicationError("order pull: shop channel and name are required", domain.EInvalid, nil)
	}
	in = orderPullDefaults(in)
	w := &orderPull{in: in, st: in.Stats, status: StatusRunning, pullNow: workflow.GetSignalChannel(ctx, SignalPullNow), stop: workflow.GetSignalChannel(ctx, SignalStopPull)}
	if w.st == nil {
		w.st = &PullStats{}
	}
	if err := workflow.SetQueryHandler(ctx, QueryProgress, func() (*PullStats, error) { return w.st, nil }); err != nil {
		return nil, err
	}
	return w, workflow.UpsertTypedSearchAttributes(ctx,
		AttrChannel.ValueSet(in.Shop.Channel), AttrShop.ValueSet(in.Shop.Shop),
		AttrSyncKind.ValueSet(KindOrderPull), AttrSyncStatus.ValueSet(StatusRunning))
}

func orderPullDefaults(in OrderPullInput) OrderPullInput {
	in.PullPolicy = in.PullPolicy.WithDefaults()
	return in
}

// setStatus shows the pull's state in the Web UI, writing only changes.
func (w *orderPull) setStatus(ctx workflow.Context, status string) {
	if status != w.status {
		w.status = status
		_ = workflow.UpsertTypedSearchAttributes(ctx, AttrSyncStatus.ValueSet(status))
	}
}

func (w *orderPull) run(ctx workflow.Context) (*PullStats, error) {
	recorded := 0 // versions this run recorded (once mode reports them delivered)
	for round := 1; ; round++ {
		res, pullErr := w.pullRound(ctx)
		recorded += res.Created + res.Updated
		d, dispErr := w.dispatch(ctx)
		w.st.Delivered = max(0, w.st.Created+w.st.Updated-w.st.Pending)
		if err := firstErr(pullErr, dispErr); err != nil {
			w.st.LastError = reason(err)
			if w.in.Once {
				w.setStatus(ctx, StatusFailed)
				return w.st, err
			}
			next := workflow.Now(ctx).Add(w.in.Interval)
			w.st.NextAttempt = &next
			w.setStatus(ctx, StatusRetrying)
		} else {
			w.st.LastError, w.st.NextAttempt = "", nil
			w.setStatus(ctx, w.runningStatus())
		}
		if w.in.Once {
			if res.CaughtUp && pullErr == nil && !d.More {
				if err := w.awaitDeliveries(ctx); err != nil {
					w.setStatus(ctx, StatusFailed)
					return w.st, err
				}
				w.st.Delivered = recorded
				break
			}
		} else if w.waitNextRound(ctx) {
			break
		}
		if w.historyFull(ctx, round) {
			w.drainSignals()
			w.st.Runs++
			w.in.Stats = w.st
			return nil, workflow.NewContinueAsNewError(ctx, OrderPull, w.in)
		}
	}
	status := StatusCompleted
	if w.st.Unresolved > 0 {
		status = StatusCompletedFailed
	}
	w.setStatus(ctx, status)
	return w.st, nil
}

func (w *orderPull) runningStatus() string {
	if w.st.Unresolved > 0 {
		return StatusRejections
	}
	return StatusRunning
}

func (w *orderPull) pullRound(ctx workflow.Context) (PullOrdersResult, error) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		HeartbeatTimeout:    2 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute, MaximumAttempts: 10,
			NonRetryableErrorTypes: nonRetryable,
		},
	})
	var res PullOrdersResult
	err := workflow.ExecuteActivity(actx, acts.PullOrders, PullOrdersInput{Shop: w.in.Shop, PullPolicy: w.in.PullPolicy, MaxWindows: 48}).Get(ctx, &res)
	w.st.Pulls++
	w.st.Seen += res.Seen
	w.st.Created += res.Created
	w.st.Updated += res.Updated
	w.st.Rejected += res.Rejected
	if err == nil {
		w.st.Unresolved = res.Unresolved
	}
	w.st.Calls += res.Calls
	if res.Newest.After(w.st.NewestOrder) {
		w.st.NewestOrder = res.Newest
	}
	if !w.st.NewestOrder.IsZero() {
		w.st.Lag = max(0, workflow.Now(ctx).Sub(w.st.NewestOrder))
	}
	w.st.Recent = recentFirst(res.Sample, w.st.Recent, maxSampleRejections)
	if !res.Cursor.IsZero() {
		w.st.Cursor = res.Cursor
	}
	return res, err
}

func (w *orderPull) dispatch(ctx workflow.Context) (DispatchResult, error) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Minute,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second, MaximumAttempts: 10,
			NonRetryableErrorTypes: nonRetryable,
		},
	})
	var d DispatchResult
	// A backlog (the ERP back after an outage) drains in a few calls a round.
	for i := 0; i == 0 || (d.More && i < maxDispatchesPerRound); i++ {
		if err := workflow.ExecuteActivity(actx, acts.DispatchDeliveries, DispatchInput{Shop: w.in.Shop}).Get(ctx, &d); err != nil {
			return d, err
		}
		w.st.Dispatched += d.Started
		w.st.Pending = d.Pending
	}
	return d, nil
}

// maxDispatchesPerRound bounds the dispatch calls of one round.
const maxDispatchesPerRound = 10

// awaitDeliveries waits (once mode) until the ERP has accepted every pending
// delivery of the shop, dispatching any that are left, checking at growing
// intervals so a long ERP outage costs little history.
func (w *orderPull) awaitDeliveries(ctx workflow.Context) error {
	wait := time.Second
	for w.st.Pending > 0 {
		if err := workflow.Sleep(ctx, wait); err != nil {
			return err
		}
		wait = min(2*wait, 30*time.Second)
		if _, err := w.dispatch(ctx); err != nil {
			return err
		}
	}
	return nil
}

// waitNextRound sleeps until the interval passes or a signal arrives; it
// reports whether a stop was asked for.
func (w *orderPull) waitNextRound(ctx workflow.Context) bool {
	timerCtx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	stopped := false
	sel := workflow.NewSelector(ctx)
	sel.AddFuture(workflow.NewTimer(timerCtx, w.in.Interval), func(workflow.Future) {})
	sel.AddReceive(w.pullNow, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, nil) })
	sel.AddReceive(w.stop, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, nil); stopped = true })
	sel.Select(ctx)
	return stopped || w.stop.ReceiveAsync(nil)
}

// drainSignals consumes buffered pull-now signals before continue-as-new (a
// new run pulls at once anyway). A stop is never buffered here: the round
// that received it has ended the workflow.
func (w *orderPull) drainSignals() {
	for w.pullNow.ReceiveAsync(nil) {
	}
}

// historyFull says when to continue as new: when Temporal suggests it, well
// before its event limits, or after a bounded number of rounds.
func (w *orderPull) historyFull(ctx workflow.Context, round int) bool {
	info := workflow.GetInfo(ctx)
	return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() > continueAsNewEvents || round >= maxRoundsPerRun
}

// maxRoundsPerRun bounds one run's rounds (and so its history) whatever the
// history length says.
const maxRoundsPerRun = 500

// recentFirst puts the newest reasons first, once each (the overlap re-reads
// the same rejected order every round), keeping at most n.
func recentFirst(newest, older []string, n int) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range append(append([]string(nil), newest...), older...) {
		if !seen[r] && len(out) < n {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}

// reason is an error's text for people: an activity's own message, not
// Temporal's "activity error (type: …)" wrapping.
func reason(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Message()
	}
	return err.Error()
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// ERPDelivery delivers one order revision (or refund case revision) to the
// ERP until the ERP accepts it, however long that takes. Attempts back off
// from 1 second to 5 minutes between them, in rounds of erpAttemptsPerRound
// server-side retries (no history per attempt); between rounds the
// workflow sleeps erpRoundPause on a durable timer and records the last
// error in its status, and after erpRoundsPerRun rounds it continues as
// new, so an ERP down for a week costs a bounded history. Only an error
// the ERP cannot fix by coming back (a delivery that no longer exists)
// ends it. Each attempt is visible on the pending activity in the Web UI.
func ERPDelivery(ctx workflow.Context, in ERPDeliveryInput) (*ERPDeliveryResult, error) {
	if in.DeliveryID == "" {
		return nil, temporal.NewNonRetryableApplicationError("erp delivery: delivery id is required", domain.EInvalid, nil)
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx,
		AttrChannel.ValueSet(in.Shop.Channel), AttrShop.ValueSet(in.Shop.Shop), AttrOrderID.ValueSet(in.OrderID),
		AttrSyncKind.ValueSet(KindERPDelivery), AttrSyncStatus.ValueSet(StatusWaitingERP)); err != nil {
		return nil, err
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute,
			MaximumAttempts: erpAttemptsPerRound, NonRetryableErrorTypes: nonRetryable,
		},
	})
	for round := 1; ; round++ {
		var res ERPDeliveryResult
		err := workflow.ExecuteActivity(actx, acts.DeliverToERP, in.DeliveryID).Get(ctx, &res)
		if err == nil {
			return &res, workflow.UpsertTypedSearchAttributes(ctx, AttrSyncStatus.ValueSet(StatusDelivered))
		}
		var appErr *temporal.ApplicationError
		if !errors.As(err, &appErr) || appErr.NonRetryable() || slices.Contains(nonRetryable, appErr.Type()) {
			_ = workflow.UpsertTypedSearchAttributes(ctx, AttrSyncStatus.ValueSet(StatusFailed))
			return nil, headline(err)
		}
		workflow.GetLogger(ctx).Warn("erp delivery: the ERP has not accepted it yet; trying on", "delivery", in.DeliveryID, "round", round, "error", headline(err).Error())
		if err := workflow.Sleep(ctx, erpRoundPause); err != nil {
			return nil, err
		}
		if round >= erpRoundsPerRun {
			return nil, workflow.NewContinueAsNewError(ctx, ERPDelivery, in)
		}
	}
}

// The rounds of ERPDelivery: 12 attempts (1 s doubling to 5 min: about 24
// minutes), then a 5-minute pause; 100 rounds (about two days) per run.
const (
	erpAttemptsPerRound = 12
	erpRoundPause       = 5 * time.Minute
	erpRoundsPerRun     = 100
)
