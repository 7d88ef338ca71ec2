package tmall_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func (e *env) fault(body string) {
	e.t.Helper()
	if status, out := postJSON(e.t, e.srv.URL+"/_sandbox/faults", body); status != http.StatusCreated {
		e.t.Fatalf("add fault %s: %d %v", body, status, out)
	}
}

func (e *env) stats() map[string]any {
	var st map[string]any
	getJSON(e.t, e.srv.URL+"/_sandbox/stats", &st)
	return st
}

var unknownItem = map[string]string{"num_iid": "1", "fields": "num_iid"}

func TestErrorFaultCountsOnlyAuthenticatedCalls(t *testing.T) {
	e := newEnv(t, 0)
	e.fault(`{"kind":"error","method":"taobao.item.seller.get","code":15,"sub_code":"isp.remote-service-timeout","msg":"超时","count":2}`)
	// A caller with a wrong signature never reaches the fault, nor uses it up.
	if c := errCode(e.call("taobao.item.seller.get", unknownItem, func(p map[string]string) { p["sign"] = "00" })); c != "25/<nil>" {
		t.Fatalf("unsigned call = %s", c)
	}
	for i := 0; i < 2; i++ {
		out := e.call("taobao.item.seller.get", unknownItem)
		if c := errCode(out); c != "15/isp.remote-service-timeout" || subMsg(out) != "超时" {
			t.Fatalf("fault %d = %s %q", i, c, subMsg(out))
		}
	}
	if c := errCode(e.call("taobao.item.seller.get", unknownItem)); c != "15/isv.item-not-exist" {
		t.Fatalf("after the count ran out = %s", c)
	}
	// Other methods were never affected.
	e.fault(`{"kind":"error","method":"taobao.item.add","code":10}`)
	if c := errCode(e.call("taobao.item.seller.get", unknownItem)); c != "15/isv.item-not-exist" {
		t.Fatalf("a fault on item.add hit seller.get: %s", c)
	}
}

