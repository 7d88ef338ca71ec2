package tmall_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/sandbox/tmall"
)

const allTradeFields = "tid,status,created,modified,payment,total_fee,post_fee,receiver_name,receiver_mobile,buyer_nick,orders"

func stock(e *env, id string, q int) {
	for _, sku := range []string{"TS-1-BLK-M", "TS-1-WHT-M"} {
		if c := errCode(e.call("taobao.item.quantity.update", map[string]string{"num_iid": id, "outer_id": sku, "quantity": strconv.Itoa(q)})); c != "" {
			e.t.Fatal(c)
		}
	}
}

func (e *env) inc(start, end, page, size string, extra ...string) map[string]any {
	p := map[string]string{"fields": allTradeFields, "start_modified": start, "end_modified": end, "page_no": page, "page_size": size}
	for i := 0; i+1 < len(extra); i += 2 {
		p[extra[i]] = extra[i+1]
	}
	return e.call("taobao.trades.sold.increment.get", p)
}

func tradesOf(out map[string]any) []map[string]any {
	r := out["trades_sold_increment_get_response"].(map[string]any)
	list := []map[string]any{}
	trades, _ := r["trades"].(map[string]any)
	raw, _ := trades["trade"].([]any)
	for _, t := range raw {
		list = append(list, t.(map[string]any))
	}
	return list
}

func (e *env) full(tid, fields string) map[string]any {
	out := e.call("taobao.trade.fullinfo.get", map[string]string{"tid": tid, "fields": fields})
	r, ok := out["trade_fullinfo_get_response"].(map[string]any)
	if !ok {
		e.t.Fatalf("fullinfo %s = %v", tid, out)
	}
	return r["trade"].(map[string]any)
}

func lines(tr map[string]any) []map[string]any {
	var out []map[string]any
	for _, l := range tr["orders"].(map[string]any)["order"].([]any) {
		out = append(out, l.(map[string]any))
	}
	return out
}

func TestOrdersWindowPaging(t *testing.T) {
	e := newEnv(t, 0)
	stock(e, addItem(e), 100)
	if _, err := e.sb.CreateOrders(3, ""); err != nil {
		t.Fatal(err)
	}
	e.clk.add(time.Minute)
	if _, err := e.sb.CreateOrders(2, ""); err != nil {
		t.Fatal(err)
	}
	if c := errCode(e.inc("2026-11-23 09:00:00", "2026-11-24 10:30:00", "1", "10")); c != "15/isv.invalid-parameter:end_modified" {
		t.Fatalf("window over a day = %s", c)
	}
	if c := errCode(e.inc("2026-11-24 09:00:00", "2026-11-24 10:30:00", "1", "101")); c != "15/isv.invalid-parameter:page_size" {
		t.Fatalf("page_size 101 = %s", c)
	}
	out := e.inc("2026-11-24 09:00:00", "2026-11-24 10:30:00", "1", "2")
	r := out["trades_sold_increment_get_response"].(map[string]any)
	trades := tradesOf(out)
	if fmt.Sprint(r["total_results"]) != "5" || len(trades) != 2 || trades[0]["modified"] != "2026-11-24 10:01:00" {
		t.Fatalf("page 1 = %v", r)
	}
	for page, want := range map[string]bool{"1": true, "2": true, "3": false} {
		r := e.inc("2026-11-24 09:00:00", "2026-11-24 10:30:00", page, "2", "use_has_next", "true")["trades_sold_increment_get_response"].(map[string]any)
		if _, has := r["total_results"]; has || r["has_next"] != want {
			t.Errorf("page %s with use_has_next: has_next %v, want %v (%v)", page, r["has_next"], want, r)
		}
	}
	// A window that ends before the orders finds none.
	if got := tradesOf(e.inc("2026-11-24 09:00:00", "2026-11-24 09:59:59", "1", "10")); len(got) != 0 {
		t.Fatalf("orders outside the window: %v", got)
	}
}

