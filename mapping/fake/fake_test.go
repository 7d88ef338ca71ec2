package fakemap_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	fakemap "github.com/syncctl/syncctl/mapping/fake"
)

var shop = domain.ShopRef{Channel: "fake", Shop: "mini"}

// goodOrder is an order as the platform sends it, with 64-bit ids beyond
// float64 and receiver data the platform forgot to mask.
const goodOrder = `{
  "order_id": "3000000001234567891", "status": 20,
  "create_time": 1795485600, "pay_time": 1795485660, "update_time": 1795485700,
  "buyer": {"open_id": "o0123456789abcdef", "nick": "小明同学"},
  "address": {"name": "王小明", "phone": "13812345678", "province": "浙江省", "city": "杭州市", "district": "西湖区", "detail": "文三路478号"},
  "amounts": {"goods_fen": 12980, "discount_fen": 1000, "freight_fen": 800, "paid_fen": 12780},
  "lines": [
    {"line_id": "300000000123456789101", "item_id": "1000000001234567891", "sku_id": "2000000001234567891", "outer_sku_id": "YS-TS-001-WHT-M",
     "title": "纯棉T恤", "quantity": 2, "unit_price_fen": 5990, "paid_fen": 11980, "shipped": false, "refund_status": ""},
    {"line_id": "300000000123456789102", "item_id": "1000000001234567891", "sku_id": "2000000001234567892", "outer_sku_id": "YS-TS-001-BLK-M",
     "title": "纯棉T恤", "quantity": 1, "unit_price_fen": 1000, "paid_fen": 1000, "shipped": true, "refund_status": "refunded"}
  ],
  "remark": "请尽快发货"
}`

// with returns goodOrder with one field replaced (a dotted path; "lines"
// paths address the first line).
func with(t *testing.T, path string, v any) json.RawMessage {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(goodOrder), &m); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(path, ".")
	cur := m
	for _, p := range parts[:len(parts)-1] {
		switch next := cur[p].(type) {
		case map[string]any:
			cur = next
		case []any:
			cur = next[0].(map[string]any)
		}
	}
	if v == nil {
		delete(cur, parts[len(parts)-1])
	} else {
		cur[parts[len(parts)-1]] = v
	}
	b, _ := json.Marshal(m)
	return b
}

func TestDecodeOrder(t *testing.T) {
	o, err := fakemap.DecodeOrder(shop, json.RawMessage(goodOrder))
	if err != nil {
		t.Fatal(err)
	}
	if o.PlatformOrderID != "3000000001234567891" || o.Lines[0].PlatformSKUID != "2000000001234567891" || o.Lines[0].PlatformLineID != "300000000123456789101" {
		t.Fatalf("ids = %s / %s / %s: 64-bit ids must survive exactly", o.PlatformOrderID, o.Lines[0].PlatformSKUID, o.Lines[0].PlatformLineID)
	}
	want := domain.Amounts{Goods: 12980, Discount: 1000, Freight: 800, Paid: 12780}
	if o.Amounts != want || o.Status != domain.OrderPaid || o.PlatformStatus != "20" || o.Currency != "CNY" || o.Shop != shop {
		t.Fatalf("order = %+v", o)
	}
	if !o.CreatedAt.Equal(time.Unix(1795485600, 0)) || !o.ModifiedAt.Equal(time.Unix(1795485700, 0)) || o.PaidAt == nil || !o.PaidAt.Equal(time.Unix(1795485660, 0)) {
		t.Fatalf("times: created %v modified %v paid %v", o.CreatedAt, o.ModifiedAt, o.PaidAt)
	}
	if o.CreatedAt.Location() != time.UTC {
		t.Fatal("times must be UTC, so an order's version does not depend on the worker's zone")
	}
	l := o.Lines[1]
	if l.SKUCode != "YS-TS-001-BLK-M" || l.Quantity != 1 || l.UnitPrice != 1000 || l.Paid != 1000 || l.Status != "shipped" || l.RefundStatus != "refunded" {
		t.Fatalf("line = %+v", l)
	}
	if o.Receiver.Name != "王**" || o.Receiver.Phone != "138****5678" || strings.Contains(o.Receiver.Address, "478") || o.Buyer.Nick != "小***" {
		t.Fatalf("receiver/buyer not masked: %+v %+v", o.Receiver, o.Buyer)
	}
	if o.BuyerMessage != "请尽快发货" || o.Buyer.ID != "o0123456789abcdef" {
		t.Fatalf("buyer = %+v, message %q", o.Buyer, o.BuyerMessage)
	}
}

