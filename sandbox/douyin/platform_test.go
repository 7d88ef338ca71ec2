package douyin_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/sandbox/douyin"
	"github.com/syncctl/syncctl/sandbox/kit"
)

// The sandbox opens through its declaration, names a shop setup a
// connector can use, and answers the common admin API.
func TestPlatformAndAdmin(t *testing.T) {
	creds := douyin.Platform.NewCredentials()
	if len(creds["app_key"]) != 19 || creds["app_secret"] == "" || creds["shop_id"] == "" {
		t.Fatalf("credentials %v", creds)
	}
	sb, err := douyin.Platform.Open(kit.Config{Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	defer func() { srv.Close(); _ = sb.Close() }()
	setup := douyin.Platform.Shop(srv.URL)
	if setup.Gateway != srv.URL || setup.Options["category_leaf_id"] == "" {
		t.Errorf("shop setup %+v", setup)
	}
	admin := kit.AdminClient{BaseURL: srv.URL}
	ctx := context.Background()
	if _, err := admin.SellOrders(ctx, 1, ""); err == nil {
		t.Error("sold an order from an empty shop")
	}
	if err := admin.CancelOrder(ctx, "6000000000000000001"); err == nil {
		t.Error("cancelled an unknown order")
	}
	if err := admin.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if items, err := admin.Items(ctx); err != nil || len(items) != 0 {
		t.Errorf("items %+v %v", items, err)
	}
}

// The generator sells orders by itself and, now and then, cancels one or
// starts a refund.
func TestGenerator(t *testing.T) {
	sb := douyin.New(douyin.Config{AppKey: appKey, AppSecret: appSecret, ShopID: shopID, Seed: 9, OrdersPerMinute: 60000, ReviewDelay: time.Nanosecond})
	ts := httptest.NewServer(sb)
	defer func() { ts.Close(); _ = sb.Close() }()
	c := &client{t: t, url: ts.URL, clk: &clock{t: time.Now()}, key: appKey, sec: appSecret}
	c.token = data(c.call("token.create", map[string]any{"code": "", "grant_type": "authorization_self", "shop_id": shopID}))["access_token"].(string)
	p := addParams()
	p["spec_prices"] = `[{"spec_detail_name1":"白色","stock_num":100000,"price":5990,"code":"YS-TS-001-WHT","outer_sku_id":"YS-TS-001-WHT"}]`
	c.call("product.addV2", p)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		c.clk = &clock{t: time.Now()}
		now := time.Now().Unix()
		r := data(c.call("order.searchList", map[string]any{"page": 0, "size": 100, "update_time_start": now - 60, "update_time_end": now + 1}))
		cancelled, refunding := 0, 0
		for _, x := range r["shop_order_list"].([]any) {
			o := x.(map[string]any)
			if num(o["order_status"]) == 4 {
				cancelled++
			}
			l := o["sku_order_list"].([]any)[0].(map[string]any)
			if num(l["after_sale_info"].(map[string]any)["refund_status"]) == 2 {
				refunding++
			}
		}
		if cancelled > 0 && refunding > 0 {
			return
		}
	}
	t.Fatal("the generator made no cancelled and refunding orders in 5 s")
}

// review_delay and reject_rate reach the sandbox through its declaration:
// declared names open it, a misspelt name or a malformed value is refused
// naming it.
func TestOptions(t *testing.T) {
	creds := douyin.Platform.NewCredentials()
	sb, err := douyin.Platform.Start(kit.Config{Credentials: creds, Options: map[string]string{"review_delay": "30s", "reject_rate": "0.25"}})
	if err != nil {
		t.Fatal(err)
	}
	_ = sb.Close()
	for opts, want := range map[[2]string]string{
		{"review_delay", "soon"}:  "review_delay",
		{"review_delay", "-1s"}:   "review_delay",
		{"reject_rate", "1.5"}:    "reject_rate",
		{"reject_rate", "NaN"}:    "reject_rate",
		{"reject_rate", "20%"}:    "reject_rate",
		{"rejectrate", "0.1"}:     "rejectrate",
		{"order_page_size", "10"}: "order_page_size",
	} {
		sb, err := douyin.Platform.Start(kit.Config{Credentials: creds, Options: map[string]string{opts[0]: opts[1]}})
		if err == nil {
			_ = sb.Close()
			t.Errorf("%s=%s opened", opts[0], opts[1])
		} else if !strings.Contains(err.Error(), want) {
			t.Errorf("%s=%s: %v does not name %s", opts[0], opts[1], err, want)
		}
	}
}

// The options' effect: a review takes review_delay, and at reject_rate 1
// every review fails with a reason; "0s" ends a review at the next look.
func TestOptionsReview(t *testing.T) {
	var cfg douyin.Config
	if err := douyin.ApplyOptions(&cfg, map[string]string{"review_delay": "45s", "reject_rate": "1"}); err != nil {
		t.Fatal(err)
	}
	if cfg.ReviewDelay != 45*time.Second || cfg.RejectRate != 1 {
		t.Fatalf("config %+v", cfg)
	}
	_, c := setup(t, cfg)
	id := data(c.call("product.addV2", addParams()))["product_id"].(json.Number).String()
	check := func() int64 {
		return num(data(c.call("product.detail", map[string]any{"product_id": id, "show_draft": "true"}))["check_status"])
	}
	c.clk.Advance(44 * time.Second)
	if s := check(); s != 2 {
		t.Fatalf("44 s into a 45 s review: check_status %d", s)
	}
	c.clk.Advance(time.Second)
	if s := check(); s != 4 {
		t.Fatalf("after the delay at reject rate 1: check_status %d", s)
	}
	recs := data(c.call("product.auditList", map[string]any{"product_id": id}))["records"].([]any)
	if r := recs[0].(map[string]any); r["audit_reason"] == "" || num(r["audit_status"]) != 4 {
		t.Fatalf("audit records %v", recs)
	}

	var now douyin.Config
	if err := douyin.ApplyOptions(&now, map[string]string{"review_delay": "0s"}); err != nil {
		t.Fatal(err)
	}
	_, c = setup(t, now)
	id = data(c.call("product.addV2", addParams()))["product_id"].(json.Number).String()
	c.clk.Advance(time.Second) // the test's clock stands still; the default would take 2 s
	if d := data(c.call("product.detail", map[string]any{"product_id": id})); num(d["check_status"]) != 3 {
		t.Fatalf("review_delay 0s: %v", d)
	}
}
