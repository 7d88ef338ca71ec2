package fakemap

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping"
)

// Order is an order as order.list and order.get send it. Ids are strings
// (64-bit), money integer fen, times unix seconds.
type Order struct {
	OrderID    string `json:"order_id"`
	Status     int    `json:"status"`
	CreateTime int64  `json:"create_time"`
	PayTime    int64  `json:"pay_time"` // 0 until paid
	UpdateTime int64  `json:"update_time"`
	Buyer      struct {
		OpenID string `json:"open_id"`
		Nick   string `json:"nick"`
	} `json:"buyer"`
	Address struct {
		Name     string `json:"name"`
		Phone    string `json:"phone"`
		Province string `json:"province"`
		City     string `json:"city"`
		District string `json:"district"`
		Detail   string `json:"detail"`
	} `json:"address"`
	Amounts struct {
		GoodsFen    int64 `json:"goods_fen"`
		DiscountFen int64 `json:"discount_fen"`
		FreightFen  int64 `json:"freight_fen"`
		PaidFen     int64 `json:"paid_fen"`
	} `json:"amounts"`
	Lines  []OrderLine `json:"lines"`
	Remark string      `json:"remark"`
}

// OrderLine is one line of an Order.
type OrderLine struct {
	LineID       string `json:"line_id"`
	ItemID       string `json:"item_id"`
	SKUID        string `json:"sku_id"`
	OuterSKUID   string `json:"outer_sku_id"`
	Title        string `json:"title"`
	Quantity     int    `json:"quantity"`
	UnitPriceFen int64  `json:"unit_price_fen"`
	PaidFen      int64  `json:"paid_fen"`
	Shipped      bool   `json:"shipped"`
	RefundStatus string `json:"refund_status"` // "" or "refunded"
}

// refundStates normalizes a line's refund_status. sandbox/fake sends ""
// and "refunded" (a full refund: the whole line, no refund id, no amount);
// any other word is carried raw as AfterSaleUnknown.
var refundStates = map[string]domain.AfterSaleStatus{"": "", "refunded": domain.AfterSaleRefunded}

// MapRefundStatus normalizes a line's refund_status.
func MapRefundStatus(s string) domain.AfterSaleStatus {
	if v, ok := refundStates[s]; ok {
		return v
	}
	return domain.AfterSaleUnknown
}

var statusMap = map[int]domain.OrderStatus{
	10: domain.OrderPendingPayment, 20: domain.OrderPaid, 21: domain.OrderPartShipped,
	30: domain.OrderShipped, 100: domain.OrderCompleted, 250: domain.OrderCancelled,
}

// MapStatus normalizes an order status; an undocumented one is carried raw
// as OrderUnknown.
func MapStatus(s int) domain.OrderStatus {
	if v, ok := statusMap[s]; ok {
		return v
	}
	return domain.OrderUnknown
}

// MapOrders maps each raw order of a page on its own (mapping.MapEach).
func MapOrders(shop domain.ShopRef, raws []json.RawMessage) (orders []domain.SalesOrder, rejected []connectors.RejectedOrder) {
	return mapping.MapEach(raws, "order", "order_id", idOf, func(raw json.RawMessage) (domain.SalesOrder, error) { return DecodeOrder(shop, raw) })
}

// DecodeOrder decodes one raw order and maps it. A field of the wrong JSON
// type is named with its path ("amounts.paid_fen").
func DecodeOrder(shop domain.ShopRef, raw json.RawMessage) (domain.SalesOrder, error) {
	var o Order
	if err := mapping.Unmarshal("fake", record(idOf(raw)), raw, &o); err != nil {
		return domain.SalesOrder{}, err
	}
	return OrderToSalesOrder(shop, o)
}

// idOf digs the order id out of an order that may not decode as a whole.
func idOf(raw json.RawMessage) string {
	var o struct {
		ID json.RawMessage `json:"order_id"`
	}
	var id string
	if json.Unmarshal(raw, &o) == nil && json.Unmarshal(o.ID, &id) == nil && domain.Digits(id) {
		return id
	}
	return ""
}

func record(id string) string {
	if id == "" {
		return "order (no order_id)"
	}
	return "order " + id
}