func TestDecodeOrderNamesTheBadField(t *testing.T) {
	cases := []struct {
		name  string
		raw   json.RawMessage
		field string // in the reason, as "field <field>:"
		rec   string
	}{
		{"money as a string", with(t, "amounts.paid_fen", "12.3.4"), "amounts.paid_fen", "order 3000000001234567891"},
		{"money as a fraction", with(t, "amounts.freight_fen", 8.5), "amounts.freight_fen", "order 3000000001234567891"},
		{"id as a number", with(t, "order_id", 12.34), "order_id", "order (no order_id)"},
		{"id not digits", with(t, "order_id", "A123"), "order_id", "order A123"},
		{"no id", with(t, "order_id", nil), "order_id", "order (no order_id)"},
		{"time as a string", with(t, "update_time", "2026-11-24 10:00:00"), "update_time", "order 3000000001234567891"},
		{"no update time", with(t, "update_time", nil), "update_time", "order 3000000001234567891"},
		{"negative create time", with(t, "create_time", -5), "create_time", "order 3000000001234567891"},
		{"pay time in milliseconds", with(t, "pay_time", 1795485660000), "pay_time", "order 3000000001234567891"},
		{"negative discount", with(t, "amounts.discount_fen", -1), "amounts.discount_fen", "order 3000000001234567891"},
		{"goods not the lines' sum", with(t, "amounts.goods_fen", 100), "amounts.goods_fen", "order 3000000001234567891"},
		{"no lines", with(t, "lines", []any{}), "lines", "order 3000000001234567891"},
		{"line quantity 0", with(t, "lines.quantity", 0), "lines[0].quantity", "order 3000000001234567891"},
		{"line without id", with(t, "lines.line_id", ""), "lines[0].line_id", "order 3000000001234567891"},
		{"line sku id not digits", with(t, "lines.sku_id", "x1"), "lines[0].sku_id", "order 3000000001234567891"},
		{"line quantity as a string", with(t, "lines.quantity", "2"), "lines.quantity", "order 3000000001234567891"},
		{"negative unit price", with(t, "lines.unit_price_fen", -5990), "lines[0].unit_price_fen", "order 3000000001234567891"},
		{"unit price × quantity overflows", with(t, "lines.unit_price_fen", int64(1)<<62), "lines[0].unit_price_fen", "order 3000000001234567891"},
		{"status as a string", with(t, "status", "paid"), "status", "order 3000000001234567891"},
		{"not JSON", json.RawMessage(`{"order_id":"1",`), "(body)", "order (no order_id)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := fakemap.DecodeOrder(shop, tc.raw)
			if domain.ErrorCode(err) != domain.EInvalid {
				t.Fatalf("err = %v, want invalid", err)
			}
			if want := tc.rec + ", field " + tc.field + ":"; !strings.Contains(err.Error(), want) {
				t.Fatalf("err = %v, want it to name %q", err, want)
			}
		})
	}
}

func TestUnknownStatusIsCarriedRaw(t *testing.T) {
	o, err := fakemap.DecodeOrder(shop, with(t, "status", 77))
	if err != nil || o.Status != domain.OrderUnknown || o.PlatformStatus != "77" {
		t.Fatalf("status 77 = %s/%s, %v", o.Status, o.PlatformStatus, err)
	}
	for status, want := range map[int]domain.OrderStatus{10: domain.OrderPendingPayment, 21: domain.OrderPartShipped,
		30: domain.OrderShipped, 100: domain.OrderCompleted, 250: domain.OrderCancelled} {
		if got := fakemap.MapStatus(status); got != want {
			t.Errorf("MapStatus(%d) = %s, want %s", status, got, want)
		}
	}
}

