package vipshop_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/vipshop"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/sandbox/kit"
	sbvip "github.com/syncctl/syncctl/sandbox/vipshop"
)

var shopSeq atomic.Int64

type env struct {
	sb     *sbvip.Server
	ch     *vipshop.Channel
	admin  kit.AdminClient
	tokens *connectors.MemoryTokens
	creds  map[string]string
	url    string
}

// open starts a sandbox and opens a shop on it the way the registration
// does: the sandbox's credentials and options, Platform.CheckShop, New.
func open(t *testing.T, cfg func(*sbvip.Config), edit func(*connectors.ShopConfig)) *env {
	t.Helper()
	creds := sbvip.Platform.NewCredentials()
	c := sbvip.Config{AppKey: creds["app_key"], AppSecret: creds["app_secret"], RefreshToken: creds["refresh_token"]}
	if cfg != nil {
		cfg(&c)
	}
	sb := sbvip.New(c)
	sb.SetReviewDelay(0)
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { srv.Close(); _ = sb.Close() })
	setup := sbvip.Platform.Shop(srv.URL)
	tokens := &connectors.MemoryTokens{}
	sc := connectors.ShopConfig{Channel: "vipshop", Shop: "t" + strings.Repeat("x", int(shopSeq.Add(1))), Gateway: setup.Gateway,
		Options: setup.Options, Tokens: tokens, QPS: 1000, Credentials: map[string]connectors.Secret{}}
	for k, v := range creds {
		sc.Credentials[k] = connectors.Secret(v)
	}
	if edit != nil {
		edit(&sc)
	}
	sc, err := vipshop.Platform.CheckShop(sc)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := vipshop.Platform.New(sc)
	if err != nil {
		t.Fatal(err)
	}
	return &env{sb: sb, ch: ch.(*vipshop.Channel), admin: kit.AdminClient{BaseURL: srv.URL}, tokens: tokens, creds: creds, url: srv.URL}
}

func push() connectors.ProductPush {
	return connectors.ProductPush{
		Product: domain.Product{Code: "YS-TS-001", Title: "山野集 男士纯棉圆领短袖T恤 基础款",
			Images: []string{"https://img.example.com/ys-ts-001/1.jpg", "https://img.example.com/ys-ts-001/2.jpg"},
			SKUs: []domain.SKU{
				{Code: "YS-TS-001-WHT-M", ListPrice: 73900, Specs: []domain.SpecValue{{Name: "颜色", Value: "白色"}, {Name: "尺码", Value: "M"}}},
				{Code: "YS-TS-001-BLK-M", ListPrice: 73900, Specs: []domain.SpecValue{{Name: "颜色", Value: "黑色"}, {Name: "尺码", Value: "M"}}},
			}},
		Prices: map[string]domain.Money{"YS-TS-001-WHT-M": 25900, "YS-TS-001-BLK-M": 73900},
		Stocks: map[string]int{"YS-TS-001-WHT-M": 10, "YS-TS-001-BLK-M": 5},
	}
}

// listed pushes the product, and the review passes: approved, then on shelf.
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
	st, reason, err := e.ch.ReviewStatus(ctx, res.IDs)
	if err != nil || st != domain.ListingOnSale || reason != "" {
		t.Fatalf("review: %s %q %v", st, reason, err)
	}
	return res.IDs
}

func item(t *testing.T, e *env) kit.Item {
	t.Helper()
	items, err := e.admin.Items(context.Background())
	if err != nil || len(items) != 1 {
		t.Fatalf("items %+v %v", items, err)
	}
	return items[0]
}

