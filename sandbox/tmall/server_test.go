package tmall_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/sandbox/tmall"
)

func TestSignVectors(t *testing.T) {
	p := map[string]string{"app_key": "12345678", "fields": "num_iid,title,nick,price,num", "format": "json",
		"method": "taobao.item.seller.get", "num_iid": "11223344", "session": "test", "sign_method": "md5",
		"timestamp": "2016-01-01 12:00:00", "v": "2.0"}
	if got := tmall.Sign("md5", "helloworld", p); got != "66987CB115214E59E6EC978214934FB8" {
		t.Errorf("md5 = %s", got)
	}
	p["sign_method"] = "hmac"
	if got := tmall.Sign("hmac", "helloworld", p); got != "D56D7858309C31B6251083A874D48273" {
		t.Errorf("hmac = %s", got)
	}
}

// clock is a settable fake time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var gmt8 = time.FixedZone("GMT+8", 8*3600)

type env struct {
	t   *testing.T
	srv *httptest.Server
	clk *clock
	sb  *tmall.Server
}

func newEnv(t *testing.T, qps float64) *env {
	clk := &clock{t: time.Date(2026, 11, 24, 10, 0, 0, 0, gmt8)}
	sb := tmall.New(tmall.Config{AppKey: "12345678", AppSecret: "secret", Session: "sess", QPS: qps, Seed: 1, Now: clk.now})
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { srv.Close(); sb.Close() })
	return &env{t: t, srv: srv, clk: clk, sb: sb}
}

// call signs like a client would and returns the decoded envelope.
func (e *env) call(method string, biz map[string]string, mutate ...func(map[string]string)) map[string]any {
	e.t.Helper()
	p := map[string]string{"method": method, "app_key": "12345678", "session": "sess", "format": "json", "v": "2.0",
		"sign_method": "hmac-sha256", "timestamp": e.clk.now().In(gmt8).Format("2006-01-02 15:04:05")}
	for k, v := range biz {
		p[k] = v
	}
	p["sign"] = tmall.Sign(p["sign_method"], "secret", p)
	for _, m := range mutate {
		m(p)
	}
	form := url.Values{}
	for k, v := range p {
		form.Set(k, v)
	}
	resp, err := http.PostForm(e.srv.URL+"/router/rest", form)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		e.t.Fatalf("%s: %v", method, err)
	}
	return out
}

func errCode(out map[string]any) string {
	er, ok := out["error_response"].(map[string]any)
	if !ok {
		return ""
	}
	return fmt.Sprint(er["code"], "/", er["sub_code"])
}

func TestRejectsLikeTOP(t *testing.T) {
	e := newEnv(t, 0)
	get := map[string]string{"num_iid": "1", "fields": "num_iid"}
	cases := []struct {
		name   string
		method string
		mutate func(map[string]string)
		want   string
	}{
		{"unknown method", "taobao.nope", nil, "22/<nil>"},
		{"wrong app key", "taobao.item.seller.get", func(p map[string]string) { p["app_key"] = "999" }, "29/<nil>"},
		{"missing timestamp", "taobao.item.seller.get", func(p map[string]string) { delete(p, "timestamp") }, "30/<nil>"},
		{"stale timestamp", "taobao.item.seller.get", func(p map[string]string) {
			p["timestamp"] = "2026-11-24 09:40:00"
			p["sign"] = tmall.Sign("hmac-sha256", "secret", p)
		}, "31/<nil>"},
		{"missing sign", "taobao.item.seller.get", func(p map[string]string) { delete(p, "sign") }, "24/<nil>"},
		{"wrong sign", "taobao.item.seller.get", func(p map[string]string) { p["sign"] = strings.Repeat("A", 64) }, "25/<nil>"},
		{"signed with another secret", "taobao.item.seller.get", func(p map[string]string) { p["sign"] = tmall.Sign("hmac-sha256", "other", p) }, "25/<nil>"},
		{"wrong session", "taobao.item.seller.get", func(p map[string]string) {
			p["session"] = "stolen"
			p["sign"] = tmall.Sign("hmac-sha256", "secret", p)
		}, "27/invalid-sessionkey"},
		{"unknown item", "taobao.item.seller.get", nil, "15/isv.item-not-exist"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var m []func(map[string]string)
			if c.mutate != nil {
				m = append(m, c.mutate)
			}
			if got := errCode(e.call(c.method, get, m...)); got != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
		})
	}
	// Epoch milliseconds are accepted too (the official Python SDK sends them).
	out := e.call("taobao.item.seller.get", get, func(p map[string]string) {
		p["timestamp"] = fmt.Sprint(e.clk.now().UnixMilli())
		p["sign"] = tmall.Sign("hmac-sha256", "secret", p)
	})
	if got := errCode(out); got != "15/isv.item-not-exist" {
		t.Fatalf("epoch-ms timestamp: %s", got)
	}
}

