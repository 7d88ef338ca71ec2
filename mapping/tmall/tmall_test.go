package tmallmap_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

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

func TestItemParams(t *testing.T) {
	p := domain.Product{Code: "TS-1", Title: "纯棉T恤", Category: "服装/T恤", SKUs: []domain.SKU{
		{Code: "TS-1-B", Specs: []domain.SpecValue{{Name: "颜色", Value: "黑"}, {Name: "材质", Value: "棉"}}, ListPrice: 100},
		{Code: "TS-1-A", Specs: []domain.SpecValue{{Name: "颜色", Value: "白"}, {Name: "材质", Value: "棉"}}, ListPrice: 200},
	}}
	push := connectors.ProductPush{Product: p, Prices: map[string]domain.Money{"TS-1-A": 250, "TS-1-B": 150}, Stocks: map[string]int{"TS-1-A": 1, "TS-1-B": 2}}
	opts := tmallmap.ItemOptions{CID: "1", CIDByCategory: map[string]string{"服装/T恤": "50000671"}, LocationState: "浙江", LocationCity: "杭州"}
	got, err := tmallmap.ItemParams(push, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got["cid"] != "50000671" || got["sku_prices"] != "2.50,1.50" || got["price"] != "1.50" || got["num"] != "3" || got["sku_outer_ids"] != "TS-1-A,TS-1-B" {
		t.Fatalf("params = %v", got)
	}
	if len(got["desc"]) < 5 {
		t.Fatalf("desc too short: %q", got["desc"])
	}
	props, _ := tmallmap.SKUProperties(p, opts)
	if props["TS-1-A"] == props["TS-1-B"] || !strings.HasPrefix(props["TS-1-A"], "1627207:-1;") {
		t.Fatalf("props = %v", props)
	}
	p.Title = strings.Repeat("长", 31)
	push.Product = p
	if _, err := tmallmap.ItemParams(push, opts); err == nil || !strings.Contains(err.Error(), "product TS-1, field title: is 31 characters; Tmall allows at most 30") {
		t.Fatalf("long title err = %v", err)
	}
	push.Product.Title = "ok title"
	push.Product.Category = "unknown"
	if _, err := tmallmap.ItemParams(push, tmallmap.ItemOptions{}); err == nil || !strings.Contains(err.Error(), "field category") {
		t.Fatalf("missing cid err = %v", err)
	}
}
