package douyin_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/douyin"
	"github.com/syncctl/syncctl/domain"
	sandbox "github.com/syncctl/syncctl/sandbox/douyin"
	"github.com/syncctl/syncctl/sandbox/kit"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type env struct {
	sb    *sandbox.Server
	ts    *httptest.Server
	clk   *clock
	ch    connectors.Channel
	admin kit.AdminClient
}

const appKey, shopID = "7001234567890123456", "4463798"

func setup(t *testing.T, secret string) env {
	t.Helper()
	return setupWith(t, secret, nil)
}

// setupWith puts wrap (nil: none) between the connector and the sandbox.
func setupWith(t *testing.T, secret string, wrap func(http.Handler) http.Handler) env {
	t.Helper()
	clk := &clock{t: time.Now().Truncate(time.Second)}
	sb := sandbox.New(sandbox.Config{AppKey: appKey, AppSecret: "the-secret", ShopID: shopID, Seed: 5, Now: clk.Now, ReviewDelay: 2 * time.Second})
	var h http.Handler = sb
	if wrap != nil {
		h = wrap(sb)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(func() { ts.Close(); _ = sb.Close() })
	setup := sandbox.Platform.Shop(ts.URL)
	cfg := connectors.ShopConfig{Channel: "douyin", Shop: t.Name(), Gateway: setup.Gateway, QPS: 1000, Options: setup.Options,
		Credentials: map[string]connectors.Secret{"app_key": appKey, "app_secret": connectors.Secret(secret), "shop_id": shopID},
		Tokens:      &connectors.MemoryTokens{}}
	cfg, err := douyin.Platform.CheckShop(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := douyin.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return env{sb, ts, clk, ch, kit.AdminClient{BaseURL: ts.URL}}
}

func push(stock int) connectors.ProductPush {
	return connectors.ProductPush{
		Product: domain.Product{Code: "YS-TS-001", Title: "纯棉圆领短袖T恤", Images: []string{"https://img/1.jpg", "https://img/2.jpg"},
			SKUs: []domain.SKU{
				{Code: "YS-TS-001-WHT-M", ListPrice: 7900, Specs: []domain.SpecValue{{Name: "颜色", Value: "白色"}, {Name: "尺码", Value: "M"}}},
				{Code: "YS-TS-001-BLK-L", ListPrice: 7900, Specs: []domain.SpecValue{{Name: "颜色", Value: "黑色"}, {Name: "尺码", Value: "L"}}},
			}},
		Prices: map[string]domain.Money{"YS-TS-001-WHT-M": 5990, "YS-TS-001-BLK-L": 73900},
		Stocks: map[string]int{"YS-TS-001-WHT-M": stock, "YS-TS-001-BLK-L": 3},
	}
}

func (e env) reviewer(t *testing.T) connectors.ReviewTracker {
	t.Helper()
	rt, ok := e.ch.(connectors.ReviewTracker)
	if !ok {
		t.Fatal("the channel is no ReviewTracker")
	}
	return rt
}

// create → review → price/stock → delist, an edit adding a SKU, a rejected edit.
func TestProductLifecycle(t *testing.T) {
	e := setup(t, "the-secret")
	ctx := context.Background()
	res, err := e.ch.UpsertProduct(ctx, push(7))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.IDs.ItemID) != 19 || len(res.IDs.SKUIDs) != 2 || res.Status != domain.ListingInReview {
		t.Fatalf("result %+v", res)
	}
	if st, _, err := e.reviewer(t).ReviewStatus(ctx, res.IDs); err != nil || st != domain.ListingInReview {
		t.Fatalf("review at once: %s %v", st, err)
	}
	e.clk.Advance(2 * time.Second)
	if st, _, err := e.reviewer(t).ReviewStatus(ctx, res.IDs); err != nil || st != domain.ListingOnSale {
		t.Fatalf("review after the delay: %s %v", st, err)
	}
	if err := e.ch.UpdatePrice(ctx, connectors.PriceUpdate{SKUCode: "YS-TS-001-WHT-M", IDs: res.IDs, Price: 5550}); err != nil {
		t.Fatal(err)
	}
	if err := e.ch.UpdateStock(ctx, connectors.StockUpdate{SKUCode: "YS-TS-001-WHT-M", IDs: res.IDs, Quantity: 4}); err != nil {
		t.Fatal(err)
	}
	items, _ := e.admin.Items(ctx)
	if len(items) != 1 || !items[0].OnSale || items[0].OuterID != "YS-TS-001" || items[0].SKUs[0].OuterID != "YS-TS-001-WHT-M" ||
		items[0].SKUs[0].PriceFen != 5550 || items[0].SKUs[0].Stock != 4 {
		t.Fatalf("items %+v", items)
	}
	if err := e.ch.SetListed(ctx, res.IDs, false); err != nil {
		t.Fatal(err)
	}
	if items, _ := e.admin.Items(ctx); items[0].OnSale {
		t.Fatalf("delisted: %+v", items)
	}
	if st, _, _ := e.reviewer(t).ReviewStatus(ctx, res.IDs); st != domain.ListingDelisted {
		t.Fatalf("delisted status %s", st)
	}
	if err := e.ch.SetListed(ctx, res.IDs, true); err != nil {
		t.Fatal(err)
	}
	// An edit adding a SKU keeps the ids and goes into review again; rejected, the reason is the platform's.
	p := push(7)
	p.Known = &res.IDs
	p.Product.SKUs = append(p.Product.SKUs, domain.SKU{Code: "YS-TS-001-RED-M", Specs: []domain.SpecValue{{Name: "颜色", Value: "红色"}, {Name: "尺码", Value: "M"}}})
	p.Prices["YS-TS-001-RED-M"], p.Stocks["YS-TS-001-RED-M"] = 6990, 2
	e.sb.RejectNext("YS-TS-001", "主图含有违规信息，请修改后重新提交")
	res2, err := e.ch.UpsertProduct(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if res2.IDs.ItemID != res.IDs.ItemID || res2.IDs.SKUIDs["YS-TS-001-WHT-M"] != res.IDs.SKUIDs["YS-TS-001-WHT-M"] || res2.IDs.SKUIDs["YS-TS-001-RED-M"] == "" {
		t.Fatalf("edit ids %+v vs %+v", res2.IDs, res.IDs)
	}
	e.clk.Advance(2 * time.Second)
	st, reason, err := e.reviewer(t).ReviewStatus(ctx, res.IDs)
	if err != nil || st != domain.ListingRejected || reason != "主图含有违规信息，请修改后重新提交" {
		t.Fatalf("rejected edit: %s %q %v", st, reason, err)
	}
	if err := e.ch.UpdatePrice(ctx, connectors.PriceUpdate{SKUCode: "YS-TS-001-WHT-M", IDs: res.IDs, Price: 0}); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("price 0: %v", err)
	}
	missing := connectors.ProductIDs{ItemID: "3000000000000000001", SKUIDs: map[string]string{}}
	if err := e.ch.SetListed(ctx, missing, true); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("unknown product: %v", err)
	}
}

