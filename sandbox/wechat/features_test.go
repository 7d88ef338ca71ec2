package wechat_test

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/sandbox/wechat"
)

// clock is a settable Now.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

// listedProduct adds the sample product (stock 10) and lets its review pass.
func (e *env) listedProduct() string {
	e.t.Helper()
	id := e.call("product/add", addBody(), 0)["data"].(map[string]any)["product_id"].(string)
	for range wechat.DefaultReviewGets {
		e.call("product/get", map[string]any{"product_id": id, "data_type": 3}, 0)
	}
	return id
}

func num(v any) int64 {
	n, _ := v.(json.Number).Int64()
	return n
}

func TestReviewDelayAndRejectRate(t *testing.T) {
	c := &clock{t: time.Unix(1795485600, 0)}
	e := open(t, wechat.Config{Now: c.Now, ReviewDelay: 30 * time.Second})
	id := e.call("product/add", addBody(), 0)["data"].(map[string]any)["product_id"].(string)
	editStatus := func() (string, map[string]any) {
		d := e.call("product/get", map[string]any{"product_id": id, "data_type": 2}, 0)["edit_product"].(map[string]any)
		info, _ := d["audit_info"].(map[string]any)
		return d["edit_status"].(json.Number).String(), info
	}
	for range 5 {
		if st, info := editStatus(); st != "2" || num(info["submit_time"]) != 1795485600 {
			t.Fatalf("before the delay: edit_status %s, audit_info %v", st, info)
		}
	}
	c.t = c.t.Add(30 * time.Second)
	if st, _ := editStatus(); st != "4" {
		t.Fatalf("after the delay: edit_status %s", st)
	}

	// Every review fails at rate 1, with one of the realistic reasons.
	e = open(t, wechat.Config{RejectRate: 1, Seed: 7})
	id = e.call("product/add", addBody(), 0)["data"].(map[string]any)["product_id"].(string)
	var info map[string]any
	for range wechat.DefaultReviewGets {
		_, info = editStatus()
	}
	if reason, _ := info["reject_reason"].(string); !slices.Contains(wechat.RejectReasons, reason) {
		t.Errorf("rejected with %v", info)
	}

	var cfg wechat.Config
	if err := wechat.ApplyOptions(&cfg, map[string]string{"review_delay": "2m", "reject_rate": "0.25"}); err != nil ||
		cfg.ReviewDelay != 2*time.Minute || cfg.RejectRate != 0.25 {
		t.Errorf("options: %+v %v", cfg, err)
	}
	for _, bad := range []map[string]string{{"review_delay": "soon"}, {"reject_rate": "1.5"}, {"reject_rate": "NaN"}, {"colour": "red"}} {
		if err := wechat.ApplyOptions(&cfg, bad); err == nil {
			t.Errorf("options %v accepted", bad)
		}
	}
	if _, err := wechat.Open(wechat.Config{RejectRate: -0.1}); err == nil {
		t.Error("a negative reject rate opened")
	}
}

