package workflows

import (
	"context"
	"fmt"
	"sort"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/syncctl/syncctl/domain"
)

// ShopSync coalesces the ERP's changes for one shop: each accepted change
// signals the products it touched (SignalProducts); the workflow waits
// until the changes pause for Quiet, or until the oldest change not yet
// pushed is MaxDelay old, then pushes each product once, with whatever the
// catalog holds by then: a thousand stock changes of a SKU within a second
// are one push of its latest value, through the connector's own stock mode
// (absolute or delta) and every guard. Changes that arrive during a push
// wait for the next round, which starts as soon as the push ends if they
// are MaxDelay old by then: no change waits more than MaxDelay plus one
// push. It ends after idleEnd without changes; the next change starts it
// again. One per shop (ShopSyncID).
func ShopSync(ctx workflow.Context, in ShopSyncInput) (*ShopSyncState, error) {
	if in.Shop.Channel == "" || in.Shop.Shop == "" {
		return nil, temporal.NewNonRetryableApplicationError("shop sync: shop channel and name are required", domain.EInvalid, nil)
	}
	// Runs started before the deadline counted from the oldest change keep
	// the first rule (a round's window from its own start, 1 s / 5 s).
	fromOldest := workflow.GetVersion(ctx, versionShopSyncFromOldest, workflow.DefaultVersion, 1) >= 1
	quiet, maxDelay := DefaultSyncQuiet, DefaultSyncMaxDelay
	if !fromOldest {
		quiet, maxDelay = time.Second, 5*time.Second
	}
	if in.Quiet <= 0 {
		in.Quiet = quiet
	}
	if in.MaxDelay <= 0 {
		in.MaxDelay = maxDelay
	}
	st := in.State
	if st == nil {
		st = &ShopSyncState{}
	}
	if err := workflow.SetQueryHandler(ctx, QueryProgress, func() (*ShopSyncState, error) { return st, nil }); err != nil {
		return nil, err
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, AttrChannel.ValueSet(in.Shop.Channel), AttrShop.ValueSet(in.Shop.Shop),
		AttrSyncKind.ValueSet(KindShopSync), AttrSyncStatus.ValueSet(StatusRunning)); err != nil {
		return nil, err
	}
	pending := map[string]bool{}
	for _, c := range in.Pending {
		pending[c] = true
	}
	// oldest is when the oldest change not yet pushed arrived (a run
	// continued with pending changes counts them from its start).
	oldest := workflow.Now(ctx)
	ch := workflow.GetSignalChannel(ctx, SignalProducts)
	take := func(codes []string) {
		st.Changes++
		if len(pending) == 0 {
			oldest = workflow.Now(ctx)
		}
		for _, c := range codes {
			pending[c] = true
		}
	}
	drain := func() {
		var codes []string
		for ch.ReceiveAsync(&codes) {
			take(codes)
		}
	}
	for round := 0; round < scheduleRoundsPerRun; round++ {
		drain()
		if len(pending) == 0 {
			var codes []string
			got, err := receiveWithin(ctx, ch, &codes, idleEnd)
			if err != nil {
				return st, err
			}
			if !got {
				drain()
				if len(pending) == 0 {
					return st, workflow.UpsertTypedSearchAttributes(ctx, AttrSyncStatus.ValueSet(StatusCompleted))
				}
			} else {
				take(codes)
			}
		}
		// Coalesce: wait for a pause in the changes, until the oldest one
		// is MaxDelay old.
		deadline := oldest.Add(in.MaxDelay)
		if !fromOldest {
			deadline = workflow.Now(ctx).Add(in.MaxDelay)
		}
		for {
			wait := min(in.Quiet, deadline.Sub(workflow.Now(ctx)))
			if wait <= 0 {
				break
			}
			var codes []string
			got, err := receiveWithin(ctx, ch, &codes, wait)
			if err != nil {
				return st, err
			}
			if !got {
				break
			}
			take(codes)
		}
		codes := make([]string, 0, len(pending))
		for c := range pending {
			codes = append(codes, c)
		}
		sort.Strings(codes)
		pending = map[string]bool{}
		st.Pushes++
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID:            fmt.Sprintf("%s/%d", ShopSyncID(in.Shop), st.Base+st.Pushes),
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		})
		var p PushProgress
		if err := workflow.ExecuteChildWorkflow(cctx, CatalogPushWorkflowName, CatalogPushInput{Shop: in.Shop, Codes: codes}).Get(ctx, &p); err != nil {
			if temporal.IsCanceledError(err) {
				return st, err
			}
			// The push says why in its own history; the products stay in
			// the shop's change set for the next push, and this goes on.
			st.LastError = err.Error()
		}
		st.Products += len(codes)
		st.Calls += p.Calls
		st.Held += p.Held
		st.Failed += p.Failed
	}
	drain()
	next := make([]string, 0, len(pending))
	for c := range pending {
		next = append(next, c)
	}
	sort.Strings(next)
	st.Base += st.Pushes
	st.Pushes = 0
	in.Pending, in.State = next, st
	return st, workflow.NewContinueAsNewError(ctx, ShopSync, in)
}

// idleEnd is how long a ShopSync waits for the next change before it ends.
const idleEnd = 5 * time.Minute

// A ShopSync's coalescing window: a round pushes once the changes pause
// for DefaultSyncQuiet (an ERP's batch of requests arrives within it), or
// once the oldest change waiting is DefaultSyncMaxDelay old. A steady
// stream of changes therefore makes at most one push of a product per
// DefaultSyncMaxDelay plus a push, and no change waits longer.
const (
	DefaultSyncQuiet    = 250 * time.Millisecond
	DefaultSyncMaxDelay = 1500 * time.Millisecond
)

// versionShopSyncFromOldest marks runs whose coalescing deadline counts
// from the oldest change waiting (workflow.GetVersion).
const versionShopSyncFromOldest = "shop-sync-deadline-from-oldest-change"

// receiveWithin receives one signal within d: false when none came.
func receiveWithin(ctx workflow.Context, ch workflow.ReceiveChannel, into any, d time.Duration) (bool, error) {
	tctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	got := false
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(ch, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, into); got = true })
	sel.AddFuture(workflow.NewTimer(tctx, d), func(workflow.Future) {})
	sel.Select(ctx)
	return got, nil
}

// ShopSyncID is the id of a shop's coalescing workflow: "shop-sync/tmall/flagship".
func ShopSyncID(shop domain.ShopRef) string { return KindShopSync + "/" + shop.String() }

// SyncProducts signals the shop's ShopSync that products changed, starting
// it when it is not running, on the shop's queue under base.
func SyncProducts(ctx context.Context, c client.Client, base string, shop domain.ShopRef, codes []string) error {
	_, err := c.SignalWithStartWorkflow(ctx, ShopSyncID(shop), SignalProducts, codes, client.StartWorkflowOptions{
		TaskQueue: ShopQueue(base, shop), WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	}, ShopSyncWorkflowName, ShopSyncInput{Shop: shop})
	return err
}
