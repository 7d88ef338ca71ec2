package vipshop_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
	"github.com/syncctl/syncctl/sandbox/vipshop"
)

// The computed vectors of channels.md §4a, checked with the sandbox's own
// signature code.
func TestSignVectors(t *testing.T) {
	sys := func(service, method string) map[string]string {
		return map[string]string{"service": service, "method": method, "version": "1.0.0", "timestamp": "1700000000", "format": "json", "appKey": "test_key"}
	}
	withToken := sys("vipapis.marketplace.delivery.SovDeliveryService", "getOrders")
	withToken["accessToken"] = "test_token"
	cases := []struct {
		params     map[string]string
		body, want string
	}{
		{sys("vipapis.marketplace.delivery.SovDeliveryService", "getOrders"), `{"request":{"page":1,"limit":50}}`, "C427D2864DFFEDEA63B7F3D5FA8AC1B2"},
		{withToken, `{"request":{"page":1,"limit":50}}`, "45228F46C86137FC311D5129D454A0CE"},
		{sys("vipapis.inventory.InventoryService", "healthCheck"), `{}`, "4DA9F0E822C45DFBCEE7D31917A0CCA9"},
	}
	for i, c := range cases {
		if got := vipshop.Sign("test_secret", c.params, []byte(c.body)); got != c.want {
			t.Errorf("vector %c: %s, want %s", 'A'+i, got, c.want)
		}
	}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type env struct {
	t     *testing.T
	sb    *vipshop.Server
	url   string
	clk   *clock
	token string
}

const (
	appKey   = "k1"
	secret   = "s3cret"
	refresh0 = "r0"
)

func start(t *testing.T, edit func(*vipshop.Config)) *env {
	t.Helper()
	clk := &clock{t: time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)}
	cfg := vipshop.Config{AppKey: appKey, AppSecret: secret, RefreshToken: refresh0, Seed: 3, Now: clk.Now}
	if edit != nil {
		edit(&cfg)
	}
	sb := vipshop.New(cfg)
	ts := httptest.NewServer(sb)
	t.Cleanup(func() { ts.Close(); _ = sb.Close() })
	return &env{t: t, sb: sb, url: ts.URL, clk: clk}
}

// raw sends a signed call; sign "" signs it correctly.
func (e *env) raw(service, method, body, token, sign string, edit func(url.Values)) map[string]any {
	e.t.Helper()
	p := map[string]string{"service": service, "method": method, "version": "1.0.0", "format": "json", "appKey": appKey,
		"timestamp": strconv.FormatInt(e.clk.Now().Unix(), 10)}
	if token != "" {
		p["accessToken"] = token
	}
	q := url.Values{}
	for k, v := range p {
		q.Set(k, v)
	}
	if sign == "" {
		sign = vipshop.Sign(secret, p, []byte(body))
	}
	q.Set("sign", sign)
	if edit != nil {
		edit(q)
	}
	resp, err := http.Post(e.url+"/?"+q.Encode(), "application/json;charset=utf-8", bytes.NewReader([]byte(body)))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("HTTP %d", resp.StatusCode)
	}
	var out map[string]any
	d := json.NewDecoder(resp.Body)
	d.UseNumber()
	if err := d.Decode(&out); err != nil {
		e.t.Fatal(err)
	}
	return out
}

const (
	svcProduct  = "vipapis.marketplace.product.ProductService"
	svcDelivery = "vipapis.marketplace.delivery.SovDeliveryService"
	svcOauth    = "vipapis.oauth.OauthService"
)

func (e *env) refresh(tok string) map[string]any {
	e.t.Helper()
	b, _ := json.Marshal(map[string]any{"request": map[string]string{"refresh_token": tok, "client_id": appKey, "client_secret": secret, "request_client_ip": "10.0.0.1"}})
	return e.raw(svcOauth, "refreshToken", string(b), "", "", nil)
}

// login refreshes with the authorization's refresh token.
func (e *env) login() {
	e.t.Helper()
	out := e.refresh(refresh0)
	r, _ := out["result"].(map[string]any)
	if out["returnCode"] != "0" || r == nil {
		e.t.Fatalf("refresh: %v", out)
	}
	e.token = r["access_token"].(string)
}

func (e *env) call(service, method, body string) map[string]any {
	e.t.Helper()
	return e.raw(service, method, body, e.token, "", nil)
}

func (e *env) ok(service, method, body string) any {
	e.t.Helper()
	out := e.call(service, method, body)
	if out["returnCode"] != "0" {
		e.t.Fatalf("%s: %v", method, out)
	}
	return out["result"]
}

func code(out map[string]any) string { s, _ := out["returnCode"].(string); return s }

