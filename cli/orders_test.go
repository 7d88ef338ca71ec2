package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/catalog/sample"
	"github.com/syncctl/syncctl/cli"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
	_ "github.com/syncctl/syncctl/store/sqlite"
	"github.com/syncctl/syncctl/store/storetest"
)

// A typo in one row of a re-imported file must not delete a live SKU: the
// product's accepted rows are updated, the rejected SKU stays as it was.
func TestReimportWithABadRowKeepsTheStoredSKU(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("spu_code,title,sku_code,specs,list_price,stock\n"+body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("p1.csv", "P-1,纯棉T恤基础款,P-1-W,颜色:白,59.90,10\nP-1,纯棉T恤基础款,P-1-B,颜色:黑,59.90,10\n")
	bad := write("p1bad.csv", "P-1,纯棉T恤基础款,P-1-W,颜色:白,49.90,10\nP-1,纯棉T恤基础款,P-1-B,颜色:黑,0,10\n")
	if code, _, e := run(t, "--state-dir", dir, "catalog", "import", good); code != 0 {
		t.Fatalf("import: %d %s", code, e)
	}
	if code, _, _ := run(t, "--state-dir", dir, "catalog", "import", bad); code != cli.ExitPartial {
		t.Fatalf("import with a bad row: exit %d, want %d", code, cli.ExitPartial)
	}
	code, out, _ := run(t, "--state-dir", dir, "catalog", "show", "P-1", "-o", "json")
	var shown []domain.Product
	if err := json.Unmarshal([]byte(out), &shown); err != nil || code != 0 || len(shown) != 1 {
		t.Fatalf("show: %d %v %s", code, err, out)
	}
	p := shown[0]
	price := map[string]domain.Money{}
	for _, s := range p.SKUs {
		price[s.Code] = s.ListPrice
	}
	if len(p.SKUs) != 2 || price["P-1-W"] != 4990 || price["P-1-B"] != 5990 {
		t.Fatalf("P-1 after the partly bad import = %+v: W must be updated, B kept", p.SKUs)
	}
}

// An operator inspects what was pulled, what could not be mapped and what
// was pushed where, and sends an order's webhooks again.
func TestOrdersAndListingsInspection(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	shop := domain.ShopRef{Channel: "tmall", Shop: "flagship"}
	st, err := store.Open(ctx, "sqlite", filepath.Join(dir, "syncctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"3504329923814120471", "3504329923814120472"} {
		o := storetest.Order(id, domain.OrderPaid)
		if _, err := st.UpsertOrder(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	d, _ := st.PendingDeliveryRefs(ctx, shop, time.Now(), 1)
	if err := st.RecordDeliveryAttempt(ctx, d[0].ID, true, 200, ""); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordOrderRejections(ctx, shop, []store.OrderRejection{{PlatformOrderID: "3504329923814120999", Reason: "field payment: \"1.2.3\" is not a yuan amount"}}); err != nil {
		t.Fatal(err)
	}
	p := storetest.Product("P", 2)
	if _, err := st.ImportProducts(ctx, []domain.Product{p}); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveListings(ctx, []domain.ChannelListing{
		{Shop: shop, SKUCode: "P-0", ProductCode: "P", ItemID: "600000000001", PlatformSKUID: "5001", Price: 5990, Stock: 10, Status: domain.ListingOnSale},
		{Shop: shop, SKUCode: "P-1", ProductCode: "P", Status: domain.ListingFailed, LastError: "tmall invalid: product P, field title: at most 30 characters"},
	}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	base := []string{"--state-dir", dir, "--temporal-address", "127.0.0.1:1"}

	code, out, _ := run(t, append(base, "orders", "list", "--shop", "tmall/flagship", "-o", "json")...)
	var recs []struct {
		Order    domain.SalesOrder `json:"order"`
		Revision int               `json:"revision"`
		Versions int               `json:"versions"`
	}
	if err := json.Unmarshal([]byte(out), &recs); err != nil || code != 0 || len(recs) != 2 || recs[0].Versions != 1 ||
		recs[0].Revision != int(recs[0].Order.ModifiedAt.UnixMilli()) {
		t.Fatalf("orders list: %d %v %s", code, err, out)
	}
	code, out, _ = run(t, append(base, "orders", "rejected", "--shop", "tmall/flagship")...)
	if code != cli.ExitPartial || !strings.Contains(out, "3504329923814120999") || !strings.Contains(out, "field payment") {
		t.Fatalf("orders rejected: exit %d: %s", code, out)
	}
	if code, _, _ := run(t, append(base, "orders", "rejected", "--shop", "tmall/outlet")...); code != 0 {
		t.Fatalf("orders rejected of a clean shop: exit %d, want 0", code)
	}
	code, out, _ = run(t, append(base, "listings", "--shop", "tmall/flagship", "--status", "failed")...)
	if code != 0 || !strings.Contains(out, "P-1") || strings.Contains(out, "P-0") || !strings.Contains(out, "at most 30 characters") {
		t.Fatalf("listings --status failed: exit %d: %s", code, out)
	}
	if code, _, _ := run(t, append(base, "listings", "--shop", "tmall/flagship", "--status", "broken")...); code != cli.ExitUsage {
		t.Fatalf("listings --status broken: exit %d, want usage", code)
	}

	code, out, e := run(t, append(base, "orders", "redeliver", "--shop", "tmall/flagship", "--order", recs[0].Order.PlatformOrderID)...)
	if code != 0 || !strings.Contains(out, "1 deliveries of tmall/flagship queued again") || !strings.Contains(out, "orders pull --shop tmall/flagship --once") {
		t.Fatalf("redeliver: exit %d: %s %s", code, out, e)
	}
	st, _ = store.Open(ctx, "sqlite", filepath.Join(dir, "syncctl.db"))
	defer st.Close()
	if n, _ := st.CountPendingDeliveries(ctx, shop); n != 2 {
		t.Fatalf("pending after redeliver = %d, want 2 (one was delivered, now queued again)", n)
	}
	if code, _, e := run(t, append(base, "orders", "redeliver", "--shop", "tmall/flagship", "--order", "404")...); code != cli.ExitError || !strings.Contains(e, "order 404 of tmall/flagship has no deliveries") {
		t.Fatalf("redeliver of an unknown order: exit %d: %s", code, e)
	}
}

// While the ERP refuses every webhook, `orders pull --once` says what it
// waits for and the ERP's last answer, and --timeout gives up waiting (the
// pull goes on) with a message saying where things stand.
func TestOrdersPullOnceSaysWhatItWaitsForAndGivesUp(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	s := newExternalStack(t)
	// One product of the sample catalog: a quick push, SKUs to sell.
	sampleCat, err := catalog.Parse(bytes.NewReader(sample.JSON()), catalog.FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	var one bytes.Buffer
	if err := catalog.Export(&one, sampleCat.Products[:1], catalog.FormatJSON); err != nil {
		t.Fatal(err)
	}
	s.importCatalog(t, "catalog.json", one.Bytes())
	s.startWorker(t)
	if code, out, e := run(t, append([]string{"push", "--shop", "tmall/flagship"}, s.common...)...); code != 0 {
		t.Fatalf("push: exit %d: %s %s", code, out, e)
	}
	s.receiver.FailNext(1000)
	if _, err := s.admin.SellOrders(context.Background(), 3, ""); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // orders carry second-resolution times

	start := time.Now()
	code, out, errOut := run(t, append([]string{"orders", "pull", "--once", "--shop", "tmall/flagship", "--timeout", "8s"}, s.common...)...)
	took := time.Since(start)
	if code != cli.ExitError || took > 15*time.Second {
		t.Fatalf("exit %d after %s, want a failure soon after 8s: %s %s", code, took, out, errOut)
	}
	if !strings.Contains(errOut, "  waiting for the ERP to accept 3 deliveries (") || !strings.Contains(errOut, "attempts so far; last answer: ") ||
		!strings.Contains(errOut, "HTTP 503") {
		t.Errorf("no waiting line with the ERP's answer on stderr:\n%s", errOut)
	}
	if !strings.Contains(errOut, "syncctl: gave up waiting after 8s (waiting for the ERP to accept 3 deliveries") ||
		!strings.Contains(errOut, "the pull goes on: see order-pull-once/tmall/flagship/") {
		t.Errorf("no timeout message saying what it waited for:\n%s", errOut)
	}
	if got := s.receiver.Stats(); got.Accepted != 0 || got.Unavailable == 0 {
		t.Errorf("erp stats %+v: every webhook must have been refused", got)
	}
}
