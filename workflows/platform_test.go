package workflows_test

import (
	"context"
	"maps"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/server/temporaltest"

	"github.com/syncctl/syncctl/app"
	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/httpx"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/erp"
	_ "github.com/syncctl/syncctl/platforms/fakeplatform"
	sbfake "github.com/syncctl/syncctl/sandbox/fake"
	"github.com/syncctl/syncctl/sandbox/kit"
	"github.com/syncctl/syncctl/store"
	_ "github.com/syncctl/syncctl/store/sqlite" // the store driver
	"github.com/syncctl/syncctl/store/storetest"
	"github.com/syncctl/syncctl/workflows"
)

// A platform unlike Tmall — content review, delta-only stock its own sales
// lower, cursor paging with two orders a page, a two-hour window cap and an
// order it cannot map — runs through the same workflows and activities on a
// real Temporal server, store and ERP receiver: the contract in connectors
// is enough for the next platforms to arrive without a workflow change. The
// platform is "fake", registered like any other (connector, sandbox,
// mapping), spoken to over HTTP.
func TestAPlatformUnlikeTmallRunsThroughTheSameWorkflows(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	r := newRig(ctx, t)
	c, st, sb, rcv, mini := r.c, r.st, r.sb, r.rcv, r.shop

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

	// Delta stock: a buyer took 3 of P1-0 on the platform (10 → 7); the
	// catalog now says 8 are offered. The connector is asked for the target
	// and sends +1 — not "8 − 10 = −2", which would count the sale twice.
	sold, err := sb.Sell("P1-0", 3)
	if err != nil {
		t.Fatal(err)
	}
	catalog[0].SKUs[0].Stock = 8
	if _, err := st.ImportProducts(ctx, catalog); err != nil {
		t.Fatal(err)
	}
	upserts := sb.Calls()["product.upsert"]
	p = runPush(ctx, t, c, mini)
	if p.Total != 1 || p.Pushed != 1 || p.SKUs != 1 {
		t.Fatalf("stock push = %+v, want one SKU of one product", p)
	}
	ops := sb.StockWrites()
	if len(ops) != 1 || ops[0].Delta != 1 || ops[0].SKUOuterID != "P1-0" {
		t.Fatalf("stock writes = %+v, want one delta of +1 for P1-0", ops)
	}
	if n := skuStock(t, sb, "P1", "P1-0"); n != 8 {
		t.Fatalf("platform stock of P1-0 = %d, want 8", n)
	}
	if sb.Calls()["product.upsert"] != upserts {
		t.Fatal("the rejected product was pushed again although its content did not change")
	}

	// Orders: cursor paging, a 2h cap smaller than the configured window
	// and overlap, and one order that cannot be mapped (besides the sale
	// above, which is an order too).
	now := time.Now().Truncate(time.Second)
	for i, ago := range []time.Duration{5 * time.Hour, 4 * time.Hour, 3 * time.Hour, 2*time.Hour + 5*time.Minute, 10 * time.Minute} {
		must(t, sb.AddOrder(paidOrder(fmtID(i), now.Add(-ago))))
	}
	broken := paidOrder(fmtID(9), now.Add(-time.Hour))
	broken.Broken = "amounts.paid_fen"
	must(t, sb.AddOrder(broken))
	waitPastSecondOf(t, sb, sold)
	pull := workflows.OrderPullInput{Shop: mini, Once: true, PullPolicy: domain.PullPolicy{InitialLookback: 6 * time.Hour, Window: 3 * time.Hour, Overlap: 3 * time.Hour}}
	ps := runPull(ctx, t, c, mini, pull, now)
	if ps.Created != 6 || ps.Delivered != 6 || ps.Pending != 0 || ps.Unresolved != 1 || len(ps.Recent) != 1 || !strings.Contains(ps.Recent[0], "amounts.paid_fen") {
		t.Fatalf("pull = %+v", ps)
	}
	if s := rcv.Stats(); s.Accepted != 6 || s.BadSignature != 0 || s.Duplicates != 0 {
		t.Fatalf("erp = %+v", s)
	}
	rej, _ := st.OrderRejections(ctx, mini, 0)
	if len(rej) != 1 || rej[0].PlatformOrderID != fmtID(9) || !strings.Contains(rej[0].Reason, "field amounts.paid_fen") {
		t.Fatalf("rejections = %+v, want order %s naming the field", rej, fmtID(9))
	}
	if calls := sb.Calls()["order.list"]; calls < 4 {
		t.Fatalf("%d order.list calls for 7 orders two a page in 2h windows", calls)
	}

	// The platform fixes the order; the next pull maps it and clears the rejection.
	broken.Broken, broken.Modified = "", time.Now().Truncate(time.Second)
	must(t, sb.AddOrder(broken))
	waitPastSecondOf(t, sb, broken.ID)
	ps = runPull(ctx, t, c, mini, pull, now.Add(time.Minute))
	if ps.Created != 1 || ps.Unresolved != 0 || rcv.Stats().Accepted != 7 {
		t.Fatalf("second pull = %+v, erp %+v", ps, rcv.Stats())
	}
}

