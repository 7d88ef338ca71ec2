package integration_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/erp"
	"github.com/syncctl/syncctl/platforms"
	"github.com/syncctl/syncctl/sandbox/kit"
	"github.com/syncctl/syncctl/store"
	"github.com/syncctl/syncctl/workflows"
)

// The report: one row per scenario, printed once at the end of the run
// (TestMain) and kept in the README's reliability section.
type reportRow struct {
	Scenario   string
	Listings   int // listings (shop × SKU) checked against the sandboxes
	Orders     int // orders (or order versions) checked against the ERP receiver
	Lost       int
	Duplicated int
	// The secret scan: configured secrets and issued tokens searched for,
	// in how many places (container logs and workflow runs).
	Secrets, Tokens, Places int
	Duration                time.Duration
	Failed                  bool
}

var report struct {
	mu   sync.Mutex
	rows []reportRow
}

// tally counts what a scenario checked; it becomes the scenario's row.
type tally struct {
	listings, orders, lost, duplicated int
	secrets, tokens, places            int // the secret scan
	problems                           []string
}

func (c *tally) problem(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// record adds the scenario's row (whatever happened) and fails the test
// when anything was lost or duplicated or another check failed.
func record(t *testing.T, scenario string, started time.Time, c *tally) {
	t.Helper()
	row := reportRow{Scenario: scenario, Listings: c.listings, Orders: c.orders, Lost: c.lost, Duplicated: c.duplicated,
		Secrets: c.secrets, Tokens: c.tokens, Places: c.places, Duration: time.Since(started).Round(time.Second)}
	bad := c.lost > 0 || c.duplicated > 0 || len(c.problems) > 0
	row.Failed = bad || t.Failed()
	report.mu.Lock()
	report.rows = append(report.rows, row)
	report.mu.Unlock()
	if bad {
		shown := c.problems
		if n := len(shown); n > 0 && shown[n-1] == "" {
			shown = shown[:n-1]
		}
		if len(shown) == 0 && c.lost == 0 && c.duplicated == 0 {
			return // failed before its checks: the failure says why
		}
		if len(shown) > 40 {
			shown = append(shown[:40:40], fmt.Sprintf("… and %d more", len(c.problems)-40))
		}
		t.Errorf("%s: %d lost, %d duplicated, %d problems:\n  %s", scenario, c.lost, c.duplicated, len(shown), strings.Join(shown, "\n  "))
	}
}

// printReport writes the table of every scenario that ran.
func printReport(w io.Writer) {
	report.mu.Lock()
	defer report.mu.Unlock()
	if len(report.rows) == 0 {
		return
	}
	rows := append([]reportRow(nil), report.rows...)
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Scenario < rows[j].Scenario })
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "| scenario\t| listings checked\t| orders checked\t| lost\t| duplicated\t| secrets+tokens × places\t| duration\t|")
	fmt.Fprintln(tw, "|---\t|---:\t|---:\t|---:\t|---:\t|---:\t|---:\t|")
	for _, r := range rows {
		name := r.Scenario
		if r.Failed {
			name += " (FAILED)"
		}
		fmt.Fprintf(tw, "| %s\t| %d\t| %d\t| %d\t| %d\t| %d+%d × %d\t| %s\t|\n", name, r.Listings, r.Orders, r.Lost, r.Duplicated,
			r.Secrets, r.Tokens, r.Places, r.Duration)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nsyncctl chaos suite (integration_test):\n%s\n", b.String())
	// go test shows a passing package's output only with -v: the table
	// can also go to a file (a CI artifact).
	if path := os.Getenv("SYNCCTL_CHAOS_REPORT"); path != "" {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			fmt.Fprintf(w, "chaos report %s: %v\n", path, err)
		}
	}
}

// Catalog.

// genProduct is a product of the generated catalog (the import's JSON format).
type genProduct struct {
	Code        string   `json:"code"`
	Title       string   `json:"title"`
	Brand       string   `json:"brand"`
	Category    string   `json:"category"`
	Description string   `json:"description"`
	Images      []string `json:"images"`
	SKUs        []genSKU `json:"skus"`
}

