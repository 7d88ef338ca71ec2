package vipshopmap_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	vipmap "github.com/syncctl/syncctl/mapping/vipshop"
)

var shop = domain.ShopRef{Channel: "vipshop", Shop: "main"}

func TestYuanBytes(t *testing.T) {
	cases := map[domain.Money]string{73900: "739.00", 25900: "259.00", 1: "0.01", 10: "0.10", 1999: "19.99", 99999999: "999999.99"}
	for fen, want := range cases {
		b, _ := json.Marshal(map[string]any{"p": vipmap.Yuan(fen)})
		if string(b) != `{"p":`+want+`}` {
			t.Errorf("%d fen → %s, want %s", fen, b, want)
		}
	}
}

func TestParseYuan(t *testing.T) {
	good := map[string]domain.Money{"739.00": 73900, "739": 73900, "739.5": 73950, "0.01": 1, "59.90": 5990}
	for in, want := range good {
		if got, err := vipmap.ParseYuan("order 1", "total_fee", json.Number(in)); err != nil || got != want {
			t.Errorf("%s → %d %v, want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"739.001", "7.39e2", "-1.00", "", "abc", "59.699999999999996"} {
		_, err := vipmap.ParseYuan("order 1", "total_fee", json.Number(in))
		if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "total_fee") {
			t.Errorf("%q: %v", in, err)
		}
	}
}

func push() connectors.ProductPush {
	return connectors.ProductPush{
		Product: domain.Product{Code: "YS-TS-001", Title: "山野集 男士纯棉圆领短袖T恤 基础款",
			Images: []string{"https://img.example.com/ys-ts-001/1.jpg", "https://img.example.com/ys-ts-001/2.jpg"},
			SKUs: []domain.SKU{
				{Code: "YS-TS-001-WHT-M", ListPrice: 73900, WeightG: 235, Specs: []domain.SpecValue{{Name: "颜色", Value: "白色"}, {Name: "尺码", Value: "M"}}},
				{Code: "YS-TS-001-BLK-M", ListPrice: 5990, WeightG: 250, Specs: []domain.SpecValue{{Name: "颜色", Value: "黑色"}, {Name: "规格", Value: "常规"}}},
			}},
		Prices: map[string]domain.Money{"YS-TS-001-WHT-M": 25900, "YS-TS-001-BLK-M": 6990},
		Stocks: map[string]int{"YS-TS-001-WHT-M": 10},
	}
}

var shopOpts = vipmap.Shop{CategoryID: 8412, BrandID: 10001, PIDs: map[string]int{"规格": 1001}}

func TestProductRequest(t *testing.T) {
	c, err := vipmap.ProductRequest(push(), shopOpts)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(map[string]any{"request": c.Add})
	for _, want := range []string{`"outer_spu_id":"YS-TS-001"`, `"third_category_id":8412`, `"brand_id":10001`,
		`"images":[{"url":"https://img.example.com/ys-ts-001/1.jpg","index":1},{"url":"https://img.example.com/ys-ts-001/2.jpg","index":2}]`,
		`"outer_sku_id":"YS-TS-001-WHT-M","market_price":739.00,"sell_price":259.00`,
		`"simple_sale_props":[{"pid":134,"alias":"白色"},{"pid":453,"alias":"M"}]`,
		// the list price is below the channel price: 吊牌价 is raised to it
		`"outer_sku_id":"YS-TS-001-BLK-M","market_price":69.90,"sell_price":69.90`, `{"pid":1001,"alias":"常规"}`, `"weight":250`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("body lacks %s:\n%s", want, raw)
		}
	}
	edit, _ := json.Marshal(c.Edit("5000123456"))
	if !strings.Contains(string(edit), `"spuid":"5000123456"`) || strings.Contains(string(edit), "skus") {
		t.Errorf("edit body %s", edit)
	}
}

