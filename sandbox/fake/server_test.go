package fake_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sbfake "github.com/syncctl/syncctl/sandbox/fake"
	"github.com/syncctl/syncctl/sandbox/kit"
)

const key = "fk_test_key"

type env struct {
	t   *testing.T
	sb  *sbfake.Server
	srv *httptest.Server
}

func newEnv(t *testing.T, cfg sbfake.Config) *env {
	t.Helper()
	cfg.APIKey = key
	sb := sbfake.New(cfg)
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { srv.Close(); _ = sb.Close() })
	return &env{t: t, sb: sb, srv: srv}
}

// answer is an envelope.
type answer struct {
	Code       int             `json:"code"`
	Message    string          `json:"message"`
	RetryAfter int             `json:"retry_after"`
	Data       json.RawMessage `json:"data"`
}

func (e *env) raw(method, body, auth string) *http.Response {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/api/"+method, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp
}

func (e *env) callAs(auth, method string, in any) answer {
	e.t.Helper()
	b, _ := json.Marshal(in)
	resp := e.raw(method, string(b), auth)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("%s: HTTP %d", method, resp.StatusCode)
	}
	var a answer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		e.t.Fatalf("%s: %v", method, err)
	}
	return a
}

func (e *env) call(method string, in any) answer { return e.callAs("Bearer "+key, method, in) }

// ok calls and decodes data into out, failing on an error envelope.
func (e *env) ok(method string, in, out any) {
	e.t.Helper()
	a := e.call(method, in)
	if a.Code != 0 {
		e.t.Fatalf("%s = %d %s", method, a.Code, a.Message)
	}
	if out != nil {
		if err := json.Unmarshal(a.Data, out); err != nil {
			e.t.Fatal(err)
		}
	}
}

func (e *env) refused(method string, in any, code int, field string) {
	e.t.Helper()
	a := e.call(method, in)
	if a.Code != code || !strings.HasPrefix(a.Message, field) {
		e.t.Fatalf("%s %v = %d %q, want %d naming %s", method, in, a.Code, a.Message, code, field)
	}
}

type itemOut struct {
	Item struct {
		ItemID       string `json:"item_id"`
		Status       string `json:"status"`
		RejectReason string `json:"reject_reason"`
		SKUs         []struct {
			SKUID    string `json:"sku_id"`
			OuterID  string `json:"outer_id"`
			PriceFen int64  `json:"price_fen"`
			Stock    int    `json:"stock"`
		} `json:"skus"`
	} `json:"item"`
}

func product(code string, stocks ...int) map[string]any {
	var skus []map[string]any
	for i, n := range stocks {
		skus = append(skus, map[string]any{"outer_id": code + "-" + string(rune('0'+i)), "price_fen": 5990, "stock": n})
	}
	return map[string]any{"outer_id": code, "title": "商品 " + code + " 纯棉", "skus": skus}
}

func (e *env) create(code string, stocks ...int) itemOut {
	e.t.Helper()
	var it itemOut
	e.ok("product.upsert", product(code, stocks...), &it)
	return it
}

func TestAuthorizationIsChecked(t *testing.T) {
	e := newEnv(t, sbfake.Config{})
	for _, auth := range []string{"", "Bearer ", "Bearer wrong", key} {
		if a := e.callAs(auth, "product.get", map[string]string{"item_id": "1"}); a.Code != sbfake.CodeUnauthorized {
			t.Errorf("Authorization %q = %d %s", auth, a.Code, a.Message)
		}
	}
	if a := e.call("product.delete", map[string]string{}); a.Code != sbfake.CodeUnknownMethod {
		t.Errorf("unknown method = %d", a.Code)
	}
	if n := e.sb.Calls()["product.get"]; n != 0 {
		t.Errorf("unauthenticated calls counted: %d", n)
	}
}

