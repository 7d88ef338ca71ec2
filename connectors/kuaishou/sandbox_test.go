package kuaishou

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/sandbox/kit"
	sandbox "github.com/syncctl/syncctl/sandbox/kuaishou"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type env struct {
	sb     *sandbox.Server
	ts     *httptest.Server
	clk    *clock
	tokens *connectors.MemoryTokens
	shop   string
}

// setup runs a sandbox on a test clock (times move only when the test says).
func setup(t *testing.T, edit func(*sandbox.Config)) *env {
	t.Helper()
	clk := &clock{t: time.Now().Truncate(time.Millisecond)}
	c := sandbox.Config{AppKey: "ks123", AppSecret: "asec", SignSecret: "ssec", RefreshToken: "rt-seed", Seed: 3, Now: clk.Now}
	if edit != nil {
		edit(&c)
	}
	sb := sandbox.New(c)
	sb.SetMix(sandbox.Mix{})
	ts := httptest.NewServer(sb)
	t.Cleanup(func() { ts.Close(); _ = sb.Close() })
	return &env{sb: sb, ts: ts, clk: clk, tokens: &connectors.MemoryTokens{}, shop: t.Name()}
}

// channel opens a connector instance on the env's shop and token store:
// two instances are two workers.
func (e *env) channel(t *testing.T, opts map[string]string) *Channel {
	t.Helper()
	o := map[string]string{"category_id": sandbox.SampleCategoryID}
	for k, v := range opts {
		o[k] = v
	}
	ch, err := open(connectors.ShopConfig{Channel: "kuaishou", Shop: e.shop, Gateway: e.ts.URL, QPS: 1000, Options: o, Tokens: e.tokens,
		Credentials: map[string]connectors.Secret{"appkey": "ks123", "app_secret": "asec", "sign_secret": "ssec", "refresh_token": "rt-seed"}}, e.clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func push() connectors.ProductPush {
	return connectors.ProductPush{
		Product: domain.Product{Code: "YS-TS-001", Title: "纯棉圆领短袖T恤", Images: []string{"https://img/1.jpg"},
			SKUs: []domain.SKU{
				{Code: "YS-TS-001-WHT-M", ListPrice: 9900, Specs: []domain.SpecValue{{Name: "颜色", Value: "白色"}, {Name: "尺码", Value: "M"}}},
				{Code: "YS-TS-001-BLK-L", Specs: []domain.SpecValue{{Name: "颜色", Value: "黑色"}, {Name: "尺码", Value: "L"}}},
			}},
		Prices: map[string]domain.Money{"YS-TS-001-WHT-M": 5990, "YS-TS-001-BLK-L": 4990},
		Stocks: map[string]int{"YS-TS-001-WHT-M": 7, "YS-TS-001-BLK-L": 3000},
	}
}

func item(t *testing.T, sb *sandbox.Server) kit.Item {
	t.Helper()
	items := sb.AdminItems()
	if len(items) != 1 {
		t.Fatalf("%d items", len(items))
	}
	return items[0]
}

// TestProducts: create → list → price → delta stock → delist, then an
// update that adds a SKU and brings the kept ones' stock to the target.
func TestProducts(t *testing.T) {
	e := setup(t, nil)
	ch := e.channel(t, nil)
	ctx := context.Background()
	res, err := ch.UpsertProduct(ctx, push())
	if err != nil {
		t.Fatal(err)
	}
	if res.IDs.ItemID == "" || len(res.IDs.SKUIDs) != 2 || res.Status != domain.ListingOnSale {
		t.Fatalf("result %+v", res)
	}
	if it := item(t, e.sb); it.OuterID != "YS-TS-001" || it.SKUs[0].OuterID != "YS-TS-001-WHT-M" || it.SKUs[0].Stock != 7 || it.SKUs[0].PriceFen != 5990 {
		t.Fatalf("created %+v", it)
	}
	if err := ch.UpdatePrice(ctx, connectors.PriceUpdate{SKUCode: "YS-TS-001-WHT-M", IDs: res.IDs, Price: 5550}); err != nil {
		t.Fatal(err)
	}
	// Two sales lower the platform's stock to 5: the target 4 is a delta of −1.
	if _, err := e.sb.SellOrders(2, "YS-TS-001-WHT-M"); err != nil {
		t.Fatal(err)
	}
	if err := ch.UpdateStock(ctx, connectors.StockUpdate{SKUCode: "YS-TS-001-WHT-M", IDs: res.IDs, Quantity: 4}); err != nil {
		t.Fatal(err)
	}
	if err := ch.UpdateStock(ctx, connectors.StockUpdate{SKUCode: "YS-TS-001-WHT-M", IDs: res.IDs, Quantity: 4}); err != nil {
		t.Fatal(err)
	}
	if n := e.sb.Calls("open.item.sku.stock.update"); n != 1 {
		t.Fatalf("%d stock deltas sent; want 1 (nothing when equal)", n)
	}
	if err := ch.SetListed(ctx, res.IDs, false); err != nil {
		t.Fatal(err)
	}
	if it := item(t, e.sb); it.OnSale || it.SKUs[0].Stock != 4 || it.SKUs[0].PriceFen != 5550 {
		t.Fatalf("after updates %+v", it)
	}
	p := push()
	p.Known = &res.IDs
	p.Product.SKUs = append(p.Product.SKUs, domain.SKU{Code: "YS-TS-001-RED-S"})
	p.Prices["YS-TS-001-RED-S"], p.Stocks["YS-TS-001-RED-S"] = 6990, 2
	p.Stocks["YS-TS-001-WHT-M"] = 9
	res2, err := ch.UpsertProduct(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if res2.IDs.ItemID != res.IDs.ItemID || res2.IDs.SKUIDs["YS-TS-001-WHT-M"] != res.IDs.SKUIDs["YS-TS-001-WHT-M"] || res2.IDs.SKUIDs["YS-TS-001-RED-S"] == "" || res2.Status != domain.ListingDelisted {
		t.Fatalf("update %+v vs %+v", res2, res)
	}
	it := item(t, e.sb)
	if len(it.SKUs) != 3 || it.SKUs[0].Stock != 9 || it.SKUs[1].Stock != 3000 || it.SKUs[2].Stock != 2 || it.SKUs[0].PriceFen != 5990 {
		t.Fatalf("after update %+v", it)
	}
	missing := res.IDs
	missing.ItemID = "999"
	if err := ch.SetListed(ctx, missing, true); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("unknown item: %v", err)
	}
	if err := ch.UpdateStock(ctx, connectors.StockUpdate{SKUCode: "NOPE", IDs: res.IDs, Quantity: 1}); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("unknown sku: %v", err)
	}
}

// TestMayExistFindsTheItem: a retried create finds the item by relItemId
// instead of creating it twice.
func TestMayExistFindsTheItem(t *testing.T) {
	e := setup(t, nil)
	ch := e.channel(t, nil)
	ctx := context.Background()
	first, err := ch.UpsertProduct(ctx, push())
	if err != nil {
		t.Fatal(err)
	}
	p := push()
	p.MayExist = true
	again, err := ch.UpsertProduct(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if n := e.sb.Calls("open.item.new"); n != 1 || len(e.sb.AdminItems()) != 1 {
		t.Fatalf("%d creates, %d items", n, len(e.sb.AdminItems()))
	}
	if again.IDs.ItemID != first.IDs.ItemID || again.IDs.SKUIDs["YS-TS-001-BLK-L"] != first.IDs.SKUIDs["YS-TS-001-BLK-L"] {
		t.Fatalf("ids %+v vs %+v", again.IDs, first.IDs)
	}
	// Without MayExist a second create is the platform's conflict, not a twin.
	if _, err := ch.UpsertProduct(ctx, push()); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("second create: %v", err)
	}
	// Nothing there yet: MayExist creates.
	q := push()
	q.Product.Code, q.MayExist = "YS-TS-002", true
	if _, err := ch.UpsertProduct(ctx, q); err != nil || e.sb.Calls("open.item.new") != 3 {
		t.Fatalf("create after a lookup that found nothing: %v", err)
	}
}
