package douyinmap_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	douyinmap "github.com/syncctl/syncctl/mapping/douyin"
)

var shop = domain.ShopRef{Channel: "douyin", Shop: "main"}

var settings = douyinmap.Shop{CategoryLeafID: 23362, FreightID: 0, Mobile: "4001234567"}

func push() connectors.ProductPush {
	return connectors.ProductPush{
		Product: domain.Product{Code: "YS-TS-001", Title: "纯棉圆领短袖T恤", Description: "100%棉",
			Images: []string{"https://img/1.jpg", "https://img/2.jpg"},
			SKUs: []domain.SKU{
				{Code: "YS-TS-001-WHT-M", ListPrice: 7900, Specs: []domain.SpecValue{{Name: "颜色", Value: "白色"}, {Name: "尺码", Value: "M"}}},
				{Code: "YS-TS-001-BLK-L", ListPrice: 7900, Specs: []domain.SpecValue{{Name: "颜色", Value: "黑色"}, {Name: "尺码", Value: "L"}}},
			}},
		Prices: map[string]domain.Money{"YS-TS-001-WHT-M": 5990, "YS-TS-001-BLK-L": 73900},
		Stocks: map[string]int{"YS-TS-001-WHT-M": 10},
	}
}

func TestProductRequest(t *testing.T) {
	p, err := douyinmap.ProductRequest(push(), "", settings)
	if err != nil {
		t.Fatal(err)
	}
	if p.OuterProductID != "YS-TS-001" || p.Specs != "颜色|白色,黑色^尺码|M,L" || p.Pic != "https://img/1.jpg|https://img/2.jpg" ||
		p.DiscountPrice != 5990 || p.MarketPrice != 73900 || p.CategoryLeafID != 23362 || !p.Commit || p.ProductID != "" {
		t.Fatalf("params %+v", p)
	}
	var sp []map[string]any
	if err := json.Unmarshal([]byte(p.SpecPrices), &sp); err != nil {
		t.Fatalf("spec_prices is not a JSON string of a list: %v", err)
	}
	want := `[{"spec_detail_name1":"白色","spec_detail_name2":"M","stock_num":10,"price":5990,"code":"YS-TS-001-WHT-M","outer_sku_id":"YS-TS-001-WHT-M"},` +
		`{"spec_detail_name1":"黑色","spec_detail_name2":"L","stock_num":0,"price":73900,"code":"YS-TS-001-BLK-L","outer_sku_id":"YS-TS-001-BLK-L"}]`
	if p.SpecPrices != want {
		t.Fatalf("spec_prices\n got %s\nwant %s", p.SpecPrices, want)
	}
	one := push()
	one.Product.SKUs = one.Product.SKUs[:1]
	one.Product.SKUs[0].Specs = nil
	e, err := douyinmap.ProductRequest(one, "3472490447010721067", settings)
	if err != nil {
		t.Fatal(err)
	}
	if e.ProductID != "3472490447010721067" || e.Specs != "规格|默认" || !strings.Contains(e.SpecPrices, `"spec_detail_name1":"默认"`) {
		t.Fatalf("edit params %+v", e)
	}
}

