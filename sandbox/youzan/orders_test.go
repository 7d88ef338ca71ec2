package youzan_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
	"github.com/syncctl/syncctl/sandbox/youzan"
)

type caller func(name, ver string, body any) map[string]any

func shop(t *testing.T, qps float64) (*youzan.Server, *httptest.Server, *clock, caller) {
	t.Helper()
	s, ts, c := start(t, qps)
	tok := token(t, ts)
	api := func(name, ver string, body any) map[string]any {
		return post(t, ts.URL+"/api/"+name+"/"+ver+"?access_token="+tok, body)
	}
	out := api("youzan.item.create", "3.0.1", map[string]any{"title": "纯棉T恤", "item_no": "YS-TS-001", "price": 4990, "quantity": 20000, "is_display": 1,
		"sku_stocks": `[{"price":5990,"quantity":10000,"item_no":"YS-TS-001-WHT-M"},{"price":4990,"quantity":10000,"item_no":"YS-TS-001-BLK-L"}]`})
	if out["response"] == nil {
		t.Fatalf("create: %v", out)
	}
	return s, ts, c, api
}

func errCode(out map[string]any) string {
	if e, _ := out["error_response"].(map[string]any); e != nil {
		return e["code"].(json.Number).String() + " " + e["msg"].(string)
	}
	if out["success"] == false {
		return out["code"].(json.Number).String() + " " + out["message"].(string)
	}
	return ""
}

func orderInfo(t *testing.T, api caller, tid string) map[string]any {
	t.Helper()
	got := api("youzan.trade.get", "4.0.2", map[string]any{"tid": tid})
	data, _ := got["data"].(map[string]any)
	if data == nil {
		t.Fatalf("trade.get %s: %v", tid, got)
	}
	return data["full_order_info"].(map[string]any)["order_info"].(map[string]any)
}