func TestProductRequestRefuses(t *testing.T) {
	cases := []struct {
		name, field string
		edit        func(*connectors.ProductPush, *vipmap.Shop)
	}{
		{"no code", "code", func(p *connectors.ProductPush, _ *vipmap.Shop) { p.Product.Code = "" }},
		{"long title", "title", func(p *connectors.ProductPush, _ *vipmap.Shop) { p.Product.Title = strings.Repeat("长", 61) }},
		{"no image", "images", func(p *connectors.ProductPush, _ *vipmap.Shop) { p.Product.Images = nil }},
		{"no skus", "skus", func(p *connectors.ProductPush, _ *vipmap.Shop) { p.Product.SKUs = nil }},
		{"no category", "category", func(_ *connectors.ProductPush, s *vipmap.Shop) { s.CategoryID = 0 }},
		{"no brand", "brand", func(_ *connectors.ProductPush, s *vipmap.Shop) { s.BrandID = 0 }},
		{"no price", "price", func(p *connectors.ProductPush, _ *vipmap.Shop) { delete(p.Prices, "YS-TS-001-BLK-M") }},
		{"zero price", "price", func(p *connectors.ProductPush, _ *vipmap.Shop) { p.Prices["YS-TS-001-BLK-M"] = 0 }},
		{"negative stock", "stock", func(p *connectors.ProductPush, _ *vipmap.Shop) { p.Stocks["YS-TS-001-WHT-M"] = -1 }},
		{"unknown spec", "specs", func(p *connectors.ProductPush, s *vipmap.Shop) { s.PIDs = nil }},
		{"same sku twice", "code", func(p *connectors.ProductPush, _ *vipmap.Shop) { p.Product.SKUs[1].Code = p.Product.SKUs[0].Code }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, s := push(), shopOpts
			c.edit(&p, &s)
			_, err := vipmap.ProductRequest(p, s)
			var de *domain.Error
			if !errors.As(err, &de) || de.Code != domain.EInvalid || !strings.Contains(err.Error(), "field "+c.field) {
				t.Fatalf("got %v, want EInvalid naming %s", err, c.field)
			}
		})
	}
}

func TestReviewState(t *testing.T) {
	cases := []struct {
		payload string
		status  domain.ListingStatus
		reason  string
		next    vipmap.Next
	}{
		{`{"spu_id":"5001","audit_status":"12","shelf_status":"0"}`, domain.ListingInReview, "", vipmap.NextNone},
		{`{"spu_id":"5001","audit_status":"11","shelf_status":"0"}`, domain.ListingInReview, "", vipmap.NextSubmit},
		{`{"spu_id":"5001","audit_status":"14","shelf_status":"0","audit_remark":"标题含违禁词"}`, domain.ListingRejected, "标题含违禁词", vipmap.NextNone},
		{`{"spu_id":"5001","audit_status":13,"shelf_status":1}`, domain.ListingOnSale, "", vipmap.NextNone},
		{`{"spu_id":"5001","audit_status":"13","shelf_status":"0"}`, domain.ListingOnSale, "", vipmap.NextOnShelf},
	}
	for _, c := range cases {
		var p vipmap.ProductInfo
		if err := json.Unmarshal([]byte(c.payload), &p); err != nil {
			t.Fatal(err)
		}
		st, reason, next, err := vipmap.ReviewState(p)
		if err != nil || st != c.status || reason != c.reason || next != c.next {
			t.Errorf("%s: %s %q %d %v", c.payload, st, reason, next, err)
		}
	}
	_, _, _, err := vipmap.ReviewState(vipmap.ProductInfo{SPUID: "5001", AuditStatus: "99"})
	if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "audit_status") {
		t.Errorf("unknown status: %v", err)
	}
}

// A getOrders order and its getOrderDetail lines, as the platform sends them.
const sovOrder = `{"order_id":"24112012345678901","status":"10","sales_channel":"MP","transport_day":"","receiver_name":"王小明",
"receiver_address":"花地大道南 123 号 5 栋 802","receiver_mobile":"13812345678","receiver_phone":"","receiver_zip":"510000",
"receiver_district":"荔湾区","receiver_city":"广州市","receiver_state":"广东省","country_id":"CN","remark":"请周末送货",
"invoice_title":"","total_fee":"778.00","post_fee":"10.00","discount_fee":"39.00","ex_discount_fee":"0.00",
"created":"2026-11-20 09:30:00","store_add_time":"2026-11-20 09:30:45","old_order_id":"","warehouse":"VIP_NH","is_export":"0"}`

