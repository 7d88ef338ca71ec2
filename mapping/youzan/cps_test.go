package youzanmap_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/domain"
	youzanmap "github.com/syncctl/syncctl/mapping/youzan"
)

// salesmanRecord is an element of youzan.salesman.trades.get's list in the
// shape of channels.md §2.8: 元 strings, rates in percent, item_key
// "tid,oid".
const salesmanRecord = `{
  "order_no": "E20261201103000012345678", "seller": "o21Zag", "yz_open_id": "3hf8Fb8I596768747084054528",
  "phone": "13507878761", "group_name": "A组", "money": "109.30", "cps_money": "10.93",
  "settle_state": 1, "state": 5, "auto_settle": 1, "created_at": "2026-12-01 10:30:00", "settled_at": "",
  "items": [{"item_key": "E20261201103000012345678,1470543373380124672", "num_iid": "9007199254740993", "title": "纯棉T恤",
    "num": 2, "price": "59.50", "i_rate": "10.00", "i_cps_money": "10.93", "ii_rate": "0", "ii_cps_money": "0.00", "is_join": 1}]
}`

func salesman(t *testing.T, edit func(*youzanmap.SalesmanTrade)) youzanmap.SalesmanTrade {
	t.Helper()
	var r youzanmap.SalesmanTrade
	if err := json.Unmarshal([]byte(salesmanRecord), &r); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(&r)
	}
	return r
}

func TestApplySalesman(t *testing.T) {
	o, err := youzanmap.DecodeOrder(shop, json.RawMessage(goodOrder))
	if err != nil {
		t.Fatal(err)
	}
	if err := youzanmap.ApplySalesman(&o, salesman(t, nil)); err != nil {
		t.Fatal(err)
	}
	want := domain.CPSInfo{PromoterID: "o21Zag", PromoterName: "135****8761", CommissionRate: 1000, Commission: 1093, Settlement: domain.SettlementPending}
	if o.CPS == nil || *o.CPS != want {
		t.Fatalf("order CPS = %+v, want %+v", o.CPS, want)
	}
	if l := o.Lines[0]; l.CPS == nil || *l.CPS != want {
		t.Fatalf("line CPS = %+v", l.CPS)
	}
}

// The record as the order moves on: settled automatically once complete
// (settle_state 2, settled_at set), settled by hand (12), closed before
// payment ends (0 with state 5), still unpaid (0 with state 3), a payout
// that failed for the shop's balance (3: retried, still pending), cash on
// delivery (5: never a commission), an undocumented state.
func TestApplySalesmanSettlement(t *testing.T) {
	for _, c := range []struct {
		settle, state int
		settledAt     string
		want          domain.Settlement
	}{
		{2, 100, "2026-12-09 02:00:00", domain.SettlementSettled},
		{12, 100, "2026-12-09 02:00:00", domain.SettlementSettled},
		{0, 5, "", domain.SettlementCancelled},
		{0, 3, "", domain.SettlementPending},
		{3, 100, "", domain.SettlementPending},
		{4, 100, "", domain.SettlementPending},
		{11, 100, "", domain.SettlementPending},
		{5, 100, "", domain.SettlementCancelled},
		{7, 5, "", domain.SettlementCancelled},
		{99, 100, "", ""},
	} {
		o, _ := youzanmap.DecodeOrder(shop, json.RawMessage(goodOrder))
		err := youzanmap.ApplySalesman(&o, salesman(t, func(r *youzanmap.SalesmanTrade) {
			r.SettleState, r.State, r.SettledAt = c.settle, c.state, c.settledAt
		}))
		if err != nil || o.CPS.Settlement != c.want || o.Lines[0].CPS.Settlement != c.want || o.CPS.Commission != 1093 || o.CPS.Estimated != 0 {
			t.Errorf("settle_state %d state %d: order %+v line %+v %v, want %q", c.settle, c.state, o.CPS, o.Lines[0].CPS, err, c.want)
		}
	}
}

func TestApplySalesmanRates(t *testing.T) {
	for _, c := range []struct {
		rate string
		bp   int
	}{{"10", 1000}, {"8.5", 850}, {"35.00", 3500}, {"0.01", 1}, {"", 0}} {
		o, _ := youzanmap.DecodeOrder(shop, json.RawMessage(goodOrder))
		err := youzanmap.ApplySalesman(&o, salesman(t, func(r *youzanmap.SalesmanTrade) { r.Items[0].IRate = c.rate }))
		if err != nil || o.Lines[0].CPS.CommissionRate != c.bp || o.CPS.CommissionRate != c.bp {
			t.Errorf("i_rate %q: %+v %v, want %d bp", c.rate, o.Lines[0].CPS, err, c.bp)
		}
	}
	// An item that does not take part gets no line CPS and no rate.
	o, _ := youzanmap.DecodeOrder(shop, json.RawMessage(goodOrder))
	if err := youzanmap.ApplySalesman(&o, salesman(t, func(r *youzanmap.SalesmanTrade) { r.Items[0].IsJoin = 0 })); err != nil ||
		o.Lines[0].CPS != nil || o.CPS.CommissionRate != 0 || o.CPS.Commission != 1093 {
		t.Fatalf("not joined: %+v %+v %v", o.CPS, o.Lines[0].CPS, err)
	}
}

