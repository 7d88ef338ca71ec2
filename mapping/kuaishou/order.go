package kuaishoumap

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping"
)

// Order is one element of open.order.cursor.list's orderList (and the data
// of open.order.detail), channels.md §6.5. Money is integer 分 (UNCONFIRMED
// for order fields: the item APIs speak 分), times are ms epochs. A Kuaishou
// order holds one item (orderItemInfo), so its one line is the order.
type Order struct {
	OrderBaseInfo struct {
		Oid         ID          `json:"oid"`
		Status      int         `json:"status"`
		CreateTime  int64       `json:"createTime"`
		UpdateTime  int64       `json:"updateTime"`
		PayTime     int64       `json:"payTime"`
		SendTime    int64       `json:"sendTime"`
		TotalFee    json.Number `json:"totalFee"`    // what the buyer paid, freight included
		ExpressFee  json.Number `json:"expressFee"`  // freight
		DiscountFee json.Number `json:"discountFee"` // every discount
		BuyerOpenID string      `json:"buyerOpenId"`
		BuyerNick   string      `json:"buyerNick"`
		CPSType     int         `json:"cpsType"` // 1 normal, 2 distribution
		Remark      string      `json:"remark"`
	} `json:"orderBaseInfo"`
	OrderItemInfo struct {
		ItemID        ID          `json:"itemId"`
		SKUID         ID          `json:"skuId"`
		RelItemID     string      `json:"relItemId"`
		RelSKUID      string      `json:"relSkuId"`
		SKUNick       string      `json:"skuNick"`
		Num           int         `json:"num"`
		Price         json.Number `json:"price"` // unit price
		OriginalPrice json.Number `json:"originalPrice"`
		ItemTitle     string      `json:"itemTitle"`
	} `json:"orderItemInfo"`
	OrderRefundList []struct {
		RefundID     ID          `json:"refundId"`
		RefundStatus int         `json:"refundStatus"`
		RefundFee    json.Number `json:"refundFee"`
	} `json:"orderRefundList"`
	OrderLogisticsInfo []struct {
		ExpressNo   string `json:"expressNo"`
		ExpressCode int    `json:"expressCode"`
	} `json:"orderLogisticsInfo"`
	OrderAddress struct {
		DesensitiseConsignee string `json:"desensitiseConsignee"`
		DesensitiseMobile    string `json:"desensitiseMobile"`
		DesensitiseAddress   string `json:"desensitiseAddress"`
		Province             string `json:"province"`
		City                 string `json:"city"`
		District             string `json:"district"`
	} `json:"orderAddress"`
	OrderCPSInfo *struct {
		DistributorID   ID          `json:"distributorId"`
		DistributorName string      `json:"distributorName"`
		CommissionRate  json.Number `json:"commissionRate"`   // per mille (UNCONFIRMED: CommissionRateUnit)
		CommissionFee   json.Number `json:"commissionAmount"` // 分 (UNCONFIRMED)
	} `json:"orderCpsInfo"`
}

// Order statuses of orderBaseInfo.status. The values are UNCONFIRMED
// (channels.md §8.4); they follow the enum public SDKs carry, and
// sandbox/kuaishou uses the same.
const (
	StatusUnpaid    = 10 // 待付款
	StatusPaid      = 30 // 已付款, 待发货
	StatusShipped   = 40 // 已发货
	StatusReceived  = 50 // 已签收
	StatusSucceeded = 70 // 交易成功
	StatusClosed    = 80 // 交易关闭 / 失败
)

var statusMap = map[int]domain.OrderStatus{
	StatusUnpaid: domain.OrderPendingPayment, StatusPaid: domain.OrderPaid, StatusShipped: domain.OrderShipped,
	StatusReceived: domain.OrderCompleted, StatusSucceeded: domain.OrderCompleted, StatusClosed: domain.OrderCancelled,
}

