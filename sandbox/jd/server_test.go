package jd

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// TestSignVector is channels.md §4's computed vector, checked by the
// sandbox's own Sign.
func TestSignVector(t *testing.T) {
	got := Sign("sec", map[string]string{"360buy_param_json": `{"page":"1","page_size":"20"}`, "access_token": "tok",
		"app_key": "appkey", "format": "json", "method": "jingdong.pop.order.search", "sign_method": "md5",
		"timestamp": "2024-01-01 12:00:00", "v": "2.0", "sign": "ignored"})
	if got != "4FD321CB54EC1D81D3192A1D1AD8925A" {
		t.Fatal(got)
	}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type tenv struct {
	s   *Server
	ts  *httptest.Server
	clk *clock
	tok string
	rt  string // the live refresh token
}

func start(t *testing.T, cfg Config) *tenv {
	t.Helper()
	clk := &clock{t: time.Date(2024, 6, 18, 4, 0, 0, 0, time.UTC)}
	cfg.AppKey, cfg.AppSecret, cfg.RefreshToken, cfg.Now = "ak", "secret", "rt0", clk.Now
	s := New(cfg)
	ts := httptest.NewServer(s)
	t.Cleanup(func() { ts.Close(); _ = s.Close() })
	e := &tenv{s: s, ts: ts, clk: clk}
	r := e.refresh(t, "rt0")
	e.tok, e.rt = r["access_token"].(string), r["refresh_token"].(string)
	return e
}

func (e *tenv) refresh(t *testing.T, rt string) map[string]any {
	t.Helper()
	resp, err := http.PostForm(e.ts.URL+"/oauth2/refresh_token", url.Values{"app_key": {"ak"}, "app_secret": {"secret"},
		"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// call signs a request as a JOS client would (this test's own client).
func (e *tenv) call(t *testing.T, method string, biz any, edit func(map[string]string)) map[string]json.RawMessage {
	t.Helper()
	pj, _ := json.Marshal(biz)
	p := map[string]string{"method": method, "app_key": "ak", "access_token": e.tok, "timestamp": e.clk.Now().In(china).Format(jdTime),
		"format": "json", "v": "2.0", "sign_method": "md5", "360buy_param_json": string(pj)}
	p["sign"] = Sign("secret", p)
	if edit != nil {
		edit(p)
	}
	form := url.Values{}
	for k, v := range p {
		form.Set(k, v)
	}
	resp, err := http.PostForm(e.ts.URL+"/routerjson", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("HTTP %d: %s", resp.StatusCode, b)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return m
}

func errCode(t *testing.T, m map[string]json.RawMessage) string {
	t.Helper()
	var e struct {
		Code string `json:"code"`
	}
	raw, ok := m["error_response"]
	if !ok {
		t.Fatalf("no error_response in %v", m)
	}
	_ = json.Unmarshal(raw, &e)
	return e.Code
}

func TestGatewayChecks(t *testing.T) {
	e := start(t, Config{})
	biz := map[string]any{"itemNum": "X", "pageNo": 1, "pageSize": 10}
	const m = "jingdong.ware.read.searchWare4Valid"
	cases := []struct {
		name string
		edit func(map[string]string)
		code string
	}{
		{"bad signature", func(p map[string]string) { p["sign"] = "00" + p["sign"][2:] }, CodeBadSign},
		{"no signature", func(p map[string]string) { delete(p, "sign") }, CodeNoSign},
		{"param json changed after signing", func(p map[string]string) { p["360buy_param_json"] = `{"itemNum":"Y"}` }, CodeBadSign},
		{"unknown token", func(p map[string]string) { p["access_token"] = "nope"; p["sign"] = Sign("secret", p) }, CodeBadToken},
		{"no token", func(p map[string]string) { delete(p, "access_token"); p["sign"] = Sign("secret", p) }, CodeNoToken},
		{"old timestamp", func(p map[string]string) {
			p["timestamp"] = e.clk.Now().Add(-7 * time.Minute).In(china).Format(jdTime)
			p["sign"] = Sign("secret", p)
		}, CodeBadTimestamp},
		{"wrong app key", func(p map[string]string) { p["app_key"] = "other" }, CodeBadAppKey},
		{"version", func(p map[string]string) { p["v"] = "1.0"; p["sign"] = Sign("secret", p) }, CodeBadVersion},
		{"unknown method", func(p map[string]string) { p["method"] = "jingdong.nope"; p["sign"] = Sign("secret", p) }, CodeBadMethod},
	}
	for _, c := range cases {
		if got := errCode(t, e.call(t, m, biz, c.edit)); got != c.code {
			t.Errorf("%s: code %s, want %s", c.name, got, c.code)
		}
	}
	ok := e.call(t, m, biz, nil)
	if _, found := ok["jingdong_ware_read_searchWare4Valid_responce"]; !found {
		t.Fatalf("success root: %v", ok)
	}
	// The token expires after TokenLifetime; a refresh gives a new one.
	e.clk.Advance(TokenLifetime)
	if got := errCode(t, e.call(t, m, biz, nil)); got != CodeBadToken {
		t.Fatalf("expired token: %s", got)
	}
}

func TestRefreshRotates(t *testing.T) {
	e := start(t, Config{})
	if r := e.refresh(t, "rt0"); r["code"] != float64(402) || r["access_token"] != nil {
		t.Fatalf("a used refresh token must die: %v", r)
	}
	r := e.refresh(t, e.rt)
	if r["access_token"] == nil || r["refresh_token"] == e.rt || r["expires_in"] != float64(TokenLifetime/time.Second) {
		t.Fatalf("refresh with the rotated token: %v", r)
	}
	bad, err := http.PostForm(e.ts.URL+"/oauth2/refresh_token", url.Values{"app_key": {"ak"}, "app_secret": {"wrong"},
		"grant_type": {"refresh_token"}, "refresh_token": {r["refresh_token"].(string)}})
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(bad.Body).Decode(&m)
	if m["code"] != float64(401) {
		t.Fatalf("wrong secret: %v", m)
	}
}

func TestThrottleAndFaults(t *testing.T) {
	e := start(t, Config{QPS: 1})
	biz := map[string]any{"itemNum": "X"}
	const m = "jingdong.ware.read.searchWare4Valid"
	e.call(t, m, biz, nil)
	if got := errCode(t, e.call(t, m, biz, nil)); got != CodeThrottled {
		t.Fatalf("second call within the second: %s", got)
	}
	e.clk.Advance(time.Second)
	admin := kit.AdminClient{BaseURL: e.ts.URL}
	if err := admin.AddFault(context.Background(), kit.Fault{Kind: kit.FaultError, Method: m, Code: 66, Count: 1}); err != nil {
		t.Fatal(err)
	}
	if got := errCode(t, e.call(t, m, biz, nil)); got != "66" {
		t.Fatalf("fault: %s", got)
	}
}

func TestWaresAndOrders(t *testing.T) {
	e := start(t, Config{})
	add := e.call(t, "jingdong.ware.write.add", map[string]any{
		"ware": map[string]any{"title": "纯棉圆领T恤", "categoryId": 1349, "outerId": "YS-TS-001", "itemNum": "YS-TS-001", "wareStatus": 8,
			"jdPrice": json.Number("59.90"), "marketPrice": json.Number("69.00")},
		"skus": []map[string]any{{"outerId": "YS-TS-001-WHT-M", "jdPrice": json.Number("59.90"), "stockNum": 3,
			"saleAttrs": []map[string]any{{"attrId": "1000000041", "attrValues": []string{"白色"}}}}},
	}, nil)
	var r struct {
		Code string `json:"code"`
		Ware struct {
			WareID int64 `json:"wareId"`
			Skus   []struct {
				SkuID int64 `json:"skuId"`
			} `json:"skus"`
		} `json:"ware"`
	}
	if err := json.Unmarshal(add["jingdong_ware_write_add_responce"], &r); err != nil || r.Code != "0" || r.Ware.WareID == 0 {
		t.Fatalf("add: %s", add["jingdong_ware_write_add_responce"])
	}
	// A price above the market price is JD's 11201056.
	over := e.call(t, "jingdong.sku.write.updateSkus", map[string]any{"wareId": r.Ware.WareID,
		"skus": []map[string]any{{"skuId": r.Ware.Skus[0].SkuID, "outerId": "YS-TS-001-WHT-M", "jdPrice": "70.00", "stockNum": 3}}}, nil)
	if got := errCode(t, over); got != CodeAboveMarket {
		t.Fatalf("above market: %s", got)
	}
	// An id of another shop answers 71 inside the _responce.
	miss := e.call(t, "jingdong.ware.write.upOrDown", map[string]any{"wareId": 1, "opType": 2}, nil)
	if !strings.Contains(string(miss["jingdong_ware_write_upOrDown_responce"]), `"code": "71"`) {
		t.Fatalf("unknown ware: %v", miss)
	}
	ids, err := e.s.SellOrders(2, "")
	if err != nil || len(ids) != 2 {
		t.Fatal(ids, err)
	}
	if items := e.s.AdminItems(); items[0].SKUs[0].Stock != 1 {
		t.Fatalf("stock after 2 sales: %+v", items)
	}
	if err := e.s.CancelOrder(ids[0]); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Second)
	from := e.clk.Now().Add(-time.Hour).In(china).Format(jdTime)
	to := e.clk.Now().In(china).Format(jdTime)
	res := e.call(t, "jingdong.pop.order.search", map[string]any{"start_date": from, "end_date": to,
		"order_state": "WAIT_SELLER_STOCK_OUT,TRADE_CANCELED", "page": "1", "page_size": "1"}, nil)
	body := string(res["jingdong_pop_order_search_responce"])
	if !strings.Contains(body, `"orderTotal": 2`) || !strings.Contains(body, `"orderId": "`) || !strings.Contains(body, `"orderPayment": "59.90"`) {
		t.Fatalf("search: %s", body)
	}
	wide := e.call(t, "jingdong.pop.order.search", map[string]any{"start_date": e.clk.Now().Add(-48 * time.Hour).In(china).Format(jdTime),
		"end_date": to, "order_state": "TRADE_CANCELED"}, nil)
	if got := errCode(t, wide); got != CodeBadParam {
		t.Fatalf("2-day window: %s", got)
	}
	ship := e.call(t, "jingdong.pop.order.shipment", map[string]any{"orderId": ids[0], "logiCoprId": "467", "logiNo": "SF1"}, nil)
	if !strings.Contains(string(ship["jingdong_pop_order_shipment_responce"]), `"errorCode": "70"`) {
		t.Fatalf("shipping a cancelled order: %s", ship["jingdong_pop_order_shipment_responce"])
	}
}

// TestStateAcrossRestart: wares, orders and the live tokens survive a
// restart; the used seed refresh token stays dead.
func TestStateAcrossRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jd.json")
	e := start(t, Config{StateFile: path})
	e.call(t, "jingdong.ware.write.add", map[string]any{
		"ware": map[string]any{"title": "保温杯", "categoryId": 1349, "outerId": "CUP", "itemNum": "CUP", "wareStatus": 8,
			"jdPrice": 99, "marketPrice": 129},
		"skus": []map[string]any{{"outerId": "CUP-1", "jdPrice": 99, "stockNum": 5}}}, nil)
	ids, err := e.s.SellOrders(1, "CUP-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := New(Config{AppKey: "ak", AppSecret: "secret", RefreshToken: "rt0", Now: e.clk.Now, StateFile: path})
	defer s2.Close()
	items := s2.AdminItems()
	if len(items) != 1 || items[0].SKUs[0].Stock != 4 || items[0].SKUs[0].PriceFen != 9900 {
		t.Fatalf("items after restart: %+v", items)
	}
	if s2.orders[ids[0]] == nil {
		t.Fatal("order lost")
	}
	if _, ok := s2.access[e.tok]; !ok || s2.refresh["rt0"] {
		t.Fatal("tokens after restart")
	}
}
