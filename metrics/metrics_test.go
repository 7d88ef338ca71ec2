package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/syncctl/syncctl/connectors/shopgate"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/metrics"
)

// run tells apart the runs of a test in one process (-count): gates are
// the process's, so each run calls shops of its own.
var run atomic.Int32

func uniq(name string) string { return fmt.Sprintf("%s-%d", name, run.Add(1)) }

// scrape GETs the handler's /metrics and parses the text exposition.
func scrape(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET /metrics: %s %s", resp.Status, b)
	}
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// value is the value of the family's series with these labels (others
// ignored); ok false when there is none.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, lp := range m.GetLabel() {
				if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

func want(t *testing.T, fams map[string]*dto.MetricFamily, name string, w float64, labels ...string) {
	t.Helper()
	got, ok := value(fams, name, labels...)
	if !ok {
		t.Errorf("%s%v: no such series", name, labels)
		return
	}
	if got != w {
		t.Errorf("%s%v = %v, want %v", name, labels, got, w)
	}
}

// Calls through a shop's gate are counted by outcome, the wait of the ban
// a throttle answer caused is counted, and the shop's quota and breaker
// show, scraped through the handler.
func TestChannelCallsThroughTheGate(t *testing.T) {
	r := metrics.New()
	shop := domain.ShopRef{Channel: "tmall", Shop: uniq("calls")}
	r.WatchGates([]domain.ShopRef{shop})
	defer shopgate.SetObserver(nil)
	g := shopgate.For(shop, shopgate.Options{QPS: 1000, Endpoint: t.Name()})
	ctx := context.Background()
	answer := func(err error) func(context.Context) error { return func(context.Context) error { return err } }

	for range 3 {
		if err := g.Do(ctx, answer(nil)); err != nil {
			t.Fatal(err)
		}
	}
	ban := 80 * time.Millisecond
	throttle := &domain.Error{Code: domain.ERateLimited, Platform: "tmall", PlatformCode: "7", Message: "App Call Limited", RetryAfter: ban}
	_ = g.Do(ctx, answer(throttle))
	start := time.Now()
	_ = g.Do(ctx, answer(&domain.Error{Code: domain.EAuth, Message: "session expired"})) // sleeps the ban out first
	if waited := time.Since(start); waited < ban/2 {
		t.Fatalf("the call after a ban went after %s", waited)
	}
	_ = g.Do(ctx, answer(domain.Errorf(domain.EInvalid, "title too long")))
	_ = g.Do(ctx, answer(errors.New("unexpected answer")))

	fams := scrape(t, r.Handler())
	calls := "syncctl_channel_calls_total"
	want(t, fams, calls, 3, "channel", "tmall", "shop", shop.Shop, "outcome", "ok")
	want(t, fams, calls, 1, "channel", "tmall", "shop", shop.Shop, "outcome", "throttle")
	want(t, fams, calls, 1, "channel", "tmall", "shop", shop.Shop, "outcome", "auth")
	want(t, fams, calls, 1, "channel", "tmall", "shop", shop.Shop, "outcome", "invalid")
	want(t, fams, calls, 1, "channel", "tmall", "shop", shop.Shop, "outcome", "other")
	want(t, fams, calls, 0, "channel", "tmall", "shop", shop.Shop, "outcome", "unavailable") // started at 0
	want(t, fams, "syncctl_channel_held_total", 0, "shop", shop.Shop, "reason", "ban")
	if w, _ := value(fams, "syncctl_channel_ban_wait_seconds_total", "shop", shop.Shop); w < 0.04 || w > 1 {
		t.Errorf("ban wait %vs, want about %s", w, ban)
	}
	want(t, fams, "syncctl_channel_quota_qps", 1000, "channel", "tmall", "shop", shop.Shop)
	want(t, fams, "syncctl_channel_quota_workers", 1, "shop", shop.Shop)
	want(t, fams, "syncctl_channel_breaker_state", 0, "shop", shop.Shop)
	if _, ok := fams["go_goroutines"]; !ok {
		t.Error("no Go runtime metrics")
	}
}

