package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
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
func CatalogPush(ctx workflow.Context, in CatalogPushInput) (*PushProgress, error) {
	w, err := newCatalogPush(ctx, in)
	if err != nil {
		return nil, err
	}
	return w.run(ctx)
}

type catalogPush struct {
	in CatalogPushInput
	p  *PushProgress
}

func newCatalogPush(ctx workflow.Context, in CatalogPushInput) (*catalogPush, error) {
	if in.Shop.Channel == "" || in.Shop.Shop == "" {
		return nil, temporal.NewNonRetryableApplicationError("catalog push: shop channel and name are required", "invalid", nil)
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
			_ = workflow.UpsertTypedSearchAttributes(ctx, AttrSyncStatus.ValueSet(StatusFailed))
			return w.p, err
		}
		w.in.Cursor = codes[len(codes)-1]
		if info := workflow.GetInfo(ctx); info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() > continueAsNewEvents {
			w.p.Runs++
			w.in.Progress = w.p
			return nil, workflow.NewContinueAsNewError(ctx, CatalogPush, w.in)
		}
	}
	w.p.Done = true
	status := StatusCompleted
	if w.p.Failed > 0 {
		status = StatusCompletedFailed
	}
	log.Info("catalog push done", "pushed", w.p.Pushed, "failed", w.p.Failed, "calls", w.p.Calls)
	return w.p, workflow.UpsertTypedSearchAttributes(ctx, AttrSyncStatus.ValueSet(status))
}

// pushPage pushes one page of codes in chunks, at most Parallel at a time.
func (w *catalogPush) pushPage(ctx workflow.Context, codes []string) error {
	actx := pushCtx(ctx)
	var inflight []workflow.Future
	var firstErr error
	collect := func(f workflow.Future) {
		var r PushProductsResult
		err := f.Get(ctx, &r)
		w.p.Pushed += r.Pushed
		w.p.SKUs += r.SKUs
		w.p.Calls += r.Calls
		w.p.Failed += len(r.Failures)
		for _, f := range r.Failures {
			if len(w.p.Failures) < MaxReportedFailures {
				w.p.Failures = append(w.p.Failures, f)
			}
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	for start := 0; start < len(codes); start += w.in.ChunkSize {
		end := min(start+w.in.ChunkSize, len(codes))
		chunk := PushProductsInput{Shop: w.in.Shop, Codes: codes[start:end]}
		inflight = append(inflight, workflow.ExecuteActivity(actx, acts.PushProducts, chunk))
		if len(inflight) >= w.in.Parallel {
			collect(inflight[0])
			inflight = inflight[1:]
		}
	}
	for _, f := range inflight {
		collect(f)
	}
	var appErr *temporal.ApplicationError
	if errors.As(firstErr, &appErr) && appErr.Type() != "auth" {
		// Not a shop-wide failure: the chunk's products stay changed and
		// are retried by the next push; this push goes on with the rest.
		w.p.Failed++
		if len(w.p.Failures) < MaxReportedFailures {
			w.p.Failures = append(w.p.Failures, ItemFailure{Product: "(chunk)", Code: appErr.Type(), Reason: appErr.Error()})
		}
		return nil
	}
	return firstErr
}

func storeCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second},
	})
}

// pushCtx retries a throttled or unavailable channel for up to an hour of
// attempts with backoff (the platform's own ban length wins when it says).
func pushCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Minute,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 2 * time.Minute, MaximumAttempts: 30,
			NonRetryableErrorTypes: []string{"invalid", "auth", "not_found", "conflict"},
		},
	})
}
