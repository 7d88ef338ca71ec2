package youzanmap_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	youzanmap "github.com/syncctl/syncctl/mapping/youzan"
)

var shop = domain.ShopRef{Channel: "youzan", Shop: "weishop"}

// goodOrder is a full_order_info in the shape of channels.md §2.5: tid
// "E…", 元 strings with and without decimals, numeric and string ids
// beyond float64, an encrypted receiver.
const goodOrder = `{
  "order_info": {"tid": "E20261201103000012345678", "status": "WAIT_SELLER_SEND_GOODS", "status_str": "待发货",
    "created": "2026-12-01 10:30:00", "update_time": "2026-12-01 10:31:05", "pay_time": "2026-12-01 10:31:00",
    "consign_time": "", "success_time": "", "type": 0, "express_type": 0, "refund_state": 0},
  "buyer_info": {"buyer_id": 9007199254740993, "yz_open_id": "oYzAbc123", "fans_nickname": "小明同学"},
  "address_info": {"receiver_name": "$2Ab1kU9sQ==$", "receiver_tel": "138****5678", "delivery_province": "浙江省",
    "delivery_city": "杭州市", "delivery_district": "西湖区", "delivery_address": "#Zx81Qm==#"},
  "pay_info": {"payment": "118.8", "total_fee": "119", "post_fee": "10.00", "real_payment": "118.8"},
  "orders": [
    {"oid": "1470543373380124672", "item_id": 9007199254740993, "sku_id": 36478123, "outer_sku_id": "YS-TS-001-WHT-M",
     "outer_item_id": "YS-TS-001", "num": 2, "price": "59.5", "payment": "109.3", "total_fee": "119.00", "title": "纯棉T恤",
     "sku_properties_name": "[{\"k\":\"颜色\",\"v\":\"白色\"}]"}
  ],
  "remark_info": {"buyer_message": "请尽快发货"}
}`

func with(t *testing.T, path string, v any) json.RawMessage {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(goodOrder))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
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
	o, err := youzanmap.DecodeOrder(shop, json.RawMessage(goodOrder))
	if err != nil {
		t.Fatal(err)
	}
	want := domain.Amounts{Goods: 11900, Freight: 1000, Paid: 11880, Discount: 1020}
	if o.PlatformOrderID != "E20261201103000012345678" || o.Amounts != want || o.Status != domain.OrderPaid ||
		o.PlatformStatus != "WAIT_SELLER_SEND_GOODS" || o.Currency != "CNY" || o.Shop != shop {
		t.Fatalf("order = %+v", o)
	}
	cst := time.FixedZone("", 8*3600)
	if !o.CreatedAt.Equal(time.Date(2026, 12, 1, 10, 30, 0, 0, cst)) || !o.ModifiedAt.Equal(time.Date(2026, 12, 1, 10, 31, 5, 0, cst)) ||
		o.PaidAt == nil || !o.PaidAt.Equal(time.Date(2026, 12, 1, 10, 31, 0, 0, cst)) || o.CreatedAt.Location() != time.UTC {
		t.Fatalf("times: %v %v %v", o.CreatedAt, o.ModifiedAt, o.PaidAt)
	}
	l := o.Lines[0]
	if l.PlatformLineID != "1470543373380124672" || l.PlatformItemID != "9007199254740993" || l.PlatformSKUID != "36478123" ||
		l.SKUCode != "YS-TS-001-WHT-M" || l.Quantity != 2 || l.UnitPrice != 5950 || l.Paid != 10930 {
		t.Fatalf("line = %+v", l)
	}
	if o.Receiver.Name != "$2Ab1kU9sQ==$" || o.Receiver.Phone != "138****5678" || o.Receiver.Address != "#Zx81Qm==#" || o.Receiver.City != "杭州市" {
		t.Fatalf("receiver must be kept as given: %+v", o.Receiver)
	}
	if o.Buyer.ID != "oYzAbc123" || o.Buyer.Nick != "小***" || o.BuyerMessage != "请尽快发货" {
		t.Fatalf("buyer = %+v %q", o.Buyer, o.BuyerMessage)
	}
}

func TestStatus(t *testing.T) {
	for in, want := range map[string]domain.OrderStatus{
		"WAIT_BUYER_PAY": domain.OrderPendingPayment, "WAIT_SELLER_SEND_GOODS": domain.OrderPaid,
		"WAIT_BUYER_CONFIRM_GOODS": domain.OrderShipped, "TRADE_SUCCESS": domain.OrderCompleted,
		"TRADE_CLOSED": domain.OrderCancelled, "TRADE_NEW_THING": domain.OrderUnknown,
	} {
		o, err := youzanmap.DecodeOrder(shop, with(t, "order_info.status", in))
		if err != nil || o.Status != want || o.PlatformStatus != in {
			t.Errorf("%s → %s (%v), want %s", in, o.Status, err, want)
		}
	}
}

