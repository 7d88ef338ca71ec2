package tmallmap_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/catalog/sample"
	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	tmallmap "github.com/syncctl/syncctl/mapping/tmall"
)

var shop = domain.ShopRef{Channel: "tmall", Shop: "flagship"}

func fixture(t *testing.T) tmallmap.Trade {
	b, err := os.ReadFile("testdata/trade_fullinfo.json")
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		R struct {
			Trade tmallmap.Trade `json:"trade"`
		} `json:"trade_fullinfo_get_response"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&env); err != nil {
		t.Fatal(err)
	}
	return env.R.Trade
}

func TestTradeToOrder(t *testing.T) {
	o, err := tmallmap.TradeToOrder(shop, fixture(t))
	if err != nil {
		t.Fatal(err)
	}
	// 64-bit ids survive exactly (never through float64).
	if o.PlatformOrderID != "3504329923814120471" || o.Lines[0].PlatformLineID != "3504329923814120472" {
		t.Fatalf("ids = %s / %s", o.PlatformOrderID, o.Lines[0].PlatformLineID)
	}
	want := domain.Amounts{Goods: 11980, Discount: 0, Freight: 800, Paid: 12780}
	if o.Amounts != want || o.Status != domain.OrderPaid || o.Lines[0].SKUCode != "YS-TS-001-WHT-M" || o.Lines[0].UnitPrice != 5990 || o.Lines[0].Quantity != 2 {
		t.Fatalf("order = %+v", o)
	}
	if !o.CreatedAt.Equal(time.Date(2026, 11, 24, 2, 2, 11, 0, time.UTC)) || o.PaidAt == nil {
		t.Fatalf("times: created %v paid %v (GMT+8 → UTC)", o.CreatedAt, o.PaidAt)
	}
	// PII that arrives unmasked is masked before it goes anywhere.
	if o.Receiver.Name != "王**" || o.Receiver.Phone != "138****5678" || strings.Contains(o.Receiver.Address, "478") || o.Buyer.Nick != "t**6" {
		t.Fatalf("receiver/buyer not masked: %+v %+v", o.Receiver, o.Buyer)
	}
}

func TestTradeStatusMap(t *testing.T) {
	cases := map[string]domain.OrderStatus{"WAIT_BUYER_PAY": domain.OrderPendingPayment, "WAIT_SELLER_SEND_GOODS": domain.OrderPaid,
		"SELLER_CONSIGNED_PART": domain.OrderPartShipped, "WAIT_BUYER_CONFIRM_GOODS": domain.OrderShipped, "TRADE_FINISHED": domain.OrderCompleted,
		"TRADE_CLOSED": domain.OrderCancelled, "TRADE_CLOSED_BY_TAOBAO": domain.OrderCancelled, "SOMETHING_NEW": domain.OrderUnknown}
	for in, want := range cases {
		if got := tmallmap.MapStatus(in); got != want {
			t.Errorf("MapStatus(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestTradeBadFieldsNameOrderAndField(t *testing.T) {
	cases := []struct {
		mutate func(*tmallmap.Trade)
		want   string
	}{
		{func(tr *tmallmap.Trade) { tr.Payment = "12.345" }, "order 3504329923814120471, field payment"},
		{func(tr *tmallmap.Trade) { tr.Modified = "yesterday" }, "order 3504329923814120471, field modified"},
		{func(tr *tmallmap.Trade) { tr.Orders.Order[0].Num = 0 }, "order 3504329923814120471, field orders[1].num"},
		{func(tr *tmallmap.Trade) { tr.Tid = "" }, "field tid"},
	}
	for _, c := range cases {
		tr := fixture(t)
		c.mutate(&tr)
		_, err := tmallmap.TradeToOrder(shop, tr)
		if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), c.want) {
			t.Errorf("err = %v, want invalid naming %q", err, c.want)
		}
	}
}

func TestTradeAmountsAreCheckedNotWrapped(t *testing.T) {
	cases := []struct {
		mutate func(*tmallmap.Trade)
		want   string
	}{
		{func(tr *tmallmap.Trade) { tr.PostFee = "-8.00" }, "field post_fee: amount \"-8.00\" is negative"},
		{func(tr *tmallmap.Trade) { tr.Orders.Order[0].Payment = "-1" }, "field orders[1].payment"},
		{func(tr *tmallmap.Trade) { tr.Payment = "+12.00" }, ""}, // a plus sign is a positive amount
		{func(tr *tmallmap.Trade) {
			tr.Orders.Order[0].TotalFee, tr.Orders.Order[0].Price, tr.Orders.Order[0].Num = "", "9999999999999.99", 1000000
		}, "field orders[1].price: price × num"},
		{func(tr *tmallmap.Trade) {
			big := tr.Orders.Order[0]
			big.TotalFee = "9000000000000.00" // 9e14 fen each: eleven of them pass int64
			tr.Orders.Order = nil
			for i := 0; i < 11000; i++ {
				tr.Orders.Order = append(tr.Orders.Order, big)
			}
		}, "the lines' amounts add up"},
		{func(tr *tmallmap.Trade) { tr.Orders.Order[0].SkuID = "12ab" }, "field orders[1].sku_id"},
		{func(tr *tmallmap.Trade) { tr.Tid = "3.5e18" }, "field tid"},
	}
	for _, c := range cases {
		tr := fixture(t)
		c.mutate(&tr)
		_, err := tmallmap.TradeToOrder(shop, tr)
		if c.want == "" {
			if err != nil {
				t.Errorf("err = %v, want none", err)
			}
			continue
		}
		if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), c.want) {
			t.Errorf("err = %v, want invalid containing %q", err, c.want)
		}
	}
}

// Ids come as numbers or strings, exactly, never through float64; a trade
// that does not decode is rejected with its tid and the field.
func TestMapTradesDecodesEachTradeOnItsOwn(t *testing.T) {
	line := `"orders":{"order":[{"oid":%s,"num_iid":%s,"sku_id":%s,"num":1,"price":"1.00","outer_sku_id":"A"}]}`
	head := `"status":"WAIT_SELLER_SEND_GOODS","created":"2026-11-24 10:00:00","modified":"2026-11-24 10:00:00","payment":"1.00",`
	raws := []json.RawMessage{
		json.RawMessage(`{"tid":3504329923814120471,` + head + fmt.Sprintf(line, "3504329923814120472", "600000000001", `"9007199254740993"`) + `}`),
		json.RawMessage(`{"tid":"3504329923814120473",` + head + fmt.Sprintf(line, `"3504329923814120474"`, `"600000000001"`, "9007199254740995") + `}`),
		json.RawMessage(`{"tid":3504329923814120475,` + head + `"orders":{"order":[{"oid":1,"num":"x"}]}}`),
		json.RawMessage(`{"tid":3504329923814120477,"orders":[1,2]}`),
		json.RawMessage(`not json`),
	}
	orders, rejected := tmallmap.MapTrades(shop, raws)
	if len(orders) != 2 || orders[0].Lines[0].PlatformSKUID != "9007199254740993" || orders[1].Lines[0].PlatformSKUID != "9007199254740995" ||
		orders[1].PlatformOrderID != "3504329923814120473" || orders[1].Lines[0].PlatformLineID != "3504329923814120474" {
		t.Fatalf("orders = %+v", orders)
	}
	if len(rejected) != 3 || rejected[0].PlatformOrderID != "3504329923814120475" || !strings.Contains(rejected[0].Reason, "field orders.order.num") ||
		rejected[1].PlatformOrderID != "3504329923814120477" || !strings.Contains(rejected[1].Reason, "field orders") ||
		!strings.Contains(rejected[2].PlatformOrderID, "no tid") {
		t.Fatalf("rejected = %+v", rejected)
	}
}

func tee() domain.Product {
	return domain.Product{Code: "TS-1", Title: "纯棉T恤", Category: "服装/T恤", Description: "精梳棉，舒适透气", SKUs: []domain.SKU{
		{Code: "TS-1-B", Specs: []domain.SpecValue{{Name: "颜色", Value: "黑"}, {Name: "尺码", Value: "M"}}, ListPrice: 100},
		{Code: "TS-1-A", Specs: []domain.SpecValue{{Name: "颜色", Value: "白"}, {Name: "尺码", Value: "M"}}, ListPrice: 200},
	}}
}

var opts = tmallmap.ItemOptions{CID: "1", CIDByCategory: map[string]string{"服装/T恤": "50000671"}, LocationState: "浙江", LocationCity: "杭州"}

func TestItemParams(t *testing.T) {
	p := tee()
	push := connectors.ProductPush{Product: p, Prices: map[string]domain.Money{"TS-1-A": 250, "TS-1-B": 150}, Stocks: map[string]int{"TS-1-A": 1, "TS-1-B": 2}}
	got, err := tmallmap.ItemParams(push, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"cid": "50000671", "sku_prices": "2.50,1.50", "price": "1.50", "num": "3", "sku_outer_ids": "TS-1-A,TS-1-B",
		"desc": "精梳棉，舒适透气", "approve_status": "onsale", "sku_quantities": "1,2", "title": "纯棉T恤", "outer_id": "TS-1"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, ok := got["num_iid"]; ok {
		t.Error("num_iid on an add")
	}
	push.Known = &connectors.ProductIDs{ItemID: "600000000001"}
	got, _ = tmallmap.ItemParams(push, opts)
	if _, ok := got["approve_status"]; ok || got["num_iid"] != "600000000001" {
		t.Fatalf("update params = %v: approve_status must not be sent on an update", got)
	}
	props, alias, err := tmallmap.SKUProperties(p, opts)
	if err != nil {
		t.Fatal(err)
	}
	white, black, m := tmallmap.CustomVID("白"), tmallmap.CustomVID("黑"), tmallmap.CustomVID("M")
	if props["TS-1-A"] != fmt.Sprintf("1627207:%d;20509:%d", white, m) || props["TS-1-B"] != fmt.Sprintf("1627207:%d;20509:%d", black, m) ||
		white >= 0 || white == black || !strings.Contains(alias, fmt.Sprintf("1627207:%d:白", white)) || strings.Count(alias, ":M") != 1 {
		t.Fatalf("props = %v, alias %q", props, alias)
	}
}

// Adding a SKU whose code sorts first must leave every existing SKU's
// sku_properties as it was: TOP would otherwise recreate those SKUs.
func TestAddingASKUKeepsTheOthersProperties(t *testing.T) {
	p := tee()
	before, _, err := tmallmap.SKUProperties(p, opts)
	if err != nil {
		t.Fatal(err)
	}
	p.SKUs = append(p.SKUs, domain.SKU{Code: "TS-1-0", Specs: []domain.SpecValue{{Name: "颜色", Value: "红"}, {Name: "尺码", Value: "L"}}, ListPrice: 100})
	after, _, err := tmallmap.SKUProperties(p, opts)
	if err != nil {
		t.Fatal(err)
	}
	for code, v := range before {
		if after[code] != v {
			t.Errorf("%s: %s → %s after adding TS-1-0", code, v, after[code])
		}
	}
	if after["TS-1-0"] == "" || after["TS-1-0"] == after["TS-1-A"] {
		t.Fatalf("new SKU = %q", after["TS-1-0"])
	}
}

func TestItemParamsRefuses(t *testing.T) {
	cases := []struct {
		mutate func(*connectors.ProductPush, *tmallmap.ItemOptions)
		want   string
	}{
		{func(p *connectors.ProductPush, _ *tmallmap.ItemOptions) { p.Product.Title = strings.Repeat("长", 31) },
			"product TS-1, field title: Tmall allows at most 30 characters (60 bytes in GBK), this has 31 (62 bytes)"},
		{func(p *connectors.ProductPush, _ *tmallmap.ItemOptions) {
			p.Product.Title = strings.Repeat("长", 29) + "😀"
		},
			"product TS-1, field title: Tmall allows at most 30 characters (60 bytes in GBK), this has 30 (62 bytes)"},
		{func(p *connectors.ProductPush, _ *tmallmap.ItemOptions) { p.Product.Title = strings.Repeat("A", 31) },
			"product TS-1, field title: Tmall allows at most 30 characters (60 bytes in GBK), this has 31 (31 bytes)"},
		{func(p *connectors.ProductPush, _ *tmallmap.ItemOptions) {
			for i := range 6 {
				p.Product.Images = append(p.Product.Images, fmt.Sprintf("https://img.example.com/%d.jpg", i))
			}
		}, "product TS-1, field images: Tmall takes at most 5 main pictures, this has 6"},
		{func(p *connectors.ProductPush, _ *tmallmap.ItemOptions) {
			for i := len(p.Product.SKUs); i <= tmallmap.MaxSKUs; i++ {
				p.Product.SKUs = append(p.Product.SKUs, domain.SKU{Code: fmt.Sprintf("TS-1-%d", i), ListPrice: 100})
			}
		}, "product TS-1, field skus: Tmall allows at most 600 SKUs per item, this has 601"},
		{func(p *connectors.ProductPush, o *tmallmap.ItemOptions) { p.Product.Category = "unknown"; o.CID = "" }, "product TS-1, field category"},
		{func(p *connectors.ProductPush, _ *tmallmap.ItemOptions) { p.Product.Description = "好" }, "product TS-1, field description: is 1 characters"},
		{func(p *connectors.ProductPush, _ *tmallmap.ItemOptions) { p.Product.Description = "  " }, "product TS-1, field description"},
		{func(p *connectors.ProductPush, _ *tmallmap.ItemOptions) { p.Product.SKUs[0].Specs[1].Name = "口味" },
			"product TS-1, field specs: no TOP sale property id for spec 口味; set options pid:口味"},
		{func(p *connectors.ProductPush, _ *tmallmap.ItemOptions) { p.Prices["TS-1-A"] = 0 }, "sku TS-1-A, field price"},
		{func(p *connectors.ProductPush, _ *tmallmap.ItemOptions) { p.Prices["TS-1-A"] = tmallmap.MaxPrice + 1 }, "sku TS-1-A, field price"},
		{func(p *connectors.ProductPush, _ *tmallmap.ItemOptions) { p.Stocks["TS-1-A"] = -1 }, "sku TS-1-A, field stock"},
		{func(p *connectors.ProductPush, _ *tmallmap.ItemOptions) { p.Product.SKUs[0].Code = "TS-1,B" }, "field code: contains a comma"},
		{func(p *connectors.ProductPush, _ *tmallmap.ItemOptions) { p.Product.SKUs[0].Specs[0].Value = "黑;白" }, "field specs"},
		{func(p *connectors.ProductPush, _ *tmallmap.ItemOptions) { p.Product.SKUs = nil }, "field skus"},
	}
	for _, c := range cases {
		push := connectors.ProductPush{Product: tee(), Prices: map[string]domain.Money{"TS-1-A": 250, "TS-1-B": 150}, Stocks: map[string]int{"TS-1-A": 1, "TS-1-B": 2}}
		o := opts
		c.mutate(&push, &o)
		_, err := tmallmap.ItemParams(push, o)
		if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), c.want) {
			t.Errorf("err = %v, want invalid containing %q", err, c.want)
		}
	}
	// At the limits, the product maps.
	push := connectors.ProductPush{Product: tee(), Prices: map[string]domain.Money{}, Stocks: map[string]int{}}
	push.Product.Title = strings.Repeat("长", 30)
	if _, err := tmallmap.ItemParams(push, opts); err != nil {
		t.Fatalf("a title of 30 Chinese characters: %v", err)
	}
	push.Product.Title = strings.Repeat("长", 15) + strings.Repeat("A", 15)
	if _, err := tmallmap.ItemParams(push, opts); err != nil {
		t.Fatalf("a title of 15 Chinese characters and 15 letters: %v", err)
	}
	// A configured pid serves any spec name.
	push = connectors.ProductPush{Product: tee(), Prices: map[string]domain.Money{}, Stocks: map[string]int{}}
	push.Product.SKUs[0].Specs[1].Name, push.Product.SKUs[1].Specs[1].Name = "口味", "口味"
	o := opts
	o.SpecPIDs = map[string]string{"口味": "122216507"}
	got, err := tmallmap.ItemParams(push, o)
	if err != nil || !strings.Contains(got["sku_properties"], "122216507:") {
		t.Fatalf("pid:口味 = %v, %v", got["sku_properties"], err)
	}
}

// Every product of the shipped sample maps, given the pids the dev stack
// configures for its spec names (what the demo pushes).
func TestSampleCatalogMaps(t *testing.T) {
	cat, err := catalog.Parse(bytes.NewReader(sample.JSON()), catalog.FormatJSON)
	if err != nil || len(cat.Products) < 50 {
		t.Fatalf("sample: %d products, %v", len(cat.Products), err)
	}
	o := opts
	o.SpecPIDs = map[string]string{"尺寸": "1", "规格": "2", "口味": "3", "型号": "4", "长度": "5", "容量": "6"}
	for _, p := range cat.Products {
		push := connectors.ProductPush{Product: p, Prices: map[string]domain.Money{}, Stocks: map[string]int{}}
		if _, err := tmallmap.ItemParams(push, o); err != nil {
			t.Errorf("%s: %v", p.Code, err)
		}
	}
}

func TestGBKBytes(t *testing.T) {
	for s, want := range map[string]int{"": 0, "T恤": 3, "纯棉": 4, "A 1": 3, "😀": 4, "ａ": 2} {
		if got := tmallmap.GBKBytes(s); got != want {
			t.Errorf("GBKBytes(%q) = %d, want %d", s, got, want)
		}
	}
}

func loadTrade(t *testing.T, name string) tmallmap.Trade {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		R struct {
			Trade tmallmap.Trade `json:"trade"`
		} `json:"trade_fullinfo_get_response"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&env); err != nil {
		t.Fatal(err)
	}
	return env.R.Trade
}

