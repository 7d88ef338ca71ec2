package devserver

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

const (
	saConnector = "SyncctlConnector" // Keyword
	saRecords   = "SyncctlRecords"   // Int
)

// testLogger forwards to t.Log until the test ends (server goroutines may
// still log during/after shutdown, and t.Log after the test panics).
func testLogger(t *testing.T) *slog.Logger {
	w := &testWriter{t: t}
	t.Cleanup(w.close)
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct {
	mu   sync.Mutex
	t    *testing.T
	done bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}
func (w *testWriter) close() { w.mu.Lock(); w.done = true; w.mu.Unlock() }

func rssKB(t testing.TB) int { return procStatusKB("VmRSS:") }

// procStatusKB reads a kB field of /proc/self/status (-1 if unavailable).
func procStatusKB(field string) int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, field) {
			n, _ := strconv.Atoi(strings.Fields(l)[1])
			return n
		}
	}
	return -1
}

// openDBFiles counts this process's open file descriptors on files in dir.
func openDBFiles(t testing.TB, dir string) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	n := 0
	for _, e := range ents {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err == nil && strings.HasPrefix(target, dir+string(filepath.Separator)) {
			n++
		}
	}
	return n
}

func SyncWorkflow(ctx workflow.Context, connector string) (string, error) {
	err := workflow.UpsertTypedSearchAttributes(ctx,
		temporal.NewSearchAttributeKeyKeyword(saConnector).ValueSet(connector),
		temporal.NewSearchAttributeKeyInt64(saRecords).ValueSet(42),
	)
	if err != nil {
		return "", err
	}
	return "synced " + connector, nil
}

func startServer(t *testing.T, ctx context.Context, opts Options) *Server {
	t.Helper()
	before := rssKB(t)
	t0 := time.Now()
	s, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("Start took %v; RSS %d MB -> %d MB; frontend %s, UI %q",
		time.Since(t0).Round(time.Millisecond), before/1024, rssKB(t)/1024, s.FrontendHostPort(), s.UIURL())
	return s
}

func TestDevServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	opts := Options{
		StateDir: dir,
		SearchAttributes: map[string]enums.IndexedValueType{
			saConnector: enums.INDEXED_VALUE_TYPE_KEYWORD,
			saRecords:   enums.INDEXED_VALUE_TYPE_INT,
		},
		Logger:   testLogger(t),
		LogLevel: "warn",
	}

	// ---- first run ----
	s := startServer(t, ctx, opts)
	stopped := false
	defer func() {
		if !stopped {
			s.Stop()
		}
	}()
	if s.Namespace() != "default" {
		t.Fatalf("Namespace() = %q", s.Namespace())
	}
	if !strings.HasPrefix(s.FrontendHostPort(), "127.0.0.1:") || !strings.HasPrefix(s.UIURL(), "http://127.0.0.1:") {
		t.Fatalf("addresses: %q %q", s.FrontendHostPort(), s.UIURL())
	}
	if _, err := os.Stat(filepath.Join(dir, DBFileName)); err != nil {
		t.Fatalf("database file: %v", err)
	}

	c, err := client.DialContext(ctx, client.Options{HostPort: s.FrontendHostPort(), Namespace: s.Namespace(),
		Logger: slogAdapter{testLogger(t)}})
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	w := worker.New(c, "devserver-test", worker.Options{})
	w.RegisterWorkflow(SyncWorkflow)
	if err := w.Start(); err != nil {
		t.Fatalf("worker: %v", err)
	}
	t0 := time.Now()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "sync-erp-1", TaskQueue: "devserver-test"}, SyncWorkflow, "erp-1")
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	var result string
	if err := run.Get(ctx, &result); err != nil || result != "synced erp-1" {
		t.Fatalf("workflow result %q, %v", result, err)
	}
	t.Logf("workflow completed in %v", time.Since(t0).Round(time.Millisecond))

	// Visibility: query by the custom Keyword attribute (eventually consistent).
	query := saConnector + ` = "erp-1" AND ` + saRecords + ` = 42 AND ExecutionStatus = "Completed"`
	t0 = time.Now()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		if err != nil {
			t.Fatalf("ListWorkflow(%s): %v", query, err)
		}
		if len(resp.Executions) == 1 && resp.Executions[0].Execution.WorkflowId == "sync-erp-1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("workflow not visible via %q after 30s (got %d)", query, len(resp.Executions))
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("visible in visibility after %v", time.Since(t0).Round(time.Millisecond))

	// Web UI: index page and the API proxy to the frontend.
	httpGet := func(url string) (int, string, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	code, ctype, body := httpGet(s.UIURL())
	if code != 200 || !strings.Contains(ctype, "text/html") || !strings.Contains(strings.ToLower(body), "<html") {
		t.Fatalf("GET %s: %d %q %.200q", s.UIURL(), code, ctype, body)
	}
	code, _, body = httpGet(s.UIURL() + "/api/v1/namespaces/default/workflows?query=" + "WorkflowId%3D%22sync-erp-1%22")
	if code != 200 || !strings.Contains(body, "sync-erp-1") {
		t.Fatalf("UI API list workflows: %d %.300q", code, body)
	}

	w.Stop()
	c.Close()
	frontend, uiURL := s.FrontendHostPort(), s.UIURL()
	t0 = time.Now()
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	stopped = true
	t.Logf("Stop took %v", time.Since(t0).Round(time.Millisecond))
	if err := s.Stop(); err != nil { // idempotent
		t.Fatalf("second Stop: %v", err)
	}

	// Ports and files released.
	_, fport, _ := net.SplitHostPort(frontend)
	_, uport, _ := net.SplitHostPort(strings.TrimPrefix(uiURL, "http://"))
	for _, hp := range []string{frontend, "127.0.0.1:" + uport} {
		l, err := net.Listen("tcp", hp)
		if err != nil {
			t.Fatalf("port %s still in use after Stop: %v", hp, err)
		}
		l.Close()
	}
	if n := openDBFiles(t, dir); n != 0 {
		t.Fatalf("%d file handles in %s still open after Stop", n, dir)
	}

	// ---- second run: same state dir, same ports ----
	opts.FrontendPort, _ = strconv.Atoi(fport)
	opts.UIPort, _ = strconv.Atoi(uport)
	s2 := startServer(t, ctx, opts)
	defer s2.Stop()
	if s2.FrontendHostPort() != frontend || s2.UIURL() != uiURL {
		t.Fatalf("restart addresses %s %s, want %s %s", s2.FrontendHostPort(), s2.UIURL(), frontend, uiURL)
	}
	c2, err := client.DialContext(ctx, client.Options{HostPort: s2.FrontendHostPort(), Namespace: s2.Namespace(),
		Logger: slogAdapter{testLogger(t)}})
	if err != nil {
		t.Fatalf("client after restart: %v", err)
	}
	defer c2.Close()
	desc, err := c2.DescribeWorkflowExecution(ctx, "sync-erp-1", "")
	if err != nil {
		t.Fatalf("describe after restart: %v", err)
	}
	if st := desc.WorkflowExecutionInfo.Status; st != enums.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		t.Fatalf("status after restart: %v", st)
	}
	var again string
	if err := c2.GetWorkflow(ctx, "sync-erp-1", "").Get(ctx, &again); err != nil || again != "synced erp-1" {
		t.Fatalf("result after restart %q, %v", again, err)
	}
	resp, err := c2.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query})
	if err != nil || len(resp.Executions) != 1 {
		t.Fatalf("visibility after restart: %v, %d", err, len(resp.Executions))
	}
	t0 = time.Now()
	if err := s2.Stop(); err != nil {
		t.Fatalf("Stop 2: %v", err)
	}
	t.Logf("Stop 2 took %v", time.Since(t0).Round(time.Millisecond))
}

// A search attribute added on a later start (existing namespace) is
// registered through the operator API and usable right away.
func TestDevServerAddSearchAttributeOnRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	opts := Options{StateDir: dir, UIPort: NoUI, Logger: testLogger(t),
		SearchAttributes: map[string]enums.IndexedValueType{saConnector: enums.INDEXED_VALUE_TYPE_KEYWORD}}
	s := startServer(t, ctx, opts)
	if s.UIURL() != "" {
		t.Fatalf("UIURL with NoUI = %q", s.UIURL())
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}

	opts.SearchAttributes = map[string]enums.IndexedValueType{
		saConnector: enums.INDEXED_VALUE_TYPE_KEYWORD,
		saRecords:   enums.INDEXED_VALUE_TYPE_INT,
	}
	s = startServer(t, ctx, opts)
	defer s.Stop()
	c, err := client.DialContext(ctx, client.Options{HostPort: s.FrontendHostPort(), Namespace: s.Namespace(),
		Logger: slogAdapter{testLogger(t)}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	w := worker.New(c, "tq", worker.Options{})
	w.RegisterWorkflow(SyncWorkflow) // upserts both attributes
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "wf", TaskQueue: "tq"}, SyncWorkflow, "x")
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Get(ctx, nil); err != nil {
		t.Fatalf("workflow upserting newly added attribute: %v", err)
	}

	// Changing the type of an existing attribute is a clear error.
	w.Stop()
	c.Close()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	opts.SearchAttributes = map[string]enums.IndexedValueType{saRecords: enums.INDEXED_VALUE_TYPE_KEYWORD}
	if s3, err := Start(ctx, opts); err == nil {
		s3.Stop()
		t.Fatal("Start with a changed search attribute type succeeded")
	} else if !strings.Contains(err.Error(), "cannot be changed") {
		t.Fatalf("unexpected error: %v", err)
	} else {
		t.Logf("type change error: %v", err)
	}
}