// MapStatus normalizes orderBaseInfo.status; an undocumented one is
// carried raw as OrderUnknown.
func MapStatus(s int) domain.OrderStatus {
	if v, ok := statusMap[s]; ok {
		return v
	}
	return domain.OrderUnknown
}

// Refund statuses of orderRefundList[].refundStatus (UNCONFIRMED values;
// the sandbox uses the same): anything else is a refund in progress.
const (
	RefundSucceeded = 60 // 退款成功
	RefundClosed    = 70 // 退款关闭
)

// Line refund states as SalesOrder lines carry them (RefundStatus), and
// their normalized RefundState.
const (
	LineRefunding    = "refunding"
	LineRefunded     = "refunded"
	LineRefundClosed = "refund_closed"
)

var lineRefundStates = map[string]domain.AfterSaleStatus{LineRefunding: domain.AfterSaleRequested,
	LineRefunded: domain.AfterSaleRefunded, LineRefundClosed: domain.AfterSaleCancelled}

// mapRefunds sets the order's one line's refund from orderRefundList,
// whatever order the list is in: a refund in progress makes it refunding
// (requested: the values between asking and money out are UNCONFIRMED, so
// none is read as approved), else a succeeded one refunded, else a closed
// one refund_closed (cancelled). The case is the refundId of the last
// refund of the kind that decided. Refunded is what the succeeded refunds
// returned (refundFee, 分), at most the line's paid amount: the refundFee
// of a full refund may include the freight (sandbox/kuaishou's is the
// order's totalFee), which is not the line's money.
func mapRefunds(rec string, w Order, line *domain.OrderLine) error {
	words := [...]string{LineRefunding, LineRefunded, LineRefundClosed} // by precedence
	var ids [len(words)]string                                          // the last refundId of each
	decided := len(words)
	var refunded domain.Money
	for i, r := range w.OrderRefundList {
		field := fmt.Sprintf("orderRefundList[%d].", i)
		id := string(r.RefundID)
		if id != "" && !domain.Digits(id) {
			return invalid(rec, field+"refundId", fmt.Sprintf("%q is not an integer id", id))
		}
		fee, err := fen(rec, field+"refundFee", r.RefundFee, true)
		if err != nil {
			return err
		}
		kind := 0
		switch r.RefundStatus {
		case RefundSucceeded:
			kind = 1
			var ok bool
			if refunded, ok = refunded.Plus(fee); !ok {
				return invalid(rec, field+"refundFee", "the refunds add up beyond what an int64 of 分 holds")
			}
		case RefundClosed:
			kind = 2
		}
		ids[kind] = id
		decided = min(decided, kind)
	}
	if decided == len(words) {
		return nil
	}
	line.RefundStatus = words[decided]
	line.RefundState, line.RefundCaseID = lineRefundStates[words[decided]], ids[decided]
	line.Refunded = min(refunded, line.Paid)
	return nil
}

// CPS types of orderBaseInfo.cpsType.
const (
	CPSNormal       = 1
	CPSDistribution = 2
)

// CommissionRateUnit is what one unit of orderCpsInfo.commissionRate is
// in basis points: the rate is taken as per mille (千分比, as the 团长
// rates of channels.md §6.8) — UNCONFIRMED for the order view.
const CommissionRateUnit = 10

// MapOrders maps each raw order of a page on its own (mapping.MapEach).
func MapOrders(shop domain.ShopRef, raws []json.RawMessage) ([]domain.SalesOrder, []connectors.RejectedOrder) {
	return mapping.MapEach(raws, "order", "oid", OidOf, func(raw json.RawMessage) (domain.SalesOrder, error) { return DecodeOrder(shop, raw) })
}

// OidOf digs the oid out of an order that may not decode as a whole.
func OidOf(raw json.RawMessage) string {
	var w struct {
		Base struct {
			Oid ID `json:"oid"`
		} `json:"orderBaseInfo"`
	}
	if json.Unmarshal(raw, &w) == nil && domain.Digits(string(w.Base.Oid)) {
		return string(w.Base.Oid)
	}
	return ""
}

