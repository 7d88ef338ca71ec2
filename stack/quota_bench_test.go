package stack_test

import (
	"context"
	"testing"
	"time"

	"github.com/syncctl/syncctl/catalog/sample"
	"github.com/syncctl/syncctl/stack"
	"github.com/syncctl/syncctl/workflows"
)

// BenchmarkPushQuotaUse pushes the sample catalog (307 SKUs, about 130
// calls) to a Tmall sandbox that enforces a 10 QPS quota, with the shop
// configured at the same 10 QPS, on the embedded Temporal server, and
// reports how much of the quota the push used. The goal (design.md §4) is
// a use of 0.9 or more with no call refused:
//
//	go test -run '^$' -bench PushQuotaUse -benchtime 1x ./stack/
//
// Metrics: useful-calls (served by the sandbox), refused-calls (answered
// with an error, by code in the log), elapsed-s (push workflow start to
// end) and quota-use = useful calls / (elapsed × QPS).
func BenchmarkPushQuotaUse(b *testing.B) {
	const qps = 10
	ctx := context.Background()
	var served, refused int
	var elapsed time.Duration
	for range b.N {
		b.StopTimer()
		s, err := stack.Start(ctx, stack.Options{StateDir: b.TempDir(), UIPort: -1, Platforms: []string{"tmall"},
			SandboxQPS: qps, ConnectorQPS: qps})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := stack.ImportCatalog(ctx, s.Store, sample.JSON()); err != nil {
			b.Fatal(err)
		}
		sb := s.Sandbox("tmall")
		shop := sb.Shop
		b.StartTimer()
		t0 := time.Now()
		run, err := s.StartWorkflow(ctx, shop, workflows.CatalogPushID(shop), workflows.CatalogPushWorkflowName,
			workflows.CatalogPushInput{Shop: shop, Parallel: 4})
		if err != nil {
			b.Fatal(err)
		}
		var p workflows.PushProgress
		if err := run.Get(ctx, &p); err != nil {
			b.Fatal(err)
		}
		took := time.Since(t0)
		b.StopTimer()
		st, err := sb.Admin.Stats(ctx)
		if err != nil {
			b.Fatal(err)
		}
		ok, bad := 0, 0
		for _, n := range st.Served {
			ok += n
		}
		for _, n := range st.Rejected {
			bad += n
		}
		b.Logf("push of %d products (%d SKUs): %d calls served, %d refused %v, %d inside a ban, in %.1fs: quota use %.2f",
			p.Pushed, p.SKUs, ok, bad, st.Rejected, st.CallsDuringBan, took.Seconds(), float64(ok)/(took.Seconds()*qps))
		if p.Failed != 0 {
			b.Errorf("%d products failed: %v", p.Failed, p.Failures)
		}
		served, refused, elapsed = served+ok, refused+bad, elapsed+took
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(served)/n, "useful-calls")
	b.ReportMetric(float64(refused)/n, "refused-calls")
	b.ReportMetric(elapsed.Seconds()/n, "elapsed-s")
	b.ReportMetric(float64(served)/(elapsed.Seconds()*qps), "quota-use")
}