func TestParametersAreCheckedAndNamed(t *testing.T) {
	e := newEnv(t, sbfake.Config{})
	short := product("P1", 1)
	short["title"] = "T恤"
	e.refused("product.upsert", short, sbfake.CodeInvalidParam, "title")
	typo := product("P1", 1)
	typo["titel"] = "x"
	e.refused("product.upsert", typo, sbfake.CodeInvalidParam, "titel")
	yuan := product("P1", 1)
	yuan["skus"].([]map[string]any)[0]["price_fen"] = 59.9
	e.refused("product.upsert", yuan, sbfake.CodeInvalidParam, "skus.price_fen")
	dup := product("P1", 1, 1)
	dup["skus"].([]map[string]any)[1]["outer_id"] = "P1-0"
	e.refused("product.upsert", dup, sbfake.CodeInvalidParam, "skus[1].outer_id")
	e.refused("product.get", map[string]string{"item_id": "1"}, sbfake.CodeNotFound, "item_id")
	e.refused("product.get", map[string]string{}, sbfake.CodeInvalidParam, "item_id")
	if items := e.sb.AdminItems(); len(items) != 0 {
		t.Fatalf("refused calls made items: %+v", items)
	}
}

func TestReviewDecidesAfterTheConfiguredChecks(t *testing.T) {
	e := newEnv(t, sbfake.Config{})
	e.sb.SetReview(1, map[string]string{"P2": "主图含违规文字"})
	p1, p2 := e.create("P1", 5), e.create("P2", 5)
	if p1.Item.Status != "reviewing" || len(p1.Item.ItemID) != 19 {
		t.Fatalf("new item = %+v", p1.Item)
	}
	status := func(id string) (string, string) {
		var r struct {
			Status string `json:"status"`
			Reason string `json:"reject_reason"`
		}
		e.ok("product.review_status", map[string]string{"item_id": id}, &r)
		return r.Status, r.Reason
	}
	if s, _ := status(p1.Item.ItemID); s != "reviewing" {
		t.Fatalf("first check = %s, want still reviewing", s)
	}
	if s, _ := status(p1.Item.ItemID); s != "on_shelf" {
		t.Fatalf("second check = %s, want on_shelf", s)
	}
	status(p2.Item.ItemID)
	if s, r := status(p2.Item.ItemID); s != "rejected" || r != "主图含违规文字" {
		t.Fatalf("P2 = %s %q", s, r)
	}
	e.refused("product.listing", map[string]any{"item_id": p2.Item.ItemID, "listed": true}, sbfake.CodeConflict, "item "+p2.Item.ItemID)
	// Buyers cannot buy what is not on the shelf.
	if _, err := e.sb.Sell("P2-0", 1); err == nil {
		t.Fatal("sold a rejected item")
	}
	// An edit goes back into review, keeping the SKU ids.
	var again itemOut
	up := product("P1", 5)
	up["item_id"] = p1.Item.ItemID
	e.ok("product.upsert", up, &again)
	if again.Item.Status != "reviewing" || again.Item.SKUs[0].SKUID != p1.Item.SKUs[0].SKUID {
		t.Fatalf("edited item = %+v, was %+v", again.Item, p1.Item)
	}
}

func TestStockTakesDeltasOnlyAndSalesLowerIt(t *testing.T) {
	e := newEnv(t, sbfake.Config{})
	it := e.create("P1", 10, 3)
	id, k0 := it.Item.ItemID, it.Item.SKUs[0].SKUID
	e.call("product.review_status", map[string]string{"item_id": id}) // approved: on the shelf
	if _, err := e.sb.Sell("P1-0", 3); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sb.Sell("P1-1", 4); err == nil {
		t.Fatal("sold 4 of a SKU with 3")
	}
	e.refused("sku.stock.delta", map[string]any{"item_id": id, "sku_id": k0, "delta": -8}, sbfake.CodeInvalidParam, "delta")
	e.refused("sku.stock.delta", map[string]any{"item_id": id, "sku_id": k0, "delta": 0}, sbfake.CodeInvalidParam, "delta")
	e.refused("sku.stock.delta", map[string]any{"item_id": id, "sku_id": "9", "delta": 1}, sbfake.CodeNotFound, "sku_id")
	var r struct {
		Stock int `json:"stock"`
	}
	e.ok("sku.stock.delta", map[string]any{"item_id": id, "sku_id": k0, "delta": 1}, &r)
	if r.Stock != 8 {
		t.Fatalf("stock after the sale of 3 and +1 = %d, want 8", r.Stock)
	}
	w := e.sb.StockWrites()
	if len(w) != 1 || w[0].SKUOuterID != "P1-0" || w[0].Delta != 1 || w[0].After != 8 {
		t.Fatalf("stock writes = %+v", w)
	}
	// An update leaves the stock of existing SKUs alone and sets new ones'.
	up := product("P1", 99, 99, 4)
	up["item_id"] = id
	var after itemOut
	e.ok("product.upsert", up, &after)
	if s := after.Item.SKUs; s[0].Stock != 8 || s[1].Stock != 3 || s[2].Stock != 4 {
		t.Fatalf("stock after an update = %+v", s)
	}
}