func TestProductRequestRefuses(t *testing.T) {
	cases := []struct {
		name, field string
		edit        func(*connectors.ProductPush, *douyinmap.Shop)
	}{
		{"no code", "code", func(p *connectors.ProductPush, _ *douyinmap.Shop) { p.Product.Code = "" }},
		{"long title", "title", func(p *connectors.ProductPush, _ *douyinmap.Shop) { p.Product.Title = strings.Repeat("长", 61) }},
		{"no images", "images", func(p *connectors.ProductPush, _ *douyinmap.Shop) { p.Product.Images = nil }},
		{"no category", "category_leaf_id", func(_ *connectors.ProductPush, s *douyinmap.Shop) { s.CategoryLeafID = 0 }},
		{"no price", "price", func(p *connectors.ProductPush, _ *douyinmap.Shop) { delete(p.Prices, "YS-TS-001-BLK-L") }},
		{"price too high", "price", func(p *connectors.ProductPush, _ *douyinmap.Shop) {
			p.Prices["YS-TS-001-BLK-L"] = douyinmap.MaxPrice + 1
		}},
		{"negative stock", "stock", func(p *connectors.ProductPush, _ *douyinmap.Shop) { p.Stocks["YS-TS-001-WHT-M"] = -1 }},
		{"missing dimension", "specs", func(p *connectors.ProductPush, _ *douyinmap.Shop) {
			p.Product.SKUs[1].Specs = p.Product.SKUs[1].Specs[:1]
		}},
		{"same specs", "specs", func(p *connectors.ProductPush, _ *douyinmap.Shop) { p.Product.SKUs[1].Specs = p.Product.SKUs[0].Specs }},
		{"separator in value", "specs", func(p *connectors.ProductPush, _ *douyinmap.Shop) {
			p.Product.SKUs[0].Specs = []domain.SpecValue{{Name: "颜色", Value: "白|灰"}, {Name: "尺码", Value: "M"}}
		}},
		{"unspecified skus", "skus.specs", func(p *connectors.ProductPush, _ *douyinmap.Shop) {
			p.Product.SKUs[0].Specs, p.Product.SKUs[1].Specs = nil, nil
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, s := push(), settings
			c.edit(&p, &s)
			_, err := douyinmap.ProductRequest(p, "", s)
			var de *domain.Error
			if !errors.As(err, &de) || de.Code != domain.EInvalid || !strings.Contains(err.Error(), c.field) {
				t.Fatalf("got %v, want EInvalid naming %s", err, c.field)
			}
		})
	}
}

func TestReviewStatus(t *testing.T) {
	cases := []struct {
		check, status int
		want          domain.ListingStatus
		reason        string
	}{
		{douyinmap.CheckInReview, douyinmap.StatusOffline, domain.ListingInReview, ""},
		{douyinmap.CheckInReview, douyinmap.StatusOnline, domain.ListingInReview, ""}, // an edit of a product on sale
		{douyinmap.CheckRejected, douyinmap.StatusOffline, domain.ListingRejected, "主图含有违规信息"},
		{douyinmap.CheckBanned, douyinmap.StatusOffline, domain.ListingRejected, "封禁"},
		{douyinmap.CheckApproved, douyinmap.StatusOnline, domain.ListingOnSale, ""},
		{douyinmap.CheckApprovedOffline, douyinmap.StatusOffline, domain.ListingDelisted, ""},
		{douyinmap.CheckApproved, douyinmap.StatusDeleted, domain.ListingRemoved, ""},
		{douyinmap.CheckNotSubmitted, douyinmap.StatusOffline, domain.ListingPending, ""},
	}
	for _, c := range cases {
		reason := ""
		if c.check == douyinmap.CheckRejected {
			reason = c.reason
		}
		got, r := douyinmap.ReviewStatus(douyinmap.Detail{CheckStatus: c.check, Status: c.status}, reason)
		if got != c.want || r != c.reason {
			t.Errorf("check %d status %d: %s %q, want %s %q", c.check, c.status, got, r, c.want, c.reason)
		}
	}
}

// A 精选联盟 order as /order/searchList sends it: 19-digit ids as numbers
// and strings, 分, a promoted line and a plain one.
const cpsOrder = `{
 "order_id": "6919604381838792520", "order_status": 2, "order_status_desc": "备货中", "main_status": 103,
 "pay_amount": 14480, "order_amount": 14980, "post_amount": 0, "promotion_amount": 500,
 "create_time": 1700000000, "update_time": 1700000100, "pay_time": 1700000030,
 "doudian_open_id": "1@#abcd", "buyer_words": "尽快发货",
 "mask_post_receiver": "王*", "mask_post_tel": "1*******678",
 "mask_post_addr": {"province": {"name": "浙江省", "id": "33"}, "city": {"name": "杭州市"}, "town": {"name": "西湖区"}, "detail": "文三路****"},
 "sku_order_list": [
  {"sku_order_id": 6919604381838792521, "order_status": 2, "product_id": 3472490447010721067, "product_name": "纯棉圆领短袖T恤",
   "sku_id": 1737645431620715, "outer_sku_id": "YS-TS-001-WHT-M", "code": "YS-TS-001-WHT-M", "item_num": 2, "origin_amount": 11980,
   "pay_amount": 11480, "author_id": 71985334556, "author_name": "小雨穿搭", "c_biz": 2,
   "after_sale_info": {"after_sale_status": 0, "refund_status": 0}},
  {"sku_order_id": "6919604381838792522", "order_status": 2, "product_id": "3472490447010721067", "product_name": "纯棉圆领短袖T恤",
   "sku_id": "1737645431620716", "outer_sku_id": "", "code": "YS-TS-001-BLK-L", "item_num": 1, "origin_amount": 3000,
   "pay_amount": 3000, "author_id": 0, "author_name": "", "c_biz": 8,
   "after_sale_info": {"after_sale_status": 6, "refund_status": 2}}
 ]}`

