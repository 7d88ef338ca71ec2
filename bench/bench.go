// Package bench measures syncctl end to end on the machine it runs on
// (`syncctl bench`): pushes against a shop quota with one and two workers,
// the cost of Temporal against a direct loop over the same connector,
// re-syncs of an unchanged and a 1 %-changed catalog, orders from a sale to
// the ERP, and ERP stock changes to every shop; on request, a push of a
// million SKUs with the worker in its own process. Everything else runs in
// this process: one embedded Temporal server (package devserver, its
// SQLite in a temporary directory, as `syncctl dev` runs it) and, per
// scenario, a fresh stack (package stack: sandboxes, store, worker, ERP
// receiver) on task queues and shop names of its own.
//
// Figures are measured and printed with their goals (design.md §4); they
// are never asserted.
package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/devserver"
	"github.com/syncctl/syncctl/stack"
	"github.com/syncctl/syncctl/workflows"
)

// The scenarios, by the name --only takes.
const (
	ScenarioQuota      = "quota"      // push against a shop quota, one and two workers
	ScenarioDurability = "durability" // Temporal against a direct loop, no throttle; the push at scale
	ScenarioResync     = "resync"     // no-op and 1 %-changed re-sync
	ScenarioOrders     = "orders"     // sandbox sale → ERP receipt
	ScenarioStock      = "stock"      // ERP stock change → every shop
	ScenarioScale      = "scale"      // ScaleSKUs pushed by a worker in its own process
)

// Scenarios lists every scenario in the order they run.
var Scenarios = []string{ScenarioQuota, ScenarioDurability, ScenarioResync, ScenarioOrders, ScenarioStock, ScenarioScale}

// OnRequest are the scenarios a run without Only leaves out: at their
// default sizes they take longer than 10 minutes (scale: 20 to 40 on 2
// cores).
var OnRequest = []string{ScenarioScale}

// Options size the scenarios.
type Options struct {
	SKUs            int     // quota push: SKUs pushed
	QPS             float64 // quota push: the quota the sandbox enforces and the shop is configured with
	UnthrottledSKUs int     // durability: SKUs pushed with no quota, through Temporal and through the direct loop
	SKUsPerSPU      int     // SKUs of each generated product (the pushes and re-syncs)
	Parallel        int     // push chunks in flight (Temporal) = goroutines (direct loop)
	ResyncSKUs      int     // re-sync: catalog size
	ResyncAll       bool    // re-sync: also a full comparison pass (push --all)
	Orders          int     // orders sold at once
	StockChanges    int     // ERP stock changes sent
	StockRate       float64 // stock changes per second
	ScaleSKUs       int     // scale: SKUs pushed by the worker process
	// StockPlatforms are the shops the stock changes reach (nil: every
	// registered platform).
	StockPlatforms []string
	// WorkerBinary is the syncctl executable the scale scenario runs as
	// `syncctl worker` ("": this executable; a test binary is refused).
	WorkerBinary string
	Platform     string   // the platform of the pushes, re-syncs and orders (default tmall)
	Only         []string // scenarios to run (nil: all but OnRequest)
	// Timeout bounds one scenario (0: 30 minutes, and 3 hours for scale).
	Timeout time.Duration
	// Progress receives a line as each step starts (nil: silent).
	Progress func(string)
}

// DefaultOptions are the sizes of the README's table.
func DefaultOptions() Options {
	return Options{SKUs: 2000, QPS: 20, UnthrottledSKUs: 20000, SKUsPerSPU: 4, Parallel: workflows.DefaultPushParallel,
		ResyncSKUs: 100000, Orders: 2000, StockChanges: 200, StockRate: 4, ScaleSKUs: scaleGoalSKUs, Platform: "tmall"}
}

// QuickOptions are a smoke run's sizes: every scenario in well under a minute.
func QuickOptions() Options {
	o := DefaultOptions()
	o.SKUs, o.UnthrottledSKUs, o.ResyncSKUs, o.Orders, o.StockChanges, o.ScaleSKUs = 80, 200, 1000, 40, 8, 200
	o.StockPlatforms = []string{"tmall", "jd"}
	o.ResyncAll = true
	o.Timeout = 3 * time.Minute
	return o
}

