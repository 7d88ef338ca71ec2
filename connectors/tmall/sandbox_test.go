package tmall_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/tmall"
	"github.com/syncctl/syncctl/domain"
	sbtmall "github.com/syncctl/syncctl/sandbox/tmall"
)

// The connector against the sandbox: two independent implementations of
// TOP, each pinned to channels.md, must agree on every call the workflows
// make — including the rules that the canned gateway above cannot check
// (SKU price range, num = sum of SKUs, fields, split shipping).
func TestAgainstTheSandbox(t *testing.T) {
	for _, sign := range []string{"md5", "hmac", "hmac-sha256"} {
		t.Run(sign, func(t *testing.T) { againstSandbox(t, sign) })
	}
}

func againstSandbox(t *testing.T, sign string) {
	sb := sbtmall.New(sbtmall.Config{AppKey: appKey, AppSecret: secret, Session: session, Seed: 3})
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { srv.Close(); _ = sb.Close() })
	c, err := tmall.New(connectors.ShopConfig{Channel: "tmall", Shop: "flagship", Gateway: srv.URL + "/router/rest",
		Credentials: creds(appKey, secret, session), QPS: 1000, Options: map[string]string{"sign_method": sign, "pid:规格": "122216343"}})
	if err != nil {
		t.Fatal(err)
	}
	ch := c.(*tmall.Channel)
	ctx := context.Background()

	push := product()
	res, err := ch.UpsertProduct(ctx, push)
	if err != nil {
		t.Fatal(err)
	}
	ids := res.IDs
	// Raising the cheapest SKU above the item price needs item_price.
	if err := ch.UpdatePrice(ctx, connectors.PriceUpdate{SKUCode: "YS-TS-001-WHT-M", IDs: ids, Price: 7990}); err != nil {
		t.Fatalf("price up: %v", err)
	}
	if err := ch.UpdatePrice(ctx, connectors.PriceUpdate{SKUCode: "YS-TS-001-BLK-M", IDs: ids, Price: 4990}); err != nil {
		t.Fatalf("price down: %v", err)
	}
	noSKUID := connectors.ProductIDs{ItemID: ids.ItemID, SKUIDs: map[string]string{}}
	if err := ch.UpdateStock(ctx, connectors.StockUpdate{SKUCode: "YS-TS-001-BLK-M", IDs: noSKUID, Quantity: 30}); err != nil {
		t.Fatalf("stock by outer id: %v", err)
	}
	if err := ch.UpdateStock(ctx, connectors.StockUpdate{SKUCode: "YS-TS-001-WHT-M", IDs: ids, Quantity: 20}); err != nil {
		t.Fatalf("stock by sku id: %v", err)
	}
	it := sandboxItem(t, srv.URL)
	if it.PriceFen != 4990 || it.Num != 50 || it.SKUs["YS-TS-001-WHT-M"].PriceFen != 7990 || it.SKUs["YS-TS-001-BLK-M"].Quantity != 30 {
		t.Fatalf("sandbox item = %+v", it)
	}

	// A content update after a delisting keeps the item off the shelf, and
	// adding a SKU keeps the existing SKUs (same sku ids).
	if err := ch.SetListed(ctx, ids, false); err != nil {
		t.Fatal(err)
	}
	push.Known = &ids
	push.Product.Title = "山野集纯棉T恤 新款"
	push.Product.SKUs = append(push.Product.SKUs, domain.SKU{Code: "YS-TS-001-AAA-M", ListPrice: 5590,
		Specs: []domain.SpecValue{{Name: "颜色", Value: "燕麦色"}, {Name: "尺码", Value: "M"}}})
	push.Prices = map[string]domain.Money{"YS-TS-001-WHT-M": 7990, "YS-TS-001-BLK-M": 4990, "YS-TS-001-AAA-M": 5590}
	push.Stocks = map[string]int{"YS-TS-001-WHT-M": 20, "YS-TS-001-BLK-M": 30, "YS-TS-001-AAA-M": 5}
	res2, err := ch.UpsertProduct(ctx, push)
	if err != nil {
		t.Fatal(err)
	}
	if res2.Status != domain.ListingDelisted || res2.IDs.SKUIDs["YS-TS-001-WHT-M"] != ids.SKUIDs["YS-TS-001-WHT-M"] ||
		res2.IDs.SKUIDs["YS-TS-001-BLK-M"] != ids.SKUIDs["YS-TS-001-BLK-M"] || res2.IDs.SKUIDs["YS-TS-001-AAA-M"] == "" {
		t.Fatalf("after the update: %+v (was %+v)", res2, ids)
	}
	if err := ch.SetListed(ctx, res2.IDs, true); err != nil {
		t.Fatal(err)
	}

	// Orders: sold in the sandbox, pulled, read, shipped line by line.
	status, out := post(t, srv.URL+"/_sandbox/orders", `{"count":5}`)
	if status != http.StatusCreated {
		t.Fatalf("create orders: %d %v", status, out)
	}
	now := time.Now()
	page, err := ch.ListOrders(ctx, connectors.OrderQuery{From: now.Add(-time.Hour), To: now.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Orders) != 5 || len(page.Rejected) != 0 || page.NextPageToken != "" {
		t.Fatalf("page = %d orders, rejected %v", len(page.Orders), page.Rejected)
	}
	o := page.Orders[0]
	if len(o.PlatformOrderID) != 19 || o.Lines[0].SKUCode == "" || o.Lines[0].UnitPrice <= 0 || o.Amounts.Paid != o.Amounts.Goods+o.Amounts.Freight ||
		!strings.Contains(o.Receiver.Name, "*") {
		t.Fatalf("order = %+v", o)
	}
	got, err := ch.GetOrder(ctx, o.PlatformOrderID)
	if err != nil || got.Version() != o.Version() {
		t.Fatalf("GetOrder = %+v, %v; want the listed order", got, err)
	}
	ship := domain.Shipment{PlatformOrderID: o.PlatformOrderID, Carrier: "SF", TrackingNo: "SF100",
		Lines: []domain.ShipmentLine{{PlatformLineID: o.Lines[0].PlatformLineID}}}
	if err := ch.Ship(ctx, ship); err != nil {
		t.Fatal(err)
	}
	// Shipping the same line again is a conflict, never retried blindly.
	if err := ch.Ship(ctx, ship); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("second shipment of a line = %v", err)
	}
	other := domain.Shipment{PlatformOrderID: page.Orders[1].PlatformOrderID, Carrier: "SF", TrackingNo: "SF101",
		Lines: []domain.ShipmentLine{{PlatformLineID: o.Lines[0].PlatformLineID}}}
	if err := ch.Ship(ctx, other); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("a line of another order = %v", err)
	}
}

