package stack_test

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/server/temporaltest"

	"github.com/syncctl/syncctl/catalog/sample"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/sandbox/kit"
	"github.com/syncctl/syncctl/stack"
	"github.com/syncctl/syncctl/workflows"
)

// start runs a whole stack in-process on a real (temporaltest) Temporal
// server, with the Tmall sandbox and the ERP receiver on loopback.
func start(t *testing.T, o stack.Options) *stack.Stack {
	t.Helper()
	// The SDK's own logs (every activity start at debug) drown a failing
	// test's message in CI: only its warnings and errors are kept.
	quiet := sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	ts := temporaltest.NewServer(temporaltest.WithT(t), temporaltest.WithBaseClientOptions(client.Options{Logger: quiet}))
	if o.StateDir == "" {
		o.StateDir = t.TempDir()
	}
	o.Client = ts.GetDefaultClient()
	o.Namespace = ts.GetDefaultNamespace()
	s, err := stack.Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// agnostic are the platforms a test about the stack itself runs (the ERP,
// restarts, throttling, task queues): Tmall and the test platform, whose
// review, delta stock and cursors cover the paths. The tests of every
// platform's own behaviour start them all.
var agnostic = []string{"tmall", "fake"}

// tmallShop is the stack's Tmall sandbox: the tests that need TOP's own
// behaviour (its method names in faults and stats) use it.
func tmallShop(t *testing.T, s *stack.Stack) *stack.Sandbox {
	t.Helper()
	sb := s.Sandbox("tmall")
	if sb == nil {
		t.Fatal("the stack has no tmall sandbox")
	}
	return sb
}

func push(t *testing.T, s *stack.Stack, shop domain.ShopRef) workflows.PushProgress {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	run, err := s.StartWorkflow(ctx, shop, workflows.CatalogPushID(shop),
		workflows.CatalogPushWorkflowName, workflows.CatalogPushInput{Shop: shop})
	if err != nil {
		t.Fatal(err)
	}
	var p workflows.PushProgress
	if err := run.Get(ctx, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDemoEndToEnd(t *testing.T) {
	s := start(t, stack.Options{})
	ctx := context.Background()
	sum, err := stack.RunDemo(ctx, s, stack.DemoOptions{Catalog: sample.JSON(), Orders: 30, Close: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !sum.OK {
		t.Fatalf("demo checks failed: %v", sum.Failures)
	}
	// One row per registered platform's shop, each complete on its own.
	n := len(s.Sandboxes)
	if n == 0 || len(sum.Shops) != n {
		t.Fatalf("%d shop rows for %d sandboxes", len(sum.Shops), n)
	}
	for _, row := range sum.Shops {
		p := row.Push
		if sum.Catalog.SPUs < 50 || sum.Catalog.SKUs < 200 || p.ListedItems != sum.Catalog.SPUs || p.ListedSKUs != sum.Catalog.SKUs || p.Products != sum.Catalog.SPUs {
			t.Fatalf("catalog %+v, %s pushed %+v", sum.Catalog, row.Shop, p)
		}
		if !row.OK || row.OrdersSold != 30 || row.OrdersPulled != 30 || row.OrderUpdates != 3 || row.Pending != 0 {
			t.Fatalf("%s: %+v", row.Shop, row)
		}
	}
	// Some buyers asked a refund (the sandboxes' order mix): each case is
	// one more delivery.
	if sum.OrdersCreated != 30*n || sum.OrdersPulled != 30*n || sum.OrderUpdates != 3*n || sum.Delivered != 33*n+sum.RefundCases || sum.Pending != 0 {
		t.Fatalf("orders: %+v", sum)
	}
	st := s.Receiver.Stats()
	if st.Accepted != 33*n+sum.RefundCases || st.BadSignature != 0 || st.Orders != 30*n || st.Refunds < sum.RefundCases {
		t.Fatalf("receiver stats %+v", st)
	}

	// An unchanged catalog makes no channel calls, on any shop.
	for _, sb := range s.Sandboxes {
		if again := push(t, s, sb.Shop); again.Total != 0 || again.Calls != 0 || again.Pushed != 0 {
			t.Fatalf("second push of an unchanged catalog to %s = %+v, want nothing", sb.Shop, again)
		}
	}
	shop := tmallShop(t, s)

	// A price change on one SKU is one price call, and the channel shows it.
	products, err := s.Store.ListProducts(ctx, "", 1)
	if err != nil || len(products) == 0 {
		t.Fatal(err)
	}
	p0 := products[0]
	p0.SKUs[0].ListPrice += 1000
	if _, err := s.Store.ImportProducts(ctx, []domain.Product{p0}); err != nil {
		t.Fatal(err)
	}
	changed := push(t, s, shop.Shop)
	if changed.Total != 1 || changed.Pushed != 1 || changed.Calls != 1 || changed.Failed != 0 {
		t.Fatalf("push after one price change = %+v", changed)
	}
	items, err := shop.Admin.Items(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, it := range items {
		for _, k := range it.SKUs {
			if k.OuterID == p0.SKUs[0].Code {
				found = true
				if k.PriceFen != int64(p0.SKUs[0].ListPrice) {
					t.Fatalf("sandbox price of %s = %d fen, want %d", k.OuterID, k.PriceFen, p0.SKUs[0].ListPrice)
				}
			}
		}
	}
	if !found {
		t.Fatalf("sku %s not on the sandbox", p0.SKUs[0].Code)
	}
}

// The ERP is down for a while: deliveries are retried until accepted, and
// each order still arrives exactly once.
func TestERPOutageLosesNothing(t *testing.T) {
	s := start(t, stack.Options{Platforms: agnostic})
	s.Receiver.FailNext(12)
	sum, err := stack.RunDemo(context.Background(), s, stack.DemoOptions{Catalog: sample.JSON(), Orders: 8, Close: 0})
	if err != nil {
		t.Fatal(err)
	}
	n := len(s.Sandboxes)
	if !sum.OK || sum.Delivered != 8*n+sum.RefundCases {
		t.Fatalf("after an ERP outage: ok=%v delivered=%d failures=%v", sum.OK, sum.Delivered, sum.Failures)
	}
	if st := s.Receiver.Stats(); st.Unavailable != 12 || st.Accepted != 8*n+sum.RefundCases || st.Duplicates != 0 {
		t.Fatalf("receiver stats %+v: want 12 refused, then %d accepted once each", st, 8*n)
	}
}

// The sandbox throttles to a few calls a second with TOP code 7: the push
// waits the ban out through Temporal retries and still lists everything once.
func TestThrottledChannelStillListsEverythingOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("throttled push takes ~30s")
	}
	s := start(t, stack.Options{SandboxQPS: 8, ConnectorQPS: 100, Platforms: agnostic})
	sum, err := stack.RunDemo(context.Background(), s, stack.DemoOptions{Catalog: sample.JSON(), Orders: 3, Close: 0})
	if err != nil {
		t.Fatal(err)
	}
	if !sum.OK {
		t.Fatalf("throttled demo failed: %v", sum.Failures)
	}
}

// The worker dies in the middle of a push while the platform is slow: some
// items were created on Tmall but their ids never reached the store. The
// push finishes on a new worker and still lists every SKU exactly once.
func TestWorkerRestartDuringPushListsEverythingOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out an activity heartbeat timeout")
	}
	s := start(t, stack.Options{Platforms: agnostic})
	ctx := context.Background()
	if _, err := stack.ImportCatalog(ctx, s.Store, sample.JSON()); err != nil {
		t.Fatal(err)
	}
	sb := tmallShop(t, s)
	if err := sb.Admin.AddFault(ctx, kit.Fault{Kind: kit.FaultLatency, Method: "taobao.item.add", Latency: "400ms", Duration: "20s"}); err != nil {
		t.Fatalf("add fault: %v", err)
	}
	run, err := s.StartWorkflow(ctx, sb.Shop, workflows.CatalogPushID(sb.Shop), workflows.CatalogPushWorkflowName,
		workflows.CatalogPushInput{Shop: sb.Shop})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	if err := s.RestartWorker(); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 4*time.Minute)
	defer cancel()
	var p workflows.PushProgress
	if err := run.Get(wctx, &p); err != nil {
		t.Fatal(err)
	}
	// The next push (or this one's retries) must leave nothing pending.
	if again := push(t, s, sb.Shop); again.Failed != 0 {
		t.Fatalf("follow-up push = %+v", again)
	}
	items, err := sb.Admin.Items(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, it := range items {
		for _, k := range it.SKUs {
			seen[k.OuterID]++
		}
	}
	_, skus, _ := s.Store.CatalogStats(ctx)
	if len(seen) != skus {
		t.Fatalf("%d distinct SKUs on the channel, catalog has %d", len(seen), skus)
	}
	for code, n := range seen {
		if n != 1 {
			t.Fatalf("sku %s listed %d times after a worker restart", code, n)
		}
	}
	if n, _ := s.Store.CountChangedProducts(ctx, sb.Shop); n != 0 {
		t.Fatalf("%d products still need a push", n)
	}
	// The interrupted creates were resolved by looking the item up, not by luck.
	st, err := sb.Admin.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Served["taobao.items.custom.get"] == 0 {
		t.Fatalf("no lookup by outer id happened (served %v): the restart did not interrupt a create", st.Served)
	}
}

// Redelivery on demand: an order's deliveries are requeued; the next pull
// sends them again under the same delivery ids, and the ERP acknowledges
// them as duplicates instead of applying them twice.
func TestRequeuedDeliveryIsSentAgainWithTheSameID(t *testing.T) {
	s := start(t, stack.Options{Platforms: agnostic})
	ctx := context.Background()
	sum, err := stack.RunDemo(ctx, s, stack.DemoOptions{Catalog: sample.JSON(), Orders: 2, Close: 0})
	if err != nil || !sum.OK {
		t.Fatalf("demo: %v %v", err, sum.Failures)
	}
	shop := s.Sandboxes[0].Shop
	recs, err := s.Store.ListOrders(ctx, shop, 1)
	if err != nil || len(recs) != 1 {
		t.Fatalf("orders: %v %v", recs, err)
	}
	n, err := s.Store.RequeueDeliveries(ctx, shop, recs[0].Order.PlatformOrderID)
	if err != nil || n != 1 {
		t.Fatalf("requeued %d, %v", n, err)
	}
	run, err := s.StartWorkflow(ctx, shop, workflows.OrderPullOnceID(shop, time.Now().Add(time.Hour)), workflows.OrderPullWorkflowName,
		workflows.OrderPullInput{Shop: shop, Once: true, PullPolicy: domain.PullPolicy{InitialLookback: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	var st workflows.PullStats
	if err := run.Get(ctx, &st); err != nil {
		t.Fatal(err)
	}
	// Delivered counts versions this pull recorded (none: nothing changed);
	// the requeued one is dispatched and waited for until the ERP has it.
	if st.Dispatched != 1 || st.Pending != 0 || st.Created+st.Updated != 0 {
		t.Fatalf("redelivery pull = %+v, want 1 dispatched, nothing new, nothing pending", st)
	}
	if rs := s.Receiver.Stats(); rs.Duplicates != 1 || rs.Accepted != 2*len(s.Sandboxes) {
		t.Fatalf("receiver = %+v, want the redelivery acknowledged as a duplicate", rs)
	}
	if pending, _ := s.Store.PendingDeliveries(ctx, 0); len(pending) != 0 {
		t.Fatalf("%d deliveries still pending", len(pending))
	}
}