func (o Options) check() error {
	for _, s := range o.Only {
		if !slices.Contains(Scenarios, s) {
			return fmt.Errorf("no scenario %q (scenarios: %s)", s, strings.Join(Scenarios, ", "))
		}
	}
	switch {
	case o.SKUs < 1 || o.UnthrottledSKUs < 1 || o.ResyncSKUs < 1 || o.ScaleSKUs < 1:
		return errors.New("every SKU count must be 1 or more")
	case o.SKUsPerSPU < 1 || o.SKUsPerSPU > catalog.MaxSKUs:
		return fmt.Errorf("SKUs per SPU must be 1 to %d", catalog.MaxSKUs)
	case o.QPS <= 0:
		return errors.New("the quota (QPS) must be above 0")
	case o.Parallel < 1:
		return errors.New("parallel must be 1 or more")
	case o.Orders < 1:
		return errors.New("orders must be 1 or more")
	case o.StockChanges < 1 || o.StockRate <= 0:
		return errors.New("stock changes and their rate must be above 0")
	}
	return nil
}

func (o Options) runs(s string) bool {
	if len(o.Only) == 0 {
		return !slices.Contains(OnRequest, s)
	}
	return slices.Contains(o.Only, s)
}

// timeout bounds scenario s.
func (o Options) timeout(s string) time.Duration {
	switch {
	case o.Timeout > 0:
		return o.Timeout
	case s == ScenarioScale:
		return 3 * time.Hour
	}
	return 30 * time.Minute
}

// Figure is one measured number.
type Figure struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit,omitempty"`
}

func (f Figure) String() string {
	return f.Name + " " + formatValue(f.Value) + unitText(f.Unit)
}

func unitText(u string) string {
	switch u {
	case "", "%":
		return u
	}
	return " " + u
}

