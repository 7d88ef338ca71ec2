package jd

import (
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/domain"
)

// TestSignVector is channels.md §4's computed vector.
func TestSignVector(t *testing.T) {
	got := Sign("sec", map[string]string{
		"360buy_param_json": `{"page":"1","page_size":"20"}`, "access_token": "tok", "app_key": "appkey", "format": "json",
		"method": "jingdong.pop.order.search", "sign_method": "md5", "timestamp": "2024-01-01 12:00:00", "v": "2.0",
	})
	if got != "4FD321CB54EC1D81D3192A1D1AD8925A" {
		t.Fatalf("sign = %s", got)
	}
	// sign and empty values are not signed.
	again := Sign("sec", map[string]string{
		"360buy_param_json": `{"page":"1","page_size":"20"}`, "access_token": "tok", "app_key": "appkey", "format": "json",
		"method": "jingdong.pop.order.search", "sign_method": "md5", "timestamp": "2024-01-01 12:00:00", "v": "2.0",
		"sign": "X", "empty": "",
	})
	if again != got {
		t.Fatalf("sign over sign/empty = %s", again)
	}
}

func TestErrorTable(t *testing.T) {
	cases := []struct {
		code, want string
	}{
		{"1", domain.EUnavailable}, {"2", domain.ERateLimited}, {"3", domain.EAuth}, {"8", domain.EInvalid},
		{"12", domain.EAuth}, {"15", domain.EInvalid}, {"17", domain.EConflict}, {"18", tokenError}, {"19", tokenError},
		{"21", domain.EAuth}, {"24", domain.EAuth}, {"43", domain.EUnavailable}, {"61", domain.EInvalid},
		{"65", domain.EUnavailable}, {"66", domain.EUnavailable}, {"67", domain.EUnavailable}, {"70", domain.EConflict},
		{"71", domain.ENotFound}, {"73", domain.EAuth}, {"11200025", domain.ENotFound}, {"11201056", domain.EInvalid},
		{"99999", domain.EUnavailable}, {"", domain.EUnavailable},
	}
	for _, c := range cases {
		if got := Classify(c.code); got != c.want {
			t.Errorf("code %q → %s, want %s", c.code, got, c.want)
		}
	}
}

func TestDecodeAnswer(t *testing.T) {
	const m = "jingdong.pop.order.search"
	cases := []struct {
		name, body, code, pcode, text string
		wait                          time.Duration
	}{
		{"throttle", `{"error_response":{"code":"2","zh_desc":"限制时间内调用失败次数","en_desc":"App Call Limited"}}`,
			domain.ERateLimited, "2", "App Call Limited", throttleWait},
		{"numeric code", `{"error_response":{"code":12,"zh_desc":"无效签名","en_desc":"Invalid Signature"}}`, domain.EAuth, "12", "无效签名", 0},
		{"code inside the responce", `{"jingdong_pop_order_search_responce":{"code":"61","zh_desc":"参数[end_date]值不合法"}}`,
			domain.EInvalid, "61", "end_date", 0},
		{"timestamp", `{"error_response":{"code":"8","zh_desc":"非法的时间戳参数"}}`, domain.EInvalid, "8", "±6 minutes", 0},
		{"wrong root", `{"jingdong_pop_order_get_responce":{"code":"0"}}`, domain.EUnavailable, "", "has no jingdong_pop_order_search_responce", 0},
		{"not json", `<html>502</html>`, domain.EUnavailable, "", "malformed", 0},
	}
	for _, c := range cases {
		err := decodeAnswer(m, []byte(c.body), nil)
		e, ok := err.(*domain.Error)
		if !ok || e.Code != c.code || e.PlatformCode != c.pcode || !strings.Contains(e.Error(), c.text) || e.RetryAfter != c.wait {
			t.Errorf("%s: %#v", c.name, err)
		}
	}
	var out struct {
		R struct {
			Total int `json:"orderTotal"`
		} `json:"searchorderinfo_result"`
	}
	if err := decodeAnswer(m, []byte(`{"jingdong_pop_order_search_responce":{"code":"0","searchorderinfo_result":{"orderTotal":3}}}`), &out); err != nil || out.R.Total != 3 {
		t.Fatalf("success: %v %+v", err, out)
	}
}

func TestBusinessResult(t *testing.T) {
	err := result{Success: false, NumberCode: "71", ChineseErrCode: "订单不存在"}.err("jingdong.pop.order.get")
	if domain.ErrorCode(err) != domain.ENotFound || !strings.Contains(err.Error(), "订单不存在") {
		t.Fatal(err)
	}
	if err := (result{Success: true}).err("x"); err != nil {
		t.Fatal(err)
	}
}

func TestResponseRoot(t *testing.T) {
	if r := ResponseRoot("jingdong.sku.read.findSkuById"); r != "jingdong_sku_read_findSkuById_responce" {
		t.Fatal(r)
	}
}