type genSKU struct {
	Code      string              `json:"code"`
	Specs     []map[string]string `json:"specs"`
	Barcode   string              `json:"barcode"`
	WeightG   int                 `json:"weight_g"`
	Cost      string              `json:"cost"`
	ListPrice string              `json:"list_price"`
	Stock     int                 `json:"stock"`
}

// genCatalog is a catalog of skus SKUs, two per product: prices and
// stock differ from SKU to SKU, so a value written to the wrong SKU shows.
func genCatalog(prefix string, skus int) []byte {
	var products []genProduct
	for i := 0; i*2 < skus; i++ {
		code := fmt.Sprintf("%s-%05d", prefix, i)
		p := genProduct{Code: code, Title: fmt.Sprintf("山野集 男士纯棉圆领短袖T恤 基础款 %05d", i), Brand: "山野集",
			Category: "服装/男装/T恤", Description: "精梳新疆长绒棉，220克重磅面料，亲肤透气不易变形。",
			Images: []string{fmt.Sprintf("https://img.example.com/%s/1.jpg", code), fmt.Sprintf("https://img.example.com/%s/2.jpg", code),
				fmt.Sprintf("https://img.example.com/%s/3.jpg", code)}}
		for k, c := range []string{"白色", "黑色"} {
			if i*2+k >= skus {
				break
			}
			p.SKUs = append(p.SKUs, genSKU{Code: fmt.Sprintf("%s-%d", code, k), Specs: []map[string]string{{"name": "颜色", "value": c}},
				Barcode: "6931400000014", WeightG: 235, Cost: "18.50", ListPrice: fmt.Sprintf("%d.%02d", 59+i%40, (i*7+k)%100), Stock: 100 + (i*3+k)%400})
		}
		products = append(products, p)
	}
	b, _ := json.Marshal(map[string]any{"products": products})
	return b
}

// importCatalog imports a JSON catalog into the shared store, every row valid.
func (tp *topology) importCatalog(ctx context.Context, data []byte) {
	tp.t.Helper()
	rep, err := catalog.Import(ctx, tp.Store, bytes.NewReader(data), catalog.FormatJSON)
	if err != nil || len(rep.Rejected) > 0 {
		tp.t.Fatalf("import catalog: %v, rejected %v", err, rep.Rejected)
	}
}

// pushAll starts every shop's catalog push.
func (tp *topology) pushAll(ctx context.Context) {
	tp.t.Helper()
	for _, s := range tp.shops {
		tp.push(ctx, s)
	}
}

func (tp *topology) push(ctx context.Context, s *sbShop) {
	tp.t.Helper()
	in := workflows.CatalogPushInput{Shop: s.ref, ReviewPoll: time.Second}
	if err := tp.startWorkflow(ctx, s.ref, workflows.CatalogPushID(s.ref), workflows.CatalogPushWorkflowName, in); err != nil {
		tp.t.Fatalf("start the push to %s: %v", s.ref, err)
	}
}

// awaitPushes waits for every shop's push (and the review that follows
// on reviewing platforms) and reports products that failed.
func (tp *topology) awaitPushes(ctx context.Context, c *tally, shops ...*sbShop) {
	tp.t.Helper()
	if shops == nil {
		shops = tp.shops
	}
	for _, s := range shops {
		var p workflows.PushProgress
		if err := tp.await(ctx, workflows.CatalogPushID(s.ref), &p); err != nil {
			tp.t.Fatalf("push to %s: %v", s.ref, err)
		}
		tp.t.Logf("push to %s: %d/%d products, %d SKUs, %d failed, %d in review, %d calls (%d throttled, %d retries)", s.ref, p.Pushed, p.Total, p.SKUs, p.Failed, p.InReview, p.Calls, p.Throttled, p.Retries)
		if p.Failed > 0 {
			tp.t.Logf("push to %s: first failures %v", s.ref, p.Failures[:min(3, len(p.Failures))])
			c.problem("push to %s: %d products failed: %v", s.ref, p.Failed, p.Failures)
		}
		if p.InReview > 0 {
			if err := tp.await(ctx, workflows.ReviewWatchID(s.ref), nil); err != nil {
				tp.t.Fatalf("review on %s: %v", s.ref, err)
			}
		}
	}
}

// Listings.

// expectStock is the stock a shop should show of a SKU (nil: the master stock).
type expectStock func(shop domain.ShopRef, sku domain.SKU) int