// A ban longer than may be slept is handed to Temporal: the call is held
// (reason ban) and its wait counted whole; unanswered calls open the
// breaker, which shows 2 and holds the next call.
func TestHeldCallsAndBreaker(t *testing.T) {
	r := metrics.New()
	shop := domain.ShopRef{Channel: "kuaishou", Shop: uniq("held")}
	r.WatchGates([]domain.ShopRef{shop})
	defer shopgate.SetObserver(nil)
	g := shopgate.For(shop, shopgate.Options{Endpoint: t.Name(), MaxInlineWait: 10 * time.Millisecond, BreakerThreshold: 2, BreakerCooldown: time.Minute})
	ctx := context.Background()

	g.Report(ctx, &domain.Error{Code: domain.ERateLimited, RetryAfter: 30 * time.Second})
	err := g.Do(ctx, func(context.Context) error { t.Fatal("called inside a ban"); return nil })
	if domain.ErrorCode(err) != domain.ERateLimited {
		t.Fatalf("call inside a 30s ban: %v", err)
	}
	fams := scrape(t, r.Handler())
	want(t, fams, "syncctl_channel_held_total", 1, "channel", "kuaishou", "shop", shop.Shop, "reason", "ban")
	if w, _ := value(fams, "syncctl_channel_ban_wait_seconds_total", "shop", shop.Shop); w < 29 || w > 30 {
		t.Errorf("ban wait handed to Temporal: %vs, want about 30", w)
	}

	broken := domain.ShopRef{Channel: "kuaishou", Shop: uniq("breaker")}
	g2 := shopgate.For(broken, shopgate.Options{Endpoint: t.Name(), BreakerThreshold: 2, BreakerCooldown: time.Minute})
	down := func(context.Context) error {
		return &domain.Error{Code: domain.EUnavailable, Message: "connection refused"}
	}
	_ = g2.Do(ctx, down)
	_ = g2.Do(ctx, down)
	if err := g2.Do(ctx, down); domain.ErrorCode(err) != domain.EUnavailable {
		t.Fatalf("call past an open breaker: %v", err)
	}
	fams = scrape(t, r.Handler())
	want(t, fams, "syncctl_channel_calls_total", 2, "shop", broken.Shop, "outcome", "unavailable")
	want(t, fams, "syncctl_channel_held_total", 1, "shop", broken.Shop, "reason", "breaker")
	want(t, fams, "syncctl_channel_breaker_state", 2, "channel", "kuaishou", "shop", broken.Shop)
	want(t, fams, "syncctl_channel_breaker_changes_total", 1, "shop", broken.Shop, "state", "open")
}

// fakeStore answers the store-read gauges and counts its reads.
type fakeStore struct {
	reads  atomic.Int32
	fail   atomic.Bool
	cursor time.Time
}

func (f *fakeStore) CountChangedProducts(_ context.Context, shop domain.ShopRef) (int, error) {
	f.reads.Add(1)
	if f.fail.Load() {
		return 0, errors.New("database is locked")
	}
	return len(shop.Shop), nil
}

func (f *fakeStore) CountPendingDeliveries(context.Context, domain.ShopRef) (int, error) {
	if f.fail.Load() {
		return 0, errors.New("database is locked")
	}
	return 4, nil
}

func (f *fakeStore) OrderCursor(_ context.Context, shop domain.ShopRef) (time.Time, bool, error) {
	if shop.Shop == "never-pulled" {
		return time.Time{}, false, nil
	}
	return f.cursor, true, nil
}

