package app_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/server/temporaltest"

	"github.com/syncctl/syncctl/app"
	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/platforms"
	_ "github.com/syncctl/syncctl/platforms/fakeplatform"
	"github.com/syncctl/syncctl/sandbox/kit"
	"github.com/syncctl/syncctl/store"
	_ "github.com/syncctl/syncctl/store/sqlite"
	"github.com/syncctl/syncctl/workflows"
)

// fakeShop starts a sandbox of the registered test platform and returns a
// shop configuration for it.
func fakeShop(t *testing.T, name string) connectors.ShopConfig {
	t.Helper()
	reg, ok := platforms.Lookup("fake")
	if !ok {
		t.Fatal("the fake platform is not registered")
	}
	creds := reg.Sandbox.NewCredentials()
	sb, err := reg.Sandbox.Open(kit.Config{Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { srv.Close(); _ = sb.Close() })
	setup := reg.Sandbox.Shop(srv.URL)
	cfg := connectors.ShopConfig{Channel: "fake", Shop: name, Gateway: setup.Gateway, Options: setup.Options, Credentials: map[string]connectors.Secret{}}
	for k, v := range creds {
		cfg.Credentials[k] = connectors.Secret(v)
	}
	return cfg
}

func openStore(t *testing.T) (store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "syncctl.db")
	st, err := store.Open(context.Background(), "sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, path
}

// A worker takes only the tasks of the shops it serves: a push started for
// a shop no worker serves waits on that shop's queue (no worker picks it
// up and fails it as "not configured"), and a worker with another store is
// refused the shop a running worker serves.
func TestWorkersServeOnlyTheirShops(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ts := temporaltest.NewServer(temporaltest.WithT(t))
	c, ns := ts.GetDefaultClient(), ts.GetDefaultNamespace()
	if err := workflows.EnsureSearchAttributes(ctx, c, ns); err != nil {
		t.Fatal(err)
	}
	shopA := fakeShop(t, "a")
	stA, pathA := openStore(t)
	wa, err := app.NewWorker(app.WorkerOptions{Client: c, Namespace: ns, Store: stA, StoreID: app.StoreID("sqlite", pathA), Shops: []connectors.ShopConfig{shopA}})
	if err != nil {
		t.Fatal(err)
	}
	if err := wa.Start(); err != nil {
		t.Fatal(err)
	}
	defer wa.Stop()

	// Shop b is served by nobody: its push waits, untouched.
	b := domain.ShopRef{Channel: "fake", Shop: "b"}
	run, err := workflows.Start(ctx, c, b, workflows.CatalogPushID(b), workflows.CatalogPushWorkflowName, workflows.CatalogPushInput{Shop: b})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	d, err := c.DescribeWorkflowExecution(ctx, run.GetID(), "")
	if err != nil {
		t.Fatal(err)
	}
	if st := d.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Fatalf("push of an unserved shop is %s, want still running (waiting for a worker)", st)
	}
	if n := historyEvents(ctx, t, c, run.GetID(), enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED); n != 0 {
		t.Fatalf("a worker that does not serve shop b took %d of its workflow tasks", n)
	}

	// Shop a's own push runs on a's worker.
	a := shopA.Ref()
	runA, err := workflows.Start(ctx, c, a, workflows.CatalogPushID(a), workflows.CatalogPushWorkflowName, workflows.CatalogPushInput{Shop: a})
	if err != nil {
		t.Fatal(err)
	}
	var p workflows.PushProgress
	if err := runA.Get(ctx, &p); err != nil || !p.Done {
		t.Fatalf("push of the served shop: %+v, %v", p, err)
	}

	// A second worker with another store for the same shop is refused.
	stB, pathB := openStore(t)
	wb, err := app.NewWorker(app.WorkerOptions{Client: c, Namespace: ns, Store: stB, StoreID: app.StoreID("sqlite", pathB), Shops: []connectors.ShopConfig{shopA}})
	if err != nil {
		t.Fatal(err)
	}
	err = wb.CheckQueues(ctx)
	if domain.ErrorCode(err) != domain.EConflict || !strings.Contains(err.Error(), "shop fake/a is already served on this Temporal by syncctl@") {
		t.Fatalf("second worker with another store: %v", err)
	}
	// The same store (another process of one deployment) is welcome.
	wc, err := app.NewWorker(app.WorkerOptions{Client: c, Namespace: ns, Store: stA, StoreID: app.StoreID("sqlite", pathA), Shops: []connectors.ShopConfig{shopA}})
	if err != nil {
		t.Fatal(err)
	}
	if err := wc.CheckQueues(ctx); err != nil {
		t.Fatalf("a second worker on the same store: %v", err)
	}
}

