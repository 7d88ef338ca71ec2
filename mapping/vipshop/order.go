package vipshopmap

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping"
)

// GMT8 is the zone of every platform time ("yyyy-MM-dd HH:mm:ss"; the zone
// is UNCONFIRMED, GMT+8 assumed as for every Chinese platform).
var GMT8 = time.FixedZone("GMT+8", 8*3600)

// TimeLayout is the platform's time format.
const TimeLayout = "2006-01-02 15:04:05"

// FormatTime writes a time as the platform reads it.
func FormatTime(t time.Time) string { return t.In(GMT8).Format(TimeLayout) }

// SovOrder is one order of getOrders (the IDL's SovOrder; every field is a
// string, money in yuan decimal strings).
type SovOrder struct {
	OrderID          Str         `json:"order_id"`
	Status           Str         `json:"status"`
	ReceiverName     string      `json:"receiver_name"`
	ReceiverAddress  string      `json:"receiver_address"`
	ReceiverMobile   string      `json:"receiver_mobile"`
	ReceiverPhone    string      `json:"receiver_phone"`
	ReceiverDistrict string      `json:"receiver_district"`
	ReceiverCity     string      `json:"receiver_city"`
	ReceiverState    string      `json:"receiver_state"`
	Remark           string      `json:"remark"`
	TotalFee         json.Number `json:"total_fee"`    // goods at list unit prices, no discount, no freight
	PostFee          json.Number `json:"post_fee"`     // freight
	DiscountFee      json.Number `json:"discount_fee"` // 优惠金额
	ExDiscountFee    json.Number `json:"ex_discount_fee"`
	Created          string      `json:"created"`
	StoreAddTime     string      `json:"store_add_time"`
}

// OrderProduct is one line of getOrderDetail.
type OrderProduct struct {
	SKUID      Str         `json:"sku_id"`
	SPUID      Str         `json:"spu_id"`
	OuterSPUID string      `json:"outer_spu_id"`
	OuterSKUID string      `json:"outer_sku_id"`
	Num        Str         `json:"num"`
	Title      string      `json:"title"`
	Size       string      `json:"size"`
	Price      json.Number `json:"price"` // unit price, yuan
}

// OrderDetail is one order of getOrderDetail.
type OrderDetail struct {
	OrderID       Str            `json:"order_id"`
	OrderProducts []OrderProduct `json:"order_products"`
}

// Order statuses (GetOrdersRequest's comment: 10 订单已审核, 22 订单已发货,
// 25 已签收, 70 已拒收, 97 订单已取消). A refused parcel (70) goes back to the
// seller: the sale is off, as a cancellation.
var statusMap = map[string]domain.OrderStatus{
	"10": domain.OrderPaid, "22": domain.OrderShipped, "25": domain.OrderCompleted,
	"70": domain.OrderCancelled, "97": domain.OrderCancelled,
}

// statusRefund is the refund state every line of an order in a status
// carries: a refund on Vipshop vs a cancellation, decided from channels.md
// §4a and the platform's services. The orders getOrders serves are taken
// as paid (10 is 订单已审核; no unpaid status is listed: UNCONFIRMED), so
// whichever way one closes the buyer's money goes back; what differs is
// how:
//   - 70 已拒收: the goods shipped, the buyer refused them at the door and
//     they go back to the seller: a return, every line refunded whole
//     (the order names no refund id or amount). UNCONFIRMED: whether the
//     money is out at 70 or only once the parcel is back in the warehouse.
//   - 97 已取消 and cancellation applications (batchGetCancelInfo,
//     ApplyCancel): a cancellation before shipping, which Vipshop runs
//     apart from its after-sales refunds (AscService): no line refund; the
//     order's status (cancelled) says it, and a pending application shows
//     as the lines' raw RefundStatus cancel_requested only.
//
// The order names no refund case: refunds of delivered goods (退货) are
// AscService cases (asc_status), which getOrders does not show.
var statusRefund = map[string]domain.AfterSaleStatus{"70": domain.AfterSaleRefunded}

// MapStatus normalizes an order status; any other is OrderUnknown, with the
// raw value kept in PlatformStatus.
func MapStatus(s string) domain.OrderStatus {
	if v, ok := statusMap[s]; ok {
		return v
	}
	return domain.OrderUnknown
}

// OrderID digs the id out of an order that may not decode as a whole.
func OrderID(raw json.RawMessage) string {
	var o struct {
		OrderID Str `json:"order_id"`
	}
	_ = json.Unmarshal(raw, &o)
	return string(o.OrderID)
}

// DecodeOrder decodes a raw SovOrder and maps it with its lines (lines nil:
// getOrderDetail returned none for it, a rejected order).
func DecodeOrder(shop domain.ShopRef, raw json.RawMessage, lines []OrderProduct) (domain.SalesOrder, error) {
	var o SovOrder
	rec := "order " + OrderID(raw)
	if rec == "order " {
		rec = "order (no order_id)"
	}
	if err := mapping.Unmarshal(Platform, rec, raw, &o); err != nil {
		return domain.SalesOrder{}, err
	}
	return OrderToSalesOrder(shop, o, lines)
}

// MapOrders maps a page of raw orders, each with its lines by order id; one
// that cannot be mapped is rejected (named by id and field), never dropped.
func MapOrders(shop domain.ShopRef, raws []json.RawMessage, lines map[string][]OrderProduct) ([]domain.SalesOrder, []connectors.RejectedOrder) {
	return mapping.MapEach(raws, "order", "order_id", OrderID, func(raw json.RawMessage) (domain.SalesOrder, error) {
		return DecodeOrder(shop, raw, lines[OrderID(raw)])
	})
}

