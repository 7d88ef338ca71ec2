package workflows

import (
	"context"
	"errors"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/syncctl/syncctl/domain"
)

// PriceSchedule switches a shop's time-boxed prices on and off by
// themselves: it sleeps on a durable timer until the next promotion of
// the shop's price rule starts or ends, then pushes the whole catalog to
// the shop (only the prices that changed cost a call, and each passes the
// guards like any other write). A changed configuration signals it
// (SignalReprice): it pushes at once and sets its timer again. It ends
// when no promotion of the shop starts or ends any more; the next change
// of the configuration starts it again. One per shop (PriceScheduleID).
func PriceSchedule(ctx workflow.Context, in PriceScheduleInput) (*PriceScheduleState, error) {
	if in.Shop.Channel == "" || in.Shop.Shop == "" {
		return nil, temporal.NewNonRetryableApplicationError("price schedule: shop channel and name are required", domain.EInvalid, nil)
	}
	st := in.State
	if st == nil {
		st = &PriceScheduleState{}
	}
	if err := workflow.SetQueryHandler(ctx, QueryProgress, func() (*PriceScheduleState, error) { return st, nil }); err != nil {
		return nil, err
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx,
		AttrChannel.ValueSet(in.Shop.Channel), AttrShop.ValueSet(in.Shop.Shop),
		AttrSyncKind.ValueSet(KindPriceSchedule), AttrSyncStatus.ValueSet(StatusScheduled)); err != nil {
		return nil, err
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
	})
	reprice := workflow.GetSignalChannel(ctx, SignalReprice)
	due := in.Due
	for round := 0; round < scheduleRoundsPerRun; round++ {
		for reprice.ReceiveAsync(nil) {
			due = true
		}
		if due {
			// A push that fails (the shop refuses our credentials, say) is
			// the push's to report; the schedule goes on to the next switch.
			if err := pushForPrices(ctx, in.Shop, st); err != nil {
				if temporal.IsCanceledError(err) {
					return st, err
				}
				st.LastError = err.Error()
			}
			due = false
		}
		var next NextPriceChange
		if err := workflow.ExecuteActivity(actx, acts.NextPriceChangeOf, in.Shop).Get(ctx, &next); err != nil {
			return st, err
		}
		if !next.Ok {
			if reprice.ReceiveAsync(nil) { // a change came in meanwhile
				due = true
				continue
			}
			st.Next = time.Time{}
			return st, workflow.UpsertTypedSearchAttributes(ctx, AttrSyncStatus.ValueSet(StatusCompleted))
		}
		st.Next = next.At
		timerCtx, cancel := workflow.WithCancel(ctx)
		timer := workflow.NewTimer(timerCtx, next.At.Sub(workflow.Now(ctx)))
		sel := workflow.NewSelector(ctx)
		sel.AddFuture(timer, func(workflow.Future) { due = true })
		sel.AddReceive(reprice, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, nil); due = true })
		sel.Select(ctx)
		cancel()
	}
	for reprice.ReceiveAsync(nil) {
		due = true
	}
	return st, workflow.NewContinueAsNewError(ctx, PriceSchedule, PriceScheduleInput{Shop: in.Shop, Due: due, State: st})
}

// scheduleRoundsPerRun bounds one run's history: two promotion switches a
// day make a year of rounds before a continue-as-new.
const scheduleRoundsPerRun = 500

// pushForPrices starts a push of every product to the shop as a child
// (abandoned when this run continues as new). A push of the shop already
// running may have priced its products before the switch: the schedule
// waits for it to end, then starts its own.
func pushForPrices(ctx workflow.Context, shop domain.ShopRef, st *PriceScheduleState) error {
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            CatalogPushID(shop),
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
	})
	for {
		child := workflow.ExecuteChildWorkflow(cctx, CatalogPushWorkflowName, CatalogPushInput{Shop: shop, All: true})
		err := child.GetChildWorkflowExecution().Get(ctx, nil)
		var running *temporal.ChildWorkflowExecutionAlreadyStartedError
		if errors.As(err, &running) {
			if err := workflow.Sleep(ctx, 30*time.Second); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		st.Pushes++
		st.LastPush = workflow.Now(ctx)
		return nil
	}
}

// NextPriceChange is when a shop's prices next change by themselves.
type NextPriceChange struct {
	At time.Time `json:"at"`
	Ok bool      `json:"ok"` // false: no promotion starts or ends any more
}

// NextPriceChangeOf reads the pricing policy in force: the first start or
// end of a promotion of the shop's rule after now.
func (a *Activities) NextPriceChangeOf(ctx context.Context, shop domain.ShopRef) (NextPriceChange, error) {
	at, ok := a.pricing().RuleFor(shop).NextChange(a.now())
	return NextPriceChange{At: at, Ok: ok}, nil
}

// PriceScheduleID is the id of a shop's price schedule:
// "price-schedule/tmall/flagship".
func PriceScheduleID(shop domain.ShopRef) string { return KindPriceSchedule + "/" + shop.String() }

// Reprice tells the shop's price schedule that the pricing changed (an
// edited configuration), starting it when it is not running: it pushes
// the shop's new prices and sets its timer again. queue is the base task
// queue of the shop's workers.
func Reprice(ctx context.Context, c client.Client, base string, shop domain.ShopRef) error {
	_, err := c.SignalWithStartWorkflow(ctx, PriceScheduleID(shop), SignalReprice, nil, client.StartWorkflowOptions{
		TaskQueue: ShopQueue(base, shop), WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	}, PriceScheduleWorkflowName, PriceScheduleInput{Shop: shop})
	return err
}

// EnsurePriceSchedule starts the shop's price schedule when the pricing
// policy has a promotion of the shop still to start or end (a worker's
// start), or joins the running one. It does not push.
func EnsurePriceSchedule(ctx context.Context, c client.Client, base string, shop domain.ShopRef) error {
	_, err := startOnQueue(ctx, c, ShopQueue(base, shop), PriceScheduleID(shop), PriceScheduleWorkflowName, PriceScheduleInput{Shop: shop})
	return err
}