// Each sub order's refund_status (and refund_id) gives its line's refund
// state and case; TOP names no refunded amount on a sub order.
func TestTradeLineRefunds(t *testing.T) {
	cases := []struct {
		status, refundID string
		want             domain.AfterSaleStatus
		wantCase         string
	}{
		{"NO_REFUND", "", "", ""},
		{"", "", "", ""},
		{"NO_REFUND", "12345678901234567", "", ""}, // an old id without a refund now: no case
		{"WAIT_SELLER_AGREE", "23000000000123456", domain.AfterSaleRequested, "23000000000123456"},
		{"WAIT_BUYER_RETURN_GOODS", "23000000000123456", domain.AfterSaleApproved, "23000000000123456"},
		{"WAIT_SELLER_CONFIRM_GOODS", "23000000000123456", domain.AfterSaleApproved, "23000000000123456"},
		{"SELLER_REFUSE_BUYER", "23000000000123456", domain.AfterSaleRejected, "23000000000123456"},
		{"CLOSED", "23000000000123456", domain.AfterSaleCancelled, "23000000000123456"},
		{"SUCCESS", "23000000000123456", domain.AfterSaleRefunded, "23000000000123456"},
		{"SUCCESS", "", domain.AfterSaleRefunded, ""},
		{"WAIT_BUYER_CONFIRM_REDO_SEND_GOODS", "23000000000123456", domain.AfterSaleUnknown, "23000000000123456"},
	}
	for _, c := range cases {
		tr := fixture(t)
		tr.Orders.Order[0].RefundStatus, tr.Orders.Order[0].RefundID = c.status, tmallmap.ID(c.refundID)
		o, err := tmallmap.TradeToOrder(shop, tr)
		if err != nil {
			t.Fatalf("%s: %v", c.status, err)
		}
		l := o.Lines[0]
		if l.RefundState != c.want || l.RefundCaseID != c.wantCase || l.Refunded != 0 || l.RefundStatus != c.status {
			t.Errorf("%s/%s: state %q case %q refunded %d raw %q, want %q case %q", c.status, c.refundID, l.RefundState, l.RefundCaseID,
				l.Refunded, l.RefundStatus, c.want, c.wantCase)
		}
	}
	// refund_id comes as a number too, kept exactly.
	raw := `{"tid":3504329923814120471,"status":"WAIT_BUYER_CONFIRM_GOODS","created":"2026-11-24 10:00:00","modified":"2026-11-24 10:00:00",` +
		`"payment":"1.00","orders":{"order":[{"oid":3504329923814120472,"num":1,"price":"1.00","outer_sku_id":"A",` +
		`"refund_status":"WAIT_SELLER_AGREE","refund_id":230000000001234567}]}}`
	o, err := tmallmap.DecodeTrade(shop, json.RawMessage(raw))
	if err != nil || o.Lines[0].RefundCaseID != "230000000001234567" || o.Lines[0].RefundState != domain.AfterSaleRequested {
		t.Fatalf("numeric refund_id: %+v %v", o.Lines, err)
	}
	tr := fixture(t)
	tr.Orders.Order[0].RefundStatus, tr.Orders.Order[0].RefundID = "SUCCESS", "R-1"
	if _, err := tmallmap.TradeToOrder(shop, tr); domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "field orders[1].refund_id") {
		t.Errorf("malformed refund_id: %v", err)
	}
	if !strings.Contains(tmallmap.TradeFields, "orders.refund_status") || !strings.Contains(tmallmap.TradeFields, "orders.refund_id") {
		t.Errorf("TradeFields does not ask for the refund fields: %s", tmallmap.TradeFields)
	}
}

// A trade the buyer was refunded in full, as sandbox/tmall's RefundOrder
// leaves it (TRADE_CLOSED, every sub order refund_status SUCCESS, no
// refund_id): every line is refunded whole.
func TestRefundedTradeRefundsEveryLine(t *testing.T) {
	o, err := tmallmap.TradeToOrder(shop, loadTrade(t, "trade_refunded.json"))
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != domain.OrderCancelled || o.PlatformStatus != "TRADE_CLOSED" || len(o.Lines) != 2 {
		t.Fatalf("order %+v", o)
	}
	for _, l := range o.Lines {
		if l.RefundState != domain.AfterSaleRefunded || l.Refunded != 0 || l.RefundStatus != "SUCCESS" || l.RefundCaseID != "" {
			t.Errorf("line %s: %+v", l.PlatformLineID, l)
		}
	}
}
