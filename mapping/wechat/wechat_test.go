package wechatmap_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	wechatmap "github.com/syncctl/syncctl/mapping/wechat"
)

var shop = domain.ShopRef{Channel: "wechat_shop", Shop: "main"}

func push() connectors.ProductPush {
	return connectors.ProductPush{
		Product: domain.Product{Code: "YS-TS-001", Title: "纯棉圆领短袖T恤", Description: "100%棉",
			Images: []string{"https://img/1.jpg", "https://img/2.jpg", "https://img/3.jpg"},
			SKUs: []domain.SKU{
				{Code: "YS-TS-001-WHT-M", Specs: []domain.SpecValue{{Name: "颜色", Value: "白色"}, {Name: "尺码", Value: "M"}}},
				{Code: "YS-TS-001-BLK-M", Specs: []domain.SpecValue{{Name: "颜色", Value: "黑色"}, {Name: "尺码", Value: "M"}}},
			}},
		Prices: map[string]domain.Money{"YS-TS-001-WHT-M": 5990, "YS-TS-001-BLK-M": 6990},
		Stocks: map[string]int{"YS-TS-001-WHT-M": 10},
	}
}

func TestProductRequest(t *testing.T) {
	b, err := wechatmap.ProductRequest(push(), "", []string{"6033", "6057"})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(b)
	for _, want := range []string{`"out_product_id":"YS-TS-001"`, `"head_imgs":["https://img/1.jpg","https://img/2.jpg","https://img/3.jpg"]`,
		`"cats_v2":[{"cat_id":"6033"},{"cat_id":"6057"}]`, `"out_sku_id":"YS-TS-001-WHT-M"`, `"sale_price":5990`, `"stock_num":10`,
		`"sku_attrs":[{"attr_key":"颜色","attr_value":"白色"},{"attr_key":"尺码","attr_value":"M"}]`, `"sale_price":6990,"stock_num":0`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("body lacks %s:\n%s", want, raw)
		}
	}
	if strings.Contains(string(raw), "product_id\":\"") && strings.Contains(string(raw), `"product_id":""`) {
		t.Errorf("add body carries an empty product_id: %s", raw)
	}
	p := push()
	p.Known = &connectors.ProductIDs{ItemID: "10000029995861", SKUIDs: map[string]string{"YS-TS-001-WHT-M": "1380997701"}}
	u, err := wechatmap.ProductRequest(p, "10000029995861", nil)
	if err != nil {
		t.Fatal(err)
	}
	if u.ProductID != "10000029995861" || u.SKUs[0].SKUID != "1380997701" || u.SKUs[1].SKUID != "" {
		t.Errorf("update body ids: %+v", u)
	}
}

func TestProductRequestRefuses(t *testing.T) {
	cases := []struct {
		name, field string
		edit        func(*connectors.ProductPush)
	}{
		{"short title", "title", func(p *connectors.ProductPush) { p.Product.Title = "T恤  短 袖" }},
		{"long title", "title", func(p *connectors.ProductPush) { p.Product.Title = strings.Repeat("长", 61) }},
		{"two images", "images", func(p *connectors.ProductPush) { p.Product.Images = p.Product.Images[:2] }},
		{"ten images", "images", func(p *connectors.ProductPush) {
			p.Product.Images = strings.Split(strings.Repeat("https://img/x.jpg,", 10)[:179], ",")
		}},
		{"no price", "price", func(p *connectors.ProductPush) { delete(p.Prices, "YS-TS-001-BLK-M") }},
		{"zero price", "price", func(p *connectors.ProductPush) { p.Prices["YS-TS-001-BLK-M"] = 0 }},
		{"negative stock", "stock", func(p *connectors.ProductPush) { p.Stocks["YS-TS-001-WHT-M"] = -1 }},
		{"no skus", "skus", func(p *connectors.ProductPush) { p.Product.SKUs = nil }},
		{"no code", "code", func(p *connectors.ProductPush) { p.Product.Code = "" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := push()
			c.edit(&p)
			_, err := wechatmap.ProductRequest(p, "", nil)
			var de *domain.Error
			if !errors.As(err, &de) || de.Code != domain.EInvalid || !strings.Contains(err.Error(), c.field) {
				t.Fatalf("got %v, want EInvalid naming %s", err, c.field)
			}
		})
	}
}

