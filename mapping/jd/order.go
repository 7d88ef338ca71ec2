package jdmap

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping"
)

// OrderFields are the optional_fields asked of pop.order.search and
// pop.order.get: everything the mapping reads.
const OrderFields = "orderId,orderState,orderStateRemark,orderTotalPrice,orderSellerPrice,orderPayment,freightPrice," +
	"sellerDiscount,orderStartTime,modified,paymentConfirmTime,orderRemark,pin,open_id_buyer,consigneeInfo,itemInfoList"

// OrderInfo is one orderInfoList element of jingdong.pop.order.search (and
// orderInfo of jingdong.pop.order.get). Money is 元, as strings or numbers.
type OrderInfo struct {
	OrderID            ID            `json:"orderId"`
	OrderState         string        `json:"orderState"`
	OrderStateRemark   string        `json:"orderStateRemark"`
	OrderTotalPrice    Yuan          `json:"orderTotalPrice"`  // goods at list
	OrderSellerPrice   Yuan          `json:"orderSellerPrice"` // goods after the seller's discount
	OrderPayment       Yuan          `json:"orderPayment"`     // what the buyer pays
	FreightPrice       Yuan          `json:"freightPrice"`
	SellerDiscount     Yuan          `json:"sellerDiscount"`
	OrderStartTime     string        `json:"orderStartTime"`
	Modified           string        `json:"modified"`
	PaymentConfirmTime string        `json:"paymentConfirmTime"`
	OrderRemark        string        `json:"orderRemark"`
	Pin                string        `json:"pin"`
	OpenIDBuyer        string        `json:"open_id_buyer"`
	ConsigneeInfo      ConsigneeInfo `json:"consigneeInfo"`
	ItemInfoList       []ItemInfo    `json:"itemInfoList"`
}

// ConsigneeInfo is the receiver, masked or encrypted by JD.
type ConsigneeInfo struct {
	Fullname    string `json:"fullname"`
	Telephone   string `json:"telephone"`
	Mobile      string `json:"mobile"`
	FullAddress string `json:"fullAddress"`
	Province    string `json:"province"`
	City        string `json:"city"`
	County      string `json:"county"`
}

// ItemInfo is one line. JD POP orders have no line id: the SKU id is the
// line's identity (one line per SKU).
type ItemInfo struct {
	SkuID      ID     `json:"skuId"`
	OuterSkuID string `json:"outerSkuId"`
	WareID     ID     `json:"wareId"`
	SkuName    string `json:"skuName"`
	JdPrice    Yuan   `json:"jdPrice"`
	ItemTotal  ID     `json:"itemTotal"` // count, "2" or 2
}

// States is every orderState mapped here: pop.order.search's order_state
// takes them comma-joined. UNCONFIRMED beyond WAIT_SELLER_STOCK_OUT and
// WAIT_GOODS_RECEIVE_CONFIRM (channels.md §4): the others are from JD's
// order_state list as integrators use it.
var States = []string{"WAIT_SELLER_STOCK_OUT", "WAIT_SELLER_DELIVERY", "POP_ORDER_PAUSE", "PAUSE", "LOCKED",
	"WAIT_GOODS_RECEIVE_CONFIRM", "FINISHED_L", "TRADE_CANCELED"}

// statusMap normalizes orderState. LOCKED (a cancellation or refund is
// pending) and the pauses are still paid orders waiting to ship.
var statusMap = map[string]domain.OrderStatus{
	"WAIT_SELLER_STOCK_OUT": domain.OrderPaid, "WAIT_SELLER_DELIVERY": domain.OrderPaid,
	"POP_ORDER_PAUSE": domain.OrderPaid, "PAUSE": domain.OrderPaid, "LOCKED": domain.OrderPaid,
	"WAIT_GOODS_RECEIVE_CONFIRM": domain.OrderShipped, "FINISHED_L": domain.OrderCompleted,
	"TRADE_CANCELED": domain.OrderCancelled,
}

// MapStatus normalizes orderState; an undocumented one is OrderUnknown
// (the raw value stays in PlatformStatus).
func MapStatus(s string) domain.OrderStatus {
	if v, ok := statusMap[s]; ok {
		return v
	}
	return domain.OrderUnknown
}

// MapOrders maps each raw order of a page on its own (mapping.MapEach).
func MapOrders(shop domain.ShopRef, raws []json.RawMessage) ([]domain.SalesOrder, []connectors.RejectedOrder) {
	return mapping.MapEach(raws, "order", "orderId", orderIDOf, func(raw json.RawMessage) (domain.SalesOrder, error) {
		return DecodeOrder(shop, raw)
	})
}

// DecodeOrder decodes one order and maps it; a field of the wrong JSON type
// is named with its path.
func DecodeOrder(shop domain.ShopRef, raw json.RawMessage) (domain.SalesOrder, error) {
	var o OrderInfo
	if err := mapping.Unmarshal(Platform, record(orderIDOf(raw)), raw, &o); err != nil {
		return domain.SalesOrder{}, err
	}
	return ToSalesOrder(shop, o)
}