const orderDetail = `[{"order_id":"24112012345678901","order_products":[
{"sku_id":"6000123456","spu_id":"5000123456","outer_spu_id":"YS-TS-001","outer_sku_id":"YS-TS-001-WHT-M","num":"2","title":"山野集 男士纯棉圆领短袖T恤","size":"M","price":"259.00"},
{"sku_id":"6000123457","spu_id":"5000123456","outer_spu_id":"YS-TS-001","outer_sku_id":"YS-TS-001-BLK-M","num":"1","title":"山野集 男士纯棉圆领短袖T恤","size":"M","price":"260.00"}]}]`

func lines(t *testing.T) []vipmap.OrderProduct {
	var d []vipmap.OrderDetail
	if err := json.Unmarshal([]byte(orderDetail), &d); err != nil {
		t.Fatal(err)
	}
	return d[0].OrderProducts
}

func TestOrder(t *testing.T) {
	o, err := vipmap.DecodeOrder(shop, json.RawMessage(sovOrder), lines(t))
	if err != nil {
		t.Fatal(err)
	}
	want := domain.Amounts{Goods: 77800, Freight: 1000, Discount: 3900, Paid: 74900}
	if o.PlatformOrderID != "24112012345678901" || o.Status != domain.OrderPaid || o.PlatformStatus != "10" || o.Amounts != want ||
		o.Currency != "CNY" || o.BuyerMessage != "请周末送货" {
		t.Errorf("order %+v", o)
	}
	if !o.CreatedAt.Equal(time.Date(2026, 11, 20, 1, 30, 0, 0, time.UTC)) || !o.ModifiedAt.Equal(time.Date(2026, 11, 20, 1, 30, 45, 0, time.UTC)) {
		t.Errorf("times %s %s (GMT+8)", o.CreatedAt, o.ModifiedAt)
	}
	if o.Receiver.Name != "王**" || o.Receiver.Phone != "138****5678" || o.Receiver.Province != "广东省" || o.Receiver.Address != "花地大道***" {
		t.Errorf("receiver %+v", o.Receiver)
	}
	l := o.Lines[0]
	if len(o.Lines) != 2 || l.SKUCode != "YS-TS-001-WHT-M" || l.PlatformSKUID != "6000123456" || l.PlatformItemID != "5000123456" ||
		l.Quantity != 2 || l.UnitPrice != 25900 || l.Paid != 51800 || o.Lines[1].Paid != 26000 {
		t.Errorf("lines %+v", o.Lines)
	}
}

func TestOrderStatus(t *testing.T) {
	cases := map[string]domain.OrderStatus{"10": domain.OrderPaid, "22": domain.OrderShipped, "25": domain.OrderCompleted,
		"70": domain.OrderCancelled, "97": domain.OrderCancelled, "53": domain.OrderUnknown}
	for in, want := range cases {
		if got := vipmap.MapStatus(in); got != want {
			t.Errorf("%s → %s, want %s", in, got, want)
		}
	}
}

func TestOrderRefuses(t *testing.T) {
	cases := []struct {
		name, field string
		from, to    string
		noLines     bool
	}{
		{"money with 3 decimals", "total_fee", `"total_fee":"778.00"`, `"total_fee":"778.001"`, false},
		{"discount over the total", "discount_fee", `"discount_fee":"39.00"`, `"discount_fee":"900.00"`, false},
		{"bad time", "created", `"created":"2026-11-20 09:30:00"`, `"created":"20/11/2026"`, false},
		{"no status", "status", `"status":"10"`, `"status":""`, false},
		{"money as a JSON object", "total_fee", `"total_fee":"778.00"`, `"total_fee":{}`, false},
		{"no lines", "order_products", "", "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ls := lines(t)
			if c.noLines {
				ls = nil
			}
			_, err := vipmap.DecodeOrder(shop, json.RawMessage(strings.Replace(sovOrder, c.from, c.to, 1)), ls)
			if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), c.field) || !strings.Contains(err.Error(), "24112012345678901") {
				t.Fatalf("got %v, want EInvalid naming the order and %s", err, c.field)
			}
		})
	}
	ls := lines(t)
	ls[1].Num = "0"
	if _, err := vipmap.DecodeOrder(shop, json.RawMessage(sovOrder), ls); err == nil || !strings.Contains(err.Error(), "order_products[1].num") {
		t.Errorf("num 0: %v", err)
	}
	// A page maps the good orders and rejects the bad one by id.
	bad := strings.Replace(strings.Replace(sovOrder, "24112012345678901", "24112012345678902", 1), `"778.00"`, `"x"`, 1)
	orders, rejected := vipmap.MapOrders(shop, []json.RawMessage{json.RawMessage(sovOrder), json.RawMessage(bad)},
		map[string][]vipmap.OrderProduct{"24112012345678901": lines(t), "24112012345678902": lines(t)})
	if len(orders) != 1 || len(rejected) != 1 || rejected[0].PlatformOrderID != "24112012345678902" {
		t.Errorf("page: %d orders, rejected %+v", len(orders), rejected)
	}
}

