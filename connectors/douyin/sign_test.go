package douyin_test

import (
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors/douyin"
	"github.com/syncctl/syncctl/domain"
)

// The computed vectors of channels.md §5.2, computed here apart from the sandbox.
func TestSignVectors(t *testing.T) {
	pj, err := douyin.ParamJSON(map[string]any{"update_time_start": 1699990000, "size": 10, "page": 0, "update_time_end": 1700000000})
	if err != nil || pj != `{"page":0,"size":10,"update_time_end":1700000000,"update_time_start":1699990000}` {
		t.Fatalf("param_json %s %v", pj, err)
	}
	if got := douyin.Sign(douyin.SignHMAC, "test_secret", "1234567890123456789", "order.searchList", pj, "1700000000"); got != "8ee67111fdf9bf1b86f8cf300108633308318cf78cfc19a757b455602972a7b0" {
		t.Errorf("hmac-sha256 = %s", got)
	}
	if got := douyin.Sign(douyin.SignMD5, "test_secret", "1234567890123456789", "order.searchList", pj, "1700000000"); got != "453f0b349d7fc5fd308784848916ff2b" {
		t.Errorf("md5 = %s", got)
	}
}

// param_json: nested keys sorted, no HTML escaping, struct fields sorted
// too, 19-digit numbers kept, nil as {}.
func TestParamJSON(t *testing.T) {
	type body struct {
		Zeta  string `json:"zeta"`
		Alpha int64  `json:"alpha"`
	}
	cases := []struct {
		in   any
		want string
	}{
		{nil, "{}"},
		{body{Zeta: "<a&b>", Alpha: 3472490447010721067}, `{"alpha":3472490447010721067,"zeta":"<a&b>"}`},
		{map[string]any{"products": []map[string]any{{"product_id": "1", "cos_ratio": 12.5}}, "is_create": true},
			`{"is_create":true,"products":[{"cos_ratio":12.5,"product_id":"1"}]}`},
	}
	for _, c := range cases {
		if got, err := douyin.ParamJSON(c.in); err != nil || got != c.want {
			t.Errorf("%v: %s %v, want %s", c.in, got, err, c.want)
		}
	}
}

func TestCosRatio(t *testing.T) {
	for bp, want := range map[int]string{2000: "20", 1250: "12.5", 1205: "12.05", 1: "0.01", 10000: "100", 310: "3.1"} {
		if got, err := douyin.CosRatio(bp); err != nil || string(got) != want {
			t.Errorf("%d bp: %s %v, want %s", bp, got, err, want)
		}
	}
	for _, bp := range []int{0, -5, 10001} {
		if _, err := douyin.CosRatio(bp); domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "commission rate") {
			t.Errorf("%d bp: %v", bp, err)
		}
	}
}

func TestErrorTable(t *testing.T) {
	cases := []struct {
		code       int
		sub, want  string
		retryAfter bool
	}{
		{20000, "isp.service-error", domain.EUnavailable, false},
		{20001, "", domain.EUnavailable, false},
		{60000, "", domain.ERateLimited, true},
		{30001, "isv.app-permissions-insufficient", domain.EAuth, false},
		{30002, "", domain.EAuth, false},
		{40003, "isv.signature-invalid", domain.EAuth, false},
		{40003, "isv.timestamp-invalid", domain.EInvalid, false},
		{40002, "isv.missing-parameter:name", domain.EInvalid, false},
		{40004, "isv.parameter-invalid:price", domain.EInvalid, false},
		{50001, "dop.token-generate-failed:code-expired", domain.EAuth, false},
		{50001, "isp.service-error", domain.EUnavailable, false},
		{50002, "isv.business-failed:product-not-exist", domain.ENotFound, false},
		{50002, "isv.business-failed:status-not-allowed", domain.EConflict, false},
		{70000, "isp.api-service-off", domain.EInvalid, false},
		{90000, "", domain.EUnavailable, false},
	}
	for _, c := range cases {
		e := douyin.MapError("order.searchList", c.code, c.sub, "msg", time.Now())
		if e.Code != c.want || (e.RetryAfter > 0) != c.retryAfter || !strings.Contains(e.PlatformCode, c.sub) {
			t.Errorf("%d %s: %s (retry after %s) [%s], want %s", c.code, c.sub, e.Code, e.RetryAfter, e.PlatformCode, c.want)
		}
	}
}
