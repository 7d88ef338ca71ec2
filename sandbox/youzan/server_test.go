package youzan_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
	"github.com/syncctl/syncctl/sandbox/youzan"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func start(t *testing.T, qps float64) (*youzan.Server, *httptest.Server, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)}
	s := youzan.New(youzan.Config{ClientID: "cid", ClientSecret: "csecret", KdtID: "44001122", QPS: qps, Seed: 7, Now: c.Now})
	ts := httptest.NewServer(s)
	t.Cleanup(func() { ts.Close(); _ = s.Close() })
	return s, ts, c
}

func post(t *testing.T, url string, body any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("HTTP %d: Youzan answers 200", resp.StatusCode)
	}
	var out map[string]any
	d := json.NewDecoder(resp.Body)
	d.UseNumber()
	if err := d.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func token(t *testing.T, ts *httptest.Server) string {
	t.Helper()
	out := post(t, ts.URL+"/auth/token", map[string]any{"client_id": "cid", "client_secret": "csecret", "authorize_type": "silent", "grant_id": 44001122, "refresh": false})
	data, _ := out["data"].(map[string]any)
	if out["success"] != true || data == nil || data["access_token"] == "" {
		t.Fatalf("token: %v", out)
	}
	exp, _ := data["expires"].(json.Number).Int64()
	if exp < time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC).UnixMilli() {
		t.Fatalf("expires %d is not ms epoch 7 days on", exp)
	}
	return data["access_token"].(string)
}

func gwCode(out map[string]any) string {
	gw, _ := out["gw_err_resp"].(map[string]any)
	if gw == nil {
		return ""
	}
	return gw["err_code"].(json.Number).String()
}

func TestAuth(t *testing.T) {
	_, ts, _ := start(t, 0)
	bad := post(t, ts.URL+"/auth/token", map[string]any{"client_id": "cid", "client_secret": "nope", "authorize_type": "silent", "grant_id": "44001122"})
	if bad["success"] != false || bad["code"].(json.Number).String() != "1103" {
		t.Fatalf("bad secret: %v", bad)
	}
	resp, _ := http.Post(ts.URL+"/auth/token", "application/x-www-form-urlencoded", strings.NewReader("client_id=cid"))
	var form map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&form)
	resp.Body.Close()
	if form["success"] != false {
		t.Fatalf("a form body must be refused: %v", form)
	}
	tok := token(t, ts)
	for _, c := range []struct{ url, code string }{
		{"/api/youzan.item.get/3.0.0", "4201"},
		{"/api/youzan.item.get/3.0.0?access_token=nope", "4203"},
		{"/api/youzan.item.get?access_token=" + tok, "4001"},
		{"/api/youzan.item.nothing/3.0.0?access_token=" + tok, "4005"},
		{"/api/youzan.item.get/9.9.9?access_token=" + tok, "4005"},
	} {
		if got := gwCode(post(t, ts.URL+c.url, map[string]any{"item_id": 1})); got != c.code {
			t.Errorf("%s: gw code %q, want %s", c.url, got, c.code)
		}
	}
}

func TestTokenExpires(t *testing.T) {
	_, ts, c := start(t, 0)
	tok := token(t, ts)
	c.Advance(youzan.TokenLifetime)
	if got := gwCode(post(t, ts.URL+"/api/youzan.item.get/3.0.0?access_token="+tok, map[string]any{"item_id": 1})); got != "4203" {
		t.Fatalf("expired token: %q", got)
	}
}

