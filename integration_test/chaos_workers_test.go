package integration_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// defaultSKUs is scenario 1's catalog when SYNCCTL_CHAOS_SKUS does not
// say: the 10 000 (70 000 listings over the seven shops).
const defaultSKUs = 10000

// Scenario 1: the catalog goes to every shop while one worker is killed
// (SIGKILL) as the push starts, halfway through it, and while a shop's
// chunks wait to retry; each time it is started again. Orders are sold
// and pulled meanwhile. Nothing is missing, nothing is duplicated, no
// product is created twice on any platform.
func chaosWorkerKilled(t *testing.T) {
	scenario(t, "1. worker SIGKILLed at start, middle, in a retry", topoOptions{}, func(ctx context.Context, tp *topology, c *tally) {
		skus := suiteSKUs()
		tp.importCatalog(ctx, genCatalog("KILL", skus))
		products := (skus + 1) / 2
		w1, w2 := tp.workers[0], tp.workers[1]
		s := sold{}
		before := tp.calls(ctx)
		tp.pushAll(ctx)

		tp.waitFor(ctx, time.Minute, "the push's first calls", func() bool { return tp.calls(ctx) > before })
		tp.kill(w1)
		tp.startPulls(ctx)
		tp.restartWorker(ctx, w1)

		// The middle: a third of the catalog on the shops. The chunks the
		// killed worker held wait out their heartbeat timeout (2 minutes)
		// before another worker takes them: the push may stall before,
		// then the worker dies anyway.
		middle := time.Now().Add(time.Minute)
		for tp.listed(ctx) < products*len(tp.shops)/3 && time.Now().Before(middle) {
			time.Sleep(250 * time.Millisecond)
		}
		t.Logf("middle: %d of %d products listed", tp.listed(ctx), products*len(tp.shops))
		tp.sell(ctx, 4, s)
		tp.kill(w2)
		tp.restartWorker(ctx, w2)

		// A retry: a shop with products left to push answers 503 for a few
		// seconds; once a chunk has been refused (it waits to go again),
		// the worker dies.
		tp.killInRetry(ctx, w1)
		tp.sell(ctx, 4, s)
		tp.restartWorker(ctx, w1)

		tp.awaitPushes(ctx, c)
		tp.sell(ctx, 2, s)
		tp.awaitOrders(ctx, s)
		tp.checkListings(ctx, c, nil, true)
		tp.checkOrders(ctx, c, s)
	})
}

// killInRetry makes a shop that still has products to push refuse calls
// for a few seconds (HTTP 503) and kills w as soon as one was refused.
func (tp *topology) killInRetry(ctx context.Context, w *node) {
	tp.t.Helper()
	shops := append([]*sbShop(nil), tp.shops...)
	listed := map[*sbShop]int{}
	for _, sh := range shops {
		listed[sh] = tp.listed(ctx, sh)
	}
	sort.SliceStable(shops, func(i, j int) bool { return listed[shops[i]] < listed[shops[j]] })
	for _, sh := range shops {
		before, err := sh.admin.Stats(ctx)
		if err != nil {
			tp.t.Fatal(err)
		}
		if err := sh.admin.AddFault(ctx, kit.Fault{Kind: kit.FaultOutage, Duration: "5s"}); err != nil {
			tp.t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			st, err := sh.admin.Stats(ctx)
			if err == nil && st.Rejected["HTTP 503"] > before.Rejected["HTTP 503"] {
				tp.kill(w)
				tp.t.Logf("%s: killed %s while %s's push waits to retry (%d products listed there)", time.Now().Format("15:04:05.000"), w.name, sh.ref, listed[sh])
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	tp.t.Fatal("no shop refused a call: no push left to retry")
}

// Scenario 5: a worker is cut off the network (from Temporal, the store,
// the platforms and the ERP) in the middle of a push and of order
// deliveries, and connected again.
func chaosWorkerCutOff(t *testing.T) {
	o := topoOptions{Platforms: []string{"tmall", "wechat_shop", "kuaishou"}}
	scenario(t, "5. worker cut off the network, reconnected", o, func(ctx context.Context, tp *topology, c *tally) {
		tp.importCatalog(ctx, genCatalog("NET", 600))
		w1 := tp.workers[0]
		s := sold{}
		tp.startPulls(ctx)
		tp.pushAll(ctx)
		tp.waitFor(ctx, 2*time.Minute, "a fifth of the catalog listed", func() bool { return tp.listed(ctx) >= 300*len(tp.shops)/5 })
		tp.sell(ctx, 4, s)
		tp.disconnect(w1)
		cut := time.Now()
		time.Sleep(3 * time.Second)
		tp.sell(ctx, 4, s)
		time.Sleep(netCut - time.Since(cut))
		tp.connect(w1)
		tp.sell(ctx, 2, s)
		tp.awaitPushes(ctx, c)
		tp.awaitOrders(ctx, s)
		tp.checkListings(ctx, c, nil, true)
		tp.checkOrders(ctx, c, s)
	})
}

// netCut is how long scenario 5's worker is off the network.
const netCut = 25 * time.Second
