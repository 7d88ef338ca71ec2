package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping"
	"github.com/syncctl/syncctl/sandbox/kit"
	"github.com/syncctl/syncctl/stack"
	"github.com/syncctl/syncctl/store"
	"github.com/syncctl/syncctl/workflows"
)

// throttleCodes are the codes each platform's sandbox answers a call over
// its quota with (and counts in its stats under): calls refused for quota.
var throttleCodes = map[string]string{
	"tmall": "7", "jd": "2", "douyin": "60000", "kuaishou": "1017", "vipshop": "vipapis.app-flow-overrun",
	"wechat_shop": "45011", "youzan": "4101", "fake": "42901",
}

// unpaced is the connector QPS of a shop whose sandbox enforces no quota:
// the shop gate never holds a call.
const unpaced = 1e9

// pushRun is what one measured push did.
type pushRun struct {
	SKUs, Products int
	Elapsed        time.Duration
	Served         int // calls the sandbox served
	Refused        int // calls it refused for quota
	Failed         int // products that failed
	History        historyStats
	Warnings       int           // Temporal limit warnings the server logged during the push
	RSS            float64       // peak MiB
	CPU            time.Duration // the process's CPU time during the push (server, sandbox and worker)
}

// cpuPer1000 is the CPU seconds the push took per 1 000 SKUs.
func (r pushRun) cpuPer1000() float64 { return r.CPU.Seconds() * 1000 / float64(max(r.SKUs, 1)) }

func (r pushRun) skusPerSecond() float64 { return float64(r.SKUs) / r.Elapsed.Seconds() }

// quota pushes SKUs to one shop whose sandbox enforces Q, with one worker
// and then with two (a second worker on the same store and queues).
func (e *env) quota(ctx context.Context) ([]Row, error) {
	var rows []Row
	for _, workers := range []int{1, 2} {
		e.say("quota: pushing %d SKUs at %g QPS with %d worker(s)", e.o.SKUs, e.o.QPS, workers)
		r, err := e.quotaPush(ctx, workers)
		if err != nil {
			return rows, fmt.Errorf("%d worker(s): %w", workers, err)
		}
		row := Row{Scenario: fmt.Sprintf("push at a quota, %d worker%s", workers, map[bool]string{true: "s"}[workers > 1]),
			Params: fmt.Sprintf("%s SKUs (%s SPUs × %d) to one %s shop, Q = %g QPS, %d chunks in flight", formatValue(float64(r.SKUs)),
				formatValue(float64(r.Products)), e.o.SKUsPerSPU, e.o.Platform, e.o.QPS, e.o.Parallel),
			Goal: "call rate ÷ Q ≥ 0.95, 0 refused"}
		use := float64(r.Served+r.Refused) / r.Elapsed.Seconds() / e.o.QPS
		row.add("SKUs/s", r.skusPerSecond(), "")
		row.add("quota use", use, "")
		row.add("calls", float64(r.Served), "")
		row.add("refused for quota", float64(r.Refused), "")
		row.add("peak RSS", r.RSS, "MiB")
		row.add("history events per 1 000 SKUs", float64(r.History.Events)*1000/float64(r.SKUs), "")
		row.add("largest payload", float64(r.History.LargestPayload), "B")
		row.add("elapsed", r.Elapsed.Seconds(), "s")
		row.judge(use >= 0.95 && r.Refused == 0 && r.Failed == 0, missedQuota(use, r))
		rows = append(rows, row)
	}
	return rows, nil
}

func missedQuota(use float64, r pushRun) string {
	switch {
	case r.Failed > 0:
		return fmt.Sprintf("%d products failed", r.Failed)
	case r.Refused > 0:
		return fmt.Sprintf("%d calls refused for quota", r.Refused)
	}
	return fmt.Sprintf("quota use %.2f", use)
}

