package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/syncctl/syncctl/app"
	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/config"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/platforms"
	"github.com/syncctl/syncctl/sandbox/kit"
	"github.com/syncctl/syncctl/store"
	_ "github.com/syncctl/syncctl/store/sqlite" // the worker's store
	"github.com/syncctl/syncctl/workflows"
)

// scaleGoalSKUs is the size issue 12's goal names.
const scaleGoalSKUs = 1_000_000

// scaleRSSGoal is the worker's RSS the goal allows, in MiB.
const scaleRSSGoal = 512

// scale pushes ScaleSKUs generated SKUs to one unthrottled shop served by
// a worker in its own process: this executable run as `syncctl worker`
// with a configuration file (the same store file, this run's Temporal
// server, the sandbox's gateway; credentials in its environment), so its
// RSS is the worker's alone, not the Temporal server's or the sandbox's.
// Two rows: the catalog import (and the store's size), and the push.
func (e *env) scale(ctx context.Context) ([]Row, error) {
	exe, err := e.workerBinary()
	if err != nil {
		return nil, err
	}
	gen := catalog.GenerateOptions{SPUs: spus(e.o.ScaleSKUs, e.o.SKUsPerSPU), SKUsPerSPU: e.o.SKUsPerSPU, Seed: 4, Prefix: "S"}
	total := gen.SPUs * gen.SKUsPerSPU
	e.stacks++
	id := fmt.Sprintf("scale%d", e.stacks)
	dir := filepath.Join(e.dir, id)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir) // a 1 000 000-SKU store is hundreds of MiB
	dsn := filepath.Join(dir, "syncctl.db")
	size := fmt.Sprintf("%s SKUs (%s SPUs × %d)", formatValue(float64(total)), formatValue(float64(gen.SPUs)), gen.SKUsPerSPU)

	e.say("scale: generating and importing %d SKUs", total)
	imp, err := importScaleCatalog(ctx, dsn, gen)
	if err != nil {
		return nil, err
	}
	imported := storeMiB(dsn)
	importRow := Row{Scenario: "catalog import at scale", Params: size + " generated (catalog generate) and imported into a new SQLite store",
		Goal: NoGoal, Result: NoGoal}
	importRow.add("import", imp.Seconds(), "s")
	importRow.add("SKUs/s", float64(total)/imp.Seconds(), "")
	importRow.add("store file", imported, "MiB")

	reg, ok := platforms.Lookup(e.o.Platform)
	if !ok {
		return []Row{importRow}, fmt.Errorf("no platform %q", e.o.Platform)
	}
	shop := domain.ShopRef{Channel: reg.ID(), Shop: "bench-" + id}
	sb, err := startScaleSandbox(reg)
	if err != nil {
		return []Row{importRow}, err
	}
	defer sb.close()

	queue := "syncctl-bench-" + id
	e.say("scale: starting `syncctl worker` in its own process")
	w, err := e.startWorkerProcess(ctx, exe, dir, dsn, queue, shop, reg, sb)
	if err != nil {
		return []Row{importRow}, err
	}
	defer w.stop()
	if err := w.waitPolling(ctx, e, workflows.ShopQueue(queue, shop)); err != nil {
		return []Row{importRow}, err
	}

	e.say("scale: pushing %d SKUs through the worker process (pid %d)", total, w.pid())
	r, err := e.scalePush(ctx, w, sb, queue, shop)
	if err != nil {
		return []Row{importRow}, err
	}
	if err := w.stop(); err != nil {
		return []Row{importRow}, err
	}
	r.workerCPU = w.cpu()
	importRow.add("store file after the push", storeMiB(dsn), "MiB")

	push := Row{Scenario: "push at scale, worker in its own process",
		Params: fmt.Sprintf("%s to one %s shop, no quota, %d in flight; `syncctl worker` as a child process", size, e.o.Platform, e.o.Parallel),
		Goal:   "1 000 000 SKUs: no Temporal limit warning, worker RSS < 512 MiB"}
	push.add("SKUs", float64(r.SKUs), "")
	push.add("elapsed", r.Elapsed.Seconds(), "s")
	push.add("SKUs/s", r.skusPerSecond(), "")
	push.add("worker peak RSS", r.workerPeak, "MiB")
	push.add("worker RSS sampled max", r.workerSampled, "MiB")
	push.add("worker RSS before", r.workerIdle, "MiB")
	push.add("worker RSS after", r.workerEnd, "MiB")
	push.add("of it anonymous", r.workerAnon, "MiB")
	push.add("worker CPU per 1 000 SKUs", r.workerCPU.Seconds()*1000/float64(max(r.SKUs, 1)), "s")
	push.add("limit warnings", float64(r.Warnings), "")
	push.add("history events per 1 000 SKUs", float64(r.History.Events)*1000/float64(max(r.SKUs, 1)), "")
	push.add("runs", float64(r.History.Runs), "")
	push.add("largest run", float64(r.History.MaxRunEvents), "events")
	push.add("largest run", float64(r.History.MaxRunBytes)/1024, "KiB")
	push.add("largest payload", float64(r.History.LargestPayload), "B")
	push.add("calls", float64(r.Served), "")
	push.add("bench process peak RSS", r.RSS, "MiB")
	within := r.Warnings == 0 && r.History.withinLimits()
	switch {
	case r.SKUs >= scaleGoalSKUs:
		push.judge(within && r.workerPeak < scaleRSSGoal, fmt.Sprintf("%d limit warnings, history within limits: %t, worker peak RSS %.0f MiB", r.Warnings, r.History.withinLimits(), r.workerPeak))
	case within:
		push.Result, push.Note = NotRun, fmt.Sprintf("run at %s SKUs: within every limit; the goal is judged at 1 000 000", formatValue(float64(r.SKUs)))
	default:
		push.judge(false, "a Temporal limit was reached below 1 000 000 SKUs")
	}
	return []Row{importRow, push}, nil
}

