package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/syncctl/syncctl/domain"
)

// continueAsNewEvents bounds history before a long workflow starts afresh
// (Temporal warns at 10k events / 10 MiB; stay far below).
const continueAsNewEvents = 4000

// acts is a nil *Activities: workflow code names activities by method
// (acts.PushProducts) without holding their dependencies.
var acts *Activities

// CatalogPush pushes every changed product of the catalog to one shop. It
// pages through product codes the store reports as changed (a cursor, never
// the catalog itself), fans each page out to push activities in chunks, and
// continues as new before history grows large. Its progress is queryable.
// Products the platform is still reviewing are handed to the shop's
// ReviewWatch, so the push itself ends when everything is written.
func CatalogPush(ctx workflow.Context, in CatalogPushInput) (*PushProgress, error) {
	w, err := newCatalogPush(ctx, in)
	if err != nil {
		return nil, err
	}
	p, err := w.run(ctx)
	if err != nil && !workflow.IsContinueAsNewError(err) {
		_ = workflow.UpsertTypedSearchAttributes(ctx, AttrSyncStatus.ValueSet(StatusFailed))
	}
	return p, err
}

type catalogPush struct {
	in      CatalogPushInput
	p       *PushProgress
	authErr error // set by the first chunk that failed on credentials: the push stops
}

func newCatalogPush(ctx workflow.Context, in CatalogPushInput) (*catalogPush, error) {
	if in.Shop.Channel == "" || in.Shop.Shop == "" {
		return nil, temporal.NewNonRetryableApplicationError("catalog push: shop channel and name are required", domain.EInvalid, nil)
	}
	if in.BatchSize <= 0 {
		in.BatchSize = 100
	}
	if in.ChunkSize <= 0 {
		in.ChunkSize = 10
	}
	if in.Parallel <= 0 {
		in.Parallel = 4
	}
	w := &catalogPush{in: in, p: in.Progress}
	if w.p == nil {
		w.p = &PushProgress{Shop: in.Shop, StartedAt: workflow.Now(ctx)}
	}
	if err := workflow.SetQueryHandler(ctx, QueryProgress, func() (*PushProgress, error) { return w.p, nil }); err != nil {
		return nil, err
	}
	return w, workflow.UpsertTypedSearchAttributes(ctx,
		AttrChannel.ValueSet(in.Shop.Channel), AttrShop.ValueSet(in.Shop.Shop),
		AttrSyncKind.ValueSet(KindCatalogPush), AttrSyncStatus.ValueSet(StatusRunning))
}

func (w *catalogPush) run(ctx workflow.Context) (*PushProgress, error) {
	log := workflow.GetLogger(ctx)
	var shop ShopInfo
	if err := workflow.ExecuteActivity(storeCtx(ctx), acts.DescribeShop, w.in.Shop).Get(ctx, &shop); err != nil {
		return w.p, err
	}
	if w.p.Runs == 0 && w.in.Cursor == "" {
		if err := workflow.ExecuteActivity(storeCtx(ctx), acts.CountChangedProducts, w.in.Shop).Get(ctx, &w.p.Total); err != nil {
			return w.p, err
		}
		log.Info("catalog push starting", "shop", w.in.Shop.String(), "changed", w.p.Total)
	}
	for {
		var codes []string
		next := NextChangedInput{Shop: w.in.Shop, After: w.in.Cursor, Limit: w.in.BatchSize}
		if err := workflow.ExecuteActivity(storeCtx(ctx), acts.NextChangedProducts, next).Get(ctx, &codes); err != nil {
			return w.p, err
		}
		if len(codes) == 0 {
			break
		}
		if err := w.pushPage(ctx, codes); err != nil {
			return w.p, err
		}
		w.in.Cursor = codes[len(codes)-1]
		if info := workflow.GetInfo(ctx); info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() > continueAsNewEvents {
			w.p.Runs++
			w.in.Progress = w.p
			return nil, workflow.NewContinueAsNewError(ctx, CatalogPush, w.in)
		}
	}
	if w.p.InReview > 0 && shop.ReviewTracker {
		if err := workflow.ExecuteActivity(storeCtx(ctx), acts.StartReviewWatch, ReviewWatchInput{Shop: w.in.Shop, Poll: w.in.ReviewPoll}).Get(ctx, nil); err != nil {
			return w.p, err
		}
	}
	w.p.Done = true
	status := StatusCompleted
	switch {
	case w.p.Failed > 0:
		status = StatusCompletedFailed
	case w.p.InReview > 0:
		status = StatusWaitingReview
	}
	log.Info("catalog push done", "pushed", w.p.Pushed, "failed", w.p.Failed, "in_review", w.p.InReview, "calls", w.p.Calls)
	return w.p, workflow.UpsertTypedSearchAttributes(ctx, AttrSyncStatus.ValueSet(status))
}

