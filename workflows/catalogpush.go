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
	return p, headline(err)
}

// headline makes the real reason a failed workflow's headline in the Web
// UI and the CLI: an activity's error is returned as its own message and
// type (the activity failure stays its cause), not as "activity error".
func headline(err error) error {
	var actErr *temporal.ActivityError
	var appErr *temporal.ApplicationError
	if err == nil || !errors.As(err, &actErr) || !errors.As(err, &appErr) {
		return err
	}
	return temporal.NewNonRetryableApplicationError(appErr.Message(), appErr.Type(), err)
}

// versionPipelinedPush is the push whose chunks flow across pages: a
// push-wide pool of Parallel slots, the next page read while this one's
// chunks run, and DefaultPushChunk products a chunk. Before it, each page
// waited for its slowest chunk and then for the store before the next
// page began, with 10 products a chunk. Runs begun before it replay the
// old shape (GetVersion, once per run).
const versionPipelinedPush = "push-pipelined-chunks"

type catalogPush struct {
	in        CatalogPushInput
	p         *PushProgress
	status    string
	waiting   int   // chunks waiting to go again
	authErr   error // set by the first chunk that failed on credentials: the push stops
	pipelined bool  // versionPipelinedPush
	// The pipelined push's pool: slots taken by chunks in flight, and the
	// first error one of them returned.
	slots    workflow.Channel
	inFlight workflow.WaitGroup
	chunkErr error
}

