package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/syncctl/syncctl/catalog/sample"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/erp"
	"github.com/syncctl/syncctl/stack"
	"github.com/syncctl/syncctl/workflows"
)

// orders sells Orders at once on one sandbox shop while the shop's
// long-running order pull runs (every second, no lag, 5 minutes of
// overlap), and times each order from the sale to its first acceptance by
// the ERP: the reference receiver behind a handler that notes when it
// accepted each order.
func (e *env) orders(ctx context.Context) ([]Row, error) {
	rcv, err := startTimedReceiver()
	if err != nil {
		return nil, err
	}
	defer rcv.close()
	s, err := e.startStack(ctx, "orders", stack.Options{Platforms: []string{e.o.Platform}, ERPURL: rcv.url, ERPSecret: rcv.secret})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	sb := s.Sandboxes[0]
	e.say("orders: listing the sample catalog")
	if _, err := stack.ImportCatalog(ctx, s.Store, sample.JSON()); err != nil {
		return nil, err
	}
	if err := listOn(ctx, s, sb); err != nil {
		return nil, err
	}
	pull := workflows.OrderPullInput{Shop: sb.Shop, PullPolicy: domain.PullPolicy{Interval: time.Second, Overlap: 5 * time.Minute, InitialLookback: time.Hour}}
	run, err := s.StartWorkflow(ctx, sb.Shop, workflows.OrderPullID(sb.Shop), workflows.OrderPullWorkflowName, pull)
	if err != nil {
		return nil, err
	}
	defer func() { _ = e.client.TerminateWorkflow(context.WithoutCancel(ctx), run.GetID(), "", "bench over") }()
	time.Sleep(1500 * time.Millisecond) // the pull's first round has run: the sales come while it polls

	e.say("orders: selling %d orders at once", e.o.Orders)
	resetPeakRSS()
	sold := time.Now()
	var ids []string
	for len(ids) < e.o.Orders {
		got, err := sb.Admin.SellOrders(ctx, min(e.o.Orders-len(ids), 5000), "")
		ids = append(ids, got...)
		if err != nil {
			return nil, fmt.Errorf("sold %d of %d: %w", len(ids), e.o.Orders, err)
		}
	}
	soldIn := time.Since(sold)
	e.say("orders: waiting for the ERP to receive them")
	lat, missing, err := rcv.wait(ctx, ids, sold, 2*time.Minute+time.Duration(len(ids))*50*time.Millisecond)
	if err != nil {
		return nil, err
	}
	if len(lat) == 0 {
		return nil, fmt.Errorf("the ERP received none of the %d orders", len(ids))
	}
	last := time.Duration(0)
	for _, d := range lat {
		last = max(last, d)
	}
	row := Row{Scenario: "orders: sandbox sale → ERP receipt",
		Params: fmt.Sprintf("%s orders sold at once on one %s shop; pull every 1 s, deliveries signed and acknowledged", formatValue(float64(len(ids))), e.o.Platform),
		Goal:   "≥ 300 orders/s"}
	rate := float64(len(lat)) / last.Seconds()
	row.add("orders/s", rate, "")
	row.add("first", percentile(lat, 0).Seconds(), "s")
	row.add("p50", percentile(lat, 50).Seconds(), "s")
	row.add("p99", percentile(lat, 99).Seconds(), "s")
	row.add("last", last.Seconds(), "s")
	row.add("sold in", soldIn.Seconds(), "s")
	row.add("not received", float64(missing), "")
	row.add("peak RSS", peakRSS(), "MiB")
	row.judge(rate >= 300 && missing == 0, fmt.Sprintf("%.0f orders/s, %d not received", rate, missing))
	return []Row{row}, nil
}

// listOn pushes the stack's catalog to a sandbox shop and waits for the
// platform's review, where it reviews, to end.
func listOn(ctx context.Context, s *stack.Stack, sb *stack.Sandbox) error {
	run, err := s.StartWorkflow(ctx, sb.Shop, workflows.CatalogPushID(sb.Shop), workflows.CatalogPushWorkflowName,
		workflows.CatalogPushInput{Shop: sb.Shop, ReviewPoll: 200 * time.Millisecond})
	if err != nil {
		return err
	}
	var p workflows.PushProgress
	if err := run.Get(ctx, &p); err != nil {
		return fmt.Errorf("push to %s: %w", sb.Shop, err)
	}
	if p.InReview > 0 {
		if err := s.Client.GetWorkflow(ctx, workflows.ReviewWatchID(sb.Shop), "").Get(ctx, nil); err != nil {
			return fmt.Errorf("review on %s: %w", sb.Shop, err)
		}
	}
	return nil
}

// timedReceiver is the reference ERP receiver, noting when it first
// accepted each order.
type timedReceiver struct {
	url    string
	secret []byte
	srv    *http.Server

	mu      sync.Mutex
	arrived map[string]time.Time // platform order id → first acceptance
	changed chan struct{}
}

func startTimedReceiver() (*timedReceiver, error) {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	t := &timedReceiver{secret: []byte("whsec_" + hex.EncodeToString(b)), arrived: map[string]time.Time{}, changed: make(chan struct{}, 1)}
	inner := erp.NewReceiver(t.secret, nil).Handler()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	t.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, erp.MaxBody+1))
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		inner.ServeHTTP(rec, r)
		if rec.status >= 300 || r.Method != http.MethodPost {
			return
		}
		var env erp.Envelope
		if json.Unmarshal(body, &env) != nil {
			return
		}
		now := time.Now()
		t.mu.Lock()
		if _, seen := t.arrived[env.Order.PlatformOrderID]; !seen {
			t.arrived[env.Order.PlatformOrderID] = now
		}
		t.mu.Unlock()
		select {
		case t.changed <- struct{}{}:
		default:
		}
	})}
	go func() { _ = t.srv.Serve(ln) }()
	t.url = "http://" + ln.Addr().String() + "/webhooks/syncctl"
	return t, nil
}

func (t *timedReceiver) close() { _ = t.srv.Close() }

// wait returns, for each of ids the ERP received within timeout, the time
// from sold to its receipt, and how many it did not receive.
func (t *timedReceiver) wait(ctx context.Context, ids []string, sold time.Time, timeout time.Duration) ([]time.Duration, int, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		t.mu.Lock()
		var lat []time.Duration
		for _, id := range ids {
			if at, ok := t.arrived[id]; ok {
				lat = append(lat, at.Sub(sold))
			}
		}
		t.mu.Unlock()
		if len(lat) == len(ids) {
			return lat, 0, nil
		}
		select {
		case <-t.changed:
		case <-time.After(200 * time.Millisecond):
		case <-deadline.C:
			return lat, len(ids) - len(lat), nil
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		}
	}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}
