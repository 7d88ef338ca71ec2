package douyin_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/sandbox/douyin"
	"github.com/syncctl/syncctl/sandbox/kit"
)

// The computed vectors of channels.md §5.2.
func TestSignVectors(t *testing.T) {
	pj := `{"page":0,"size":10,"update_time_end":1700000000,"update_time_start":1699990000}`
	if got := douyin.Sign("hmac-sha256", "test_secret", "1234567890123456789", "order.searchList", pj, "1700000000", "2"); got != "8ee67111fdf9bf1b86f8cf300108633308318cf78cfc19a757b455602972a7b0" {
		t.Errorf("hmac-sha256 = %s", got)
	}
	if got := douyin.Sign("md5", "test_secret", "1234567890123456789", "order.searchList", pj, "1700000000", "2"); got != "453f0b349d7fc5fd308784848916ff2b" {
		t.Errorf("md5 = %s", got)
	}
	c, err := douyin.Canonical([]byte(`{"size": 10, "page":0 ,"a":{"z":1,"b":"<&>"}}`))
	if err != nil || c != `{"a":{"b":"<&>","z":1},"page":0,"size":10}` {
		t.Errorf("canonical = %s %v", c, err)
	}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// client is a minimal signed client written for the test, apart from the connector.
type client struct {
	t     *testing.T
	url   string
	clk   *clock
	key   string
	sec   string
	token string
	// spaced advances the clock a second before each call (under a QPS).
	spaced bool
}

const appKey, appSecret, shopID = "7001234567890123456", "sbx-secret", "4463798"

func setup(t *testing.T, cfg douyin.Config) (*douyin.Server, *client) {
	t.Helper()
	clk := &clock{t: time.Now().Truncate(time.Second)}
	cfg.AppKey, cfg.AppSecret, cfg.ShopID, cfg.Now, cfg.Seed = appKey, appSecret, shopID, clk.Now, 7
	sb := douyin.New(cfg)
	ts := httptest.NewServer(sb)
	t.Cleanup(func() { ts.Close(); _ = sb.Close() })
	c := &client{t: t, url: ts.URL, clk: clk, key: appKey, sec: appSecret}
	tok := c.call("token.create", map[string]any{"code": "", "grant_type": "authorization_self", "shop_id": shopID})
	if n, _ := code(tok); n != 10000 {
		t.Fatalf("token.create: %v", tok)
	}
	c.token = tok["data"].(map[string]any)["access_token"].(string)
	return sb, c
}

// raw sends a call with the given body and sign override ("" = correct).
func (c *client) raw(method, body, sign string) map[string]any {
	c.t.Helper()
	return c.send(method, body, sign, strconv.FormatInt(c.clk.Now().Unix(), 10), 0)
}

// rawAt sends a call while the sandbox's clock is ahead by skew.
func (c *client) rawAt(method, body string, skew time.Duration) map[string]any {
	c.t.Helper()
	return c.send(method, body, "", strconv.FormatInt(c.clk.Now().Unix(), 10), skew)
}

func (c *client) send(method, body, sign, ts string, skew time.Duration) map[string]any {
	c.t.Helper()
	c.clk.Advance(skew)
	defer c.clk.Advance(-skew)
	if sign == "" {
		sign = douyin.Sign("hmac-sha256", c.sec, c.key, method, body, ts, "2")
	}
	q := url.Values{"app_key": {c.key}, "method": {method}, "timestamp": {ts}, "v": {"2"}, "sign_method": {"hmac-sha256"}, "sign": {sign}}
	if c.token != "" {
		q.Set("access_token", c.token)
	}
	resp, err := http.Post(c.url+"/"+strings.ReplaceAll(method, ".", "/")+"?"+q.Encode(), "application/json", strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		c.t.Fatalf("%s: HTTP %d %s", method, resp.StatusCode, b)
	}
	var out map[string]any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		c.t.Fatalf("%s: %s", method, b)
	}
	return out
}

func (c *client) call(method string, params map[string]any) map[string]any {
	c.t.Helper()
	if c.spaced {
		c.clk.Advance(time.Second)
	}
	b, _ := json.Marshal(params) // map keys are sorted; no HTML in these params
	return c.raw(method, string(b), "")
}