// workerBinary is the syncctl executable the scenario runs as `syncctl
// worker`. A test binary is refused: run with "worker" it would run the
// tests again, each starting more.
func (e *env) workerBinary() (string, error) {
	if e.o.WorkerBinary != "" {
		return e.o.WorkerBinary, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("the scale scenario runs this executable as `syncctl worker`: %w", err)
	}
	if b := strings.TrimSuffix(filepath.Base(exe), ".exe"); strings.HasSuffix(b, ".test") {
		return "", errors.New("the scale scenario runs `syncctl worker` as a child process: a test binary is not syncctl (set Options.WorkerBinary)")
	}
	return exe, nil
}

// importScaleCatalog creates the store and imports the generated catalog
// into it, as `syncctl catalog generate | syncctl catalog import -` would,
// then closes it for the worker; it returns the import's time.
func importScaleCatalog(ctx context.Context, dsn string, gen catalog.GenerateOptions) (time.Duration, error) {
	st, err := store.Open(ctx, "sqlite", dsn)
	if err != nil {
		return 0, err
	}
	t0 := time.Now()
	_, err = importGenerated(ctx, st, gen, nil)
	imp := time.Since(t0)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	return imp, err
}

// storeMiB is the SQLite store's size on disk: the database file and its
// write-ahead log.
func storeMiB(dsn string) float64 {
	var n int64
	for _, f := range []string{dsn, dsn + "-wal"} {
		if fi, err := os.Stat(f); err == nil {
			n += fi.Size()
		}
	}
	return float64(n) / (1 << 20)
}

// scaleSandbox is the platform's sandbox with one shop, no quota, served
// on loopback in this process.
type scaleSandbox struct {
	handler kit.Sandbox
	srv     *http.Server
	url     string
	creds   map[string]string
	admin   kit.AdminClient
}

func startScaleSandbox(reg platforms.Registration) (*scaleSandbox, error) {
	creds := reg.Sandbox.NewCredentials()
	h, err := reg.Sandbox.Start(kit.Config{Credentials: creds, Seed: time.Now().UnixNano()})
	if err != nil {
		return nil, fmt.Errorf("%s sandbox: %w", reg.ID(), err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = h.Close()
		return nil, err
	}
	sb := &scaleSandbox{handler: h, srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}, url: "http://" + ln.Addr().String(), creds: creds}
	sb.admin = kit.AdminClient{BaseURL: sb.url}
	go func() { _ = sb.srv.Serve(ln) }()
	return sb, nil
}

func (sb *scaleSandbox) close() {
	_ = sb.srv.Close()
	_ = sb.handler.Close()
}

