package tmall_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/tmall"
	"github.com/syncctl/syncctl/domain"
)

// The worked examples of channels.md §3.2.
func TestSignVectors(t *testing.T) {
	params := map[string]string{"app_key": "12345678", "fields": "num_iid,title,nick,price,num", "format": "json",
		"method": "taobao.item.seller.get", "num_iid": "11223344", "session": "test", "sign_method": "md5",
		"timestamp": "2016-01-01 12:00:00", "v": "2.0"}
	if got := tmall.Sign("md5", "helloworld", params); got != "66987CB115214E59E6EC978214934FB8" {
		t.Errorf("md5 sign = %s", got)
	}
	params["sign_method"] = "hmac"
	if got := tmall.Sign("hmac", "helloworld", params); got != "D56D7858309C31B6251083A874D48273" {
		t.Errorf("hmac sign = %s", got)
	}
	params["sign"] = "ignored"
	if got := tmall.Sign("hmac", "helloworld", params); got != "D56D7858309C31B6251083A874D48273" {
		t.Errorf("sign must exclude the sign parameter, got %s", got)
	}
}

const (
	appKey  = "23000001"
	secret  = "s3cr3t-app-secret"
	session = "6100-session-token"
)

// gateway is a minimal TOP peer for the connector's own tests: it checks
// what the connector sends and answers with canned method handlers.
type gateway struct {
	t        *testing.T
	mu       sync.Mutex
	calls    []map[string]string
	handlers map[string]func(p map[string]string) string
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.RawQuery != "" {
		g.t.Errorf("parameters in the URL (%q): secrets must travel in the body", r.URL.RawQuery)
	}
	if err := r.ParseForm(); err != nil {
		g.t.Fatal(err)
	}
	p := map[string]string{}
	for k, v := range r.PostForm {
		p[k] = v[0]
	}
	g.mu.Lock()
	g.calls = append(g.calls, p)
	g.mu.Unlock()
	// Check the system parameters as TOP does.
	if p["app_key"] != appKey || p["session"] != session || p["v"] != "2.0" || p["format"] != "json" {
		g.t.Errorf("system params wrong: %v", p)
	}
	if _, err := time.ParseInLocation("2006-01-02 15:04:05", p["timestamp"], time.FixedZone("", 8*3600)); err != nil {
		g.t.Errorf("timestamp %q: %v", p["timestamp"], err)
	}
	if want := tmall.Sign(p["sign_method"], secret, p); p["sign"] != want {
		g.t.Errorf("sign %s, want %s", p["sign"], want)
	}
	h, ok := g.handlers[p["method"]]
	if !ok {
		g.t.Errorf("unexpected method %s", p["method"])
		fmt.Fprint(w, `{"error_response":{"code":22,"msg":"Invalid Method"}}`)
		return
	}
	fmt.Fprint(w, h(p))
}

func (g *gateway) methods() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for _, c := range g.calls {
		out = append(out, c["method"])
	}
	return out
}

