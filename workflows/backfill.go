package workflows

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/syncctl/syncctl/connectors/shopgate"
	"github.com/syncctl/syncctl/domain"
)

// OrderBackfill re-reads a shop's orders modified in [From, To), window by
// window within the platform's window and look-back limits, without moving
// the shop's pull cursor: orders a platform indexed late, or a range
// an outage or a time-zone error made the pulls skip. Every order goes
// through the same dedupe as the pulls (one order per shop and platform
// order id; only a newer platform modification time is a new version), so
// the ERP gets what it missed and nothing twice, even with the pull and
// push messages running at once. Its position is durable: a worker that
// dies resumes at the window it was in. One per shop and range
// (OrderBackfillID).
func OrderBackfill(ctx workflow.Context, in OrderBackfillInput) (*BackfillProgress, error) {
	if in.Shop.Channel == "" || in.Shop.Shop == "" || !in.To.After(in.From) {
		return nil, temporal.NewNonRetryableApplicationError("order backfill: a shop and a range whose end is after its start are required", domain.EInvalid, nil)
	}
	p := in.Progress
	if p == nil {
		p = &BackfillProgress{Shop: in.Shop, From: in.From, To: in.To, At: in.From}
	}
	if err := workflow.SetQueryHandler(ctx, QueryProgress, func() (*BackfillProgress, error) { return p, nil }); err != nil {
		return nil, err
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, AttrChannel.ValueSet(in.Shop.Channel), AttrShop.ValueSet(in.Shop.Shop),
		AttrSyncKind.ValueSet(KindOrderBackfill), AttrSyncStatus.ValueSet(StatusRunning)); err != nil {
		return nil, err
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute, HeartbeatTimeout: 2 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute,
			NonRetryableErrorTypes: nonRetryable},
	})
	for rounds := 0; p.At.Before(p.To); rounds++ {
		var r BackfillResult
		if err := workflow.ExecuteActivity(actx, acts.BackfillOrders, BackfillOrdersInput{Shop: in.Shop, From: p.At, To: p.To, Window: in.Window, MaxWindows: 24}).Get(ctx, &r); err != nil {
			_ = workflow.UpsertTypedSearchAttributes(ctx, AttrSyncStatus.ValueSet(StatusFailed))
			return p, err
		}
		p.At = r.At
		p.Windows += r.Windows
		p.Seen += r.Seen
		p.Created += r.Created
		p.Updated += r.Updated
		p.Rejected += r.Rejected
		p.Calls += r.Calls
		var d DispatchResult
		if err := workflow.ExecuteActivity(storeCtx(ctx), acts.DispatchDeliveries, DispatchInput{Shop: in.Shop}).Get(ctx, &d); err != nil {
			return p, err
		}
		p.Dispatched += d.Started
		if rounds >= 200 {
			in.Progress = p
			return nil, workflow.NewContinueAsNewError(ctx, OrderBackfill, in)
		}
	}
	p.Done = true
	return p, workflow.UpsertTypedSearchAttributes(ctx, AttrSyncStatus.ValueSet(StatusCompleted))
}

// BackfillOrdersInput is one activity's share of a backfill.
type BackfillOrdersInput struct {
	Shop       domain.ShopRef `json:"shop"`
	From       time.Time      `json:"from"`
	To         time.Time      `json:"to"`
	Window     time.Duration  `json:"window,omitempty"`
	MaxWindows int            `json:"max_windows"`
}

// BackfillResult is what one activity read, and where the next starts.
type BackfillResult struct {
	At       time.Time `json:"at"`
	Windows  int       `json:"windows"`
	Seen     int       `json:"seen"`
	Created  int       `json:"created"`
	Updated  int       `json:"updated"`
	Rejected int       `json:"rejected"`
	Calls    int       `json:"calls"`
}

// BackfillOrders reads windows of the range from From on (each at most the
// platform's window; a range older than the platform's look-back is
// refused, naming the limit), stores every order through the pulls' dedupe
// and returns where it stopped. The shop's cursor does not move.
func (a *Activities) BackfillOrders(ctx context.Context, in BackfillOrdersInput) (BackfillResult, error) {
	ctx, calls := shopgate.WithCounter(ctx)
	res := BackfillResult{At: in.From}
	defer func() { res.Calls = calls.Sent() }()
	ch, err := a.Shops.Get(in.Shop)
	if err != nil {
		return res, toTemporal(err)
	}
	caps := ch.Capabilities()
	if caps.OrderLookback > 0 && in.From.Before(a.now().Add(-caps.OrderLookback)) {
		return res, toTemporal(domain.Errorf(domain.EInvalid, "backfill of %s from %s: %s keeps orders for %s only; start at %s or later",
			in.Shop, in.From.Format(time.RFC3339), in.Shop.Channel, caps.OrderLookback, a.now().Add(-caps.OrderLookback).Format(time.RFC3339)))
	}
	window := in.Window
	if window <= 0 {
		window = domain.DefaultPullPolicy().Window
	}
	if caps.OrderWindowMax > 0 && window > caps.OrderWindowMax {
		window = caps.OrderWindowMax
	}
	var pr PullOrdersResult
	for res.Windows < max(in.MaxWindows, 1) && res.At.Before(in.To) {
		to := res.At.Add(window)
		if to.After(in.To) {
			to = in.To
		}
		if err := a.pullWindow(ctx, ch, in.Shop, res.At, to, &pr); err != nil {
			res.Seen, res.Created, res.Updated, res.Rejected = pr.Seen, pr.Created, pr.Updated, pr.Rejected
			return res, toTemporal(err)
		}
		res.At = to
		res.Windows++
		activity.RecordHeartbeat(ctx, res.At)
	}
	res.Seen, res.Created, res.Updated, res.Rejected = pr.Seen, pr.Created, pr.Updated, pr.Rejected
	return res, nil
}

// OrderBackfillID is the id of one backfill: "order-backfill/tmall/flagship/20261201T000000Z-20261202T000000Z".
func OrderBackfillID(shop domain.ShopRef, from, to time.Time) string {
	const f = "20060102T150405Z"
	return fmt.Sprintf("%s/%s/%s-%s", KindOrderBackfill, shop, from.UTC().Format(f), to.UTC().Format(f))
}

// Backfill starts (or joins) the backfill of a range on the shop's queue
// under base.
func Backfill(ctx context.Context, c client.Client, base string, in OrderBackfillInput) (client.WorkflowRun, error) {
	return startOnQueue(ctx, c, ShopQueue(base, in.Shop), OrderBackfillID(in.Shop, in.From, in.To), OrderBackfillWorkflowName, in)
}
