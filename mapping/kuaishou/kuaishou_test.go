package kuaishoumap_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	kuaishoumap "github.com/syncctl/syncctl/mapping/kuaishou"
)

var shop = domain.ShopRef{Channel: "kuaishou", Shop: "fenxiao"}

func push() connectors.ProductPush {
	return connectors.ProductPush{
		Product: domain.Product{Code: "YS-TS-001", Title: "纯棉圆领短袖T恤", Description: "100%棉",
			Images: []string{"https://img/1.jpg", "https://img/2.jpg"},
			SKUs: []domain.SKU{
				{Code: "YS-TS-001-WHT-M", ListPrice: 9900, Barcode: "6901234567892", Specs: []domain.SpecValue{{Name: "颜色", Value: "白色"}, {Name: "尺码", Value: "M"}}},
				{Code: "YS-TS-001-BLK-M", ListPrice: 99900, Specs: []domain.SpecValue{{Name: "颜色", Value: "黑色"}, {Name: "尺码", Value: "M"}}},
			}},
		Prices: map[string]domain.Money{"YS-TS-001-WHT-M": 5990, "YS-TS-001-BLK-M": 6990},
		Stocks: map[string]int{"YS-TS-001-WHT-M": 10},
	}
}

func TestItemRequest(t *testing.T) {
	p, err := kuaishoumap.ItemRequest(push(), 1001, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(p)
	for _, want := range []string{`"relItemId":"YS-TS-001"`, `"categoryId":1001`, `"imageUrls":["https://img/1.jpg","https://img/2.jpg"]`,
		`"relSkuId":"YS-TS-001-WHT-M","skuStock":10,"skuSalePrice":5990,"skuMarketPrice":9900,"skuNick":"YS-TS-001-WHT-M"`,
		`"skuProps":[{"propName":"颜色","propValueName":"白色"},{"propName":"尺码","propValueName":"M"}]`, `"gtinCode":"6901234567892"`,
		// 999.00 is more than ten times 69.90: no market price.
		`"relSkuId":"YS-TS-001-BLK-M","skuStock":0,"skuSalePrice":6990,"skuNick"`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("param lacks %s:\n%s", want, raw)
		}
	}
	if strings.Contains(string(raw), "kwaiItemId") || strings.Contains(string(raw), "kwaiSkuId") {
		t.Errorf("a new item carries platform ids: %s", raw)
	}
	e, err := kuaishoumap.ItemRequest(push(), 1001, &connectors.ProductIDs{ItemID: "21908377000123", SKUIDs: map[string]string{"YS-TS-001-WHT-M": "5001234"}})
	if err != nil {
		t.Fatal(err)
	}
	if e.KwaiItemID != 21908377000123 || e.SKUList[0].KwaiSKUID != 5001234 || e.SKUList[1].KwaiSKUID != 0 {
		t.Errorf("edit ids: %+v", e)
	}
}

func TestItemRequestRefuses(t *testing.T) {
	cases := []struct {
		name, field string
		cat         int64
		edit        func(*connectors.ProductPush)
	}{
		{"no category", "category_id", 0, func(*connectors.ProductPush) {}},
		{"no price", "price", 1, func(p *connectors.ProductPush) { delete(p.Prices, "YS-TS-001-BLK-M") }},
		{"zero price", "price", 1, func(p *connectors.ProductPush) { p.Prices["YS-TS-001-BLK-M"] = 0 }},
		{"negative stock", "stock", 1, func(p *connectors.ProductPush) { p.Stocks["YS-TS-001-BLK-M"] = -1 }},
		{"no images", "images", 1, func(p *connectors.ProductPush) { p.Product.Images = nil }},
		{"long title", "title", 1, func(p *connectors.ProductPush) { p.Product.Title = strings.Repeat("好", 61) }},
		{"four spec levels", "specs", 1, func(p *connectors.ProductPush) {
			p.Product.SKUs[0].Specs = append(p.Product.SKUs[0].Specs, domain.SpecValue{Name: "款式", Value: "A"}, domain.SpecValue{Name: "材质", Value: "棉"})
		}},
		{"bad known id", "item_id", 1, func(p *connectors.ProductPush) { p.Known = &connectors.ProductIDs{ItemID: "abc"} }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := push()
			c.edit(&p)
			_, err := kuaishoumap.ItemRequest(p, c.cat, p.Known)
			if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "field "+c.field) {
				t.Fatalf("want EInvalid naming %s, got %v", c.field, err)
			}
		})
	}
}

