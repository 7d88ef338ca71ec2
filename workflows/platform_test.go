package workflows_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/server/temporaltest"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/fakechannel"
	"github.com/syncctl/syncctl/connectors/httpx"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/erp"
	"github.com/syncctl/syncctl/store/sqlite"
	"github.com/syncctl/syncctl/store/storetest"
	"github.com/syncctl/syncctl/workflows"
)

// A platform unlike Tmall — content review, delta-only stock its own sales
// lower, cursor paging with two orders a page, a two-hour window cap and an
// order it cannot map — runs through the same workflows and activities on a
// real Temporal server, store and ERP receiver: the contract in connectors
// is enough for the next platforms to arrive without a workflow change.
func TestAPlatformUnlikeTmallRunsThroughTheSameWorkflows(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	r := newRig(ctx, t)
	c, st, fake, rcv, mini := r.c, r.st, r.fake, r.rcv, r.shop

	catalog := []domain.Product{storetest.Product("P1", 2), storetest.Product("P2", 2), storetest.Product("P3", 2)}
	if _, err := st.ImportProducts(ctx, catalog); err != nil {
		t.Fatal(err)
	}

	// Push: every product goes into review; the watch the push starts
	// follows them until the platform decides.
	p := runPush(ctx, t, c, mini)
	if p.Pushed != 3 || p.InReview != 3 || p.Failed != 0 {
		t.Fatalf("push = %+v", p)
	}
	var rs workflows.ReviewStats
	if err := c.GetWorkflow(ctx, workflows.ReviewWatchID(mini), "").Get(ctx, &rs); err != nil {
		t.Fatalf("review watch: %v", err)
	}
	if rs.Approved != 4 || rs.Rejected != 2 || rs.InReview != 0 || rs.Checks < 2 {
		t.Fatalf("review watch = %+v", rs)
	}
	ls, _ := st.Listings(ctx, mini, "P2")
	if len(ls) != 2 || ls[0].Status != domain.ListingRejected || ls[0].LastError != "主图含违规文字" {
		t.Fatalf("P2 listings = %+v, want rejected with the platform's reason", ls)
	}
	if ls, _ := st.Listings(ctx, mini, "P1"); ls[0].Status != domain.ListingOnSale {
		t.Fatalf("P1 = %s, want on_sale after review", ls[0].Status)
	}

	// Delta stock: buyers took 3 of P1-0 on the platform (10 → 7); the
	// catalog now says 8 are offered. The connector is asked for the target
	// and sends +1 — not "8 − 10 = −2", which would count the sale twice.
	if err := fake.Sell("P1", "P1-0", 3); err != nil {
		t.Fatal(err)
	}
	catalog[0].SKUs[0].Stock = 8
	if _, err := st.ImportProducts(ctx, catalog); err != nil {
		t.Fatal(err)
	}
	upserts := fake.Calls()["upsert"]
	p = runPush(ctx, t, c, mini)
	if p.Total != 1 || p.Pushed != 1 || p.SKUs != 1 {
		t.Fatalf("stock push = %+v, want one SKU of one product", p)
	}
	ops := fake.StockOps()
	if len(ops) != 1 || !ops[0].IsDelta || ops[0].Delta != 1 || ops[0].SKUCode != "P1-0" {
		t.Fatalf("stock writes = %+v, want one delta of +1 for P1-0", ops)
	}
	if it, _ := fake.Item("P1"); it.SKUs["P1-0"].Stock != 8 {
		t.Fatalf("platform stock of P1-0 = %d, want 8", it.SKUs["P1-0"].Stock)
	}
	if fake.Calls()["upsert"] != upserts {
		t.Fatal("the rejected product was pushed again although its content did not change")
	}

	// Orders: cursor paging, a 2h cap smaller than the configured window
	// and overlap, and one order that cannot be mapped.
	now := time.Now().Truncate(time.Second)
	for i, ago := range []time.Duration{5 * time.Hour, 4 * time.Hour, 3 * time.Hour, 2*time.Hour + 5*time.Minute, 10 * time.Minute} {
		o := storetest.Order(fmtID(i), domain.OrderPaid)
		o.ModifiedAt, o.CreatedAt = now.Add(-ago), now.Add(-ago)
		fake.AddOrder(fakechannel.Order{SalesOrder: o})
	}
	broken := storetest.Order(fmtID(9), domain.OrderPaid)
	broken.ModifiedAt = now.Add(-time.Hour)
	fake.AddOrder(fakechannel.Order{SalesOrder: broken, Broken: "field payment: \"12.3.4\" is not a yuan amount"})
	pull := workflows.OrderPullInput{Shop: mini, Once: true, InitialLookback: 6 * time.Hour, Window: 3 * time.Hour, Overlap: 3 * time.Hour}
	ps := runPull(ctx, t, c, mini, pull, now)
	if ps.Created != 5 || ps.Delivered != 5 || ps.Pending != 0 || ps.Unresolved != 1 || len(ps.Recent) != 1 {
		t.Fatalf("pull = %+v", ps)
	}
	if s := rcv.Stats(); s.Accepted != 5 || s.BadSignature != 0 || s.Duplicates != 0 {
		t.Fatalf("erp = %+v", s)
	}
	rej, _ := st.OrderRejections(ctx, mini, 0)
	if len(rej) != 1 || rej[0].PlatformOrderID != fmtID(9) {
		t.Fatalf("rejections = %+v", rej)
	}

	// The platform fixes the order; the next pull maps it and clears the rejection.
	broken.ModifiedAt = time.Now().Truncate(time.Second)
	fake.AddOrder(fakechannel.Order{SalesOrder: broken})
	time.Sleep(1100 * time.Millisecond) // past the order's second
	ps = runPull(ctx, t, c, mini, pull, now.Add(time.Minute))
	if ps.Created != 1 || ps.Unresolved != 0 || rcv.Stats().Accepted != 6 {
		t.Fatalf("second pull = %+v, erp %+v", ps, rcv.Stats())
	}
}