func (e *env) quotaPush(ctx context.Context, workers int) (pushRun, error) {
	s, err := e.startStack(ctx, "quota", stack.Options{Platforms: []string{e.o.Platform}, SandboxQPS: e.o.QPS, ConnectorQPS: e.o.QPS})
	if err != nil {
		return pushRun{}, err
	}
	defer s.Close()
	for range workers - 1 {
		if _, err := s.AddWorker(); err != nil {
			return pushRun{}, err
		}
	}
	gen := catalog.GenerateOptions{SPUs: spus(e.o.SKUs, e.o.SKUsPerSPU), SKUsPerSPU: e.o.SKUsPerSPU, Seed: 1, Prefix: "Q"}
	if _, err := importGenerated(ctx, s.Store, gen, nil); err != nil {
		return pushRun{}, err
	}
	return e.temporalPush(ctx, s, workflows.CatalogPushInput{Parallel: e.o.Parallel})
}

// temporalPush runs a catalog push workflow on the stack's one sandbox
// shop and measures it: time, the sandbox's counts, the history, RSS. A
// push that wrote no SKU is an error.
func (e *env) temporalPush(ctx context.Context, s *stack.Stack, in workflows.CatalogPushInput) (pushRun, error) {
	r, err := e.temporalPushAllowEmpty(ctx, s, in)
	if err == nil && r.SKUs == 0 {
		err = fmt.Errorf("the push wrote no SKU (%d products failed)", r.Failed)
	}
	return r, err
}

// temporalPushAllowEmpty is temporalPush where writing nothing is the point.
func (e *env) temporalPushAllowEmpty(ctx context.Context, s *stack.Stack, in workflows.CatalogPushInput) (pushRun, error) {
	sb := s.Sandboxes[0]
	in.Shop = sb.Shop
	before, err := sb.Admin.Stats(ctx)
	if err != nil {
		return pushRun{}, err
	}
	warned := e.warnings.count()
	resetPeakRSS()
	cpu := cpuNow()
	t0 := time.Now()
	run, err := s.StartWorkflow(ctx, sb.Shop, workflows.CatalogPushID(sb.Shop), workflows.CatalogPushWorkflowName, in)
	if err != nil {
		return pushRun{}, err
	}
	// The first run's id, taken before Get: once the push continues as
	// new, the handle names its last run, and the history is read from
	// the first run on through every continuation.
	firstRun := run.GetRunID()
	var p workflows.PushProgress
	if err := run.Get(ctx, &p); err != nil {
		return pushRun{}, err
	}
	r := pushRun{SKUs: p.SKUs, Products: p.Pushed + p.Failed, Elapsed: time.Since(t0), Failed: p.Failed, RSS: peakRSS(), CPU: cpuNow().usedSince(cpu)}
	if r.Served, r.Refused, err = calls(ctx, sb, before); err != nil {
		return r, err
	}
	r.Warnings = e.warnings.count() - warned
	r.History, err = readHistory(ctx, e.client, run.GetID(), firstRun)
	if err == nil && p.Failed > 0 {
		err = fmt.Errorf("%d products failed, first: %+v", p.Failed, p.Failures[0])
	}
	return r, err
}

// calls are the calls a sandbox served and refused for quota since before.
func calls(ctx context.Context, sb *stack.Sandbox, before kit.StatsView) (served, refused int, err error) {
	st, err := sb.Admin.Stats(ctx)
	if err != nil {
		return 0, 0, err
	}
	for m, n := range st.Served {
		served += n - before.Served[m]
	}
	code := throttleCodes[sb.Platform.ID()]
	return served, st.Rejected[code] - before.Rejected[code], nil
}