// A retried create (MayExist) finds the product by outer_product_id.
func TestMayExistFindsTheProduct(t *testing.T) {
	e := setup(t, "the-secret")
	ctx := context.Background()
	first, err := e.ch.UpsertProduct(ctx, push(7))
	if err != nil {
		t.Fatal(err)
	}
	p := push(9)
	p.MayExist = true
	again, err := e.ch.UpsertProduct(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if again.IDs.ItemID != first.IDs.ItemID || again.IDs.SKUIDs["YS-TS-001-BLK-L"] != first.IDs.SKUIDs["YS-TS-001-BLK-L"] {
		t.Fatalf("retried create: %+v, first %+v", again.IDs, first.IDs)
	}
	if items, _ := e.admin.Items(ctx); len(items) != 1 || e.sb.Calls("product.addV2") != 1 || e.sb.Calls("product.editV2") != 1 {
		t.Fatalf("%d items, %d addV2, %d editV2", len(items), e.sb.Calls("product.addV2"), e.sb.Calls("product.editV2"))
	}
}

// The sandbox expires the token mid-run: one refresh, and the run goes on.
func TestTokenExpiryMidRun(t *testing.T) {
	e := setup(t, "the-secret")
	ctx := context.Background()
	res, err := e.ch.UpsertProduct(ctx, push(7))
	if err != nil {
		t.Fatal(err)
	}
	e.sb.ExpireTokens()
	if err := e.ch.UpdateStock(ctx, connectors.StockUpdate{SKUCode: "YS-TS-001-WHT-M", IDs: res.IDs, Quantity: 1}); err != nil {
		t.Fatalf("after the platform expired the token: %v", err)
	}
	if n := e.sb.Calls("token.refresh"); n != 1 {
		t.Fatalf("%d token.refresh calls, want 1", n)
	}
	// Both tokens gone (authorization revoked and granted again): token.create.
	e.sb.ForgetTokens()
	if _, _, err := e.reviewer(t).ReviewStatus(ctx, res.IDs); err != nil {
		t.Fatalf("after the platform forgot every token: %v", err)
	}
	if n := e.sb.Calls("token.create"); n != 2 {
		t.Fatalf("%d token.create calls, want 2", n)
	}
}

func TestThrottleIsRateLimited(t *testing.T) {
	e := setup(t, "the-secret")
	if err := e.admin.AddFault(context.Background(), kit.Fault{Kind: kit.FaultRateLimit, Method: "order.searchList", Count: 1}); err != nil {
		t.Fatal(err)
	}
	_, err := e.ch.ListOrders(context.Background(), connectors.OrderQuery{From: e.clk.Now().Add(-time.Hour), To: e.clk.Now()})
	var de *domain.Error
	if domain.ErrorCode(err) != domain.ERateLimited || !errorsAs(err, &de) || de.RetryAfter <= 0 || !strings.Contains(de.PlatformCode, "60000") {
		t.Fatalf("throttled: %v", err)
	}
}

func TestBadSecretIsAuth(t *testing.T) {
	e := setup(t, "wrong")
	_, err := e.ch.ListOrders(context.Background(), connectors.OrderQuery{From: e.clk.Now().Add(-time.Hour), To: e.clk.Now()})
	if domain.ErrorCode(err) != domain.EAuth || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("bad secret: %v", err)
	}
}

