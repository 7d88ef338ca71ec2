package youzanmap

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping"
)

// TimeLayout is how Youzan writes times, in GMT+8.
const TimeLayout = "2006-01-02 15:04:05"

// China is the zone of every Youzan time.
var China = time.FixedZone("GMT+8", 8*3600)

// ID is a platform id sent as a JSON number or string; it is kept as the
// digits, never through float64.
type ID string

// UnmarshalJSON accepts 123, "123" and null.
func (id *ID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*id = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*id = ID(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*id = ID(n)
	}
	return nil
}

// FullOrderInfo is one full_order_info of youzan.trades.sold.get and
// youzan.trade.get. Amounts are 元 decimal strings.
type FullOrderInfo struct {
	OrderInfo struct {
		Tid         string `json:"tid"`
		Status      string `json:"status"`
		Created     string `json:"created"`
		UpdateTime  string `json:"update_time"`
		PayTime     string `json:"pay_time"`
		ConsignTime string `json:"consign_time"`
		SuccessTime string `json:"success_time"`
		RefundState int    `json:"refund_state"`
	} `json:"order_info"`
	BuyerInfo struct {
		BuyerID      ID     `json:"buyer_id"`
		YzOpenID     string `json:"yz_open_id"`
		FansNickname string `json:"fans_nickname"`
	} `json:"buyer_info"`
	AddressInfo struct {
		ReceiverName     string `json:"receiver_name"`
		ReceiverTel      string `json:"receiver_tel"`
		DeliveryProvince string `json:"delivery_province"`
		DeliveryCity     string `json:"delivery_city"`
		DeliveryDistrict string `json:"delivery_district"`
		DeliveryAddress  string `json:"delivery_address"`
	} `json:"address_info"`
	PayInfo struct {
		Payment  string `json:"payment"`
		TotalFee string `json:"total_fee"`
		PostFee  string `json:"post_fee"`
	} `json:"pay_info"`
	Orders     []OrderLine `json:"orders"`
	RemarkInfo struct {
		BuyerMessage string `json:"buyer_message"`
	} `json:"remark_info"`
}

// OrderLine is one element of full_order_info.orders.
type OrderLine struct {
	Oid        ID     `json:"oid"`
	ItemID     ID     `json:"item_id"`
	SKUID      ID     `json:"sku_id"`
	OuterSKUID string `json:"outer_sku_id"`
	OuterID    string `json:"outer_item_id"`
	Num        int    `json:"num"`
	Price      string `json:"price"`
	Payment    string `json:"payment"`
	TotalFee   string `json:"total_fee"`
	Title      string `json:"title"`
}

var statusMap = map[string]domain.OrderStatus{
	"WAIT_BUYER_PAY": domain.OrderPendingPayment, "TRADE_PAID": domain.OrderPaid, "WAIT_CONFIRM": domain.OrderPaid,
	"WAIT_SELLER_SEND_GOODS": domain.OrderPaid, "WAIT_BUYER_CONFIRM_GOODS": domain.OrderShipped,
	"TRADE_SUCCESS": domain.OrderCompleted, "TRADE_CLOSED": domain.OrderCancelled,
}

// refundStates names order_info.refund_state on each line: 0 未退款, 2
// 部分退款成功 and 12 全额退款成功 are documented; the in-progress states
// 1 部分退款中 and 11 全额退款中 are UNCONFIRMED (sandbox/youzan uses 11
// for a refund the buyer asked for).
var refundStates = map[int]string{0: "", 1: "PARTIAL_REFUNDING", 2: "PARTIAL_REFUNDED", 11: "REFUNDING", 12: "REFUNDED"}

// RefundStatus names a refund_state; an undocumented one is "REFUND_STATE_N".
func RefundStatus(state int) string {
	if s, ok := refundStates[state]; ok {
		return s
	}
	return fmt.Sprintf("REFUND_STATE_%d", state)
}

