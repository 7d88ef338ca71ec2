package workflows_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/syncctl/syncctl/workflows"
)

// pagedPush is a push over all, in pages of the size asked, whose chunks
// take slow (on the workflow's clock) when their first code is in slow,
// and fast otherwise. It records when each chunk started.
type pagedPush struct {
	env    *testsuite.TestWorkflowEnvironment
	mu     sync.Mutex
	starts map[string]time.Duration // first code of a chunk → when it started, from the push's start
	sizes  []int
	t0     time.Time
}

func newPagedPush(all []string, slow map[string]time.Duration, fast time.Duration) *pagedPush {
	var s testsuite.WorkflowTestSuite
	pp := &pagedPush{env: s.NewTestWorkflowEnvironment(), starts: map[string]time.Duration{}}
	env := pp.env
	var a *workflows.Activities
	env.OnActivity(a.DescribeShop, mock.Anything, shop).Return(workflows.ShopInfo{}, nil)
	env.OnActivity(a.CountChangedProducts, mock.Anything, shop).Return(len(all), nil)
	env.OnActivity(a.NextChangedProducts, mock.Anything, mock.Anything).Return(pagesOf(all))
	push := func(_ context.Context, in workflows.PushProductsInput) (workflows.PushProductsResult, error) {
		pp.mu.Lock()
		defer pp.mu.Unlock()
		if _, ok := slow[in.Codes[0]]; !ok { // (a slow chunk is called once its wait is over)
			pp.starts[in.Codes[0]] = env.Now().Sub(pp.t0)
		}
		pp.sizes = append(pp.sizes, len(in.Codes))
		return workflows.PushProductsResult{Pushed: len(in.Codes), SKUs: len(in.Codes), Calls: len(in.Codes)}, nil
	}
	for code, d := range slow {
		env.OnActivity(a.PushProducts, mock.Anything, mock.MatchedBy(func(in workflows.PushProductsInput) bool {
			return in.Codes[0] == code
		})).After(d).Return(push)
	}
	env.OnActivity(a.PushProducts, mock.Anything, mock.MatchedBy(func(in workflows.PushProductsInput) bool {
		_, ok := slow[in.Codes[0]]
		return !ok
	})).After(fast).Return(push)
	pp.t0 = env.Now()
	return pp
}

// A slow chunk holds its own slot only: the next page is read while a
// page's chunks run and its chunks take every free slot, so one product
// the platform is slow on does not hold the push at each page's end.
func TestCatalogPushChunksFlowAcrossPages(t *testing.T) {
	all := codes("P", 40)
	pp := newPagedPush(all, map[string]time.Duration{"P000": time.Hour}, time.Second)
	pp.env.ExecuteWorkflow(workflows.CatalogPush, workflows.CatalogPushInput{Shop: shop, BatchSize: 10, ChunkSize: 5, Parallel: 2})
	var p workflows.PushProgress
	if err := pp.env.GetWorkflowResult(&p); err != nil {
		t.Fatal(err)
	}
	if p.Pushed != 40 || len(pp.sizes) != 8 || !p.Done {
		t.Fatalf("progress = %+v after %d chunks, want 40 pushed in 8", p, len(pp.sizes))
	}
	// With P000's chunk in one slot for an hour, the other seven go one
	// after the other through the other slot, a second each.
	for first, at := range pp.starts {
		if at > time.Minute {
			t.Errorf("chunk %s started %s after the push, behind the slow chunk of the first page", first, at)
		}
	}
	if len(pp.starts) != 7 {
		t.Fatalf("fast chunks started: %v", pp.starts)
	}
}

// A push begun before chunks flowed across pages replays as it ran: 10
// products a chunk, and each page waits for its slowest chunk.
func TestCatalogPushBegunBeforePipeliningKeepsItsShape(t *testing.T) {
	all := codes("P", 40)
	pp := newPagedPush(all, map[string]time.Duration{"P000": time.Hour}, time.Second)
	pp.env.OnGetVersion("push-pipelined-chunks", workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	pp.env.ExecuteWorkflow(workflows.CatalogPush, workflows.CatalogPushInput{Shop: shop, BatchSize: 20, Parallel: 2})
	var p workflows.PushProgress
	if err := pp.env.GetWorkflowResult(&p); err != nil {
		t.Fatal(err)
	}
	if p.Pushed != 40 || !slices.Equal(uniq(pp.sizes), []int{10}) {
		t.Fatalf("progress = %+v, chunk sizes %v: want 40 pushed in chunks of 10", p, pp.sizes)
	}
	if at := pp.starts["P020"]; at < time.Hour {
		t.Fatalf("the second page started %s after the push, before the first page's slow chunk ended", at)
	}
}

// A new push takes DefaultPushChunk products a chunk.
func TestCatalogPushChunksDefaultSize(t *testing.T) {
	all := codes("P", 2*workflows.DefaultPushChunk+1)
	pp := newPagedPush(all, nil, time.Second)
	pp.env.ExecuteWorkflow(workflows.CatalogPush, workflows.CatalogPushInput{Shop: shop})
	if err := pp.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(pp.sizes)
	if want := []int{1, workflows.DefaultPushChunk, workflows.DefaultPushChunk}; !slices.Equal(pp.sizes, want) {
		t.Fatalf("chunk sizes %v, want %v", pp.sizes, want)
	}
}

// Continue-as-new waits for every chunk in flight and carries the last
// code of the last page whose chunks all ended: the next run starts right
// after it, with nothing pushed beyond it and nothing left before it.
func TestCatalogPushContinuesAsNewAfterItsChunksEnd(t *testing.T) {
	all := codes("P", 100)
	pp := newPagedPush(all, nil, time.Minute)
	pp.env.RegisterDelayedCallback(func() { pp.env.SetContinueAsNewSuggested(true) }, 2*time.Minute+30*time.Second)
	pp.env.ExecuteWorkflow(workflows.CatalogPush, workflows.CatalogPushInput{Shop: shop, BatchSize: 10, ChunkSize: 5, Parallel: 2})
	var can *workflow.ContinueAsNewError
	if err := pp.env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("push ended with %v, want continue-as-new", err)
	}
	var next workflows.CatalogPushInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	i := slices.Index(all, next.Cursor)
	if i < 0 || (i+1)%10 != 0 || next.Progress == nil || next.Progress.Runs != 1 {
		t.Fatalf("continued with cursor %q, progress %+v: want the last code of a page", next.Cursor, next.Progress)
	}
	if next.Progress.Pushed != i+1 || len(pp.starts) != (i+1)/5 {
		t.Fatalf("continued after %d pushed in %d chunks, want every product up to %s and none beyond", next.Progress.Pushed, len(pp.starts), next.Cursor)
	}
	for first := range pp.starts {
		if first > next.Cursor {
			t.Fatalf("chunk %s, beyond the cursor %s, was pushed before continuing as new", first, next.Cursor)
		}
	}
}

// pagesOf answers NextChangedProducts with the pages of all.
func pagesOf(all []string) func(context.Context, workflows.NextChangedInput) ([]string, error) {
	return func(_ context.Context, in workflows.NextChangedInput) ([]string, error) {
		var page []string
		for _, c := range all {
			if c > in.After && len(page) < in.Limit {
				page = append(page, c)
			}
		}
		return page, nil
	}
}

func uniq(xs []int) []int {
	out := slices.Clone(xs)
	slices.Sort(out)
	return slices.Compact(out)
}