func TestLogisticsConfirm(t *testing.T) {
	s, _, c, api := shop(t, 0)
	whole, err := s.SellOrders(1, "YS-TS-001-WHT-M")
	if err != nil {
		t.Fatal(err)
	}
	before := orderInfo(t, api, whole[0])["update_time"]
	c.Advance(time.Minute)
	confirm := func(p map[string]any) map[string]any { return api("youzan.logistics.online.confirm", "3.0.0", p) }
	for _, bad := range []struct {
		p    map[string]any
		want string
	}{
		{map[string]any{"tid": whole[0], "out_stype": "999", "out_sid": "1"}, "40001 out_stype"},
		{map[string]any{"tid": whole[0], "out_stype": 7}, "40001 out_sid"},
		{map[string]any{"tid": whole[0], "out_sid": "SF1"}, "40001 out_stype"},
		{map[string]any{"tid": whole[0], "is_no_express": 1, "out_sid": "SF1"}, "40001 is_no_express"},
		{map[string]any{"tid": whole[0], "out_stype": 7, "out_sid": "SF1", "oids": "42"}, "40001 oids"},
		{map[string]any{"tid": whole[0], "out_stype": "seven", "out_sid": "SF1"}, "40001 out_stype"},
		{map[string]any{"tid": "E20000101000000000000000", "out_stype": 7, "out_sid": "SF1"}, "122001001"},
		{map[string]any{"tid": whole[0], "out_stype": 7, "out_sid": "SF1", "company": "SF"}, "40001 company"},
	} {
		if got := errCode(confirm(bad.p)); !strings.HasPrefix(got, bad.want) {
			t.Errorf("%v: %q, want %s", bad.p, got, bad.want)
		}
	}
	if out := confirm(map[string]any{"tid": whole[0], "is_no_express": "0", "out_stype": "7", "out_sid": "SF1234567890"}); out["response"] == nil {
		t.Fatalf("confirm: %v", out)
	}
	oi := orderInfo(t, api, whole[0])
	if oi["status"] != youzan.StatusWaitConfirm || oi["update_time"] == before || oi["consign_time"] == "" {
		t.Fatalf("after confirm: %v (update_time was %v)", oi, before)
	}
	if got := errCode(confirm(map[string]any{"tid": whole[0], "out_stype": 7, "out_sid": "SF2"})); !strings.HasPrefix(got, "40002") {
		t.Fatalf("second confirm: %q", got)
	}
	// The next pull by update time sees the shipped order.
	page := api("youzan.trades.sold.get", "4.0.4", map[string]any{"start_update": ymdOf(c.Now().Add(-time.Second)), "end_update": ymdOf(c.Now()), "page_size": 10})
	if page["data"].(map[string]any)["total_results"].(json.Number).String() != "1" {
		t.Fatalf("pull after ship: %v", page)
	}

	// A split shipment: one line, then the other.
	tid, err := s.SellMulti(false, "YS-TS-001-WHT-M", "YS-TS-001-BLK-L")
	if err != nil {
		t.Fatal(err)
	}
	full := api("youzan.trade.get", "4.0.2", map[string]any{"tid": tid})["data"].(map[string]any)["full_order_info"].(map[string]any)
	lines := full["orders"].([]any)
	oid1, oid2 := lines[0].(map[string]any)["oid"].(string), lines[1].(map[string]any)["oid"].(string)
	if out := confirm(map[string]any{"tid": tid, "out_stype": 3, "out_sid": "ZT1", "oids": oid1}); out["response"] == nil {
		t.Fatalf("split 1: %v", out)
	}
	if st := orderInfo(t, api, tid)["status"]; st != youzan.StatusWaitSend {
		t.Fatalf("after one of two lines: %v", st)
	}
	if got := errCode(confirm(map[string]any{"tid": tid, "out_stype": 3, "out_sid": "ZT1", "oids": oid1})); !strings.HasPrefix(got, "40002") {
		t.Fatalf("line shipped twice: %q", got)
	}
	if out := confirm(map[string]any{"tid": tid, "out_stype": 3, "out_sid": "ZT2", "oids": oid2}); out["response"] == nil {
		t.Fatalf("split 2: %v", out)
	}
	if st := orderInfo(t, api, tid)["status"]; st != youzan.StatusWaitConfirm {
		t.Fatalf("after both lines: %v", st)
	}
	// An order whose refund is asked cannot ship; a cancelled one neither.
	ids, _ := s.SellOrders(2, "")
	if err := s.AskRefund(ids[0]); err != nil {
		t.Fatal(err)
	}
	if oi := orderInfo(t, api, ids[0]); oi["refund_state"].(json.Number).String() != "11" || oi["status"] != youzan.StatusWaitSend {
		t.Fatalf("refund asked: %v", oi)
	}
	_ = s.CancelOrder(ids[1])
	for _, id := range ids {
		if got := errCode(confirm(map[string]any{"tid": id, "is_no_express": 1})); !strings.HasPrefix(got, "40002") {
			t.Errorf("%s: %q", id, got)
		}
	}
	if err := s.RefundOrder(ids[0]); err != nil || orderInfo(t, api, ids[0])["refund_state"].(json.Number).String() != "12" {
		t.Fatalf("refunded: %v", err)
	}
}

func ymdOf(t time.Time) string { return t.In(youzan.China).Format("2006-01-02 15:04:05") }

func TestItemsCustomGet(t *testing.T) {
	_, _, _, api := shop(t, 0)
	out := api("youzan.items.custom.get", "3.0.0", map[string]any{"item_no": "YS-TS-001"})
	resp := out["response"].(map[string]any)
	items := resp["items"].([]any)
	if resp["count"].(json.Number).String() != "1" || items[0].(map[string]any)["item_no"] != "YS-TS-001" || items[0].(map[string]any)["skus"] != nil {
		t.Fatalf("by item_no: %v", out)
	}
	if out := api("youzan.items.custom.get", "3.0.0", map[string]any{"item_no": "NOPE"}); out["response"].(map[string]any)["count"].(json.Number).String() != "0" {
		t.Fatalf("unknown item_no: %v", out)
	}
	if got := errCode(api("youzan.items.custom.get", "3.0.0", map[string]any{})); !strings.HasPrefix(got, "40001 item_no") {
		t.Fatalf("no item_no: %q", got)
	}
}