// checkListings compares every shop's sandbox with the catalog: each
// product one item (never created twice), each SKU once with the list
// price and the stock expected, nothing else. The platform takes units
// off as it sells, until the next stock write: with sold, a SKU may show
// the expected stock less the units its shop's orders took.
func (tp *topology) checkListings(ctx context.Context, c *tally, stock expectStock, sold bool) {
	tp.t.Helper()
	var products []domain.Product
	if err := store.EachProduct(ctx, tp.Store, "", 0, func(p domain.Product) error {
		products = append(products, p)
		return nil
	}); err != nil {
		tp.t.Fatal(err)
	}
	for _, s := range tp.shops {
		items, err := s.admin.Items(ctx)
		if err != nil {
			tp.t.Fatalf("%s items: %v", s.ref, err)
		}
		units := map[string]int{}
		if sold {
			recs, err := tp.Store.ListOrders(ctx, s.ref, 0)
			if err != nil {
				tp.t.Fatal(err)
			}
			for _, r := range recs {
				for _, l := range r.Order.Lines {
					units[l.SKUCode] += l.Quantity
				}
			}
		}
		compareListings(c, s.ref, products, items, units, stock)
	}
}

// compareListings checks one shop's items against the catalog: units are
// what the shop's orders took, by SKU.
func compareListings(c *tally, shop domain.ShopRef, products []domain.Product, items []kit.Item, units map[string]int, stock expectStock) {
	itemsOf := map[string]int{}
	type seen struct {
		n     int
		price int64
		stock int
	}
	skus := map[string]*seen{}
	for _, it := range items {
		itemsOf[it.OuterID]++
		for _, k := range it.SKUs {
			if skus[k.OuterID] == nil {
				skus[k.OuterID] = &seen{}
			}
			sk := skus[k.OuterID]
			sk.n++
			sk.price, sk.stock = k.PriceFen, k.Stock
		}
	}
	known := map[string]bool{}
	for _, p := range products {
		known[p.Code] = true
		if n := itemsOf[p.Code]; n > 1 {
			c.duplicated += n - 1
			c.problem("%s: product %s is %d items on the platform (created %d times)", shop, p.Code, n, n)
		}
		for _, k := range p.SKUs {
			c.listings++
			got := skus[k.Code]
			switch {
			case got == nil:
				c.lost++
				c.problem("%s: SKU %s is not listed", shop, k.Code)
				continue
			case got.n > 1:
				c.duplicated += got.n - 1
				c.problem("%s: SKU %s is listed %d times", shop, k.Code, got.n)
			}
			want := k.Stock
			if stock != nil {
				want = stock(shop, k)
			}
			if got.price != int64(k.ListPrice) || got.stock > want || got.stock < want-units[k.Code] {
				c.problem("%s: SKU %s shows %d fen / %d units, the catalog says %d fen / %d units (%d sold there)", shop, k.Code, got.price, got.stock, k.ListPrice, want, units[k.Code])
			}
		}
	}
	for code, n := range itemsOf {
		if !known[code] {
			c.duplicated += n
			c.problem("%s: item %s is not in the catalog", shop, code)
		}
	}
}

// Orders.

// sold is what the sandboxes sold, by shop.
type sold map[domain.ShopRef][]string

// sell has every shop's sandbox sell n orders now.
func (tp *topology) sell(ctx context.Context, n int, into sold, shops ...*sbShop) {
	tp.t.Helper()
	if shops == nil {
		shops = tp.shops
	}
	for _, s := range shops {
		ids, err := s.admin.SellOrders(ctx, n, "")
		if err != nil {
			// A shop whose products are still in review (or not yet
			// pushed) has nothing to sell yet: its buyers come later.
			if strings.Contains(err.Error(), "HTTP 409") {
				tp.t.Logf("%s sells nothing yet: %v", s.ref, err)
				continue
			}
			tp.t.Fatalf("%s sells %d orders: %v", s.ref, n, err)
		}
		into[s.ref] = append(into[s.ref], ids...)
	}
}