// durability pushes the same catalog to two unthrottled shops of the same
// platform, through the CatalogPush workflow and through a direct loop over
// the same connector with as many goroutines as the push has chunks in
// flight; then reads the Temporal push at scale (history, payloads, RSS).
func (e *env) durability(ctx context.Context) ([]Row, error) {
	gen := catalog.GenerateOptions{SPUs: spus(e.o.UnthrottledSKUs, e.o.SKUsPerSPU), SKUsPerSPU: e.o.SKUsPerSPU, Seed: 2, Prefix: "D"}
	params := fmt.Sprintf("%s SKUs (%s SPUs × %d) to one %s shop, no quota, %d in flight", formatValue(float64(gen.SPUs*gen.SKUsPerSPU)),
		formatValue(float64(gen.SPUs)), gen.SKUsPerSPU, e.o.Platform, e.o.Parallel)
	open := func(name string) (*stack.Stack, error) {
		s, err := e.startStack(ctx, name, stack.Options{Platforms: []string{e.o.Platform}, ConnectorQPS: unpaced})
		if err != nil {
			return nil, err
		}
		if _, err := importGenerated(ctx, s.Store, gen, nil); err != nil {
			s.Close()
			return nil, err
		}
		return s, nil
	}

	e.say("durability: pushing %d SKUs through Temporal", gen.SPUs*gen.SKUsPerSPU)
	s, err := open("temporal")
	if err != nil {
		return nil, err
	}
	tr, err := e.temporalPush(ctx, s, workflows.CatalogPushInput{Parallel: e.o.Parallel})
	s.Close()
	if err != nil {
		return nil, fmt.Errorf("temporal push: %w", err)
	}
	scale := scaleRow(tr, params)

	e.say("durability: pushing %d SKUs through the direct loop", gen.SPUs*gen.SKUsPerSPU)
	s, err = open("direct")
	if err != nil {
		return nil, err
	}
	resetPeakRSS()
	dr, err := directPush(ctx, s, e.o.Parallel, false)
	dr.RSS = peakRSS()
	s.Close()
	if err != nil {
		return []Row{scale}, fmt.Errorf("direct loop: %w", err)
	}

	ratio := tr.skusPerSecond() / dr.skusPerSecond()
	cmp := Row{Scenario: "push: Temporal vs direct loop", Params: params, Goal: "Temporal ≥ 0.7 × direct"}
	cmp.add("Temporal SKUs/s", tr.skusPerSecond(), "")
	cmp.add("direct SKUs/s", dr.skusPerSecond(), "")
	cmp.add("ratio", ratio, "")
	cmp.add("Temporal calls/s", float64(tr.Served)/tr.Elapsed.Seconds(), "")
	cmp.add("direct calls/s", float64(dr.Served)/dr.Elapsed.Seconds(), "")
	cmp.add("Temporal CPU per 1 000 SKUs", tr.cpuPer1000(), "s")
	cmp.add("direct CPU per 1 000 SKUs", dr.cpuPer1000(), "s")
	cmp.add("direct peak RSS", dr.RSS, "MiB")
	cmp.judge(ratio >= 0.7 && tr.Failed == 0 && dr.Failed == 0, fmt.Sprintf("ratio %.2f", ratio))

	return []Row{cmp, scale}, nil
}

// scaleRow reads a Temporal push as the 1 000 000-SKU goal needs it: its
// history against Temporal's warning limits, and the peak RSS.
func scaleRow(tr pushRun, params string) Row {
	scale := Row{Scenario: "push at scale (the Temporal push of the row above)", Params: params,
		Goal: "1 000 000 SKUs: no Temporal limit warning, RSS < 512 MiB"}
	scale.add("SKUs", float64(tr.SKUs), "")
	scale.add("history events per 1 000 SKUs", float64(tr.History.Events)*1000/float64(tr.SKUs), "")
	scale.add("runs", float64(tr.History.Runs), "")
	scale.add("largest run", float64(tr.History.MaxRunEvents), "events")
	scale.add("largest run", float64(tr.History.MaxRunBytes)/1024, "KiB")
	scale.add("largest payload", float64(tr.History.LargestPayload), "B")
	scale.add("limit warnings", float64(tr.Warnings), "")
	scale.add("peak RSS", tr.RSS, "MiB")
	within := tr.Warnings == 0 && tr.History.withinLimits()
	switch {
	case tr.SKUs < 1_000_000 && within:
		scale.Result, scale.Note = NotRun, fmt.Sprintf("run at %s SKUs: within every limit; RSS at 1 000 000 not measured", formatValue(float64(tr.SKUs)))
	case tr.SKUs < 1_000_000:
		scale.judge(false, "a Temporal limit was reached below 1 000 000 SKUs")
	default:
		scale.judge(within && tr.RSS < 512, fmt.Sprintf("%d limit warnings, peak RSS %.0f MiB", tr.Warnings, tr.RSS))
	}
	return scale
}

