package fake_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/fake"
	"github.com/syncctl/syncctl/connectors/shopgate"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/platforms"
	_ "github.com/syncctl/syncctl/platforms/fakeplatform"
	sbfake "github.com/syncctl/syncctl/sandbox/fake"
	"github.com/syncctl/syncctl/sandbox/kit"
)

var mini = domain.ShopRef{Channel: "fake", Shop: "mini"}

type env struct {
	sb    *sbfake.Server
	url   string
	ch    connectors.Channel
	admin kit.AdminClient
	key   string
}

// newEnv starts the sandbox through its declaration and opens the shop
// through the registration, as the worker does.
func newEnv(t *testing.T, options map[string]string) *env {
	t.Helper()
	creds := sbfake.Platform.NewCredentials()
	box, err := sbfake.Platform.Open(kit.Config{Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(box)
	t.Cleanup(func() { srv.Close(); _ = box.Close() })
	setup := sbfake.Platform.Shop(srv.URL)
	cfg := connectors.ShopConfig{Channel: mini.Channel, Shop: mini.Shop, Gateway: setup.Gateway, QPS: 1000, Options: setup.Options,
		Credentials: map[string]connectors.Secret{"api_key": connectors.Secret(creds["api_key"])}}
	for k, v := range options {
		cfg.Options[k] = v
	}
	ch, err := platforms.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{sb: box.(*sbfake.Server), url: srv.URL, ch: ch, admin: kit.AdminClient{BaseURL: srv.URL}, key: creds["api_key"]}
}

func product(code string, skus int) connectors.ProductPush {
	p := connectors.ProductPush{Product: domain.Product{Code: code, Title: "商品 " + code + " 纯棉T恤"},
		Prices: map[string]domain.Money{}, Stocks: map[string]int{}}
	for i := range skus {
		c := fmt.Sprintf("%s-%d", code, i)
		p.Product.SKUs = append(p.Product.SKUs, domain.SKU{Code: c, ListPrice: 5990, Specs: []domain.SpecValue{{Name: "尺码", Value: strconv.Itoa(i)}}})
		p.Prices[c], p.Stocks[c] = 5990, 10+i
	}
	return p
}

func stockOf(t *testing.T, sb *sbfake.Server, product, sku string) int {
	t.Helper()
	it, ok := sb.Item(product)
	if !ok {
		t.Fatalf("no item %s", product)
	}
	for _, k := range it.SKUs {
		if k.OuterID == sku {
			return k.Stock
		}
	}
	t.Fatalf("item %s has no sku %s", product, sku)
	return 0
}

func TestDeclaration(t *testing.T) {
	e := newEnv(t, nil)
	caps := e.ch.Capabilities()
	// The connector's defaults are the sandbox's documented limits.
	if caps.OrderWindowMax != sbfake.DefaultWindowMax || fake.DefaultWindowMax != sbfake.DefaultWindowMax || fake.DefaultPageSize != sbfake.DefaultPageSize {
		t.Fatalf("caps = %+v; sandbox defaults %s / %d", caps, sbfake.DefaultWindowMax, sbfake.DefaultPageSize)
	}
	if fake.Platform.Kind != connectors.KindMiniProgram || !caps.Review {
		t.Fatalf("caps = %+v, kind %s", caps, fake.Platform.Kind)
	}
	if _, ok := e.ch.(connectors.ReviewTracker); !ok {
		t.Fatal("the connector does not track review")
	}
	cfg := connectors.ShopConfig{Channel: mini.Channel, Shop: mini.Shop, Gateway: "http://127.0.0.1:1/api", Credentials: map[string]connectors.Secret{"api_key": "k"}}
	for opt, v := range map[string]string{"order_page_size": "0", "order_window_max": "2 hours", "page_size": "2"} {
		c := cfg
		c.Options = map[string]string{opt: v}
		if _, err := platforms.Open(c); domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "option "+opt) {
			t.Errorf("option %s=%s: %v", opt, v, err)
		}
	}
	c := cfg
	c.Credentials = nil
	if _, err := platforms.Open(c); err == nil || !strings.Contains(err.Error(), "credential api_key") {
		t.Errorf("no key: %v", err)
	}
}

// The connector against the sandbox: every call the workflows make, and
// the platform's quirks — review, delta stock lowered by sales, a retried
// create, cursor paging under a window cap, an order it cannot map.
func TestAgainstTheSandbox(t *testing.T) {
	e := newEnv(t, map[string]string{"order_window_max": "2h", "order_page_size": "2"})
	e.sb.SetReview(1, map[string]string{"P2": "主图含违规文字"})
	e.sb.SetOrderLimits(2*time.Hour, 2)
	ctx := context.Background()
	review := e.ch.(connectors.ReviewTracker)

	cctx, calls := shopgate.WithCounter(ctx)
	res, err := e.ch.UpsertProduct(cctx, product("P1", 2))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != domain.ListingInReview || len(res.IDs.ItemID) != 19 || len(res.IDs.SKUIDs) != 2 || calls.Sent() != 1 {
		t.Fatalf("create = %+v", res)
	}
	ids := res.IDs
	for i, want := range []domain.ListingStatus{domain.ListingInReview, domain.ListingOnSale} {
		if s, reason, err := review.ReviewStatus(ctx, ids); err != nil || s != want || reason != "" {
			t.Fatalf("review check %d = %s %q %v, want %s", i+1, s, reason, err, want)
		}
	}
	p2, err := e.ch.UpsertProduct(ctx, product("P2", 1))
	if err != nil {
		t.Fatal(err)
	}
	review.ReviewStatus(ctx, p2.IDs)
	if s, reason, _ := review.ReviewStatus(ctx, p2.IDs); s != domain.ListingRejected || reason != "主图含违规文字" {
		t.Fatalf("P2 review = %s %q", s, reason)
	}

	// A retried create finds the item by its outer id instead of listing it twice.
	retry := product("P1", 2)
	retry.MayExist = true
	cctx, calls = shopgate.WithCounter(ctx)
	res, err = e.ch.UpsertProduct(cctx, retry)
	if err != nil || res.IDs.ItemID != ids.ItemID || res.IDs.SKUIDs["P1-1"] != ids.SKUIDs["P1-1"] || calls.Sent() != 2 {
		t.Fatalf("retried create = %+v, %v; want item %s", res, err, ids.ItemID)
	}
	if n := e.sb.Items("P1"); n != 1 {
		t.Fatalf("%d items under P1", n)
	}
	review.ReviewStatus(ctx, ids)
	review.ReviewStatus(ctx, ids) // approved again

	// Delta stock: buyers took 3 of P1-0 (10 → 7); the target 8 is sent as +1.
	if _, err := e.sb.Sell("P1-0", 3); err != nil {
		t.Fatal(err)
	}
	if err := e.ch.UpdateStock(ctx, connectors.StockUpdate{SKUCode: "P1-0", IDs: ids, Quantity: 8}); err != nil {
		t.Fatal(err)
	}
	// By outer id when the SKU id is unknown, and nothing when equal.
	noSKU := connectors.ProductIDs{ItemID: ids.ItemID}
	if err := e.ch.UpdateStock(ctx, connectors.StockUpdate{SKUCode: "P1-1", IDs: noSKU, Quantity: 5}); err != nil {
		t.Fatal(err)
	}
	if err := e.ch.UpdateStock(ctx, connectors.StockUpdate{SKUCode: "P1-1", IDs: ids, Quantity: 5}); err != nil {
		t.Fatal(err)
	}
	w := e.sb.StockWrites()
	if len(w) != 2 || w[0].SKUOuterID != "P1-0" || w[0].Delta != 1 || w[1].SKUOuterID != "P1-1" || w[1].Delta != -6 {
		t.Fatalf("stock writes = %+v, want +1 for P1-0 and −6 for P1-1", w)
	}
	if err := e.ch.UpdateStock(ctx, connectors.StockUpdate{SKUCode: "P1-9", IDs: ids, Quantity: 5}); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("unknown sku = %v", err)
	}
	// An update brings the stock of existing SKUs to the push's numbers too.
	upd := product("P1", 2)
	upd.Known = &ids
	upd.Stocks["P1-0"] = 20
	cctx, calls = shopgate.WithCounter(ctx)
	if res, err = e.ch.UpsertProduct(cctx, upd); err != nil || calls.Sent() != 3 {
		t.Fatalf("update = %+v, %v; want upsert and two deltas", res, err)
	}
	if stockOf(t, e.sb, "P1", "P1-0") != 20 || stockOf(t, e.sb, "P1", "P1-1") != 11 {
		t.Fatal("the update did not bring the stock to the push's numbers")
	}
	if err := e.ch.UpdatePrice(ctx, connectors.PriceUpdate{SKUCode: "P1-1", IDs: noSKU, Price: 4990}); err != nil {
		t.Fatal(err)
	}
	if it, _ := e.sb.Item("P1"); it.SKUs[1].PriceFen != 4990 {
		t.Fatalf("price = %d", it.SKUs[1].PriceFen)
	}
	if err := e.ch.SetListed(ctx, p2.IDs, true); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("listing a rejected item = %v", err)
	}
	if err := e.ch.SetListed(ctx, ids, false); err != nil {
		t.Fatal(err)
	}

	// Orders: five within the window (one sold above), paged two at a time,
	// one that cannot be mapped, one outside the window.
	now := time.Now().Truncate(time.Second)
	for i, ago := range []time.Duration{90 * time.Minute, time.Hour, time.Hour, 3 * time.Hour} {
		o := sbfake.Order{ID: fmt.Sprintf("300000000000000000%d", i+1), Status: sbfake.OrderPaid, Modified: now.Add(-ago),
			Lines: []sbfake.Line{{SKUOuterID: "P1-0", Title: "T恤", Quantity: 1, UnitPriceFen: 5990}}}
		if i == 2 {
			o.Broken = "amounts.paid_fen"
		}
		if err := e.sb.AddOrder(o); err != nil {
			t.Fatal(err)
		}
	}
	q := connectors.OrderQuery{From: now.Add(-2 * time.Hour), To: now.Add(time.Second)}
	if _, err := e.ch.ListOrders(ctx, q); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("a window over the cap = %v", err)
	}
	// A window of exactly the cap with sub-second edges fits.
	q.To = now.Add(1500 * time.Millisecond)
	q.From = q.To.Add(-2 * time.Hour)
	var got []string
	var rejected []connectors.RejectedOrder
	pages := 0
	for {
		page, err := e.ch.ListOrders(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, o := range page.Orders {
			got = append(got, o.PlatformOrderID)
		}
		rejected = append(rejected, page.Rejected...)
		if page.NextPageToken == "" {
			break
		}
		q.PageToken = page.NextPageToken
	}
	if len(got) != 3 || pages != 2 || len(rejected) != 1 || rejected[0].PlatformOrderID != "3000000000000000003" ||
		!strings.Contains(rejected[0].Reason, "field amounts.paid_fen") {
		t.Fatalf("%d pages: orders %v, rejected %+v", pages, got, rejected)
	}
	o, err := e.ch.GetOrder(ctx, "3000000000000000001")
	if err != nil || o.Amounts.Paid != 5990 || o.Lines[0].PlatformLineID != "300000000000000000101" {
		t.Fatalf("GetOrder = %+v, %v", o, err)
	}
	if _, err := e.ch.GetOrder(ctx, "3000000000000000003"); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("GetOrder of the broken order = %v", err)
	}
	if _, err := e.ch.GetOrder(ctx, "1"); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("GetOrder of no order = %v", err)
	}
	ship := domain.Shipment{PlatformOrderID: o.PlatformOrderID, Carrier: "SF", TrackingNo: "SF100",
		Lines: []domain.ShipmentLine{{PlatformLineID: o.Lines[0].PlatformLineID}}}
	if err := e.ch.Ship(ctx, ship); err != nil {
		t.Fatal(err)
	}
	if err := e.ch.Ship(ctx, ship); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("shipping twice = %v", err)
	}
}

