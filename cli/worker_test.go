package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/server/temporaltest"

	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/catalog/sample"
	"github.com/syncctl/syncctl/cli"
	"github.com/syncctl/syncctl/erp"
	"github.com/syncctl/syncctl/platforms"
	"github.com/syncctl/syncctl/sandbox/kit"
	"github.com/syncctl/syncctl/workflows"
)

// sampleSize counts the products and SKUs of the shipped sample catalog.
func sampleSize(t *testing.T) (products, skus int) {
	t.Helper()
	res, err := catalog.Parse(bytes.NewReader(sample.JSON()), catalog.FormatJSON)
	if err != nil || len(res.Rejected) > 0 {
		t.Fatalf("sample catalog: %v %v", err, res.Rejected)
	}
	for _, p := range res.Products {
		skus += len(p.SKUs)
	}
	return len(res.Products), skus
}

// shopOptionsYAML is the Tmall sandbox shop's connector options (sign
// method and a sale-property id per sample spec name) as a YAML flow map,
// signing with md5 here to cover another method than the stack's.
func shopOptionsYAML(t *testing.T, reg platforms.Registration) string {
	opts := reg.Sandbox.Shop("").Options
	opts["sign_method"] = "md5"
	b, err := json.Marshal(opts) // JSON is YAML
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// syncBuffer is a bytes.Buffer safe for a background command to write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// externalStack is what a production worker runs against, in process: a
// Temporal test server, the Tmall sandbox (through its registration), the
// reference ERP receiver, and a config file naming them with a shop
// tmall/flagship whose secrets come from env and a file.
type externalStack struct {
	temporal *temporaltest.TestServer
	sandbox  *httptest.Server
	admin    kit.AdminClient
	receiver *erp.Receiver
	dir      string
	common   []string // the global flags pointing at all of it
}

func newExternalStack(t *testing.T) *externalStack {
	t.Helper()
	ts := temporaltest.NewServer(temporaltest.WithT(t))
	reg, ok := platforms.Lookup("tmall")
	if !ok {
		t.Fatal("tmall is not registered")
	}
	sb, err := reg.Sandbox.Open(kit.Config{Credentials: map[string]string{"app_key": "23000042", "app_secret": "cli-app-secret", "session": "cli-session"}, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	sbSrv := httptest.NewServer(sb)
	t.Cleanup(sbSrv.Close)
	rcv := erp.NewReceiver([]byte("cli-erp-secret"), nil)
	erpSrv := httptest.NewServer(rcv.Handler())
	t.Cleanup(erpSrv.Close)

	dir := t.TempDir()
	sessionFile := filepath.Join(dir, "session")
	_ = os.WriteFile(sessionFile, []byte("cli-session\n"), 0o600)
	cfg := filepath.Join(dir, "syncctl.yaml")
	_ = os.WriteFile(cfg, []byte(`
erp:
  url: `+erpSrv.URL+`/webhooks/syncctl
orders:
  interval: 7m
  lag: 0s
  overlap: 2m
shops:
  - channel: tmall
    shop: flagship
    gateway: `+sbSrv.URL+`/router/rest
    credentials:
      app_key: {value: "23000042"}
      session: {file: `+sessionFile+`}
    qps: 100
    options: `+shopOptionsYAML(t, reg)+`
`), 0o600)
	t.Setenv("SYNCCTL_TMALL_FLAGSHIP_APP_SECRET", "cli-app-secret")
	t.Setenv("SYNCCTL_ERP_SECRET", "cli-erp-secret")
	return &externalStack{temporal: ts, sandbox: sbSrv, admin: kit.AdminClient{BaseURL: sbSrv.URL}, receiver: rcv, dir: dir,
		common: []string{"--config", cfg, "--state-dir", dir, "--temporal-address", ts.GetFrontendHostPort(), "--namespace", ts.GetDefaultNamespace()}}
}

// importCatalog imports a catalog file's content through the CLI.
func (s *externalStack) importCatalog(t *testing.T, name string, content []byte) {
	t.Helper()
	file := filepath.Join(s.dir, name)
	_ = os.WriteFile(file, content, 0o644)
	if code, _, e := run(t, append([]string{"catalog", "import", file}, s.common...)...); code != 0 {
		t.Fatalf("import %s: %d %s", name, code, e)
	}
}

// startWorker runs `syncctl worker` (with the extra flags) until the test
// ends, when it must exit 0; it returns the worker's output so far.
func (s *externalStack) startWorker(t *testing.T, extra ...string) (output func() string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wout, werr syncBuffer
	done := make(chan int)
	go func() {
		done <- cli.MainContext(ctx, append(append([]string{"worker"}, s.common...), extra...), strings.NewReader(""), &wout, &werr)
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("worker exit %d: %s", code, werr.String())
		}
	})
	return func() string { return werr.String() + wout.String() }
}

// The production path: `syncctl worker` from a config file (secrets from env
// and a file) against an existing Temporal cluster, driven by `syncctl push`
// and `syncctl orders pull --once` from other processes' point of view.
func TestWorkerPushAndPullAgainstExternalTemporal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	s := newExternalStack(t)
	common, dir, rcv, admin, ts := s.common, s.dir, s.receiver, s.admin, s.temporal
	s.importCatalog(t, "catalog.json", sample.JSON())
	workerOutput := s.startWorker(t)

	code, out, e := run(t, append([]string{"push", "--shop", "tmall/flagship", "-o", "json"}, common...)...)
	if code != 0 {
		t.Fatalf("push: exit %d: %s %s\nworker: %s", code, out, e, workerOutput())
	}
	wantProducts, wantSKUs := sampleSize(t)
	var p struct{ Pushed, SKUs, Failed int }
	if err := json.Unmarshal([]byte(out), &p); err != nil || p.Pushed != wantProducts || p.SKUs != wantSKUs || p.Failed != 0 {
		t.Fatalf("push result %s (%v)", out, err)
	}
	if _, err := admin.SellOrders(context.Background(), 6, ""); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // orders carry second-resolution times
	code, out, e = run(t, append([]string{"orders", "pull", "--once", "--shop", "tmall/flagship", "-o", "json"}, common...)...)
	if code != 0 {
		t.Fatalf("orders pull: exit %d: %s %s", code, out, e)
	}
	var st struct{ Created, Delivered int }
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.Created != 6 || st.Delivered != 6 {
		t.Fatalf("pull result %s (%v)", out, err)
	}
	if stats := rcv.Stats(); stats.Accepted != 6 || stats.BadSignature != 0 {
		t.Fatalf("erp stats %+v", stats)
	}
	items, err := admin.Items(context.Background())
	if err != nil || len(items) != wantProducts {
		t.Fatalf("sandbox has %d items, want %d (%v)", len(items), wantProducts, err)
	}

	// A product Tmall refuses (title over 30 characters): push exits 3, also
	// with -o json, whose stdout is the JSON result and nothing else.
	long := filepath.Join(dir, "long.csv")
	_ = os.WriteFile(long, []byte("spu_code,title,sku_code,list_price,stock\nLONG-1,"+strings.Repeat("长", 31)+",LONG-1-A,9.90,3\n"), 0o644)
	if code, _, e := run(t, append([]string{"catalog", "import", long}, common...)...); code != 0 {
		t.Fatalf("import long title: %d %s", code, e)
	}
	code, out, e = run(t, append([]string{"push", "--shop", "tmall/flagship", "-o", "json"}, common...)...)
	var failed struct{ Total, Pushed, Failed int }
	if err := json.Unmarshal([]byte(out), &failed); err != nil || code != cli.ExitPartial || failed.Failed != 1 || failed.Pushed != 0 || !strings.HasPrefix(out, "{") {
		t.Fatalf("push with a failing product: exit %d (want 3), %v: %q %s", code, err, out, e)
	}

	// Started and left running: -o json prints the workflow id and run id.
	code, out, e = run(t, append([]string{"push", "--shop", "tmall/flagship", "--wait=false", "-o", "json"}, common...)...)
	var st1 struct {
		WorkflowID string `json:"workflow_id"`
		RunID      string `json:"run_id"`
	}
	if err := json.Unmarshal([]byte(out), &st1); err != nil || code != 0 || st1.WorkflowID != "catalog-push/tmall/flagship" || st1.RunID == "" {
		t.Fatalf("push --wait=false: exit %d, %v: %q %s", code, err, out, e)
	}
	code, out, e = run(t, append([]string{"orders", "pull", "--shop", "tmall/flagship", "-o", "json"}, common...)...)
	if err := json.Unmarshal([]byte(out), &st1); err != nil || code != 0 || st1.WorkflowID != "order-pull/tmall/flagship" || st1.RunID == "" {
		t.Fatalf("orders pull: exit %d, %v: %q %s", code, err, out, e)
	}
	// Its interval is the config's orders.interval, not a flag default.
	var pullIn workflows.OrderPullInput
	hist := ts.GetDefaultClient().GetWorkflowHistory(context.Background(), st1.WorkflowID, st1.RunID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	first, err := hist.Next()
	if err != nil {
		t.Fatal(err)
	}
	if err := converter.GetDefaultDataConverter().FromPayloads(first.GetWorkflowExecutionStartedEventAttributes().GetInput(), &pullIn); err != nil {
		t.Fatal(err)
	}
	if pullIn.Interval != 7*time.Minute || pullIn.Overlap != 2*time.Minute {
		t.Fatalf("long-running pull input %+v: want interval 7m and overlap 2m from the config", pullIn)
	}

	for _, secret := range []string{"cli-app-secret", "cli-session", "cli-erp-secret"} {
		if strings.Contains(workerOutput(), secret) {
			t.Fatalf("worker output leaked %q", secret)
		}
	}
}