func TestSalesmanTrades(t *testing.T) {
	s, _, c, api := shop(t, 0)
	from := c.Now()
	ids, err := s.SellSalesmanOrders(3, "YS-TS-001-WHT-M", true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SellSalesmanOrders(2, "", false); err != nil {
		t.Fatal(err)
	}
	get := func(p map[string]any) map[string]any {
		out := api("youzan.salesman.trades.get", "3.0.1", p)
		r, _ := out["response"].(map[string]any)
		if r == nil {
			t.Fatalf("salesman %v: %v", p, out)
		}
		return r
	}
	r := get(map[string]any{"start_time": from.Unix(), "end_time": c.Now().Unix(), "page_size": 100})
	if r["total"].(json.Number).String() != "3" {
		t.Fatalf("window: %v", r)
	}
	rec := get(map[string]any{"order_no": ids[1]})["list"].([]any)[0].(map[string]any)
	item := rec["items"].([]any)[0].(map[string]any)
	// 59.90 元 at 10.00 % → 5.99 元 (the roster's first 分销员).
	if rec["order_no"] != ids[1] || rec["settle_state"].(json.Number).String() != "1" || rec["money"] != "59.90" ||
		!strings.Contains(rec["phone"].(string), "****") || item["item_key"] != ids[1]+","+item["item_key"].(string)[len(ids[1])+1:] || item["is_join"].(json.Number).String() != "1" {
		t.Fatalf("record: %v", rec)
	}
	if err := s.CancelOrder(ids[1]); err != nil {
		t.Fatal(err)
	}
	if rec := get(map[string]any{"order_no": ids[1]})["list"].([]any)[0].(map[string]any); rec["settle_state"].(json.Number).String() != "0" {
		t.Fatalf("closed: %v", rec)
	}
	if got := errCode(api("youzan.salesman.trades.get", "3.0.1", map[string]any{"page_no": 33, "page_size": 100})); !strings.HasPrefix(got, "40001 page_no") {
		t.Fatalf("over 3200: %q", got)
	}
}

// TestBurstOf10500: the admin client sells 10 500 orders in two calls
// (kit.MaxAdminOrders each) in a few seconds; no second holds more than
// MaxOrdersPerSecond, trades.sold.get counts them all in one window and
// refuses page_no × page_size beyond 10 000 with 40001 naming page_no.
func TestBurstOf10500(t *testing.T) {
	_, ts, c, api := shop(t, 0)
	from := c.Now()
	admin := kit.AdminClient{BaseURL: ts.URL}
	began := time.Now()
	a, err := admin.SellOrders(context.Background(), kit.MaxAdminOrders, "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := admin.SellOrders(context.Background(), 10500-kit.MaxAdminOrders, "")
	if err != nil || len(a)+len(b) != 10500 {
		t.Fatalf("%d + %d orders, %v", len(a), len(b), err)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Fatalf("10 500 orders took %s", took)
	}
	perSecond := map[string]int{}
	for _, id := range append(a, b...) {
		perSecond[id[1:15]]++
	}
	if len(perSecond) < 3 {
		t.Fatalf("10 500 orders in %d seconds", len(perSecond))
	}
	for sec, n := range perSecond {
		if n > youzan.MaxOrdersPerSecond {
			t.Fatalf("second %s holds %d orders", sec, n)
		}
	}
	window := map[string]any{"start_update": ymdOf(from), "end_update": ymdOf(from.Add(time.Minute))}
	page := func(no, size int) map[string]any {
		p := map[string]any{"page_no": no, "page_size": size}
		for k, v := range window {
			p[k] = v
		}
		return api("youzan.trades.sold.get", "4.0.4", p)
	}
	last := page(100, 100)
	if last["success"] != true || last["data"].(map[string]any)["total_results"].(json.Number).String() != "10500" ||
		len(last["data"].(map[string]any)["full_order_info_list"].([]any)) != 100 {
		t.Fatalf("page 100 × 100: %v", errCode(last))
	}
	if got := errCode(page(101, 100)); !strings.HasPrefix(got, "40001 page_no") {
		t.Fatalf("page 101: %q", got)
	}
	if got := errCode(page(51, 200)); !strings.HasPrefix(got, "40001 page_size") {
		t.Fatalf("page_size 200: %q", got)
	}
	_ = c
}