func code(m map[string]any) (int, string) {
	n, _ := m["code"].(json.Number).Int64()
	s, _ := m["sub_code"].(string)
	return int(n), s
}

func num(v any) int64 {
	n, _ := v.(json.Number).Int64()
	return n
}

func data(m map[string]any) map[string]any {
	d, _ := m["data"].(map[string]any)
	return d
}

func addParams() map[string]any {
	sp := `[{"spec_detail_name1":"白色","stock_num":5,"price":5990,"code":"YS-TS-001-WHT","outer_sku_id":"YS-TS-001-WHT"}]`
	return map[string]any{"name": "纯棉圆领短袖T恤", "category_leaf_id": 20000, "pic": "https://img/1.jpg", "description": "100%棉",
		"spec_name": "颜色", "specs": "颜色|白色", "spec_prices": sp, "market_price": 7900, "discount_price": 5990, "pay_type": 1,
		"reduce_type": 2, "freight_id": 0, "outer_product_id": "YS-TS-001", "product_type": 0, "commit": true}
}

func TestVerifiesEveryCall(t *testing.T) {
	_, c := setup(t, douyin.Config{})
	body := `{"page":0,"size":10,"update_time_end":1700000000,"update_time_start":1699990000}`
	cases := []struct {
		name, sub string
		code      int
		send      func() map[string]any
	}{
		{"wrong sign", douyin.SubSignature, douyin.CodeInvalidParam, func() map[string]any { return c.raw("order.searchList", body, strings.Repeat("0", 64)) }},
		{"unsorted body", douyin.SubFormat, douyin.CodeInvalidParam, func() map[string]any {
			return c.raw("order.searchList", `{"size":10,"page":0,"update_time_end":1700000000,"update_time_start":1699990000}`, "")
		}},
		{"stale timestamp", douyin.SubTimestamp, douyin.CodeInvalidParam, func() map[string]any {
			c.clk.Advance(-time.Hour) // the client's clock is an hour behind
			defer c.clk.Advance(time.Hour)
			return c.rawAt("order.searchList", body, time.Hour)
		}},
		{"unknown token", douyin.SubTokenNoExisted, douyin.CodeInvalidParam, func() map[string]any {
			tok := c.token
			c.token = "nope"
			defer func() { c.token = tok }()
			return c.raw("order.searchList", body, "")
		}},
		{"no token", douyin.SubTokenMissing, douyin.CodeMissingParam, func() map[string]any {
			tok := c.token
			c.token = ""
			defer func() { c.token = tok }()
			return c.raw("order.searchList", body, "")
		}},
		{"window too long", "isv.parameter-invalid:update_time_end", douyin.CodeInvalidBizArg, func() map[string]any {
			return c.call("order.searchList", map[string]any{"page": 0, "size": 10, "update_time_start": 1, "update_time_end": 1 + 8*86400})
		}},
		{"page size", "isv.parameter-invalid:size", douyin.CodeInvalidBizArg, func() map[string]any {
			return c.call("order.searchList", map[string]any{"page": 0, "size": 101, "update_time_start": 1, "update_time_end": 2})
		}},
		{"unknown product", douyin.SubProductNotExist, douyin.CodeBizFailed, func() map[string]any {
			return c.call("product.detail", map[string]any{"product_id": "3472490447010721067"})
		}},
	}
	for _, k := range cases {
		got := k.send()
		if n, sub := code(got); n != k.code || sub != k.sub || num(got["err_no"]) != int64(k.code) {
			t.Errorf("%s: %v", k.name, got)
		}
	}
	if ok := c.call("order.searchList", map[string]any{"page": 0, "size": 10, "update_time_start": 1, "update_time_end": 2}); num(ok["err_no"]) != 0 || ok["code"].(json.Number) != "10000" {
		t.Errorf("a good call: %v", ok)
	}
}