// LineRefundStates is each line's refund state given the order's
// refund_state, the only refund word of full_order_info (its orders[]
// carry no refund field, and it names no refund id or amount, so
// RefundCaseID and Refunded stay empty). A full refund marks every line:
// 11 全额退款中 requested, 12 全额退款成功 refunded (whole). A partial one
// does not say which lines: 1 部分退款中 is requested on the line of a
// one-line order, else no line is marked; 2 部分退款成功 marks none (part
// of some line's money is back, how much is not said: refunded with
// Refunded 0 would claim the whole line). The raw word stays in each
// line's RefundStatus. Another value is AfterSaleUnknown on every line.
func LineRefundStates(state, lines int) []domain.AfterSaleStatus {
	var s domain.AfterSaleStatus
	switch state {
	case 0, 2:
	case 1:
		if lines == 1 {
			s = domain.AfterSaleRequested
		}
	case 11:
		s = domain.AfterSaleRequested
	case 12:
		s = domain.AfterSaleRefunded
	default:
		s = domain.AfterSaleUnknown
	}
	out := make([]domain.AfterSaleStatus, lines)
	for i := range out {
		out[i] = s
	}
	return out
}

// MapStatus normalizes order_info.status; an undocumented one is carried
// raw as OrderUnknown.
func MapStatus(s string) domain.OrderStatus {
	if v, ok := statusMap[s]; ok {
		return v
	}
	return domain.OrderUnknown
}

// MapOrders maps each raw full_order_info of a page on its own
// (mapping.MapEach).
func MapOrders(shop domain.ShopRef, raws []json.RawMessage) (orders []domain.SalesOrder, rejected []connectors.RejectedOrder) {
	return mapping.MapEach(raws, "order", "tid", tidOf, func(raw json.RawMessage) (domain.SalesOrder, error) { return DecodeOrder(shop, raw) })
}

// DecodeOrder decodes one full_order_info and maps it. A field of the wrong
// JSON type is named with its path.
func DecodeOrder(shop domain.ShopRef, raw json.RawMessage) (domain.SalesOrder, error) {
	var w FullOrderInfo
	if err := mapping.Unmarshal("youzan", record(tidOf(raw)), raw, &w); err != nil {
		return domain.SalesOrder{}, err
	}
	return ToSalesOrder(shop, w)
}

func tidOf(raw json.RawMessage) string {
	var w struct {
		OrderInfo struct {
			Tid json.RawMessage `json:"tid"`
		} `json:"order_info"`
	}
	var tid string
	if json.Unmarshal(raw, &w) == nil && json.Unmarshal(w.OrderInfo.Tid, &tid) == nil && validTid(tid) {
		return tid
	}
	return ""
}

// validTid: "E" and digits ("E20190101123456789012345", 24 chars).
func validTid(s string) bool {
	return len(s) > 1 && len(s) <= 64 && strings.HasPrefix(s, "E") && domain.Digits(s[1:])
}

func record(tid string) string {
	if tid == "" {
		return "order (no tid)"
	}
	return "order " + tid
}