func TestRateLimitFaultHonoursSubCodeBanAndHTTPStatus(t *testing.T) {
	e := newEnv(t, 0)
	e.fault(`{"kind":"rate_limit","sub_code":"accesscontrol.limited-by-app-api-access-count","ban_seconds":42,"count":1}`)
	out := e.call("taobao.item.seller.get", unknownItem)
	if c := errCode(out); c != "7/accesscontrol.limited-by-app-api-access-count" || subMsg(out) != "This ban will last for 42 more seconds" {
		t.Fatalf("rate limit = %s %q", c, subMsg(out))
	}
	e.fault(`{"kind":"rate_limit","http_status":429,"ban_seconds":30,"count":1}`)
	resp := e.raw("taobao.item.seller.get", unknownItem)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "30" || !strings.Contains(string(body), "This ban will last for 30 more seconds") ||
		!strings.Contains(string(body), `"code": 7`) {
		t.Fatalf("429 fault = %d %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}

func TestOutageLatencyAndMalformedFaults(t *testing.T) {
	e := newEnv(t, 0)
	e.fault(`{"kind":"outage","duration":"30s","ban_seconds":120}`)
	resp := e.raw("taobao.item.seller.get", unknownItem)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "120" {
		t.Fatalf("outage = %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	e.clk.add(31 * time.Second)
	if c := errCode(e.call("taobao.item.seller.get", unknownItem)); c != "15/isv.item-not-exist" {
		t.Fatalf("after the outage = %s", c)
	}
	e.fault(`{"kind":"outage","http_status":502,"count":1}`)
	if resp := e.raw("taobao.item.seller.get", unknownItem); resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("502 outage = %d", resp.StatusCode)
	}

	e.fault(`{"kind":"latency","latency":"80ms","count":1}`)
	start := time.Now()
	if c := errCode(e.call("taobao.item.seller.get", unknownItem)); c != "15/isv.item-not-exist" {
		t.Fatalf("a latency fault must still answer the call: %s", c)
	}
	if el := time.Since(start); el < 80*time.Millisecond {
		t.Fatalf("answered after %s, before the 80ms latency", el)
	}

	e.fault(`{"kind":"malformed","count":1}`)
	resp = e.raw("taobao.item.seller.get", unknownItem)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var v any
	if json.Unmarshal(body, &v) == nil || !strings.HasPrefix(string(body), `{"item_seller_get_response":`) {
		t.Fatalf("malformed body = %s", body)
	}
}

func TestFaultRatioAppliesToAShare(t *testing.T) {
	e := newEnv(t, 0)
	e.fault(`{"kind":"error","code":10,"ratio":0.5}`)
	hits := 0
	for i := 0; i < 200; i++ {
		if strings.HasPrefix(errCode(e.call("taobao.item.seller.get", unknownItem)), "10/") {
			hits++
		}
	}
	if hits < 60 || hits > 140 {
		t.Fatalf("ratio 0.5 hit %d of 200 calls", hits)
	}
}

func TestFaultFieldsAreValidated(t *testing.T) {
	e := newEnv(t, 0)
	for _, body := range []string{`{"kind":"nonsense"}`, `{"kind":"error","ratio":2}`, `{"kind":"error","count":-1}`,
		`{"kind":"rate_limit","ban_seconds":-1}`, `{"kind":"outage","http_status":99}`, `{"kind":"error","colour":"red"}`, `not json`} {
		if status, _ := postJSON(t, e.srv.URL+"/_sandbox/faults", body); status != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", body, status)
		}
	}
	var list struct{ Faults []any }
	getJSON(t, e.srv.URL+"/_sandbox/faults", &list)
	if len(list.Faults) != 0 {
		t.Fatalf("refused faults listed: %v", list.Faults)
	}
}

// Every call is counted once: served + rejected = total, and an injected
// fault is counted as a fault and as the answer it gave, not twice in total.
func TestStatsTotals(t *testing.T) {
	e := newEnv(t, 0)
	id := addItem(e)
	e.call("taobao.item.seller.get", map[string]string{"num_iid": id, "fields": "num_iid"}) // served
	e.call("taobao.item.seller.get", unknownItem)                                           // rejected 15
	e.call("taobao.nope", nil)                                                              // rejected 22
	e.fault(`{"kind":"error","code":10,"count":1}`)
	e.call("taobao.item.seller.get", unknownItem) // fault → rejected 10
	e.fault(`{"kind":"outage","count":1}`)
	e.raw("taobao.item.seller.get", unknownItem).Body.Close() // fault → HTTP 503
	e.fault(`{"kind":"latency","latency":"1ms","count":1}`)
	e.call("taobao.item.seller.get", map[string]string{"num_iid": id, "fields": "num_iid"}) // fault, then served
	st := e.stats()
	served, rejected := st["served"].(map[string]any), st["rejected"].(map[string]any)
	want := map[string]float64{"15": 1, "22": 1, "10": 1, "HTTP 503": 1}
	for k, v := range want {
		if rejected[k] != v {
			t.Errorf("rejected[%s] = %v, want %v (all: %v)", k, rejected[k], v, rejected)
		}
	}
	if st["total"] != float64(7) || served["taobao.item.add"] != float64(1) || served["taobao.item.seller.get"] != float64(2) || st["faults_injected"] != float64(3) {
		t.Fatalf("stats = %v; want total 7 (1 add, 2 gets served, 4 rejected), 3 faults", st)
	}
	if status, _ := postJSON(t, e.srv.URL+"/_sandbox/reset", ""); status != 200 {
		t.Fatal(status)
	}
	if st := e.stats(); st["total"] != float64(0) || st["faults_injected"] != float64(0) || len(st["served"].(map[string]any)) != 0 {
		t.Fatalf("stats after reset = %v", st)
	}
	if items := items(t, e); len(items) != 0 {
		t.Fatalf("items after reset = %v", items)
	}
}
