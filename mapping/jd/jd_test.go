package jdmap_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	jdmap "github.com/syncctl/syncctl/mapping/jd"
)

var shop = domain.ShopRef{Channel: "jd", Shop: "flagship"}

// searchOrder is an orderInfoList element as pop.order.search sends it:
// orderId a string, skuId a number past float64's exact range, money as 元
// strings (and one number), GMT+8 times.
const searchOrder = `{
  "orderId": "285934762011",
  "venderId": "10086",
  "orderType": "22",
  "payType": "4-在线支付",
  "orderTotalPrice": "139.00",
  "orderSellerPrice": "129.00",
  "orderPayment": "134.00",
  "freightPrice": "5.00",
  "sellerDiscount": "10.00",
  "orderState": "WAIT_SELLER_STOCK_OUT",
  "orderStateRemark": "等待出库",
  "orderStartTime": "2024-06-18 00:05:12",
  "modified": "2024-06-18 00:06:40",
  "paymentConfirmTime": "2024-06-18 00:05:30",
  "orderRemark": "请尽快发货",
  "pin": "jd_5f2a8c1d",
  "open_id_buyer": "o-AbCdEf123",
  "consigneeInfo": {"fullname": "张*", "telephone": "", "mobile": "138****5678", "fullAddress": "浙江杭州市西湖区文三路***",
    "province": "浙江", "city": "杭州市", "county": "西湖区"},
  "itemInfoList": [
    {"skuId": 100012345678901234, "outerSkuId": "YS-TS-001-WHT-M", "wareId": 10023456789, "skuName": "纯棉圆领T恤 白色 M",
     "jdPrice": "59.90", "itemTotal": "1"},
    {"skuId": "100012345678901299", "outerSkuId": "YS-TS-001-BLK-L", "wareId": "10023456789", "skuName": "纯棉圆领T恤 黑色 L",
     "jdPrice": 79.1, "itemTotal": 1}
  ]
}`

