package stack_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/catalog/sample"
	"github.com/syncctl/syncctl/connectors"
	sbkuaishou "github.com/syncctl/syncctl/sandbox/kuaishou"
	"github.com/syncctl/syncctl/stack"
	"github.com/syncctl/syncctl/workflows"
)

// Kuaishou rotates the refresh token on every refresh and kills the old one
// minutes later. Two workers serve one shop, each with its own connector;
// the shop's access token expires while both push chunks of one catalog
// push. They refresh through the store's token lease: the platform sees
// one refresh per expiry, no refresh token is ever used twice, and the push
// lists everything.
func TestTwoWorkersRefreshKuaishouTokensOnce(t *testing.T) {
	s := start(t, stack.Options{Platforms: []string{"kuaishou"}})
	second, err := s.AddWorker()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := stack.ImportCatalog(ctx, s.Store, sample.JSON()); err != nil {
		t.Fatal(err)
	}
	sb := s.Sandboxes[0]
	ks := sb.Handler.(*sbkuaishou.Server)
	run, err := s.StartWorkflow(ctx, sb.Shop, workflows.CatalogPushID(sb.Shop), workflows.CatalogPushWorkflowName,
		workflows.CatalogPushInput{Shop: sb.Shop, ChunkSize: 2, Parallel: 4})
	if err != nil {
		t.Fatal(err)
	}
	expiries, granted0 := 0, 0
	for _, at := range []int{30, 90, 150} {
		for {
			st, err := sb.Admin.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st.Total >= at {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if expiries == 0 {
			granted0, _ = ks.Refreshes() // the shop's first token, minted at the first call
		}
		ks.ExpireTokens()
		expiries++
	}
	var p workflows.PushProgress
	if err := run.Get(ctx, &p); err != nil {
		t.Fatal(err)
	}
	granted, reused := ks.Refreshes()
	if p.Failed != 0 || p.Pushed != 65 {
		t.Fatalf("push = %+v", p)
	}
	if reused != 0 {
		t.Errorf("a refresh token was used %d times after it had been rotated", reused)
	}
	if n := granted - granted0; n != expiries {
		t.Errorf("%d refreshes for %d expiries: the two workers must share one refresh each time", n, expiries)
	}
	// Temporal may hand every chunk of that push to one worker (eager
	// activities), so the race is also run head-on: the token expires, and
	// the two workers' own connectors call the shop at once, eight calls
	// each. Still one refresh, and every call succeeds.
	w1, err := s.Worker.Shops.Get(sb.Shop)
	if err != nil {
		t.Fatal(err)
	}
	w2, err := second.Shops.Get(sb.Shop)
	if err != nil {
		t.Fatal(err)
	}
	if w1 == w2 {
		t.Fatal("the two workers share one connector")
	}
	granted0, _ = ks.Refreshes()
	ks.ExpireTokens()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		ch := w1
		if i%2 == 1 {
			ch = w2
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			now := time.Now()
			_, err := ch.ListOrders(ctx, connectors.OrderQuery{From: now.Add(-time.Hour), To: now})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a call after the expiry: %v", err)
		}
	}
	if granted, reused := ks.Refreshes(); granted-granted0 != 1 || reused != 0 {
		t.Errorf("two workers at once: %d refreshes (want 1), %d reuses of a rotated refresh token (want 0)", granted-granted0, reused)
	}
}
