package stack_test

import (
	"context"
	"testing"
	"time"

	"github.com/syncctl/syncctl/catalog/sample"
	"github.com/syncctl/syncctl/sandbox/kit"
	"github.com/syncctl/syncctl/stack"
	"github.com/syncctl/syncctl/workflows"
)

// A 3-second platform ban met by one chunk of a push holds every chunk of
// the shop: the sandbox sees no call inside the ban, and the push still
// lists every SKU once.
func TestBanHoldsEveryChunkOfTheShop(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out a 3-second ban")
	}
	s := start(t, stack.Options{Platforms: []string{"tmall"}})
	ctx := context.Background()
	if _, err := stack.ImportCatalog(ctx, s.Store, sample.JSON()); err != nil {
		t.Fatal(err)
	}
	sb := tmallShop(t, s)
	shop := sb.Shop
	run, err := s.StartWorkflow(ctx, shop, workflows.CatalogPushID(shop), workflows.CatalogPushWorkflowName,
		workflows.CatalogPushInput{Shop: shop, Parallel: 4})
	if err != nil {
		t.Fatal(err)
	}
	// Once the chunks are calling, the next call is answered with a ban.
	waitForCalls(t, sb, 12)
	if err := sb.Admin.AddFault(ctx, kit.Fault{Kind: kit.FaultRateLimit, BanSeconds: 3, Count: 1}); err != nil {
		t.Fatal(err)
	}
	p := awaitPush(t, run)
	st, err := sb.Admin.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.CallsDuringBan != 0 {
		t.Fatalf("%d calls reached the shop inside its 3-second ban (stats %+v)", st.CallsDuringBan, st)
	}
	if st.Faults != 1 || st.Rejected["7"] != 1 {
		t.Fatalf("the ban was not met once (faults %d, code 7 answers %d): stats %+v", st.Faults, st.Rejected["7"], st)
	}
	if p.Failed != 0 || p.Pushed != p.Total {
		t.Fatalf("push = %+v", p)
	}
	assertListedOnce(t, s, sb)
	// Counters tell the truth across the throttled attempt: every request
	// the sandbox answered is counted, the refused one apart, and every SKU
	// once.
	_, skus, _ := s.Store.CatalogStats(ctx)
	if p.Calls != st.Total || p.Throttled != 1 || p.SKUs != skus || p.Retries < 1 {
		t.Fatalf("push counted %d calls (%d throttled), %d SKUs, %d retries; the sandbox answered %d calls, the catalog has %d SKUs",
			p.Calls, p.Throttled, p.SKUs, p.Retries, st.Total, skus)
	}
}

// waitForCalls returns once the sandbox has answered n calls.
func waitForCalls(t *testing.T, sb *stack.Sandbox, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		st, err := sb.Admin.Stats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if st.Total >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d calls after a minute", st.Total)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func awaitPush(t *testing.T, run interface {
	Get(context.Context, any) error
}) workflows.PushProgress {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var p workflows.PushProgress
	if err := run.Get(ctx, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// assertListedOnce checks that every SKU of the catalog is on the sandbox
// exactly once and that nothing is left to push.
func assertListedOnce(t *testing.T, s *stack.Stack, sb *stack.Sandbox) {
	t.Helper()
	ctx := context.Background()
	items, err := sb.Admin.Items(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, it := range items {
		for _, k := range it.SKUs {
			seen[k.OuterID]++
		}
	}
	_, skus, err := s.Store.CatalogStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != skus {
		t.Fatalf("%d distinct SKUs on the channel, the catalog has %d", len(seen), skus)
	}
	for code, n := range seen {
		if n != 1 {
			t.Fatalf("sku %s listed %d times", code, n)
		}
	}
	if n, err := s.Store.CountChangedProducts(ctx, sb.Shop); err != nil || n != 0 {
		t.Fatalf("%d products still need a push (%v)", n, err)
	}
}
