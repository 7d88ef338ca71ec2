package integration_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors/shopgate"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/sandbox/kit"
	"github.com/syncctl/syncctl/workflows"
)

// darkFor is how long scenario 2's platform is gone: minutes, as the
// issue says (SYNCCTL_CHAOS_DARK_SECONDS sets it).
func darkFor() time.Duration {
	return time.Duration(envInt("SYNCCTL_CHAOS_DARK_SECONDS", 150)) * time.Second
}

// Scenario 2: one platform goes dark (its container stopped) during the
// push: its circuit breaker opens, the other shops finish their pushes
// and deliver their orders, and it catches up once it is back.
func chaosPlatformDark(t *testing.T) {
	o := topoOptions{Platforms: []string{"tmall", "jd", "kuaishou"}}
	scenario(t, "2. platform dark (container stopped), back", o, func(ctx context.Context, tp *topology, c *tally) {
		tp.importCatalog(ctx, genCatalog("DARK", 600))
		dark := tp.shop("tmall")
		others := []*sbShop{tp.shop("jd"), tp.shop("kuaishou")}
		s := sold{}
		tp.startPulls(ctx)
		tp.pushAll(ctx)
		tp.waitFor(ctx, time.Minute, "tmall's first listings", func() bool { return tp.listed(ctx, dark) > 0 })
		tp.sell(ctx, 3, s, dark)
		tp.stop(dark.node)
		off := time.Now()
		tp.sell(ctx, 4, s, others...)
		tp.waitFor(ctx, time.Minute, "tmall's breaker open", func() bool {
			bs, err := tp.Store.ListBreakers(ctx)
			if err != nil {
				return false
			}
			for _, b := range bs {
				if b.Shop == dark.ref && b.State == domain.BreakerOpen {
					return true
				}
			}
			return false
		})
		// The others finish while it is dark.
		tp.awaitPushes(ctx, c, others...)
		tp.awaitOrders(ctx, without(s, dark.ref))
		if d, err := tp.Client.DescribeWorkflowExecution(ctx, workflows.CatalogPushID(dark.ref), ""); err != nil || d.GetWorkflowExecutionInfo().GetCloseTime() != nil {
			c.problem("the push to the dark shop ended while it was dark (%v)", err)
		}
		tp.t.Logf("the other shops finished %s after tmall went dark", time.Since(off).Round(time.Second))
		time.Sleep(darkFor() - time.Since(off))

		tp.start(dark.node)
		tp.waitHTTP(ctx, dark.admin.BaseURL+"/_sandbox/stats")
		back := time.Now()
		tp.sell(ctx, 3, s)
		tp.awaitPushes(ctx, c)
		tp.t.Logf("tmall caught up %s after it came back", time.Since(back).Round(time.Second))
		tp.awaitOrders(ctx, s)
		tp.checkListings(ctx, c, nil, true)
		tp.checkOrders(ctx, c, s)
	})
}

// without is s less one shop's orders.
func without(s sold, shop domain.ShopRef) sold {
	out := sold{}
	for k, v := range s {
		if k != shop {
			out[k] = v
		}
	}
	return out
}

// stormQPS is scenario 6's quota: each sandbox enforces it and the shops
// are configured with it (the two workers share it).
const stormQPS = 10

// bannedByTheOtherWorker bounds the calls that reach a sandbox during one
// ban: those the other worker sends, at its half of the quota, before its
// gate next reads the shared ban (shopgate.DefaultSyncEvery), rounded up.
var bannedByTheOtherWorker = int(math.Ceil(shopgate.DefaultSyncEvery.Seconds()*stormQPS/2)) + 1

// Scenario 6: a throttle storm: for a while each sandbox answers half its
// calls with its platform's throttle code (each answer bans the app for a
// second, as TOP does). The push completes with no call over the quota
// (the sandbox refused none but the storm's and the bans') and no call
// into a ban a worker knew of (bannedByTheOtherWorker).
func chaosThrottleStorm(t *testing.T) {
	o := topoOptions{Platforms: []string{"tmall", "douyin"}, SandboxQPS: stormQPS, ShopQPS: stormQPS}
	scenario(t, "6. throttle storm (half the calls throttled)", o, func(ctx context.Context, tp *topology, c *tally) {
		tp.importCatalog(ctx, genCatalog("STORM", 160))
		for _, sh := range tp.shops {
			if err := sh.admin.AddFault(ctx, kit.Fault{Kind: kit.FaultRateLimit, Ratio: 0.5, BanSeconds: 1, Duration: "20s"}); err != nil {
				t.Fatal(err)
			}
		}
		began := time.Now()
		tp.pushAll(ctx)
		tp.awaitPushes(ctx, c)
		elapsed := time.Since(began)
		for _, sh := range tp.shops {
			st, err := sh.admin.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			refused := 0
			for _, n := range st.Rejected {
				refused += n
			}
			t.Logf("%s: %d calls in %s, %d throttled by the storm, %d refused in all, %d during a ban", sh.ref, st.Total, elapsed.Round(time.Second), st.Faults, refused, st.CallsDuringBan)
			if st.Faults == 0 {
				c.problem("%s: the storm throttled nothing", sh.ref)
			}
			// A worker sends nothing into a ban it knows of; the other
			// worker learns of it through the store within one
			// shopgate.DefaultSyncEvery, and may send what its share of the
			// quota allows until then (a client ignoring bans sends Q a
			// second into every one).
			if limit := st.Faults * bannedByTheOtherWorker; st.CallsDuringBan > limit {
				c.problem("%s: %d calls arrived during the storm's %d bans, more than the %d another worker may send before it reads the ban", sh.ref, st.CallsDuringBan, st.Faults, limit)
			}
			// Each call into a ban is refused too: the rest were the storm's.
			if over := refused - st.Faults - st.CallsDuringBan; over != 0 {
				c.problem("%s: the sandbox refused %d calls, the storm %d and bans %d of them: %d over the quota of %d/s", sh.ref, refused, st.Faults, st.CallsDuringBan, over, stormQPS)
			}
			if limit := int(elapsed.Seconds()*stormQPS) + stormQPS; st.Total > limit {
				c.problem("%s: %d calls in %s, more than %d/s allows (%d)", sh.ref, st.Total, elapsed.Round(time.Second), stormQPS, limit)
			}
		}
		s := sold{}
		tp.sell(ctx, 5, s)
		tp.startPulls(ctx)
		tp.awaitOrders(ctx, s)
		tp.checkListings(ctx, c, nil, true)
		tp.checkOrders(ctx, c, s)
	})
}