// A gateway that refuses every token gets one fresh token and one retry,
// then EAuth, and the token never shows in the error.
func TestTokenRefusedTwiceIsAuth(t *testing.T) {
	var mu sync.Mutex
	mints, calls := 0, 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if strings.HasPrefix(r.URL.Path, "/token/") {
			mints++
			_, _ = w.Write([]byte(`{"code":10000,"msg":"success","data":{"access_token":"tok-` + string(rune('0'+mints)) + `","expires_in":600000,"refresh_token":"rt-` + string(rune('0'+mints)) + `"},"err_no":0}`))
			return
		}
		calls++
		_, _ = w.Write([]byte(`{"code":40003,"msg":"非法的参数","sub_code":"isv.access-token-no-existed","sub_msg":"access_token 不存在","err_no":40003}`))
	}))
	defer ts.Close()
	ch, err := douyin.New(connectors.ShopConfig{Channel: "douyin", Shop: t.Name(), Gateway: ts.URL, QPS: 1000, Tokens: &connectors.MemoryTokens{},
		Credentials: map[string]connectors.Secret{"app_key": appKey, "app_secret": "s", "shop_id": shopID}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ch.GetOrder(context.Background(), "6919604381838792520")
	if domain.ErrorCode(err) != domain.EAuth || mints != 2 || calls != 2 {
		t.Fatalf("err %v, %d mints, %d calls: want EAuth after one refresh and one retry", err, mints, calls)
	}
	if strings.Contains(err.Error(), "tok-") || strings.Contains(err.Error(), "rt-") {
		t.Fatalf("a token leaked into the error: %v", err)
	}
}

func TestPlatformDeclaration(t *testing.T) {
	p := douyin.Platform
	if p.ID != "douyin" || p.Kind != connectors.KindCPSPool || sandbox.Platform.ID != p.ID {
		t.Fatal(p.ID, p.Kind)
	}
	if c, ok := p.Credential("access_token"); !ok || !c.Minted {
		t.Fatal("access_token must be minted")
	}
	if c, _ := p.Credential("app_secret"); !c.Secret {
		t.Fatal("app_secret is secret")
	}
	for _, c := range p.Credentials {
		if !c.Minted && !hasCredential(c.Name) {
			t.Errorf("the sandbox makes no credential %s", c.Name)
		}
	}
	if _, err := p.CheckShop(connectors.ShopConfig{Channel: "douyin", Shop: "x", Options: map[string]string{"category_leaf_id": "T恤"},
		Credentials: map[string]connectors.Secret{"app_key": "1", "app_secret": "s", "shop_id": "2"}}); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("a category that is no id: %v", err)
	}
}

func hasCredential(name string) bool {
	for _, c := range sandbox.Platform.Credentials {
		if c.Name == name {
			return true
		}
	}
	return false
}