func open(t *testing.T, g *gateway) *tmall.Channel {
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	ch, err := tmall.New(connectors.ShopConfig{Channel: "tmall", Shop: "flagship", Gateway: srv.URL + "/router/rest",
		AppKey: appKey, AppSecret: secret, Session: session, QPS: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return ch.(*tmall.Channel)
}

func product() connectors.ProductPush {
	p := domain.Product{Code: "YS-TS-001", Title: "山野集纯棉T恤", Category: "服装/T恤", Images: []string{"https://img.example.com/1.jpg"},
		SKUs: []domain.SKU{
			{Code: "YS-TS-001-WHT-M", Specs: []domain.SpecValue{{Name: "颜色", Value: "白色"}, {Name: "尺码", Value: "M"}}, ListPrice: 5990, Stock: 7},
			{Code: "YS-TS-001-BLK-M", Specs: []domain.SpecValue{{Name: "颜色", Value: "黑色"}, {Name: "尺码", Value: "M"}}, ListPrice: 6990, Stock: 3},
		}}
	return connectors.ProductPush{Product: p, Prices: map[string]domain.Money{"YS-TS-001-WHT-M": 5990, "YS-TS-001-BLK-M": 6990},
		Stocks: map[string]int{"YS-TS-001-WHT-M": 7, "YS-TS-001-BLK-M": 3}}
}

func TestUpsertCreatesThenReadsSKUIDs(t *testing.T) {
	var add map[string]string
	g := &gateway{t: t, handlers: map[string]func(map[string]string) string{
		"taobao.item.add": func(p map[string]string) string {
			add = p
			return `{"item_add_response":{"item":{"num_iid":612345678901,"created":"2026-11-24 10:00:00"}}}`
		},
		"taobao.item.seller.get": func(p map[string]string) string {
			return `{"item_seller_get_response":{"item":{"num_iid":612345678901,"approve_status":"onsale","num":10,
			  "skus":{"sku":[{"sku_id":5123456789012,"outer_id":"YS-TS-001-BLK-M","properties":"1627207:-1;20509:-1"},
			                 {"sku_id":5123456789013,"outer_id":"YS-TS-001-WHT-M","properties":"1627207:-2;20509:-1"}]}}}}`
		},
	}}
	res, err := open(t, g).UpsertProduct(context.Background(), product())
	if err != nil {
		t.Fatal(err)
	}
	if res.IDs.ItemID != "612345678901" || res.IDs.SKUIDs["YS-TS-001-WHT-M"] != "5123456789013" || res.Status != domain.ListingOnSale || res.Calls != 2 {
		t.Fatalf("result = %+v", res)
	}
	want := map[string]string{"num": "10", "price": "59.90", "outer_id": "YS-TS-001", "sku_prices": "69.90,59.90",
		"sku_quantities": "3,7", "sku_outer_ids": "YS-TS-001-BLK-M,YS-TS-001-WHT-M", "sku_properties": "1627207:-1;20509:-1,1627207:-2;20509:-1",
		"property_alias": "1627207:-1:黑色;20509:-1:M;1627207:-2:白色", "type": "fixed", "stuff_status": "new"}
	for k, v := range want {
		if add[k] != v {
			t.Errorf("item.add %s = %q, want %q", k, add[k], v)
		}
	}
}

func TestUpsertAfterInterruptedCreateLooksUpFirst(t *testing.T) {
	g := &gateway{t: t, handlers: map[string]func(map[string]string) string{
		"taobao.items.custom.get": func(p map[string]string) string {
			if p["outer_id"] != "YS-TS-001" {
				t.Errorf("looked up %q", p["outer_id"])
			}
			return `{"items_custom_get_response":{"items":{"item":[{"num_iid":612345678901}]}}}`
		},
		"taobao.item.update": func(p map[string]string) string {
			if p["num_iid"] != "612345678901" {
				t.Errorf("update of %q", p["num_iid"])
			}
			return `{"item_update_response":{"item":{"num_iid":612345678901}}}`
		},
		"taobao.item.seller.get": func(map[string]string) string {
			return `{"item_seller_get_response":{"item":{"num_iid":612345678901,"approve_status":"onsale","skus":{"sku":[
			  {"sku_id":1,"outer_id":"YS-TS-001-BLK-M"},{"sku_id":2,"outer_id":"YS-TS-001-WHT-M"}]}}}}`
		},
	}}
	p := product()
	p.MayExist = true
	if _, err := open(t, g).UpsertProduct(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(g.methods(), ","); got != "taobao.items.custom.get,taobao.item.update,taobao.item.seller.get" {
		t.Fatalf("calls = %s: an interrupted create must never add twice", got)
	}
}

func TestErrorMapping(t *testing.T) {
	cases := []struct {
		body      string
		code      string
		retryWait time.Duration
	}{
		{`{"error_response":{"code":7,"msg":"App Call Limited","sub_code":"accesscontrol.limited-by-app-access-count","sub_msg":"This ban will last for 12 more seconds"}}`, domain.ERateLimited, 13 * time.Second},
		{`{"error_response":{"code":27,"msg":"Invalid session","sub_code":"invalid-sessionkey","sub_msg":"SessionKey非法"}}`, domain.EAuth, 0},
		{`{"error_response":{"code":25,"msg":"Invalid Signature"}}`, domain.EAuth, 0},
		{`{"error_response":{"code":15,"msg":"Remote service error","sub_code":"isv.invalid-parameter:title","sub_msg":"标题太长"}}`, domain.EInvalid, 0},
		{`{"error_response":{"code":15,"msg":"Remote service error","sub_code":"isp.top-remote-connection-timeout"}}`, domain.EUnavailable, 0},
		{`{"error_response":{"code":15,"msg":"Remote service error","sub_code":"isv.item-quantity-item-update-service-error-tmall"}}`, domain.EUnavailable, 0},
		{`{"error_response":{"code":15,"msg":"Remote service error","sub_code":"isv.item-not-exist"}}`, domain.ENotFound, 0},
		{`{"error_response":{"code":40,"msg":"Missing Required Arguments","sub_code":"missing-parameter:num_iid"}}`, domain.EInvalid, 0},
		{`{"item_update_delisting_response":{"trun`, domain.EUnavailable, 0},
		{`{"something_else_response":{}}`, domain.EUnavailable, 0},
	}
	for _, c := range cases {
		g := &gateway{t: t, handlers: map[string]func(map[string]string) string{
			"taobao.item.update.delisting": func(map[string]string) string { return c.body },
		}}
		err := open(t, g).SetListed(context.Background(), connectors.ProductIDs{ItemID: "1"}, false)
		var de *domain.Error
		if !asDomain(err, &de) || de.Code != c.code || de.RetryAfter != c.retryWait {
			t.Errorf("%s → %#v, want code %s wait %s", c.body, err, c.code, c.retryWait)
			continue
		}
		for _, s := range []string{secret, session} {
			if strings.Contains(err.Error(), s) {
				t.Errorf("error %q leaks a secret", err)
			}
		}
	}
}

func asDomain(err error, de **domain.Error) bool {
	e, ok := err.(*domain.Error)
	*de = e
	return ok
}

// 250 orders in one window: the probe learns the total, then pages 3, 2, 1
// are read backwards.
func TestListOrdersWalksPagesBackwards(t *testing.T) {
	const total = 250
	g := &gateway{t: t, handlers: map[string]func(map[string]string) string{
		"taobao.trades.sold.increment.get": func(p map[string]string) string {
			if p["page_size"] != "100" || p["start_modified"] != "2026-11-24 08:00:00" || p["end_modified"] != "2026-11-24 08:30:00" {
				t.Errorf("params %v", p)
			}
			page, _ := strconv.Atoi(p["page_no"])
			var trades []string
			for i := (page - 1) * 100; i < min(page*100, total); i++ {
				trades = append(trades, fmt.Sprintf(`{"tid":%d,"status":"WAIT_SELLER_SEND_GOODS","created":"2026-11-24 08:01:00","modified":"2026-11-24 08:01:00",
				  "payment":"59.90","total_fee":"59.90","post_fee":"0.00","orders":{"order":[{"oid":%d,"outer_sku_id":"A-1","num":1,"price":"59.90","payment":"59.90"}]}}`,
					3500000000000000000+i, 3500000000000001000+i))
			}
			return `{"trades_sold_increment_get_response":{"total_results":250,"trades":{"trade":[` + strings.Join(trades, ",") + `]}}}`
		},
	}}
	ch := open(t, g)
	from := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC) // 08:00 GMT+8
	q := connectors.OrderQuery{From: from, To: from.Add(30 * time.Minute)}
	seen := map[string]bool{}
	var pages []string
	for {
		page, err := ch.ListOrders(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Orders {
			seen[o.PlatformOrderID] = true
		}
		pages = append(pages, g.calls[len(g.calls)-1]["page_no"])
		if page.NextPageToken == "" {
			break
		}
		q.PageToken = page.NextPageToken
	}
	if strings.Join(pages, ",") != "3,2,1" || len(seen) != total || len(g.calls) != 4 {
		t.Fatalf("pages %v, %d orders, %d calls; want 3,2,1 after a probe, all 250", pages, len(seen), len(g.calls))
	}
	if _, err := ch.ListOrders(context.Background(), connectors.OrderQuery{From: from, To: from.Add(25 * time.Hour)}); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("a window over a day = %v, want invalid before calling", err)
	}
}

func TestTradeWithBadFieldIsRejectedNotDropped(t *testing.T) {
	g := &gateway{t: t, handlers: map[string]func(map[string]string) string{
		"taobao.trades.sold.increment.get": func(map[string]string) string {
			return `{"trades_sold_increment_get_response":{"total_results":2,"trades":{"trade":[
			 {"tid":3500000000000000001,"status":"WAIT_SELLER_SEND_GOODS","created":"2026-11-24 08:01:00","modified":"2026-11-24 08:01:00","payment":"abc","orders":{"order":[{"oid":1,"num":1}]}},
			 {"tid":3500000000000000002,"status":"TRADE_CLOSED","created":"2026-11-24 08:01:00","modified":"2026-11-24 08:02:00","payment":"10.00","orders":{"order":[{"oid":2,"num":1,"price":"10.00","outer_sku_id":"A-1"}]}}]}}}`
		},
	}}
	from := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	page, err := open(t, g).ListOrders(context.Background(), connectors.OrderQuery{From: from, To: from.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Orders) != 1 || page.Orders[0].Status != domain.OrderCancelled || page.Orders[0].PlatformOrderID != "3500000000000000002" {
		t.Fatalf("orders = %+v", page.Orders)
	}
	if len(page.Rejected) != 1 || !strings.Contains(page.Rejected[0].Reason, "order 3500000000000000001, field payment") {
		t.Fatalf("rejected = %+v", page.Rejected)
	}
}

func TestConfigErrorsNameTheField(t *testing.T) {
	_, err := tmall.New(connectors.ShopConfig{Channel: "tmall", Shop: "flagship", AppKey: "1", AppSecret: "x", Session: "y"})
	if err == nil || !strings.Contains(err.Error(), "shop tmall/flagship, field gateway") {
		t.Fatalf("err = %v", err)
	}
	_, err = tmall.New(connectors.ShopConfig{Channel: "tmall", Shop: "f", Gateway: "http://x", AppKey: "1", AppSecret: "x", Session: "y",
		Options: map[string]string{"sign_method": "sha1"}})
	if err == nil || !strings.Contains(err.Error(), "options.sign_method") {
		t.Fatalf("err = %v", err)
	}
	// Secrets never print, whatever the format verb.
	cfg := connectors.ShopConfig{AppSecret: secret, Session: session}
	for _, s := range []string{fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg.AppSecret), mustJSON(cfg)} {
		if strings.Contains(s, secret) || strings.Contains(s, session) {
			t.Fatalf("a secret printed: %s", s)
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestShipSendsWaybillAndSplitLines(t *testing.T) {
	var got []map[string]string
	g := &gateway{t: t, handlers: map[string]func(map[string]string) string{
		"taobao.logistics.offline.send": func(p map[string]string) string {
			got = append(got, p)
			return `{"logistics_offline_send_response":{"shipping":{"is_success":true}}}`
		},
	}}
	ch := open(t, g)
	s := domain.Shipment{PlatformOrderID: "3500000000000000001", Carrier: "SF", TrackingNo: "SF1234567890"}
	if err := ch.Ship(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	s.Lines = []domain.ShipmentLine{{PlatformLineID: "3500000000000000002"}, {PlatformLineID: "3500000000000000003"}}
	if err := ch.Ship(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	if got[0]["tid"] != "3500000000000000001" || got[0]["out_sid"] != "SF1234567890" || got[0]["company_code"] != "SF" || got[0]["is_split"] != "" {
		t.Fatalf("whole shipment = %v", got[0])
	}
	if got[1]["sub_tid"] != "3500000000000000002,3500000000000000003" || got[1]["is_split"] != "1" {
		t.Fatalf("split shipment = %v", got[1])
	}
}