func TestUnpaidOrderHasNoPayTime(t *testing.T) {
	o, err := youzanmap.DecodeOrder(shop, with(t, "order_info.pay_time", ""))
	if err != nil || o.PaidAt != nil {
		t.Fatalf("paid %v, %v", o.PaidAt, err)
	}
}

func TestRejectsNamingTheField(t *testing.T) {
	for _, c := range []struct {
		path  string
		v     any
		field string
	}{
		{"pay_info.payment", "1.001", "pay_info.payment"},
		{"pay_info.payment", "1e2", "pay_info.payment"},
		{"pay_info.total_fee", "-1.00", "pay_info.total_fee"},
		{"pay_info.payment", 1.5, "pay_info.payment"},
		{"order_info.created", "2026/12/01 10:30", "order_info.created"},
		{"order_info.tid", "20261201", "order_info.tid"},
		{"orders.num", 0, "orders[0].num"},
		{"orders.price", "abc", "orders[0].price"},
		{"orders.oid", "x1", "orders[0].oid"},
	} {
		_, err := youzanmap.DecodeOrder(shop, with(t, c.path, c.v))
		if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s=%v: %v, want EInvalid naming %s", c.path, c.v, err, c.field)
		}
	}
}

func TestMapOrdersKeepsTheGood(t *testing.T) {
	orders, rejected := youzanmap.MapOrders(shop, []json.RawMessage{json.RawMessage(goodOrder), with(t, "pay_info.payment", "x"), json.RawMessage(`[]`)})
	if len(orders) != 1 || len(rejected) != 2 || rejected[0].PlatformOrderID != "E20261201103000012345678" || !strings.Contains(rejected[1].PlatformOrderID, "order 3") {
		t.Fatalf("orders %d, rejected %+v", len(orders), rejected)
	}
}

func push() connectors.ProductPush {
	return connectors.ProductPush{
		Product: domain.Product{Code: "YS-TS-001", Title: "纯棉圆领T恤", Description: "<p>100%棉</p>", Images: []string{"https://img.example/1.jpg"},
			SKUs: []domain.SKU{
				{Code: "YS-TS-001-WHT-M", Specs: []domain.SpecValue{{Name: "颜色", Value: "白色"}, {Name: "尺码", Value: "M"}}},
				{Code: "YS-TS-001-BLK-L", Specs: []domain.SpecValue{{Name: "颜色", Value: "黑色"}, {Name: "尺码", Value: "L"}}},
			}},
		Prices: map[string]domain.Money{"YS-TS-001-WHT-M": 5990, "YS-TS-001-BLK-L": 4990},
		Stocks: map[string]int{"YS-TS-001-WHT-M": 7, "YS-TS-001-BLK-L": 3},
	}
}

func TestItemRequest(t *testing.T) {
	p, err := youzanmap.ItemRequest(push(), "")
	if err != nil {
		t.Fatal(err)
	}
	if p.Title != "纯棉圆领T恤" || p.ItemNo != "YS-TS-001" || p.Price != 4990 || p.Quantity != 10 || p.IsDisplay != 1 || p.ItemID != "" {
		t.Fatalf("params = %+v", p)
	}
	want := `[{"price":5990,"quantity":7,"item_no":"YS-TS-001-WHT-M","skus":[{"k":"颜色","v":"白色"},{"k":"尺码","v":"M"}]},` +
		`{"price":4990,"quantity":3,"item_no":"YS-TS-001-BLK-L","skus":[{"k":"颜色","v":"黑色"},{"k":"尺码","v":"L"}]}]`
	if p.SKUStocks != want {
		t.Fatalf("sku_stocks = %s", p.SKUStocks)
	}
}

func TestItemRequestRefuses(t *testing.T) {
	long := push()
	long.Product.Title = strings.Repeat("棉", 101)
	noPrice := push()
	delete(noPrice.Prices, "YS-TS-001-BLK-L")
	neg := push()
	neg.Stocks["YS-TS-001-WHT-M"] = -1
	for name, c := range map[string]struct {
		p     connectors.ProductPush
		field string
	}{"title": {long, "field title"}, "price": {noPrice, "sku YS-TS-001-BLK-L, field price"}, "stock": {neg, "field stock"}} {
		_, err := youzanmap.ItemRequest(c.p, "")
		if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: %v", name, err)
		}
	}
	ok := push()
	ok.Product.Title = strings.Repeat("棉", 100)
	if _, err := youzanmap.ItemRequest(ok, "1"); err != nil {
		t.Fatalf("100 characters: %v", err)
	}
}