// rig is a real Temporal server with a worker, a SQLite store, the reference
// ERP receiver and a fake platform shop unlike Tmall: content review,
// delta-only stock, cursor paging two orders a page, a two-hour window cap.
type rig struct {
	c    client.Client
	st   *sqlite.DB
	fake *fakechannel.Platform
	rcv  *erp.Receiver
	shop domain.ShopRef
}

func newRig(ctx context.Context, t *testing.T) *rig {
	t.Helper()
	mini := domain.ShopRef{Channel: "fake", Shop: "mini"}
	fake := fakechannel.New(mini, connectors.Capabilities{Kind: connectors.KindMiniProgram, StockMode: connectors.StockDelta,
		Review: true, OrderWindowMax: 2 * time.Hour, OrderLookback: 90 * 24 * time.Hour, OrderPaging: connectors.PagingCursor, OrderPageSizeMax: 2})
	fake.ReviewChecks = 1
	fake.RejectReason["P2"] = "主图含违规文字"
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "syncctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	secret := []byte("whsec_platform_test")
	rcv := erp.NewReceiver(secret, nil)
	erpSrv := httptest.NewServer(rcv.Handler())
	t.Cleanup(erpSrv.Close)
	erpClient, err := erp.NewClient(erpSrv.URL+"/webhooks/syncctl", secret, httpx.New(httpx.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	ts := temporaltest.NewServer(temporaltest.WithT(t))
	c := ts.GetDefaultClient()
	if err := workflows.EnsureSearchAttributes(ctx, c, ts.GetDefaultNamespace()); err != nil {
		t.Fatal(err)
	}
	w := worker.New(c, workflows.TaskQueue, worker.Options{})
	workflows.Register(w, &workflows.Activities{Store: st, Shops: connectors.Shops{mini: fake}, ERP: erpClient, Temporal: c})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	return &rig{c: c, st: st, fake: fake, rcv: rcv, shop: mini}
}

func fmtID(i int) string {
	return "37046123545597432" + string(rune('0'+i/10)) + string(rune('0'+i%10))
}

func runPush(ctx context.Context, t *testing.T, c client.Client, shop domain.ShopRef) workflows.PushProgress {
	t.Helper()
	run, err := workflows.Start(ctx, c, workflows.CatalogPushID(shop), workflows.CatalogPushWorkflowName,
		workflows.CatalogPushInput{Shop: shop, ReviewPoll: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var p workflows.PushProgress
	if err := run.Get(ctx, &p); err != nil {
		t.Fatalf("push: %v", err)
	}
	return p
}

func runPull(ctx context.Context, t *testing.T, c client.Client, shop domain.ShopRef, in workflows.OrderPullInput, at time.Time) workflows.PullStats {
	t.Helper()
	run, err := workflows.Start(ctx, c, workflows.OrderPullOnceID(shop, at), workflows.OrderPullWorkflowName, in)
	if err != nil {
		t.Fatal(err)
	}
	var st workflows.PullStats
	if err := run.Get(ctx, &st); err != nil {
		t.Fatalf("pull: %v", err)
	}
	return st
}
