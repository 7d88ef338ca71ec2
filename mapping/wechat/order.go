package wechatmap

import (
	"encoding/json"
	"fmt"
	"math/bits"
	"strconv"
	"time"

	"github.com/syncctl/syncctl/domain"
)

// Order is an order as order/get sends it under "order". Ids are 19-digit
// integers the platform sends as numbers or strings: json.Number keeps
// every digit (float64 would not). Money is integer 分, times unix seconds.
type Order struct {
	OrderID     json.Number `json:"order_id"`
	Status      int         `json:"status"`
	CreateTime  int64       `json:"create_time"`
	UpdateTime  int64       `json:"update_time"`
	OpenID      string      `json:"openid"`
	OrderDetail OrderDetail `json:"order_detail"`
	// AftersaleDetail lists the order's after-sales cases by id and
	// status (a number in the docs, a word in sandbox/wechat; not read): a
	// case does not say which line it is on.
	AftersaleDetail struct {
		AftersaleOrderList []struct {
			AftersaleOrderID json.Number `json:"aftersale_order_id"`
		} `json:"aftersale_order_list"`
	} `json:"aftersale_detail"`
}

// OrderDetail is an order's content.
type OrderDetail struct {
	ProductInfos []ProductInfo `json:"product_infos"`
	PayInfo      struct {
		PayTime int64 `json:"pay_time"`
	} `json:"pay_info"`
	PriceInfo struct {
		ProductPrice    int64 `json:"product_price"`
		OrderPrice      int64 `json:"order_price"`
		Freight         int64 `json:"freight"`
		DiscountedPrice int64 `json:"discounted_price"`
	} `json:"price_info"`
	DeliveryInfo struct {
		AddressInfo AddressInfo `json:"address_info"`
	} `json:"delivery_info"`
	ExtInfo struct {
		CustomerNotes string `json:"customer_notes"`
	} `json:"ext_info"`
	// 优选联盟: who promoted which SKU, and the order's commission (§1.8).
	CommissionInfos []CommissionInfo `json:"commission_infos"`
	SettleInfo      SettleInfo       `json:"settle_info"`
}

// ProductInfo is one line of an order.
type ProductInfo struct {
	ProductID      json.Number `json:"product_id"`
	SKUID          json.Number `json:"sku_id"`
	OutSKUID       string      `json:"out_sku_id"`
	SKUCode        string      `json:"sku_code"`
	SKUCnt         int         `json:"sku_cnt"`
	SalePrice      int64       `json:"sale_price"`
	RealPrice      int64       `json:"real_price"`
	Title          string      `json:"title"`
	SKUAttrs       []Attr      `json:"sku_attrs"`
	OnAfterCnt     int         `json:"on_aftersale_sku_cnt"`     // units in an after-sales case under way
	FinishAfterCnt int         `json:"finish_aftersale_sku_cnt"` // units whose after-sales case is done
}

// AddressInfo is the receiver, masked by the platform ("张*", "138****0000").
type AddressInfo struct {
	UserName     string `json:"user_name"`
	TelNumber    string `json:"tel_number"`
	ProvinceName string `json:"province_name"`
	CityName     string `json:"city_name"`
	CountyName   string `json:"county_name"`
	DetailInfo   string `json:"detail_info"`
}

// Order statuses (§1.5).
var statusMap = map[int]domain.OrderStatus{
	10: domain.OrderPendingPayment, 20: domain.OrderPaid, 21: domain.OrderPartShipped,
	30: domain.OrderShipped, 100: domain.OrderCompleted, 200: domain.OrderCancelled, 250: domain.OrderCancelled,
}

// StatusAllAftersale is the order status 200 全部商品售后后取消: every
// line's goods went through after-sales and the order was cancelled.
const StatusAllAftersale = 200