func TestMapOrdersRejectsOneOrderNotThePage(t *testing.T) {
	bad := with(t, "amounts.paid_fen", "12.3.4")
	noID := with(t, "order_id", 7)
	orders, rejected := fakemap.MapOrders(shop, []json.RawMessage{json.RawMessage(goodOrder), bad, noID})
	if len(orders) != 1 || len(rejected) != 2 {
		t.Fatalf("%d orders, rejected %+v", len(orders), rejected)
	}
	if rejected[0].PlatformOrderID != "3000000001234567891" || !strings.Contains(rejected[0].Reason, "field amounts.paid_fen") {
		t.Fatalf("rejected[0] = %+v", rejected[0])
	}
	if rejected[1].PlatformOrderID != "(order 3 of the page, no order_id)" {
		t.Fatalf("rejected[1] = %+v", rejected[1])
	}
}

func push() connectors.ProductPush {
	p := domain.Product{Code: "YS-TS-001", Title: "山野集纯棉T恤", Category: "服装/T恤", Description: "纯棉", Images: []string{"https://img.example/1.jpg"},
		SKUs: []domain.SKU{
			{Code: "YS-TS-001-WHT-M", Specs: []domain.SpecValue{{Name: "颜色", Value: "白色"}, {Name: "尺码", Value: "M"}}, ListPrice: 5990},
			{Code: "YS-TS-001-BLK-M", Specs: []domain.SpecValue{{Name: "颜色", Value: "黑色"}, {Name: "尺码", Value: "M"}}, ListPrice: 5990},
		}}
	return connectors.ProductPush{Product: p, Prices: map[string]domain.Money{"YS-TS-001-WHT-M": 6990, "YS-TS-001-BLK-M": 5990},
		Stocks: map[string]int{"YS-TS-001-WHT-M": 10}}
}

func TestProductRequest(t *testing.T) {
	req, err := fakemap.ProductRequest(push(), "1000000001234567891")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(req)
	want := `{"item_id":"1000000001234567891","outer_id":"YS-TS-001","title":"山野集纯棉T恤","category":"服装/T恤","description":"纯棉",` +
		`"images":["https://img.example/1.jpg"],"skus":[` +
		`{"outer_id":"YS-TS-001-WHT-M","specs":[{"name":"颜色","value":"白色"},{"name":"尺码","value":"M"}],"price_fen":6990,"stock":10},` +
		`{"outer_id":"YS-TS-001-BLK-M","specs":[{"name":"颜色","value":"黑色"},{"name":"尺码","value":"M"}],"price_fen":5990,"stock":0}]}`
	if string(b) != want {
		t.Fatalf("payload\n got %s\nwant %s", b, want)
	}
	if req, _ := fakemap.ProductRequest(push(), ""); strings.Contains(mustJSON(t, req), "item_id") {
		t.Fatal("a create must not send item_id")
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestProductRequestNamesTheBadField(t *testing.T) {
	cases := []struct {
		name string
		edit func(*connectors.ProductPush)
		want string
	}{
		{"short title", func(p *connectors.ProductPush) { p.Product.Title = "T恤" }, "product YS-TS-001, field title:"},
		{"long title", func(p *connectors.ProductPush) { p.Product.Title = strings.Repeat("长", 61) }, "product YS-TS-001, field title:"},
		{"no skus", func(p *connectors.ProductPush) { p.Product.SKUs = nil }, "product YS-TS-001, field skus:"},
		{"long description", func(p *connectors.ProductPush) { p.Product.Description = strings.Repeat("长", fakemap.MaxDescRunes+1) },
			"product YS-TS-001, field description: 20001 characters; the platform takes at most 20000"},
		{"no code", func(p *connectors.ProductPush) { p.Product.Code = "" }, "product (no code), field code:"},
		{"no price", func(p *connectors.ProductPush) { delete(p.Prices, "YS-TS-001-BLK-M") }, "sku YS-TS-001-BLK-M, field price:"},
		{"zero price", func(p *connectors.ProductPush) { p.Prices["YS-TS-001-BLK-M"] = 0 }, "sku YS-TS-001-BLK-M, field price:"},
		{"price over the cap", func(p *connectors.ProductPush) { p.Prices["YS-TS-001-WHT-M"] = fakemap.MaxPrice + 1 }, "sku YS-TS-001-WHT-M, field price:"},
		{"negative stock", func(p *connectors.ProductPush) { p.Stocks["YS-TS-001-WHT-M"] = -1 }, "sku YS-TS-001-WHT-M, field stock:"},
		{"stock over the cap", func(p *connectors.ProductPush) { p.Stocks["YS-TS-001-WHT-M"] = fakemap.MaxStock + 1 }, "sku YS-TS-001-WHT-M, field stock:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := push()
			tc.edit(&p)
			_, err := fakemap.ProductRequest(p, "")
			if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want invalid naming %q", err, tc.want)
			}
		})
	}
}