func TestMapOrder(t *testing.T) {
	comm := map[string]douyinmap.Commission{"6919604381838792521": {OrderID: "6919604381838792521", CommissionRate: 2000,
		EstimatedComission: 2296, RealComission: 0, FlowPoint: "PAY_SUCC", AuthorAccount: "小雨穿搭"}}
	o, err := douyinmap.DecodeOrder(shop, []byte(cpsOrder), comm)
	if err != nil {
		t.Fatal(err)
	}
	if o.PlatformOrderID != "6919604381838792520" || o.Status != domain.OrderPaid || o.PlatformStatus != "2" ||
		o.Amounts != (domain.Amounts{Goods: 14980, Discount: 500, Freight: 0, Paid: 14480}) || o.PaidAt == nil || o.PaidAt.Unix() != 1700000030 ||
		o.ModifiedAt.Unix() != 1700000100 || o.Receiver.Name != "王*" || o.Receiver.District != "西湖区" || o.BuyerMessage != "尽快发货" {
		t.Fatalf("order %+v", o)
	}
	l0, l1 := o.Lines[0], o.Lines[1]
	if l0.PlatformLineID != "6919604381838792521" || l0.PlatformItemID != "3472490447010721067" || l0.UnitPrice != 5990 || l0.Paid != 11480 ||
		l0.SKUCode != "YS-TS-001-WHT-M" || l0.CPS == nil || *l0.CPS != (domain.CPSInfo{PromoterID: "71985334556", PromoterName: "小雨穿搭", CommissionRate: 2000, Commission: 2296, Settlement: domain.SettlementPending}) {
		t.Fatalf("line 0 %+v cps %+v", l0, l0.CPS)
	}
	if l1.SKUCode != "YS-TS-001-BLK-L" || l1.CPS != nil || l1.RefundStatus != "refunding" || l1.UnitPrice != 3000 {
		t.Fatalf("line 1 %+v", l1)
	}
	if o.CPS == nil || o.CPS.PromoterID != "71985334556" || o.CPS.Commission != 2296 || o.CPS.Settlement != domain.SettlementPending || o.CPS.Estimated != 0 {
		t.Fatalf("order cps %+v", o.CPS)
	}
	// Settled: the real commission replaces the estimate, kept beside it.
	c := comm["6919604381838792521"]
	c.FlowPoint, c.RealComission = douyinmap.FlowSettled, 2200
	comm["6919604381838792521"] = c
	o, _ = douyinmap.DecodeOrder(shop, []byte(cpsOrder), comm)
	settled := domain.CPSInfo{PromoterID: "71985334556", PromoterName: "小雨穿搭", CommissionRate: 2000, Commission: 2200, Estimated: 2296, Settlement: domain.SettlementSettled}
	if *o.Lines[0].CPS != settled || *o.CPS != settled {
		t.Fatalf("settled commission: line %+v order %+v", o.Lines[0].CPS, o.CPS)
	}
	if ids := douyinmap.PromotedLines([]byte(cpsOrder)); len(ids) != 1 || ids[0] != "6919604381838792521" {
		t.Fatalf("promoted lines %v", ids)
	}
}

// twoAuthors is cpsOrder with its second line promoted too, by another
// 达人 at 10 %.
var twoAuthors = strings.Replace(cpsOrder, `"author_id": 0, "author_name": "", "c_biz": 8`, `"author_id": "72011223344", "author_name": "阿杰好物", "c_biz": 2`, 1)

