package workflows

import (
	"context"
	"fmt"
	"strconv"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping"
	"github.com/syncctl/syncctl/mapping/pricing"
)

// pricing is the configuration's pricing policy as it stands now (a
// running worker picks up a changed file); the zero Policy (list prices,
// no guard) without one.
func (a *Activities) pricing() pricing.Policy {
	if a.Pricing == nil {
		return pricing.Policy{}
	}
	return a.Pricing()
}

// offer is what the shop offers now: the price rule of the shop at this
// moment (promotions included) and the stock allocation.
func (a *Activities) offer(at time.Time) mapping.Offer {
	pol := a.pricing()
	return mapping.Offer{
		Stock: a.Allocation,
		Price: func(shop domain.ShopRef, p domain.Product, s domain.SKU) domain.Money {
			price, _ := pol.RuleFor(shop).Price(p, s, at)
			return price
		},
	}
}

// guardPrices runs every price guard on the prices the plan would send,
// before anything is sent, and takes the held ones out of it. A write
// that fails a guard is recorded as a hold with its violations: blocked
// (a floor no approval may override) or awaiting approval, with its
// PriceApproval workflow started. The same write held before is that hold:
// approved, it goes out (a floor that binds now still blocks it);
// rejected or expired, it stays out. A write that passes ends the SKU's
// pending holds at other prices.
func (a *Activities) guardPrices(ctx context.Context, plan *mapping.PushPlan) ([]HeldPrice, error) {
	writes := plan.PriceWrites()
	if len(writes) == 0 {
		return nil, nil
	}
	pol := a.pricing()
	held := map[string]domain.PriceHold{}
	for _, w := range writes {
		live, err := a.Store.LivePrices(ctx, w.SKU.Code)
		if err != nil {
			return nil, err
		}
		vs := pol.CheckWrite(plan.Product, w.SKU, plan.Shop, w.Old, w.Price, live)
		verdict := pricing.Verdict(vs)
		if verdict == pricing.Pass {
			ids, err := a.Store.SupersedeHolds(ctx, plan.Shop, w.SKU.Code, w.Price)
			if err != nil {
				return nil, err
			}
			a.endApprovals(ctx, ids)
			continue
		}
		h := domain.PriceHold{Shop: plan.Shop, SKUCode: w.SKU.Code, ProductCode: plan.Product.Code, Old: w.Old, Price: w.Price,
			Violations: vs, Status: domain.HoldPending, CreatedAt: a.now(), ExpiresAt: a.now().Add(pol.ApprovalExpiry())}
		if verdict == pricing.Block {
			h.Status, h.ExpiresAt = domain.HoldBlocked, time.Time{}
		}
		got, created, superseded, err := a.Store.RecordHold(ctx, h)
		if err != nil {
			return nil, err
		}
		a.endApprovals(ctx, superseded)
		if got.Status == domain.HoldApproved && verdict != pricing.Block {
			continue // an operator approved this very write
		}
		if created && got.Status == domain.HoldPending {
			if err := a.startApproval(ctx, got); err != nil {
				return nil, err
			}
		}
		held[w.SKU.Code] = got
	}
	plan.Withhold(held)
	out := make([]HeldPrice, 0, len(held))
	for _, w := range writes {
		if h, ok := held[w.SKU.Code]; ok {
			out = append(out, HeldPrice{SKU: h.SKUCode, Price: h.Price, Hold: h.ID, Status: h.Status, Reason: h.Reason()})
		}
	}
	return out, nil
}

// startApproval starts the hold's PriceApproval workflow on this worker's
// queue (the shop's), or joins the running one.
func (a *Activities) startApproval(ctx context.Context, h domain.PriceHold) error {
	if a.Temporal == nil {
		return domain.Errorf(domain.EInternal, "price approval: this worker has no Temporal client")
	}
	_, err := a.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: PriceApprovalID(h.ID), TaskQueue: activity.GetInfo(ctx).TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		// Listed as awaiting approval from its start (the workflow sets the
		// same when it first runs), not only once a worker has taken it.
		TypedSearchAttributes: temporal.NewSearchAttributes(
			AttrChannel.ValueSet(h.Shop.Channel), AttrShop.ValueSet(h.Shop.Shop),
			AttrSyncKind.ValueSet(KindPriceApproval), AttrSyncStatus.ValueSet(StatusAwaitingApproval)),
	}, PriceApprovalWorkflowName, PriceApprovalInput{Hold: h, ApproveOnExpiry: a.pricing().Approvals.ApproveOnExpiry})
	if err != nil {
		return domain.Errorf(domain.EUnavailable, "start approval of hold #%d: %v", h.ID, err)
	}
	return nil
}

// endApprovals tells the approvals of superseded holds that nothing is
// left to decide. Best effort: an approval told nothing finds its hold
// superseded when it is answered or expires.
func (a *Activities) endApprovals(ctx context.Context, ids []int64) {
	if a.Temporal == nil {
		return
	}
	for _, id := range ids {
		_ = a.Temporal.SignalWorkflow(ctx, PriceApprovalID(id), "", SignalSuperseded, nil)
	}
}

