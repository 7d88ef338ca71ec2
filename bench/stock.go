package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/syncctl/syncctl/api"
	"github.com/syncctl/syncctl/catalog/sample"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/platforms"
	"github.com/syncctl/syncctl/stack"
)

// stockPoll is how often every shop is read while stock changes are out.
const stockPoll = 150 * time.Millisecond

// stock lists the sample catalog on a shop per platform, then sends
// StockChanges ERP stock changes (POST /v1/inventory, one SKU each, a new
// absolute level) at StockRate a second, and reads every shop's sandbox
// until each shows each change: the latency of a change is from its POST
// to the moment the last shop showed it.
func (e *env) stock(ctx context.Context) ([]Row, error) {
	var plats []string
	for _, r := range platforms.All() {
		if len(e.o.StockPlatforms) == 0 || slices.Contains(e.o.StockPlatforms, r.ID()) {
			plats = append(plats, r.ID())
		}
	}
	s, err := e.startStack(ctx, "stock", stack.Options{Platforms: plats})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	e.say("stock: listing the sample catalog on %s", strings.Join(plats, ", "))
	if _, err := stack.ImportCatalog(ctx, s.Store, sample.JSON()); err != nil {
		return nil, err
	}
	errs := make(chan error, len(s.Sandboxes))
	for _, sb := range s.Sandboxes {
		go func() { errs <- listOn(ctx, s, sb) }()
	}
	for range s.Sandboxes {
		if err := <-errs; err != nil {
			return nil, err
		}
	}
	skus, err := listedEverywhere(ctx, s)
	if err != nil {
		return nil, err
	}
	apiURL, stop, err := serveAPI(s)
	if err != nil {
		return nil, err
	}
	defer stop()

	e.say("stock: %d changes at %g a second", e.o.StockChanges, e.o.StockRate)
	resetPeakRSS()
	w := newStockWatch(s)
	watchCtx, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() { w.run(watchCtx); close(watched) }()
	start := time.Now()
	every := time.Duration(float64(time.Second) / e.o.StockRate)
	for i := range e.o.StockChanges {
		sku := skus[i%len(skus)]
		if i >= len(skus) {
			// The SKU changed before: its earlier change must be seen
			// everywhere first, or it would never be.
			w.awaitSKU(ctx, sku)
		}
		if d := time.Until(start.Add(time.Duration(i) * every)); d > 0 {
			time.Sleep(d)
		}
		level := 1000 + i
		w.expect(sku, level)
		if err := postStock(ctx, apiURL, sku, level); err != nil {
			stopWatch()
			<-watched
			return nil, fmt.Errorf("change %d: %w", i+1, err)
		}
	}
	sendTime := time.Since(start)
	w.awaitAll(ctx, 60*time.Second)
	stopWatch()
	<-watched
	lat, missing := w.latencies()
	if len(lat) == 0 {
		return nil, errors.New("no stock change reached every shop")
	}
	row := Row{Scenario: "ERP stock change → every shop",
		Params: fmt.Sprintf("%s changes of one SKU each, %g a second over %s, %d shops (%s)", formatValue(float64(e.o.StockChanges)),
			e.o.StockRate, sendTime.Round(100*time.Millisecond), len(s.Sandboxes), strings.Join(plats, ", ")),
		Goal: "p99 < 3 s"}
	p99 := percentile(lat, 99)
	row.add("p50", percentile(lat, 50).Seconds(), "s")
	row.add("p99", p99.Seconds(), "s")
	row.add("max", percentile(lat, 100).Seconds(), "s")
	row.add("not seen everywhere", float64(missing), "")
	row.add("channel calls", float64(w.calls(ctx)), "")
	row.add("peak RSS", peakRSS(), "MiB")
	row.judge(p99 < 3*time.Second && missing == 0, fmt.Sprintf("p99 %.1f s, %d changes not seen on every shop", p99.Seconds(), missing))
	return []Row{row}, nil
}

// listedEverywhere are the catalog's SKUs every shop lists.
func listedEverywhere(ctx context.Context, s *stack.Stack) ([]string, error) {
	count := map[string]int{}
	for _, sb := range s.Sandboxes {
		items, err := sb.Admin.Items(ctx)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			for _, k := range it.SKUs {
				count[k.OuterID]++
			}
		}
	}
	var out []string
	for sku, n := range count {
		if n == len(s.Sandboxes) {
			out = append(out, sku)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no SKU is listed on every shop")
	}
	sort.Strings(out)
	return out, nil
}

