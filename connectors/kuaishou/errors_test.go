package kuaishou

import (
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/domain"
)

// TestErrorTable: every answer the platform gives maps onto a domain code;
// the throttle texts decide before any number.
func TestErrorTable(t *testing.T) {
	now := time.Date(2026, 12, 1, 15, 30, 0, 0, gmt8)
	toMidnight := 8*time.Hour + 30*time.Minute
	cases := []struct {
		name   string
		result int
		field  string // which text field carries the message
		msg    string
		code   string
		wait   time.Duration
	}{
		{"qps text", 1017, "error_msg", "Exceed qps limit, KEY [apiId:open.order.cursor.list;appkey:ks1], MAX_QPS [300.0]", domain.ERateLimited, time.Second},
		{"qps text, other number", 40004, "msg", "Exceed qps limit, KEY [apiId:open.item.new;appkey:ks1], MAX_QPS [100.0]", domain.ERateLimited, time.Second},
		{"app quota", 1017, "error_msg", "Exceed quota limit, KEY [appkey:ks6887777777779839]", domain.ERateLimited, toMidnight},
		{"test user quota", 1017, "subMsg", "Exceed quota limit, KEY [appkey:ks1;primaryUserId:20009988843]", domain.ERateLimited, toMidnight},
		{"api quota", 1017, "errorMsg", "[1017] exceed quota limit,[apiId:open.item.category.suggested.get;primaryUserId:3649418105]", domain.ERateLimited, toMidnight},
		{"throttle number alone", 1017, "error_msg", "限流", domain.ERateLimited, time.Second},
		{"token", 28, "error_msg", "鉴权失败", tokenError, 0},
		{"revoked", 24, "error_msg", "AUTHORIZATION_REVOKED", domain.EAuth, 0},
		{"signature", 27, "error_msg", "签名校验失败", domain.EAuth, 0},
		{"busy", 2, "error_msg", "系统繁忙", domain.EUnavailable, 0},
		{"not found", 2002, "subMsg", "kwaiItemId 1: 商品不存在", domain.ENotFound, 0},
		{"conflict", 2003, "subMsg", "库存不足", domain.EConflict, 0},
		{"bad param", 2001, "subMsg", "endTime无效", domain.EInvalid, 0},
		{"over 7 days", 300004, "subMsg", "查询范围不能大于7天", domain.EInvalid, 0},
		{"unknown small", 17, "error_msg", "?", domain.EUnavailable, 0},
	}
	for _, c := range cases {
		a := answer{Result: &c.result}
		switch c.field {
		case "error_msg":
			a.ErrorMsg = c.msg
		case "msg":
			a.Msg = c.msg
		case "subMsg":
			a.SubMsg, a.Msg = c.msg, "业务处理失败"
		case "errorMsg":
			a.ErrMsg2 = c.msg
		}
		err := mapError("open.x", a, now)
		var de *domain.Error
		switch v := err.(type) {
		case apiQuota:
			de = v.err
		case *domain.Error:
			de = v
		}
		if de == nil || de.Code != c.code || de.RetryAfter != c.wait || !strings.Contains(de.Message, c.msg) {
			t.Errorf("%s: %#v", c.name, err)
		}
	}
}