// A worker serves at least one shop.
func TestAWorkerWithoutShopsIsRefused(t *testing.T) {
	st, _ := openStore(t)
	_, err := app.NewWorker(app.WorkerOptions{Store: st})
	if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "no shops to serve") {
		t.Fatalf("err = %v", err)
	}
}

func historyEvents(ctx context.Context, t *testing.T, c client.Client, id string, kind enumspb.EventType) int {
	t.Helper()
	n := 0
	it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if ev.GetEventType() == kind {
			n++
		}
	}
	return n
}

// A commission policy on a shop whose platform has no promotion pool is a
// configuration mistake, named before the worker starts.
func TestCommissionOnAPlatformWithoutAPoolIsRefused(t *testing.T) {
	st, _ := openStore(t)
	shop := fakeShop(t, "main")
	shop.Commission = &domain.CommissionPolicy{Default: 2000}
	_, err := app.NewWorker(app.WorkerOptions{Store: st, Shops: []connectors.ShopConfig{shop}})
	if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "shop fake/main, field commission: fake has no promotion pool") {
		t.Fatalf("err = %v", err)
	}
}

// Worker processes serving one shop share its quota: with a second
// process polling the shop's queue, each paces at half the quota; workers
// of one process count once.
func TestWorkerProcessesShareAShopsQuota(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	ts := temporaltest.NewServer(temporaltest.WithT(t))
	c, ns := ts.GetDefaultClient(), ts.GetDefaultNamespace()
	shop := fakeShop(t, "quota")
	shop.QPS = 8
	st, path := openStore(t)
	old := app.QuotaShareEvery
	app.QuotaShareEvery = 100 * time.Millisecond
	t.Cleanup(func() { app.QuotaShareEvery = old })
	opts := app.WorkerOptions{Client: c, Namespace: ns, Store: st, StoreID: app.StoreID("sqlite", path), Shops: []connectors.ShopConfig{shop}}
	w, err := app.NewWorker(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	opts.Name = "second-in-this-process"
	w2, err := app.NewWorker(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := w2.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w2.Stop)
	gate := shop.Gate(0)
	waitFor := func(n int) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for gate.Workers() != n {
			if time.Now().After(deadline) {
				t.Fatalf("the shop's quota is shared by %d processes, want %d", gate.Workers(), n)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor(1) // two workers, one process
	if float64(gate.Limit()) != 8 {
		t.Fatalf("pace alone = %v, want 8", gate.Limit())
	}
	// Another process polls the shop's queue.
	other := worker.New(c, workflows.ShopQueue(workflows.TaskQueue, shop.Ref()), worker.Options{Identity: "syncctl@other-host:4242 store=abc"})
	workflows.Register(other, &workflows.Activities{})
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Stop)
	waitFor(2)
	if float64(gate.Limit()) != 4 {
		t.Fatalf("pace with two processes = %v, want 4", gate.Limit())
	}

	// Each process records its calls of the last minute: the shop's quota
	// use across every worker (channels status) counts the ones made here.
	for i := 0; i < 6; i++ {
		if err := gate.Do(context.Background(), func(context.Context) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		us, err := st.ShopUsages(context.Background(), time.Now().Add(-time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if len(us) == 1 && us[0].Shop == shop.Ref() && us[0].CallsPerMinute >= 6 && us[0].Processes == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("quota use recorded = %+v, want this process's 6 calls to %s", us, shop.Ref())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
