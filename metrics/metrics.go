// Package metrics is what syncctl tells whoever runs it, on a Prometheus
// endpoint (`syncctl worker|serve|dev --metrics-listen`): the calls to each
// shop and how the platforms answered, the calls the gates held and the
// waits bans caused, each shop's breaker and quota, the push backlog, the
// order-pull lag and the deliveries waiting for the ERP; and the Temporal
// SDK's own client and worker metrics (Temporal), in the same registry.
//
// Channel calls are counted as they happen: a Registry is the shopgate
// Observer of its process (WatchGates), so connectors/shopgate never imports
// Prometheus. What the store knows (backlog, cursors, deliveries) is read at
// scrape time, at most every StoreEvery and with a timeout (WatchStore),
// never per call. Labels are the shops' channel ids and the operators' shop
// names: no secret is ever a label.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/syncctl/syncctl/connectors/shopgate"
	"github.com/syncctl/syncctl/domain"
)

// Namespace prefixes every syncctl metric.
const Namespace = "syncctl"

// shopLabels label every per-shop metric.
var shopLabels = []string{"channel", "shop"}

// Registry holds the process's metrics. It is safe for concurrent use. A
// nil *Registry (metrics not served) watches nothing and gives the
// Temporal client no handler.
type Registry struct {
	reg *prometheus.Registry

	calls          *prometheus.CounterVec // channel, shop, outcome
	held           *prometheus.CounterVec // channel, shop, reason
	banWait        *prometheus.CounterVec // channel, shop
	paceWait       *prometheus.CounterVec // channel, shop
	breakerChanges *prometheus.CounterVec // channel, shop, state

	mu     sync.Mutex
	gates  bool        // the gate collector is registered
	store  *storeStats // nil until WatchStore
	sdk    *sdkMetrics
	shopsW map[domain.ShopRef]bool // shops whose counters start at 0
}

// New returns a registry with syncctl's channel counters and the Go
// runtime's and the process's own metrics (go_*, process_*).
func New() *Registry {
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, append(shopLabels[:2:2], labels...))
	}
	r := &Registry{
		reg: prometheus.NewRegistry(),
		calls: counter("channel_calls_total",
			"Calls made to the shop's platform, by outcome: ok, throttle (rate limited), auth (credentials refused), invalid (request refused), unavailable (no answer), other.", "outcome"),
		held: counter("channel_held_total",
			"Calls the shop's gate did not make, by reason: ban (a platform ban longer than may be slept), pace (the quota's next slot too far), breaker (circuit open), paused (an operator's pause).", "reason"),
		banWait: counter("channel_ban_wait_seconds_total",
			"Time callers were held by the shop's platform bans, slept in-process or handed to Temporal as the retry's wait (summed over callers)."),
		paceWait: counter("channel_pace_wait_seconds_total",
			"Time callers waited for a slot of the shop's quota (summed over callers)."),
		breakerChanges: counter("channel_breaker_changes_total",
			"Changes of the shop's circuit breaker in this process, by the state entered.", "state"),
		sdk:    newSDKMetrics(),
		shopsW: map[domain.ShopRef]bool{},
	}
	r.reg.MustRegister(r.calls, r.held, r.banWait, r.paceWait, r.breakerChanges, r.sdk,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return r
}

// Gatherer is the registry, for tests and other exporters.
func (r *Registry) Gatherer() prometheus.Gatherer { return r.reg }

// Handler serves the registry in Prometheus's exposition formats (GET /metrics).
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{Registry: r.reg, ErrorHandling: promhttp.ContinueOnError, Timeout: 20 * time.Second})
}

// WatchGates makes this registry hear every gate of the process (it
// becomes shopgate's Observer) and show each gate's quota, share and
// breaker; the counters of the given shops start at 0, so that a rate
// over them is right from the first call. A worker calls it; serve makes
// no channel calls and does not.
func (r *Registry) WatchGates(shops []domain.ShopRef) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.gates {
		r.reg.MustRegister(gateCollector{})
		r.gates = true
	}
	shopgate.SetObserver(r)
	for _, s := range shops {
		if r.shopsW[s] {
			continue
		}
		r.shopsW[s] = true
		for _, o := range []string{shopgate.OutcomeOK, shopgate.OutcomeThrottle, shopgate.OutcomeAuth, shopgate.OutcomeInvalid, shopgate.OutcomeUnavailable, shopgate.OutcomeOther} {
			r.calls.WithLabelValues(s.Channel, s.Shop, o)
		}
		for _, h := range []string{shopgate.HeldBan, shopgate.HeldPace, shopgate.HeldBreaker, shopgate.HeldPaused} {
			r.held.WithLabelValues(s.Channel, s.Shop, h)
		}
		r.banWait.WithLabelValues(s.Channel, s.Shop)
		r.paceWait.WithLabelValues(s.Channel, s.Shop)
	}
}

// Call implements shopgate.Observer.
func (r *Registry) Call(shop domain.ShopRef, outcome string) {
	r.calls.WithLabelValues(shop.Channel, shop.Shop, outcome).Inc()
}

// Held implements shopgate.Observer.
func (r *Registry) Held(shop domain.ShopRef, reason string) {
	r.held.WithLabelValues(shop.Channel, shop.Shop, reason).Inc()
}

// BanWait implements shopgate.Observer.
func (r *Registry) BanWait(shop domain.ShopRef, d time.Duration) {
	r.banWait.WithLabelValues(shop.Channel, shop.Shop).Add(d.Seconds())
}

// PaceWait implements shopgate.Observer.
func (r *Registry) PaceWait(shop domain.ShopRef, d time.Duration) {
	r.paceWait.WithLabelValues(shop.Channel, shop.Shop).Add(d.Seconds())
}

// Breaker implements shopgate.Observer.
func (r *Registry) Breaker(shop domain.ShopRef, state shopgate.BreakerState) {
	r.breakerChanges.WithLabelValues(shop.Channel, shop.Shop, string(state)).Inc()
}

// Server serves a registry's /metrics until Close or its context ends.
type Server struct {
	hs   *http.Server
	addr net.Addr
	done chan struct{}
	once sync.Once
}

// Listen starts serving the registry on addr (host:port; port 0: any free
// one) at /metrics, until ctx ends or Close. The address is taken at once,
// so a port in use is an error here, not later.
func (r *Registry) Listen(ctx context.Context, addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", r.Handler())
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "syncctl metrics: GET /metrics")
	})
	s := &Server{hs: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: time.Minute},
		addr: ln.Addr(), done: make(chan struct{})}
	go func() { _ = s.hs.Serve(ln) }()
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-s.done:
		}
	}()
	return s, nil
}

// Addr is where the server listens.
func (s *Server) Addr() net.Addr { return s.addr }

// URL is the server's metrics URL.
func (s *Server) URL() string { return "http://" + s.addr.String() + "/metrics" }

// Close stops the server, letting a scrape in flight finish (up to 5 s).
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.done)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.hs.Shutdown(ctx); errors.Is(err, context.DeadlineExceeded) {
			_ = s.hs.Close()
		}
	})
}