func TestQPSLimitAnswersCode7WithBan(t *testing.T) {
	e := newEnv(t, 2)
	get := map[string]string{"num_iid": "1", "fields": "num_iid"}
	e.call("taobao.item.seller.get", get)
	e.call("taobao.item.seller.get", get)
	out := e.call("taobao.item.seller.get", get)
	er, _ := out["error_response"].(map[string]any)
	if errCode(out) != "7/accesscontrol.limited-by-app-access-count" || !strings.Contains(fmt.Sprint(er["sub_msg"]), "This ban will last for 1 more seconds") {
		t.Fatalf("third call in a second = %v", out)
	}
	e.clk.add(time.Second)
	if got := errCode(e.call("taobao.item.seller.get", get)); strings.HasPrefix(got, "7/") {
		t.Fatal("still throttled after the ban")
	}
}

func addItem(e *env) string {
	out := e.call("taobao.item.add", map[string]string{"type": "fixed", "cid": "50000671", "desc": "好看的T恤衫", "num": "10",
		"stuff_status": "new", "title": "纯棉T恤", "location.state": "浙江", "location.city": "杭州", "price": "59.90", "outer_id": "TS-1",
		"sku_properties": "1627207:-1;20509:-1,1627207:-2;20509:-1", "sku_quantities": "3,7", "sku_prices": "69.90,59.90",
		"sku_outer_ids": "TS-1-BLK-M,TS-1-WHT-M", "property_alias": "1627207:-1:黑色;1627207:-2:白色;20509:-1:M"})
	r, ok := out["item_add_response"].(map[string]any)
	if !ok {
		e.t.Fatalf("item.add = %v", out)
	}
	return fmt.Sprint(r["item"].(map[string]any)["num_iid"])
}

func TestItemAddValidationNamesTheField(t *testing.T) {
	e := newEnv(t, 0)
	base := map[string]string{"type": "fixed", "cid": "1", "desc": "好看的T恤衫", "num": "10", "stuff_status": "new", "title": "T恤",
		"location.state": "浙江", "location.city": "杭州", "price": "59.90", "sku_properties": "1:-1,1:-2", "sku_quantities": "3,7", "sku_prices": "59.90,69.90"}
	cases := map[string]struct{ key, val, want string }{
		"title too long":      {"title", strings.Repeat("长", 31), "isv.invalid-parameter:title"},
		"num not sum":         {"num", "9", "isv.invalid-parameter:num"},
		"price out of range":  {"price", "10.00", "isv.invalid-parameter:price"},
		"price 3 decimals":    {"sku_prices", "59.901,69.90", "isv.invalid-parameter:sku_prices"},
		"misaligned lists":    {"sku_quantities", "10", "isv.invalid-parameter:sku_quantities"},
		"duplicate sku props": {"sku_properties", "1:-1,1:-1", "isv.invalid-parameter:sku_properties"},
		"missing desc":        {"desc", "", "missing-parameter:desc"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p := map[string]string{}
			for k, v := range base {
				p[k] = v
			}
			p[c.key] = c.val
			if got := errCode(e.call("taobao.item.add", p)); !strings.HasSuffix(got, c.want) {
				t.Fatalf("got %s, want …%s", got, c.want)
			}
		})
	}
}

func items(t *testing.T, e *env) []map[string]any {
	resp, err := http.Get(e.srv.URL + "/_sandbox/items")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Items []map[string]any }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Items
}