func TestPushReviewPriceStockDelist(t *testing.T) {
	ctx := context.Background()
	e := open(t, nil, nil)
	e.sb.SetReviewDelay(time.Hour)
	res, err := e.ch.UpsertProduct(ctx, push())
	if err != nil {
		t.Fatal(err)
	}
	if st, _, err := e.ch.ReviewStatus(ctx, res.IDs); err != nil || st != domain.ListingInReview {
		t.Fatalf("before the review ends: %s %v", st, err)
	}
	if it := item(t, e); it.OnSale || it.Status != "12" {
		t.Fatalf("in review: %+v", it)
	}
	e.sb.SetReviewDelay(0)
	if st, _, err := e.ch.ReviewStatus(ctx, res.IDs); err != nil || st != domain.ListingOnSale {
		t.Fatalf("approved: %s %v", st, err)
	}
	it := item(t, e)
	if !it.OnSale || it.Status != "13" || it.OuterID != "YS-TS-001" {
		t.Fatalf("approved then on shelf: %+v", it)
	}
	// 259.00 and 739.00 went out as JSON numbers, exactly (the sandbox refuses strings and a third decimal).
	prices := map[string]int64{}
	for _, k := range it.SKUs {
		prices[k.OuterID] = k.PriceFen
	}
	if prices["YS-TS-001-WHT-M"] != 25900 || prices["YS-TS-001-BLK-M"] != 73900 {
		t.Errorf("prices %v", prices)
	}
	ids := res.IDs
	if err := e.ch.UpdatePrice(ctx, connectors.PriceUpdate{SKUCode: "YS-TS-001-WHT-M", IDs: ids, Price: 19990}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.admin.SellOrders(ctx, 2, "YS-TS-001-WHT-M"); err != nil {
		t.Fatal(err)
	}
	// Absolute: the target, whatever was sold.
	if err := e.ch.UpdateStock(ctx, connectors.StockUpdate{SKUCode: "YS-TS-001-WHT-M", IDs: ids, Quantity: 7}); err != nil {
		t.Fatal(err)
	}
	if n, _ := e.sb.Stock("YS-TS-001-WHT-M"); n != 7 {
		t.Errorf("stock %d, want 7", n)
	}
	if err := e.sb.SetCartHold("YS-TS-001-BLK-M", 4); err != nil {
		t.Fatal(err)
	}
	r, err := e.ch.UpdateStockReport(ctx, connectors.StockUpdate{SKUCode: "YS-TS-001-BLK-M", IDs: ids, Quantity: 1})
	if err != nil || r.OverSell != 3 {
		t.Errorf("over-sell: %+v %v", r, err)
	}
	if it := item(t, e); it.SKUs[0].PriceFen != 19990 && it.SKUs[1].PriceFen != 19990 {
		t.Errorf("price not changed: %+v", it)
	}
	if err := e.ch.SetListed(ctx, ids, false); err != nil || item(t, e).OnSale {
		t.Fatalf("delist: %v", err)
	}
	if err := e.ch.SetListed(ctx, ids, false); err != nil {
		t.Errorf("delisting twice: %v", err)
	}
	// An update edits, resubmits and keeps the SKU ids; a new SKU is appended.
	e.sb.SetReviewDelay(time.Hour)
	p := push()
	p.Known = &ids
	p.Product.SKUs = append(p.Product.SKUs, domain.SKU{Code: "YS-TS-001-RED-M", Specs: []domain.SpecValue{{Name: "颜色", Value: "红色"}}})
	p.Prices["YS-TS-001-RED-M"] = 25900
	up, err := e.ch.UpsertProduct(ctx, p)
	if err != nil || up.Status != domain.ListingInReview || up.IDs.SKUIDs["YS-TS-001-WHT-M"] != ids.SKUIDs["YS-TS-001-WHT-M"] || up.IDs.SKUIDs["YS-TS-001-RED-M"] == "" {
		t.Fatalf("update: %+v %v", up, err)
	}
	if e.sb.Calls("addProduct") != 1 || e.sb.Calls("appendSkus") != 1 || e.sb.Calls("editProduct") != 1 {
		t.Errorf("calls add %d append %d edit %d", e.sb.Calls("addProduct"), e.sb.Calls("appendSkus"), e.sb.Calls("editProduct"))
	}
}

func TestReviewRejectedWithReason(t *testing.T) {
	ctx := context.Background()
	e := open(t, nil, nil)
	e.sb.RejectNext("YS-TS-001", "主图不符合规范：含水印")
	res, err := e.ch.UpsertProduct(ctx, push())
	if err != nil {
		t.Fatal(err)
	}
	st, reason, err := e.ch.ReviewStatus(ctx, res.IDs)
	if err != nil || st != domain.ListingRejected || reason != "主图不符合规范：含水印" {
		t.Errorf("review: %s %q %v", st, reason, err)
	}
	if err := e.ch.SetListed(ctx, res.IDs, true); domain.ErrorCode(err) != domain.EConflict {
		t.Errorf("on shelf before approval: %v", err)
	}
	// A corrected push goes back to review and passes.
	p := push()
	p.Known = &res.IDs
	if _, err := e.ch.UpsertProduct(ctx, p); err != nil {
		t.Fatal(err)
	}
	if st, _, err := e.ch.ReviewStatus(ctx, res.IDs); err != nil || st != domain.ListingOnSale {
		t.Errorf("after the fix: %s %v", st, err)
	}
}

func TestPushRefusedBeforeAnyCall(t *testing.T) {
	e := open(t, nil, nil)
	p := push()
	p.Product.SKUs[0].Specs = append(p.Product.SKUs[0].Specs, domain.SpecValue{Name: "材质", Value: "棉"})
	_, err := e.ch.UpsertProduct(context.Background(), p)
	if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "pid:材质") || e.sb.Calls("addProduct") != 0 {
		t.Errorf("got %v", err)
	}
}