func TestItemsAndOrders(t *testing.T) {
	s, ts, c := start(t, 0)
	tok := token(t, ts)
	api := func(name, ver string, body any) map[string]any {
		return post(t, ts.URL+"/api/"+name+"/"+ver+"?access_token="+tok, body)
	}
	out := api("youzan.item.create", "3.0.1", map[string]any{"title": "纯棉T恤", "item_no": "YS-TS-001", "price": 4990, "quantity": 10, "is_display": 1,
		"sku_stocks": `[{"price":5990,"quantity":7,"item_no":"YS-TS-001-WHT-M","skus":[{"k":"颜色","v":"白色"}]},{"price":4990,"quantity":3,"item_no":"YS-TS-001-BLK-L"}]`})
	resp, _ := out["response"].(map[string]any)
	if resp == nil {
		t.Fatalf("v3 create: %v", out)
	}
	it := resp["item"].(map[string]any)
	itemID := it["item_id"].(json.Number)
	skuID := it["skus"].([]any)[0].(map[string]any)["sku_id"].(json.Number)
	if e := api("youzan.item.quantity.update", "3.0.0", map[string]any{"item_id": itemID, "sku_id": skuID, "quantity": 5, "type": 0}); e["response"] == nil {
		t.Fatalf("quantity: %v", e)
	}
	if e := api("youzan.item.price.update", "1.0.0", map[string]any{"item_id": itemID, "sku_id": skuID, "price": 5550}); e["response"] == nil {
		t.Fatalf("price: %v", e)
	}
	if e := api("youzan.item.update.delisting", "3.0.0", map[string]any{"item_id": 999}); e["error_response"] == nil {
		t.Fatalf("v3 error: %v", e)
	}
	items := s.AdminItems()
	if len(items) != 1 || !items[0].OnSale || items[0].SKUs[0].Stock != 5 || items[0].SKUs[0].PriceFen != 5550 || items[0].SKUs[0].OuterID != "YS-TS-001-WHT-M" {
		t.Fatalf("items = %+v", items)
	}
	var tids []string
	for range 5 {
		ids, err := s.SellOrders(1, "YS-TS-001-WHT-M")
		if err != nil {
			t.Fatal(err)
		}
		tids = append(tids, ids...)
		c.Advance(time.Minute)
	}
	if _, err := s.SellOrders(1, "YS-TS-001-WHT-M"); err == nil {
		t.Fatal("sold beyond stock")
	}
	if err := s.CancelOrder(tids[0]); err != nil {
		t.Fatal(err)
	}
	s.SetOrderLimits(2, 4)
	page := func(no int) map[string]any {
		return api("youzan.trades.sold.get", "4.0.4", map[string]any{"start_update": "2026-12-01 10:00:00", "end_update": "2026-12-01 11:00:00", "page_no": no, "page_size": 2})
	}
	p1 := page(1)
	if p1["success"] != true || p1["code"].(json.Number).String() != "200" {
		t.Fatalf("v4: %v", p1)
	}
	data := p1["data"].(map[string]any)
	if data["total_results"].(json.Number).String() != "5" || len(data["full_order_info_list"].([]any)) != 2 {
		t.Fatalf("page 1: %v", data)
	}
	foi := data["full_order_info_list"].([]any)[0].(map[string]any)["full_order_info"].(map[string]any)
	if pay := foi["pay_info"].(map[string]any); pay["payment"] != "55.50" || pay["post_fee"] != "0" {
		t.Fatalf("pay_info: %v", pay)
	}
	if p3 := page(3); p3["success"] != false || !strings.Contains(p3["message"].(string), "page_no") {
		t.Fatalf("page 3 × 2 > 4 must be refused: %v", p3)
	}
	got := api("youzan.trade.get", "4.0.2", map[string]any{"tid": tids[0]})
	if st := got["data"].(map[string]any)["full_order_info"].(map[string]any)["order_info"].(map[string]any)["status"]; st != youzan.StatusClosed {
		t.Fatalf("cancelled order: %v", st)
	}
}

func TestThrottle(t *testing.T) {
	_, ts, _ := start(t, 1)
	tok := token(t, ts)
	var codes []string
	for range 3 {
		codes = append(codes, gwCode(post(t, ts.URL+"/api/youzan.item.get/3.0.0?access_token="+tok, map[string]any{"item_id": 1})))
	}
	if codes[2] != "4101" {
		t.Fatalf("codes %v: over the quota is gw 4101", codes)
	}
}

func TestPlatform(t *testing.T) {
	creds := youzan.Platform.NewCredentials()
	sb, err := youzan.Platform.Open(kit.Config{Credentials: creds})
	if err != nil || creds["grant_id"] == "" {
		t.Fatal(err, creds)
	}
	_ = sb.Close()
}

func TestStateFileKeepsTheShop(t *testing.T) {
	path := t.TempDir() + "/youzan.json"
	cfg := youzan.Config{ClientID: "cid", ClientSecret: "csecret", KdtID: "44001122", StateFile: path}
	s := youzan.New(cfg)
	ts := httptest.NewServer(s)
	tok := token(t, ts)
	out := post(t, ts.URL+"/api/youzan.item.create/3.0.1?access_token="+tok, map[string]any{"title": "T恤", "item_no": "P1", "price": 100, "quantity": 2,
		"sku_stocks": `[{"price":100,"quantity":2,"item_no":"P1-S"}]`})
	if out["response"] == nil {
		t.Fatalf("create: %v", out)
	}
	ids, err := s.SellOrders(1, "")
	if err != nil {
		t.Fatal(err)
	}
	ts.Close()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	again := youzan.New(cfg)
	defer again.Close()
	items := again.AdminItems()
	if len(items) != 1 || items[0].SKUs[0].Stock != 1 || again.CancelOrder(ids[0]) != nil {
		t.Fatalf("after restart: %+v", items)
	}
}
