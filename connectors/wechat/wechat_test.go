package wechat_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/wechat"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/sandbox/kit"
	sbwechat "github.com/syncctl/syncctl/sandbox/wechat"
)

var shopSeq atomic.Int64

type env struct {
	sb *sbwechat.Server
	ch connectors.Channel
}

// open starts a sandbox and opens a shop on it the way the registration
// does: the sandbox's credentials, Platform.CheckShop, then New.
func open(t *testing.T, edit func(*connectors.ShopConfig)) *env {
	t.Helper()
	return openWith(t, sbwechat.Config{}, edit)
}

// openWith is open on a sandbox configured by sc (its credentials are made here).
func openWith(t *testing.T, sc sbwechat.Config, edit func(*connectors.ShopConfig)) *env {
	t.Helper()
	creds := sbwechat.Platform.NewCredentials()
	sc.AppID, sc.Secret = creds["appid"], creds["secret"]
	sb := sbwechat.New(sc)
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { srv.Close(); _ = sb.Close() })
	setup := sbwechat.Platform.Shop(srv.URL)
	cfg := connectors.ShopConfig{Channel: "wechat_shop", Shop: "t" + strings.Repeat("x", int(shopSeq.Add(1))), Gateway: setup.Gateway,
		Options: setup.Options, Credentials: map[string]connectors.Secret{"appid": connectors.Secret(creds["appid"]), "secret": connectors.Secret(creds["secret"])},
		Tokens: &connectors.MemoryTokens{}, QPS: 1000}
	if edit != nil {
		edit(&cfg)
	}
	cfg, err := wechat.Platform.CheckShop(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := wechat.Platform.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{sb: sb, ch: ch}
}

func push() connectors.ProductPush {
	return connectors.ProductPush{
		Product: domain.Product{Code: "YS-TS-001", Title: "纯棉圆领短袖T恤",
			Images: []string{"https://img/1.jpg", "https://img/2.jpg", "https://img/3.jpg"},
			SKUs: []domain.SKU{
				{Code: "YS-TS-001-WHT-M", Specs: []domain.SpecValue{{Name: "颜色", Value: "白色"}}},
				{Code: "YS-TS-001-BLK-M", Specs: []domain.SpecValue{{Name: "颜色", Value: "黑色"}}},
			}},
		Prices: map[string]domain.Money{"YS-TS-001-WHT-M": 5990, "YS-TS-001-BLK-M": 6990},
		Stocks: map[string]int{"YS-TS-001-WHT-M": 10, "YS-TS-001-BLK-M": 5},
	}
}

// listed pushes the product and lets its review pass.
func (e *env) listed(t *testing.T) connectors.ProductIDs {
	t.Helper()
	ctx := context.Background()
	res, err := e.ch.UpsertProduct(ctx, push())
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != domain.ListingInReview || len(res.IDs.SKUIDs) != 2 || res.IDs.ItemID == "" {
		t.Fatalf("push: %+v", res)
	}
	st, _, err := e.ch.(connectors.ReviewTracker).ReviewStatus(ctx, res.IDs)
	if err != nil || st != domain.ListingOnSale {
		t.Fatalf("review: %s %v", st, err)
	}
	return res.IDs
}