// ToSalesOrder maps a full_order_info. Amounts are parsed from 元 strings
// exactly; a missing or malformed field is EInvalid naming the order and
// the field. The receiver is kept as Youzan sends it: already masked or
// encrypted (decryption is a separate, per-shop API).
func ToSalesOrder(shop domain.ShopRef, w FullOrderInfo) (domain.SalesOrder, error) {
	oi := w.OrderInfo
	rec := record(oi.Tid)
	if oi.Tid == "" {
		return domain.SalesOrder{}, invalid(rec, "order_info.tid", "missing")
	}
	if !validTid(oi.Tid) {
		return domain.SalesOrder{}, invalid(rec, "order_info.tid", fmt.Sprintf("%q is not an E-prefixed order number", oi.Tid))
	}
	buyerID := w.BuyerInfo.YzOpenID
	if buyerID == "" {
		buyerID = string(w.BuyerInfo.BuyerID)
	}
	a := w.AddressInfo
	o := domain.SalesOrder{Shop: shop, PlatformOrderID: oi.Tid, Status: MapStatus(oi.Status), PlatformStatus: oi.Status, Currency: "CNY",
		Buyer:        domain.Party{Nick: domain.MaskOnce(w.BuyerInfo.FansNickname, domain.MaskName), ID: buyerID},
		BuyerMessage: w.RemarkInfo.BuyerMessage,
		Receiver: domain.Receiver{Name: a.ReceiverName, Phone: a.ReceiverTel, Province: a.DeliveryProvince,
			City: a.DeliveryCity, District: a.DeliveryDistrict, Address: a.DeliveryAddress}}
	var err error
	if o.CreatedAt, err = ParseTime(rec, "order_info.created", oi.Created); err != nil {
		return o, err
	}
	if o.ModifiedAt, err = ParseTime(rec, "order_info.update_time", oi.UpdateTime); err != nil {
		return o, err
	}
	if oi.PayTime != "" {
		pt, err := ParseTime(rec, "order_info.pay_time", oi.PayTime)
		if err != nil {
			return o, err
		}
		o.PaidAt = &pt
	}
	if o.Amounts.Goods, err = yuan(rec, "pay_info.total_fee", w.PayInfo.TotalFee, false); err != nil {
		return o, err
	}
	if o.Amounts.Freight, err = yuan(rec, "pay_info.post_fee", w.PayInfo.PostFee, true); err != nil {
		return o, err
	}
	if o.Amounts.Paid, err = yuan(rec, "pay_info.payment", w.PayInfo.Payment, false); err != nil {
		return o, err
	}
	// Youzan names no order discount: it is what the buyer did not pay of
	// goods and postage.
	if d := o.Amounts.Goods + o.Amounts.Freight - o.Amounts.Paid; d > 0 {
		o.Amounts.Discount = d
	}
	if len(w.Orders) == 0 {
		return o, invalid(rec, "orders", "an order without lines")
	}
	states := LineRefundStates(oi.RefundState, len(w.Orders))
	for i, wl := range w.Orders {
		l, err := mapLine(rec, fmt.Sprintf("orders[%d].", i), wl)
		if err != nil {
			return o, err
		}
		l.RefundStatus, l.RefundState = RefundStatus(oi.RefundState), states[i]
		o.Lines = append(o.Lines, l)
	}
	return o, nil
}

func mapLine(rec, field string, wl OrderLine) (domain.OrderLine, error) {
	l := domain.OrderLine{PlatformLineID: string(wl.Oid), SKUCode: wl.OuterSKUID, PlatformItemID: string(wl.ItemID),
		PlatformSKUID: string(wl.SKUID), Title: wl.Title, Quantity: wl.Num}
	if l.SKUCode == "" {
		l.SKUCode = wl.OuterID // an item without SKUs carries its code on the item
	}
	if wl.Oid == "" {
		return l, invalid(rec, field+"oid", "missing")
	}
	for _, id := range []struct{ name, v string }{{"oid", string(wl.Oid)}, {"item_id", string(wl.ItemID)}, {"sku_id", string(wl.SKUID)}} {
		if id.v != "" && !domain.Digits(id.v) {
			return l, invalid(rec, field+id.name, fmt.Sprintf("%q is not an integer id", id.v))
		}
	}
	if wl.Num <= 0 {
		return l, invalid(rec, field+"num", fmt.Sprintf("must be positive (got %d)", wl.Num))
	}
	var err error
	if l.UnitPrice, err = yuan(rec, field+"price", wl.Price, false); err != nil {
		return l, err
	}
	if l.Paid, err = yuan(rec, field+"payment", wl.Payment, false); err != nil {
		return l, err
	}
	return l, nil
}

// yuan parses a 元 string into 分 exactly; empty is 0 where optional.
func yuan(rec, field, s string, optional bool) (domain.Money, error) {
	if s == "" && optional {
		return 0, nil
	}
	m, err := domain.ParseYuan(s)
	if err != nil {
		return 0, invalid(rec, field, err.Error())
	}
	if m < 0 {
		return 0, invalid(rec, field, fmt.Sprintf("%s is negative", s))
	}
	return m, nil
}

// ParseTime reads a "yyyy-MM-dd HH:mm:ss" GMT+8 time, returned in UTC.
func ParseTime(rec, field, s string) (time.Time, error) {
	t, err := time.ParseInLocation(TimeLayout, s, China)
	if err != nil {
		return time.Time{}, invalid(rec, field, fmt.Sprintf("%q is not yyyy-MM-dd HH:mm:ss", s))
	}
	return t.UTC(), nil
}

// FormatTime writes t as Youzan reads it (GMT+8).
func FormatTime(t time.Time) string { return t.In(China).Format(TimeLayout) }
