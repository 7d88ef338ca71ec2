package workflows

import (
	"context"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/shopgate"
	"github.com/syncctl/syncctl/domain"
)

// ReviewWatch follows a shop's products through platform review (WeChat
// 微信小店, Douyin): every Poll it asks the platform about each product still
// in review and records the outcome on its listings, until none is left.
// One per shop; the catalog push starts it or joins the running one. A
// rejected product keeps the platform's reason in last_error and is pushed
// again when its content changes.
func ReviewWatch(ctx workflow.Context, in ReviewWatchInput) (*ReviewStats, error) {
	if in.Shop.Channel == "" || in.Shop.Shop == "" {
		return nil, temporal.NewNonRetryableApplicationError("review watch: shop channel and name are required", domain.EInvalid, nil)
	}
	if in.Poll <= 0 {
		in.Poll = 5 * time.Minute
	}
	st := in.Stats
	if st == nil {
		st = &ReviewStats{}
	}
	if err := workflow.SetQueryHandler(ctx, QueryProgress, func() (*ReviewStats, error) { return st, nil }); err != nil {
		return nil, err
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx,
		AttrChannel.ValueSet(in.Shop.Channel), AttrShop.ValueSet(in.Shop.Shop),
		AttrSyncKind.ValueSet(KindReviewWatch), AttrSyncStatus.ValueSet(StatusWaitingReview)); err != nil {
		return nil, err
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		HeartbeatTimeout:    2 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute,
			NonRetryableErrorTypes: nonRetryable},
	})
	for round := 1; ; round++ {
		var r ReviewCheck
		if err := workflow.ExecuteActivity(actx, acts.RefreshReviews, in.Shop).Get(ctx, &r); err != nil {
			_ = workflow.UpsertTypedSearchAttributes(ctx, AttrSyncStatus.ValueSet(StatusFailed))
			return st, err
		}
		st.Checks++
		st.Approved += r.Approved
		st.Rejected += r.Rejected
		st.InReview = r.InReview
		if in.Pool && r.Approved+r.Rejected > 0 {
			var ps PoolSync
			if err := workflow.ExecuteActivity(poolCtx(ctx), acts.SyncPromotionPool, in.Shop).Get(ctx, &ps); err != nil {
				_ = workflow.UpsertTypedSearchAttributes(ctx, AttrSyncStatus.ValueSet(StatusFailed))
				return st, err
			}
			st.PoolJoined += ps.Joined
		}
		if r.InReview == 0 {
			break
		}
		if err := workflow.Sleep(ctx, in.Poll); err != nil {
			return st, err
		}
		if info := workflow.GetInfo(ctx); info.GetContinueAsNewSuggested() || round >= maxRoundsPerRun {
			st.Runs++
			in.Stats = st
			return nil, workflow.NewContinueAsNewError(ctx, ReviewWatch, in)
		}
	}
	status := StatusCompleted
	if st.Rejected > 0 {
		status = StatusCompletedFailed
	}
	return st, workflow.UpsertTypedSearchAttributes(ctx, AttrSyncStatus.ValueSet(status))
}

// ReviewCheck counts one pass over the listings in review (in SKUs).
type ReviewCheck struct {
	Approved int `json:"approved"`
	Rejected int `json:"rejected"`
	InReview int `json:"in_review"`
	Calls    int `json:"calls"`
}

// RefreshReviews asks the platform about every product of the shop still in
// review (one call per product) and records each outcome on its listings.
func (a *Activities) RefreshReviews(ctx context.Context, shop domain.ShopRef) (res ReviewCheck, _ error) {
	ctx, calls := shopgate.WithCounter(ctx)
	defer func() { res.Calls = calls.Sent() }()
	ch, err := a.Shops.Get(shop)
	if err != nil {
		return res, toTemporal(err)
	}
	tracker, ok := ch.(connectors.ReviewTracker)
	if !ok {
		return res, nil // the platform reports no review: nothing to follow
	}
	after := ""
	for {
		page, err := a.Store.ListingsInStatus(ctx, shop, domain.ListingInReview, after, 200)
		if err != nil {
			return res, toTemporal(err)
		}
		if len(page) == 0 {
			return res, nil
		}
		after = page[len(page)-1].SKUCode
		byItem := map[string][]domain.ChannelListing{}
		var items []string
		for _, l := range page {
			if _, seen := byItem[l.ItemID]; !seen {
				items = append(items, l.ItemID)
			}
			byItem[l.ItemID] = append(byItem[l.ItemID], l)
		}
		for _, item := range items {
			ls := byItem[item]
			activity.RecordHeartbeat(ctx, item)
			ids := connectors.ProductIDs{ItemID: item, SKUIDs: map[string]string{}}
			for _, l := range ls {
				ids.SKUIDs[l.SKUCode] = l.PlatformSKUID
			}
			status, reason, err := tracker.ReviewStatus(ctx, ids)
			if err != nil {
				return res, toTemporal(err)
			}
			switch status {
			case domain.ListingInReview:
				res.InReview += len(ls)
				continue
			case domain.ListingRejected:
				res.Rejected += len(ls)
			default:
				res.Approved += len(ls)
			}
			for i := range ls {
				ls[i].Status, ls[i].LastError = status, reason
			}
			if err := a.Store.SaveListings(ctx, ls); err != nil {
				return res, toTemporal(err)
			}
		}
	}
}

// StartReviewWatch starts the shop's ReviewWatch, or joins the running one.
func (a *Activities) StartReviewWatch(ctx context.Context, in ReviewWatchInput) error {
	shop := in.Shop
	if a.Temporal == nil {
		return toTemporal(domain.Errorf(domain.EInternal, "review watch: this worker has no Temporal client"))
	}
	_, err := a.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: ReviewWatchID(shop), TaskQueue: activity.GetInfo(ctx).TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	}, ReviewWatchWorkflowName, in)
	if err != nil {
		return toTemporal(domain.Errorf(domain.EUnavailable, "start review watch of %s: %v", shop, err))
	}
	return nil
}