// The store-read gauges are read at a scrape, at most every StoreEvery:
// scrapes in between show the values read; a failed read keeps them and
// counts an error; the lag grows with the clock.
func TestStoreGauges(t *testing.T) {
	r := metrics.New()
	st := &fakeStore{cursor: time.Now().Add(-20 * time.Minute)}
	flagship, never := domain.ShopRef{Channel: "tmall", Shop: "flagship"}, domain.ShopRef{Channel: "jd", Shop: "never-pulled"}
	r.WatchStore(st, []domain.ShopRef{flagship})
	r.WatchStore(st, []domain.ShopRef{flagship, never}) // dev: the API's shops too

	fams := scrape(t, r.Handler())
	want(t, fams, "syncctl_push_backlog_products", 8, "channel", "tmall", "shop", "flagship")
	want(t, fams, "syncctl_push_backlog_products", 12, "channel", "jd", "shop", "never-pulled")
	want(t, fams, "syncctl_erp_deliveries_pending", 4, "channel", "tmall", "shop", "flagship")
	if lag, _ := value(fams, "syncctl_order_pull_lag_seconds", "shop", "flagship"); lag < 1199 || lag > 1230 {
		t.Errorf("order pull lag %vs, want 1200", lag)
	}
	if _, ok := value(fams, "syncctl_order_pull_lag_seconds", "shop", "never-pulled"); ok {
		t.Error("a shop never pulled has a lag")
	}
	want(t, fams, "syncctl_store_read_errors_total", 0)

	st.fail.Store(true)
	scrape(t, r.Handler())
	if n := st.reads.Load(); n != 2 {
		t.Fatalf("a scrape within StoreEvery read the store again: %d reads, want 2", n)
	}
	old := metrics.StoreEvery
	metrics.StoreEvery = 0
	defer func() { metrics.StoreEvery = old }()
	fams = scrape(t, r.Handler())
	want(t, fams, "syncctl_store_read_errors_total", 1)
	want(t, fams, "syncctl_push_backlog_products", 8, "shop", "flagship") // kept
}

// The SDK's metrics keep their names and tags; a name used with more tags
// on some series shows every series with the union (empty where absent);
// timers are histograms in seconds.
func TestTemporalSDKHandler(t *testing.T) {
	r := metrics.New()
	h := r.Temporal().WithTags(map[string]string{"namespace": "default", "client_name": "temporal_go"})
	h.Counter("temporal_request").Inc(3)
	h.WithTags(map[string]string{"operation": "StartWorkflowExecution"}).Counter("temporal_request").Inc(1)
	h.WithTags(map[string]string{"operation": "StartWorkflowExecution", "status_code": "Unavailable"}).Counter("temporal_request_failure").Inc(1)
	wt := h.WithTags(map[string]string{"task_queue": "syncctl/tmall/flagship", "worker_type": "ActivityWorker"})
	wt.Gauge("temporal_worker_task_slots_available").Update(999)
	lat := wt.Timer("temporal_activity_execution_latency")
	lat.Record(20 * time.Millisecond)
	lat.Record(2 * time.Second)
	lat.Record(time.Hour)

	fams := scrape(t, r.Handler())
	want(t, fams, "temporal_request", 3, "namespace", "default", "operation", "")
	want(t, fams, "temporal_request", 1, "operation", "StartWorkflowExecution")
	want(t, fams, "temporal_request_failure", 1, "status_code", "Unavailable")
	want(t, fams, "temporal_worker_task_slots_available", 999, "task_queue", "syncctl/tmall/flagship")
	f := fams["temporal_activity_execution_latency"]
	if f == nil || f.GetType() != dto.MetricType_HISTOGRAM {
		t.Fatalf("timer family %v, want a histogram", f)
	}
	hist := f.GetMetric()[0].GetHistogram()
	if hist.GetSampleCount() != 3 || hist.GetSampleSum() < 3602 || hist.GetSampleSum() > 3603 {
		t.Fatalf("timer histogram count %d sum %v", hist.GetSampleCount(), hist.GetSampleSum())
	}
	for _, b := range hist.GetBucket() {
		if b.GetUpperBound() == 0.025 && b.GetCumulativeCount() != 1 || b.GetUpperBound() == 2.5 && b.GetCumulativeCount() != 2 {
			t.Errorf("bucket le=%v has %d", b.GetUpperBound(), b.GetCumulativeCount())
		}
	}
}

// Listen serves /metrics until the context ends; a port in use is an error
// at once.
func TestListen(t *testing.T) {
	r := metrics.New()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := r.Listen(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "go_goroutines") {
		t.Fatalf("GET %s: %s", s.URL(), resp.Status)
	}
	if _, err := r.Listen(context.Background(), s.Addr().String()); err == nil {
		t.Fatal("listening twice on one port worked")
	}
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := http.Get(s.URL()); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("still serving after its context ended")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