// lineRefund is where a line's refund stands: in an order cancelled after
// every line's after-sales (200) the whole line is refunded; else every
// unit's after-sales done (finish_aftersale_sku_cnt = sku_cnt) is the whole
// line refunded; else units in a case under way (on_aftersale_sku_cnt) are
// a refund requested; else some units done is part of the line refunded.
// Refunded is the line's share for the units done (real_price ×
// finished / sku_cnt), 0 when the whole line is: order/get names no
// refunded amount. UNCONFIRMED: that finish_aftersale_sku_cnt counts only
// cases that returned money (not rejected or withdrawn ones), and that a
// refund pays a unit's share of real_price.
func lineRefund(status int, p ProductInfo) (domain.AfterSaleStatus, domain.Money) {
	fin := min(p.FinishAfterCnt, p.SKUCnt)
	var part domain.Money
	if fin > 0 && fin < p.SKUCnt {
		hi, lo := bits.Mul64(uint64(p.RealPrice), uint64(fin))
		q, _ := bits.Div64(hi, lo, uint64(p.SKUCnt)) // hi < sku_cnt: fin < sku_cnt
		part = max(domain.Money(q), min(1, domain.Money(p.RealPrice)))
	}
	switch {
	case status == StatusAllAftersale || fin == p.SKUCnt:
		return domain.AfterSaleRefunded, 0
	case p.OnAfterCnt > 0:
		return domain.AfterSaleRequested, part
	case fin > 0:
		return domain.AfterSaleRefunded, part
	}
	return "", 0
}

// MapStatus normalizes an order status; an undocumented one (12 待收礼, 17
// 待使用) is OrderUnknown, with the raw value in PlatformStatus.
func MapStatus(s int) domain.OrderStatus {
	if v, ok := statusMap[s]; ok {
		return v
	}
	return domain.OrderUnknown
}

