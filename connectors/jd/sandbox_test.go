package jd_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/jd"
	"github.com/syncctl/syncctl/domain"
	sandbox "github.com/syncctl/syncctl/sandbox/jd"
	"github.com/syncctl/syncctl/sandbox/kit"
)

type env struct {
	sb    *sandbox.Server
	ts    *httptest.Server
	admin kit.AdminClient
	ch    connectors.Channel
}

func setup(t *testing.T, secret string, opts map[string]string) env {
	t.Helper()
	sb := sandbox.New(sandbox.Config{AppKey: "ak", AppSecret: "as", RefreshToken: "rt-seed", Seed: 7})
	ts := httptest.NewServer(sb)
	t.Cleanup(func() { ts.Close(); _ = sb.Close() })
	setup := sandbox.Platform.Shop(ts.URL)
	for k, v := range opts {
		setup.Options[k] = v
	}
	cfg := connectors.ShopConfig{Channel: "jd", Shop: t.Name(), Gateway: setup.Gateway, QPS: 1000, Options: setup.Options,
		Credentials: map[string]connectors.Secret{"app_key": "ak", "app_secret": connectors.Secret(secret), "refresh_token": "rt-seed"},
		Tokens:      &connectors.MemoryTokens{}}
	cfg, err := jd.Platform.CheckShop(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := jd.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return env{sb, ts, kit.AdminClient{BaseURL: ts.URL}, ch}
}

func push() connectors.ProductPush {
	return connectors.ProductPush{
		Product: domain.Product{Code: "YS-TS-001", Title: "纯棉圆领T恤", Images: []string{"https://img.example.com/a.jpg"},
			SKUs: []domain.SKU{
				{Code: "YS-TS-001-WHT-M", ListPrice: 6900, Specs: []domain.SpecValue{{Name: "颜色", Value: "白色"}, {Name: "尺码", Value: "M"}}},
				{Code: "YS-TS-001-BLK-L", ListPrice: 6900, Specs: []domain.SpecValue{{Name: "颜色", Value: "黑色"}, {Name: "尺码", Value: "L"}}},
			}},
		Prices: map[string]domain.Money{"YS-TS-001-WHT-M": 5990, "YS-TS-001-BLK-L": 4990},
		Stocks: map[string]int{"YS-TS-001-WHT-M": 7, "YS-TS-001-BLK-L": 30},
	}
}

func TestProducts(t *testing.T) {
	e := setup(t, "as", nil)
	ctx := context.Background()
	res, err := e.ch.UpsertProduct(ctx, push())
	if err != nil {
		t.Fatal(err)
	}
	if res.IDs.ItemID == "" || len(res.IDs.SKUIDs) != 2 || res.Status != domain.ListingOnSale {
		t.Fatalf("result = %+v", res)
	}
	if err := e.ch.UpdatePrice(ctx, connectors.PriceUpdate{SKUCode: "YS-TS-001-WHT-M", IDs: res.IDs, Price: 5550}); err != nil {
		t.Fatal(err)
	}
	// Without the SKU ids the connector reads them by outer id.
	if err := e.ch.UpdateStock(ctx, connectors.StockUpdate{SKUCode: "YS-TS-001-WHT-M", IDs: connectors.ProductIDs{ItemID: res.IDs.ItemID}, Quantity: 3}); err != nil {
		t.Fatal(err)
	}
	if err := e.ch.SetListed(ctx, res.IDs, false); err != nil {
		t.Fatal(err)
	}
	items, err := e.admin.Items(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].OnSale || items[0].OuterID != "YS-TS-001" {
		t.Fatalf("items = %+v", items)
	}
	for _, k := range items[0].SKUs {
		if k.OuterID == "YS-TS-001-WHT-M" && (k.PriceFen != 5550 || k.Stock != 3) {
			t.Fatalf("sku = %+v", k)
		}
	}
	// An update keeps the ware and the known SKU ids, and adds a SKU.
	p := push()
	p.Known = &res.IDs
	p.Product.SKUs = append(p.Product.SKUs, domain.SKU{Code: "YS-TS-001-RED-S", ListPrice: 6900, Specs: []domain.SpecValue{{Name: "颜色", Value: "红色"}, {Name: "尺码", Value: "S"}}})
	p.Prices["YS-TS-001-RED-S"], p.Stocks["YS-TS-001-RED-S"] = 6990, 2
	res2, err := e.ch.UpsertProduct(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if res2.IDs.ItemID != res.IDs.ItemID || res2.IDs.SKUIDs["YS-TS-001-WHT-M"] != res.IDs.SKUIDs["YS-TS-001-WHT-M"] ||
		res2.IDs.SKUIDs["YS-TS-001-RED-S"] == "" || res2.Status != domain.ListingDelisted {
		t.Fatalf("update: %+v vs %+v", res2, res.IDs)
	}
	if err := e.ch.SetListed(ctx, res.IDs, true); err != nil {
		t.Fatal(err)
	}
	if items, _ := e.admin.Items(ctx); !items[0].OnSale || len(items[0].SKUs) != 3 {
		t.Fatalf("relisted: %+v", items)
	}
	missing := res.IDs
	missing.ItemID = "1"
	if err := e.ch.SetListed(ctx, missing, true); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("unknown ware: %v", err)
	}
	if err := e.ch.UpdatePrice(ctx, connectors.PriceUpdate{SKUCode: "YS-TS-001-WHT-M", IDs: res.IDs, Price: 0}); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("price 0: %v", err)
	}
}