// Ids beyond 2^53 survive exactly; amounts are yuan strings; PII is masked;
// a line id never equals a tid.
func TestTradeShape(t *testing.T) {
	e := newEnv(t, 0)
	stock(e, addItem(e), 100)
	tids, err := e.sb.CreateOrders(20, "")
	if err != nil {
		t.Fatal(err)
	}
	money := regexp.MustCompile(`^\d+\.\d{2}$`)
	allTids := map[string]bool{}
	for _, tid := range tids {
		allTids[tid] = true
	}
	for _, tid := range tids {
		tr := e.full(tid, allTradeFields)
		if n, ok := tr["tid"].(json.Number); !ok || n.String() != tid || len(tid) != 19 {
			t.Fatalf("tid %v (%T), want the 19-digit number %s", tr["tid"], tr["tid"], tid)
		}
		for _, f := range []string{"payment", "total_fee", "post_fee"} {
			if s, ok := tr[f].(string); !ok || !money.MatchString(s) {
				t.Fatalf("%s = %#v, want a yuan string", f, tr[f])
			}
		}
		if name := tr["receiver_name"].(string); !strings.Contains(name, "*") || !strings.Contains(tr["receiver_mobile"].(string), "****") {
			t.Fatalf("receiver not masked: %v / %v", name, tr["receiver_mobile"])
		}
		var goods int64
		for _, l := range lines(tr) {
			if allTids[l["oid"].(json.Number).String()] {
				t.Fatalf("line id %v equals a tid", l["oid"])
			}
			fen := func(s string) int64 { w, f, _ := strings.Cut(s, "."); a, _ := strconv.ParseInt(w+f, 10, 64); return a }
			goods += fen(l["total_fee"].(string))
		}
		w, f, _ := strings.Cut(tr["payment"].(string), ".")
		paid, _ := strconv.ParseInt(w+f, 10, 64)
		w, f, _ = strings.Cut(tr["post_fee"].(string), ".")
		post, _ := strconv.ParseInt(w+f, 10, 64)
		if paid != goods+post {
			t.Fatalf("payment %s ≠ lines %d + post %d", tr["payment"], goods, post)
		}
	}
}

func TestOrdersTakeStock(t *testing.T) {
	e := newEnv(t, 0)
	id := addItem(e)
	stock(e, id, 50)
	tids, err := e.sb.CreateOrders(10, "")
	if err != nil {
		t.Fatal(err)
	}
	sold := 0
	for _, tid := range tids {
		for _, l := range lines(e.full(tid, "tid,orders")) {
			n, _ := l["num"].(json.Number).Int64()
			sold += int(n)
		}
	}
	it := items(t, e)[0]
	left := 0
	for _, s := range it["skus"].([]any) {
		left += int(s.(map[string]any)["quantity"].(float64))
	}
	if sold == 0 || left != 100-sold || it["num"] != float64(100-sold) {
		t.Fatalf("sold %d of 100, SKUs hold %d, item num %v", sold, left, it["num"])
	}
}

func TestFieldsLimitTheTradeAnswer(t *testing.T) {
	e := newEnv(t, 0)
	stock(e, addItem(e), 10)
	tids, _ := e.sb.CreateOrders(1, "")
	tr := e.full(tids[0], "tid,status,payment")
	if _, has := tr["orders"]; has || tr["status"] == nil || tr["receiver_name"] != nil {
		t.Fatalf("fields tid,status,payment = %v", tr)
	}
	tr = e.full(tids[0], "tid,orders.oid,orders.num")
	if l := lines(tr)[0]; len(l) != 2 || l["oid"] == nil || l["num"] == nil {
		t.Fatalf("orders.oid,orders.num = %v", l)
	}
	got := tradesOf(e.inc("2026-11-24 09:00:00", "2026-11-24 10:30:00", "1", "10", "fields", "tid,modified"))
	if _, has := got[0]["orders"]; has || len(got[0]) != 2 {
		t.Fatalf("increment without orders = %v", got[0])
	}
}

// multiLine creates orders until one has at least two lines.
func multiLine(t *testing.T, e *env) (string, []map[string]any) {
	for i := 0; i < 50; i++ {
		tids, err := e.sb.CreateOrders(1, "")
		if err != nil {
			t.Fatal(err)
		}
		if ls := lines(e.full(tids[0], "tid,orders")); len(ls) >= 2 {
			return tids[0], ls
		}
	}
	t.Fatal("no two-line order in 50")
	return "", nil
}