func TestItemLifecycle(t *testing.T) {
	e := newEnv(t, 0)
	id := addItem(e)
	got := e.call("taobao.item.seller.get", map[string]string{"num_iid": id, "fields": "num_iid,sku"})
	skus := got["item_seller_get_response"].(map[string]any)["item"].(map[string]any)["skus"].(map[string]any)["sku"].([]any)
	if len(skus) != 2 || skus[0].(map[string]any)["outer_id"] != "TS-1-BLK-M" {
		t.Fatalf("skus = %v", skus)
	}
	skuID := fmt.Sprint(skus[1].(map[string]any)["sku_id"])
	if c := errCode(e.call("taobao.item.sku.price.update", map[string]string{"num_iid": id, "properties": "1627207:-2;20509:-1", "price": "49.90"})); c != "" {
		t.Fatal(c)
	}
	if c := errCode(e.call("taobao.item.quantity.update", map[string]string{"num_iid": id, "sku_id": skuID, "quantity": "20"})); c != "" {
		t.Fatal(c)
	}
	if c := errCode(e.call("taobao.item.quantity.update", map[string]string{"num_iid": id, "outer_id": "TS-1-BLK-M", "quantity": "-2", "type": "2"})); c != "" {
		t.Fatal(c)
	}
	if c := errCode(e.call("taobao.item.quantity.update", map[string]string{"num_iid": id, "outer_id": "TS-1-BLK-M", "quantity": "-5", "type": "2"})); !strings.HasPrefix(c, "15/") {
		t.Fatalf("stock below zero = %q", c)
	}
	if c := errCode(e.call("taobao.item.update.delisting", map[string]string{"num_iid": id})); c != "" {
		t.Fatal(c)
	}
	it := items(t, e)[0]
	s := it["skus"].([]any)
	if it["approve_status"] != "instock" || it["num"] != float64(21) || s[1].(map[string]any)["price_fen"] != float64(4990) ||
		s[1].(map[string]any)["quantity"] != float64(20) || s[0].(map[string]any)["quantity"] != float64(1) {
		t.Fatalf("item after updates = %v", it)
	}
	found := e.call("taobao.items.custom.get", map[string]string{"outer_id": "TS-1", "fields": "num_iid"})
	if list := found["items_custom_get_response"].(map[string]any)["items"].(map[string]any)["item"].([]any); len(list) != 1 {
		t.Fatalf("items.custom.get = %v", found)
	}
}

func TestOrdersWindowPagingAndShipping(t *testing.T) {
	e := newEnv(t, 0)
	id := addItem(e)
	for _, sku := range []string{"TS-1-BLK-M", "TS-1-WHT-M"} {
		e.call("taobao.item.quantity.update", map[string]string{"num_iid": id, "outer_id": sku, "quantity": "100"})
	}
	if _, err := e.sb.CreateOrders(3, ""); err != nil {
		t.Fatal(err)
	}
	e.clk.add(time.Minute)
	tids, err := e.sb.CreateOrders(2, "")
	if err != nil {
		t.Fatal(err)
	}
	fields := "tid,status,modified,orders"
	inc := func(start, end, page, size string, extra ...string) map[string]any {
		p := map[string]string{"fields": fields, "start_modified": start, "end_modified": end, "page_no": page, "page_size": size}
		for i := 0; i+1 < len(extra); i += 2 {
			p[extra[i]] = extra[i+1]
		}
		return e.call("taobao.trades.sold.increment.get", p)
	}
	if c := errCode(inc("2026-11-23 09:00:00", "2026-11-24 10:30:00", "1", "10")); c != "15/isv.invalid-parameter:end_modified" {
		t.Fatalf("window over a day = %s", c)
	}
	if c := errCode(inc("2026-11-24 09:00:00", "2026-11-24 10:30:00", "1", "101")); c != "15/isv.invalid-parameter:page_size" {
		t.Fatalf("page_size 101 = %s", c)
	}
	out := inc("2026-11-24 09:00:00", "2026-11-24 10:30:00", "1", "2")
	r := out["trades_sold_increment_get_response"].(map[string]any)
	trades := r["trades"].(map[string]any)["trade"].([]any)
	if fmt.Sprint(r["total_results"]) != "5" || len(trades) != 2 || fmt.Sprint(trades[0].(map[string]any)["modified"]) != "2026-11-24 10:01:00" {
		t.Fatalf("page 1 = %v", r)
	}
	out = inc("2026-11-24 09:00:00", "2026-11-24 10:30:00", "3", "2", "use_has_next", "true")
	r = out["trades_sold_increment_get_response"].(map[string]any)
	if _, has := r["total_results"]; has || r["has_next"] != false || len(r["trades"].(map[string]any)["trade"].([]any)) != 1 {
		t.Fatalf("last page with use_has_next = %v", r)
	}
	if c := errCode(e.call("taobao.logistics.offline.send", map[string]string{"tid": tids[0], "out_sid": "SF100", "company_code": "XX"})); c != "15/isv.invalid-parameter:company_code" {
		t.Fatalf("unknown carrier = %s", c)
	}
	if c := errCode(e.call("taobao.logistics.offline.send", map[string]string{"tid": tids[0], "out_sid": "SF100", "company_code": "SF"})); c != "" {
		t.Fatal(c)
	}
	full := e.call("taobao.trade.fullinfo.get", map[string]string{"tid": tids[0], "fields": fields})
	if st := full["trade_fullinfo_get_response"].(map[string]any)["trade"].(map[string]any)["status"]; st != "WAIT_BUYER_CONFIRM_GOODS" {
		t.Fatalf("status after shipping = %v", st)
	}
	if c := errCode(e.call("taobao.logistics.offline.send", map[string]string{"tid": tids[0], "out_sid": "SF100", "company_code": "SF"})); !strings.HasPrefix(c, "15/") {
		t.Fatalf("shipping twice = %q", c)
	}
}