type listOut struct {
	Orders     []map[string]any `json:"orders"`
	HasMore    bool             `json:"has_more"`
	NextCursor string           `json:"next_cursor"`
}

func order(id string, modified time.Time) sbfake.Order {
	return sbfake.Order{ID: id, Status: sbfake.OrderPaid, Created: modified, Modified: modified,
		Lines: []sbfake.Line{{SKUOuterID: "A-0", Title: "商品", Quantity: 2, UnitPriceFen: 5990}}}
}

func TestOrderListPagesWithACursorWithinTheWindowCap(t *testing.T) {
	e := newEnv(t, sbfake.Config{})
	e.sb.SetOrderLimits(2*time.Hour, 2)
	now := time.Now().Truncate(time.Second)
	for i, ago := range []int{90, 60, 60, 30, 10} {
		if err := e.sb.AddOrder(order("300000000000000000"+string(rune('1'+i)), now.Add(-time.Duration(ago)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	from, to := now.Add(-2*time.Hour).Unix(), now.Unix()
	e.refused("order.list", map[string]any{"start_time": from - 1, "end_time": to}, sbfake.CodeInvalidParam, "end_time")
	e.refused("order.list", map[string]any{"start_time": from, "end_time": to, "page_size": 3}, sbfake.CodeInvalidParam, "page_size")
	e.refused("order.list", map[string]any{"start_time": from, "end_time": to, "cursor": "bm9wZQ"}, sbfake.CodeInvalidParam, "cursor")
	var ids []string
	cursor := ""
	for page := 0; ; page++ {
		var l listOut
		e.ok("order.list", map[string]any{"start_time": from, "end_time": to, "cursor": cursor}, &l)
		if len(l.Orders) > 2 {
			t.Fatalf("page of %d", len(l.Orders))
		}
		for _, o := range l.Orders {
			ids = append(ids, o["order_id"].(string))
		}
		if page == 0 {
			// An order modified while we page leaves the window; the
			// cursor is not shifted by it.
			o, _ := e.sb.GetOrder(ids[0])
			o.Modified = now.Add(time.Minute)
			must(t, e.sb.AddOrder(o))
		}
		if !l.HasMore {
			break
		}
		cursor = l.NextCursor
	}
	if strings.Join(ids, ",") != "3000000000000000001,3000000000000000002,3000000000000000003,3000000000000000004,3000000000000000005" {
		t.Fatalf("orders walked = %v", ids)
	}
}

func TestOrdersOnTheWire(t *testing.T) {
	e := newEnv(t, sbfake.Config{})
	now := time.Now().Truncate(time.Second)
	broken := order("3000000000000000009", now.Add(-time.Minute))
	broken.Broken = "amounts.paid_fen"
	must(t, e.sb.AddOrder(broken))
	var g struct {
		Order map[string]any `json:"order"`
	}
	e.ok("order.get", map[string]string{"order_id": "3000000000000000009"}, &g)
	am := g.Order["amounts"].(map[string]any)
	if am["paid_fen"] != "12.3.4" || am["goods_fen"] != float64(11980) || g.Order["update_time"] != float64(now.Add(-time.Minute).Unix()) {
		t.Fatalf("broken order = %v", g.Order)
	}
	line := g.Order["lines"].([]any)[0].(map[string]any)
	if line["line_id"] != "300000000000000000901" {
		t.Fatalf("line = %v", line)
	}
	// Shipping: whole lines only, once.
	e.refused("order.ship", map[string]any{"order_id": "3000000000000000009", "carrier": "SF", "tracking_no": "SF1",
		"lines": []map[string]any{{"line_id": "300000000000000000901", "quantity": 1}}}, sbfake.CodeInvalidParam, "lines[0].quantity")
	e.ok("order.ship", map[string]any{"order_id": "3000000000000000009", "carrier": "SF", "tracking_no": "SF1"}, nil)
	e.refused("order.ship", map[string]any{"order_id": "3000000000000000009", "carrier": "SF", "tracking_no": "SF1"}, sbfake.CodeConflict, "order 3000000000000000009")
	o, _ := e.sb.GetOrder("3000000000000000009")
	if o.Status != sbfake.OrderShipped || !o.Modified.After(now.Add(-time.Minute)) {
		t.Fatalf("shipped order = %+v", o)
	}
}

func TestQuotaAnswersTheThrottleCodeWithTheWait(t *testing.T) {
	e := newEnv(t, sbfake.Config{QPS: 1})
	e.call("product.get", map[string]string{"item_id": "1"})
	a := e.call("product.get", map[string]string{"item_id": "1"})
	if a.Code != sbfake.CodeThrottled || a.RetryAfter < 1 {
		t.Fatalf("over the quota = %+v", a)
	}
}

func TestFaults(t *testing.T) {
	e := newEnv(t, sbfake.Config{})
	admin := kit.AdminClient{BaseURL: e.srv.URL}
	ctx := context.Background()
	must(t, admin.AddFault(ctx, kit.Fault{Kind: kit.FaultError, Method: "product.get", Code: 50301, Msg: "busy", Count: 1}))
	// An unauthenticated call does not use the fault up.
	if a := e.callAs("Bearer nope", "product.get", map[string]string{"item_id": "1"}); a.Code != sbfake.CodeUnauthorized {
		t.Fatalf("unauthenticated = %d", a.Code)
	}
	if a := e.call("product.get", map[string]string{"item_id": "1"}); a.Code != 50301 || a.Message != "busy" {
		t.Fatalf("error fault = %+v", a)
	}
	if a := e.call("product.get", map[string]string{"item_id": "1"}); a.Code != sbfake.CodeNotFound {
		t.Fatalf("after the fault = %+v", a)
	}
	must(t, admin.AddFault(ctx, kit.Fault{Kind: kit.FaultRateLimit, BanSeconds: 7, Count: 1}))
	if a := e.call("product.get", map[string]string{"item_id": "1"}); a.Code != sbfake.CodeThrottled || a.RetryAfter != 7 {
		t.Fatalf("rate limit fault = %+v", a)
	}
	must(t, admin.AddFault(ctx, kit.Fault{Kind: kit.FaultOutage, BanSeconds: 3, Count: 1}))
	resp := e.raw("product.get", `{"item_id":"1"}`, "Bearer "+key)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "3" {
		t.Fatalf("outage = %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	must(t, admin.AddFault(ctx, kit.Fault{Kind: kit.FaultMalformed, Count: 1}))
	resp = e.raw("product.get", `{"item_id":"1"}`, "Bearer "+key)
	var v any
	if err := json.NewDecoder(resp.Body).Decode(&v); err == nil {
		t.Fatal("malformed fault answered valid JSON")
	}
	resp.Body.Close()
	st, err := admin.Stats(ctx)
	must(t, err)
	if st.Faults != 4 || st.Rejected["50301"] != 1 || st.Rejected["42901"] != 1 || st.Rejected["HTTP 503"] != 1 || st.Rejected["malformed"] != 1 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestAdminAPISellsCancelsAndRefunds(t *testing.T) {
	e := newEnv(t, sbfake.Config{Seed: 7})
	it := e.create("P1", 4)
	e.call("product.review_status", map[string]string{"item_id": it.Item.ItemID})
	admin := kit.AdminClient{BaseURL: e.srv.URL}
	ctx := context.Background()
	ids, err := admin.SellOrders(ctx, 2, "")
	must(t, err)
	sold := 0
	for _, id := range ids {
		o, _ := e.sb.GetOrder(id)
		if o.Status != sbfake.OrderPaid || o.Lines[0].SKUOuterID != "P1-0" {
			t.Fatalf("sold order = %+v", o)
		}
		sold += o.Lines[0].Quantity
	}
	items, err := admin.Items(ctx)
	must(t, err)
	if len(items) != 1 || items[0].SKUs[0].Stock != 4-sold || !items[0].OnSale {
		t.Fatalf("items after selling %d = %+v", sold, items)
	}
	if _, err := admin.SellOrders(ctx, 10, ""); err == nil {
		t.Fatal("sold more than the stock")
	}
	must(t, admin.CancelOrder(ctx, ids[0]))
	if err := admin.CancelOrder(ctx, ids[0]); err == nil {
		t.Fatal("cancelled a cancelled order")
	}
	must(t, admin.RefundOrder(ctx, ids[0]))
	if err := admin.RefundOrder(ctx, ids[0]); err == nil {
		t.Fatal("refunded twice")
	}
	if err := admin.CancelOrder(ctx, "1"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("unknown order = %v", err)
	}
	o, _ := e.sb.GetOrder(ids[0])
	if o.Status != sbfake.OrderCancelled || !o.Lines[0].Refunded {
		t.Fatalf("refunded order = %+v", o)
	}
	must(t, admin.Reset(ctx))
	if len(e.sb.AdminItems()) != 0 || len(e.sb.Calls()) != 0 {
		t.Fatal("reset kept the shop")
	}
}

func TestStateFileKeepsTheShop(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fake.json")
	sb := sbfake.New(sbfake.Config{APIKey: key, StateFile: path})
	srv := httptest.NewServer(sb)
	e := &env{t: t, sb: sb, srv: srv}
	it := e.create("P1", 4)
	must(t, sb.AddOrder(order("3000000000000000001", time.Now())))
	srv.Close()
	must(t, sb.Close())

	again := newEnv(t, sbfake.Config{StateFile: path})
	var got itemOut
	again.ok("product.get", map[string]string{"outer_id": "P1"}, &got)
	if got.Item.ItemID != it.Item.ItemID || got.Item.SKUs[0].Stock != 4 {
		t.Fatalf("after a restart: %+v, was %+v", got.Item, it.Item)
	}
	if _, ok := again.sb.GetOrder("3000000000000000001"); !ok {
		t.Fatal("the order was lost")
	}
	if next := again.create("P2", 1); next.Item.ItemID <= it.Item.ItemID {
		t.Fatalf("ids repeat after a restart: %s after %s", next.Item.ItemID, it.Item.ItemID)
	}
}

func TestPlatformDeclaration(t *testing.T) {
	creds := sbfake.Platform.NewCredentials()
	if !strings.HasPrefix(creds["api_key"], "fk_") {
		t.Fatalf("credentials = %v", creds)
	}
	sb, err := sbfake.Platform.Open(kit.Config{Credentials: creds})
	must(t, err)
	srv := httptest.NewServer(sb)
	defer func() { srv.Close(); _ = sb.Close() }()
	setup := sbfake.Platform.Shop(srv.URL)
	req, _ := http.NewRequest(http.MethodPost, setup.Gateway+"/product.get", bytes.NewReader([]byte(`{"outer_id":"X"}`)))
	req.Header.Set("Authorization", "Bearer "+creds["api_key"])
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	var a answer
	must(t, json.NewDecoder(resp.Body).Decode(&a))
	if a.Code != sbfake.CodeNotFound {
		t.Fatalf("through the declared gateway = %+v", a)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