// A product goes through review: in review, then on sale after the delay,
// or rejected with a reason in auditList.
func TestReview(t *testing.T) {
	sb, c := setup(t, douyin.Config{ReviewDelay: 5 * time.Second})
	id := data(c.call("product.addV2", addParams()))["product_id"].(json.Number).String()
	if len(id) != 19 {
		t.Fatalf("product_id %s", id)
	}
	detail := func() map[string]any {
		return data(c.call("product.detail", map[string]any{"product_id": id, "show_draft": "true"}))
	}
	if d := detail(); num(d["check_status"]) != 2 || num(d["status"]) != 1 {
		t.Fatalf("fresh: %v", d)
	}
	c.clk.Advance(5 * time.Second)
	if d := detail(); num(d["check_status"]) != 3 || num(d["status"]) != 0 {
		t.Fatalf("after the delay: %v", d)
	}
	sb.RejectNext("YS-TS-001", "商品标题与类目不符")
	p := addParams()
	p["product_id"] = id
	if r := c.call("product.editV2", p); num(r["err_no"]) != 0 {
		t.Fatal(r)
	}
	c.clk.Advance(5 * time.Second)
	if d := detail(); num(d["check_status"]) != 4 || num(d["status"]) != 0 {
		t.Fatalf("rejected edit (the approved copy stays on sale): %v", d)
	}
	recs := data(c.call("product.auditList", map[string]any{"product_id": id}))["records"].([]any)
	if r := recs[0].(map[string]any); r["audit_reason"] != "商品标题与类目不符" || num(r["audit_status"]) != 4 {
		t.Fatalf("audit records %v", recs)
	}
	// A random rejection rate of 1 rejects every review.
	sb.SetReview(time.Second, 1)
	p["outer_product_id"] = "YS-TS-002"
	id2 := data(c.call("product.addV2", p))["product_id"].(json.Number).String()
	c.clk.Advance(time.Second)
	if d := data(c.call("product.detail", map[string]any{"product_id": id2})); num(d["check_status"]) != 4 {
		t.Fatalf("reject rate 1: %v", d)
	}
}

func TestThrottleAndTokens(t *testing.T) {
	sb, c := setup(t, douyin.Config{QPS: 2})
	q := map[string]any{"page": 0, "size": 10, "update_time_start": 1, "update_time_end": 2}
	throttled := 0
	for range 6 {
		if n, _ := code(c.call("order.searchList", q)); n == douyin.CodeThrottled {
			throttled++
		}
	}
	if throttled == 0 {
		t.Fatal("6 calls at once under a QPS of 2 were never throttled")
	}
	c.spaced = true
	sb.ExpireTokens()
	if n, sub := code(c.call("order.searchList", q)); n != douyin.CodeInvalidParam || sub != douyin.SubTokenExpired {
		t.Fatalf("expired token: %d %s", n, sub)
	}
	// The refresh token gives a new pair, and is used once.
	c.token = ""
	tok := data(c.call("token.create", map[string]any{"code": "", "grant_type": "authorization_self", "shop_id": shopID}))
	rt := tok["refresh_token"].(string)
	if num(tok["expires_in"]) != int64(douyin.TokenLifetime/time.Second) {
		t.Fatalf("expires_in %v", tok["expires_in"])
	}
	next := data(c.call("token.refresh", map[string]any{"grant_type": "refresh_token", "refresh_token": rt}))
	if next["access_token"] == "" || next["refresh_token"] == rt {
		t.Fatalf("refresh: %v", next)
	}
	if n, sub := code(c.call("token.refresh", map[string]any{"grant_type": "refresh_token", "refresh_token": rt})); n != douyin.CodePlatformFailed || !strings.HasPrefix(sub, douyin.SubTokenGenerate) {
		t.Fatalf("a used refresh token: %d %s", n, sub)
	}
	if n, _ := code(c.call("token.create", map[string]any{"code": "", "grant_type": "authorization_self", "shop_id": "1"})); n != douyin.CodePlatformFailed {
		t.Fatalf("another shop: %d", n)
	}
	c.token = next["access_token"].(string)
	c.clk.Advance(time.Second)
	if n, _ := code(c.call("order.searchList", q)); n != douyin.CodeOK {
		t.Fatalf("refreshed token: %d", n)
	}
	// A rate_limit fault answers 60000 too.
	if err := sb.AddFault(kit.Fault{Kind: kit.FaultRateLimit, Count: 1}); err != nil {
		t.Fatal(err)
	}
	c.clk.Advance(time.Second)
	if n, _ := code(c.call("order.searchList", q)); n != douyin.CodeThrottled {
		t.Fatalf("fault: %d", n)
	}
}