// formatValue prints a figure with the precision it is worth.
func formatValue(v float64) string {
	switch a := max(v, -v); {
	case v == float64(int64(v)) && a < 1e9:
		return groupThousands(fmt.Sprintf("%d", int64(v)))
	case a >= 100:
		return groupThousands(fmt.Sprintf("%.0f", v))
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// groupThousands writes 12345 as "12 345" (a thin space keeps a figure one word).
func groupThousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteRune('\u202f')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Result of a row against its goal.
const (
	Met     = "met"
	Missed  = "missed"
	NoGoal  = "-"          // a reference row
	NotRun  = "not judged" // the run was too small to judge the goal (Note says why)
	Failure = "failed"     // the scenario could not run (Note says why)
)

// Row is one line of the table.
type Row struct {
	Scenario string   `json:"scenario"`
	Params   string   `json:"parameters"`
	Figures  []Figure `json:"figures"`
	Goal     string   `json:"goal"`
	Result   string   `json:"result"`
	Note     string   `json:"note,omitempty"`
	// CPU is the process's CPU time during the row's scenario, and the
	// time its threads spent runnable but waiting for a CPU, summed over
	// threads (on an idle machine it is near 0).
	CPU string `json:"cpu_used_waited"`
}

// FiguresText is the figures as one cell.
func (r Row) FiguresText() string {
	parts := make([]string, len(r.Figures))
	for i, f := range r.Figures {
		parts[i] = f.String()
	}
	return strings.Join(parts, ", ")
}

func (r *Row) add(name string, v float64, unit string) {
	r.Figures = append(r.Figures, Figure{Name: name, Value: v, Unit: unit})
}

// Figure returns the named figure's value (and whether the row has it).
func (r Row) Figure(name string) (float64, bool) {
	for _, f := range r.Figures {
		if f.Name == name {
			return f.Value, true
		}
	}
	return 0, false
}

func (r *Row) judge(met bool, whyMissed string) {
	r.Result = Met
	if !met {
		r.Result, r.Note = Missed, whyMissed
	}
}

// Report is one run: the table and how it was measured.
type Report struct {
	Rows    []Row     `json:"rows"`
	Started time.Time `json:"started"`
	Elapsed string    `json:"elapsed"`
	Machine string    `json:"machine"` // CPUs and the load average when the run started
	// RSS says how the peak RSS figures were measured.
	RSS string `json:"rss"`
}

// Run starts the embedded Temporal server, runs the scenarios o selects
// one after the other and returns their rows. A scenario that fails is a
// row with the reason (Result "failed"); the others still run. The error
// is for a run that could not start.
func Run(ctx context.Context, o Options) (*Report, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	if o.Platform == "" {
		o.Platform = "tmall"
	}
	rep := &Report{Started: time.Now(), Machine: machine(), RSS: rssMethod()}
	e, err := startEnv(ctx, o)
	if err != nil {
		return nil, err
	}
	defer e.close()
	for _, sc := range []struct {
		name string
		run  func(context.Context) ([]Row, error)
	}{
		{ScenarioQuota, e.quota},
		{ScenarioDurability, e.durability},
		{ScenarioResync, e.resync},
		{ScenarioOrders, e.orders},
		{ScenarioStock, e.stock},
		{ScenarioScale, e.scale},
	} {
		if !o.runs(sc.name) {
			continue
		}
		sctx, cancel := context.WithTimeout(ctx, o.timeout(sc.name))
		cpu := cpuNow()
		rows, err := sc.run(sctx)
		cancel()
		if err != nil {
			rows = append(rows, Row{Scenario: sc.name, Result: Failure, Note: err.Error()})
		}
		for i := range rows {
			rows[i].CPU = cpuNow().since(cpu)
		}
		rep.Rows = append(rep.Rows, rows...)
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
	}
	rep.Elapsed = time.Since(rep.Started).Round(time.Second).String()
	return rep, nil
}

// env is what every scenario shares: the Temporal server and its client.
type env struct {
	o        Options
	dir      string
	server   *devserver.Server
	client   client.Client
	warnings *warnCounter
	stacks   int
}

func startEnv(ctx context.Context, o Options) (*env, error) {
	dir, err := os.MkdirTemp("", "syncctl-bench-")
	if err != nil {
		return nil, err
	}
	e := &env{o: o, dir: dir, warnings: &warnCounter{}}
	e.say("starting the embedded Temporal server")
	e.server, err = devserver.Start(ctx, devserver.Options{StateDir: filepath.Join(dir, "temporal"), UIPort: devserver.NoUI,
		SearchAttributes: workflows.SearchAttributes(), LogLevel: "warn", Logger: slog.New(e.warnings)})
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("embedded temporal: %w", err)
	}
	// The SDK's own logs (an activity cancelled when a scenario times out)
	// are not kept: a scenario that fails says why in its row.
	e.client, err = client.DialContext(ctx, client.Options{HostPort: e.server.FrontendHostPort(), Namespace: e.server.Namespace(),
		Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	if err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

func (e *env) close() {
	if e.client != nil {
		e.client.Close()
	}
	if e.server != nil {
		_ = e.server.Stop()
	}
	_ = os.RemoveAll(e.dir)
}

func (e *env) say(format string, args ...any) {
	if e.o.Progress != nil {
		e.o.Progress(fmt.Sprintf(format, args...))
	}
}

// startStack starts a fresh stack on the shared server: its own store,
// sandboxes, task queues and shop name, so no workflow id of another
// scenario is met.
func (e *env) startStack(ctx context.Context, name string, so stack.Options) (*stack.Stack, error) {
	e.stacks++
	id := fmt.Sprintf("%s%d", name, e.stacks)
	so.Client, so.Namespace = e.client, e.server.Namespace()
	so.TaskQueue = "syncctl-bench-" + id
	so.DemoShop = "bench-" + id
	so.StoreDSN = filepath.Join(e.dir, id+".db")
	so.UIPort = -1
	return stack.Start(ctx, so)
}

// warnCounter is the embedded server's log handler: it keeps the warnings
// that a limit was passed (history size or count, mutable state, blob size).
type warnCounter struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnCounter) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (w *warnCounter) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "exceeds") && strings.Contains(r.Message, "limit") {
		w.mu.Lock()
		w.msgs = append(w.msgs, r.Message)
		w.mu.Unlock()
	}
	return nil
}
func (w *warnCounter) WithAttrs([]slog.Attr) slog.Handler { return w }
func (w *warnCounter) WithGroup(string) slog.Handler      { return w }

// count is how many limit warnings the server has logged so far.
func (w *warnCounter) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.msgs)
}
