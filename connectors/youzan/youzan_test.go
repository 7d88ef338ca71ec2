package youzan_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/youzan"
	"github.com/syncctl/syncctl/domain"
	sandbox "github.com/syncctl/syncctl/sandbox/youzan"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type env struct {
	sb  *sandbox.Server
	ts  *httptest.Server
	clk *clock
	ch  connectors.Channel
}

func setup(t *testing.T, secret string, opts map[string]string) env {
	t.Helper()
	clk := &clock{t: time.Now().Truncate(time.Second)}
	sb := sandbox.New(sandbox.Config{ClientID: "cid", ClientSecret: "csecret", KdtID: "44001122", Seed: 3, Now: clk.Now})
	ts := httptest.NewServer(sb)
	t.Cleanup(func() { ts.Close(); _ = sb.Close() })
	cfg := connectors.ShopConfig{Channel: "youzan", Shop: t.Name(), Gateway: ts.URL, QPS: 1000, Options: opts,
		Credentials: map[string]connectors.Secret{"client_id": "cid", "client_secret": connectors.Secret(secret), "grant_id": "44001122"},
		Tokens:      &connectors.MemoryTokens{}}
	ch, err := youzan.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return env{sb, ts, clk, ch}
}

func push() connectors.ProductPush {
	return connectors.ProductPush{
		Product: domain.Product{Code: "YS-TS-001", Title: "纯棉圆领T恤",
			SKUs: []domain.SKU{
				{Code: "YS-TS-001-WHT-M", Specs: []domain.SpecValue{{Name: "颜色", Value: "白色"}, {Name: "尺码", Value: "M"}}},
				{Code: "YS-TS-001-BLK-L", Specs: []domain.SpecValue{{Name: "颜色", Value: "黑色"}, {Name: "尺码", Value: "L"}}},
			}},
		Prices: map[string]domain.Money{"YS-TS-001-WHT-M": 5990, "YS-TS-001-BLK-L": 4990},
		Stocks: map[string]int{"YS-TS-001-WHT-M": 7, "YS-TS-001-BLK-L": 30},
	}
}

func TestProducts(t *testing.T) {
	e := setup(t, "csecret", nil)
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
	if err := e.ch.UpdateStock(ctx, connectors.StockUpdate{SKUCode: "YS-TS-001-WHT-M", IDs: res.IDs, Quantity: 3}); err != nil {
		t.Fatal(err)
	}
	if err := e.ch.SetListed(ctx, res.IDs, false); err != nil {
		t.Fatal(err)
	}
	items := e.sb.AdminItems()
	if len(items) != 1 || items[0].OnSale || items[0].SKUs[0].PriceFen != 5550 || items[0].SKUs[0].Stock != 3 || items[0].OuterID != "YS-TS-001" {
		t.Fatalf("items = %+v", items)
	}
	p := push()
	p.Known = &res.IDs
	p.Product.SKUs = append(p.Product.SKUs, domain.SKU{Code: "YS-TS-001-RED-S"})
	p.Prices["YS-TS-001-RED-S"], p.Stocks["YS-TS-001-RED-S"] = 6990, 2
	res2, err := e.ch.UpsertProduct(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if res2.IDs.ItemID != res.IDs.ItemID || res2.IDs.SKUIDs["YS-TS-001-WHT-M"] != res.IDs.SKUIDs["YS-TS-001-WHT-M"] || res2.IDs.SKUIDs["YS-TS-001-RED-S"] == "" {
		t.Fatalf("update: %+v vs %+v", res2.IDs, res.IDs)
	}
	if items := e.sb.AdminItems(); len(items) != 1 || len(items[0].SKUs) != 3 || items[0].SKUs[0].Stock != 7 {
		t.Fatalf("after update: %+v", items)
	}
	missing := res.IDs
	missing.ItemID = "999"
	if err := e.ch.SetListed(ctx, missing, true); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("unknown item: %v", err)
	}
	if err := e.ch.UpdatePrice(ctx, connectors.PriceUpdate{SKUCode: "YS-TS-001-WHT-M", IDs: res.IDs, Price: 0}); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("price 0: %v", err)
	}
}

// TestOrderWindowSplit: a window holding more orders than page_no ×
// page_size may reach is split, and every order is read.
func TestOrderWindowSplit(t *testing.T) {
	e := setup(t, "csecret", map[string]string{"order_page_size": "2", "order_max_rows": "4"})
	e.sb.SetOrderLimits(2, 4)
	ctx := context.Background()
	if _, err := e.ch.UpsertProduct(ctx, push()); err != nil {
		t.Fatal(err)
	}
	from := e.clk.Now()
	want := map[string]bool{}
	for range 11 {
		ids, err := e.sb.SellOrders(1, "")
		if err != nil {
			t.Fatal(err)
		}
		want[ids[0]] = true
		e.clk.Advance(7 * time.Second)
	}
	got := map[string]bool{}
	q := connectors.OrderQuery{From: from, To: e.clk.Now()}
	pages := 0
	for ; ; pages++ {
		if pages > 50 {
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
			if o.Status != domain.OrderPaid || o.Amounts.Paid <= 0 || len(o.Lines) != 1 || o.Lines[0].SKUCode == "" {
				t.Fatalf("order = %+v", o)
			}
			got[o.PlatformOrderID] = true
		}
		if page.NextPageToken == "" {
			break
		}
		q.PageToken = page.NextPageToken
	}
	if len(got) != len(want) {
		t.Fatalf("read %d of %d orders", len(got), len(want))
	}
	if calls := e.sb.Calls("youzan.trades.sold.get"); calls <= pages+1 {
		t.Fatalf("%d calls for %d pages: the over-cap window was never split", calls, pages+1)
	}
	var one string
	for id := range want {
		one = id
	}
	o, err := e.ch.GetOrder(ctx, one)
	if err != nil || o.PlatformOrderID != one {
		t.Fatalf("GetOrder: %+v %v", o, err)
	}
	if _, err := e.ch.GetOrder(ctx, "E20000101000000000000000"); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("unknown order: %v", err)
	}
}