// allianceRecord is a datas[] entry of /alliance/getOrderList.
func allianceRecord(sub, flow string, rate int, pay, est, real int64) douyinmap.Commission {
	return douyinmap.Commission{OrderID: douyinmap.ID(sub), ProductID: "3472490447010721067", CommissionRate: rate,
		TotalPayAmount: pay, EstimatedComission: est, RealComission: real, FlowPoint: flow, AllianceBizType: "COMMON"}
}

// The commission of an order as its lines settle apart: each line keeps its
// own state; the order is pending while one line is, settled once all are
// (or were refunded), with the estimate of the lines that earned beside it.
func TestMapOrderSettlement(t *testing.T) {
	const l1, l2 = "6919604381838792521", "6919604381838792522"
	for _, c := range []struct {
		name               string
		f1, f2             string
		real1, real2       int64
		want1, want2, wOrd domain.Settlement
		comm, est          domain.Money
	}{
		{"both paid", douyinmap.FlowPaid, douyinmap.FlowPaid, 0, 0, domain.SettlementPending, domain.SettlementPending, domain.SettlementPending, 2296 + 300, 0},
		{"one received", douyinmap.FlowConfirm, douyinmap.FlowPaid, 0, 0, domain.SettlementPending, domain.SettlementPending, domain.SettlementPending, 2596, 0},
		{"one settled", douyinmap.FlowSettled, douyinmap.FlowPaid, 2200, 0, domain.SettlementSettled, domain.SettlementPending, domain.SettlementPending, 2200 + 300, 0},
		{"both settled", douyinmap.FlowSettled, douyinmap.FlowSettled, 2200, 300, domain.SettlementSettled, domain.SettlementSettled, domain.SettlementSettled, 2500, 2596},
		{"settled, other refunded", douyinmap.FlowSettled, douyinmap.FlowRefunded, 2200, 0, domain.SettlementSettled, domain.SettlementCancelled, domain.SettlementSettled, 2200, 2296},
		{"both refunded", douyinmap.FlowRefunded, douyinmap.FlowRefunded, 0, 0, domain.SettlementCancelled, domain.SettlementCancelled, domain.SettlementCancelled, 0, 0},
		{"unknown flow", "FROZEN", douyinmap.FlowPaid, 0, 0, "", domain.SettlementPending, "", 2596, 0},
	} {
		comm := map[string]douyinmap.Commission{
			l1: allianceRecord(l1, c.f1, 2000, 11480, 2296, c.real1),
			l2: allianceRecord(l2, c.f2, 1000, 3000, 300, c.real2),
		}
		o, err := douyinmap.DecodeOrder(shop, []byte(twoAuthors), comm)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if s1, s2 := o.Lines[0].CPS.Settlement, o.Lines[1].CPS.Settlement; s1 != c.want1 || s2 != c.want2 {
			t.Errorf("%s: lines %q %q, want %q %q", c.name, s1, s2, c.want1, c.want2)
		}
		if o.CPS.Settlement != c.wOrd || o.CPS.Commission != c.comm || o.CPS.Estimated != c.est || o.CPS.PromoterID != "71985334556" {
			t.Errorf("%s: order %+v, want %q commission %d estimated %d", c.name, o.CPS, c.wOrd, c.comm, c.est)
		}
	}
	// A promoted line whose alliance record has not arrived: nothing is known.
	o, err := douyinmap.DecodeOrder(shop, []byte(twoAuthors), map[string]douyinmap.Commission{l1: allianceRecord(l1, douyinmap.FlowSettled, 2000, 11480, 2296, 2200)})
	if err != nil || o.Lines[1].CPS.Settlement != "" || o.CPS.Settlement != "" || o.CPS.Estimated != 0 {
		t.Errorf("missing record: %+v %v", o.CPS, err)
	}
}

