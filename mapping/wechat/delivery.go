package wechatmap

import (
	"fmt"

	"github.com/syncctl/syncctl/domain"
)

// Carriers maps syncctl's carrier codes (domain.Carriers, TOP's) to the
// delivery_id of order/delivery/send. The platform's codes are those of
// order/deliverycompanylist/get and its /new/get twin (doc table "delivery_id
// 快递公司id": ZTO, YTO, YUNDA, JTSD, STO, SF, JD, EMS, CNSD, DBKD, …;
// developers.weixin.qq.com/doc/store/API/order/deliverycompanylist_get.html).
// A carrier missing here is refused by domain.CarrierCode, naming the field.
var Carriers = map[string]string{
	"SF":    "SF",    // 顺丰
	"ZTO":   "ZTO",   // 中通
	"YTO":   "YTO",   // 圆通
	"STO":   "STO",   // 申通
	"YUNDA": "YUNDA", // 韵达 (the platform's code, not TOP's "YD")
	"EMS":   "EMS",   // 中国邮政
	"JD":    "JD",    // 京东
	"JTSD":  "JTSD",  // 极兔
	"DBKD":  "DBKD",  // 德邦快递
	// UNCONFIRMED: the list has no separate 邮政快递包裹 entry, only 中国邮政
	// (EMS); a community answer says 邮政快递包裹 ships as EMS.
	"POSTB": "EMS",
}

// DeliverTypeSelf is deliver_type 1: the seller's own courier (自寄快递).
const DeliverTypeSelf = 1

// DeliverySend is order/delivery/send's body.
type DeliverySend struct {
	OrderID      string     `json:"order_id"`
	DeliveryList []Delivery `json:"delivery_list"`
}

// Delivery is one parcel: a carrier, a waybill and, for a split shipment,
// what it holds. Without ProductInfos it is the whole order.
type Delivery struct {
	DeliveryID   string            `json:"delivery_id"`
	WaybillID    string            `json:"waybill_id"`
	DeliverType  int               `json:"deliver_type"`
	ProductInfos []DeliveryProduct `json:"product_infos,omitempty"`
}

// DeliveryProduct is what a parcel holds of one order line.
type DeliveryProduct struct {
	ProductID  string `json:"product_id"`
	SKUID      string `json:"sku_id"`
	ProductCnt int    `json:"product_cnt"`
}

// DeliveryRequest builds order/delivery/send for a shipment of order o (the
// order as order/get mapped it; only its lines are read, and only for a
// split shipment). A shipment line names its order line by
// PlatformLineID (the sku_id) or, without one, by SKUCode; Quantity 0 is
// the whole line. Errors are EInvalid naming the order and the field.
func DeliveryRequest(s domain.Shipment, o domain.SalesOrder) (DeliverySend, error) {
	rec := "shipment of order " + s.PlatformOrderID
	deliveryID, err := domain.CarrierCode(platformID, Carriers, s)
	if err != nil {
		return DeliverySend{}, err
	}
	switch {
	case !domain.Digits(s.PlatformOrderID):
		return DeliverySend{}, invalid(rec, "platform_order_id", fmt.Sprintf("%q is not an order id", s.PlatformOrderID))
	case s.TrackingNo == "":
		return DeliverySend{}, invalid(rec, "tracking_no", "required")
	}
	d := Delivery{DeliveryID: deliveryID, WaybillID: s.TrackingNo, DeliverType: DeliverTypeSelf}
	seen := map[string]bool{}
	for i, l := range s.Lines {
		field := fmt.Sprintf("lines[%d]", i)
		ol, ok := orderLine(o, l)
		switch {
		case !ok && l.PlatformLineID == "" && l.SKUCode == "":
			return DeliverySend{}, invalid(rec, field, "names no order line (platform_line_id or sku_code)")
		case !ok:
			return DeliverySend{}, &domain.Error{Code: domain.ENotFound, Platform: platformID,
				Message: fmt.Sprintf("%s, field %s: the order has no line %s", rec, field, l.PlatformLineID+l.SKUCode)}
		case seen[ol.PlatformSKUID]:
			return DeliverySend{}, invalid(rec, field, "names line "+ol.PlatformLineID+" twice")
		case l.Quantity < 0 || l.Quantity > ol.Quantity:
			return DeliverySend{}, invalid(rec, field+".quantity", fmt.Sprintf("%d is outside 0 to the line's %d", l.Quantity, ol.Quantity))
		}
		seen[ol.PlatformSKUID] = true
		n := l.Quantity
		if n == 0 {
			n = ol.Quantity
		}
		d.ProductInfos = append(d.ProductInfos, DeliveryProduct{ProductID: ol.PlatformItemID, SKUID: ol.PlatformSKUID, ProductCnt: n})
	}
	return DeliverySend{OrderID: s.PlatformOrderID, DeliveryList: []Delivery{d}}, nil
}

func orderLine(o domain.SalesOrder, l domain.ShipmentLine) (domain.OrderLine, bool) {
	for _, ol := range o.Lines {
		if (l.PlatformLineID != "" && ol.PlatformLineID == l.PlatformLineID) || (l.PlatformLineID == "" && l.SKUCode != "" && ol.SKUCode == l.SKUCode) {
			return ol, true
		}
	}
	return domain.OrderLine{}, false
}