// UpdateTimeOf reads an order's orderBaseInfo.updateTime (0 when absent).
func UpdateTimeOf(raw json.RawMessage) int64 {
	var w struct {
		Base struct {
			UpdateTime int64 `json:"updateTime"`
		} `json:"orderBaseInfo"`
	}
	_ = json.Unmarshal(raw, &w)
	return w.Base.UpdateTime
}

func record(oid string) string {
	if oid == "" {
		return "order (no oid)"
	}
	return "order " + oid
}

// DecodeOrder decodes one order and maps it. A field of the wrong JSON
// type is named with its path.
func DecodeOrder(shop domain.ShopRef, raw json.RawMessage) (domain.SalesOrder, error) {
	var w Order
	if err := mapping.Unmarshal(Platform, record(OidOf(raw)), raw, &w); err != nil {
		return domain.SalesOrder{}, err
	}
	return ToSalesOrder(shop, w)
}

// ToSalesOrder maps an order. Money is integer 分 (a decimal is refused,
// never rounded), times ms epochs; the receiver is kept as the platform
// sends it, desensitised. A missing or malformed field is EInvalid naming
// the order and the field.
func ToSalesOrder(shop domain.ShopRef, w Order) (domain.SalesOrder, error) {
	b, it := w.OrderBaseInfo, w.OrderItemInfo
	oid := string(b.Oid)
	rec := record(oid)
	switch {
	case oid == "":
		return domain.SalesOrder{}, invalid(rec, "orderBaseInfo.oid", "missing")
	case b.CreateTime <= 0:
		return domain.SalesOrder{}, invalid(rec, "orderBaseInfo.createTime", "missing")
	case b.UpdateTime <= 0:
		return domain.SalesOrder{}, invalid(rec, "orderBaseInfo.updateTime", "missing")
	case b.CreateTime > maxUnixMilli:
		return domain.SalesOrder{}, invalid(rec, "orderBaseInfo.createTime", fmt.Sprintf("%d is not a unix time in ms", b.CreateTime))
	case b.UpdateTime > maxUnixMilli:
		return domain.SalesOrder{}, invalid(rec, "orderBaseInfo.updateTime", fmt.Sprintf("%d is not a unix time in ms", b.UpdateTime))
	case b.PayTime > maxUnixMilli:
		return domain.SalesOrder{}, invalid(rec, "orderBaseInfo.payTime", fmt.Sprintf("%d is not a unix time in ms", b.PayTime))
	case it.Num <= 0:
		return domain.SalesOrder{}, invalid(rec, "orderItemInfo.num", fmt.Sprintf("must be positive (got %d)", it.Num))
	}
	a := w.OrderAddress
	o := domain.SalesOrder{Shop: shop, PlatformOrderID: oid, Status: MapStatus(b.Status), PlatformStatus: strconv.Itoa(b.Status),
		CreatedAt: time.UnixMilli(b.CreateTime).UTC(), ModifiedAt: time.UnixMilli(b.UpdateTime).UTC(), Currency: "CNY",
		Buyer:        domain.Party{Nick: domain.MaskOnce(b.BuyerNick, domain.MaskName), ID: b.BuyerOpenID},
		BuyerMessage: b.Remark,
		Receiver: domain.Receiver{Name: a.DesensitiseConsignee, Phone: a.DesensitiseMobile, Province: a.Province, City: a.City,
			District: a.District, Address: a.DesensitiseAddress}}
	if b.PayTime > 0 {
		pt := time.UnixMilli(b.PayTime).UTC()
		o.PaidAt = &pt
	}
	var err error
	var price domain.Money
	if price, err = fen(rec, "orderItemInfo.price", it.Price, false); err != nil {
		return o, err
	}
	goods, ok := price.Times(it.Num)
	if !ok {
		return o, invalid(rec, "orderItemInfo.price", "price × num overflows")
	}
	o.Amounts.Goods = goods
	if o.Amounts.Paid, err = fen(rec, "orderBaseInfo.totalFee", b.TotalFee, false); err != nil {
		return o, err
	}
	if o.Amounts.Freight, err = fen(rec, "orderBaseInfo.expressFee", b.ExpressFee, true); err != nil {
		return o, err
	}
	if o.Amounts.Discount, err = fen(rec, "orderBaseInfo.discountFee", b.DiscountFee, true); err != nil {
		return o, err
	}
	linePaid := o.Amounts.Paid - o.Amounts.Freight
	if linePaid < 0 {
		return o, invalid(rec, "orderBaseInfo.expressFee", fmt.Sprintf("freight %s exceeds the total %s", o.Amounts.Freight, o.Amounts.Paid))
	}
	for _, id := range []struct{ name, v string }{{"itemId", string(it.ItemID)}, {"skuId", string(it.SKUID)}} {
		if id.v != "" && !domain.Digits(id.v) {
			return o, invalid(rec, "orderItemInfo."+id.name, fmt.Sprintf("%q is not an integer id", id.v))
		}
	}
	line := domain.OrderLine{PlatformLineID: oid, SKUCode: it.RelSKUID, PlatformItemID: string(it.ItemID), PlatformSKUID: string(it.SKUID),
		Title: it.ItemTitle, Quantity: it.Num, UnitPrice: price, Paid: linePaid, Status: strconv.Itoa(b.Status)}
	if line.SKUCode == "" {
		line.SKUCode = it.RelItemID // an item without SKUs carries its code on the item
	}
	if err := mapRefunds(rec, w, &line); err != nil {
		return o, err
	}
	o.Lines = []domain.OrderLine{line}
	if c := w.OrderCPSInfo; c != nil && string(c.DistributorID) != "" && string(c.DistributorID) != "0" {
		// orderCpsInfo gives one commission figure and no settlement
		// state: Estimated stays 0 and Settlement "" (the platform does not
		// say here). Where a commission stands is in the CPS order view
		// (open.seller.order.cps.list: 30 已付款 / 50 已收货 / 60 已结算 /
		// 80 已失效, settledCommissionAmount), which the connector does not
		// read yet.
		cps := &domain.CPSInfo{PromoterID: string(c.DistributorID), PromoterName: c.DistributorName}
		rate, err := fen(rec, "orderCpsInfo.commissionRate", c.CommissionRate, true)
		if err != nil {
			return o, err
		}
		if rate > 10000/CommissionRateUnit {
			return o, invalid(rec, "orderCpsInfo.commissionRate", fmt.Sprintf("%d ‰ is over 100%%", rate))
		}
		cps.CommissionRate = int(rate) * CommissionRateUnit
		if cps.Commission, err = fen(rec, "orderCpsInfo.commissionAmount", c.CommissionFee, true); err != nil {
			return o, err
		}
		o.CPS = cps
	} else if b.CPSType == CPSDistribution {
		return o, invalid(rec, "orderCpsInfo.distributorId", "a distribution order (cpsType 2) names no distributor")
	}
	return o, nil
}

// maxUnixMilli is the end of year 9999 in ms: later is a malformed time,
// and one JSON cannot carry (the order's Version would not see it).
const maxUnixMilli = 253402300799999

// fen reads an integer amount of 分 exactly; empty is 0 where optional.
func fen(rec, field string, n json.Number, optional bool) (domain.Money, error) {
	s := n.String()
	if s == "" {
		if optional {
			return 0, nil
		}
		return 0, invalid(rec, field, "missing")
	}
	if strings.ContainsAny(s, ".eE") {
		return 0, invalid(rec, field, fmt.Sprintf("%s is not a whole number of 分", s))
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, invalid(rec, field, fmt.Sprintf("%s is not an amount of 分", s))
	}
	if v < 0 {
		return 0, invalid(rec, field, fmt.Sprintf("%s is negative", s))
	}
	return domain.Money(v), nil
}
