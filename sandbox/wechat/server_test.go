package wechat_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
	"github.com/syncctl/syncctl/sandbox/wechat"
)

type env struct {
	t     *testing.T
	sb    *wechat.Server
	srv   *httptest.Server
	token string
}

func open(t *testing.T, cfg wechat.Config) *env {
	t.Helper()
	if cfg.AppID == "" {
		cfg.AppID, cfg.Secret = "wx0123456789abcdef", "s3cr3t"
	}
	sb := wechat.New(cfg)
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { srv.Close(); _ = sb.Close() })
	e := &env{t: t, sb: sb, srv: srv}
	out := e.post("/cgi-bin/stable_token", map[string]any{"grant_type": "client_credential", "appid": cfg.AppID, "secret": cfg.Secret})
	if out["errcode"] != nil || out["expires_in"].(json.Number).String() != "7200" {
		t.Fatalf("stable_token: %v", out)
	}
	e.token = out["access_token"].(string)
	return e
}

func (e *env) post(path string, body any) map[string]any {
	e.t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(e.srv.URL+path, "application/json", bytes.NewReader(b))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("%s: HTTP %d", path, resp.StatusCode)
	}
	var out map[string]any
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// call calls a channels/ec method and returns the answer; wantCode is the
// errcode it must have.
func (e *env) call(method string, body any, wantCode int) map[string]any {
	e.t.Helper()
	out := e.post("/channels/ec/"+method+"?access_token="+e.token, body)
	if got := code(out); got != wantCode {
		e.t.Fatalf("%s: errcode %d (%v), want %d", method, got, out["errmsg"], wantCode)
	}
	return out
}

func code(out map[string]any) int {
	n, _ := out["errcode"].(json.Number).Int64()
	return int(n)
}

func addBody() map[string]any {
	return map[string]any{"out_product_id": "YS-TS-001", "title": "纯棉圆领短袖T恤",
		"head_imgs": []string{"https://i/1.jpg", "https://i/2.jpg", "https://i/3.jpg"},
		"skus": []map[string]any{{"out_sku_id": "YS-TS-001-WHT-M", "sale_price": 5990, "stock_num": 10,
			"sku_attrs": []map[string]string{{"attr_key": "颜色", "attr_value": "白色"}}}}}
}

func TestTokenErrors(t *testing.T) {
	e := open(t, wechat.Config{})
	for _, c := range []struct {
		appid, secret string
		code          int
	}{{"wxbad", "s3cr3t", wechat.CodeInvalidAppID}, {"wx0123456789abcdef", "bad", wechat.CodeInvalidSecret}} {
		out := e.post("/cgi-bin/stable_token", map[string]any{"grant_type": "client_credential", "appid": c.appid, "secret": c.secret})
		if code(out) != c.code || !strings.Contains(out["errmsg"].(string), "rid: ") {
			t.Errorf("stable_token(%s): %v, want %d", c.appid, out, c.code)
		}
	}
	if out := e.post("/channels/ec/order/get", map[string]any{"order_id": "1"}); code(out) != wechat.CodeMissingToken {
		t.Errorf("no token: %v", out)
	}
	if out := e.post("/channels/ec/order/get?access_token=nope", map[string]any{"order_id": "1"}); code(out) != wechat.CodeInvalidToken {
		t.Errorf("unknown token: %v", out)
	}
	e.sb.ExpireTokens()
	if out := e.post("/channels/ec/order/get?access_token="+e.token, map[string]any{"order_id": "1"}); code(out) != wechat.CodeExpiredToken {
		t.Errorf("expired token: %v", out)
	}
}

func TestReviewAndStock(t *testing.T) {
	e := open(t, wechat.Config{})
	e.sb.SetReviewGets(2)
	id := e.call("product/add", addBody(), 0)["data"].(map[string]any)["product_id"].(string)
	get := func() (draft, online map[string]any) {
		out := e.call("product/get", map[string]any{"product_id": id, "data_type": 3}, 0)
		d, _ := out["edit_product"].(map[string]any)
		o, _ := out["product"].(map[string]any)
		return d, o
	}
	skuID := func(p map[string]any) string { return p["skus"].([]any)[0].(map[string]any)["sku_id"].(string) }
	d, o := get()
	if d["edit_status"].(json.Number).String() != "2" || o != nil {
		t.Fatalf("first get: draft %v online %v", d, o)
	}
	sku := skuID(d)
	e.call("product/stock/update", map[string]any{"product_id": id, "sku_id": sku, "diff_type": 1, "num": 1}, wechat.CodeNeverListed)
	d, o = get()
	if d["edit_status"].(json.Number).String() != "4" || o["status"].(json.Number).String() != "5" {
		t.Fatalf("second get: draft %v online %v", d, o)
	}
	e.call("product/stock/update", map[string]any{"product_id": id, "sku_id": sku, "diff_type": 1, "num": 0}, wechat.CodeStockZeroDelta)
	e.call("product/stock/update", map[string]any{"product_id": id, "sku_id": sku, "diff_type": 2, "num": 11}, wechat.CodeStockShort)
	e.call("product/stock/update", map[string]any{"product_id": id, "sku_id": sku, "diff_type": 2, "num": 3}, 0)
	if n, _ := e.sb.Stock("YS-TS-001-WHT-M"); n != 7 {
		t.Errorf("stock %d, want 7", n)
	}
	e.sb.RejectNext("YS-TS-001", "主图含水印")
	upd := addBody()
	upd["product_id"] = id
	e.call("product/update", upd, 0)
	e.call("product/stock/update", map[string]any{"product_id": id, "sku_id": sku, "diff_type": 1, "num": 1}, wechat.CodeStockInAudit)
	e.call("product/delisting", map[string]any{"product_id": id}, wechat.CodeDelistInAudit)
	get()
	d, o = get()
	if d["edit_status"].(json.Number).String() != "3" || d["audit_info"].(map[string]any)["reject_reason"] != "主图含水印" || o["status"].(json.Number).String() != "5" {
		t.Fatalf("rejected: draft %v online %v", d, o)
	}
	if skuID(d) != sku {
		t.Errorf("update changed the sku id %s → %s", sku, skuID(d))
	}
	e.call("product/delisting", map[string]any{"product_id": id}, 0)
	e.call("product/delisting", map[string]any{"product_id": id}, wechat.CodeNotListed)
}

