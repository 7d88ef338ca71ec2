package wechatmap_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping/internal/fuzzcheck"
	wechatmap "github.com/syncctl/syncctl/mapping/wechat"
)

// FuzzOrder: whatever order/get answers, DecodeOrder never panics and
// either names the order and the field or maps an order that holds
// (优选联盟 commissions included).
func FuzzOrder(f *testing.F) {
	two := strings.Replace(cpsBody, `"talent_id": "talent_7f3a9c"}]`, `"talent_id": "talent_7f3a9c"},
      {"sku_id": "1380997701", "nickname": "好物分享官", "type": 1, "status": 200, "amount": 549, "finder_id": "", "openfinderid": "", "talent_id": "talent_c01d"}]`, 1)
	settled := strings.Replace(cpsBody, `"commission_fee": 0, "settle_time": 0`, `"commission_fee": 2100, "settle_time": 1795572000`, 1)
	part := string(aftersaleBody(30, 3, 1, 1, 17970, `{"aftersale_order_id": "1234", "status": 13}`))
	for _, s := range []string{orderBody, cpsBody, two, settled, refundedBody, part, `{"errcode":0}`} {
		for _, v := range fuzzcheck.Variants(s) {
			f.Add([]byte(v))
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzcheck.Order(t, func() (domain.SalesOrder, error) { return wechatmap.DecodeOrder(shop, body) })
	})
}

// FuzzAfterSale: the same for getaftersaleorder's answer.
func FuzzAfterSale(f *testing.F) {
	refund := strings.NewReplacer(`"RETURN"`, `"REFUND"`, `"MERCHANT_WAIT_RECEIPT"`, `"MERCHANT_REFUND_SUCCESS"`).Replace(afterSaleBody)
	for _, s := range []string{afterSaleBody, refund, `{"errcode":0}`} {
		for _, v := range fuzzcheck.Variants(s) {
			f.Add([]byte(v))
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzcheck.AfterSale(t, func() (domain.AfterSale, error) { return wechatmap.DecodeAfterSale(shop, body) })
	})
}

// FuzzProduct: whatever product/get sends as a draft, DraftWithoutSKU
// never panics; it refuses naming the product and the field, says the sku
// is not there, or returns an update body without that sku nor the
// read-only fields. ReviewStatus reads any draft and online copy.
func FuzzProduct(f *testing.F) {
	draft := `{"product_id":"10000029995861","out_product_id":"YS-TS-001","title":"纯棉圆领短袖T恤","edit_status":2,
	  "audit_info":{"submit_time":1795485600},"head_imgs":["https://img/1.jpg"],"status":5,
	  "skus":[{"sku_id":"1380997701","out_sku_id":"YS-TS-001-WHT-M","sale_price":5990,"stock_num":10},
	          {"sku_id":1380997702,"out_sku_id":"YS-TS-001-BLK-M","sale_price":6990,"stock_num":5}]}`
	rejected := `{"product_id":"10000029995861","edit_status":3,"audit_info":{"reject_reason":"主图含水印"},"skus":[]}`
	for _, s := range []string{draft, rejected, `[]`} {
		for _, v := range fuzzcheck.Variants(s) {
			f.Add([]byte(v), "1380997702")
		}
	}
	f.Fuzz(func(t *testing.T, draft []byte, skuID string) {
		var p wechatmap.Product
		if json.Unmarshal(draft, &p) == nil {
			if s, _ := wechatmap.ReviewStatus(p, p); !slices.Contains([]domain.ListingStatus{domain.ListingInReview,
				domain.ListingRejected, domain.ListingOnSale, domain.ListingDelisted}, s) {
				t.Fatalf("ReviewStatus = %q", s)
			}
		}
		body, err := wechatmap.DraftWithoutSKU(draft, "10000029995861", skuID)
		switch domain.ErrorCode(err) {
		case domain.ENotFound:
			return
		case domain.EInvalid:
			fuzzcheck.Named(t, err, "product 10000029995861")
			return
		case "":
		default:
			t.Fatalf("err = %v", err)
		}
		var skus []struct {
			SKUID json.RawMessage `json:"sku_id"`
		}
		if err := json.Unmarshal(body["skus"], &skus); err != nil {
			t.Fatalf("skus %s: %v", body["skus"], err)
		}
		for _, k := range skus {
			var id json.Number
			if json.Unmarshal(k.SKUID, &id) == nil && id.String() == skuID {
				t.Fatalf("sku %s kept: %s", skuID, body["skus"])
			}
		}
		for _, ro := range []string{"edit_status", "status", "audit_info"} {
			if _, ok := body[ro]; ok {
				t.Fatalf("read-only %s kept", ro)
			}
		}
	})
}