// workerProcess is `syncctl worker` running as a child of this process.
type workerProcess struct {
	cmd  *exec.Cmd
	log  string
	done chan struct{} // closed when it has exited
	err  error         // its exit, once done

	stopOnce sync.Once
	stopErr  error
}

// startWorkerProcess writes the worker's configuration (the store file,
// this run's Temporal server, the shop at the sandbox, paced at no quota)
// and starts exe as `syncctl worker` on it. Credentials go in its
// environment under the names the configuration reads by default
// (SYNCCTL_<CHANNEL>_<SHOP>_<NAME>), never in the file or its arguments;
// this process's own SYNCCTL_* variables are not passed on, for they would
// override the file.
func (e *env) startWorkerProcess(ctx context.Context, exe, dir, dsn, queue string, shop domain.ShopRef, reg platforms.Registration, sb *scaleSandbox) (*workerProcess, error) {
	setup := reg.Sandbox.Shop(sb.url)
	sh := map[string]any{"channel": shop.Channel, "shop": shop.Shop, "gateway": setup.Gateway, "qps": unpaced}
	if len(setup.Options) > 0 {
		sh["options"] = setup.Options
	}
	cfg := map[string]any{
		"temporal": map[string]any{"address": e.server.FrontendHostPort(), "namespace": e.server.Namespace()},
		"store":    map[string]any{"driver": "sqlite", "dsn": dsn},
		"shops":    []any{sh},
	}
	b, err := yaml.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(dir, "worker.yaml")
	if err := os.WriteFile(cfgPath, b, 0o600); err != nil {
		return nil, err
	}
	var envv []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SYNCCTL_") {
			envv = append(envv, kv)
		}
	}
	for _, spec := range reg.Connector.Credentials {
		if v, ok := sb.creds[spec.Name]; ok && !spec.Minted {
			envv = append(envv, config.CredentialEnv(shop.Channel, shop.Shop, spec.Name)+"="+v)
		}
	}
	logPath := filepath.Join(dir, "worker.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child has its own descriptor
	cmd := exec.CommandContext(ctx, exe, "worker", "--config", cfgPath, "--task-queue", queue)
	cmd.Env, cmd.Stdout, cmd.Stderr = envv, logf, logf
	// On a timeout or an interrupt it stops as on SIGTERM; killed if it
	// has not within the delay.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	tieToThisProcess(cmd)
	w := &workerProcess{cmd: cmd, log: logPath, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // the starting thread lives as long as the worker (tieToThisProcess)
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		w.err = cmd.Wait()
		close(w.done)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("start %s worker: %w", exe, err)
	}
	return w, nil
}

func (w *workerProcess) pid() int { return w.cmd.Process.Pid }

func (w *workerProcess) exited() bool {
	select {
	case <-w.done:
		return true
	default:
		return false
	}
}

// failed says the worker exited before its time, with the end of its log.
func (w *workerProcess) failed() error {
	b, _ := os.ReadFile(w.log)
	tail := strings.TrimSpace(string(b))
	if len(tail) > 2000 {
		tail = "…" + tail[len(tail)-2000:]
	}
	return fmt.Errorf("the worker process exited (%v): %s", w.err, tail)
}

// waitPolling waits until the worker polls the shop's queue.
func (w *workerProcess) waitPolling(ctx context.Context, e *env, queue string) error {
	deadline := time.Now().Add(2 * time.Minute)
	for len(app.Pollers(ctx, e.client, e.server.Namespace(), queue)) == 0 {
		switch {
		case w.exited():
			return w.failed()
		case ctx.Err() != nil:
			return ctx.Err()
		case time.Now().After(deadline):
			return fmt.Errorf("the worker process did not poll %s within 2 minutes", queue)
		}
		time.Sleep(200 * time.Millisecond)
	}
	return nil
}

// stop ends the worker as SIGTERM does and waits for it to exit.
func (w *workerProcess) stop() error {
	w.stopOnce.Do(func() {
		if !w.exited() {
			_ = w.cmd.Process.Signal(os.Interrupt)
		}
		select {
		case <-w.done:
		case <-time.After(30 * time.Second):
			_ = w.cmd.Process.Kill()
			<-w.done
			w.stopErr = errors.New("the worker process did not stop within 30 s of SIGTERM (killed)")
		}
	})
	return w.stopErr
}