func TestPushReviewStockPrice(t *testing.T) {
	ctx := context.Background()
	e := open(t, nil)
	ids := e.listed(t)
	if _, err := e.sb.SellOrders(2, "YS-TS-001-WHT-M"); err != nil {
		t.Fatal(err)
	}
	// target 9 after two sales from 10: +1, read from the platform.
	if err := e.ch.UpdateStock(ctx, connectors.StockUpdate{SKUCode: "YS-TS-001-WHT-M", IDs: ids, Quantity: 9}); err != nil {
		t.Fatal(err)
	}
	if n, _ := e.sb.Stock("YS-TS-001-WHT-M"); n != 9 {
		t.Errorf("stock %d, want 9", n)
	}
	if err := e.ch.UpdateStock(ctx, connectors.StockUpdate{SKUCode: "YS-TS-001-BLK-M", IDs: ids, Quantity: 2}); err != nil {
		t.Fatal(err)
	}
	writes := e.sb.Calls("product/stock/update")
	if err := e.ch.UpdateStock(ctx, connectors.StockUpdate{SKUCode: "YS-TS-001-BLK-M", IDs: ids, Quantity: 2}); err != nil {
		t.Fatal(err)
	}
	if n, _ := e.sb.Stock("YS-TS-001-BLK-M"); n != 2 || e.sb.Calls("product/stock/update") != writes {
		t.Errorf("stock %d after an equal update, writes %d → %d", n, writes, e.sb.Calls("product/stock/update"))
	}
	if err := e.ch.UpdatePrice(ctx, connectors.PriceUpdate{SKUCode: "YS-TS-001-WHT-M", IDs: ids, Price: 4990}); err != nil {
		t.Fatal(err)
	}
	if it := e.sb.AdminItems()[0]; it.SKUs[0].PriceFen != 4990 && it.SKUs[1].PriceFen != 4990 {
		t.Errorf("price not changed: %+v", it)
	}
	if err := e.ch.SetListed(ctx, ids, false); err != nil {
		t.Fatal(err)
	}
	if err := e.ch.SetListed(ctx, ids, false); err != nil {
		t.Errorf("delisting twice: %v", err)
	}
	if e.sb.AdminItems()[0].OnSale {
		t.Error("still on sale")
	}
	if err := e.ch.SetListed(ctx, ids, true); err != nil || !e.sb.AdminItems()[0].OnSale {
		t.Errorf("relist: %v", err)
	}
	// An update goes back into review; its SKU ids are kept.
	e.sb.SetReviewGets(5)
	p := push()
	p.Known = &ids
	res, err := e.ch.UpsertProduct(ctx, p)
	if err != nil || res.Status != domain.ListingInReview || res.IDs.SKUIDs["YS-TS-001-WHT-M"] != ids.SKUIDs["YS-TS-001-WHT-M"] {
		t.Fatalf("update: %+v %v", res, err)
	}
	err = e.ch.UpdateStock(ctx, connectors.StockUpdate{SKUCode: "YS-TS-001-WHT-M", IDs: ids, Quantity: 3})
	if domain.ErrorCode(err) != domain.EConflict {
		t.Errorf("stock while in audit: %v, want conflict", err)
	}
}

func TestReviewRejected(t *testing.T) {
	ctx := context.Background()
	e := open(t, nil)
	e.sb.RejectNext("YS-TS-001", "主图含水印")
	res, err := e.ch.UpsertProduct(ctx, push())
	if err != nil {
		t.Fatal(err)
	}
	st, reason, err := e.ch.(connectors.ReviewTracker).ReviewStatus(ctx, res.IDs)
	if err != nil || st != domain.ListingRejected || reason != "主图含水印" {
		t.Errorf("review: %s %q %v", st, reason, err)
	}
}

func TestPushRefusedBeforeAnyCall(t *testing.T) {
	e := open(t, nil)
	p := push()
	p.Product.Images = p.Product.Images[:2]
	_, err := e.ch.UpsertProduct(context.Background(), p)
	if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "images") || e.sb.Calls("product/add") != 0 {
		t.Errorf("got %v", err)
	}
}

func TestTokenRefreshedOnce(t *testing.T) {
	ctx := context.Background()
	e := open(t, nil)
	ids := e.listed(t)
	e.sb.ExpireTokens()
	if _, _, err := e.ch.(connectors.ReviewTracker).ReviewStatus(ctx, ids); err != nil {
		t.Errorf("after expiry: %v", err)
	}
	e.sb.ForgetTokens()
	if _, _, err := e.ch.(connectors.ReviewTracker).ReviewStatus(ctx, ids); err != nil {
		t.Errorf("after the token was forgotten: %v", err)
	}
}

func TestBadSecretIsAuth(t *testing.T) {
	e := open(t, func(c *connectors.ShopConfig) { c.Credentials["secret"] = "wrong" })
	_, err := e.ch.GetOrder(context.Background(), "3000000000000000001")
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.EAuth || de.PlatformCode != "40125" || strings.Contains(err.Error(), "wrong") {
		t.Errorf("got %v", err)
	}
}