// PriceApproval waits for an operator's answer to one held price write:
// an Update (UpdateDecide) approves or rejects it; unanswered at ExpiresAt
// it expires (rejected, unless the configuration approves on expiry). The
// answer is recorded with who gave it and when; an approved write is sent
// at once by a push of its product on the shop. Its SyncStatus is
// awaiting-approval until then, so the Web UI lists every pending one.
func PriceApproval(ctx workflow.Context, in PriceApprovalInput) (*domain.PriceHold, error) {
	h := in.Hold
	if h.ID == 0 || h.Status != domain.HoldPending {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("price approval: hold #%d is %s, not pending", h.ID, h.Status), domain.EInvalid, nil)
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx,
		AttrChannel.ValueSet(h.Shop.Channel), AttrShop.ValueSet(h.Shop.Shop),
		AttrSyncKind.ValueSet(KindPriceApproval), AttrSyncStatus.ValueSet(StatusAwaitingApproval)); err != nil {
		return nil, err
	}
	if err := workflow.SetQueryHandler(ctx, QueryProgress, func() (domain.PriceHold, error) { return h, nil }); err != nil {
		return nil, err
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute,
			NonRetryableErrorTypes: nonRetryable},
	})
	decided := false
	decide := func(ctx workflow.Context, status domain.HoldStatus, by, note string) error {
		var got domain.PriceHold
		err := workflow.ExecuteActivity(actx, acts.DecideHold, DecideHoldInput{ID: h.ID, Status: status, By: by, Note: note, At: workflow.Now(ctx)}).Get(ctx, &got)
		if got.ID != 0 {
			h = got
		}
		decided = decided || got.Status.Final()
		if err != nil {
			return err
		}
		if status == domain.HoldApproved {
			// The approved write goes out now: a push of the product on the
			// shop, whose guard finds the approval.
			err = workflow.ExecuteActivity(actx, acts.PushApproved, h).Get(ctx, nil)
		}
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateDecide,
		func(ctx workflow.Context, d domain.HoldDecision) (*domain.PriceHold, error) {
			status := domain.HoldRejected
			if d.Approve {
				status = domain.HoldApproved
			}
			return &h, decide(ctx, status, d.By, d.Reason)
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, d domain.HoldDecision) error {
			switch {
			case decided:
				return fmt.Errorf("hold #%d is %s already (by %s)", h.ID, h.Status, h.DecidedBy)
			case d.By == "":
				return fmt.Errorf("hold #%d: who decides is required (by)", h.ID)
			case !d.Approve && d.Reason == "":
				return fmt.Errorf("hold #%d: a rejection needs a reason", h.ID)
			case d.Approve && h.Action() == domain.GuardBlock:
				return fmt.Errorf("hold #%d: a floor violation is never approved (pricing.floor.allow_override is off)", h.ID)
			}
			return nil
		}}); err != nil {
		return nil, err
	}
	superseded := false
	workflow.Go(ctx, func(ctx workflow.Context) {
		workflow.GetSignalChannel(ctx, SignalSuperseded).Receive(ctx, nil)
		superseded = true
	})
	wait := h.ExpiresAt.Sub(workflow.Now(ctx))
	if wait < 0 {
		wait = 0
	}
	answered, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return decided || superseded })
	if err != nil {
		return &h, err
	}
	if !answered {
		status, note := domain.HoldExpired, "nobody answered before "+h.ExpiresAt.In(pricing.ChinaTime()).Format("2006-01-02 15:04")+" (pricing.approvals.expire)"
		if in.ApproveOnExpiry {
			status = domain.HoldApproved
		}
		if err := decide(ctx, status, "expiry", note); err != nil && !decided {
			return &h, err
		}
	}
	if superseded && !decided {
		h.Status = domain.HoldSuperseded
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return &h, err
	}
	return &h, workflow.UpsertTypedSearchAttributes(ctx, AttrSyncStatus.ValueSet(string(h.Status)))
}

// DecideHoldInput is one answer to a hold, as the workflow records it.
type DecideHoldInput struct {
	ID     int64             `json:"id"`
	Status domain.HoldStatus `json:"status"`
	By     string            `json:"by"`
	Note   string            `json:"note,omitempty"`
	At     time.Time         `json:"at"`
}

// DecideHold records an answer. A hold decided or superseded meanwhile is
// returned as it stands with a conflict.
func (a *Activities) DecideHold(ctx context.Context, in DecideHoldInput) (domain.PriceHold, error) {
	h, err := a.Store.DecideHold(ctx, in.ID, in.Status, in.By, in.Note, in.At)
	if domain.ErrorCode(err) == domain.EConflict {
		return h, temporal.NewNonRetryableApplicationError(domain.Describe(err), domain.EConflict, nil, h)
	}
	return h, toTemporal(err)
}

// PushApproved pushes the product of an approved hold on its shop: the
// guard finds the approval and lets the price out (with whatever else of
// the product is due).
func (a *Activities) PushApproved(ctx context.Context, h domain.PriceHold) error {
	ch, err := a.Shops.Get(h.Shop)
	if err != nil {
		return toTemporal(err)
	}
	_, err = a.pushProduct(ctx, ch, h.Shop, h.ProductCode, func(step string) { activity.RecordHeartbeat(ctx, step) })
	return toTemporal(err)
}

// PriceApprovalID is the id of the approval of one hold: "price-approval/12".
func PriceApprovalID(holdID int64) string {
	return KindPriceApproval + "/" + strconv.FormatInt(holdID, 10)
}

// Decide answers a pending hold through its PriceApproval's Update and
// returns the hold as decided (an approved write has gone out by then). A
// hold that is not pending, a rejection without a reason and an approval
// of a floor violation are refused by the workflow, with the reason.
func Decide(ctx context.Context, c client.Client, holdID int64, d domain.HoldDecision) (domain.PriceHold, error) {
	var h domain.PriceHold
	handle, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: PriceApprovalID(holdID), UpdateName: UpdateDecide, Args: []any{d},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return h, err
	}
	err = handle.Get(ctx, &h)
	return h, err
}