func orderIDOf(raw json.RawMessage) string {
	var w struct {
		OrderID ID `json:"orderId"`
	}
	if json.Unmarshal(raw, &w) == nil && domain.Digits(string(w.OrderID)) {
		return string(w.OrderID)
	}
	return ""
}

func record(id string) string {
	if id == "" {
		return "order (no orderId)"
	}
	return "order " + id
}

// ToSalesOrder maps one order. A missing or malformed field is EInvalid
// naming the order and the field.
func ToSalesOrder(shop domain.ShopRef, w OrderInfo) (domain.SalesOrder, error) {
	id := string(w.OrderID)
	rec := record(id)
	if id == "" {
		return domain.SalesOrder{}, invalid(rec, "orderId", "missing")
	}
	if !domain.Digits(id) {
		return domain.SalesOrder{}, invalid(rec, "orderId", fmt.Sprintf("%q is not a JD order number", id))
	}
	c := w.ConsigneeInfo
	phone := c.Mobile
	if phone == "" {
		phone = c.Telephone
	}
	buyer := w.OpenIDBuyer
	if buyer == "" {
		buyer = w.Pin
	}
	o := domain.SalesOrder{Shop: shop, PlatformOrderID: id, Status: MapStatus(w.OrderState), PlatformStatus: w.OrderState,
		Currency: "CNY", Buyer: domain.Party{Nick: domain.MaskOnce(w.Pin, domain.MaskName), ID: buyer}, BuyerMessage: w.OrderRemark,
		Receiver: domain.Receiver{Name: domain.MaskOnce(c.Fullname, domain.MaskName), Phone: domain.MaskOnce(phone, domain.MaskPhone),
			Province: c.Province, City: c.City, District: c.County, Address: domain.MaskOnce(c.FullAddress, domain.MaskAddress)}}
	var err error
	if o.CreatedAt, err = ParseTime(rec, "orderStartTime", w.OrderStartTime); err != nil {
		return o, err
	}
	if o.ModifiedAt, err = ParseTime(rec, "modified", w.Modified); err != nil {
		return o, err
	}
	if w.PaymentConfirmTime != "" {
		pt, err := ParseTime(rec, "paymentConfirmTime", w.PaymentConfirmTime)
		if err != nil {
			return o, err
		}
		o.PaidAt = &pt
	}
	if o.Amounts.Goods, err = w.OrderTotalPrice.Fen(rec, "orderTotalPrice", false); err != nil {
		return o, err
	}
	if o.Amounts.Discount, err = w.SellerDiscount.Fen(rec, "sellerDiscount", true); err != nil {
		return o, err
	}
	if o.Amounts.Freight, err = w.FreightPrice.Fen(rec, "freightPrice", true); err != nil {
		return o, err
	}
	if o.Amounts.Paid, err = w.OrderPayment.Fen(rec, "orderPayment", false); err != nil {
		return o, err
	}
	if len(w.ItemInfoList) == 0 {
		return o, invalid(rec, "itemInfoList", "an order without lines")
	}
	for i, it := range w.ItemInfoList {
		l, err := mapLine(rec, fmt.Sprintf("itemInfoList[%d].", i), it)
		if err != nil {
			return o, err
		}
		o.Lines = append(o.Lines, l)
	}
	return o, nil
}

// mapLine maps one line. JD states no per-line paid amount in these
// fields: Paid is jdPrice × count (the seller discount is order-level).
//
// No line refund is set (RefundState, RefundCaseID and Refunded stay
// empty): the pop.order.search order has no refund field, per line or per
// order. Its orderState does not tell a refund either: TRADE_CANCELED is
// any cancellation, before or after payment (sandbox/jd's RefundOrder and
// CancelOrder both leave it, the same on the wire), and LOCKED is a
// cancellation or a refund pending, which one unsaid. Refunds are JD's
// after-sales service (售后, not read here: UNCONFIRMED APIs).
func mapLine(rec, field string, it ItemInfo) (domain.OrderLine, error) {
	l := domain.OrderLine{PlatformLineID: string(it.SkuID), SKUCode: it.OuterSkuID, PlatformItemID: string(it.WareID),
		PlatformSKUID: string(it.SkuID), Title: it.SkuName}
	if it.SkuID == "" {
		return l, invalid(rec, field+"skuId", "missing")
	}
	for _, id := range []struct{ name, v string }{{"skuId", string(it.SkuID)}, {"wareId", string(it.WareID)}} {
		if id.v != "" && !domain.Digits(id.v) {
			return l, invalid(rec, field+id.name, fmt.Sprintf("%q is not an integer id", id.v))
		}
	}
	n, err := strconv.Atoi(string(it.ItemTotal))
	if err != nil || n <= 0 {
		return l, invalid(rec, field+"itemTotal", fmt.Sprintf("%q is not a positive count", it.ItemTotal))
	}
	l.Quantity = n
	if l.UnitPrice, err = it.JdPrice.Fen(rec, field+"jdPrice", false); err != nil {
		return l, err
	}
	paid, ok := l.UnitPrice.Times(n)
	if !ok {
		return l, invalid(rec, field+"jdPrice", "jdPrice × itemTotal overflows")
	}
	l.Paid = paid
	return l, nil
}