func TestOrders(t *testing.T) {
	now := time.Unix(1795485600, 0)
	dir := t.TempDir()
	e := open(t, wechat.Config{Now: func() time.Time { return now }, StateFile: filepath.Join(dir, "wechat.json")})
	id := e.call("product/add", addBody(), 0)["data"].(map[string]any)["product_id"].(string)
	e.call("product/get", map[string]any{"product_id": id, "data_type": 3}, 0)
	e.call("product/get", map[string]any{"product_id": id, "data_type": 3}, 0)
	ids, err := e.sb.SellOrders(3, "")
	if err != nil || len(ids) != 3 || len(ids[0]) != 19 {
		t.Fatalf("SellOrders: %v %v", ids, err)
	}
	rng := map[string]any{"start_time": now.Unix() - 3600, "end_time": now.Unix() + 1}
	e.call("order/list/get", map[string]any{"update_time_range": map[string]any{"start_time": now.Unix() - 8*86400, "end_time": now.Unix()}}, wechat.CodeInvalidArgs)
	page := e.call("order/list/get", map[string]any{"update_time_range": rng, "page_size": 2}, 0)
	if len(page["order_id_list"].([]any)) != 2 || page["has_more"] != true {
		t.Fatalf("page 1: %v", page)
	}
	page = e.call("order/list/get", map[string]any{"update_time_range": rng, "page_size": 2, "next_key": page["next_key"]}, 0)
	if len(page["order_id_list"].([]any)) != 1 || page["has_more"] != false {
		t.Fatalf("page 2: %v", page)
	}
	// order_id is a bare 19-digit number on the wire.
	b, _ := json.Marshal(map[string]any{"order_id": ids[0]})
	resp, err := http.Post(e.srv.URL+"/channels/ec/order/get?access_token="+e.token, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	_, _ = raw.ReadFrom(resp.Body)
	resp.Body.Close()
	if !strings.Contains(raw.String(), `"order_id": `+ids[0]) || !strings.Contains(raw.String(), `"tel_number": "1`) {
		t.Errorf("order/get: %s", raw.String())
	}
	if err := e.sb.CancelOrder(ids[0]); err != nil {
		t.Fatal(err)
	}
	if n, _ := e.sb.Stock("YS-TS-001-WHT-M"); n != 8 {
		t.Errorf("stock after 3 sales and a cancel: %d, want 8", n)
	}
	e.call("order/get", map[string]any{"order_id": "3000000000000000001"}, wechat.CodeOrderNotFound)
	// the state survives a restart; the token does not.
	if err := e.sb.Close(); err != nil {
		t.Fatal(err)
	}
	again := wechat.New(wechat.Config{AppID: "wx0123456789abcdef", Secret: "s3cr3t", StateFile: filepath.Join(dir, "wechat.json")})
	defer again.Close()
	if items := again.AdminItems(); len(items) != 1 || items[0].SKUs[0].Stock != 8 || !items[0].OnSale {
		t.Errorf("after restart: %+v", items)
	}
}

func TestThrottleAndFaults(t *testing.T) {
	e := open(t, wechat.Config{QPS: 1, Now: func() time.Time { return time.Unix(1795485600, 0) }})
	e.call("order/list/get", map[string]any{"update_time_range": map[string]any{"start_time": 1, "end_time": 2}}, 0)
	e.call("order/list/get", map[string]any{"update_time_range": map[string]any{"start_time": 1, "end_time": 2}}, wechat.CodeMinuteQuota)
	e2 := open(t, wechat.Config{})
	if _, err := e2.sbFaults(kit.Fault{Kind: kit.FaultError, Method: "order/get", Count: 1}); err != nil {
		t.Fatal(err)
	}
	e2.call("order/get", map[string]any{"order_id": "1"}, -1)
	e2.call("order/get", map[string]any{"order_id": "1"}, wechat.CodeOrderNotFound)
}

func (e *env) sbFaults(f kit.Fault) (map[string]any, error) {
	b, _ := json.Marshal(f)
	resp, err := http.Post(e.srv.URL+"/_sandbox/faults", "application/json", bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out map[string]any
	return out, json.NewDecoder(resp.Body).Decode(&out)
}