func TestGatewayChecks(t *testing.T) {
	e := start(t, nil)
	e.login()
	orders := `{"request":{"query_start_time":"2026-12-01 09:00:00","query_end_time":"2026-12-01 10:00:00","page":1,"limit":50}}`
	if out := e.call(svcDelivery, "getOrders", orders); code(out) != "0" {
		t.Fatalf("a good call: %v", out)
	}
	cases := []struct {
		name string
		out  map[string]any
		want string
	}{
		{"bad sign", e.raw(svcDelivery, "getOrders", orders, e.token, "0123456789ABCDEF0123456789ABCDEF", nil), vipshop.CodeSignMismatch},
		{"body changed after signing", e.raw(svcDelivery, "getOrders", orders, e.token, vipshop.Sign(secret, map[string]string{}, nil), nil), vipshop.CodeSignMismatch},
		{"no token", e.raw(svcDelivery, "getOrders", orders, "", "", nil), vipshop.CodeTokenInvalid},
		{"unknown token", e.raw(svcDelivery, "getOrders", orders, "nope", "", nil), vipshop.CodeTokenInvalid},
		{"no sign", e.raw(svcDelivery, "getOrders", orders, e.token, "", func(q url.Values) { q.Del("sign") }), vipshop.CodeMissParam},
		{"unknown app", e.raw(svcDelivery, "getOrders", orders, e.token, "", func(q url.Values) { q.Set("appKey", "other") }), vipshop.CodeAppKeyUnknown},
		{"format JSON", e.raw(svcDelivery, "getOrders", orders, e.token, "", func(q url.Values) { q.Set("format", "JSON") }), vipshop.CodeParamMismatch},
		{"timestamp in ms", e.raw(svcDelivery, "getOrders", orders, e.token, "", func(q url.Values) {
			q.Set("timestamp", strconv.FormatInt(e.clk.Now().UnixMilli(), 10))
		}), vipshop.CodeParamMismatch},
		{"unknown method", e.raw(svcDelivery, "getEverything", `{}`, e.token, "", nil), vipshop.CodeNoPermission},
		{"window over 24 h", e.call(svcDelivery, "getOrders", `{"request":{"query_start_time":"2026-11-29 09:00:00","query_end_time":"2026-12-01 10:00:00"}}`), vipshop.CodeParamMismatch},
		{"older than 3 months", e.call(svcDelivery, "getOrders", `{"request":{"query_start_time":"2026-08-01 09:00:00","query_end_time":"2026-08-01 10:00:00"}}`), vipshop.CodeParamMismatch},
		{"limit 201", e.call(svcDelivery, "getOrders", `{"request":{"query_start_time":"2026-12-01 09:00:00","query_end_time":"2026-12-01 10:00:00","limit":201}}`), vipshop.CodeParamMismatch},
	}
	for _, c := range cases {
		if got := code(c.out); got != c.want {
			t.Errorf("%s: %s (%v), want %s", c.name, got, c.out["returnMessage"], c.want)
		}
	}
	e.clk.Advance(vipshop.TokenLifetime)
	if out := e.call(svcDelivery, "getOrders", orders); code(out) != vipshop.CodeTokenInvalid {
		t.Errorf("expired token: %v", out)
	}
}

func TestRefreshRotates(t *testing.T) {
	e := start(t, nil)
	first := e.refresh(refresh0)["result"].(map[string]any)
	if n, _ := first["expires_in"].(json.Number).Int64(); n != int64(vipshop.TokenLifetime.Seconds()) {
		t.Errorf("expires_in %v", first["expires_in"])
	}
	if out := e.refresh(refresh0); code(out) != vipshop.CodeTokenInvalid {
		t.Errorf("a used refresh token: %v", out)
	}
	next := e.refresh(first["refresh_token"].(string))
	if code(next) != "0" {
		t.Errorf("the new refresh token: %v", next)
	}
	bad, _ := json.Marshal(map[string]any{"request": map[string]string{"refresh_token": "x", "client_id": appKey, "client_secret": "wrong"}})
	if out := e.raw(svcOauth, "refreshToken", string(bad), "", "", nil); code(out) != vipshop.CodeTokenInvalid {
		t.Errorf("wrong client_secret: %v", out)
	}
}

const addBody = `{"request":{"outer_spu_id":"YS-TS-001","title":"纯棉圆领短袖T恤","third_category_id":8412,"brand_id":10001,
"images":[{"url":"https://img/1.jpg","index":1}],
"skus":[{"outer_sku_id":"YS-TS-001-WHT-M","market_price":739.00,"sell_price":259.00,"simple_sale_props":[{"pid":134,"alias":"白色"}]}]}}`