// OrderToSalesOrder maps an order and its lines. Amounts: goods total_fee,
// discount discount_fee (ex_discount_fee is taken as a part of it:
// UNCONFIRMED), freight post_fee, paid = goods + freight − discount. The
// order has no last-modified time: ModifiedAt is the later of created and
// store_add_time, stable across pulls so an unchanged order keeps its
// version. A missing or malformed field is EInvalid naming it.
func OrderToSalesOrder(shop domain.ShopRef, w SovOrder, lines []OrderProduct) (domain.SalesOrder, error) {
	id := string(w.OrderID)
	rec := "order " + id
	if id == "" {
		return domain.SalesOrder{}, invalid("order (no order_id)", "order_id", "missing")
	}
	phone := w.ReceiverMobile
	if phone == "" {
		phone = w.ReceiverPhone
	}
	o := domain.SalesOrder{Shop: shop, PlatformOrderID: id, Status: MapStatus(string(w.Status)), PlatformStatus: string(w.Status),
		Currency: "CNY", BuyerMessage: w.Remark,
		Receiver: domain.Receiver{Name: domain.MaskOnce(w.ReceiverName, domain.MaskName), Phone: domain.MaskOnce(phone, domain.MaskPhone),
			Province: w.ReceiverState, City: w.ReceiverCity, District: w.ReceiverDistrict, Address: domain.MaskOnce(w.ReceiverAddress, domain.MaskAddress)}}
	if w.Status == "" {
		return o, invalid(rec, "status", "missing")
	}
	var err error
	if o.CreatedAt, err = parseTime(rec, "created", w.Created, true); err != nil {
		return o, err
	}
	o.ModifiedAt = o.CreatedAt
	added, err := parseTime(rec, "store_add_time", w.StoreAddTime, false)
	if err != nil {
		return o, err
	}
	if added.After(o.ModifiedAt) {
		o.ModifiedAt = added
	}
	if o.Amounts.Goods, err = ParseYuan(rec, "total_fee", w.TotalFee); err != nil {
		return o, err
	}
	for _, f := range []struct {
		name string
		v    json.Number
		dst  *domain.Money
	}{{"post_fee", w.PostFee, &o.Amounts.Freight}, {"discount_fee", w.DiscountFee, &o.Amounts.Discount}} {
		if f.v == "" {
			continue // absent: none
		}
		if *f.dst, err = ParseYuan(rec, f.name, f.v); err != nil {
			return o, err
		}
	}
	paid, ok := o.Amounts.Goods.Plus(o.Amounts.Freight)
	if ok {
		paid, ok = paid.Plus(-o.Amounts.Discount)
	}
	if !ok || paid < 0 {
		return o, invalid(rec, "discount_fee", fmt.Sprintf("%s exceeds goods %s plus freight %s", o.Amounts.Discount, o.Amounts.Goods, o.Amounts.Freight))
	}
	o.Amounts.Paid = paid
	if len(lines) == 0 {
		return o, invalid(rec, "order_products", "getOrderDetail returned no lines for the order")
	}
	for i, p := range lines {
		field := fmt.Sprintf("order_products[%d].", i)
		l := domain.OrderLine{PlatformLineID: string(p.SKUID), SKUCode: p.OuterSKUID, PlatformItemID: string(p.SPUID),
			PlatformSKUID: string(p.SKUID), Title: p.Title}
		if l.PlatformSKUID == "" {
			return o, invalid(rec, field+"sku_id", "missing")
		}
		n, err := strconv.Atoi(string(p.Num))
		if err != nil || n <= 0 {
			return o, invalid(rec, field+"num", fmt.Sprintf("%q is not a positive count", string(p.Num)))
		}
		l.Quantity = n
		if l.UnitPrice, err = ParseYuan(rec, field+"price", p.Price); err != nil {
			return o, err
		}
		if l.Paid, ok = l.UnitPrice.Times(n); !ok {
			return o, invalid(rec, field+"price", "price × num overflows")
		}
		l.RefundState = statusRefund[string(w.Status)]
		o.Lines = append(o.Lines, l)
	}
	return o, nil
}

func parseTime(rec, field, v string, required bool) (time.Time, error) {
	if v == "" {
		if required {
			return time.Time{}, invalid(rec, field, "missing")
		}
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(TimeLayout, v, GMT8)
	if err != nil {
		return time.Time{}, invalid(rec, field, fmt.Sprintf("%q is not yyyy-MM-dd HH:mm:ss", v))
	}
	return t.UTC(), nil
}

// Carrier is a carrier as ship names it.
type Carrier struct {
	Code string // carrier_code, as getCarriers lists it
	Name string // carrier_name
}

// Carriers maps syncctl's carrier codes (domain.Carriers) to the
// platform's. Only yuantong and yunda appear in channels.md; the other codes
// are UNCONFIRMED (read getCarriers of a live shop to check), kept in this
// one table that sandbox/vipshop mirrors.
var Carriers = map[string]Carrier{
	"SF":    {"shunfeng", "顺丰速运"},
	"ZTO":   {"zhongtong", "中通快递"},
	"YTO":   {"yuantong", "圆通速递"},
	"STO":   {"shentong", "申通快递"},
	"YUNDA": {"yunda", "韵达快递"},
	"EMS":   {"ems", "中国邮政EMS"},
	"POSTB": {"youzhengguonei", "邮政快递包裹"},
	"JD":    {"jd", "京东物流"},
	"JTSD":  {"jtexpress", "极兔速递"},
	"DBKD":  {"debangkuaidi", "德邦快递"},
}

// CarrierOf looks a shipment's carrier up, or EInvalid naming the field.
func CarrierOf(s domain.Shipment) (Carrier, error) {
	return domain.CarrierCode(Platform, Carriers, s)
}