func TestReviewStatus(t *testing.T) {
	cases := []struct {
		draft, online wechatmap.Product
		want          domain.ListingStatus
		reason        string
	}{
		{wechatmap.Product{EditStatus: 2}, wechatmap.Product{}, domain.ListingInReview, ""},
		{wechatmap.Product{EditStatus: 3, AuditInfo: &wechatmap.AuditInfo{RejectReason: "主图含水印"}}, wechatmap.Product{Status: 5}, domain.ListingRejected, "主图含水印"},
		{wechatmap.Product{EditStatus: 4}, wechatmap.Product{Status: 5}, domain.ListingOnSale, ""},
		{wechatmap.Product{EditStatus: 4}, wechatmap.Product{Status: 11}, domain.ListingDelisted, ""},
	}
	for _, c := range cases {
		got, reason := wechatmap.ReviewStatus(c.draft, c.online)
		if got != c.want || reason != c.reason {
			t.Errorf("ReviewStatus(%d, %d) = %s %q, want %s %q", c.draft.EditStatus, c.online.Status, got, reason, c.want, c.reason)
		}
	}
}

// orderBody is order/get's answer in the shape of §1.5, with a 19-digit
// order id as a bare number (beyond float64) and ids as strings elsewhere.
const orderBody = `{"errcode":0,"errmsg":"ok","order":{
  "order_id": 3704612354559743232, "status": 20, "create_time": 1795485600, "update_time": 1795485700,
  "openid": "oZ3Xw5Abc", "unionid": "",
  "order_detail": {
    "product_infos": [
      {"product_id": "10000029995861", "sku_id": "1380997701", "out_sku_id": "YS-TS-001-WHT-M", "sku_cnt": 2, "sale_price": 5990,
       "market_price": 7990, "real_price": 10980, "title": "纯棉圆领短袖T恤", "sku_attrs": [{"attr_key": "颜色", "attr_value": "白色"}], "on_aftersale_sku_cnt": 0},
      {"product_id": 10000029995861, "sku_id": 1380997702, "sku_code": "YS-TS-001-BLK-M", "sku_cnt": 1, "sale_price": 6990,
       "real_price": 6990, "title": "纯棉圆领短袖T恤", "on_aftersale_sku_cnt": 1}
    ],
    "pay_info": {"prepay_id": "wx201", "transaction_id": "4200001", "pay_time": 1795485660, "payment_method": 1},
    "price_info": {"product_price": 18970, "order_price": 17970, "freight": 0, "discounted_price": 1000, "is_discounted": true},
    "delivery_info": {"address_info": {"user_name": "王*", "postal_code": "310000", "province_name": "浙江省", "city_name": "杭州市",
      "county_name": "西湖区", "detail_info": "文三路****", "tel_number": "138****5678", "virtual_order_tel_number": ""}, "deliver_method": 0},
    "ext_info": {"customer_notes": "请尽快发货", "merchant_notes": ""}
  }}}`

func TestDecodeOrder(t *testing.T) {
	o, err := wechatmap.DecodeOrder(shop, []byte(orderBody))
	if err != nil {
		t.Fatal(err)
	}
	if o.PlatformOrderID != "3704612354559743232" {
		t.Errorf("order id %s: digits lost", o.PlatformOrderID)
	}
	if o.Status != domain.OrderPaid || o.PlatformStatus != "20" {
		t.Errorf("status %s %s", o.Status, o.PlatformStatus)
	}
	if o.Amounts != (domain.Amounts{Goods: 18970, Discount: 1000, Freight: 0, Paid: 17970}) {
		t.Errorf("amounts %+v", o.Amounts)
	}
	if o.Receiver != (domain.Receiver{Name: "王*", Phone: "138****5678", Province: "浙江省", City: "杭州市", District: "西湖区", Address: "文三路****"}) {
		t.Errorf("receiver not kept as given: %+v", o.Receiver)
	}
	if o.PaidAt == nil || o.PaidAt.Unix() != 1795485660 || o.ModifiedAt.Unix() != 1795485700 {
		t.Errorf("times %v %v", o.PaidAt, o.ModifiedAt)
	}
	if len(o.Lines) != 2 || o.Lines[0].SKUCode != "YS-TS-001-WHT-M" || o.Lines[1].SKUCode != "YS-TS-001-BLK-M" ||
		o.Lines[1].PlatformSKUID != "1380997702" || o.Lines[0].UnitPrice != 5990 || o.Lines[0].Paid != 10980 || o.Lines[1].RefundStatus != "aftersale" {
		t.Errorf("lines %+v", o.Lines)
	}
	if o.BuyerMessage != "请尽快发货" || o.Buyer.ID != "oZ3Xw5Abc" {
		t.Errorf("buyer %+v %q", o.Buyer, o.BuyerMessage)
	}
}

func TestMapStatus(t *testing.T) {
	want := map[int]domain.OrderStatus{10: domain.OrderPendingPayment, 20: domain.OrderPaid, 21: domain.OrderPartShipped,
		30: domain.OrderShipped, 100: domain.OrderCompleted, 200: domain.OrderCancelled, 250: domain.OrderCancelled, 12: domain.OrderUnknown}
	for s, w := range want {
		if got := wechatmap.MapStatus(s); got != w {
			t.Errorf("MapStatus(%d) = %s, want %s", s, got, w)
		}
	}
}

