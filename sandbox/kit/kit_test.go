package kit_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
)

func TestLimiterRefusesBeyondQPSAndSaysHowLong(t *testing.T) {
	now := time.Unix(1700000000, 0)
	l := kit.NewLimiter(2, func() time.Time { return now })
	for i := 0; i < 2; i++ {
		if ok, _ := l.Allow("app"); !ok {
			t.Fatalf("call %d refused within the burst", i)
		}
	}
	ok, wait := l.Allow("app")
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("third call: ok=%v wait=%v", ok, wait)
	}
	if ok, _ := l.Allow("other-app"); !ok {
		t.Fatal("limits must be per app")
	}
	now = now.Add(time.Second)
	if ok, _ := l.Allow("app"); !ok {
		t.Fatal("still refused a second later")
	}
	if ok, _ := kit.NewLimiter(0, time.Now).Allow("x"); !ok {
		t.Fatal("qps 0 must mean unlimited")
	}
}

func TestFaultsExpireByCountAndDuration(t *testing.T) {
	now := time.Unix(1700000000, 0)
	f := kit.NewFaults(1, func() time.Time { return now })
	if _, err := f.Add(kit.Fault{Kind: kit.FaultError, Method: "m", Count: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Add(kit.Fault{Kind: kit.FaultOutage, Duration: "10s"}); err != nil {
		t.Fatal(err)
	}
	if x, ok := f.Match("m"); !ok || x.Kind != kit.FaultError {
		t.Fatalf("first match = %+v %v", x, ok)
	}
	if x, ok := f.Match("m"); !ok || x.Kind != kit.FaultOutage {
		t.Fatalf("after the count ran out = %+v %v", x, ok)
	}
	now = now.Add(11 * time.Second)
	if x, ok := f.Match("m"); ok {
		t.Fatalf("expired fault still matches: %+v", x)
	}
	if _, err := f.Add(kit.Fault{Kind: kit.FaultLatency}); err == nil {
		t.Fatal("latency fault without latency accepted")
	}
}

func TestGeneratorRunsAtRateAndStops(t *testing.T) {
	var n atomic.Int32
	g := kit.StartGenerator(6000, func() { n.Add(1) }) // every 10ms
	time.Sleep(200 * time.Millisecond)
	g.Stop()
	got := n.Load()
	time.Sleep(50 * time.Millisecond)
	if got == 0 || n.Load() != got {
		t.Fatalf("generated %d, then %d after Stop", got, n.Load())
	}
	kit.StartGenerator(0, func() { t.Error("a zero-rate generator ran") }).Stop()
}
