package devserver

import (
	"context"
	"os"
	"runtime"
	"testing"
	"time"
)

// TestMeasure reports start time, memory and leftovers across restarts.
// Run with DEVSERVER_MEASURE=1 (alone, so the numbers are not polluted).
func TestMeasure(t *testing.T) {
	if os.Getenv("DEVSERVER_MEASURE") == "" {
		t.Skip("set DEVSERVER_MEASURE=1")
	}
	ctx := context.Background()
	dir := t.TempDir()
	gor := func() int { runtime.GC(); return runtime.NumGoroutine() }
	t.Logf("baseline: RSS %d MB (anon %d MB), goroutines %d", rssKB(t)/1024, procStatusKB("RssAnon:")/1024, gor())
	for i := range 4 {
		t0 := time.Now()
		s, err := Start(ctx, Options{StateDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		ready := time.Since(t0)
		rss, anon := rssKB(t), procStatusKB("RssAnon:")
		time.Sleep(10 * time.Second)
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		t.Logf("run %d: ready in %v; RSS at ready %d MB (anon %d MB), after 10s idle %d MB (anon %d MB); Go heap in use %d MB, sys %d MB; goroutines %d",
			i, ready.Round(time.Millisecond), rss/1024, anon/1024, rssKB(t)/1024, procStatusKB("RssAnon:")/1024, ms.HeapInuse>>20, ms.Sys>>20, gor())
		t0 = time.Now()
		if err := s.Stop(); err != nil {
			t.Fatal(err)
		}
		stop := time.Since(t0)
		time.Sleep(2 * time.Second)
		t.Logf("run %d: stop %v; after stop: goroutines %d, RSS %d MB, open files in state dir %d",
			i, stop.Round(time.Millisecond), gor(), rssKB(t)/1024, openDBFiles(t, dir))
	}
}