func TestDecodeOrder(t *testing.T) {
	o, err := jdmap.DecodeOrder(shop, json.RawMessage(searchOrder))
	if err != nil {
		t.Fatal(err)
	}
	paid := time.Date(2024, 6, 17, 16, 5, 30, 0, time.UTC)
	checks := []struct {
		name      string
		got, want any
	}{
		{"id", o.PlatformOrderID, "285934762011"},
		{"status", o.Status, domain.OrderPaid},
		{"platform status", o.PlatformStatus, "WAIT_SELLER_STOCK_OUT"},
		{"created (GMT+8 → UTC)", o.CreatedAt, time.Date(2024, 6, 17, 16, 5, 12, 0, time.UTC)},
		{"modified", o.ModifiedAt, time.Date(2024, 6, 17, 16, 6, 40, 0, time.UTC)},
		{"paid at", *o.PaidAt, paid},
		{"goods", o.Amounts.Goods, domain.Money(13900)},
		{"discount", o.Amounts.Discount, domain.Money(1000)},
		{"freight", o.Amounts.Freight, domain.Money(500)},
		{"paid", o.Amounts.Paid, domain.Money(13400)},
		{"lines", len(o.Lines), 2},
		{"line 0 sku id (19 digits, exact)", o.Lines[0].PlatformSKUID, "100012345678901234"},
		{"line 0 line id", o.Lines[0].PlatformLineID, "100012345678901234"},
		{"line 0 code", o.Lines[0].SKUCode, "YS-TS-001-WHT-M"},
		{"line 0 ware", o.Lines[0].PlatformItemID, "10023456789"},
		{"line 0 price", o.Lines[0].UnitPrice, domain.Money(5990)},
		{"line 1 price (JSON number 79.1)", o.Lines[1].UnitPrice, domain.Money(7910)},
		{"line 1 paid", o.Lines[1].Paid, domain.Money(7910)},
		{"receiver kept masked", o.Receiver.Name, "张*"},
		{"phone", o.Receiver.Phone, "138****5678"},
		{"district", o.Receiver.District, "西湖区"},
		{"buyer id", o.Buyer.ID, "o-AbCdEf123"},
		{"buyer message", o.BuyerMessage, "请尽快发货"},
		{"currency", o.Currency, "CNY"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestMapStatus(t *testing.T) {
	for state, want := range map[string]domain.OrderStatus{
		"WAIT_SELLER_STOCK_OUT": domain.OrderPaid, "WAIT_SELLER_DELIVERY": domain.OrderPaid, "LOCKED": domain.OrderPaid,
		"POP_ORDER_PAUSE": domain.OrderPaid, "WAIT_GOODS_RECEIVE_CONFIRM": domain.OrderShipped,
		"FINISHED_L": domain.OrderCompleted, "TRADE_CANCELED": domain.OrderCancelled, "SOMETHING_NEW": domain.OrderUnknown,
	} {
		if got := jdmap.MapStatus(state); got != want {
			t.Errorf("%s → %s, want %s", state, got, want)
		}
	}
	for _, s := range jdmap.States {
		if jdmap.MapStatus(s) == domain.OrderUnknown {
			t.Errorf("state %s is queried but not mapped", s)
		}
	}
}

// TestDecodeOrderRejects: each broken field is named in the error.
func TestDecodeOrderRejects(t *testing.T) {
	cases := []struct {
		name, from, to, field string
	}{
		{"three decimals", `"orderPayment": "134.00"`, `"orderPayment": "134.005"`, "orderPayment"},
		{"exponent", `"orderTotalPrice": "139.00"`, `"orderTotalPrice": 1.39e2`, "orderTotalPrice"},
		{"negative freight", `"freightPrice": "5.00"`, `"freightPrice": "-5.00"`, "freightPrice"},
		{"missing payment", `"orderPayment": "134.00",`, ``, "orderPayment"},
		{"time without seconds", `"modified": "2024-06-18 00:06:40"`, `"modified": "2024-06-18 00:06"`, "modified"},
		{"time in ISO form", `"orderStartTime": "2024-06-18 00:05:12"`, `"orderStartTime": "2024-06-18T00:05:12+08:00"`, "orderStartTime"},
		{"count zero", `"itemTotal": "1"`, `"itemTotal": "0"`, "itemInfoList[0].itemTotal"},
		{"sku id not digits", `"skuId": 100012345678901234`, `"skuId": "A1"`, "itemInfoList[0].skuId"},
		{"order id of the wrong type", `"orderId": "285934762011"`, `"orderId": true`, "orderId"},
		{"no lines", `"itemInfoList": [`, `"itemInfoList": [], "x": [`, "itemInfoList"},
	}
	for _, c := range cases {
		raw := strings.Replace(searchOrder, c.from, c.to, 1)
		if raw == searchOrder {
			t.Fatalf("%s: the payload did not change", c.name)
		}
		_, err := jdmap.DecodeOrder(shop, json.RawMessage(raw))
		if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: err = %v, want EInvalid naming %s", c.name, err, c.field)
		}
	}
}

func TestMapOrdersKeepsGoodOnes(t *testing.T) {
	bad := strings.Replace(searchOrder, `"285934762011"`, `"285934762012"`, 1)
	bad = strings.Replace(bad, `"orderPayment": "134.00"`, `"orderPayment": "abc"`, 1)
	orders, rejected := jdmap.MapOrders(shop, []json.RawMessage{json.RawMessage(searchOrder), json.RawMessage(bad), json.RawMessage(`[]`)})
	if len(orders) != 1 || len(rejected) != 2 {
		t.Fatalf("orders %d, rejected %+v", len(orders), rejected)
	}
	if rejected[0].PlatformOrderID != "285934762012" || !strings.Contains(rejected[0].Reason, "orderPayment") {
		t.Fatalf("rejected[0] = %+v", rejected[0])
	}
	if !strings.Contains(rejected[1].PlatformOrderID, "order 3 of the page") {
		t.Fatalf("rejected[1] = %+v", rejected[1])
	}
}

func push() connectors.ProductPush {
	return connectors.ProductPush{
		Product: domain.Product{Code: "YS-TS-001", Title: "纯棉圆领T恤", Description: "<p>100% 棉</p>",
			Images: []string{"https://img.example.com/a.jpg", "https://img.example.com/b.jpg"},
			SKUs: []domain.SKU{
				{Code: "YS-TS-001-WHT-M", Barcode: "6901234567892", ListPrice: 6900, Specs: []domain.SpecValue{{Name: "颜色", Value: "白色"}, {Name: "尺码", Value: "M"}}},
				{Code: "YS-TS-001-BLK-L", ListPrice: 6900, Specs: []domain.SpecValue{{Name: "颜色", Value: "黑色"}, {Name: "尺码", Value: "L"}}},
			}},
		Prices: map[string]domain.Money{"YS-TS-001-WHT-M": 5990, "YS-TS-001-BLK-L": 73900},
		Stocks: map[string]int{"YS-TS-001-WHT-M": 7},
	}
}

func TestWareRequest(t *testing.T) {
	w, skus, err := jdmap.WareRequest(push(), jdmap.WareOptions{CategoryID: "1349"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"ware": w, "skus": skus})
	for _, want := range []string{`"jdPrice":59.90`, `"marketPrice":739.00`, `"outerId":"YS-TS-001"`, `"itemNum":"YS-TS-001"`,
		`"categoryId":1349`, `"stockNum":0`, `"attrId":"1000000041","attrValues":["白色"]`, `"imgIndex":2`, `"barCode":"6901234567892"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
	if skus[0].OuterID != "YS-TS-001-BLK-L" || skus[0].JdPrice != "739.00" || skus[1].StockNum != 7 {
		t.Fatalf("skus = %+v", skus)
	}
}

func TestWareRequestRejects(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(*connectors.ProductPush, *jdmap.WareOptions)
		field string
	}{
		{"no price", func(p *connectors.ProductPush, _ *jdmap.WareOptions) { delete(p.Prices, "YS-TS-001-BLK-L") }, "sku YS-TS-001-BLK-L, field price"},
		{"zero price", func(p *connectors.ProductPush, _ *jdmap.WareOptions) { p.Prices["YS-TS-001-BLK-L"] = 0 }, "field jdPrice"},
		{"negative stock", func(p *connectors.ProductPush, _ *jdmap.WareOptions) { p.Stocks["YS-TS-001-WHT-M"] = -1 }, "field stockNum"},
		{"unknown spec", func(p *connectors.ProductPush, _ *jdmap.WareOptions) {
			p.Product.SKUs[0].Specs = []domain.SpecValue{{Name: "口味", Value: "原味"}}
		}, "attr:口味"},
		{"same specs twice", func(p *connectors.ProductPush, _ *jdmap.WareOptions) {
			p.Product.SKUs[1].Specs = p.Product.SKUs[0].Specs
		}, "same specs"},
		{"long title", func(p *connectors.ProductPush, _ *jdmap.WareOptions) { p.Product.Title = strings.Repeat("棉", 61) }, "field title"},
		{"bad category", func(_ *connectors.ProductPush, o *jdmap.WareOptions) { o.CategoryID = "T恤" }, "field categoryId"},
	}
	for _, c := range cases {
		p, o := push(), jdmap.WareOptions{CategoryID: "1349"}
		c.edit(&p, &o)
		_, _, err := jdmap.WareRequest(p, o)
		if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: %v, want EInvalid naming %q", c.name, err, c.field)
		}
	}
	p, o := push(), jdmap.WareOptions{CategoryID: "1349", AttrIDs: map[string]string{"口味": "1000001234"}}
	p.Product.SKUs[0].Specs = []domain.SpecValue{{Name: "口味", Value: "原味"}}
	if _, _, err := jdmap.WareRequest(p, o); err != nil {
		t.Fatalf("attr option: %v", err)
	}
}

func TestCarrierID(t *testing.T) {
	for in, want := range map[string]string{"SF": "467", "zto": "1499", " YUNDA ": "1327", "JD": "2087", "2100": "2100"} {
		got, err := jdmap.CarrierID("1", in)
		if err != nil || got != want {
			t.Errorf("%q → %q %v, want %s", in, got, err, want)
		}
	}
	if _, err := jdmap.CarrierID("285934762011", "顺丰"); domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "order 285934762011, field carrier") {
		t.Fatalf("unknown carrier: %v", err)
	}
}

func TestTimes(t *testing.T) {
	at := time.Date(2024, 1, 1, 4, 0, 0, 0, time.UTC)
	if s := jdmap.FormatTime(at); s != "2024-01-01 12:00:00" {
		t.Fatal(s)
	}
	back, err := jdmap.ParseTime("x", "t", "2024-01-01 12:00:00")
	if err != nil || !back.Equal(at) {
		t.Fatal(back, err)
	}
}

// The JD order names no refund: whatever its orderState (a refunded order
// is TRADE_CANCELED, as a cancelled one), no line has a refund state, case
// or refunded money.
func TestOrderNamesNoRefund(t *testing.T) {
	for _, state := range []string{"WAIT_SELLER_STOCK_OUT", "LOCKED", "WAIT_GOODS_RECEIVE_CONFIRM", "FINISHED_L", "TRADE_CANCELED"} {
		raw := strings.Replace(searchOrder, `"orderState": "WAIT_SELLER_STOCK_OUT"`, `"orderState": "`+state+`"`, 1)
		o, err := jdmap.DecodeOrder(shop, json.RawMessage(raw))
		if err != nil {
			t.Fatalf("%s: %v", state, err)
		}
		for _, l := range o.Lines {
			if l.RefundState != "" || l.RefundCaseID != "" || l.Refunded != 0 || l.RefundStatus != "" {
				t.Errorf("%s: line %s %+v", state, l.PlatformLineID, l)
			}
		}
		if o.PlatformStatus != state {
			t.Errorf("%s: platform status %s", state, o.PlatformStatus)
		}
	}
}