func TestOrders(t *testing.T) {
	ctx := context.Background()
	e := open(t, nil)
	e.listed(t)
	ids, err := e.sb.SellOrders(3, "")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	q := connectors.OrderQuery{From: now.Add(-time.Hour), To: now.Add(time.Minute), PageSize: 2}
	page, err := e.ch.ListOrders(ctx, q)
	if err != nil || len(page.Orders) != 2 || page.NextPageToken == "" {
		t.Fatalf("page 1: %+v %v", page, err)
	}
	q.PageToken = page.NextPageToken
	page2, err := e.ch.ListOrders(ctx, q)
	if err != nil || len(page2.Orders) != 1 || page2.NextPageToken != "" {
		t.Fatalf("page 2: %+v %v", page2, err)
	}
	got := map[string]bool{}
	for _, o := range append(page.Orders, page2.Orders...) {
		got[o.PlatformOrderID] = true
		if o.Status != domain.OrderPaid || len(o.Lines) != 1 || o.Lines[0].SKUCode == "" || o.Amounts.Paid <= 0 || !strings.Contains(o.Receiver.Phone, "*") {
			t.Errorf("order %+v", o)
		}
	}
	for _, id := range ids {
		if !got[id] {
			t.Errorf("order %s (19 digits) not listed intact: %v", id, got)
		}
	}
	if err := e.sb.CancelOrder(ids[0]); err != nil {
		t.Fatal(err)
	}
	o, err := e.ch.GetOrder(ctx, ids[0])
	if err != nil || o.Status != domain.OrderCancelled || o.PlatformStatus != "200" {
		t.Errorf("cancelled: %+v %v", o, err)
	}
	if err := e.ch.Ship(ctx, domain.Shipment{PlatformOrderID: ids[1], Carrier: "YUNDA", TrackingNo: "4312345678901"}); err != nil {
		t.Fatal(err)
	}
	if o, _ := e.ch.GetOrder(ctx, ids[1]); o.Status != domain.OrderShipped {
		t.Errorf("shipped: %s", o.Status)
	}
	line := func(id string) string { o, _ := e.ch.GetOrder(ctx, id); return o.Lines[0].PlatformLineID }
	if err := e.ch.Ship(ctx, domain.Shipment{PlatformOrderID: ids[2], Carrier: "YUNDA", TrackingNo: "4312345678902",
		Lines: []domain.ShipmentLine{{PlatformLineID: "999"}}}); domain.ErrorCode(err) != domain.ENotFound {
		t.Errorf("unknown line: %v", err)
	}
	if err := e.ch.Ship(ctx, domain.Shipment{PlatformOrderID: ids[2], Carrier: "YUNDA", TrackingNo: "4312345678903",
		Lines: []domain.ShipmentLine{{PlatformLineID: line(ids[2])}}}); err != nil {
		t.Errorf("ship a line: %v", err)
	}
	_, err = e.ch.ListOrders(ctx, connectors.OrderQuery{From: now.Add(-8 * 24 * time.Hour), To: now})
	if domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("8-day window: %v", err)
	}
	if e.ch.Capabilities().OrderWindowMax != 7*24*time.Hour || !e.ch.Capabilities().Review {
		t.Errorf("capabilities %+v", e.ch.Capabilities())
	}
}

func TestSKUThrottleDoesNotBanTheShop(t *testing.T) {
	ctx := context.Background()
	e := open(t, nil)
	ids := e.listed(t)
	srvFault(t, e, kit.Fault{Kind: kit.FaultError, Method: "product/stock/update", Code: 10020112, Msg: "更新该sku库存频率超限", Count: 1})
	err := e.ch.UpdateStock(ctx, connectors.StockUpdate{SKUCode: "YS-TS-001-WHT-M", IDs: ids, Quantity: 1})
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.ERateLimited || de.PlatformCode != "10020112" {
		t.Fatalf("got %v", err)
	}
	start := time.Now()
	if _, _, err := e.ch.(connectors.ReviewTracker).ReviewStatus(ctx, ids); err != nil || time.Since(start) > 2*time.Second {
		t.Errorf("the shop is held after one SKU's throttle: %v after %s", err, time.Since(start))
	}
}

func TestMinuteQuota(t *testing.T) {
	e := open(t, nil)
	srvFault(t, e, kit.Fault{Kind: kit.FaultRateLimit, Method: "order/get", Count: 1})
	_, err := e.ch.GetOrder(context.Background(), "3000000000000000001")
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.ERateLimited || de.PlatformCode != "45011" || de.RetryAfter <= 0 || de.RetryAfter > time.Minute {
		t.Errorf("got %v (retry after %v)", err, de)
	}
}

func srvFault(t *testing.T, e *env, f kit.Fault) {
	t.Helper()
	if err := e.sb.AddFault(f); err != nil {
		t.Fatal(err)
	}
}

func TestRetriedCreateFindsTheProduct(t *testing.T) {
	ctx := context.Background()
	e := open(t, nil)
	first, err := e.ch.UpsertProduct(ctx, push())
	if err != nil {
		t.Fatal(err)
	}
	p := push()
	p.MayExist = true
	again, err := e.ch.UpsertProduct(ctx, p)
	if err != nil || again.IDs.ItemID != first.IDs.ItemID || e.sb.Calls("product/add") != 1 || e.sb.Calls("product/update") != 1 {
		t.Errorf("retried create: %+v %v (adds %d)", again.IDs, err, e.sb.Calls("product/add"))
	}
	p.Product.Code = "YS-TS-002"
	if _, err := e.ch.UpsertProduct(ctx, p); err != nil || e.sb.Calls("product/add") != 2 {
		t.Errorf("a product that was never created: %v (adds %d)", err, e.sb.Calls("product/add"))
	}
}