// goodOrder is an order of open.order.cursor.list in the shape of
// channels.md §6.5: a 16-digit oid and ids beyond float64, 分 integers,
// ms times, a desensitised address and a distributor.
const goodOrder = `{
 "orderBaseInfo": {"oid": 2118200015424785123, "status": 30, "createTime": 1764556200000, "updateTime": 1764556265000,
   "payTime": 1764556260000, "sendTime": 0, "totalFee": 11880, "expressFee": 1000, "discountFee": 1120,
   "buyerOpenId": "f19a8c7e2b", "buyerNick": "快手用户", "cpsType": 2, "remark": "请尽快发货"},
 "orderItemInfo": {"itemId": 9007199254740993, "skuId": "9007199254740995", "relItemId": "YS-TS-001", "relSkuId": "YS-TS-001-WHT-M",
   "skuNick": "YS-TS-001-WHT-M", "num": 2, "price": 5950, "originalPrice": 5990, "itemTitle": "纯棉圆领短袖T恤"},
 "orderRefundList": [],
 "orderLogisticsInfo": [],
 "orderAddress": {"desensitiseConsignee": "张*", "desensitiseMobile": "138****5678", "desensitiseAddress": "文三路***",
   "province": "浙江省", "city": "杭州市", "district": "西湖区"},
 "orderCpsInfo": {"distributorId": 3649418105, "distributorName": "带货达人小王", "commissionRate": 125, "commissionAmount": 1360}
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
		cur = cur[p].(map[string]any)
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
	o, err := kuaishoumap.DecodeOrder(shop, json.RawMessage(goodOrder))
	if err != nil {
		t.Fatal(err)
	}
	paid := time.UnixMilli(1764556260000).UTC()
	want := domain.SalesOrder{Shop: shop, PlatformOrderID: "2118200015424785123", Status: domain.OrderPaid, PlatformStatus: "30",
		CreatedAt: time.UnixMilli(1764556200000).UTC(), PaidAt: &paid, ModifiedAt: time.UnixMilli(1764556265000).UTC(), Currency: "CNY",
		Amounts:  domain.Amounts{Goods: 11900, Discount: 1120, Freight: 1000, Paid: 11880},
		Buyer:    domain.Party{Nick: "快***", ID: "f19a8c7e2b"},
		Receiver: domain.Receiver{Name: "张*", Phone: "138****5678", Province: "浙江省", City: "杭州市", District: "西湖区", Address: "文三路***"},
		Lines: []domain.OrderLine{{PlatformLineID: "2118200015424785123", SKUCode: "YS-TS-001-WHT-M", PlatformItemID: "9007199254740993",
			PlatformSKUID: "9007199254740995", Title: "纯棉圆领短袖T恤", Quantity: 2, UnitPrice: 5950, Paid: 10880, Status: "30"}},
		CPS:          &domain.CPSInfo{PromoterID: "3649418105", PromoterName: "带货达人小王", CommissionRate: 1250, Commission: 1360},
		BuyerMessage: "请尽快发货"}
	g, _ := json.Marshal(o)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Fatalf("got  %s\nwant %s", g, w)
	}
}

func TestOrderStatusesAndRefunds(t *testing.T) {
	cases := []struct {
		status int
		want   domain.OrderStatus
	}{{10, domain.OrderPendingPayment}, {30, domain.OrderPaid}, {40, domain.OrderShipped}, {50, domain.OrderCompleted},
		{70, domain.OrderCompleted}, {80, domain.OrderCancelled}, {99, domain.OrderUnknown}}
	for _, c := range cases {
		o, err := kuaishoumap.DecodeOrder(shop, with(t, "orderBaseInfo.status", c.status))
		if err != nil || o.Status != c.want {
			t.Errorf("status %d: %v %v", c.status, o.Status, err)
		}
	}
	refund := func(status int) json.RawMessage {
		return with(t, "orderRefundList", []any{map[string]any{"refundId": 7001, "refundStatus": status, "refundFee": 10880}})
	}
	for status, want := range map[int]string{10: "refunding", 60: "refunded", 70: "refund_closed"} {
		o, err := kuaishoumap.DecodeOrder(shop, refund(status))
		if err != nil || o.Lines[0].RefundStatus != want {
			t.Errorf("refund %d: %q %v", status, o.Lines[0].RefundStatus, err)
		}
	}
	if o, err := kuaishoumap.DecodeOrder(shop, json.RawMessage(goodOrder)); err != nil || o.Lines[0].RefundStatus != "" || o.Lines[0].RefundState != "" {
		t.Errorf("no refund: %+v %v", o.Lines[0], err)
	}
	normal := with(t, "orderCpsInfo", nil)
	if o, err := kuaishoumap.DecodeOrder(shop, with(t, "orderBaseInfo.cpsType", 1)); err != nil || o.CPS == nil {
		t.Errorf("cps info kept whatever cpsType says: %+v %v", o.CPS, err)
	}
	var m map[string]any
	_ = json.Unmarshal(normal, &m)
	m["orderBaseInfo"].(map[string]any)["cpsType"] = 1
	b, _ := json.Marshal(m)
	if o, err := kuaishoumap.DecodeOrder(shop, b); err != nil || o.CPS != nil {
		t.Errorf("normal order: %+v %v", o.CPS, err)
	}
}

func TestDecodeOrderRefuses(t *testing.T) {
	cases := []struct {
		path  string
		v     any
		field string
	}{
		{"orderBaseInfo.totalFee", json.Number("118.8"), "orderBaseInfo.totalFee"},
		{"orderBaseInfo.totalFee", nil, "orderBaseInfo.totalFee"},
		{"orderBaseInfo.updateTime", nil, "orderBaseInfo.updateTime"},
		{"orderBaseInfo.expressFee", 20000, "orderBaseInfo.expressFee"},
		{"orderItemInfo.num", 0, "orderItemInfo.num"},
		{"orderItemInfo.price", -5, "orderItemInfo.price"},
		{"orderItemInfo.itemId", "x12", "orderItemInfo.itemId"},
		{"orderCpsInfo", map[string]any{"distributorId": 0}, "orderCpsInfo.distributorId"},
		{"orderBaseInfo.status", "30", "orderBaseInfo.status"},
	}
	for _, c := range cases {
		_, err := kuaishoumap.DecodeOrder(shop, with(t, c.path, c.v))
		if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), c.field) || !strings.Contains(err.Error(), "2118200015424785123") {
			t.Errorf("%s=%v: want EInvalid naming the order and %s, got %v", c.path, c.v, c.field, err)
		}
	}
	orders, rejected := kuaishoumap.MapOrders(shop, []json.RawMessage{json.RawMessage(goodOrder), with(t, "orderItemInfo.num", 0), json.RawMessage(`[1]`)})
	if len(orders) != 1 || len(rejected) != 2 || rejected[0].PlatformOrderID != "2118200015424785123" || !strings.Contains(rejected[1].PlatformOrderID, "order 3 of the page") {
		t.Fatalf("orders %d rejected %+v", len(orders), rejected)
	}
}

func TestCommissionPercent(t *testing.T) {
	for bp, want := range map[int]int{0: 0, 100: 1, 2000: 20, 9000: 90} {
		if got, err := kuaishoumap.CommissionPercent("item 1", bp); err != nil || got != want {
			t.Errorf("%d bp: %d %v", bp, got, err)
		}
	}
	for _, bp := range []int{1250, 1, 9100, -100} {
		if _, err := kuaishoumap.CommissionPercent("item 1", bp); domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "field commission") {
			t.Errorf("%d bp: %v", bp, err)
		}
	}
}

func TestExpressCode(t *testing.T) {
	for carrier, want := range map[string]int{"SF": 4, "ZTO": 9, "YTO": 6, "STO": 3, "YUNDA": 11, "EMS": 2, "POSTB": 8, "JD": 14, "JTSD": 109, "DBKD": 53} {
		if got, err := kuaishoumap.ExpressCode(domain.Shipment{PlatformOrderID: "1", Carrier: carrier}); err != nil || got != want {
			t.Errorf("%s: %d %v", carrier, got, err)
		}
	}
	for c := range domain.Carriers {
		if _, ok := kuaishoumap.Carriers[c]; !ok {
			t.Errorf("carrier %s has no Kuaishou code", c)
		}
	}
	if _, err := kuaishoumap.ExpressCode(domain.Shipment{PlatformOrderID: "1", Carrier: "XX"}); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("unknown carrier: %v", err)
	}
}

// orderCpsInfo says nothing of settlement: a completed order, a closed one
// and one with the distributor's 快赚客 fields all keep Settlement "" and
// one commission figure (no Estimated).
func TestOrderCPSSettlementUnknown(t *testing.T) {
	for name, body := range map[string]json.RawMessage{
		"paid":      json.RawMessage(goodOrder),
		"succeeded": with(t, "orderBaseInfo.status", kuaishoumap.StatusSucceeded),
		"closed":    with(t, "orderBaseInfo.status", kuaishoumap.StatusClosed),
		"kwaimoney": with(t, "orderCpsInfo", map[string]any{"distributorId": json.Number("3649418105"), "distributorName": "带货达人小王",
			"kwaiMoneyUserId": json.Number("58812"), "kwaiMoneyUserNickName": "快赚客阿明", "commissionRate": json.Number("125"), "commissionAmount": json.Number("1360")}),
	} {
		o, err := kuaishoumap.DecodeOrder(shop, body)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if o.CPS == nil || o.CPS.Settlement != "" || o.CPS.Estimated != 0 || o.CPS.Commission != 1360 || o.CPS.CommissionRate != 1250 {
			t.Errorf("%s: %+v", name, o.CPS)
		}
	}
}

// refunds is goodOrder with an orderRefundList of {refundId, refundStatus,
// refundFee} triples.
func refunds(t *testing.T, rs ...[3]any) json.RawMessage {
	t.Helper()
	list := []any{}
	for _, r := range rs {
		list = append(list, map[string]any{"refundId": r[0], "refundStatus": r[1], "refundFee": r[2]})
	}
	return with(t, "orderRefundList", list)
}

// orderRefundList gives the order's one line its refund state, case and
// refunded money (goodOrder's line paid 10880 of a totalFee 11880 with
// 1000 freight), whatever order the refunds are listed in.
func TestLineRefund(t *testing.T) {
	const ok, asked, closed = kuaishoumap.RefundSucceeded, 10, kuaishoumap.RefundClosed
	cases := []struct {
		name     string
		raw      json.RawMessage
		raw2     string // RefundStatus
		state    domain.AfterSaleStatus
		caseID   string
		refunded domain.Money
	}{
		{"asked", refunds(t, [3]any{7001, asked, 10880}), "refunding", domain.AfterSaleRequested, "7001", 0},
		{"another in-progress value", refunds(t, [3]any{7001, 20, 10880}), "refunding", domain.AfterSaleRequested, "7001", 0},
		{"full refund with the freight", refunds(t, [3]any{7001, ok, 11880}), "refunded", domain.AfterSaleRefunded, "7001", 10880},
		{"part of the line", refunds(t, [3]any{"7001", ok, 3000}), "refunded", domain.AfterSaleRefunded, "7001", 3000},
		{"no fee: the whole line", refunds(t, [3]any{7001, ok, nil}), "refunded", domain.AfterSaleRefunded, "7001", 0},
		{"closed", refunds(t, [3]any{7001, closed, 10880}), "refund_closed", domain.AfterSaleCancelled, "7001", 0},
		{"closed, then refunded", refunds(t, [3]any{7001, closed, 10880}, [3]any{7002, ok, 2000}), "refunded", domain.AfterSaleRefunded, "7002", 2000},
		{"refunded, then closed", refunds(t, [3]any{7002, ok, 2000}, [3]any{7001, closed, 10880}), "refunded", domain.AfterSaleRefunded, "7002", 2000},
		{"part refunded, another asked", refunds(t, [3]any{7001, ok, 2000}, [3]any{7002, asked, 3000}), "refunding", domain.AfterSaleRequested, "7002", 2000},
		{"asked, then part refunded", refunds(t, [3]any{7002, asked, 3000}, [3]any{7001, ok, 2000}), "refunding", domain.AfterSaleRequested, "7002", 2000},
		{"two parts", refunds(t, [3]any{7001, ok, 2000}, [3]any{7002, ok, 3000}), "refunded", domain.AfterSaleRefunded, "7002", 5000},
	}
	for _, c := range cases {
		o, err := kuaishoumap.DecodeOrder(shop, c.raw)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		l := o.Lines[0]
		if l.RefundStatus != c.raw2 || l.RefundState != c.state || l.RefundCaseID != c.caseID || l.Refunded != c.refunded {
			t.Errorf("%s: %q %q case %q refunded %d, want %q %q case %q refunded %d", c.name, l.RefundStatus, l.RefundState,
				l.RefundCaseID, l.Refunded, c.raw2, c.state, c.caseID, c.refunded)
		}
	}
	for _, c := range []struct {
		raw   json.RawMessage
		field string
	}{
		{refunds(t, [3]any{7001, ok, -5}), "orderRefundList[0].refundFee"},
		{refunds(t, [3]any{7001, ok, json.Number("10.5")}), "orderRefundList[0].refundFee"},
		{refunds(t, [3]any{7001, ok, 10}, [3]any{"R-2", ok, 10}), "orderRefundList[1].refundId"},
		{refunds(t, [3]any{7001, ok, int64(1) << 62}, [3]any{7002, ok, int64(1) << 62}), "orderRefundList[1].refundFee"},
	} {
		_, err := kuaishoumap.DecodeOrder(shop, c.raw)
		if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "field "+c.field) {
			t.Errorf("want EInvalid naming %s, got %v", c.field, err)
		}
	}
}

// refundedOrder is an order as sandbox/kuaishou sends it after
// RefundOrder: status 80 (closed) and one succeeded refund of the whole
// totalFee, freight included.
const refundedOrder = `{
 "orderBaseInfo": {"oid": 2118200015424785177, "status": 80, "createTime": 1764556200000, "updateTime": 1764559800000,
   "payTime": 1764556260000, "sendTime": 1764557000000, "totalFee": 6990, "expressFee": 1000, "discountFee": 0,
   "buyerOpenId": "f19a8c7e2b", "buyerNick": "快手用户7e2b", "sellerOpenId": "seller", "cpsType": 1, "remark": ""},
 "orderItemInfo": {"itemId": 21908377000123, "skuId": 5001234, "relItemId": "YS-TS-001", "relSkuId": "YS-TS-001-BLK-M",
   "skuNick": "YS-TS-001-BLK-M", "num": 1, "price": 5990, "originalPrice": 5990, "itemTitle": "纯棉圆领短袖T恤"},
 "orderRefundList": [{"refundId": 211820001542478530, "refundStatus": 60, "refundFee": 6990}],
 "orderLogisticsInfo": [{"logisticsId": 2118200015424785184, "expressNo": "SF1234567890", "expressCode": 4}],
 "orderAddress": {"encryptedConsignee": "#x1#", "encryptedMobile": "#m#", "encryptedAddress": "#a#", "desensitiseConsignee": "张*",
   "desensitiseMobile": "138****0000", "desensitiseAddress": "文三路***", "province": "浙江省", "city": "杭州市", "district": "西湖区"},
 "orderCpsInfo": {"distributorId": 0, "distributorName": ""}
}`

func TestRefundedOrderRefundsItsLine(t *testing.T) {
	o, err := kuaishoumap.DecodeOrder(shop, json.RawMessage(refundedOrder))
	if err != nil {
		t.Fatal(err)
	}
	l := o.Lines[0]
	if o.Status != domain.OrderCancelled || l.RefundState != domain.AfterSaleRefunded || l.RefundCaseID != "211820001542478530" ||
		l.Refunded != l.Paid || l.Paid != 5990 {
		t.Fatalf("order %s line %+v", o.Status, l)
	}
}
