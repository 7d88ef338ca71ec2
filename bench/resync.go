package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/stack"
	"github.com/syncctl/syncctl/workflows"
)

// resync pushes a catalog of ResyncSKUs to an unthrottled shop once, then
// re-syncs it as an ERP's nightly full export would arrive: the whole
// catalog file imported again (unchanged, then with 1 % of its SKUs'
// stock changed), each followed by a push of what changed. With ResyncAll,
// last, a full comparison pass (push --all) over the catalog.
func (e *env) resync(ctx context.Context) ([]Row, error) {
	gen := catalog.GenerateOptions{SPUs: spus(e.o.ResyncSKUs, e.o.SKUsPerSPU), SKUsPerSPU: e.o.SKUsPerSPU, Seed: 3, Prefix: "R"}
	total := gen.SPUs * gen.SKUsPerSPU
	params := fmt.Sprintf("%s SKUs (%s SPUs × %d) listed on one %s shop, no quota", formatValue(float64(total)),
		formatValue(float64(gen.SPUs)), gen.SKUsPerSPU, e.o.Platform)
	s, err := e.startStack(ctx, "resync", stack.Options{Platforms: []string{e.o.Platform}, ConnectorQPS: unpaced})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	e.say("resync: importing and listing %d SKUs (set-up, by the direct loop)", total)
	if _, err := importGenerated(ctx, s.Store, gen, nil); err != nil {
		return nil, err
	}
	if _, err := directPush(ctx, s, 2*e.o.Parallel, true); err != nil {
		return nil, fmt.Errorf("set-up push: %w", err)
	}

	e.say("resync: no-op re-sync")
	noop := Row{Scenario: "re-sync, nothing changed", Params: params + "; import of the same file + push",
		Goal: "0 calls, < 10 s"}
	imp, push, err := e.resyncOnce(ctx, s, gen, nil, workflows.CatalogPushInput{})
	if err != nil {
		return nil, fmt.Errorf("no-op re-sync: %w", err)
	}
	n := push.Served + push.Refused
	secs := imp.Seconds() + push.Elapsed.Seconds()
	noop.add("calls", float64(n), "")
	noop.add("seconds", secs, "")
	noop.add("import", imp.Seconds(), "s")
	noop.add("push", push.Elapsed.Seconds(), "s")
	noop.judge(n == 0 && secs < 10, fmt.Sprintf("%d calls in %.1f s", n, secs))

	e.say("resync: 1 %% changed")
	changed := 0
	change := func(i int, p *domain.Product) {
		for j := range p.SKUs {
			if (i*gen.SKUsPerSPU+j)%100 == 0 {
				p.SKUs[j].Stock += 7
				changed++
			}
		}
	}
	pct := Row{Scenario: "re-sync, 1 % of SKUs changed", Params: params + "; import of the file with 1 % of stocks changed + push", Goal: NoGoal}
	imp, push, err = e.resyncOnce(ctx, s, gen, change, workflows.CatalogPushInput{})
	if err != nil {
		return []Row{noop}, fmt.Errorf("1 %% re-sync: %w", err)
	}
	n = push.Served + push.Refused
	pct.add("changed SKUs", float64(changed), "")
	pct.add("calls", float64(n), "")
	pct.add("calls per changed SKU", float64(n)/float64(max(changed, 1)), "")
	pct.add("seconds", imp.Seconds()+push.Elapsed.Seconds(), "")
	pct.add("import", imp.Seconds(), "s")
	pct.add("push", push.Elapsed.Seconds(), "s")
	pct.Result = NoGoal

	if !e.o.ResyncAll {
		return []Row{noop, pct}, nil
	}
	e.say("resync: full comparison pass (push --all)")
	all := Row{Scenario: "re-sync, full pass (push --all)", Params: params + "; every product compared, nothing changed", Goal: NoGoal, Result: NoGoal}
	full, err := e.temporalPushAllowEmpty(ctx, s, workflows.CatalogPushInput{All: true, Parallel: e.o.Parallel})
	if err != nil {
		return []Row{noop, pct}, fmt.Errorf("push --all: %w", err)
	}
	all.add("calls", float64(full.Served+full.Refused), "")
	all.add("seconds", full.Elapsed.Seconds(), "")
	all.add("history events per 1 000 SKUs", float64(full.History.Events)*1000/float64(total), "")
	return []Row{noop, pct, all}, nil
}

// resyncOnce imports the generated catalog again (changed by change) and
// pushes what changed; it returns the import's time and the push.
func (e *env) resyncOnce(ctx context.Context, s *stack.Stack, gen catalog.GenerateOptions, change func(int, *domain.Product), in workflows.CatalogPushInput) (time.Duration, pushRun, error) {
	t0 := time.Now()
	if _, err := importGenerated(ctx, s.Store, gen, change); err != nil {
		return 0, pushRun{}, err
	}
	imp := time.Since(t0)
	in.Parallel = e.o.Parallel
	r, err := e.temporalPushAllowEmpty(ctx, s, in)
	return imp, r, err
}
