package shopgate_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors/httpx"
	"github.com/syncctl/syncctl/connectors/shopgate"
	"github.com/syncctl/syncctl/domain"
)

type breakerLog struct {
	mu  sync.Mutex
	got []shopgate.BreakerState
	shopgate.MemoryBans
}

func (l *breakerLog) SaveBreaker(_ context.Context, b shopgate.Breaker) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.got = append(l.got, b.State)
	return nil
}

func (l *breakerLog) states() []shopgate.BreakerState {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]shopgate.BreakerState(nil), l.got...)
}

// A shop that stops answering opens its breaker after the threshold: the
// next calls are not made and say how long to wait; after the cool-down
// one probe goes, its failure opens the breaker for twice as long, and an
// answer closes it. A refusal the platform answered (invalid) counts as an
// answer. Every change is published for the other workers and the CLI.
func TestBreakerOpensProbesAndCloses(t *testing.T) {
	log := &breakerLog{}
	g := shopgate.New(domain.ShopRef{Channel: "tmall", Shop: "outage"}, shopgate.Options{Bans: log, BreakerThreshold: 3, BreakerCooldown: 100 * time.Millisecond})
	ctx := context.Background()
	down := &domain.Error{Code: domain.EUnavailable, Message: "connection refused"}
	calls := 0
	fail := func(context.Context) error { calls++; return down }
	answer := func(context.Context) error { calls++; return nil }

	// A refusal in between is an answer: the count starts again.
	_ = g.Do(ctx, fail)
	_ = g.Do(ctx, fail)
	_ = g.Do(ctx, func(context.Context) error { calls++; return domain.Errorf(domain.EInvalid, "title too long") })
	for i := 0; i < 3; i++ {
		_ = g.Do(ctx, fail)
	}
	if b := g.Breaker(); b.State != shopgate.BreakerOpen || b.Failures != 3 {
		t.Fatalf("after 3 unanswered calls in a row: %+v", b)
	}
	before := calls
	err := g.Do(ctx, answer)
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.EUnavailable || de.RetryAfter <= 0 || !strings.Contains(de.Message, "circuit breaker open") || calls != before {
		t.Fatalf("open breaker let a call through or said %v", err)
	}
	time.Sleep(110 * time.Millisecond)
	if err := g.Do(ctx, fail); !errors.Is(err, down) {
		t.Fatalf("probe: %v", err)
	}
	if b := g.Breaker(); b.State != shopgate.BreakerOpen || time.Until(b.OpenUntil) < 150*time.Millisecond {
		t.Fatalf("after a failed probe: %+v, want open for twice the cool-down", b)
	}
	time.Sleep(210 * time.Millisecond)
	if err := g.Do(ctx, answer); err != nil {
		t.Fatalf("second probe: %v", err)
	}
	if b := g.Breaker(); b.State != shopgate.BreakerClosed || b.Failures != 0 {
		t.Fatalf("after an answered probe: %+v", b)
	}
	want := []shopgate.BreakerState{shopgate.BreakerOpen, shopgate.BreakerHalfOpen, shopgate.BreakerOpen, shopgate.BreakerHalfOpen, shopgate.BreakerClosed}
	if got := log.states(); len(got) != len(want) || strings.Join(states(got), ",") != strings.Join(states(want), ",") {
		t.Fatalf("published %v, want %v", got, want)
	}
}

func states(s []shopgate.BreakerState) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = string(v)
	}
	return out
}

// Worker processes that serve one shop share its quota: each paces at
// QPS / n, and a re-configuration keeps the share.
func TestWorkersShareTheQuota(t *testing.T) {
	shop := domain.ShopRef{Channel: "tmall", Shop: "shared-quota"}
	g := shopgate.For(shop, shopgate.Options{QPS: 12, Endpoint: "t"})
	g.SetWorkers(3)
	if got := float64(g.Limit()); got != 4 {
		t.Fatalf("pace with 3 workers = %v, want 4", got)
	}
	shopgate.For(shop, shopgate.Options{QPS: 30, Endpoint: "t"})
	if got := float64(g.Limit()); got != 10 || g.Workers() != 3 {
		t.Fatalf("pace after a new quota = %v with %d workers, want 10 with 3", got, g.Workers())
	}
	g.SetWorkers(0)
	if got := float64(g.Limit()); got != 30 {
		t.Fatalf("pace alone = %v, want 30", got)
	}
}

// slowPauses is a store whose shop is paused and whose reads are slow.
type slowPauses struct{ shopgate.MemoryBans }

func (*slowPauses) LoadPause(context.Context, domain.ShopRef) (domain.ShopPause, bool, error) {
	time.Sleep(50 * time.Millisecond)
	return domain.ShopPause{Reason: "核对价格", By: "ops"}, true, nil
}

// The first callers of a fresh gate wait for what the store says of the
// shop instead of calling blind while one of them reads it: a paused shop
// gets no call, however many chunks start at once.
func TestAFreshGateCallsNothingBeforeItKnowsOfAPause(t *testing.T) {
	g := shopgate.New(domain.ShopRef{Channel: "tmall", Shop: "paused"}, shopgate.Options{Bans: &slowPauses{}})
	var mu sync.Mutex
	calls := 0
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = g.Do(context.Background(), func(context.Context) error { mu.Lock(); calls++; mu.Unlock(); return nil })
		}()
	}
	wg.Wait()
	if calls != 0 {
		t.Fatalf("%d calls reached a paused shop", calls)
	}
}

// A call the gate let through that the platform answers 503 is retried in
// process only as a new call would be: when the breaker opened meanwhile
// (other calls failed), the retry is not made and the call returns the
// breaker's refusal.
func TestInProcessRetriesPassTheBreaker(t *testing.T) {
	g := shopgate.New(domain.ShopRef{Channel: "tmall", Shop: "outage"}, shopgate.Options{BreakerThreshold: 2, BreakerCooldown: time.Minute})
	ctx := context.Background()
	down := &domain.Error{Code: domain.EUnavailable, Message: "connection refused"}
	var hits atomic.Int32
	var trip sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		trip.Do(func() { // while the first attempt is in flight, two other calls fail
			_ = g.Do(ctx, func(context.Context) error { return down })
			_ = g.Do(ctx, func(context.Context) error { return down })
		})
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	c := httpx.New(httpx.Options{RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	err := g.Do(ctx, func(ctx context.Context) error {
		_, err := httpx.Post(httpx.AllowRetry(ctx), c, "tmall", "taobao.item.update", srv.URL, "text/plain", strings.NewReader("a=1"), nil)
		return err
	})
	var de *domain.Error
	if !errors.As(err, &de) || !strings.Contains(de.Message, "circuit breaker open") || hits.Load() != 1 {
		t.Fatalf("call = %v after %d requests: want the breaker's refusal and no retry", err, hits.Load())
	}
}