// TestMayExist: a create retried after a lost answer finds the ware by its
// 货号 and updates it instead of listing it twice.
func TestMayExist(t *testing.T) {
	e := setup(t, "as", nil)
	ctx := context.Background()
	first, err := e.ch.UpsertProduct(ctx, push())
	if err != nil {
		t.Fatal(err)
	}
	p := push()
	p.MayExist = true
	again, err := e.ch.UpsertProduct(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if again.IDs.ItemID != first.IDs.ItemID || again.IDs.SKUIDs["YS-TS-001-BLK-L"] != first.IDs.SKUIDs["YS-TS-001-BLK-L"] {
		t.Fatalf("retried create: %+v vs %+v", again.IDs, first.IDs)
	}
	if items, _ := e.admin.Items(ctx); len(items) != 1 || len(items[0].SKUs) != 2 {
		t.Fatalf("listed twice: %+v", items)
	}
	// MayExist on a product never created creates it.
	p = push()
	p.Product.Code, p.MayExist = "YS-TS-002", true
	for i := range p.Product.SKUs {
		p.Product.SKUs[i].Code = strings.Replace(p.Product.SKUs[i].Code, "001", "002", 1)
	}
	p.Prices = map[string]domain.Money{"YS-TS-002-WHT-M": 5990, "YS-TS-002-BLK-L": 4990}
	if _, err := e.ch.UpsertProduct(ctx, p); err != nil {
		t.Fatal(err)
	}
	if items, _ := e.admin.Items(ctx); len(items) != 2 {
		t.Fatalf("items = %+v", items)
	}
}

// TestOrders: orders sold and cancelled through the admin client are all
// read by ListOrders walking every page of the window.
func TestOrders(t *testing.T) {
	e := setup(t, "as", map[string]string{"order_page_size": "3"})
	ctx := context.Background()
	res, err := e.ch.UpsertProduct(ctx, push())
	if err != nil {
		t.Fatal(err)
	}
	from := time.Now().Add(-time.Minute)
	ids, err := e.admin.SellOrders(ctx, 8, "")
	if err != nil || len(ids) != 8 {
		t.Fatal(ids, err)
	}
	if err := e.admin.CancelOrder(ctx, ids[2]); err != nil {
		t.Fatal(err)
	}
	got := map[string]domain.SalesOrder{}
	q := connectors.OrderQuery{From: from, To: time.Now().Add(2 * time.Second)}
	pages := 0
	for ; ; pages++ {
		if pages > 10 {
			t.Fatal("no end of pages")
		}
		page, err := e.ch.ListOrders(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Rejected) > 0 {
			t.Fatalf("rejected: %+v", page.Rejected)
		}
		for _, o := range page.Orders {
			got[o.PlatformOrderID] = o
		}
		if page.NextPageToken == "" {
			break
		}
		q.PageToken = page.NextPageToken
	}
	if len(got) != 8 || pages != 2 {
		t.Fatalf("read %d of 8 orders in %d pages", len(got), pages+1)
	}
	c := got[ids[2]]
	if c.Status != domain.OrderCancelled || c.PlatformStatus != "TRADE_CANCELED" {
		t.Fatalf("cancelled order: %+v", c)
	}
	o := got[ids[0]]
	if o.Status != domain.OrderPaid || o.Amounts.Paid <= 0 || len(o.Lines) != 1 || o.Lines[0].SKUCode == "" ||
		o.Lines[0].PlatformSKUID != res.IDs.SKUIDs[o.Lines[0].SKUCode] || o.Lines[0].PlatformItemID != res.IDs.ItemID {
		t.Fatalf("order = %+v", o)
	}
	one, err := e.ch.GetOrder(ctx, ids[1])
	if err != nil || one.PlatformOrderID != ids[1] || one.Amounts.Paid != got[ids[1]].Amounts.Paid {
		t.Fatalf("GetOrder: %+v %v", one, err)
	}
	if _, err := e.ch.GetOrder(ctx, "999999999999"); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("unknown order: %v", err)
	}
	if err := e.ch.Ship(ctx, domain.Shipment{PlatformOrderID: ids[1], Carrier: "SF", TrackingNo: "SF1400000001"}); err != nil {
		t.Fatal(err)
	}
	if shipped, _ := e.ch.GetOrder(ctx, ids[1]); shipped.Status != domain.OrderShipped {
		t.Fatalf("after Ship: %+v", shipped)
	}
	if err := e.ch.Ship(ctx, domain.Shipment{PlatformOrderID: ids[2], Carrier: "ZTO", TrackingNo: "7300001"}); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("shipping a cancelled order: %v", err)
	}
	if err := e.ch.Ship(ctx, domain.Shipment{PlatformOrderID: ids[3], Carrier: "顺丰", TrackingNo: "1"}); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("unknown carrier: %v", err)
	}
	if _, err := e.ch.ListOrders(ctx, connectors.OrderQuery{From: from.Add(-48 * time.Hour), To: from}); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("2-day window: %v", err)
	}
}

