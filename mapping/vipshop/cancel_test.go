package vipshopmap_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/domain"
	vipmap "github.com/syncctl/syncctl/mapping/vipshop"
)

// A batchGetCancelInfo answer as the IDL shapes it (audit_status an i32,
// order_status a string).
const cancelInfos = `{"total":4,"cancelInfos":[
 {"order_id":"24112012345678901","apply_sn":"CA2411200001","reason_choice_remark":"不想要了","reason_remark":"拍错尺码",
  "operator_role_name":"用户","audit_status":1,"audit_opinion":"","order_status":"10","is_system":"0"},
 {"order_id":"24112012345678902","apply_sn":"CA2411200002","reason_choice_remark":"信息填写错误","reason_remark":"",
  "operator_role_name":"用户","audit_status":2,"audit_opinion":"系统自动审核通过","order_status":"10","is_system":"1"},
 {"order_id":"24112012345678903","apply_sn":"CA2411200003","reason_choice_remark":"不想要了","reason_remark":"",
  "operator_role_name":"用户","audit_status":3,"audit_opinion":"商品已打包出库","order_status":"10","is_system":"0"},
 {"order_id":"24112012345678901","apply_sn":"CA2411190009","reason_choice_remark":"不想要了","reason_remark":"",
  "operator_role_name":"用户","audit_status":4,"audit_opinion":"","order_status":"10","is_system":"0"}]}`

func TestApplyCancel(t *testing.T) {
	var r struct {
		Total       int                 `json:"total"`
		CancelInfos []vipmap.CancelInfo `json:"cancelInfos"`
	}
	if err := json.Unmarshal([]byte(cancelInfos), &r); err != nil || len(r.CancelInfos) != 4 || r.CancelInfos[1].AuditStatus != vipmap.CancelApproved {
		t.Fatalf("decode: %v %+v", err, r)
	}
	base, err := vipmap.DecodeOrder(shop, json.RawMessage(sovOrder), lines(t))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, id, platformStatus string
		status                   domain.OrderStatus
		refund                   string
	}{
		{"pending (and an older closed one)", "24112012345678901", "10", domain.OrderPaid, vipmap.LineCancelRequested},
		{"approved, getOrders still 10", "24112012345678902", "10", domain.OrderCancelled, ""},
		{"rejected", "24112012345678903", "10", domain.OrderPaid, ""},
		{"no application", "24112012345678904", "10", domain.OrderPaid, ""},
		{"shipped: getOrders decides", "24112012345678901", "22", domain.OrderShipped, ""},
		{"cancelled already", "24112012345678902", "97", domain.OrderCancelled, ""},
	}
	for _, c := range cases {
		o := base
		o.Lines = append([]domain.OrderLine(nil), base.Lines...)
		o.PlatformOrderID, o.PlatformStatus, o.Status = c.id, c.platformStatus, vipmap.MapStatus(c.platformStatus)
		before := o.Version()
		vipmap.ApplyCancel(&o, r.CancelInfos)
		if o.Status != c.status || o.Lines[0].RefundStatus != c.refund || o.Lines[1].RefundStatus != c.refund {
			t.Errorf("%s: %s %q %q", c.name, o.Status, o.Lines[0].RefundStatus, o.Lines[1].RefundStatus)
		}
		// A cancellation, asked or done, is not a refund: no refund state.
		if o.Lines[0].RefundState != "" || o.Lines[1].RefundState != "" || o.Lines[0].RefundCaseID != "" {
			t.Errorf("%s: a cancellation application gave the lines a refund: %+v", c.name, o.Lines)
		}
		if changed := o.Version() != before; changed != (c.refund != "" || c.status != vipmap.MapStatus(c.platformStatus)) {
			t.Errorf("%s: version changed %v", c.name, changed)
		}
		if o.PlatformStatus != c.platformStatus || !strings.HasPrefix(o.PlatformOrderID, "2411201234567890") {
			t.Errorf("%s: platform status %s", c.name, o.PlatformStatus)
		}
	}
}