func TestMapOrderStatuses(t *testing.T) {
	for s, want := range map[int]domain.OrderStatus{1: domain.OrderPendingPayment, 105: domain.OrderPaid, 2: domain.OrderPaid,
		101: domain.OrderPartShipped, 3: domain.OrderShipped, 4: domain.OrderCancelled, 5: domain.OrderCompleted, 21: domain.OrderUnknown} {
		if got := douyinmap.MapStatus(s); got != want {
			t.Errorf("order_status %d: %s, want %s", s, got, want)
		}
	}
}

func TestMapOrdersRejects(t *testing.T) {
	bad := []struct{ name, from, to, field string }{
		{"float id", `"order_id": "6919604381838792520"`, `"order_id": 6.9196043818387927e18`, "order_id"},
		{"no lines", `"sku_order_list": [`, `"sku_order_list": [], "x": [`, "sku_order_list"},
		{"zero items", `"item_num": 1`, `"item_num": 0`, "item_num"},
		{"bad time", `"update_time": 1700000100`, `"update_time": 0`, "update_time"},
		{"negative pay", `"pay_amount": 14480`, `"pay_amount": -1`, "pay_amount"},
		{"string money", `"post_amount": 0`, `"post_amount": "0.00"`, "post_amount"},
		{"uneven origin", `"origin_amount": 11980`, `"origin_amount": 11981`, "origin_amount"},
	}
	raws := []json.RawMessage{json.RawMessage(cpsOrder)}
	for _, b := range bad {
		raws = append(raws, json.RawMessage(strings.Replace(cpsOrder, b.from, b.to, 1)))
	}
	orders, rejected := douyinmap.MapOrders(shop, raws, nil)
	if len(orders) != 1 || len(rejected) != len(bad) {
		t.Fatalf("%d orders, %d rejected: %+v", len(orders), len(rejected), rejected)
	}
	for i, b := range bad {
		if !strings.Contains(rejected[i].Reason, b.field) {
			t.Errorf("%s: reason %q does not name %s", b.name, rejected[i].Reason, b.field)
		}
	}
	if orders[0].Lines[0].CPS.CommissionRate != 0 || orders[0].Lines[0].CPS.PromoterID != "71985334556" {
		t.Errorf("without alliance data the promoter stays, without a rate: %+v", orders[0].Lines[0].CPS)
	}
}

func TestCarrierCode(t *testing.T) {
	for carrier, want := range map[string]string{"SF": "shunfeng", "ZTO": "zhongtong", "YUNDA": "yunda", "JD": "jd"} {
		if got, err := douyinmap.CarrierCode(carrier); err != nil || got != want {
			t.Errorf("%s: %q %v, want %s", carrier, got, err, want)
		}
	}
	if _, err := douyinmap.CarrierCode("UPS"); domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "carrier") {
		t.Errorf("unknown carrier: %v", err)
	}
}

