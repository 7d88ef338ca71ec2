package wechatmap_test

import (
	"strings"
	"testing"

	"github.com/syncctl/syncctl/domain"
	wechatmap "github.com/syncctl/syncctl/mapping/wechat"
)

// afterSaleBody is getaftersaleorder's answer for a 退货退款 waiting for
// the goods, in the shape of the doc sample.
const afterSaleBody = `{"errcode":0,"errmsg":"ok","after_sale_order":{
  "after_sale_order_id": "1934164653012121", "status": "MERCHANT_WAIT_RECEIPT", "openid": "oZ3Xw5Abc", "unionid": "",
  "order_id": "3704612354559743232",
  "product_info": {"product_id": "10000029995861", "sku_id": "1380997702", "count": 1},
  "details": {"desc": "尺码偏小", "receive_product": true, "cancel_time": 0, "prove_imgs": [], "tel_number": ""},
  "refund_info": {"amount": 6990, "refund_reason": 1},
  "return_info": {"waybill_id": "SF1402345678901", "delivery_id": "SF", "delivery_name": "顺丰速运"},
  "merchant_upload_info": {"reject_reason": "", "refund_certificates": []},
  "create_time": 1795572000, "update_time": 1795658400, "reason": "SIZE_NOT_FIT", "type": "RETURN"}}`

func TestDecodeAfterSale(t *testing.T) {
	a, err := wechatmap.DecodeAfterSale(shop, []byte(afterSaleBody))
	if err != nil {
		t.Fatal(err)
	}
	if a.PlatformCaseID != "1934164653012121" || a.PlatformOrderID != "3704612354559743232" || a.Kind != "return_refund" ||
		a.Status != domain.AfterSaleApproved || a.PlatformStatus != "MERCHANT_WAIT_RECEIPT" || a.RefundAmount != 6990 ||
		a.Reason != "SIZE_NOT_FIT" || a.ReturnTrackingNo != "SF1402345678901" || a.ModifiedAt.Unix() != 1795658400 || a.CreatedAt.Unix() != 1795572000 {
		t.Errorf("case %+v", a)
	}
	if len(a.Lines) != 1 || a.Lines[0] != (domain.AfterSaleLine{PlatformLineID: "1380997702", Quantity: 1, RefundAmount: 6990}) {
		t.Errorf("lines %+v", a.Lines)
	}
	statuses := map[string]domain.AfterSaleStatus{"MERCHANT_PROCESSING": domain.AfterSaleRequested, "USER_CANCELD": domain.AfterSaleCancelled,
		"MERCHANT_REJECT_REFUND": domain.AfterSaleRejected, "MERCHANT_REFUND_SUCCESS": domain.AfterSaleRefunded,
		"MERCHANT_RETURN_SUCCESS": domain.AfterSaleRefunded, "USER_WAIT_RETURN": domain.AfterSaleApproved, "SOMETHING_NEW": domain.AfterSaleUnknown}
	for s, want := range statuses {
		a, err := wechatmap.DecodeAfterSale(shop, []byte(strings.Replace(afterSaleBody, "MERCHANT_WAIT_RECEIPT", s, 1)))
		if err != nil || a.Status != want || a.PlatformStatus != s {
			t.Errorf("%s → %s %v, want %s", s, a.Status, err, want)
		}
	}
	a, _ = wechatmap.DecodeAfterSale(shop, []byte(strings.NewReplacer(`"type": "RETURN"`, `"type": "REFUND"`, `"reason": "SIZE_NOT_FIT"`, `"reason": ""`).Replace(afterSaleBody)))
	if a.Kind != "refund_only" || a.Reason != "尺码偏小" {
		t.Errorf("refund only: %s %q", a.Kind, a.Reason)
	}
}

func TestDecodeAfterSaleRefuses(t *testing.T) {
	cases := map[string]struct{ from, to, field string }{
		"no order":        {`"order_id": "3704612354559743232",`, ``, "order_id"},
		"negative refund": {`"amount": 6990`, `"amount": -1`, "refund_info.amount"},
		"no sku":          {`"sku_id": "1380997702", `, ``, "product_info.sku_id"},
		"zero count":      {`"count": 1`, `"count": 0`, "product_info.count"},
		"no update time":  {`"update_time": 1795658400`, `"update_time": 0`, "update_time"},
		"no status":       {`"status": "MERCHANT_WAIT_RECEIPT"`, `"status": ""`, "status"},
	}
	for name, c := range cases {
		_, err := wechatmap.DecodeAfterSale(shop, []byte(strings.Replace(afterSaleBody, c.from, c.to, 1)))
		if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), c.field) || !strings.Contains(err.Error(), "1934164653012121") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := wechatmap.DecodeAfterSale(shop, []byte(`{"errcode":0}`)); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("no case: %v", err)
	}
}