func TestTokenRefreshedOnce(t *testing.T) {
	e := setup(t, "csecret", nil)
	ctx := context.Background()
	if _, err := e.ch.UpsertProduct(ctx, push()); err != nil {
		t.Fatal(err)
	}
	e.sb.ExpireTokens()
	if _, err := e.ch.ListOrders(ctx, connectors.OrderQuery{From: e.clk.Now().Add(-time.Hour), To: e.clk.Now()}); err != nil {
		t.Fatalf("after the platform dropped the token: %v", err)
	}
	// The token's own expiry is read from the answer: past it, a new one is minted first.
	e.clk.Advance(sandbox.TokenLifetime)
	if _, err := e.ch.ListOrders(ctx, connectors.OrderQuery{From: e.clk.Now().Add(-time.Hour), To: e.clk.Now()}); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
}

func TestBadSecretIsAuth(t *testing.T) {
	e := setup(t, "wrong", nil)
	_, err := e.ch.ListOrders(context.Background(), connectors.OrderQuery{From: e.clk.Now().Add(-time.Hour), To: e.clk.Now()})
	if domain.ErrorCode(err) != domain.EAuth {
		t.Fatalf("bad secret: %v", err)
	}
}

func TestThrottleIsRateLimited(t *testing.T) {
	e := setup(t, "csecret", nil)
	resp, err := http.Post(e.ts.URL+"/_sandbox/faults", "application/json", bytes.NewReader([]byte(`{"kind":"rate_limit","method":"youzan.trades.sold.get"}`)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	_, err = e.ch.ListOrders(context.Background(), connectors.OrderQuery{From: e.clk.Now().Add(-time.Hour), To: e.clk.Now()})
	if domain.ErrorCode(err) != domain.ERateLimited {
		t.Fatalf("throttled: %v", err)
	}
}

func TestPlatformDeclaration(t *testing.T) {
	p := youzan.Platform
	if p.ID != "youzan" || p.Kind != connectors.KindMiniProgram {
		t.Fatal(p.ID, p.Kind)
	}
	if c, ok := p.Credential("access_token"); !ok || !c.Minted {
		t.Fatal("access_token must be minted")
	}
	if c, _ := p.Credential("client_secret"); !c.Secret {
		t.Fatal("client_secret is secret")
	}
}

// TestTokenRejectedTwiceIsAuth: a gateway that rejects every token gets one
// fresh token and one retry, then EAuth.
func TestTokenRejectedTwiceIsAuth(t *testing.T) {
	var mu sync.Mutex
	mints, calls := 0, 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/auth/token" {
			mints++
			_, _ = w.Write([]byte(`{"success":true,"code":200,"data":{"access_token":"tok` + string(rune('0'+mints)) + `","expires":` +
				strconv.FormatInt(time.Now().Add(time.Hour).UnixMilli(), 10) + `}}`))
			return
		}
		calls++
		_, _ = w.Write([]byte(`{"gw_err_resp":{"trace_id":"t","err_code":4203,"err_msg":"Token 不存在"}}`))
	}))
	defer ts.Close()
	ch, err := youzan.New(connectors.ShopConfig{Channel: "youzan", Shop: t.Name(), Gateway: ts.URL, QPS: 1000, Tokens: &connectors.MemoryTokens{},
		Credentials: map[string]connectors.Secret{"client_id": "cid", "client_secret": "s", "grant_id": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ch.GetOrder(context.Background(), "E20261201103000012345678")
	if domain.ErrorCode(err) != domain.EAuth || mints != 2 || calls != 2 {
		t.Fatalf("err %v, %d mints, %d calls: want EAuth after one refresh and one retry", err, mints, calls)
	}
	if strings.Contains(err.Error(), "tok1") || strings.Contains(err.Error(), "tok2") {
		t.Fatalf("the token leaked into the error: %v", err)
	}
}

// TestOrderLeavingTheWindowSkipsNone: an order updated while the window is
// paged leaves it (its update time is now later); no other order is
// skipped for it.
func TestOrderLeavingTheWindowSkipsNone(t *testing.T) {
	e := setup(t, "csecret", map[string]string{"order_page_size": "2"})
	ctx := context.Background()
	if _, err := e.ch.UpsertProduct(ctx, push()); err != nil {
		t.Fatal(err)
	}
	from := e.clk.Now()
	var tids []string
	for range 5 {
		ids, err := e.sb.SellOrders(1, "")
		if err != nil {
			t.Fatal(err)
		}
		tids = append(tids, ids...)
		e.clk.Advance(time.Second)
	}
	q := connectors.OrderQuery{From: from, To: e.clk.Now()}
	e.clk.Advance(time.Minute)
	got := map[string]bool{}
	for pages := 0; ; pages++ {
		page, err := e.ch.ListOrders(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Orders {
			got[o.PlatformOrderID] = true
		}
		if pages == 0 {
			if err := e.sb.CancelOrder(tids[0]); err != nil { // the oldest: the first in update order
				t.Fatal(err)
			}
		}
		if page.NextPageToken == "" {
			break
		}
		q.PageToken = page.NextPageToken
	}
	for _, id := range tids[1:] {
		if !got[id] {
			t.Fatalf("order %s was skipped when %s left the window (read %v)", id, tids[0], got)
		}
	}
}