// A line's after_sale_info gives its refund state: refund_status 3 is
// money back whatever the case says, a known after_sale_status decides
// next, then refund_status alone.
func TestLineRefundState(t *testing.T) {
	Q, A, R, X, C, U := domain.AfterSaleRequested, domain.AfterSaleApproved, domain.AfterSaleRefunded, domain.AfterSaleRejected,
		domain.AfterSaleCancelled, domain.AfterSaleUnknown
	cases := []struct {
		afterSale, refund int
		want              domain.AfterSaleStatus
	}{
		{0, 0, ""},
		{0, 1, Q}, {0, 2, Q}, // sandbox/douyin's refund under way: after_sale_status 0, refund_status 2
		{0, 3, R}, // sandbox/douyin's RefundOrder
		{0, 4, A},
		{6, 1, Q}, {7, 1, A}, {11, 1, A},
		{12, 3, R}, {12, 0, R}, {12, 1, A}, {53, 0, R},
		{27, 1, X}, {29, 1, X},
		{28, 1, C}, // the buyer withdrew: refund_status stays 1
		{13, 0, ""}, {14, 0, ""}, {51, 0, ""}, {51, 3, R},
		{99, 0, U}, {0, 9, U},
	}
	for _, c := range cases {
		if got := douyinmap.LineRefundState(c.afterSale, c.refund); got != c.want {
			t.Errorf("after_sale_status %d refund_status %d: %q, want %q", c.afterSale, c.refund, got, c.want)
		}
	}
	// cpsOrder's second line: a case asked (6), refund_status 2.
	o, err := douyinmap.DecodeOrder(shop, []byte(cpsOrder), nil)
	if err != nil {
		t.Fatal(err)
	}
	if l0, l1 := o.Lines[0], o.Lines[1]; l0.RefundState != "" || l1.RefundState != Q || l1.RefundCaseID != "" || l1.Refunded != 0 {
		t.Fatalf("lines %+v / %+v", l0, l1)
	}
	// An after_sale_id, where the order names one, is the case; a line
	// without a refund has none.
	withID := strings.Replace(cpsOrder, `"after_sale_status": 6, "refund_status": 2`, `"after_sale_status": 6, "refund_status": 2, "after_sale_id": 7123456789012345678`, 1)
	withID = strings.Replace(withID, `"after_sale_status": 0, "refund_status": 0`, `"after_sale_status": 0, "refund_status": 0, "after_sale_id": "0"`, 1)
	if o, err := douyinmap.DecodeOrder(shop, []byte(withID), nil); err != nil || o.Lines[1].RefundCaseID != "7123456789012345678" || o.Lines[0].RefundCaseID != "" {
		t.Fatalf("after_sale_id: %+v %v", o.Lines, err)
	}
	bad := strings.Replace(cpsOrder, `"refund_status": 2}`, `"refund_status": 2, "after_sale_id": "AS-1"}`, 1)
	if _, err := douyinmap.DecodeOrder(shop, []byte(bad), nil); domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "sku_order_list[1].after_sale_info.after_sale_id") {
		t.Fatalf("malformed after_sale_id: %v", err)
	}
}

// refundedOrder is an order as sandbox/douyin sends it after RefundOrder:
// order_status 4 and every line's refund_status 3 (after_sale_status 0).
const refundedOrder = `{
 "order_id": "6919604381838792600", "order_status": 4, "order_status_desc": "已取消", "main_status": 4,
 "pay_amount": 17970, "order_amount": 17970, "post_amount": 0, "promotion_amount": 0,
 "create_time": 1700000000, "update_time": 1700003600, "pay_time": 1700000030,
 "doudian_open_id": "1@#abcd", "buyer_words": "",
 "mask_post_receiver": "王*", "mask_post_tel": "1*******678",
 "mask_post_addr": {"province": {"name": "浙江省", "id": "33"}, "city": {"name": "杭州市"}, "town": {"name": "西湖区"}, "detail": "文三路****"},
 "sku_order_list": [
  {"sku_order_id": "6919604381838792601", "order_status": 4, "product_id": 3472490447010721067, "product_name": "纯棉圆领短袖T恤",
   "sku_id": 1737645431620715, "outer_sku_id": "YS-TS-001-WHT-M", "code": "YS-TS-001-WHT-M", "item_num": 2, "origin_amount": 11980,
   "pay_amount": 11980, "author_id": 0, "author_name": "", "c_biz": 8, "c_biz_desc": "自主经营",
   "after_sale_info": {"after_sale_status": 0, "refund_status": 3}},
  {"sku_order_id": "6919604381838792602", "order_status": 4, "product_id": 3472490447010721067, "product_name": "纯棉圆领短袖T恤",
   "sku_id": 1737645431620716, "outer_sku_id": "YS-TS-001-BLK-L", "code": "YS-TS-001-BLK-L", "item_num": 1, "origin_amount": 5990,
   "pay_amount": 5990, "author_id": 0, "author_name": "", "c_biz": 8, "c_biz_desc": "自主经营",
   "after_sale_info": {"after_sale_status": 0, "refund_status": 3}}
 ]}`

func TestRefundedOrderRefundsEveryLine(t *testing.T) {
	o, err := douyinmap.DecodeOrder(shop, []byte(refundedOrder), nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != domain.OrderCancelled || len(o.Lines) != 2 {
		t.Fatalf("order %+v", o)
	}
	for _, l := range o.Lines {
		if l.RefundState != domain.AfterSaleRefunded || l.RefundStatus != "refunded" || l.Refunded != 0 || l.RefundCaseID != "" {
			t.Errorf("line %s: %+v", l.PlatformLineID, l)
		}
	}
}