// startPulls starts each shop's long-running order pull (2 s apart).
func (tp *topology) startPulls(ctx context.Context, shops ...*sbShop) {
	tp.t.Helper()
	if shops == nil {
		shops = tp.shops
	}
	for _, s := range shops {
		in := workflows.OrderPullInput{Shop: s.ref, PullPolicy: domain.PullPolicy{Interval: 2 * time.Second, Overlap: 5 * time.Minute,
			Lag: 2 * time.Second, InitialLookback: time.Hour}}
		if err := tp.startWorkflow(ctx, s.ref, workflows.OrderPullID(s.ref), workflows.OrderPullWorkflowName, in); err != nil {
			tp.t.Fatalf("start the order pull of %s: %v", s.ref, err)
		}
	}
}

// awaitOrders waits until the ERP receiver has every order sold and the
// store has nothing left to deliver (bounded by ctx).
func (tp *topology) awaitOrders(ctx context.Context, s sold) {
	tp.t.Helper()
	want := 0
	for _, ids := range s {
		want += len(ids)
	}
	for {
		got, err := tp.erpOrders(ctx)
		pending := 0
		if err == nil {
			var stats map[store.DeliveryStatus]int
			if stats, err = tp.Store.DeliveryStats(ctx); err == nil {
				pending = stats[store.DeliveryPending]
			}
		}
		if err == nil && len(got) >= want && pending == 0 {
			return
		}
		if ctx.Err() != nil {
			tp.t.Logf("waiting for orders: the ERP has %d of %d, %d deliveries pending (%v)", len(got), want, pending, err)
			return // the checks say what is missing
		}
		time.Sleep(time.Second)
	}
}

// checkOrders compares every order sold with the store, the ERP receiver
// and the platform itself (read through a connector of the shop, as a
// third worker would): each order in the ERP once, every version
// delivered once and in order, the ERP's last revision, status and amount
// those of the order on the platform.
func (tp *topology) checkOrders(ctx context.Context, c *tally, s sold) {
	tp.t.Helper()
	got, err := tp.erpOrders(ctx)
	if err != nil {
		tp.t.Fatalf("ERP receiver: %v", err)
	}
	stats, err := tp.erpStats(ctx)
	if err != nil {
		tp.t.Fatalf("ERP receiver: %v", err)
	}
	stored := map[domain.ShopRef][]store.OrderRecord{}
	var shops []domain.ShopRef
	for _, sh := range tp.shops {
		recs, err := tp.Store.ListOrders(ctx, sh.ref, 0)
		if err != nil {
			tp.t.Fatal(err)
		}
		stored[sh.ref] = recs
		shops = append(shops, sh.ref)
	}
	// The refund cases syncctl holds of those orders, and the ERP's.
	cases := map[string]domain.AfterSale{}
	for shop, recs := range stored {
		for _, r := range recs {
			cs, err := tp.Store.AfterSales(ctx, shop, r.Order.PlatformOrderID)
			if err != nil {
				tp.t.Fatal(err)
			}
			for _, k := range cs {
				cases[shop.String()+"/"+r.Order.PlatformOrderID+"/"+k.PlatformCaseID] = k
			}
		}
	}
	var refunds []erp.ReceivedRefund
	if err := getJSON(ctx, tp.erp.url(portERP)+"/refunds", &refunds); err != nil {
		tp.t.Fatalf("ERP receiver: %v", err)
	}
	compareRefunds(c, cases, refunds)
	chans := tp.hostChannels()
	platform := func(shop domain.ShopRef, id string) (domain.SalesOrder, error) {
		return chans[shop].GetOrder(ctx, id)
	}
	compareOrders(c, s, shops, stored, got, stats, platform)
}

// compareRefunds checks every refund case syncctl holds reached the ERP at
// its state, and the ERP has no other.
func compareRefunds(c *tally, cases map[string]domain.AfterSale, got []erp.ReceivedRefund) {
	seen := map[string]bool{}
	for _, r := range got {
		k, ok := cases[r.Key]
		switch {
		case seen[r.Key]:
			c.duplicated++
			c.problem("the ERP has refund case %s twice", r.Key)
		case !ok:
			c.duplicated++
			c.problem("the ERP has refund case %s, which syncctl never pulled", r.Key)
		case r.Status != string(k.Status) || r.Amount != int64(k.RefundAmount):
			c.problem("refund case %s: the ERP has it %s %d fen, syncctl %s %d fen", r.Key, r.Status, r.Amount, k.Status, k.RefundAmount)
		}
		seen[r.Key] = true
	}
	for key := range cases {
		if !seen[key] {
			c.lost++
			c.problem("refund case %s never reached the ERP", key)
		}
	}
}