// directPush pushes every product of the stack's catalog to its one
// sandbox shop with no Temporal: parallel goroutines each read a product
// and its listings, plan it (mapping.PlanProductPush, as the push activity
// does), call the connector's UpsertProduct, and record the listings. It
// takes no write lease and runs no price guard (there is no other writer
// and no pricing policy here). A throttle answer waits its RetryAfter and
// goes again. With fresh the shop is known to list nothing yet: the
// listings are not read (a set-up, not a measurement).
func directPush(ctx context.Context, s *stack.Stack, parallel int, fresh bool) (pushRun, error) {
	sb := s.Sandboxes[0]
	ch, err := s.Shops.Get(sb.Shop)
	if err != nil {
		return pushRun{}, err
	}
	var codes []string
	if err := store.EachProduct(ctx, s.Store, "", 0, func(p domain.Product) error {
		codes = append(codes, p.Code)
		return nil
	}); err != nil {
		return pushRun{}, err
	}
	before, err := sb.Admin.Stats(ctx)
	if err != nil {
		return pushRun{}, err
	}
	cpu := cpuNow()
	t0 := time.Now()
	work := make(chan string)
	var skus, failed atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for code := range work {
				n, err := pushOne(ctx, s.Store, ch, sb.Shop, code, fresh)
				if err != nil {
					failed.Add(1)
					once.Do(func() { firstErr = fmt.Errorf("product %s: %w", code, err) })
					continue
				}
				skus.Add(int64(n))
			}
		}()
	}
	for _, c := range codes {
		select {
		case work <- c:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	r := pushRun{SKUs: int(skus.Load()), Products: len(codes), Elapsed: time.Since(t0), Failed: int(failed.Load()), CPU: cpuNow().usedSince(cpu)}
	if r.Served, r.Refused, err = calls(ctx, sb, before); err != nil {
		return r, err
	}
	if ctx.Err() != nil {
		return r, ctx.Err()
	}
	if r.Failed > 0 {
		return r, fmt.Errorf("%d of %d products failed, first: %w", r.Failed, len(codes), firstErr)
	}
	return r, nil
}

// pushOne brings one product up to date on the channel and returns its SKUs written.
func pushOne(ctx context.Context, st store.Store, ch connectors.Channel, shop domain.ShopRef, code string, fresh bool) (int, error) {
	p, err := st.GetProduct(ctx, code)
	if err != nil {
		return 0, err
	}
	var existing []domain.ChannelListing
	if !fresh {
		if existing, err = st.Listings(ctx, shop, code); err != nil {
			return 0, err
		}
	}
	plan := mapping.PlanProductPush(shop, p, existing, time.Now())
	if plan.Upsert == nil {
		return 0, nil
	}
	for {
		res, err := ch.UpsertProduct(ctx, *plan.Upsert)
		var de *domain.Error
		if errors.As(err, &de) && de.Code == domain.ERateLimited {
			select {
			case <-time.After(max(de.RetryAfter, 100*time.Millisecond)):
				continue
			case <-ctx.Done():
				return 0, ctx.Err()
			}
		}
		if err != nil {
			return 0, err
		}
		return len(p.SKUs), st.SaveListings(ctx, plan.Pushed(res))
	}
}
