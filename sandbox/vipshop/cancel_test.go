package vipshop_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/syncctl/syncctl/sandbox/vipshop"
)

// A buyer's cancellation waits for its audit: only batchGetCancelInfo shows
// it (getOrders keeps 10 and its modification time, ship refuses); after
// CancelDelay it is approved and the order is 97. Applications survive a
// restart.
func TestCancelApplications(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vipshop.json")
	clk := &clock{t: time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)}
	cfg := vipshop.Config{AppKey: appKey, AppSecret: secret, RefreshToken: refresh0, Now: clk.Now, StateFile: path, CancelDelay: time.Hour}
	sb := vipshop.New(cfg)
	ts := httptest.NewServer(sb)
	e := &env{t: t, sb: sb, url: ts.URL, clk: clk}
	e.login()
	if err := sb.SeedProduct("YS-TS-001", "YS-TS-001-WHT-M", 25900, 5); err != nil {
		t.Fatal(err)
	}
	ids, err := sb.SellOrders(2, "")
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	if err := sb.CancelOrder(ids[0]); err != nil {
		t.Fatal(err)
	}
	if err := sb.CancelOrder(ids[0]); err == nil {
		t.Fatal("a second application while one waits")
	}
	window := `{"request":{"start_time":"2026-12-01 10:00:00","end_time":"2026-12-01 10:59:59","page":1,"limit":20}}`
	r := e.ok(svcDelivery, "batchGetCancelInfo", window).(map[string]any)
	infos := r["cancelInfos"].([]any)
	if num(r["total"]) != 1 || len(infos) != 1 {
		t.Fatalf("applications %v", r)
	}
	a := infos[0].(map[string]any)
	if a["order_id"] != ids[0] || num(a["audit_status"]) != 1 || a["order_status"] != "10" || a["reason_choice_remark"] == "" || a["is_system"] != "0" {
		t.Fatalf("pending application %v", a)
	}
	orders := func() map[string]any {
		r := e.ok(svcDelivery, "getOrders", `{"request":{"order_ids":["`+ids[0]+`"],"page":1,"limit":1}}`).(map[string]any)
		return r["orders"].([]any)[0].(map[string]any)
	}
	if o := orders(); o["status"] != "10" {
		t.Fatalf("getOrders while the application waits: %v", o)
	}
	ship := fmt.Sprintf(`{"request":{"ships":[{"order_id":"%s","carrier_code":"yunda","carrier_name":"韵达快递","package_type":1,"packages":[{"transport_no":"4312345678901","package_product_list":[]}]}]}}`, ids[0])
	if r := e.ok(svcDelivery, "ship", ship).(map[string]any); num(r["fail_num"]) != 1 {
		t.Fatalf("ship while the application waits: %v", r)
	}
	// By order id; a window past 24 h and no criterion are refused.
	byID := e.ok(svcDelivery, "batchGetCancelInfo", `{"request":{"order_id":"`+ids[0]+`"}}`).(map[string]any)
	if num(byID["total"]) != 1 {
		t.Fatalf("by order_id %v", byID)
	}
	if out := e.call(svcDelivery, "batchGetCancelInfo", `{"request":{"start_time":"2026-12-01 00:00:00","end_time":"2026-12-02 00:00:01"}}`); code(out) != vipshop.CodeParamMismatch {
		t.Fatalf("25 h window: %v", out)
	}
	if out := e.call(svcDelivery, "batchGetCancelInfo", `{"request":{"page":1}}`); code(out) != vipshop.CodeMissParam {
		t.Fatalf("no criterion: %v", out)
	}
	// Restarted, the application is still there; an hour on it is approved.
	ts.Close()
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	sb2 := vipshop.New(cfg)
	ts2 := httptest.NewServer(sb2)
	t.Cleanup(func() { ts2.Close(); _ = sb2.Close() })
	e = &env{t: t, sb: sb2, url: ts2.URL, clk: clk, token: e.token}
	clk.Advance(time.Hour)
	a = e.ok(svcDelivery, "batchGetCancelInfo", window).(map[string]any)["cancelInfos"].([]any)[0].(map[string]any)
	if num(a["audit_status"]) != 2 || a["order_status"] != "97" || a["is_system"] != "1" {
		t.Fatalf("approved application %v", a)
	}
	if o := orders(); o["status"] != "97" {
		t.Fatalf("getOrders after the approval: %v", o)
	}
	if n, _ := sb2.Stock("YS-TS-001-WHT-M"); n != 4 {
		t.Fatalf("stock after the cancellation: %d", n)
	}
}

func num(v any) int64 {
	switch x := v.(type) {
	case json.Number:
		n, _ := x.Int64()
		return n
	case float64:
		return int64(x)
	}
	return -1
}