// compareOrders checks the orders sold on each shop against the store,
// the ERP receiver and the platform's own view of each order.
func compareOrders(c *tally, s sold, shops []domain.ShopRef, stored map[domain.ShopRef][]store.OrderRecord, got []erp.ReceivedOrder,
	stats erp.ReceiverStats, platform func(domain.ShopRef, string) (domain.SalesOrder, error)) {
	if stats.Stale > 0 {
		c.problem("the ERP received %d order versions after a newer one (out of version order)", stats.Stale)
	}
	if stats.BadSignature > 0 || stats.BadRequest > 0 {
		c.problem("the ERP refused %d webhooks for their signature and %d as malformed", stats.BadSignature, stats.BadRequest)
	}
	byKey := map[string]int{}
	for i, o := range got {
		if _, dup := byKey[o.Key]; dup {
			c.duplicated++
			c.problem("the ERP has order %s twice", o.Key)
		}
		byKey[o.Key] = i
	}
	want := map[string]bool{}
	for _, shop := range shops {
		byID := map[string]store.OrderRecord{}
		for _, r := range stored[shop] {
			if _, dup := byID[r.Order.PlatformOrderID]; dup {
				c.duplicated++
				c.problem("%s: order %s is in the store twice", shop, r.Order.PlatformOrderID)
			}
			byID[r.Order.PlatformOrderID] = r
		}
		for _, id := range s[shop] {
			c.orders++
			key := shop.String() + "/" + id
			if want[key] {
				continue // a sandbox never sells one id twice; counted once
			}
			want[key] = true
			rec, ok := byID[id]
			if !ok {
				c.lost++
				c.problem("%s: order %s was sold but never pulled", shop, id)
				continue
			}
			i, ok := byKey[key]
			if !ok {
				c.lost++
				c.problem("%s: order %s never reached the ERP", shop, id)
				continue
			}
			e := got[i]
			switch {
			case e.Deliveries > rec.Versions:
				c.duplicated += e.Deliveries - rec.Versions
				c.problem("%s: order %s: the ERP applied %d deliveries of %d versions", shop, id, e.Deliveries, rec.Versions)
			case e.Deliveries < rec.Versions:
				c.lost += rec.Versions - e.Deliveries
				c.problem("%s: order %s: the ERP applied %d of its %d versions", shop, id, e.Deliveries, rec.Versions)
			}
			if e.Revision != rec.Revision || e.Status != string(rec.Order.Status) || e.Paid != int64(rec.Order.Amounts.Paid) {
				c.problem("%s: order %s: the ERP has revision %d %s %d fen, the store revision %d %s %d fen", shop, id,
					e.Revision, e.Status, e.Paid, rec.Revision, rec.Order.Status, rec.Order.Amounts.Paid)
			}
			po, err := platform(shop, id)
			if err != nil {
				c.problem("%s: order %s: the platform: %v", shop, id, err)
			} else if !sameStatus(po.Status, e.Status) || int64(po.Amounts.Paid) != e.Paid {
				c.problem("%s: order %s: the platform says %s %d fen, the ERP %s %d fen", shop, id, po.Status, po.Amounts.Paid, e.Status, e.Paid)
			}
		}
	}
	for _, o := range got {
		if !want[o.Key] {
			c.duplicated++
			c.problem("the ERP has order %s, which no sandbox sold", o.Key)
		}
	}
}

// sameStatus compares an order's status as the platform's order detail
// gives it with the ERP's. A refund's state comes from the platform's
// after-sales list, which the pull reads and the detail does not carry.
func sameStatus(platform domain.OrderStatus, erp string) bool {
	switch domain.OrderStatus(erp) {
	case platform:
		return true
	case domain.OrderRefunding, domain.OrderRefunded, domain.OrderPartRefunded:
		return platform != domain.OrderPendingPayment && platform != domain.OrderCancelled
	}
	return false
}