func TestFormatTime(t *testing.T) {
	if s := youzanmap.FormatTime(time.Date(2026, 12, 1, 2, 30, 0, 0, time.UTC)); s != "2026-12-01 10:30:00" {
		t.Fatal(s)
	}
}

// refundedOrder is a full_order_info as sandbox/youzan sends it after
// RefundOrder: TRADE_CLOSED, refund_state 12 (全额退款成功), two lines.
const refundedOrder = `{
  "order_info": {"tid": "E20261201113000012345699", "status": "TRADE_CLOSED", "created": "2026-12-01 11:30:00",
    "update_time": "2026-12-02 09:00:00", "pay_time": "2026-12-01 11:31:00", "consign_time": "", "success_time": "", "type": 0,
    "express_type": 0, "refund_state": 12,
    "order_tags": {"is_payed": true, "is_refund": true, "is_feedback": false, "is_fenxiao_order": false}},
  "buyer_info": {"buyer_id": 0, "yz_open_id": "yz45678699", "fans_nickname": "有赞买家"},
  "address_info": {"receiver_name": "$Qm9zY2g=$", "receiver_tel": "138****0000", "delivery_province": "浙江省",
    "delivery_city": "杭州市", "delivery_district": "西湖区", "delivery_address": "#RW5jcnlwdGVk#"},
  "pay_info": {"payment": "179.70", "total_fee": "179.70", "post_fee": "0.00", "real_payment": "179.70"},
  "orders": [
    {"oid": "1470543373380124700", "item_id": 495112276, "sku_id": 36478123, "outer_sku_id": "YS-TS-001-WHT-M", "outer_item_id": "YS-TS-001",
     "num": 2, "price": "59.90", "payment": "119.80", "total_fee": "119.80", "title": "纯棉T恤", "sku_properties_name": "[]"},
    {"oid": "1470543373380124701", "item_id": 495112276, "sku_id": 36478124, "outer_sku_id": "YS-TS-001-BLK-L", "outer_item_id": "YS-TS-001",
     "num": 1, "price": "59.90", "payment": "59.90", "total_fee": "59.90", "title": "纯棉T恤", "sku_properties_name": "[]"}
  ],
  "remark_info": {"buyer_message": ""}
}`

// The order's refund_state gives its lines' refund states: a full refund
// marks every line; a partial one only the line of a one-line order (and
// only while under way: how much came back is not said). Youzan names no
// refund id or amount on the order.
func TestLineRefundStates(t *testing.T) {
	Q, R, U := domain.AfterSaleRequested, domain.AfterSaleRefunded, domain.AfterSaleUnknown
	cases := []struct {
		state    int
		one, two domain.AfterSaleStatus // one-line goodOrder, two-line refundedOrder
		raw      string
	}{
		{0, "", "", ""},
		{1, Q, "", "PARTIAL_REFUNDING"},
		{2, "", "", "PARTIAL_REFUNDED"},
		{11, Q, Q, "REFUNDING"}, // sandbox/youzan's refund asked
		{12, R, R, "REFUNDED"},  // sandbox/youzan's RefundOrder
		{7, U, U, "REFUND_STATE_7"},
	}
	var two map[string]any
	if err := json.Unmarshal([]byte(refundedOrder), &two); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		two["order_info"].(map[string]any)["refund_state"] = c.state
		b, _ := json.Marshal(two)
		for _, v := range []struct {
			raw  json.RawMessage
			want domain.AfterSaleStatus
		}{{with(t, "order_info.refund_state", c.state), c.one}, {b, c.two}} {
			o, err := youzanmap.DecodeOrder(shop, v.raw)
			if err != nil {
				t.Fatalf("refund_state %d: %v", c.state, err)
			}
			for _, l := range o.Lines {
				if l.RefundState != v.want || l.RefundStatus != c.raw || l.RefundCaseID != "" || l.Refunded != 0 {
					t.Errorf("refund_state %d, %d lines: line %s %q %q, want %q %q", c.state, len(o.Lines), l.PlatformLineID,
						l.RefundState, l.RefundStatus, v.want, c.raw)
				}
			}
		}
	}
}

func TestRefundedOrderRefundsEveryLine(t *testing.T) {
	o, err := youzanmap.DecodeOrder(shop, json.RawMessage(refundedOrder))
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != domain.OrderCancelled || len(o.Lines) != 2 {
		t.Fatalf("order %+v", o)
	}
	for _, l := range o.Lines {
		if l.RefundState != domain.AfterSaleRefunded || l.Refunded != 0 {
			t.Errorf("line %s: %+v", l.PlatformLineID, l)
		}
	}
}