func TestMoneyIsAnExactNumber(t *testing.T) {
	e := start(t, nil)
	e.login()
	for _, bad := range []string{`"259.00"`, `259.001`, `2.59e2`, `-1`} {
		b := bytes.Replace([]byte(addBody), []byte(`"sell_price":259.00`), []byte(`"sell_price":`+bad), 1)
		if out := e.call(svcProduct, "addProduct", string(b)); code(out) != vipshop.CodeParamMismatch {
			t.Errorf("sell_price %s: %v", bad, out)
		}
	}
	r := e.ok(svcProduct, "addProduct", addBody).(map[string]any)
	if r["spu_id"] == "" || len(r["success_skus"].([]any)) != 1 {
		t.Fatalf("add: %v", r)
	}
	if out := e.call(svcProduct, "addProduct", addBody); code(out) != vipshop.CodeStateConflict {
		t.Errorf("outer_spu_id twice: %v", out)
	}
	items, _ := kit.AdminClient{BaseURL: e.url}.Items(context.Background())
	if len(items) != 1 || items[0].SKUs[0].PriceFen != 25900 {
		t.Errorf("items %+v", items)
	}
}

func TestReviewStateMachine(t *testing.T) {
	e := start(t, func(c *vipshop.Config) { c.ReviewDelay = 10 * time.Minute })
	e.login()
	spu := e.ok(svcProduct, "addProduct", addBody).(map[string]any)["spu_id"].(string)
	status := func() map[string]any {
		r := e.ok(svcProduct, "getProducts", `{"request":{"spu_id":"`+spu+`","page":1,"limit":1}}`).(map[string]any)
		return r["products"].([]any)[0].(map[string]any)
	}
	shelf := `{"onShelfProduct":{"spu_ids":["` + spu + `"]}}`
	if p := status(); p["audit_status"] != "11" || p["shelf_status"] != "0" {
		t.Fatalf("draft: %v", p)
	}
	e.ok(svcProduct, "submitProducts", `{"spu_ids":["`+spu+`"]}`)
	if p := status(); p["audit_status"] != "12" {
		t.Fatalf("submitted: %v", p)
	}
	if out := e.call(svcProduct, "onShelf", shelf); code(out) != vipshop.CodeStateConflict {
		t.Errorf("on shelf in review: %v", out)
	}
	e.clk.Advance(10 * time.Minute)
	if p := status(); p["audit_status"] != "13" {
		t.Fatalf("after the delay: %v", p)
	}
	e.ok(svcProduct, "onShelf", shelf)
	if p := status(); p["shelf_status"] != "1" {
		t.Fatalf("on shelf: %v", p)
	}
	// Every review fails at reject rate 1, with a reason.
	e.sb.SetRejectRate(1)
	e.ok(svcProduct, "editProduct", `{"request":{"spuid":"`+spu+`","title":"纯棉圆领短袖T恤 新款"}}`)
	e.ok(svcProduct, "submitProducts", `{"spu_ids":["`+spu+`"]}`)
	e.clk.Advance(10 * time.Minute)
	if p := status(); p["audit_status"] != "14" || p["audit_remark"] == "" || p["shelf_status"] != "1" {
		t.Errorf("rejected: %v", p)
	}
}

func TestStock(t *testing.T) {
	e := start(t, nil)
	e.login()
	e.ok(svcProduct, "addProduct", addBody)
	skuID := e.sb.AdminItems()[0].SKUs[0].SKUID
	if err := e.sb.SetCartHold("YS-TS-001-WHT-M", 5); err != nil {
		t.Fatal(err)
	}
	r := e.ok("vipapis.marketplace.inventory.InventoryService", "updateSkuStock", `{"updateSkuStockRequest":{"sku_id":"`+skuID+`","quantity":3}}`).(map[string]any)
	if r["success"] != true || r["over_sell_quantity"].(json.Number).String() != "2" {
		t.Errorf("below the holds: %v", r)
	}
	e.ok("vipapis.marketplace.inventory.InventoryService", "updateSkuStock", `{"updateSkuStockRequest":{"sku_id":"`+skuID+`","quantity":12}}`)
	if n, _ := e.sb.Stock("YS-TS-001-WHT-M"); n != 7 {
		t.Errorf("sellable %d, want 12 − 5 held", n)
	}
}

