package kuaishou_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/sandbox/kuaishou"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type env struct {
	t     *testing.T
	sb    *kuaishou.Server
	srv   *httptest.Server
	clk   *clock
	token string
}

func cfg(clk *clock) kuaishou.Config {
	return kuaishou.Config{AppKey: "ks123", AppSecret: "asec", SignSecret: "ssec", RefreshToken: "rt0", Seed: 7, Now: clk.Now}
}

func setup(t *testing.T, edit func(*kuaishou.Config)) *env {
	t.Helper()
	clk := &clock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	c := cfg(clk)
	if edit != nil {
		edit(&c)
	}
	sb := kuaishou.New(c)
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { srv.Close(); _ = sb.Close() })
	e := &env{t: t, sb: sb, srv: srv, clk: clk}
	r := e.refresh("rt0")
	if r["result"] != float64(1) {
		t.Fatalf("refresh: %v", r)
	}
	e.token = r["access_token"].(string)
	return e
}

func (e *env) refresh(rt string) map[string]any {
	e.t.Helper()
	resp, err := http.PostForm(e.srv.URL+"/oauth2/refresh_token", url.Values{"app_id": {"ks123"}, "app_secret": {"asec"},
		"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// call signs and posts one API call; mutate may spoil the form.
func (e *env) call(method string, param any, mutate func(url.Values)) map[string]any {
	e.t.Helper()
	b, _ := json.Marshal(param)
	p := map[string]string{"access_token": e.token, "appkey": "ks123", "method": method, "param": string(b), "signMethod": kuaishou.SignHMACSHA256,
		"timestamp": strconv.FormatInt(e.clk.Now().UnixMilli(), 10), "version": "1"}
	p["sign"], _ = kuaishou.Sign(p["signMethod"], "ssec", p)
	form := url.Values{}
	for k, v := range p {
		form.Set(k, v)
	}
	if mutate != nil {
		mutate(form)
	}
	resp, err := http.PostForm(e.srv.URL+"/open/"+strings.ReplaceAll(method, ".", "/"), form)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil {
		e.t.Fatal(err)
	}
	return out
}

func result(r map[string]any) int {
	n, _ := r["result"].(json.Number).Int64()
	return int(n)
}

func text(r map[string]any) string {
	for _, k := range []string{"subMsg", "error_msg"} {
		if s, ok := r[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

func (e *env) ok(method string, param any) map[string]any {
	e.t.Helper()
	r := e.call(method, param, nil)
	if result(r) != 1 {
		e.t.Fatalf("%s: %v", method, r)
	}
	d, _ := r["data"].(map[string]any)
	return d
}

func newItem() map[string]any {
	return map[string]any{"title": "纯棉圆领短袖T恤", "relItemId": "YS-TS-001", "categoryId": 1001, "imageUrls": []string{"https://img/1.jpg"},
		"skuList": []map[string]any{
			{"relSkuId": "YS-TS-001-WHT-M", "skuStock": 30, "skuSalePrice": 5990, "skuMarketPrice": 9900, "skuNick": "YS-TS-001-WHT-M",
				"skuProps": []map[string]any{{"propName": "颜色", "propValueName": "白色"}}},
			{"relSkuId": "YS-TS-001-BLK-M", "skuStock": 20, "skuSalePrice": 6990, "skuNick": "YS-TS-001-BLK-M"},
		}}
}

func TestGatewayChecks(t *testing.T) {
	e := setup(t, nil)
	cases := []struct {
		name   string
		mutate func(url.Values)
		code   int
		says   string
	}{
		{"wrong sign", func(f url.Values) { f.Set("sign", "AAAA") }, kuaishou.CodeSignInvalid, "签名校验失败"},
		{"param changed after signing", func(f url.Values) { f.Set("param", `{"kwaiItemId":2}`) }, kuaishou.CodeSignInvalid, "签名校验失败"},
		{"md5 claimed for an hmac sign", func(f url.Values) { f.Set("signMethod", kuaishou.SignMD5) }, kuaishou.CodeSignInvalid, "签名校验失败"},
		{"unknown sign method", func(f url.Values) { f.Set("signMethod", "SHA1") }, kuaishou.CodeSignInvalid, "signMethod"},
		{"wrong appkey", func(f url.Values) { f.Set("appkey", "ks999") }, kuaishou.CodeSignInvalid, "appkey"},
		{"old timestamp", func(f url.Values) {
			f.Set("timestamp", strconv.FormatInt(e.clk.Now().Add(-11*time.Minute).UnixMilli(), 10))
		}, kuaishou.CodeSignInvalid, "timestamp"},
		{"version 2", func(f url.Values) { f.Set("version", "2") }, kuaishou.CodeSignInvalid, "version"},
	}
	for _, c := range cases {
		r := e.call("open.item.get", map[string]any{"kwaiItemId": 1}, c.mutate)
		if result(r) != c.code || !strings.Contains(text(r), c.says) {
			t.Errorf("%s: %v", c.name, r)
		}
	}
	e.token = "nope"
	if r := e.call("open.item.get", map[string]any{"kwaiItemId": 1}, nil); result(r) != kuaishou.CodeTokenInvalid {
		t.Errorf("unknown token: %v", r)
	}
	e.token = ""
	if r := e.call("open.item.get", map[string]any{"kwaiItemId": 1}, func(f url.Values) { f.Set("method", "open.item.list.get") }); result(r) != kuaishou.CodeBadRequest {
		t.Errorf("method at another path: %v", r)
	}
	if e.sb.Calls("open.item.get") != 0 {
		t.Error("a refused call was counted")
	}
}

func TestRefreshRotation(t *testing.T) {
	e := setup(t, nil) // rt0 rotated at setup
	first := e.refresh("rt0")
	if first["result"] != float64(1) {
		t.Fatalf("reuse inside the grace: %v", first)
	}
	if granted, reused := e.sb.Refreshes(); granted != 2 || reused != 1 {
		t.Fatalf("granted %d reused %d", granted, reused)
	}
	e.clk.Advance(kuaishou.DefaultRefreshGrace)
	if r := e.refresh("rt0"); r["result"] != float64(kuaishou.OAuthAccessDenied) || r["error_msg"] != "refreshToken.discarded" {
		t.Fatalf("reuse after the grace: %v", r)
	}
	next := first["refresh_token"].(string)
	r := e.refresh(next)
	if r["result"] != float64(1) || r["expires_in"] != float64(172800) {
		t.Fatalf("fresh token: %v", r)
	}
	// The new refresh token inherits the old expiry.
	left := r["refresh_token_expires_in"].(float64)
	if want := (kuaishou.RefreshLifetime - kuaishou.DefaultRefreshGrace).Seconds(); left != want {
		t.Fatalf("refresh_token_expires_in %v, want %v", left, want)
	}
	if r := e.refresh("never-issued"); r["result"] != float64(kuaishou.OAuthAccessDenied) {
		t.Fatalf("unknown: %v", r)
	}
	// The old access token still works: old and new live side by side.
	if got := e.ok("open.item.list.get", map[string]any{}); got == nil {
		t.Fatal("old access token refused")
	}
}

func TestNoGraceDiscardsAtOnce(t *testing.T) {
	e := setup(t, func(c *kuaishou.Config) { c.RefreshGrace = -1 })
	if r := e.refresh("rt0"); r["error_msg"] != "refreshToken.discarded" {
		t.Fatalf("a used refresh token refreshed again: %v", r)
	}
}

func TestItems(t *testing.T) {
	e := setup(t, nil)
	id := e.ok("open.item.new", newItem())["kwaiItemId"].(json.Number)
	if r := e.call("open.item.new", newItem(), nil); result(r) != kuaishou.CodeConflict || !strings.Contains(text(r), "relItemId") {
		t.Fatalf("repeated relItemId: %v", r)
	}
	bad := newItem()
	bad["skuList"].([]map[string]any)[0]["skuMarketPrice"] = 59901 // more than 10×
	if r := e.call("open.item.new", func() map[string]any { b := bad; b["relItemId"] = "X"; return b }(), nil); result(r) != kuaishou.CodeBadRequest || !strings.Contains(text(r), "skuMarketPrice") {
		t.Fatalf("market price: %v", r)
	}
	got := e.ok("open.item.get", map[string]any{"kwaiItemId": id})
	skus := got["skuInfos"].([]any)
	white := skus[0].(map[string]any)["kwaiSkuId"].(json.Number)
	e.ok("open.item.sku.stock.update", map[string]any{"kwaiItemId": id, "skuId": white, "skuChangeStock": 5, "changeType": 2})
	if r := e.call("open.item.sku.stock.update", map[string]any{"kwaiItemId": id, "skuId": white, "skuChangeStock": 26, "changeType": 2}, nil); result(r) != kuaishou.CodeConflict {
		t.Fatalf("below zero: %v", r)
	}
	if r := e.call("open.item.autopass.edit", map[string]any{"kwaiItemId": id, "skuList": []any{map[string]any{"kwaiSkuId": white, "skuChangeStock": 5, "skuStockChangeType": 3}}}, nil); result(r) != kuaishou.CodeBadRequest {
		t.Fatalf("set stock in autopass: %v", r)
	}
	e.ok("open.item.autopass.edit", map[string]any{"kwaiItemId": id, "skuList": []any{map[string]any{"kwaiSkuId": white, "skuSalePrice": 5550, "skuChangeStock": 2, "skuStockChangeType": 1}}})
	edit := newItem()
	edit["kwaiItemId"] = id
	edit["title"] = "纯棉圆领短袖T恤 新款"
	edit["skuList"] = []map[string]any{{"relSkuId": "YS-TS-001-WHT-M", "skuStock": 999, "skuSalePrice": 5550, "skuNick": "W"},
		{"relSkuId": "YS-TS-001-RED-M", "skuStock": 4, "skuSalePrice": 5990, "skuNick": "R"}}
	e.ok("open.item.edit", edit)
	e.ok("open.item.shelf.status.update", map[string]any{"kwaiItemId": id, "shelfStatus": 0})
	items := e.sb.AdminItems()
	if len(items) != 1 || items[0].OnSale || len(items[0].SKUs) != 2 || items[0].SKUs[0].Stock != 27 || items[0].SKUs[0].PriceFen != 5550 ||
		items[0].SKUs[1].OuterID != "YS-TS-001-RED-M" || items[0].SKUs[1].Stock != 4 {
		t.Fatalf("items %+v", items)
	}
	list := e.ok("open.item.list.get", map[string]any{"relItemId": "YS-TS-001"})
	if list["totalCount"].(json.Number) != "1" {
		t.Fatalf("list by relItemId: %v", list)
	}
	if r := e.call("open.item.get", map[string]any{"kwaiItemId": 42}, nil); result(r) != kuaishou.CodeNotFound {
		t.Fatalf("unknown item: %v", r)
	}
}

func TestPlans(t *testing.T) {
	e := setup(t, nil)
	id := e.ok("open.item.new", newItem())["kwaiItemId"].(json.Number)
	create := func(rate any) map[string]any {
		return e.call("open.distribution.plan.create", map[string]any{"planCreateType": "ITEM_NORMAL",
			"normalPlanParam": map[string]any{"itemIds": []any{id}, "commissionRate": rate}}, nil)
	}
	for _, rate := range []any{12.5, 91, -1} {
		if r := create(rate); result(r) != kuaishou.CodeBadRequest || !strings.Contains(text(r), "commissionRate") {
			t.Errorf("rate %v: %v", rate, r)
		}
	}
	r := create(20)
	if result(r) != 1 {
		t.Fatal(r)
	}
	planID := r["data"].(map[string]any)["planId"].(json.Number)
	if r := create(30); result(r) != kuaishou.CodeConflict {
		t.Errorf("second plan: %v", r)
	}
	e.ok("open.distribution.plan.update", map[string]any{"planId": planID, "updateType": "UPDATE_NORMAL_COMMISSION",
		"updateNormalCommissionParam": map[string]any{"planId": planID, "commissionRate": 25}})
	e.ok("open.distribution.plan.update", map[string]any{"planId": planID, "updateType": "UPDATE_PLAN_STATUS",
		"updatePlanStatusParam": map[string]any{"planId": planID, "status": 3}})
	q := e.ok("open.distribution.plan.query", map[string]any{"itemId": id})["planList"].([]any)
	if len(q) != 1 || q[0].(map[string]any)["commissionRate"].(json.Number) != "25" || q[0].(map[string]any)["status"].(json.Number) != "3" {
		t.Fatalf("query %v", q)
	}
}

func TestThrottleTexts(t *testing.T) {
	e := setup(t, func(c *kuaishou.Config) { c.QPS = 1 })
	e.ok("open.item.list.get", map[string]any{})
	r := e.call("open.item.list.get", map[string]any{}, nil)
	if result(r) != kuaishou.CodeThrottled || !strings.HasPrefix(text(r), "Exceed qps limit, KEY [apiId:open.item.list.get;appkey:ks123], MAX_QPS [1.0]") {
		t.Fatalf("qps: %v", r)
	}
	for kind, want := range map[string]string{"quota": "Exceed quota limit, KEY [appkey:ks123]", "user_quota": "Exceed quota limit, KEY [appkey:ks123;primaryUserId:",
		"api_quota": "[1017] exceed quota limit,[apiId:open.item.get;"} {
		e.clk.Advance(time.Second)
		resp, _ := http.Post(e.srv.URL+"/_sandbox/faults", "application/json", strings.NewReader(`{"kind":"rate_limit","sub_code":"`+kind+`","count":1}`))
		resp.Body.Close()
		if r := e.call("open.item.get", map[string]any{"kwaiItemId": 1}, nil); !strings.HasPrefix(text(r), want) {
			t.Errorf("%s: %v", kind, r)
		}
	}
}

func TestDailyQuota(t *testing.T) {
	e := setup(t, func(c *kuaishou.Config) { c.DailyQuota = 2 })
	e.ok("open.item.list.get", map[string]any{})
	e.ok("open.item.list.get", map[string]any{})
	if r := e.call("open.item.list.get", map[string]any{}, nil); text(r) != "Exceed quota limit, KEY [appkey:ks123]" {
		t.Fatalf("over quota: %v", r)
	}
	e.clk.Advance(24 * time.Hour) // the quota resets with the GMT+8 day
	e.ok("open.item.list.get", map[string]any{})
}

func TestStateAcrossRestarts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ks.json")
	clk := &clock{t: time.Now()}
	c := cfg(clk)
	c.StateFile = path
	sb := kuaishou.New(c)
	srv := httptest.NewServer(sb)
	e := &env{t: t, sb: sb, srv: srv, clk: clk}
	r := e.refresh("rt0")
	e.token = r["access_token"].(string)
	e.ok("open.item.new", newItem())
	if _, err := sb.SellOrders(3, ""); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	clk.Advance(kuaishou.DefaultRefreshGrace)
	sb2 := kuaishou.New(c)
	defer sb2.Close()
	if sb2.OrderCount() != 3 || len(sb2.AdminItems()) != 1 {
		t.Fatalf("after restart: %d orders, %d items", sb2.OrderCount(), len(sb2.AdminItems()))
	}
	if sb2.RefreshTokenLive("rt0") {
		t.Fatal("the configured refresh token came back to life after it was rotated")
	}
	if !sb2.RefreshTokenLive(r["refresh_token"].(string)) {
		t.Fatal("the current refresh token was lost")
	}
}
