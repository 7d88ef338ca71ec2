package devserver

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// BenchmarkStartStop measures one start (until ready) and stop of the dev
// server on a persisted state dir, as `syncctl dev` restarts do, and reports
// what each cycle leaves behind. Run it alone so the figures are not polluted:
//
//	go test -run '^$' -bench StartStop -benchtime 4x ./devserver
//
// Besides ns/op it reports ready-ms, stop-ms, rss-MB (at ready), and the
// goroutines and state-dir file handles still there after Stop.
func BenchmarkStartStop(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	gor := func() int { runtime.GC(); return runtime.NumGoroutine() }
	baseline := gor()
	var ready, stop time.Duration
	rss := 0
	for range b.N {
		t0 := time.Now()
		s, err := Start(ctx, Options{StateDir: dir, UIPort: NoUI})
		if err != nil {
			b.Fatal(err)
		}
		ready += time.Since(t0)
		rss = max(rss, procStatusKB("VmRSS:"))
		t0 = time.Now()
		if err := s.Stop(); err != nil {
			b.Fatal(err)
		}
		stop += time.Since(t0)
	}
	b.StopTimer()
	time.Sleep(2 * time.Second) // let stopped services wind down
	n := float64(b.N)
	b.ReportMetric(float64(ready.Milliseconds())/n, "ready-ms")
	b.ReportMetric(float64(stop.Milliseconds())/n, "stop-ms")
	b.ReportMetric(float64(rss)/1024, "rss-MB")
	b.ReportMetric(float64(gor()-baseline), "goroutines-left")
	b.ReportMetric(float64(openDBFiles(b, dir)), "state-files-open")
}
