package stack_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/catalog/sample"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/stack"
	"github.com/syncctl/syncctl/workflows"
)

// An operator pauses a shop: its push makes no call at all and waits,
// saying why; the other shop's push finishes meanwhile. After the resume
// the paused push goes on and lists everything exactly once.
func TestPausedShopGetsNoCall(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a paused push's retry")
	}
	s := start(t, stack.Options{Platforms: agnostic})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := stack.ImportCatalog(ctx, s.Store, sample.JSON()); err != nil {
		t.Fatal(err)
	}
	paused, other := tmallShop(t, s), s.Sandbox("fake")
	if err := s.Store.PauseShop(ctx, domain.ShopPause{Shop: paused.Shop, Reason: "双11 price review", By: "ops-li", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	run, err := s.StartWorkflow(ctx, paused.Shop, workflows.CatalogPushID(paused.Shop), workflows.CatalogPushWorkflowName,
		workflows.CatalogPushInput{Shop: paused.Shop})
	if err != nil {
		t.Fatal(err)
	}
	if p := push(t, s, other.Shop); p.Failed != 0 || p.Pushed != 65 {
		t.Fatalf("the other shop's push = %+v", p)
	}
	// The paused push waits and says why.
	var prog workflows.PushProgress
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(prog.LastError, "paused by ops-li") {
		if time.Now().After(deadline) {
			t.Fatalf("the paused push does not say it is paused: %+v", prog)
		}
		time.Sleep(200 * time.Millisecond)
		if v, err := s.Client.QueryWorkflow(ctx, workflows.CatalogPushID(paused.Shop), "", workflows.QueryProgress); err == nil {
			_ = v.Get(&prog)
		}
	}
	if st, err := paused.Admin.Stats(ctx); err != nil || st.Total != 0 {
		t.Fatalf("the paused shop was called: %+v %v", st, err)
	}
	if err := s.Store.ResumeShop(ctx, paused.Shop); err != nil {
		t.Fatal(err)
	}
	if err := run.Get(ctx, &prog); err != nil {
		t.Fatal(err)
	}
	items, err := paused.Admin.Items(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if prog.Failed != 0 || prog.Pushed != 65 || len(items) != 65 {
		t.Fatalf("after the resume: %+v, %d items listed", prog, len(items))
	}
}