func TestDecodeOrderRefuses(t *testing.T) {
	cases := map[string]struct{ from, to, field string }{
		"float id":       {`"order_id": 3704612354559743232`, `"order_id": 3.7e18`, "order_id"},
		"no id":          {`"order_id": 3704612354559743232,`, ``, "order_id"},
		"bad sku id":     {`"sku_id": "1380997701"`, `"sku_id": "abc"`, "malformed"},
		"signed sku id":  {`"sku_id": "1380997701"`, `"sku_id": "-1380997701"`, "product_infos[0].sku_id"},
		"zero count":     {`"sku_cnt": 2`, `"sku_cnt": 0`, "product_infos[0].sku_cnt"},
		"negative price": {`"order_price": 17970`, `"order_price": -1`, "price_info.order_price"},
		"no update time": {`"update_time": 1795485700`, `"update_time": 0`, "update_time"},
		"no lines":       {`"product_infos": [`, `"product_infos": [], "x": [`, "product_infos"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			body := strings.Replace(orderBody, c.from, c.to, 1)
			_, err := wechatmap.DecodeOrder(shop, []byte(body))
			if err == nil || !strings.Contains(err.Error(), c.field) {
				t.Fatalf("got %v, want an error naming %s", err, c.field)
			}
		})
	}
}

// aftersaleBody is a one-line order/get answer: the line's after-sales
// counts and the order's aftersale_detail are set per case.
func aftersaleBody(status, cnt, on, finished int, realPrice int64, cases string) []byte {
	return []byte(fmt.Sprintf(`{"errcode":0,"errmsg":"ok","order":{
  "order_id": "3704612354559743300", "status": %d, "create_time": 1795485600, "update_time": 1795489200, "openid": "oZ3Xw5Abc",
  "order_detail": {
    "product_infos": [{"product_id": "10000029995861", "sku_id": "1380997701", "out_sku_id": "YS-TS-001-WHT-M", "sku_cnt": %d,
      "sale_price": 5990, "market_price": 5990, "real_price": %d, "title": "纯棉圆领短袖T恤", "sku_attrs": [],
      "on_aftersale_sku_cnt": %d, "finish_aftersale_sku_cnt": %d}],
    "pay_info": {"pay_time": 1795485660},
    "price_info": {"product_price": 17970, "order_price": 17970, "freight": 0, "discounted_price": 0}},
  "aftersale_detail": {"aftersale_order_list": [%s], "on_aftersale_order_cnt": %d}}}`, status, cnt, realPrice, on, finished, cases, on))
}

// A line's after-sales counts give its refund: every unit done (or the
// order cancelled after every line's after-sales, 200) is the whole line
// refunded; units in a case under way a refund requested; some units done
// part of the line refunded (its real_price share). A case is the line's
// only when the order has one line and one case.
func TestLineRefund(t *testing.T) {
	const one = `{"aftersale_order_id": "1234", "status": 13}` // the doc's sample: status a number
	Q, R := domain.AfterSaleRequested, domain.AfterSaleRefunded
	cases := []struct {
		name                 string
		status, cnt, on, fin int
		real                 int64
		list                 string
		want                 domain.AfterSaleStatus
		refunded             domain.Money
		caseID               string
	}{
		{"no after-sales", 20, 3, 0, 0, 17970, "", "", 0, ""},
		{"a case asked for every unit", 20, 3, 3, 0, 17970, one, Q, 0, "1234"},
		{"a case asked for one unit", 30, 3, 1, 0, 17970, one, Q, 0, "1234"},
		{"every unit refunded", 100, 3, 0, 3, 17970, one, R, 0, "1234"},
		{"one unit of three refunded", 100, 3, 0, 1, 17970, one, R, 5990, "1234"},
		{"one refunded, one asked", 30, 3, 1, 1, 17970, one, Q, 5990, "1234"},
		{"an uneven share rounds down", 100, 3, 0, 2, 100, one, R, 66, "1234"},
		{"cancelled after every line's after-sales", 200, 3, 0, 0, 17970, one, R, 0, "1234"},
		{"two cases: neither named", 100, 3, 0, 3, 17970, one + `,{"aftersale_order_id": "1235", "status": 6}`, R, 0, ""},
		{"finished beyond the count", 100, 3, 0, 5, 17970, "", R, 0, ""},
		{"a case closed without a refund", 20, 3, 0, 0, 17970, one, "", 0, ""},
	}
	for _, c := range cases {
		o, err := wechatmap.DecodeOrder(shop, aftersaleBody(c.status, c.cnt, c.on, c.fin, c.real, c.list))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		l := o.Lines[0]
		if l.RefundState != c.want || l.Refunded != c.refunded || l.RefundCaseID != c.caseID {
			t.Errorf("%s: %q refunded %d case %q, want %q %d %q", c.name, l.RefundState, l.Refunded, l.RefundCaseID, c.want, c.refunded, c.caseID)
		}
	}
	// orderBody: two lines, the second with one unit in after-sales.
	o, err := wechatmap.DecodeOrder(shop, []byte(orderBody))
	if err != nil || o.Lines[0].RefundState != "" || o.Lines[1].RefundState != Q || o.Lines[1].RefundCaseID != "" {
		t.Fatalf("orderBody lines %+v %v", o.Lines, err)
	}
	for _, c := range []struct {
		body  []byte
		field string
	}{
		{aftersaleBody(20, 3, -1, 0, 17970, ""), "product_infos[0].on_aftersale_sku_cnt"},
		{aftersaleBody(20, 3, 0, -1, 17970, ""), "product_infos[0].finish_aftersale_sku_cnt"},
	} {
		if _, err := wechatmap.DecodeOrder(shop, c.body); domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), c.field) {
			t.Errorf("want EInvalid naming %s, got %v", c.field, err)
		}
	}
}