// pushPage pushes one page of codes in chunks, at most Parallel at a time. A
// chunk whose activity runs out of retries is settled product by product
// (some may have been pushed by an earlier attempt) and the push goes on
// with the rest; bad credentials stop it, for every chunk would fail alike.
func (w *catalogPush) pushPage(ctx workflow.Context, codes []string) error {
	actx := pushCtx(ctx)
	type inflight struct {
		f     workflow.Future
		codes []string
	}
	var queue []inflight
	collect := func(c inflight) error {
		var r PushProductsResult
		err := c.f.Get(ctx, &r)
		if err != nil {
			var appErr *temporal.ApplicationError
			if errors.As(err, &appErr) && appErr.Type() == domain.EAuth {
				if w.authErr == nil {
					w.authErr = err
				}
				return nil
			}
			reason, code := err.Error(), domain.EUnavailable
			if appErr != nil {
				reason, code = appErr.Message(), appErr.Type()
			}
			if serr := workflow.ExecuteActivity(storeCtx(ctx), acts.SettleFailedChunk,
				SettleChunkInput{Shop: w.in.Shop, Codes: c.codes, Code: code, Reason: reason}).Get(ctx, &r); serr != nil {
				return serr
			}
		}
		w.add(r)
		return nil
	}
	for start := 0; start < len(codes) && w.authErr == nil; start += w.in.ChunkSize {
		chunk := codes[start:min(start+w.in.ChunkSize, len(codes))]
		queue = append(queue, inflight{workflow.ExecuteActivity(actx, acts.PushProducts, PushProductsInput{Shop: w.in.Shop, Codes: chunk}), chunk})
		if len(queue) >= w.in.Parallel {
			if err := collect(queue[0]); err != nil {
				return err
			}
			queue = queue[1:]
		}
	}
	for _, c := range queue {
		if err := collect(c); err != nil {
			return err
		}
	}
	return w.authErr
}

func (w *catalogPush) add(r PushProductsResult) {
	w.p.Pushed += r.Pushed
	w.p.InReview += r.InReview
	w.p.SKUs += r.SKUs
	w.p.Calls += r.Calls
	w.p.Failed += len(r.Failures)
	for _, f := range r.Failures {
		if len(w.p.Failures) < MaxReportedFailures {
			w.p.Failures = append(w.p.Failures, f)
		}
	}
}

func storeCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second,
			NonRetryableErrorTypes: nonRetryable},
	})
}

// pushCtx retries a throttled or unavailable channel with backoff for up to
// a day (the platform's own ban length wins when it says), so a channel that
// is down for hours delays its push instead of failing it. The heartbeat
// timeout is above the longest single platform call (connectors/httpx bounds
// it at about a minute), so a live attempt is never declared dead mid-call.
func pushCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		ScheduleToCloseTimeout: 24 * time.Hour,
		StartToCloseTimeout:    30 * time.Minute,
		HeartbeatTimeout:       2 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 2 * time.Minute,
			NonRetryableErrorTypes: nonRetryable,
		},
	})
}