func TestCarriers(t *testing.T) {
	c, err := vipmap.CarrierOf(domain.Shipment{PlatformOrderID: "1", Carrier: "YUNDA"})
	if err != nil || c.Code != "yunda" || c.Name == "" {
		t.Errorf("YUNDA: %+v %v", c, err)
	}
	for code := range domain.Carriers {
		if _, ok := vipmap.Carriers[code]; !ok {
			t.Errorf("carrier %s has no Vipshop code", code)
		}
	}
	if _, err := vipmap.CarrierOf(domain.Shipment{PlatformOrderID: "1", Carrier: "UPS"}); domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "field carrier") {
		t.Errorf("UPS: %v", err)
	}
}

// refusedOrder is a getOrders order as sandbox/vipshop shows one refunded
// after shipping (RefundOrder of a shipped order): status 70, 已拒收.
const refusedOrder = `{"order_id":"24112012345678955","status":"70","sales_channel":"MP","receiver_name":"李*",
"receiver_address":"文三路****","receiver_mobile":"139****1234","receiver_phone":"","receiver_zip":"510000",
"receiver_district":"西湖区","receiver_city":"杭州市","receiver_state":"浙江省","country_id":"CN","remark":"",
"total_fee":"519.00","post_fee":"0.00","discount_fee":"0.00","ex_discount_fee":"0.00",
"created":"2026-11-20 09:30:00","store_add_time":"2026-11-20 09:30:30","is_export":"0"}`

// The order's status gives its lines' refund: refused at the door (70)
// after shipping is every line refunded whole; a cancellation (97) is not
// a refund, nor is any other status. The order names no refund case or
// amount.
func TestOrderLineRefunds(t *testing.T) {
	for _, c := range []struct {
		status string
		order  domain.OrderStatus
		want   domain.AfterSaleStatus
	}{
		{"10", domain.OrderPaid, ""},
		{"22", domain.OrderShipped, ""},
		{"25", domain.OrderCompleted, ""},
		{"70", domain.OrderCancelled, domain.AfterSaleRefunded},
		{"97", domain.OrderCancelled, ""},
		{"53", domain.OrderUnknown, ""},
	} {
		raw := strings.Replace(sovOrder, `"status":"10"`, `"status":"`+c.status+`"`, 1)
		o, err := vipmap.DecodeOrder(shop, json.RawMessage(raw), lines(t))
		if err != nil {
			t.Fatalf("status %s: %v", c.status, err)
		}
		if o.Status != c.order {
			t.Errorf("status %s: order %s, want %s", c.status, o.Status, c.order)
		}
		for _, l := range o.Lines {
			if l.RefundState != c.want || l.RefundCaseID != "" || l.Refunded != 0 || l.RefundStatus != "" {
				t.Errorf("status %s: line %s %+v, want %q", c.status, l.PlatformSKUID, l, c.want)
			}
		}
	}
	o, err := vipmap.DecodeOrder(shop, json.RawMessage(refusedOrder), lines(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range o.Lines {
		if l.RefundState != domain.AfterSaleRefunded || l.Refunded != 0 {
			t.Errorf("refused order line %s: %+v", l.PlatformSKUID, l)
		}
	}
}