func TestListingStatus(t *testing.T) {
	for wire, want := range map[string]domain.ListingStatus{"reviewing": domain.ListingInReview, "rejected": domain.ListingRejected,
		"on_shelf": domain.ListingOnSale, "off_shelf": domain.ListingDelisted} {
		if got, ok := fakemap.ListingStatus(wire); !ok || got != want {
			t.Errorf("ListingStatus(%s) = %s, %v", wire, got, ok)
		}
	}
	if _, ok := fakemap.ListingStatus("onsale"); ok {
		t.Error("an undocumented status must not map")
	}
}

// A line's refund_status gives its refund state: "refunded" is the whole
// line (the platform names no refund id or amount).
func TestLineRefundState(t *testing.T) {
	for _, c := range []struct {
		wire string
		want domain.AfterSaleStatus
	}{{"", ""}, {"refunded", domain.AfterSaleRefunded}, {"refunding", domain.AfterSaleUnknown}} {
		o, err := fakemap.DecodeOrder(shop, with(t, "lines.refund_status", c.wire))
		if err != nil {
			t.Fatal(err)
		}
		l := o.Lines[0]
		if l.RefundState != c.want || l.RefundStatus != c.wire || l.RefundCaseID != "" || l.Refunded != 0 {
			t.Errorf("refund_status %q: %+v, want state %q", c.wire, l, c.want)
		}
	}
	o, _ := fakemap.DecodeOrder(shop, json.RawMessage(goodOrder))
	if o.Lines[0].RefundState != "" || o.Lines[1].RefundState != domain.AfterSaleRefunded {
		t.Errorf("goodOrder lines: %q %q", o.Lines[0].RefundState, o.Lines[1].RefundState)
	}
}

// refundedOrder is an order as sandbox/fake sends it after RefundOrder:
// status 250, every line refund_status "refunded".
const refundedOrder = `{
  "order_id": "3000000001234567899", "status": 250,
  "create_time": 1795485600, "pay_time": 1795485660, "update_time": 1795489200,
  "buyer": {"open_id": "o0123456789abcdef", "nick": "小*"},
  "address": {"name": "王*", "phone": "138****5678", "province": "浙江省", "city": "杭州市", "district": "西湖区", "detail": "文三路***"},
  "amounts": {"goods_fen": 17970, "discount_fen": 0, "freight_fen": 0, "paid_fen": 17970},
  "lines": [
    {"line_id": "300000000123456789901", "item_id": "1000000001234567891", "sku_id": "2000000001234567891", "outer_sku_id": "YS-TS-001-WHT-M",
     "title": "纯棉T恤", "quantity": 2, "unit_price_fen": 5990, "paid_fen": 11980, "shipped": true, "refund_status": "refunded"},
    {"line_id": "300000000123456789902", "item_id": "1000000001234567891", "sku_id": "2000000001234567892", "outer_sku_id": "YS-TS-001-BLK-M",
     "title": "纯棉T恤", "quantity": 1, "unit_price_fen": 5990, "paid_fen": 5990, "shipped": false, "refund_status": "refunded"}
  ],
  "remark": ""
}`

func TestRefundedOrderRefundsEveryLine(t *testing.T) {
	o, err := fakemap.DecodeOrder(shop, json.RawMessage(refundedOrder))
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
}
