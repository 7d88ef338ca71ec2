package kit_test

import (
	"strings"
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

// The generator is driven by a fake ticker: ten fake minutes at 60 a
// minute must make about 600 calls, whatever the machine's speed.
func TestGeneratorRunsAtRateAndStops(t *testing.T) {
	var n atomic.Int32
	ticks := make(chan time.Time)
	var period time.Duration
	stopped := make(chan struct{})
	g := kit.StartGeneratorWith(60, func(d time.Duration) (<-chan time.Time, func()) {
		period = d
		return ticks, func() { close(stopped) }
	}, func() { n.Add(1) })
	const fake = 10 * time.Minute
	for at := period; at <= fake; at += period {
		ticks <- time.Unix(0, 0).Add(at)
	}
	g.Stop()
	if got := n.Load(); got < 590 || got > 610 {
		t.Fatalf("%d calls in 10 fake minutes at 60/min (period %s), want about 600", got, period)
	}
	select {
	case <-stopped:
	default:
		t.Fatal("Stop did not stop the ticker")
	}
	select {
	case ticks <- time.Now():
		t.Fatal("a stopped generator still takes ticks")
	case <-time.After(20 * time.Millisecond):
	}
	kit.StartGenerator(0, func() { t.Error("a zero-rate generator ran") }).Stop()
	if d := kit.Interval(6000); d != 10*time.Millisecond {
		t.Fatalf("interval at 6000/min = %s", d)
	}
}

func TestFaultValidation(t *testing.T) {
	f := kit.NewFaults(1, time.Now)
	bad := []kit.Fault{
		{Kind: kit.FaultError, Ratio: 1.5}, {Kind: kit.FaultError, Ratio: -0.1}, {Kind: kit.FaultError, Count: -1},
		{Kind: kit.FaultRateLimit, BanSeconds: -3}, {Kind: kit.FaultOutage, HTTPStatus: 700}, {Kind: kit.FaultError, Code: -7},
		{Kind: kit.FaultError, Duration: "soon"}, {Kind: kit.FaultError, Duration: "-1s"}, {Kind: kit.FaultLatency, Latency: "-5ms"},
		{Kind: "nonsense"},
	}
	for _, x := range bad {
		if _, err := f.Add(x); err == nil {
			t.Errorf("accepted %+v", x)
		}
	}
	if len(f.List()) != 0 {
		t.Fatalf("refused faults were kept: %v", f.List())
	}
	if _, err := f.Add(kit.Fault{Kind: kit.FaultRateLimit, Ratio: 1, BanSeconds: 30, HTTPStatus: 429}); err != nil {
		t.Fatal(err)
	}
}

// A ratio applies to about that share of calls (seeded, so repeatable).
func TestFaultRatio(t *testing.T) {
	f := kit.NewFaults(42, time.Now)
	if _, err := f.Add(kit.Fault{Kind: kit.FaultError, Ratio: 0.25}); err != nil {
		t.Fatal(err)
	}
	hits := 0
	for i := 0; i < 1000; i++ {
		if _, ok := f.Match("m"); ok {
			hits++
		}
	}
	if hits < 180 || hits > 320 {
		t.Fatalf("ratio 0.25 hit %d of 1000 calls", hits)
	}
}

func TestStatsCountEachCallOnce(t *testing.T) {
	s := kit.NewStats()
	s.Serve("a")
	s.Fault()
	s.Reject("7")
	s.Reject("25")
	v := s.View()
	if v.Total != 3 || v.Faults != 1 || v.Rejected["7"] != 1 || v.Served["a"] != 1 {
		t.Fatalf("view = %+v", v)
	}
	s.Reset()
	if v := s.View(); v.Total != 0 || v.Faults != 0 || len(v.Served) != 0 {
		t.Fatalf("after reset = %+v", v)
	}
}

func TestStartRefusesAnOptionTheSandboxDoesNotTake(t *testing.T) {
	var got map[string]string
	p := kit.Platform{ID: "x", Options: []string{"reject_rate"}, Open: func(c kit.Config) (kit.Sandbox, error) {
		got = c.Options
		return nil, nil
	}}
	if _, err := p.Start(kit.Config{Options: map[string]string{"reject_rate": "0.5"}}); err != nil || got["reject_rate"] != "0.5" {
		t.Fatalf("declared option: %v, opened with %v", err, got)
	}
	_, err := p.Start(kit.Config{Options: map[string]string{"rejct_rate": "0.5"}})
	if err == nil || !strings.Contains(err.Error(), `unknown option "rejct_rate" (it takes reject_rate)`) {
		t.Errorf("misspelt option: %v", err)
	}
	p.Options = nil
	if _, err := p.Start(kit.Config{Options: map[string]string{"a": "b"}}); err == nil || !strings.Contains(err.Error(), "it takes none") {
		t.Errorf("sandbox without options: %v", err)
	}
}