func TestApplySalesmanRefuses(t *testing.T) {
	for _, c := range []struct {
		edit  func(*youzanmap.SalesmanTrade)
		field string
	}{
		{func(r *youzanmap.SalesmanTrade) { r.CPSMoney = "1.001" }, "cps_money"},
		{func(r *youzanmap.SalesmanTrade) { r.CPSMoney = "" }, "cps_money"},
		{func(r *youzanmap.SalesmanTrade) { r.Seller = "" }, "seller"},
		{func(r *youzanmap.SalesmanTrade) { r.OrderNo = "E20261201103000099999999" }, "order_no"},
		{func(r *youzanmap.SalesmanTrade) { r.Items[0].IRate = "101" }, "items[0].i_rate"},
		{func(r *youzanmap.SalesmanTrade) { r.Items[0].IRate = "1e1" }, "items[0].i_rate"},
		{func(r *youzanmap.SalesmanTrade) { r.Items[0].ICPSMoney = "abc" }, "items[0].i_cps_money"},
		{func(r *youzanmap.SalesmanTrade) { r.Items[0].ItemKey = "1470543373380124672" }, "items[0].item_key"},
		{func(r *youzanmap.SalesmanTrade) { r.Items[0].ItemKey = "E20261201103000012345678,42" }, "items[0].item_key"},
	} {
		o, _ := youzanmap.DecodeOrder(shop, json.RawMessage(goodOrder))
		r := salesman(t, c.edit)
		err := youzanmap.ApplySalesman(&o, r)
		if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "field "+c.field) {
			t.Errorf("%s: %v", c.field, err)
		}
	}
}

func TestSettleState(t *testing.T) {
	for code, want := range map[int]string{0: "none", 1: "pending", 2: "settled", 3: "failed", 4: "failed", 5: "none", 7: "none", 11: "pending", 12: "settled", 99: "unknown(99)"} {
		if got := youzanmap.SettleState(code); got != want {
			t.Errorf("settle_state %d = %s, want %s", code, got, want)
		}
	}
}

func TestRefundState(t *testing.T) {
	for state, want := range map[int]string{0: "", 11: "REFUNDING", 12: "REFUNDED", 2: "PARTIAL_REFUNDED", 7: "REFUND_STATE_7"} {
		o, err := youzanmap.DecodeOrder(shop, with(t, "order_info.refund_state", state))
		if err != nil || o.Lines[0].RefundStatus != want {
			t.Errorf("refund_state %d: %q %v, want %q", state, o.Lines[0].RefundStatus, err, want)
		}
	}
}

func TestConfirm(t *testing.T) {
	o, err := youzanmap.DecodeOrder(shop, json.RawMessage(goodOrder))
	if err != nil {
		t.Fatal(err)
	}
	whole := domain.Shipment{PlatformOrderID: o.PlatformOrderID, Carrier: "STO", TrackingNo: "773012345678"}
	p, err := youzanmap.Confirm(whole, nil)
	if err != nil || p != (youzanmap.ConfirmParams{Tid: o.PlatformOrderID, OutStype: "1", OutSid: "773012345678"}) {
		t.Fatalf("whole: %+v %v", p, err)
	}
	b, _ := json.Marshal(p)
	if string(b) != `{"tid":"E20261201103000012345678","is_no_express":0,"out_stype":"1","out_sid":"773012345678"}` {
		t.Fatalf("wire: %s", b)
	}
	split := whole
	split.Lines = []domain.ShipmentLine{{PlatformLineID: "1470543373380124672", Quantity: 2}}
	if p, err := youzanmap.Confirm(split, &o); err != nil || p.Oids != "1470543373380124672" {
		t.Fatalf("split: %+v %v", p, err)
	}
	if p, err := youzanmap.Confirm(domain.Shipment{PlatformOrderID: o.PlatformOrderID}, nil); err != nil || p.IsNoExpress != 1 || p.OutStype != "" {
		t.Fatalf("no express: %+v %v", p, err)
	}
	for _, c := range []struct {
		s     domain.Shipment
		code  string
		field string
	}{
		{domain.Shipment{PlatformOrderID: o.PlatformOrderID, Carrier: "JTSD", TrackingNo: "JT1"}, domain.EInvalid, "field carrier"},
		{domain.Shipment{PlatformOrderID: o.PlatformOrderID, Carrier: "XX", TrackingNo: "1"}, domain.EInvalid, "field carrier"},
		{domain.Shipment{PlatformOrderID: o.PlatformOrderID, Carrier: "SF"}, domain.EInvalid, "field tracking_no"},
		{domain.Shipment{PlatformOrderID: o.PlatformOrderID, Carrier: "SF", TrackingNo: "SF1,SF2"}, domain.EInvalid, "field tracking_no"},
		{domain.Shipment{PlatformOrderID: "123", Carrier: "SF", TrackingNo: "SF1"}, domain.EInvalid, "field platform_order_id"},
		{domain.Shipment{PlatformOrderID: o.PlatformOrderID, Carrier: "SF", TrackingNo: "SF1", Lines: []domain.ShipmentLine{{PlatformLineID: "9"}}}, domain.ENotFound, "lines[0].platform_line_id"},
		{domain.Shipment{PlatformOrderID: o.PlatformOrderID, Carrier: "SF", TrackingNo: "SF1", Lines: []domain.ShipmentLine{{PlatformLineID: "1470543373380124672", Quantity: 1}}}, domain.EInvalid, "lines[0].quantity"},
	} {
		_, err := youzanmap.Confirm(c.s, &o)
		if domain.ErrorCode(err) != c.code || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%+v: %v, want %s naming %s", c.s, err, c.code, c.field)
		}
	}
	for code := range domain.Carriers {
		if _, ok := youzanmap.Carriers[code]; !ok && code != "JD" && code != "JTSD" && code != "DBKD" {
			t.Errorf("carrier %s has no Youzan express id", code)
		}
	}
}