func TestDevServerInMemory(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := startServer(t, ctx, Options{UIPort: NoUI, Namespace: "syncctl", Logger: testLogger(t)})
	defer s.Stop()
	c, err := client.DialContext(ctx, client.Options{HostPort: s.FrontendHostPort(), Namespace: "syncctl",
		Logger: slogAdapter{testLogger(t)}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: "syncctl"}); err != nil {
		t.Fatal(err)
	}
}

func TestStartPortInUse(t *testing.T) {
	ctx := context.Background()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	busy := l.Addr().(*net.TCPAddr).Port

	for name, opts := range map[string]Options{
		"frontend": {StateDir: t.TempDir(), FrontendPort: busy},
		"ui":       {StateDir: t.TempDir(), UIPort: busy},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := Start(ctx, opts)
			if err == nil {
				s.Stop()
				t.Fatalf("Start on busy %s port %d succeeded", name, busy)
			}
			if !strings.Contains(err.Error(), strconv.Itoa(busy)) || !strings.Contains(err.Error(), "in use") {
				t.Fatalf("error does not explain the busy port: %v", err)
			}
			t.Logf("error: %v", err)
		})
	}
}

func TestStartValidation(t *testing.T) {
	ctx := context.Background()
	tooMany := map[string]enums.IndexedValueType{}
	for i := range 4 {
		tooMany["B"+strconv.Itoa(i)] = enums.INDEXED_VALUE_TYPE_BOOL
	}
	for name, opts := range map[string]Options{
		"too many bool attributes": {SearchAttributes: tooMany},
		"bad log level":            {LogLevel: "loud"},
		"bad ip":                   {IP: "not-an-ip"},
		"same ports":               {FrontendPort: 7233, UIPort: 7233},
		"reserved attribute name":  {SearchAttributes: map[string]enums.IndexedValueType{"WorkflowId": enums.INDEXED_VALUE_TYPE_KEYWORD}},
		"bad attribute name":       {SearchAttributes: map[string]enums.IndexedValueType{"a b": enums.INDEXED_VALUE_TYPE_KEYWORD}},
		"unspecified type":         {SearchAttributes: map[string]enums.IndexedValueType{"X": enums.INDEXED_VALUE_TYPE_UNSPECIFIED}},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := Start(ctx, opts)
			if err == nil {
				s.Stop()
				t.Fatal("expected an error")
			}
			t.Logf("error: %v", err)
		})
	}
	lim := SQLiteSearchAttributeLimits()
	if lim[enums.INDEXED_VALUE_TYPE_KEYWORD] != 10 || lim[enums.INDEXED_VALUE_TYPE_BOOL] != 3 {
		t.Fatalf("limits: %v", lim)
	}
}

// slogAdapter adapts slog to the SDK's log.Logger.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Debug(msg string, kv ...interface{}) {}
func (a slogAdapter) Info(msg string, kv ...interface{})  {}
func (a slogAdapter) Warn(msg string, kv ...interface{})  { a.l.Warn(msg, kv...) }
func (a slogAdapter) Error(msg string, kv ...interface{}) { a.l.Error(msg, kv...) }

// temporal.db and its -wal and -shm files are 0600 in a new state dir, and
// a looser database from before is tightened on start.
func TestDBFileMode(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	opts := Options{StateDir: dir, UIPort: NoUI, Logger: testLogger(t)}
	db := filepath.Join(dir, DBFileName)
	checkModes := func(when string) {
		t.Helper()
		for _, path := range []string{db, db + "-wal", db + "-shm"} {
			st, err := os.Stat(path)
			if err != nil {
				if path == db {
					t.Fatalf("%s: %v", when, err)
				}
				continue // no WAL yet
			}
			if perm := st.Mode().Perm(); perm != dbFileMode {
				t.Errorf("%s: %s has mode %#o, want %#o", when, filepath.Base(path), perm, dbFileMode)
			}
		}
	}

	s := startServer(t, ctx, opts)
	checkModes("new state dir")
	// An existing database with the mode SQLite gives a file it creates.
	for _, path := range []string{db, db + "-wal", db + "-shm"} {
		if err := os.Chmod(path, 0o644); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	s = startServer(t, ctx, opts)
	defer s.Stop()
	checkModes("existing state dir")
}