func TestThrottle(t *testing.T) {
	e := start(t, func(c *vipshop.Config) { c.QPS = 1 })
	e.login()
	e.clk.Advance(time.Second)
	body := `{"request":{"query_start_time":"2026-12-01 09:00:00","query_end_time":"2026-12-01 10:00:00"}}`
	e.ok(svcDelivery, "getOrders", body)
	if out := e.call(svcDelivery, "getOrders", body); code(out) != vipshop.CodeFlowOverrun {
		t.Errorf("over the QPS: %v", out)
	}
	e.clk.Advance(time.Second)
	if out := e.call(svcDelivery, "getOrders", body); code(out) != "0" {
		t.Errorf("a second later: %v", out)
	}
	if err := e.sb.AddFault(kit.Fault{Kind: kit.FaultRateLimit, Ratio: 1, Count: 1}); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Second)
	if out := e.call(svcDelivery, "getOrders", body); code(out) != vipshop.CodeFlowOverrun {
		t.Errorf("injected throttle: %v", out)
	}
}

func TestStateAcrossRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vipshop.json")
	clk := &clock{t: time.Now()}
	cfg := vipshop.Config{AppKey: appKey, AppSecret: secret, RefreshToken: refresh0, Now: clk.Now, StateFile: path, ReviewDelay: time.Nanosecond}
	sb := vipshop.New(cfg)
	ts := httptest.NewServer(sb)
	e := &env{t: t, sb: sb, url: ts.URL, clk: clk}
	e.login()
	spu := e.ok(svcProduct, "addProduct", addBody).(map[string]any)["spu_id"].(string)
	e.ok(svcProduct, "submitProducts", `{"spu_ids":["`+spu+`"]}`)
	clk.Advance(time.Second)
	e.ok(svcProduct, "onShelf", `{"onShelfProduct":{"spu_ids":["`+spu+`"]}}`)
	skuID := sb.AdminItems()[0].SKUs[0].SKUID
	e.ok("vipapis.marketplace.inventory.InventoryService", "updateSkuStock", `{"updateSkuStockRequest":{"sku_id":"`+skuID+`","quantity":3}}`)
	ids, err := sb.SellOrders(1, "")
	if err != nil {
		t.Fatal(err)
	}
	ts.Close()
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	sb2 := vipshop.New(cfg)
	ts2 := httptest.NewServer(sb2)
	t.Cleanup(func() { ts2.Close(); _ = sb2.Close() })
	e2 := &env{t: t, sb: sb2, url: ts2.URL, clk: clk, token: e.token}
	r := e2.ok(svcDelivery, "getOrderDetail", `{"order_ids":["`+ids[0]+`"]}`).([]any)
	if len(r) != 1 {
		t.Fatalf("the order and the token did not survive: %v", r)
	}
	if out := e2.refresh(refresh0); code(out) != vipshop.CodeTokenInvalid {
		t.Errorf("the used authorization refresh token came back after a restart: %v", out)
	}
	if items := sb2.AdminItems(); len(items) != 1 || !items[0].OnSale {
		t.Errorf("items %+v", items)
	}
}

// The sandbox opens through its declaration and answers the common admin
// API; its generator sells and cancels.
func TestPlatformAdminAndGenerator(t *testing.T) {
	creds := vipshop.Platform.NewCredentials()
	sb, err := vipshop.Platform.Open(kit.Config{Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	defer func() { srv.Close(); _ = sb.Close() }()
	if s := vipshop.Platform.Shop(srv.URL); s.Gateway != srv.URL || s.Options["third_category_id"] == "" {
		t.Errorf("shop %+v", s)
	}
	admin := kit.AdminClient{BaseURL: srv.URL}
	ctx := context.Background()
	if _, err := admin.SellOrders(ctx, 1, ""); err == nil {
		t.Error("sold without a product on shelf")
	}
	gen := vipshop.New(vipshop.Config{AppKey: "a", AppSecret: "b", OrdersPerMinute: 6000, CancelRate: 1, Seed: 1})
	defer func() { _ = gen.Close() }()
	gen.SetReviewDelay(0)
	gsrv := httptest.NewServer(gen)
	defer gsrv.Close()
	if err := gen.SeedProduct("YS-TS-001", "YS-TS-001-WHT-M", 25900, 100); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if gen.CountOrders("97") > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if gen.CountOrders("97") == 0 {
		t.Error("the generator cancelled nothing at cancel rate 1")
	}
	gadmin := kit.AdminClient{BaseURL: gsrv.URL}
	ids, err := gadmin.SellOrders(ctx, 2, "YS-TS-001-WHT-M")
	if err != nil || len(ids) != 2 {
		t.Fatalf("sell %v %v", ids, err)
	}
	if err := gadmin.RefundOrder(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	if err := gadmin.CancelOrder(ctx, ids[0]); err == nil {
		t.Error("cancelled a refunded order")
	}
	if err := gadmin.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if items, _ := gadmin.Items(ctx); len(items) != 0 {
		t.Errorf("after reset: %+v", items)
	}
}