// rig is a real Temporal server with the worker syncctl assembles, a
// SQLite store, the reference ERP receiver and a shop on the fake
// platform's sandbox, set up unlike Tmall: review that decides on the
// second check (rejecting P2), delta-only stock, cursor paging two orders
// a page, a two-hour window cap.
type rig struct {
	c    client.Client
	st   store.Store
	sb   *sbfake.Server
	rcv  *erp.Receiver
	shop domain.ShopRef
}

func newRig(ctx context.Context, t *testing.T) *rig {
	t.Helper()
	mini := domain.ShopRef{Channel: "fake", Shop: "mini"}
	creds := sbfake.Platform.NewCredentials()
	box, err := sbfake.Platform.Open(kit.Config{Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	sb := box.(*sbfake.Server)
	sb.SetReview(1, map[string]string{"P2": "主图含违规文字"})
	sb.SetOrderLimits(2*time.Hour, 2)
	sbSrv := httptest.NewServer(box)
	t.Cleanup(func() { sbSrv.Close(); _ = box.Close() })
	setup := sbfake.Platform.Shop(sbSrv.URL)
	shop := connectors.ShopConfig{Channel: mini.Channel, Shop: mini.Shop, Gateway: setup.Gateway, Options: maps.Clone(setup.Options),
		Credentials: map[string]connectors.Secret{}}
	if shop.Options == nil {
		shop.Options = map[string]string{}
	}
	shop.Options["order_window_max"], shop.Options["order_page_size"] = "2h", "2"
	for name, v := range creds {
		shop.Credentials[name] = connectors.Secret(v)
	}

	st, err := store.Open(ctx, "sqlite", filepath.Join(t.TempDir(), "syncctl.db"))
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
	w, err := app.NewWorker(app.WorkerOptions{Client: c, Namespace: ts.GetDefaultNamespace(), Store: st,
		Shops: []connectors.ShopConfig{shop}, ERP: erpClient})
	if err != nil {
		t.Fatal(err)
	}
	// The scenario is what it says only if the shop opened as configured.
	caps := w.Shops[mini].Capabilities()
	if !caps.Review || caps.OrderWindowMax != 2*time.Hour {
		t.Fatalf("fake shop capabilities = %+v", caps)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	return &rig{c: c, st: st, sb: sb, rcv: rcv, shop: mini}
}

func fmtID(i int) string {
	return "37046123545597432" + string(rune('0'+i/10)) + string(rune('0'+i%10))
}

// paidOrder is a paid order of one line, modified at the given second.
func paidOrder(id string, modified time.Time) sbfake.Order {
	return sbfake.Order{ID: id, Status: sbfake.OrderPaid, Created: modified, Paid: modified, Modified: modified,
		BuyerOpenID: "o" + id, BuyerNick: "买家**1", Receiver: sbfake.Receiver{Name: "张*", Phone: "138****0000", Province: "浙江省", City: "杭州市"},
		Lines: []sbfake.Line{{SKUOuterID: "A-0", Title: "商品 A", Quantity: 1, UnitPriceFen: 5990}}}
}

// waitPastSecondOf waits until the order's modification second is over: a
// pull ends at the current second, exclusive.
func waitPastSecondOf(t *testing.T, sb *sbfake.Server, orderID string) {
	t.Helper()
	o, ok := sb.GetOrder(orderID)
	if !ok {
		t.Fatalf("no order %s on the platform", orderID)
	}
	time.Sleep(time.Until(o.Modified.Add(time.Second + 50*time.Millisecond)))
}

func skuStock(t *testing.T, sb *sbfake.Server, product, sku string) int {
	t.Helper()
	it, ok := sb.Item(product)
	if !ok {
		t.Fatalf("no item %s on the platform", product)
	}
	for _, k := range it.SKUs {
		if k.OuterID == sku {
			return k.Stock
		}
	}
	t.Fatalf("item %s has no sku %s", product, sku)
	return 0
}

func runPush(ctx context.Context, t *testing.T, c client.Client, shop domain.ShopRef) workflows.PushProgress {
	t.Helper()
	run, err := workflows.Start(ctx, c, shop, workflows.CatalogPushID(shop), workflows.CatalogPushWorkflowName,
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
	run, err := workflows.Start(ctx, c, shop, workflows.OrderPullOnceID(shop, at), workflows.OrderPullWorkflowName, in)
	if err != nil {
		t.Fatal(err)
	}
	var st workflows.PullStats
	if err := run.Get(ctx, &st); err != nil {
		t.Fatalf("pull: %v", err)
	}
	return st
}