// DecodeOrder decodes order/get's answer (the whole body, with "order")
// and maps the order.
func DecodeOrder(shop domain.ShopRef, body []byte) (domain.SalesOrder, error) {
	var w struct {
		Order *Order `json:"order"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return domain.SalesOrder{}, invalid("order", "(body)", "malformed JSON: "+err.Error())
	}
	if w.Order == nil {
		return domain.SalesOrder{}, invalid("order", "order", "missing")
	}
	return OrderToSalesOrder(shop, *w.Order)
}

// OrderToSalesOrder maps an order. A missing, malformed or negative field is
// an EInvalid error naming the order and the field.
func OrderToSalesOrder(shop domain.ShopRef, w Order) (domain.SalesOrder, error) {
	id := w.OrderID.String()
	rec := "order " + id
	switch {
	case id == "":
		return domain.SalesOrder{}, invalid("order (no order_id)", "order_id", "missing")
	case !domain.Digits(id):
		return domain.SalesOrder{}, invalid(rec, "order_id", fmt.Sprintf("%q is not an integer id", id))
	}
	d := w.OrderDetail
	a := d.DeliveryInfo.AddressInfo
	o := domain.SalesOrder{Shop: shop, PlatformOrderID: id, Status: MapStatus(w.Status), PlatformStatus: strconv.Itoa(w.Status),
		Currency: "CNY", Buyer: domain.Party{ID: w.OpenID}, BuyerMessage: d.ExtInfo.CustomerNotes,
		Receiver: domain.Receiver{Name: domain.MaskOnce(a.UserName, domain.MaskName), Phone: domain.MaskOnce(a.TelNumber, domain.MaskPhone),
			Province: a.ProvinceName, City: a.CityName, District: a.CountyName, Address: domain.MaskOnce(a.DetailInfo, domain.MaskAddress)}}
	var err error
	if o.CreatedAt, err = unixTime(rec, "create_time", w.CreateTime); err != nil {
		return o, err
	}
	if o.ModifiedAt, err = unixTime(rec, "update_time", w.UpdateTime); err != nil {
		return o, err
	}
	if d.PayInfo.PayTime != 0 {
		pt, err := unixTime(rec, "order_detail.pay_info.pay_time", d.PayInfo.PayTime)
		if err != nil {
			return o, err
		}
		o.PaidAt = &pt
	}
	for _, f := range []struct {
		name string
		v    int64
		dst  *domain.Money
	}{{"product_price", d.PriceInfo.ProductPrice, &o.Amounts.Goods}, {"discounted_price", d.PriceInfo.DiscountedPrice, &o.Amounts.Discount},
		{"freight", d.PriceInfo.Freight, &o.Amounts.Freight}, {"order_price", d.PriceInfo.OrderPrice, &o.Amounts.Paid}} {
		if f.v < 0 {
			return o, invalid(rec, "order_detail.price_info."+f.name, fmt.Sprintf("%d 分 is negative", f.v))
		}
		*f.dst = domain.Money(f.v)
	}
	if len(d.ProductInfos) == 0 {
		return o, invalid(rec, "order_detail.product_infos", "an order without lines")
	}
	for i, p := range d.ProductInfos {
		field := fmt.Sprintf("order_detail.product_infos[%d].", i)
		l := domain.OrderLine{PlatformLineID: p.SKUID.String(), SKUCode: p.OutSKUID, PlatformItemID: p.ProductID.String(),
			PlatformSKUID: p.SKUID.String(), Title: p.Title, Quantity: p.SKUCnt, UnitPrice: domain.Money(p.SalePrice), Paid: domain.Money(p.RealPrice)}
		if l.SKUCode == "" {
			l.SKUCode = p.SKUCode
		}
		if p.OnAfterCnt > 0 {
			l.RefundStatus = "aftersale"
		}
		switch {
		case p.OnAfterCnt < 0:
			return o, invalid(rec, field+"on_aftersale_sku_cnt", fmt.Sprintf("%d is negative", p.OnAfterCnt))
		case p.FinishAfterCnt < 0:
			return o, invalid(rec, field+"finish_aftersale_sku_cnt", fmt.Sprintf("%d is negative", p.FinishAfterCnt))
		}
		for _, idf := range []struct{ name, v string }{{"product_id", l.PlatformItemID}, {"sku_id", l.PlatformSKUID}} {
			if !domain.Digits(idf.v) {
				return o, invalid(rec, field+idf.name, fmt.Sprintf("%q is not an integer id", idf.v))
			}
		}
		switch {
		case p.SKUCnt <= 0:
			return o, invalid(rec, field+"sku_cnt", fmt.Sprintf("must be positive (got %d)", p.SKUCnt))
		case p.SalePrice < 0:
			return o, invalid(rec, field+"sale_price", fmt.Sprintf("%d 分 is negative", p.SalePrice))
		case p.RealPrice < 0:
			return o, invalid(rec, field+"real_price", fmt.Sprintf("%d 分 is negative", p.RealPrice))
		}
		l.RefundState, l.Refunded = lineRefund(w.Status, p)
		o.Lines = append(o.Lines, l)
	}
	// A case names no line: its id is a line's only when the order has
	// one line and one case.
	if cases := w.AftersaleDetail.AftersaleOrderList; len(o.Lines) == 1 && len(cases) == 1 && o.Lines[0].RefundState != "" {
		id := cases[0].AftersaleOrderID.String()
		if !domain.Digits(id) {
			return o, invalid(rec, "aftersale_detail.aftersale_order_list[0].aftersale_order_id", fmt.Sprintf("%q is not an integer id", id))
		}
		o.Lines[0].RefundCaseID = id
	}
	if err := mapCPS(rec, d, &o); err != nil {
		return o, err
	}
	return o, nil
}

// maxUnix is the end of year 9999: later is a malformed time, not a date.
const maxUnix = 253402300799

func unixTime(rec, field string, secs int64) (time.Time, error) {
	if secs <= 0 || secs > maxUnix {
		return time.Time{}, invalid(rec, field, fmt.Sprintf("%d is not a unix time in seconds", secs))
	}
	return time.Unix(secs, 0).UTC(), nil
}