func TestRetriedCreateFindsTheProduct(t *testing.T) {
	ctx := context.Background()
	e := open(t, nil, nil)
	first, err := e.ch.UpsertProduct(ctx, push())
	if err != nil {
		t.Fatal(err)
	}
	p := push()
	p.MayExist = true
	again, err := e.ch.UpsertProduct(ctx, p)
	if err != nil || again.IDs.ItemID != first.IDs.ItemID || again.IDs.SKUIDs["YS-TS-001-BLK-M"] != first.IDs.SKUIDs["YS-TS-001-BLK-M"] ||
		e.sb.Calls("addProduct") != 1 || e.sb.Calls("editProduct") != 1 {
		t.Errorf("retried create: %+v %v (adds %d)", again.IDs, err, e.sb.Calls("addProduct"))
	}
	p.Product.Code = "YS-TS-002"
	for i := range p.Product.SKUs {
		p.Product.SKUs[i].Code = strings.Replace(p.Product.SKUs[i].Code, "001", "002", 1)
	}
	p.Prices = map[string]domain.Money{"YS-TS-002-WHT-M": 100, "YS-TS-002-BLK-M": 100}
	if _, err := e.ch.UpsertProduct(ctx, p); err != nil || e.sb.Calls("addProduct") != 2 {
		t.Errorf("a product that was never created: %v (adds %d)", err, e.sb.Calls("addProduct"))
	}
}

func TestTokenExpiredMidRun(t *testing.T) {
	ctx := context.Background()
	e := open(t, nil, nil)
	ids := e.listed(t)
	first, _, _ := e.tokens.LoadToken(ctx, e.ch.Shop())
	e.sb.ExpireTokens()
	if _, _, err := e.ch.ReviewStatus(ctx, ids); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	second, _, _ := e.tokens.LoadToken(ctx, e.ch.Shop())
	if second.Version != first.Version+1 || second.Refresh == first.Refresh || second.Refresh == "" {
		t.Errorf("the refreshed token (and its rotated refresh token) is not stored: v%d → v%d", first.Version, second.Version)
	}
	// The authorization is revoked: one refresh, then EAuth without a secret in it.
	e.sb.RevokeAuthorization()
	_, _, err := e.ch.ReviewStatus(ctx, ids)
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.EAuth || de.PlatformCode != "vipapis.oauth-invalidate-failure" {
		t.Fatalf("revoked: %v", err)
	}
	for _, secret := range []string{e.creds["app_secret"], e.creds["refresh_token"], second.Access.Reveal(), second.Refresh.Reveal()} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error carries a secret: %v", err)
		}
	}
}

func TestWrongSecretIsSignMismatch(t *testing.T) {
	e := open(t, nil, func(c *connectors.ShopConfig) { c.Credentials["app_secret"] = "wrong" })
	_, err := e.ch.GetOrder(context.Background(), "24000000000000001")
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.EInvalid || de.PlatformCode != "vipapis.sign-not-match" {
		t.Errorf("got %v", err)
	}
	st, _ := e.admin.Stats(context.Background())
	if st.Rejected["vipapis.sign-not-match"] != 1 {
		t.Errorf("a bad signature was retried: %+v", st.Rejected)
	}
}

func TestThrottleIsRateLimitedWithAWait(t *testing.T) {
	ctx := context.Background()
	e := open(t, nil, nil)
	ids := e.listed(t)
	if err := e.admin.AddFault(ctx, kit.Fault{Kind: kit.FaultRateLimit, Method: "getProducts", Count: 1}); err != nil {
		t.Fatal(err)
	}
	_, _, err := e.ch.ReviewStatus(ctx, ids)
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.ERateLimited || de.PlatformCode != "vipapis.app-flow-overrun" || de.RetryAfter <= 0 {
		t.Fatalf("got %v", err)
	}
	// The gate holds the shop for the wait, then calls go on.
	start := time.Now()
	if _, _, err := e.ch.ReviewStatus(ctx, ids); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < vipshop.ThrottleWait/2 {
		t.Errorf("the next call did not wait for the throttle (%s)", time.Since(start))
	}
}

func TestQPSThrottle(t *testing.T) {
	ctx := context.Background()
	e := open(t, func(c *sbvip.Config) { c.QPS = 2 }, nil)
	var limited int
	for range 6 {
		_, err := e.ch.GetOrder(ctx, "24000000000000001")
		if domain.ErrorCode(err) == domain.ERateLimited {
			limited++
		}
	}
	if limited == 0 {
		t.Error("a shop paced at 1000 QPS against a 2 QPS sandbox was never throttled")
	}
}