func newCatalogPush(ctx workflow.Context, in CatalogPushInput) (*catalogPush, error) {
	if in.Shop.Channel == "" || in.Shop.Shop == "" {
		return nil, temporal.NewNonRetryableApplicationError("catalog push: shop channel and name are required", domain.EInvalid, nil)
	}
	pipelined := workflow.GetVersion(ctx, versionPipelinedPush, workflow.DefaultVersion, 1) == 1
	if in.BatchSize <= 0 {
		in.BatchSize = 100
	}
	if in.ChunkSize <= 0 {
		in.ChunkSize = 10
		if pipelined {
			in.ChunkSize = DefaultPushChunk
		}
	}
	if in.Parallel <= 0 {
		in.Parallel = DefaultPushParallel
	}
	w := &catalogPush{in: in, p: in.Progress, status: StatusRunning, pipelined: pipelined}
	if pipelined {
		w.slots, w.inFlight = workflow.NewBufferedChannel(ctx, in.Parallel), workflow.NewWaitGroup(ctx)
	}
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
	if len(w.in.Codes) > 0 {
		// Named products only (a reservation's start or end): no paging.
		if w.p.Runs == 0 {
			w.p.Total = len(w.in.Codes)
		}
		if err := w.pushPage(ctx, w.in.Codes); err != nil {
			return w.p, err
		}
		return w.finish(ctx, shop)
	}
	if w.p.Runs == 0 && w.in.Cursor == "" {
		count := workflow.ExecuteActivity(storeCtx(ctx), acts.CountChangedProducts, w.in.Shop)
		if w.in.All { // (a separate activity keeps the histories of earlier pushes replaying)
			count = workflow.ExecuteActivity(storeCtx(ctx), acts.CountPushTotal, w.in.Shop, true)
		}
		if err := count.Get(ctx, &w.p.Total); err != nil {
			return w.p, err
		}
		log.Info("catalog push starting", "shop", w.in.Shop.String(), "changed", w.p.Total)
	}
	if w.pipelined {
		return w.runPipelined(ctx, shop)
	}
	for {
		var codes []string
		next := NextChangedInput{Shop: w.in.Shop, After: w.in.Cursor, Limit: w.in.BatchSize, All: w.in.All}
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
	return w.finish(ctx, shop)
}

// runPipelined pages through the changed products with chunks in flight
// across pages: while a page's chunks run, the next page is read, and a
// chunk starts as soon as any slot is free. The cursor a new run starts
// from is the last code of a page whose chunks have all ended.
func (w *catalogPush) runPipelined(ctx workflow.Context, shop ShopInfo) (*PushProgress, error) {
	nextPage := func(after string) workflow.Future {
		in := NextChangedInput{Shop: w.in.Shop, After: after, Limit: w.in.BatchSize, All: w.in.All}
		return workflow.ExecuteActivity(storeCtx(ctx), acts.NextChangedProducts, in)
	}
	page := nextPage(w.in.Cursor)
	for {
		var codes []string
		if err := page.Get(ctx, &codes); err != nil {
			w.inFlight.Wait(ctx)
			if stop := w.stopped(); stop != nil {
				err = stop // (the read was in flight when a chunk stopped the push)
			}
			return w.p, err
		}
		if len(codes) == 0 {
			break
		}
		last := codes[len(codes)-1]
		page = nextPage(last) // (only an empty page ends the push: a page may come short of the limit)
		w.dispatch(ctx, codes)
		if err := w.stopped(); err != nil {
			w.inFlight.Wait(ctx)
			return w.p, err
		}
		if info := workflow.GetInfo(ctx); info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() > continueAsNewEvents {
			w.inFlight.Wait(ctx)
			if err := w.stopped(); err != nil {
				return w.p, err
			}
			_ = page.Get(ctx, nil) // the read in flight ends with this run; the next run reads again
			w.in.Cursor = last
			w.p.Runs++
			w.in.Progress = w.p
			return nil, workflow.NewContinueAsNewError(ctx, CatalogPush, w.in)
		}
		w.in.Cursor = last
	}
	w.inFlight.Wait(ctx)
	if err := w.stopped(); err != nil {
		return w.p, err
	}
	return w.finish(ctx, shop)
}

// dispatch starts a page's chunks, each once a slot is free (it returns
// when the last has started, or when the push stopped).
func (w *catalogPush) dispatch(ctx workflow.Context, codes []string) {
	for start := 0; start < len(codes) && w.stopped() == nil; start += w.in.ChunkSize {
		chunk := codes[start:min(start+w.in.ChunkSize, len(codes))]
		w.slots.Send(ctx, struct{}{}) // waits while Parallel chunks are in flight
		if w.stopped() != nil {
			w.slots.Receive(ctx, nil)
			return
		}
		w.inFlight.Add(1)
		workflow.Go(ctx, func(ctx workflow.Context) {
			defer w.inFlight.Done()
			defer w.slots.Receive(ctx, nil)
			if err := w.pushChunk(ctx, chunk); err != nil && w.chunkErr == nil {
				w.chunkErr = err
			}
		})
	}
}

// stopped is why the push stops: a chunk's error, or bad credentials.
func (w *catalogPush) stopped() error {
	if w.chunkErr != nil {
		return w.chunkErr
	}
	return w.authErr
}

// finish ends a push once every product went: the promotion pool, the
// review watch, the status.
func (w *catalogPush) finish(ctx workflow.Context, shop ShopInfo) (*PushProgress, error) {
	log := workflow.GetLogger(ctx)
	if shop.Pool {
		if err := workflow.ExecuteActivity(poolCtx(ctx), acts.SyncPromotionPool, w.in.Shop).Get(ctx, &w.p.Pool); err != nil {
			return w.p, err
		}
		w.p.Calls += w.p.Pool.Calls
	}
	if w.p.InReview > 0 && shop.ReviewTracker {
		if err := workflow.ExecuteActivity(storeCtx(ctx), acts.StartReviewWatch, ReviewWatchInput{Shop: w.in.Shop, Poll: w.in.ReviewPoll, Pool: shop.Pool}).Get(ctx, nil); err != nil {
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
	log.Info("catalog push done", "pushed", w.p.Pushed, "failed", w.p.Failed, "in_review", w.p.InReview, "removed", w.p.Removed, "calls", w.p.Calls)
	return w.p, workflow.UpsertTypedSearchAttributes(ctx, AttrSyncStatus.ValueSet(status))
}

// pushPage pushes one page of codes in chunks, at most Parallel at a time.
// Bad credentials stop it, for every chunk would fail alike.
func (w *catalogPush) pushPage(ctx workflow.Context, codes []string) error {
	slots := workflow.NewBufferedChannel(ctx, w.in.Parallel)
	wg := workflow.NewWaitGroup(ctx)
	var firstErr error
	for start := 0; start < len(codes) && w.authErr == nil && firstErr == nil; start += w.in.ChunkSize {
		chunk := codes[start:min(start+w.in.ChunkSize, len(codes))]
		slots.Send(ctx, struct{}{}) // waits while Parallel chunks are in flight
		wg.Add(1)
		workflow.Go(ctx, func(ctx workflow.Context) {
			defer wg.Done()
			defer slots.Receive(ctx, nil)
			if err := w.pushChunk(ctx, chunk); err != nil && firstErr == nil {
				firstErr = err
			}
		})
	}
	wg.Wait(ctx)
	if firstErr != nil {
		return firstErr
	}
	return w.authErr
}

// Chunk retries: the wait doubles from chunkRetryMin up to chunkRetryMax
// (the platform's announced wait wins when longer) and starts over when an
// attempt made progress; a chunk that made none for chunkGiveUp is settled
// as failed. About 150 retries a day per chunk keep a long outage's history
// within Temporal's limits.
const (
	chunkRetryMin = time.Second
	chunkRetryMax = 10 * time.Minute
	chunkGiveUp   = 24 * time.Hour
)

// pushChunk pushes one chunk until every code is dealt with. A throttled or
// unavailable channel ends an attempt with what it did (every call counted)
// and the chunk's rest goes again after a durable timer, while the progress
// query and SyncStatus say it is retrying, why and when. An activity that
// gives up (syncctl's own failure) is settled product by product.
func (w *catalogPush) pushChunk(ctx workflow.Context, codes []string) error {
	actx := pushCtx(ctx)
	wait, since := chunkRetryMin, workflow.Now(ctx)
	for len(codes) > 0 && w.authErr == nil {
		var r PushProductsResult
		if err := workflow.ExecuteActivity(actx, acts.PushProducts, PushProductsInput{Shop: w.in.Shop, Codes: codes}).Get(ctx, &r); err != nil {
			return w.settle(ctx, codes, err)
		}
		w.add(r)
		switch {
		case r.Abort != nil:
			if w.authErr == nil {
				w.authErr = temporal.NewNonRetryableApplicationError(r.Abort.Reason, r.Abort.Code, nil)
			}
			return nil
		case r.Retry == nil:
			return nil
		}
		codes = codes[min(r.Done, len(codes)):]
		if r.Done > 0 {
			wait, since = chunkRetryMin, workflow.Now(ctx)
		}
		if len(codes) == 0 {
			return nil
		}
		if workflow.Now(ctx).Sub(since) >= chunkGiveUp {
			return w.settleCodes(ctx, codes, r.Retry.Code, r.Retry.Reason)
		}
		delay := max(wait, r.Retry.After)
		wait = min(2*wait, chunkRetryMax)
		w.startWaiting(ctx, r.Retry.Reason, delay)
		err := workflow.Sleep(ctx, delay)
		w.stopWaiting(ctx)
		if err != nil {
			return err
		}
	}
	return nil
}

// settle accounts for a chunk whose activity ran out of retries: bad
// credentials stop the push; otherwise products the shop already shows as
// the catalog has them were pushed by an earlier attempt and the others
// are failures, with the reason on their listings.
func (w *catalogPush) settle(ctx workflow.Context, codes []string, err error) error {
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
	return w.settleCodes(ctx, codes, code, reason)
}

func (w *catalogPush) settleCodes(ctx workflow.Context, codes []string, code, reason string) error {
	var r PushProductsResult
	if err := workflow.ExecuteActivity(storeCtx(ctx), acts.SettleFailedChunk,
		SettleChunkInput{Shop: w.in.Shop, Codes: codes, Code: code, Reason: reason}).Get(ctx, &r); err != nil {
		return err
	}
	w.add(r)
	return nil
}

// startWaiting shows that a chunk waits for the channel: why and until when.
func (w *catalogPush) startWaiting(ctx workflow.Context, reason string, delay time.Duration) {
	w.waiting++
	w.p.Retries++
	next := workflow.Now(ctx).Add(delay)
	w.p.LastError, w.p.NextAttempt = reason, &next
	w.setStatus(ctx, StatusRetrying)
}

// stopWaiting ends a chunk's wait; when none waits, the push is running again.
func (w *catalogPush) stopWaiting(ctx workflow.Context) {
	w.waiting--
	if w.waiting == 0 {
		w.p.LastError, w.p.NextAttempt = "", nil
		w.setStatus(ctx, StatusRunning)
	}
}

// setStatus shows the push's state in the Web UI, writing only changes.
func (w *catalogPush) setStatus(ctx workflow.Context, status string) {
	if status != w.status {
		w.status = status
		_ = workflow.UpsertTypedSearchAttributes(ctx, AttrSyncStatus.ValueSet(status))
	}
}

func (w *catalogPush) add(r PushProductsResult) {
	w.p.Pushed += r.Pushed
	w.p.InReview += r.InReview
	w.p.SKUs += r.SKUs
	w.p.Removed += r.Removed
	w.p.OverSold += r.OverSold
	w.p.Held += r.Held
	for _, h := range r.Holds {
		if len(w.p.Holds) < MaxReportedFailures {
			w.p.Holds = append(w.p.Holds, h)
		}
	}
	w.p.Calls += r.Calls
	w.p.Throttled += r.Throttled
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

// poolCtx runs a promotion-pool pass: a throttled or failing platform is
// retried with backoff (each pass goes on where the last stopped).
func poolCtx(ctx workflow.Context) workflow.Context {
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

// pushCtx retries a push attempt that failed on syncctl's own side (the
// store) with backoff for up to a day; a throttled or unavailable channel is
// not an activity failure (see pushChunk). The heartbeat timeout is above the
// longest single platform call (connectors/httpx bounds it at about a
// minute), so a live attempt is never declared dead mid-call.
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
