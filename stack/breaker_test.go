package stack_test

import (
	"context"
	"testing"
	"time"

	"github.com/syncctl/syncctl/catalog/sample"
	"github.com/syncctl/syncctl/connectors/shopgate"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/sandbox/kit"
	"github.com/syncctl/syncctl/stack"
	"github.com/syncctl/syncctl/workflows"
)

// A shop in outage (its gateway answers 503 to everything) opens its
// circuit breaker: its push stops calling it and waits for the cool-down,
// recorded where `syncctl channels status` reads it, while the other
// shop's push finishes. When the gateway is back the probe closes the
// breaker and the push completes, every product listed once.
func TestShopInOutageOpensItsBreakerWhileOthersFinish(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out a breaker cool-down")
	}
	t.Parallel()
	s := start(t, stack.Options{Platforms: agnostic})
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	if _, err := stack.ImportCatalog(ctx, s.Store, sample.JSON()); err != nil {
		t.Fatal(err)
	}
	down, other := tmallShop(t, s), s.Sandbox("fake")
	if err := down.Admin.AddFault(ctx, kit.Fault{Kind: kit.FaultOutage, Ratio: 1, Count: 1 << 20}); err != nil {
		t.Fatal(err)
	}
	run, err := s.StartWorkflow(ctx, down.Shop, workflows.CatalogPushID(down.Shop), workflows.CatalogPushWorkflowName,
		workflows.CatalogPushInput{Shop: down.Shop})
	if err != nil {
		t.Fatal(err)
	}
	var open domain.ShopBreaker
	deadline := time.Now().Add(time.Minute)
	for open.State != domain.BreakerOpen {
		if time.Now().After(deadline) {
			t.Fatalf("no open breaker recorded for %s", down.Shop)
		}
		time.Sleep(100 * time.Millisecond)
		bs, err := s.Store.ListBreakers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bs {
			if b.Shop == down.Shop {
				open = b
			}
		}
	}
	if open.Failures < shopgate.BreakerThreshold || open.OpenUntil.Sub(open.Since) != shopgate.BreakerCooldown {
		t.Fatalf("breaker = %+v", open)
	}
	// While it is open the shop gets no call.
	before, _ := down.Admin.Stats(ctx)
	if p := push(t, s, other.Shop); p.Failed != 0 || p.Pushed != 65 {
		t.Fatalf("the other shop's push = %+v", p)
	}
	if after, _ := down.Admin.Stats(ctx); time.Now().Before(open.OpenUntil) && after.Total != before.Total {
		t.Fatalf("the open breaker let %d calls through", after.Total-before.Total)
	}
	if err := down.Admin.ClearFaults(ctx); err != nil {
		t.Fatal(err)
	}
	var prog workflows.PushProgress
	if err := run.Get(ctx, &prog); err != nil || prog.Failed != 0 || prog.Pushed != 65 {
		t.Fatalf("push after the outage = %+v, %v", prog, err)
	}
	bs, _ := s.Store.ListBreakers(ctx)
	for _, b := range bs {
		if b.Shop == down.Shop && b.State != domain.BreakerClosed {
			t.Fatalf("breaker after the outage = %+v", b)
		}
	}
	items, err := down.Admin.Items(ctx)
	if err != nil || len(items) != 65 {
		t.Fatalf("%d items listed after the outage (%v), want the 65 products once each", len(items), err)
	}
}