// hostChannels opens each shop's connector from this test process,
// through the sandboxes' published ports, sharing tokens with the workers
// through the store.
func (tp *topology) hostChannels() connectors.Shops {
	tp.t.Helper()
	var cfgs []connectors.ShopConfig
	for _, s := range tp.shops {
		setup := s.reg.Sandbox.Shop(s.admin.BaseURL)
		creds := map[string]connectors.Secret{}
		for k, v := range s.creds {
			if spec, ok := s.reg.Connector.Credential(k); ok && !spec.Minted {
				creds[k] = connectors.Secret(v)
			}
		}
		cfgs = append(cfgs, connectors.ShopConfig{Channel: s.ref.Channel, Shop: s.ref.Shop, Gateway: setup.Gateway,
			Credentials: creds, QPS: 50, Options: setup.Options})
	}
	var tokens connectors.TokenStore
	if ts, ok := tp.Store.(connectors.TokenStore); ok {
		tokens = ts
	}
	shops, err := platforms.OpenShops(cfgs, tokens)
	if err != nil {
		tp.t.Fatalf("open the shops from the test: %v", err)
	}
	return shops
}

// suiteSKUs is the size of scenario 1's catalog (SYNCCTL_CHAOS_SKUS).
func suiteSKUs() int { return envInt("SYNCCTL_CHAOS_SKUS", defaultSKUs) }

// scenario runs one scenario on its own system, then the secret scan, and
// records its row, also when it fails half-way.
func scenario(t *testing.T, name string, o topoOptions, body func(ctx context.Context, tp *topology, c *tally)) {
	t.Helper()
	if testing.Short() {
		t.Skip("the chaos suite runs whole systems in Docker")
	}
	if parallelScenarios() {
		t.Parallel()
	}
	started := time.Now()
	c := &tally{}
	defer func() {
		if t.Failed() || len(c.problems) > 0 || c.lost > 0 || c.duplicated > 0 {
			c.problems = append(c.problems, "") // keeps the row FAILED
		}
		record(t, name, started, c)
	}()
	tp := startTopology(t, o)
	// A bigger catalog (SYNCCTL_CHAOS_SKUS) takes longer to push.
	ctx, cancel := context.WithTimeout(context.Background(), scenarioTimeout+time.Duration(suiteSKUs()/1000)*time.Minute)
	defer cancel()
	body(ctx, tp, c)
	// After the checks, before the containers go: no secret or token in
	// any log or history.
	tp.scanSecrets(c)
}

// scenarioTimeout bounds one scenario's work after its system is up.
const scenarioTimeout = 8 * time.Minute

// parallelScenarios reports whether scenarios run side by side (their
// waits are mostly idle: heartbeat timeouts, a platform dark, the ERP
// down). SYNCCTL_CHAOS_SERIAL=1 runs them one after the other.
func parallelScenarios() bool { return os.Getenv("SYNCCTL_CHAOS_SERIAL") == "" }

// waitFor polls cond until it holds (bounded by ctx and limit).
func (tp *topology) waitFor(ctx context.Context, limit time.Duration, what string, cond func() bool) {
	tp.t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if ctx.Err() != nil || time.Now().After(deadline) {
			tp.t.Fatalf("gave up after %s waiting for %s", limit, what)
		}
		time.Sleep(250 * time.Millisecond)
	}
	tp.t.Logf("%s: %s", time.Now().Format("15:04:05.000"), what)
}

// calls counts the calls every sandbox has answered.
func (tp *topology) calls(ctx context.Context) int {
	n := 0
	for _, s := range tp.shops {
		if st, err := s.admin.Stats(ctx); err == nil {
			n += st.Total
		}
	}
	return n
}

// listed counts the items on every sandbox that still answers.
func (tp *topology) listed(ctx context.Context, shops ...*sbShop) int {
	if shops == nil {
		shops = tp.shops
	}
	n := 0
	for _, s := range shops {
		if items, err := s.admin.Items(ctx); err == nil {
			n += len(items)
		}
	}
	return n
}

// restart starts a killed or stopped worker again and waits until it serves.
func (tp *topology) restartWorker(ctx context.Context, w *node) {
	tp.t.Helper()
	n := strings.Count(tp.logs(w), "worker serving")
	tp.start(w)
	tp.waitLog(ctx, w, "worker serving", n+1)
}