const benchToken = "bench-token"

// serveAPI runs the ERP API (syncctl serve's) over the stack on loopback.
func serveAPI(s *stack.Stack) (string, func(), error) {
	srv := &api.Server{Store: s.Store, Temporal: s.Client, Queue: s.TaskQueue, Token: benchToken, Channels: s.Shops}
	for _, sb := range s.Sandboxes {
		srv.Shops = append(srv.Shops, sb.Shop)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = hs.Close() }, nil
}

// postStock sends one absolute stock level, versioned by the clock.
func postStock(ctx context.Context, base, sku string, level int) error {
	body, _ := json.Marshal(map[string]any{"items": []api.InventoryItem{{SKU: sku, Stock: &level, Version: time.Now().UnixNano()}}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/inventory", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+benchToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return fmt.Errorf("POST /v1/inventory: %s: %s", resp.Status, strings.TrimSpace(b.String()))
	}
	return nil
}

// stockWatch reads every shop until each expected level shows everywhere.
type stockWatch struct {
	s      *stack.Stack
	before map[domain.ShopRef]int // each sandbox's calls when the watch began

	mu      sync.Mutex
	pending map[string]*stockChange // by SKU: the level it was last set to
	done    []*stockChange
	seen    chan struct{}
}

type stockChange struct {
	sku   string
	level int
	sent  time.Time
	shops map[domain.ShopRef]time.Time // when each shop first showed it
}

func newStockWatch(s *stack.Stack) *stockWatch {
	w := &stockWatch{s: s, before: map[domain.ShopRef]int{}, pending: map[string]*stockChange{}, seen: make(chan struct{}, 1)}
	for _, sb := range s.Sandboxes {
		if st, err := sb.Admin.Stats(context.Background()); err == nil {
			w.before[sb.Shop] = st.Total
		}
	}
	return w
}

// calls are the calls every sandbox took since the watch began (its own
// reads go to the admin API, which is not counted).
func (w *stockWatch) calls(ctx context.Context) int {
	n := 0
	for _, sb := range w.s.Sandboxes {
		if st, err := sb.Admin.Stats(ctx); err == nil {
			n += st.Total - w.before[sb.Shop]
		}
	}
	return n
}

func (w *stockWatch) expect(sku string, level int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending[sku] = &stockChange{sku: sku, level: level, sent: time.Now(), shops: map[domain.ShopRef]time.Time{}}
}

func (w *stockWatch) run(ctx context.Context) {
	t := time.NewTicker(stockPoll)
	defer t.Stop()
	for {
		for _, sb := range w.s.Sandboxes {
			items, err := sb.Admin.Items(ctx)
			if err != nil {
				continue
			}
			now := time.Now()
			w.mu.Lock()
			for _, it := range items {
				for _, k := range it.SKUs {
					c := w.pending[k.OuterID]
					if c == nil || k.Stock != c.level {
						continue
					}
					if _, ok := c.shops[sb.Shop]; !ok {
						c.shops[sb.Shop] = now
					}
					if len(c.shops) == len(w.s.Sandboxes) {
						delete(w.pending, c.sku)
						w.done = append(w.done, c)
					}
				}
			}
			w.mu.Unlock()
		}
		select {
		case w.seen <- struct{}{}:
		default:
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// awaitSKU waits until no change of sku is pending.
func (w *stockWatch) awaitSKU(ctx context.Context, sku string) {
	w.await(ctx, time.Minute, func() bool { return w.pending[sku] == nil })
}

// awaitAll waits until every change was seen everywhere, at most timeout.
func (w *stockWatch) awaitAll(ctx context.Context, timeout time.Duration) {
	w.await(ctx, timeout, func() bool { return len(w.pending) == 0 })
}

func (w *stockWatch) await(ctx context.Context, timeout time.Duration, done func() bool) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		w.mu.Lock()
		ok := done()
		w.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-w.seen:
		case <-time.After(stockPoll):
		case <-ctx.Done():
		}
	}
}

// latencies are, per change seen everywhere, its POST to the last shop
// showing it; missing counts the others.
func (w *stockWatch) latencies() ([]time.Duration, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]time.Duration, 0, len(w.done))
	for _, c := range w.done {
		last := c.sent
		for _, at := range c.shops {
			if at.After(last) {
				last = at
			}
		}
		out = append(out, last.Sub(c.sent))
	}
	return out, len(w.pending)
}