func TestErrorsAreClassedAndKeepTheKeyOut(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	ids := connectors.ProductIDs{ItemID: "1000000000000000001"}
	cases := []struct {
		fault kit.Fault
		code  string
		wait  time.Duration
	}{
		{kit.Fault{Kind: kit.FaultError, Code: 50301, Msg: "busy", Count: 1}, domain.EUnavailable, 0},
		{kit.Fault{Kind: kit.FaultError, Code: 40301, Msg: "no permission", Count: 1}, domain.EAuth, 0},
		{kit.Fault{Kind: kit.FaultMalformed, Count: 1}, domain.EUnavailable, 0},
		{kit.Fault{Kind: kit.FaultOutage, BanSeconds: 60, Count: 3}, domain.EUnavailable, time.Minute},
		// Last: a throttle bans the whole shop (its gate holds every later call).
		{kit.Fault{Kind: kit.FaultRateLimit, BanSeconds: 9, Count: 1}, domain.ERateLimited, 9 * time.Second},
	}
	// A wrong key: EAuth, and no key in the text.
	cfg := connectors.ShopConfig{Channel: mini.Channel, Shop: mini.Shop, Gateway: sbfake.Platform.Shop(e.url).Gateway,
		Credentials: map[string]connectors.Secret{"api_key": "fk_wrong_secret_value"}}
	ch, err := platforms.Open(cfg)
	must(t, err)
	_, err = ch.GetOrder(ctx, "1")
	if domain.ErrorCode(err) != domain.EAuth || strings.Contains(err.Error(), "fk_wrong_secret_value") || strings.Contains(fmt.Sprintf("%+v %#v", cfg, cfg), "fk_wrong") {
		t.Fatalf("wrong key = %v", err)
	}
	_, err = e.ch.UpsertProduct(ctx, connectors.ProductPush{Product: domain.Product{Code: "P9", Title: "短"}})
	if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "product P9, field title") {
		t.Fatalf("short title = %v", err)
	}
	for _, tc := range cases {
		if err := e.admin.AddFault(ctx, tc.fault); err != nil {
			t.Fatal(err)
		}
		_, _, err := e.ch.(connectors.ReviewTracker).ReviewStatus(ctx, ids)
		var de *domain.Error
		if !errors.As(err, &de) || de.Code != tc.code || de.RetryAfter != tc.wait {
			t.Errorf("%s fault = %#v, want %s waiting %s", tc.fault.Kind, err, tc.code, tc.wait)
		}
		must(t, e.admin.ClearFaults(ctx))
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