func TestDeliverySplitAndCarriers(t *testing.T) {
	e := open(t, wechat.Config{})
	pid := e.listedProduct()
	oid, err := e.sb.SellOrderOf(wechat.SKUCount{OutSKUID: "YS-TS-001-WHT-M", Count: 3})
	if err != nil {
		t.Fatal(err)
	}
	companies := e.call("order/deliverycompanylist/get", map[string]any{}, 0)["company_list"].([]any)
	if len(companies) != len(wechat.Companies) || !strings.Contains(mustJSON(companies), `"delivery_id":"YUNDA"`) {
		t.Errorf("company list %v", companies)
	}
	order := func() map[string]any {
		return e.call("order/get", map[string]any{"order_id": oid}, 0)["order"].(map[string]any)
	}
	sku := order()["order_detail"].(map[string]any)["product_infos"].([]any)[0].(map[string]any)["sku_id"].(string)
	parcel := func(carrier, waybill string, n int) map[string]any {
		return map[string]any{"order_id": oid, "delivery_list": []any{map[string]any{"delivery_id": carrier, "waybill_id": waybill, "deliver_type": 1,
			"product_infos": []any{map[string]any{"product_id": json.Number(pid), "sku_id": sku, "product_cnt": n}}}}}
	}
	e.call("order/delivery/send", parcel("YD", "4312345678901", 2), wechat.CodeBadDeliveryID) // TOP's code, not the platform's
	e.call("order/delivery/send", parcel("YUNDA", "4312345678901", 4), wechat.CodeInvalidArgs)
	e.call("order/delivery/send", parcel("YUNDA", "4312345678901", 2), 0)
	e.call("order/delivery/send", parcel("YUNDA", "4312345678901", 2), 0) // the same parcel again
	o := order()
	if num(o["status"]) != 21 || len(o["order_detail"].(map[string]any)["delivery_info"].(map[string]any)["delivery_product_info"].([]any)) != 1 {
		t.Fatalf("after the first parcel: %v", o)
	}
	e.call("order/delivery/send", parcel("SF", "SF1402345678901", 2), wechat.CodeInvalidArgs) // 1 left
	e.call("order/delivery/send", parcel("SF", "SF1402345678901", 1), 0)
	o = order()
	di := o["order_detail"].(map[string]any)["delivery_info"].(map[string]any)
	if num(o["status"]) != 30 || len(di["delivery_product_info"].([]any)) != 2 || num(di["ship_done_time"]) == 0 {
		t.Fatalf("after the second parcel: %v", o)
	}
	e.call("order/delivery/send", parcel("SF", "SF9", 1), wechat.CodeOrderNotShipped)
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestLeaguePoolAndCommission(t *testing.T) {
	dir := t.TempDir()
	e := open(t, wechat.Config{StateFile: filepath.Join(dir, "wechat.json")})
	draft := e.call("product/add", addBody(), 0)["data"].(map[string]any)["product_id"].(string) // in review: not listed
	res := e.call("league/item/batchadd", map[string]any{"type": 1, "list": []any{map[string]any{"product_id": json.Number(draft), "ratio": 20}}}, 0)
	if r := res["result_info_list"].([]any)[0].(map[string]any); num(r["errcode"]) != wechat.CodeLeagueNotListed {
		t.Fatalf("unlisted product joined: %v", res)
	}
	pid := e.listedProduct()
	long := []any{}
	for range 21 {
		long = append(long, map[string]any{"product_id": pid, "ratio": 20})
	}
	e.call("league/item/batchadd", map[string]any{"type": 1, "list": long}, wechat.CodeLeagueTooMany)
	e.call("league/item/batchadd", map[string]any{"type": 1, "list": long[:2]}, wechat.CodeLeagueDupProduct)
	e.call("league/item/batchadd", map[string]any{"type": 4, "list": long[:1]}, wechat.CodeLeagueType)
	res = e.call("league/item/batchadd", map[string]any{"type": 1, "list": []any{map[string]any{"product_id": json.Number(pid), "ratio": 20}}, "is_forerver": true}, 0)
	if r := res["result_info_list"].([]any)[0].(map[string]any); num(r["errcode"]) != 0 || r["product_id"] != pid {
		t.Fatalf("join: %v", res)
	}
	e.call("league/item/upd", map[string]any{"type": 1, "product_id": json.Number(pid), "operate_type": 1, "ratio": 91}, wechat.CodeLeagueArgs)
	e.call("league/item/upd", map[string]any{"type": 1, "product_id": json.Number(pid), "operate_type": 1, "ratio": 25}, 0)
	if it := e.call("league/item/get", map[string]any{"type": 1, "product_id": pid}, 0)["item"].(map[string]any); num(it["ratio"]) != 25 {
		t.Errorf("item %v", it)
	}
	// Orders of a pool product carry the 达人's commission: 25% of 5990 分.
	ids, err := e.sb.SellOrders(2, "")
	if err != nil {
		t.Fatal(err)
	}
	d := e.call("order/get", map[string]any{"order_id": ids[0]}, 0)["order"].(map[string]any)["order_detail"].(map[string]any)
	ci, _ := d["commission_infos"].([]any)
	if len(ci) != 1 || num(ci[0].(map[string]any)["amount"]) != 1497 || ci[0].(map[string]any)["talent_id"] == "" ||
		num(d["settle_info"].(map[string]any)["predict_commission_fee"]) != 1497 {
		t.Fatalf("commission %v %v", ci, d["settle_info"])
	}
	if err := e.sb.RefundOrder(ids[0]); err != nil {
		t.Fatal(err)
	}
	d = e.call("order/get", map[string]any{"order_id": ids[0]}, 0)["order"].(map[string]any)["order_detail"].(map[string]any)
	if num(d["commission_infos"].([]any)[0].(map[string]any)["status"]) != 200 || num(d["settle_info"].(map[string]any)["predict_commission_fee"]) != 0 {
		t.Errorf("refunded: %v", d)
	}
	// The pool survives a restart.
	if err := e.sb.Close(); err != nil {
		t.Fatal(err)
	}
	again := wechat.New(wechat.Config{AppID: "wx0123456789abcdef", Secret: "s3cr3t", StateFile: filepath.Join(dir, "wechat.json")})
	if again.Pool()[pid] != 25 {
		t.Errorf("pool after restart: %v", again.Pool())
	}
	_ = again.Close()
	e.call("league/item/delete", map[string]any{"type": 1, "product_id": pid}, 0)
	e.call("league/item/delete", map[string]any{"type": 1, "product_id": pid}, wechat.CodeLeagueNoProduct)
	e.call("league/item/get", map[string]any{"type": 1, "product_id": pid}, wechat.CodeLeagueNoProduct)
}

func TestAfterSales(t *testing.T) {
	c := &clock{t: time.Unix(1795485600, 0)}
	e := open(t, wechat.Config{Now: c.Now})
	e.listedProduct()
	ids, err := e.sb.SellOrders(3, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.sb.CancelOrder(ids[0]); err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(20 * time.Minute)
	open1, err := e.sb.OpenAfterSale(ids[1], "RETURN")
	if err != nil {
		t.Fatal(err)
	}
	now := c.t.Unix()
	e.call("aftersale/getaftersalelist", map[string]any{"begin_update_time": now - 90000, "end_update_time": now + 1}, wechat.CodeAfterSaleSpan)
	e.sb.SetAfterSalePage(1)
	rng := map[string]any{"begin_update_time": now - 7200, "end_update_time": now + 1}
	page := e.call("aftersale/getaftersalelist", rng, 0)
	if len(page["after_sale_order_id_list"].([]any)) != 1 || page["has_more"] != true {
		t.Fatalf("page 1: %v", page)
	}
	rng["next_key"] = page["next_key"]
	page = e.call("aftersale/getaftersalelist", rng, 0)
	if page["after_sale_order_id_list"].([]any)[0] != open1 || page["has_more"] != false {
		t.Fatalf("page 2: %v", page)
	}
	a := e.call("aftersale/getaftersaleorder", map[string]any{"after_sale_order_id": open1}, 0)["after_sale_order"].(map[string]any)
	if a["status"] != "MERCHANT_PROCESSING" || a["type"] != "RETURN" || a["order_id"] != ids[1] || num(a["refund_info"].(map[string]any)["amount"]) != 5990 {
		t.Errorf("case %v", a)
	}
	c.t = c.t.Add(20 * time.Minute)
	if err := e.sb.SetAfterSaleStatus(open1, "MERCHANT_RETURN_SUCCESS"); err != nil {
		t.Fatal(err)
	}
	moved := e.call("aftersale/getaftersalelist", map[string]any{"begin_update_time": c.t.Unix() - 60, "end_update_time": c.t.Unix() + 1}, 0)
	if ids := moved["after_sale_order_id_list"].([]any); len(ids) != 1 || ids[0] != open1 {
		t.Errorf("updated cases: %v", moved)
	}
	e.call("aftersale/getaftersaleorder", map[string]any{"after_sale_order_id": "1"}, wechat.CodeAfterSaleNotFound)
	detail := e.call("order/get", map[string]any{"order_id": ids[0]}, 0)["order"].(map[string]any)["aftersale_detail"].(map[string]any)
	if len(detail["aftersale_order_list"].([]any)) != 1 {
		t.Errorf("aftersale_detail %v", detail)
	}
}

func TestAuditFreeDeletesSKU(t *testing.T) {
	e := open(t, wechat.Config{})
	body := addBody()
	body["skus"] = append(body["skus"].([]map[string]any), map[string]any{"out_sku_id": "YS-TS-001-BLK-M", "sale_price": 6990, "stock_num": 5,
		"sku_attrs": []map[string]string{{"attr_key": "颜色", "attr_value": "黑色"}}})
	id := e.call("product/add", body, 0)["data"].(map[string]any)["product_id"].(string)
	var got map[string]any
	for range wechat.DefaultReviewGets {
		got = e.call("product/get", map[string]any{"product_id": id, "data_type": 3}, 0)
	}
	skus := got["product"].(map[string]any)["skus"].([]any)
	black := skus[1].(map[string]any)["sku_id"].(string)
	white := skus[0].(map[string]any)["sku_id"].(string)
	e.call("product/auditfree", map[string]any{"product_id": id, "skus": []any{map[string]any{"sku_id": black, "is_delete": "yes"}}}, wechat.CodeInvalidArgs)
	e.call("product/auditfree", map[string]any{"product_id": id, "skus": []any{map[string]any{"sku_id": black, "is_delete": 1}}}, 0)
	out := e.call("product/get", map[string]any{"product_id": id, "data_type": 3}, 0)
	if n := len(out["product"].(map[string]any)["skus"].([]any)); n != 1 || len(out["edit_product"].(map[string]any)["skus"].([]any)) != 1 {
		t.Errorf("after delete: %v", out)
	}
	if _, ok := e.sb.Stock("YS-TS-001-BLK-M"); ok {
		t.Error("the deleted SKU still has stock")
	}
	e.call("product/auditfree", map[string]any{"product_id": id, "skus": []any{map[string]any{"sku_id": black, "is_delete": true}}}, wechat.CodeNotFound)
	e.call("product/auditfree", map[string]any{"product_id": id, "skus": []any{map[string]any{"sku_id": white, "is_delete": true}}}, wechat.CodeInvalidArgs)
}