// The admin client sells a burst of 5000 orders in one call, quickly; the
// orders page in full through searchList; CPS orders name ~20 authors and
// carry commission; the shop survives a restart.
func TestBurstOrdersAndRestart(t *testing.T) {
	state := filepath.Join(t.TempDir(), "douyin.json")
	clk := &clock{t: time.Now().Truncate(time.Second)}
	cfg := douyin.Config{AppKey: appKey, AppSecret: appSecret, ShopID: shopID, Now: clk.Now, Seed: 3, StateFile: state, ReviewDelay: time.Second}
	sb := douyin.New(cfg)
	ts := httptest.NewServer(sb)
	c := &client{t: t, url: ts.URL, clk: clk, key: appKey, sec: appSecret}
	c.token = data(c.call("token.create", map[string]any{"code": "", "grant_type": "authorization_self", "shop_id": shopID}))["access_token"].(string)
	p := addParams()
	p["spec_prices"] = `[{"spec_detail_name1":"白色","stock_num":6000,"price":5990,"code":"YS-TS-001-WHT","outer_sku_id":"YS-TS-001-WHT"}]`
	id := data(c.call("product.addV2", p))["product_id"].(json.Number).String()
	clk.Advance(time.Second)
	plan := c.call("buyin.simplePlan", map[string]any{"is_create": true, "status": 1, "products": []map[string]any{{"product_id": id, "cos_ratio": json.Number("12.5")}}})
	if r := data(plan)["result"].([]any)[0].(map[string]any); r["is_success"] != true {
		t.Fatalf("plan: %v", plan)
	}
	admin := kit.AdminClient{BaseURL: ts.URL}
	start := time.Now()
	ids, err := admin.SellOrders(context.Background(), 5000, "")
	if err != nil || len(ids) != 5000 {
		t.Fatalf("sold %d: %v", len(ids), err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("5000 orders took %s", d)
	}
	now := clk.Now().Unix()
	seen, authors, cps := map[string]bool{}, map[string]bool{}, 0
	var promoted []string
	for page := 0; ; page++ {
		r := data(c.call("order.searchList", map[string]any{"page": page, "size": 100, "update_time_start": now - 60, "update_time_end": now,
			"order_by": "update_time", "order_asc": true}))
		list := r["shop_order_list"].([]any)
		for _, x := range list {
			o := x.(map[string]any)
			seen[o["order_id"].(string)] = true
			l := o["sku_order_list"].([]any)[0].(map[string]any)
			if a := l["author_id"].(json.Number).String(); a != "0" {
				authors[a] = true
				cps++
				if len(promoted) < douyin.MaxAllianceIDs {
					promoted = append(promoted, l["sku_order_id"].(string))
				}
			}
		}
		if len(list) < 100 {
			break
		}
	}
	if len(seen) != 5000 || len(authors) < 18 || cps < 1500 || cps > 2500 {
		t.Fatalf("%d orders paged, %d CPS by %d authors", len(seen), cps, len(authors))
	}
	comm := data(c.call("alliance.getOrderList", map[string]any{"order_ids": promoted}))["datas"].([]any)
	if m := comm[0].(map[string]any); len(comm) != len(promoted) || num(m["commission_rate"]) != 1250 || num(m["estimated_comission"]) != 5990*1250/10000 {
		t.Fatalf("commission %v", comm[0])
	}
	if err := admin.CancelOrder(context.Background(), ids[0]); err != nil {
		t.Fatal(err)
	}
	ts.Close()
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	sb2 := douyin.New(cfg)
	defer sb2.Close()
	items := sb2.AdminItems()
	if len(items) != 1 || items[0].SKUs[0].Stock != 6000-5000+1 || !items[0].OnSale {
		t.Fatalf("after restart: %+v", items)
	}
	if bp, open := sb2.Plan(id); bp != 1250 || !open {
		t.Fatalf("plan after restart: %d %v", bp, open)
	}
	ts2 := httptest.NewServer(sb2)
	defer ts2.Close()
	c.url = ts2.URL
	if d := data(c.call("order.orderDetail", map[string]any{"shop_order_id": ids[0]}))["shop_order_detail"].(map[string]any); num(d["order_status"]) != 4 {
		t.Fatalf("cancelled order after restart (token kept): %v", d)
	}
}