func TestShipping(t *testing.T) {
	e := newEnv(t, 0)
	stock(e, addItem(e), 500)
	tid, ls := multiLine(t, e)
	oid := func(i int) string { return ls[i]["oid"].(json.Number).String() }
	send := func(extra ...string) string {
		p := map[string]string{"tid": tid, "out_sid": "SF100", "company_code": "SF"}
		for i := 0; i+1 < len(extra); i += 2 {
			p[extra[i]] = extra[i+1]
		}
		return errCode(e.call("taobao.logistics.offline.send", p))
	}
	if c := send("company_code", "XX"); c != "15/isv.invalid-parameter:company_code" {
		t.Fatalf("unknown carrier = %s", c)
	}
	if c := send("is_split", "1", "sub_tid", "3000000000000000999"); c != "41/isv.invalid-parameter:sub_tid" {
		t.Fatalf("a sub order of another trade = %s", c)
	}
	if st := e.full(tid, "status")["status"]; st != "WAIT_SELLER_SEND_GOODS" {
		t.Fatalf("a refused shipment changed the status: %v", st)
	}
	if c := send("is_split", "1", "sub_tid", oid(0)); c != "" {
		t.Fatal(c)
	}
	tr := e.full(tid, "status,orders")
	if tr["status"] != "SELLER_CONSIGNED_PART" || lines(tr)[0]["status"] != "WAIT_BUYER_CONFIRM_GOODS" || lines(tr)[1]["status"] != "WAIT_SELLER_SEND_GOODS" {
		t.Fatalf("after a split shipment: %v", tr)
	}
	if c := send("is_split", "1", "sub_tid", oid(0)); c != "15/isv.logistics-offline-service-error" {
		t.Fatalf("shipping a shipped line = %s", c)
	}
	// sub_tid without is_split=1 ships the whole (rest of the) trade.
	if c := send("sub_tid", oid(0)); c != "" {
		t.Fatal(c)
	}
	tr = e.full(tid, "status,orders")
	for _, l := range lines(tr) {
		if l["status"] != "WAIT_BUYER_CONFIRM_GOODS" {
			t.Fatalf("line after the rest shipped: %v", l)
		}
	}
	if tr["status"] != "WAIT_BUYER_CONFIRM_GOODS" {
		t.Fatalf("status = %v", tr["status"])
	}
	if c := send(); c != "15/isv.logistics-offline-service-error" {
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

func TestAdminOrdersOverHTTP(t *testing.T) {
	e := newEnv(t, 0)
	u := e.srv.URL + "/_sandbox/orders"
	for _, body := range []string{`{"count":0}`, `{"count":10001}`, `{"count":"3"}`, `{"count":1,"extra":true}`, `[]`, `nope`} {
		if status, _ := postJSON(t, u, body); status != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", body, status)
		}
	}
	if status, out := postJSON(t, u, `{"count":1}`); status != http.StatusConflict || out["created_count"] != float64(0) {
		t.Fatalf("nothing to sell: %d %v", status, out)
	}
	addItem(e) // 3 black, 7 white
	status, out := postJSON(t, u, `{"count":2,"sku_outer_id":"TS-1-WHT-M"}`)
	if status != http.StatusCreated || out["requested"] != float64(2) || out["created_count"] != float64(2) || len(out["created"].([]any)) != 2 {
		t.Fatalf("2 orders: %d %v", status, out)
	}
	for _, tid := range out["created"].([]any) {
		if l := lines(e.full(tid.(string), "orders")); l[0]["outer_sku_id"] != "TS-1-WHT-M" {
			t.Fatalf("order of another SKU: %v", l)
		}
	}
	// Stock of the black SKU runs out: some are made, and the answer says so.
	status, out = postJSON(t, u, `{"count":10,"sku_outer_id":"TS-1-BLK-M"}`)
	if made := out["created_count"].(float64); status != http.StatusConflict || made < 1 || made > 3 || out["requested"] != float64(10) ||
		len(out["created"].([]any)) != int(made) {
		t.Fatalf("more than the stock: %d %v", status, out)
	}
	var list struct{ Orders []map[string]any }
	getJSON(t, u, &list)
	if len(list.Orders) < 3 {
		t.Fatalf("GET orders = %v", list)
	}
}

func TestCloseMovesModifiedOn(t *testing.T) {
	e := newEnv(t, 0)
	stock(e, addItem(e), 10)
	tids, _ := e.sb.CreateOrders(1, "")
	before := e.full(tids[0], "modified")["modified"].(string)
	status, out := postJSON(t, e.srv.URL+"/_sandbox/orders/"+tids[0]+"/cancel", "")
	if status != 200 || out["done"] != "cancelled" {
		t.Fatalf("cancel = %d %v", status, out)
	}
	tr := e.full(tids[0], "modified,status,orders")
	if after := tr["modified"].(string); after <= before || tr["status"] != "TRADE_CLOSED" || lines(tr)[0]["status"] != "TRADE_CLOSED" {
		t.Fatalf("closed in the same second: modified %s → %s, %v", before, after, tr)
	}
	if status, _ := postJSON(t, e.srv.URL+"/_sandbox/orders/123/cancel", ""); status != http.StatusNotFound {
		t.Fatalf("close of an unknown tid = %d", status)
	}
}

// A refund closes the trade with every order's refund_status SUCCESS; a
// shipped trade cannot be cancelled, only refunded.
func TestRefundClosesTheTradeAsRefunded(t *testing.T) {
	e := newEnv(t, 0)
	stock(e, addItem(e), 10)
	tids, _ := e.sb.CreateOrders(2, "")
	if status, _ := postJSON(t, e.srv.URL+"/_sandbox/orders/"+tids[0]+"/refund", ""); status != 200 {
		t.Fatalf("refund = %d", status)
	}
	tr := e.full(tids[0], "status,orders")
	if tr["status"] != "TRADE_CLOSED" || lines(tr)[0]["refund_status"] != "SUCCESS" {
		t.Fatalf("refunded trade = %v", tr)
	}
	if other := e.full(tids[1], "orders"); lines(other)[0]["refund_status"] != "NO_REFUND" {
		t.Fatalf("untouched trade = %v", other)
	}
	if status, _ := postJSON(t, e.srv.URL+"/_sandbox/orders/"+tids[0]+"/cancel", ""); status != http.StatusConflict {
		t.Fatalf("cancel of a closed trade = %d, want 409", status)
	}
}

func TestTradesOlderThanThreeMonthsAreDropped(t *testing.T) {
	e := newEnv(t, 0)
	stock(e, addItem(e), 10)
	tids, _ := e.sb.CreateOrders(1, "")
	e.clk.add(89 * 24 * time.Hour)
	e.full(tids[0], "tid") // still there
	e.clk.add(2 * 24 * time.Hour)
	if c := errCode(e.call("taobao.trade.fullinfo.get", map[string]string{"tid": tids[0], "fields": "tid"})); c != "15/isv.trade-not-exist" {
		t.Fatalf("a 91-day-old trade = %s", c)
	}
}

func TestGeneratorSellsInsideTheServer(t *testing.T) {
	e := newEnvWith(t, tmall.Config{OrdersPerMinute: 6000})
	stock(e, addItem(e), 1000)
	deadline := time.Now().Add(10 * time.Second)
	for {
		var list struct{ Orders []any }
		getJSON(t, e.srv.URL+"/_sandbox/orders", &list)
		if len(list.Orders) >= 3 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the generator made %d orders in 10s at 100/s", len(list.Orders))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The same seed makes the same shop, however many other calls (which draw
// request ids) happen in between.
func TestSeedDeterminism(t *testing.T) {
	run := func(noise int) []string {
		e := newEnvWith(t, tmall.Config{Seed: 7})
		id := addItem(e)
		for i := 0; i < noise; i++ {
			e.call("taobao.item.seller.get", unknownItem)
			e.call("taobao.nope", nil)
		}
		stock(e, id, 100)
		tids, err := e.sb.CreateOrders(5, "")
		if err != nil {
			t.Fatal(err)
		}
		out := []string{id}
		for _, tid := range tids {
			tr := e.full(tid, "tid,buyer_nick,receiver_name,orders.oid,orders.num,orders.outer_sku_id")
			b, _ := json.Marshal(tr)
			out = append(out, string(b))
		}
		return out
	}
	a, b := run(0), run(7)
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Fatalf("seed 7 made different shops:\n%v\n%v", a, b)
	}
	e := newEnvWith(t, tmall.Config{Seed: 8})
	if addItem(e) == a[0] {
		t.Fatal("seeds 7 and 8 made the same item id")
	}
}