// OrderToSalesOrder maps an order. A missing, malformed or negative field,
// or amounts that do not add up, is an EInvalid error naming the order and
// the field.
func OrderToSalesOrder(shop domain.ShopRef, w Order) (domain.SalesOrder, error) {
	rec := record(w.OrderID)
	switch {
	case w.OrderID == "":
		return domain.SalesOrder{}, invalid(rec, "order_id", "missing")
	case !domain.Digits(w.OrderID):
		return domain.SalesOrder{}, invalid(rec, "order_id", fmt.Sprintf("%q is not an integer id", w.OrderID))
	}
	o := domain.SalesOrder{Shop: shop, PlatformOrderID: w.OrderID, Status: MapStatus(w.Status), PlatformStatus: strconv.Itoa(w.Status),
		Currency: "CNY", Buyer: domain.Party{Nick: domain.MaskOnce(w.Buyer.Nick, domain.MaskName), ID: w.Buyer.OpenID}, BuyerMessage: w.Remark,
		Receiver: domain.Receiver{Name: domain.MaskOnce(w.Address.Name, domain.MaskName), Phone: domain.MaskOnce(w.Address.Phone, domain.MaskPhone),
			Province: w.Address.Province, City: w.Address.City, District: w.Address.District, Address: domain.MaskOnce(w.Address.Detail, domain.MaskAddress)}}
	var err error
	if o.CreatedAt, err = unixTime(rec, "create_time", w.CreateTime); err != nil {
		return o, err
	}
	if o.ModifiedAt, err = unixTime(rec, "update_time", w.UpdateTime); err != nil {
		return o, err
	}
	if w.PayTime != 0 {
		pt, err := unixTime(rec, "pay_time", w.PayTime)
		if err != nil {
			return o, err
		}
		o.PaidAt = &pt
	}
	for _, f := range []struct {
		name string
		v    int64
		dst  *domain.Money
	}{{"amounts.goods_fen", w.Amounts.GoodsFen, &o.Amounts.Goods}, {"amounts.discount_fen", w.Amounts.DiscountFen, &o.Amounts.Discount},
		{"amounts.freight_fen", w.Amounts.FreightFen, &o.Amounts.Freight}, {"amounts.paid_fen", w.Amounts.PaidFen, &o.Amounts.Paid}} {
		if f.v < 0 {
			return o, invalid(rec, f.name, fmt.Sprintf("%d fen is negative", f.v))
		}
		*f.dst = domain.Money(f.v)
	}
	if len(w.Lines) == 0 {
		return o, invalid(rec, "lines", "an order without lines")
	}
	var goods domain.Money
	for i, wl := range w.Lines {
		field := fmt.Sprintf("lines[%d].", i)
		l, amount, err := mapLine(rec, field, wl)
		if err != nil {
			return o, err
		}
		var ok bool
		if goods, ok = goods.Plus(amount); !ok {
			return o, invalid(rec, field+"unit_price_fen", "the lines' amounts add up beyond what an int64 of fen holds")
		}
		o.Lines = append(o.Lines, l)
	}
	if goods != o.Amounts.Goods {
		return o, invalid(rec, "amounts.goods_fen", fmt.Sprintf("%d fen is not the lines' %d fen (unit price × quantity)", o.Amounts.Goods, goods))
	}
	return o, nil
}

// mapLine maps one line and returns its list amount (unit price × quantity).
func mapLine(rec, field string, wl OrderLine) (domain.OrderLine, domain.Money, error) {
	l := domain.OrderLine{PlatformLineID: wl.LineID, SKUCode: wl.OuterSKUID, PlatformItemID: wl.ItemID, PlatformSKUID: wl.SKUID,
		Title: wl.Title, Quantity: wl.Quantity, UnitPrice: domain.Money(wl.UnitPriceFen), Paid: domain.Money(wl.PaidFen), RefundStatus: wl.RefundStatus,
		RefundState: MapRefundStatus(wl.RefundStatus)}
	if wl.Shipped {
		l.Status = "shipped"
	}
	if wl.LineID == "" {
		return l, 0, invalid(rec, field+"line_id", "missing")
	}
	for _, id := range []struct{ name, v string }{{"line_id", wl.LineID}, {"item_id", wl.ItemID}, {"sku_id", wl.SKUID}} {
		if id.v != "" && !domain.Digits(id.v) {
			return l, 0, invalid(rec, field+id.name, fmt.Sprintf("%q is not an integer id", id.v))
		}
	}
	switch {
	case wl.Quantity <= 0:
		return l, 0, invalid(rec, field+"quantity", fmt.Sprintf("must be positive (got %d)", wl.Quantity))
	case wl.UnitPriceFen < 0:
		return l, 0, invalid(rec, field+"unit_price_fen", fmt.Sprintf("%d fen is negative", wl.UnitPriceFen))
	case wl.PaidFen < 0:
		return l, 0, invalid(rec, field+"paid_fen", fmt.Sprintf("%d fen is negative", wl.PaidFen))
	}
	total, ok := l.UnitPrice.Times(wl.Quantity)
	if !ok {
		return l, 0, invalid(rec, field+"unit_price_fen", fmt.Sprintf("%d fen × %d overflows", wl.UnitPriceFen, wl.Quantity))
	}
	return l, total, nil
}

// maxUnix is the end of year 9999: later is a malformed time, not a date.
const maxUnix = 253402300799

func unixTime(rec, field string, secs int64) (time.Time, error) {
	if secs <= 0 || secs > maxUnix {
		return time.Time{}, invalid(rec, field, fmt.Sprintf("%d is not a unix time in seconds", secs))
	}
	return time.Unix(secs, 0).UTC(), nil
}