func TestNoOrdersWithoutListedStock(t *testing.T) {
	e := newEnv(t, 0)
	if _, err := e.sb.CreateOrders(1, ""); err == nil {
		t.Fatal("created an order with nothing listed")
	}
	id := addItem(e)
	e.call("taobao.item.update.delisting", map[string]string{"num_iid": id})
	if _, err := e.sb.CreateOrders(1, ""); err == nil {
		t.Fatal("created an order for a delisted item")
	}
}

func TestFaults(t *testing.T) {
	e := newEnv(t, 0)
	post := func(body string) {
		resp, err := http.Post(e.srv.URL+"/_sandbox/faults", "application/json", strings.NewReader(body))
		if err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("add fault %s: %v %v", body, err, resp.Status)
		}
	}
	get := map[string]string{"num_iid": "1", "fields": "num_iid"}
	post(`{"kind":"error","method":"taobao.item.seller.get","code":15,"sub_code":"isp.remote-service-timeout","count":2}`)
	for i := 0; i < 2; i++ {
		if c := errCode(e.call("taobao.item.seller.get", get)); c != "15/isp.remote-service-timeout" {
			t.Fatalf("fault %d = %s", i, c)
		}
	}
	if c := errCode(e.call("taobao.item.seller.get", get)); c != "15/isv.item-not-exist" {
		t.Fatalf("after the count ran out = %s", c)
	}
	post(`{"kind":"rate_limit","count":1}`)
	if c := errCode(e.call("taobao.item.seller.get", get)); !strings.HasPrefix(c, "7/") {
		t.Fatalf("rate limit fault = %s", c)
	}
	post(`{"kind":"outage","duration":"30s"}`)
	resp, _ := http.PostForm(e.srv.URL+"/router/rest", url.Values{"method": {"taobao.item.seller.get"}})
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("outage status = %d", resp.StatusCode)
	}
	e.clk.add(31 * time.Second)
	if c := errCode(e.call("taobao.item.seller.get", get)); c != "15/isv.item-not-exist" {
		t.Fatalf("after the outage = %s", c)
	}
	resp, _ = http.Get(e.srv.URL + "/_sandbox/stats")
	var st map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&st)
	if st["faults_injected"] != float64(4) {
		t.Fatalf("stats = %v", st)
	}
	if resp, _ := http.Post(e.srv.URL+"/_sandbox/faults", "application/json", strings.NewReader(`{"kind":"nonsense"}`)); resp.StatusCode != 400 {
		t.Fatalf("bad fault kind accepted: %d", resp.StatusCode)
	}
}