// refundedBody is order/get as sandbox/wechat answers it after RefundOrder:
// status 200, every line's units on_aftersale_sku_cnt (no finished count),
// one MERCHANT_REFUND_SUCCESS case per line, its status a string.
const refundedBody = `{"errcode":0,"errmsg":"ok","order":{
  "order_id": 3704612354559743301, "status": 200, "create_time": 1795485600, "update_time": 1795489200, "openid": "oSbx1a2b3c4d",
  "order_detail": {
    "product_infos": [
      {"product_id": "10000029995861", "sku_id": "1380997701", "out_sku_id": "YS-TS-001-WHT-M", "sku_cnt": 2, "sale_price": 5990,
       "market_price": 5990, "real_price": 11980, "title": "纯棉圆领短袖T恤", "sku_attrs": [], "on_aftersale_sku_cnt": 2},
      {"product_id": "10000029995861", "sku_id": "1380997702", "out_sku_id": "YS-TS-001-BLK-M", "sku_cnt": 1, "sale_price": 5990,
       "market_price": 5990, "real_price": 5990, "title": "纯棉圆领短袖T恤", "sku_attrs": [], "on_aftersale_sku_cnt": 1}],
    "pay_info": {"prepay_id": "wx37046123", "transaction_id": "42370461235455", "pay_time": 1795485630, "payment_method": 1},
    "price_info": {"product_price": 17970, "order_price": 17970, "freight": 0, "discounted_price": 0, "is_discounted": false},
    "delivery_info": {"address_info": {"user_name": "王*", "tel_number": "138****5678", "province_name": "浙江省", "city_name": "杭州市",
      "county_name": "西湖区", "detail_info": "文三路****", "postal_code": "000000"}, "deliver_method": 0, "delivery_product_info": [], "ship_done_time": 0},
    "ext_info": {"customer_notes": "", "merchant_notes": ""}},
  "aftersale_detail": {"aftersale_order_list": [
    {"aftersale_order_id": "200000000001234", "status": "MERCHANT_REFUND_SUCCESS"},
    {"aftersale_order_id": "200000000001235", "status": "MERCHANT_REFUND_SUCCESS"}], "on_aftersale_order_cnt": 0}}}`

func TestRefundedOrderRefundsEveryLine(t *testing.T) {
	o, err := wechatmap.DecodeOrder(shop, []byte(refundedBody))
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != domain.OrderCancelled || len(o.Lines) != 2 {
		t.Fatalf("order %+v", o)
	}
	for _, l := range o.Lines {
		if l.RefundState != domain.AfterSaleRefunded || l.Refunded != 0 || l.RefundCaseID != "" {
			t.Errorf("line %s: %+v", l.PlatformLineID, l)
		}
	}
	// One line, one case: the case is the line's.
	one := strings.Replace(refundedBody, `,
      {"product_id": "10000029995861", "sku_id": "1380997702", "out_sku_id": "YS-TS-001-BLK-M", "sku_cnt": 1, "sale_price": 5990,
       "market_price": 5990, "real_price": 5990, "title": "纯棉圆领短袖T恤", "sku_attrs": [], "on_aftersale_sku_cnt": 1}`, "", 1)
	one = strings.Replace(one, `,
    {"aftersale_order_id": "200000000001235", "status": "MERCHANT_REFUND_SUCCESS"}`, "", 1)
	o, err = wechatmap.DecodeOrder(shop, []byte(one))
	if err != nil || len(o.Lines) != 1 || o.Lines[0].RefundState != domain.AfterSaleRefunded || o.Lines[0].RefundCaseID != "200000000001234" {
		t.Fatalf("one line: %+v %v", o.Lines, err)
	}
}