type sbItem struct {
	PriceFen int64 `json:"price_fen"`
	Num      int   `json:"num"`
	SKUs     map[string]struct {
		PriceFen int64 `json:"price_fen"`
		Quantity int   `json:"quantity"`
	}
}

func sandboxItem(t *testing.T, base string) sbItem {
	resp, err := http.Get(base + "/_sandbox/top/items")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Items []struct {
			PriceFen int64 `json:"price_fen"`
			Num      int   `json:"num"`
			SKUs     []struct {
				OuterID  string `json:"outer_id"`
				PriceFen int64  `json:"price_fen"`
				Quantity int    `json:"quantity"`
			} `json:"skus"`
		} `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Items) != 1 {
		t.Fatalf("items: %v %+v", err, out)
	}
	it := sbItem{PriceFen: out.Items[0].PriceFen, Num: out.Items[0].Num, SKUs: map[string]struct {
		PriceFen int64 `json:"price_fen"`
		Quantity int   `json:"quantity"`
	}{}}
	for _, s := range out.Items[0].SKUs {
		it.SKUs[s.OuterID] = struct {
			PriceFen int64 `json:"price_fen"`
			Quantity int   `json:"quantity"`
		}{s.PriceFen, s.Quantity}
	}
	return it
}

func post(t *testing.T, u, body string) (int, map[string]any) {
	resp, err := http.Post(u, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// Price updates of one item's SKUs may run at once (per-SKU price
// workflows): the connector takes them one at a time per item, so each
// item_price is computed from the other SKUs' current prices.
func TestConcurrentPriceUpdatesOfOneItem(t *testing.T) {
	sb := sbtmall.New(sbtmall.Config{AppKey: appKey, AppSecret: secret, Session: session, Seed: 5})
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { srv.Close(); _ = sb.Close() })
	c, err := tmall.New(connectors.ShopConfig{Channel: "tmall", Shop: "flagship", Gateway: srv.URL + "/router/rest",
		Credentials: creds(appKey, secret, session), QPS: 1000})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	res, err := c.UpsertProduct(ctx, product())
	if err != nil {
		t.Fatal(err)
	}
	// A slow gateway makes the updates overlap every time.
	if code, out := post(t, srv.URL+"/_sandbox/faults", `{"kind":"latency","latency":"30ms","method":"taobao.item.sku.price.update"}`); code >= 300 {
		t.Fatalf("fault: %d %v", code, out)
	}
	// Both SKUs rise above the other's old price (59.90 → 79.90, 69.90 →
	// 89.90): an update that sent item_price from the other's stale price
	// would be outside the new range, whichever lands second.
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for code, price := range map[string]domain.Money{"YS-TS-001-WHT-M": 7990, "YS-TS-001-BLK-M": 8990} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- c.UpdatePrice(ctx, connectors.PriceUpdate{SKUCode: code, IDs: res.IDs, Price: price})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if it := sandboxItem(t, srv.URL); it.PriceFen != 7990 {
		t.Fatalf("item price %d, want 7990 (the lower SKU)", it.PriceFen)
	}
}