// cpu is the CPU time the worker used over its life (once it has exited).
func (w *workerProcess) cpu() time.Duration {
	if s := w.cmd.ProcessState; s != nil {
		return s.UserTime() + s.SystemTime()
	}
	return 0
}

// scaleRun is a scale push: the measured push, and the worker's own RSS
// (MiB) and CPU.
type scaleRun struct {
	pushRun
	workerIdle, workerPeak, workerEnd float64
	workerAnon                        float64 // RssAnon after: the heap and stacks, not the executable's pages
	workerSampled                     float64 // the largest VmRSS sampled each second
	workerCPU                         time.Duration
}

// sampleWorker reads the worker's VmRSS every second until the returned
// function is called, which returns the largest; every minute it says how
// far the push is and the worker's RSS.
func (e *env) sampleWorker(ctx context.Context, status, workflowID string, t0 time.Time) func() float64 {
	ctx, cancel := context.WithCancel(ctx)
	var mu sync.Mutex
	var largest float64
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for n := 0; ; n++ {
			rss := procStatusMiB(status, "VmRSS")
			mu.Lock()
			largest = max(largest, rss)
			mu.Unlock()
			if n > 0 && n%60 == 0 {
				var p workflows.PushProgress
				if v, err := e.client.QueryWorkflow(ctx, workflowID, "", workflows.QueryProgress); err == nil && v.Get(&p) == nil {
					e.say("scale: %s, %d SKUs pushed, worker RSS %.0f MiB (peak %.0f)", time.Since(t0).Round(time.Second), p.SKUs, rss, procStatusMiB(status, "VmHWM"))
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return func() float64 {
		cancel()
		<-done
		mu.Lock()
		defer mu.Unlock()
		return largest
	}
}

// scalePush runs the catalog push on the worker process's queue and
// measures it: time, calls, the history, Temporal's limit warnings, the
// worker's RSS (VmHWM of /proc/<pid>/status, its high-water mark since it
// started, VmRSS before and after, and RssAnon after) and this process's.
func (e *env) scalePush(ctx context.Context, w *workerProcess, sb *scaleSandbox, queue string, shop domain.ShopRef) (scaleRun, error) {
	status := fmt.Sprintf("/proc/%d/status", w.pid())
	r := scaleRun{workerIdle: procStatusMiB(status, "VmRSS")}
	before, err := sb.admin.Stats(ctx)
	if err != nil {
		return r, err
	}
	warned := e.warnings.count()
	resetPeakRSS()
	t0 := time.Now()
	run, err := workflows.StartOn(ctx, e.client, queue, shop, workflows.CatalogPushID(shop), workflows.CatalogPushWorkflowName,
		workflows.CatalogPushInput{Shop: shop, Parallel: e.o.Parallel})
	if err != nil {
		return r, err
	}
	// Get follows each continue-as-new, and GetRunID then names the last
	// run: the history is read from the first.
	first := run.GetRunID()
	sampled := e.sampleWorker(ctx, status, run.GetID(), t0)
	var p workflows.PushProgress
	err = run.Get(ctx, &p)
	r.workerSampled = sampled()
	if err != nil {
		if w.exited() {
			return r, w.failed()
		}
		return r, err
	}
	r.pushRun = pushRun{SKUs: p.SKUs, Products: p.Pushed + p.Failed, Elapsed: time.Since(t0), Failed: p.Failed, RSS: peakRSS()}
	r.workerPeak, r.workerEnd, r.workerAnon = procStatusMiB(status, "VmHWM"), procStatusMiB(status, "VmRSS"), procStatusMiB(status, "RssAnon")
	after, err := sb.admin.Stats(ctx)
	if err != nil {
		return r, err
	}
	for m, n := range after.Served {
		r.Served += n - before.Served[m]
	}
	r.Warnings = e.warnings.count() - warned
	e.say("scale: reading the push's history")
	if r.History, err = readHistory(ctx, e.client, run.GetID(), first); err != nil {
		return r, err
	}
	switch {
	case p.Failed > 0:
		return r, fmt.Errorf("%d products failed, first: %+v", p.Failed, p.Failures[0])
	case r.SKUs == 0:
		return r, errors.New("the push wrote no SKU")
	}
	return r, nil
}

// procStatusMiB is a kB field of a /proc/<pid>/status file in MiB (0 where
// there is none).
func procStatusMiB(path, field string) float64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