// TestTokenExpiresMidRun: the platform drops the token; the connector
// refreshes once (with the rotated refresh token) and goes on, twice in a
// row.
func TestTokenExpiresMidRun(t *testing.T) {
	e := setup(t, "as", nil)
	ctx := context.Background()
	if _, err := e.ch.UpsertProduct(ctx, push()); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		e.sb.ExpireTokens()
		if _, err := e.ch.ListOrders(ctx, connectors.OrderQuery{From: time.Now().Add(-time.Hour), To: time.Now()}); err != nil {
			t.Fatalf("after the platform dropped the token: %v", err)
		}
	}
	st, err := e.admin.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := e.sb.Calls("jingdong.pop.order.search"); n != 2 || st.Rejected["19"] != 2 || st.Served["oauth2.refresh_token"] != 3 {
		t.Fatalf("%d searches served, %d refused with 19, %d refreshes: want one refusal and one refresh per expiry",
			n, st.Rejected["19"], st.Served["oauth2.refresh_token"])
	}
}

func TestBadSecretIsAuth(t *testing.T) {
	e := setup(t, "s3cr3t-value", nil)
	_, err := e.ch.ListOrders(context.Background(), connectors.OrderQuery{From: time.Now().Add(-time.Hour), To: time.Now()})
	if domain.ErrorCode(err) != domain.EAuth || strings.Contains(err.Error(), "s3cr3t-value") {
		t.Fatalf("bad secret: %v", err)
	}
}

func TestThrottleIsRateLimited(t *testing.T) {
	e := setup(t, "as", nil)
	ctx := context.Background()
	if err := e.admin.AddFault(ctx, kit.Fault{Kind: kit.FaultRateLimit, Method: "jingdong.pop.order.search", Count: 1}); err != nil {
		t.Fatal(err)
	}
	_, err := e.ch.ListOrders(ctx, connectors.OrderQuery{From: time.Now().Add(-time.Hour), To: time.Now()})
	var de *domain.Error
	if domain.ErrorCode(err) != domain.ERateLimited || !asErr(err, &de) || de.RetryAfter <= 0 || de.PlatformCode != "2" {
		t.Fatalf("throttled: %#v", err)
	}
	// The shop waits out the ban, then goes on.
	if _, err := e.ch.ListOrders(ctx, connectors.OrderQuery{From: time.Now().Add(-time.Hour), To: time.Now()}); err != nil {
		t.Fatalf("after the ban: %v", err)
	}
}

func asErr(err error, de **domain.Error) bool {
	e, ok := err.(*domain.Error)
	*de = e
	return ok
}

// TestTokenRejectedTwiceIsAuth: a gateway that refuses every token gets one
// refresh and one retry, then EAuth; no token leaks into the error.
func TestTokenRejectedTwiceIsAuth(t *testing.T) {
	var mu sync.Mutex
	mints, calls := 0, 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/oauth2/refresh_token" {
			mints++
			_, _ = w.Write([]byte(`{"access_token":"tok` + string(rune('0'+mints)) + `","expires_in":86400,"refresh_token":"rt` + string(rune('0'+mints)) + `"}`))
			return
		}
		calls++
		_, _ = w.Write([]byte(`{"error_response":{"code":"19","zh_desc":"无效access_token","en_desc":"Invalid access_token"}}`))
	}))
	defer ts.Close()
	ch, err := jd.New(connectors.ShopConfig{Channel: "jd", Shop: t.Name(), Gateway: ts.URL + "/routerjson", QPS: 1000, Tokens: &connectors.MemoryTokens{},
		Options:     map[string]string{"oauth_url": ts.URL + "/oauth2/refresh_token"},
		Credentials: map[string]connectors.Secret{"app_key": "ak", "app_secret": "s", "refresh_token": "rt"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ch.GetOrder(context.Background(), "285934762011")
	if domain.ErrorCode(err) != domain.EAuth || mints != 2 || calls != 2 {
		t.Fatalf("err %v, %d refreshes, %d calls: want EAuth after one refresh and one retry", err, mints, calls)
	}
	for _, secret := range []string{"tok1", "tok2", "rt1"} {
		if strings.Contains(err.Error(), secret) {
			t.Fatalf("a token leaked into the error: %v", err)
		}
	}
}

func TestPlatformDeclaration(t *testing.T) {
	p := jd.Platform
	if p.ID != "jd" || p.Kind != connectors.KindMarketplace {
		t.Fatal(p.ID, p.Kind)
	}
	if c, ok := p.Credential("access_token"); !ok || !c.Minted {
		t.Fatal("access_token must be minted")
	}
	for _, name := range []string{"app_secret", "refresh_token"} {
		if c, _ := p.Credential(name); !c.Secret {
			t.Fatalf("%s is secret", name)
		}
	}
	if sandbox.Platform.ID != p.ID {
		t.Fatal("sandbox id")
	}
}
