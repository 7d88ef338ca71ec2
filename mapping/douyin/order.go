package douyinmap

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping"
)

// ShopOrder is one order of /order/searchList (shop_order_list[]) and
// /order/orderDetail (shop_order_detail). Money is integer 分, times unix
// seconds, ids numbers or strings (ID).
type ShopOrder struct {
	OrderID         ID         `json:"order_id"`
	OrderStatus     int        `json:"order_status"`
	OrderStatusDesc string     `json:"order_status_desc"`
	MainStatus      int        `json:"main_status"`
	PayAmount       int64      `json:"pay_amount"`
	OrderAmount     int64      `json:"order_amount"`
	PostAmount      int64      `json:"post_amount"`
	PromotionAmount int64      `json:"promotion_amount"`
	CreateTime      int64      `json:"create_time"`
	UpdateTime      int64      `json:"update_time"`
	PayTime         int64      `json:"pay_time"`
	DoudianOpenID   string     `json:"doudian_open_id"`
	BuyerWords      string     `json:"buyer_words"`
	MaskPostReceiv  string     `json:"mask_post_receiver"`
	MaskPostTel     string     `json:"mask_post_tel"`
	MaskPostAddr    PostAddr   `json:"mask_post_addr"`
	SKUOrderList    []SKUOrder `json:"sku_order_list"`
}

// PostAddr is a (masked) address.
type PostAddr struct {
	Province struct{ Name string } `json:"province"`
	City     struct{ Name string } `json:"city"`
	Town     struct{ Name string } `json:"town"`
	Detail   string                `json:"detail"`
}

// SKUOrder is one line (子订单). AuthorID/AuthorName name the 达人 who
// promoted it; CBiz 2 is 精选联盟.
type SKUOrder struct {
	SKUOrderID    ID     `json:"sku_order_id"`
	OrderStatus   int    `json:"order_status"`
	ProductID     ID     `json:"product_id"`
	ProductName   string `json:"product_name"`
	SKUID         ID     `json:"sku_id"`
	OuterSKUID    string `json:"outer_sku_id"`
	Code          string `json:"code"`
	ItemNum       int    `json:"item_num"`
	OriginAmount  int64  `json:"origin_amount"` // unit price × item_num, before discounts
	PayAmount     int64  `json:"pay_amount"`
	AuthorID      ID     `json:"author_id"`
	AuthorName    string `json:"author_name"`
	CBiz          int    `json:"c_biz"`
	AfterSaleInfo struct {
		AfterSaleStatus int `json:"after_sale_status"`
		RefundStatus    int `json:"refund_status"`
		// AfterSaleID is the line's after-sales case where the order
		// names it: UNCONFIRMED (the official SDK's searchList response
		// has no such field; read when present).
		AfterSaleID ID `json:"after_sale_id"`
	} `json:"after_sale_info"`
}

// CBizAlliance is c_biz of a line sold through 精选联盟.
const CBizAlliance = 2

// Commission is one entry of /alliance/getOrderList (datas[]): the
// 精选联盟 commission of one sub order. CommissionRate is 万分比 (300 =
// 3 %), which is basis points exactly: UNCONFIRMED (channels.md §5.8).
// EstimatedComission and RealComission (the platform's spelling) are 分;
// FlowPoint says where the commission stands (FlowSettlement, UNCONFIRMED).
type Commission struct {
	OrderID            ID     `json:"order_id"` // the sub order (sku_order_id)
	ProductID          ID     `json:"product_id"`
	AuthorAccount      string `json:"author_account"`
	ShortID            string `json:"short_id"`
	TotalPayAmount     int64  `json:"total_pay_amount"`
	CommissionRate     int    `json:"commission_rate"`
	EstimatedComission int64  `json:"estimated_comission"`
	RealComission      int64  `json:"real_comission"`
	FlowPoint          string `json:"flow_point"`
	AllianceBizType    string `json:"alliance_biz_type"`
}

// flow_point values of /alliance/getOrderList and where each leaves the
// commission. UNCONFIRMED (channels.md §5.8 names no settlement field):
// the 百应 order docs' PAY_SUCC 支付完成, CONFIRM 确认收货, SETTLE 结算,
// REFUND 退款; sandbox/douyin sends the same. Another value is "".
const (
	FlowPaid     = "PAY_SUCC"
	FlowConfirm  = "CONFIRM"
	FlowSettled  = "SETTLE"
	FlowRefunded = "REFUND"
)

var flowSettlement = map[string]domain.Settlement{
	FlowPaid: domain.SettlementPending, FlowConfirm: domain.SettlementPending,
	FlowSettled: domain.SettlementSettled, FlowRefunded: domain.SettlementCancelled,
}

// FlowSettlement is where a commission with this flow_point stands.
func FlowSettlement(flow string) domain.Settlement { return flowSettlement[flow] }

// combineSettlement is where an order's promoted lines stand together:
// "" as soon as one line's is unknown, pending while any is, settled when
// the others are settled or cancelled, cancelled when all are.
func combineSettlement(states []domain.Settlement) domain.Settlement {
	pending, settled := false, false
	for _, s := range states {
		switch s {
		case "":
			return ""
		case domain.SettlementPending:
			pending = true
		case domain.SettlementSettled:
			settled = true
		}
	}
	switch {
	case len(states) == 0:
		return ""
	case pending:
		return domain.SettlementPending
	case settled:
		return domain.SettlementSettled
	}
	return domain.SettlementCancelled
}

// Promoted reports whether a line was sold by a promoter.
func (l SKUOrder) Promoted() bool {
	return (l.AuthorID != "" && l.AuthorID != "0") || l.CBiz == CBizAlliance
}

// order_status values (Lesible OrderStatus.java, channels.md §5.5).
var statusMap = map[int]domain.OrderStatus{
	1: domain.OrderPendingPayment, 105: domain.OrderPaid, 2: domain.OrderPaid, 101: domain.OrderPartShipped,
	3: domain.OrderShipped, 4: domain.OrderCancelled, 5: domain.OrderCompleted,
}

// MapStatus normalizes an order_status; another value is OrderUnknown,
// with the raw value kept in PlatformStatus.
func MapStatus(s int) domain.OrderStatus {
	if v, ok := statusMap[s]; ok {
		return v
	}
	return domain.OrderUnknown
}

// refund_status of a line's after_sale_info. UNCONFIRMED: 0 none,
// 1 待退款, 2 退款中, 3 退款成功, 4 退款失败; sandbox/douyin keeps the same.
var refundStatus = map[int]string{1: "pending", 2: "refunding", 3: "refunded", 4: "failed"}

// RefundStatus names a line's refund_status ("" for none).
func RefundStatus(n int) string {
	if s, ok := refundStatus[n]; ok {
		return s
	}
	if n == 0 {
		return ""
	}
	return "refund_" + strconv.Itoa(n)
}

// after_sale_status of a line's after_sale_info (the official SDK's
// searchList response: 0 售后初始化, 6 售后申请, 7 售后退货中, 11 售后已发货,
// 12 售后成功, 13 换货商家发货, 14 换货用户收货, 27 拒绝售后申请, 28 售后失败,
// 29 退货后拒绝退款, 51 取消成功, 53 逆向交易完成) and where it leaves the
// line's refund. 28 is also what a buyer withdrawing leaves (refund_status
// stays 1). An exchange (13, 14) returns no money: no refund. 51 is read
// as the order's cancellation (after_sale_type 4 系统取消 / 5 用户取消), not
// a refund, and 53 as money back: both UNCONFIRMED.
var afterSaleStates = map[int]domain.AfterSaleStatus{
	6: domain.AfterSaleRequested, 7: domain.AfterSaleApproved, 11: domain.AfterSaleApproved,
	12: domain.AfterSaleRefunded, 53: domain.AfterSaleRefunded,
	13: "", 14: "", 51: "",
	27: domain.AfterSaleRejected, 29: domain.AfterSaleRejected, 28: domain.AfterSaleCancelled,
}

// LineRefundState is where a line's refund stands given its after_sale_info:
// refund_status 3 (退款成功) is money back whatever the case says; else a
// known after_sale_status decides (a success whose money is still to go,
// refund_status 1, 2 or 4, is approved); else, the case only initialised
// (0), refund_status 1 待退款 or 2 退款中 is requested, 4 退款失败 approved
// (agreed, the money not out yet), 0 none. Anything else is
// AfterSaleUnknown.
func LineRefundState(afterSaleStatus, refundStatus int) domain.AfterSaleStatus {
	if refundStatus == 3 {
		return domain.AfterSaleRefunded
	}
	if afterSaleStatus != 0 {
		s, ok := afterSaleStates[afterSaleStatus]
		switch {
		case !ok:
			return domain.AfterSaleUnknown
		case s == domain.AfterSaleRefunded && refundStatus != 0:
			return domain.AfterSaleApproved
		}
		return s
	}
	switch refundStatus {
	case 0:
		return ""
	case 1, 2:
		return domain.AfterSaleRequested
	case 4:
		return domain.AfterSaleApproved
	}
	return domain.AfterSaleUnknown
}

// MapOrders maps the orders of one page; one that cannot be decoded or
// mapped is rejected with the field named, never failing the others.
// commissions holds 精选联盟 data by sub order id.
func MapOrders(shop domain.ShopRef, raws []json.RawMessage, commissions map[string]Commission) ([]domain.SalesOrder, []connectors.RejectedOrder) {
	return mapping.MapEach(raws, "order", "order_id", func(raw json.RawMessage) string {
		var w struct {
			OrderID ID `json:"order_id"`
		}
		_ = json.Unmarshal(raw, &w)
		return string(w.OrderID)
	}, func(raw json.RawMessage) (domain.SalesOrder, error) { return DecodeOrder(shop, raw, commissions) })
}

// DecodeOrder decodes one order and maps it.
func DecodeOrder(shop domain.ShopRef, raw []byte, commissions map[string]Commission) (domain.SalesOrder, error) {
	var w ShopOrder
	if err := mapping.Unmarshal(Platform, "order", raw, &w); err != nil {
		return domain.SalesOrder{}, err
	}
	return MapOrder(shop, w, commissions)
}

// PromotedLines returns the sub order ids of an order's promoted lines:
// the ids whose commission /alliance/getOrderList gives.
func PromotedLines(raw []byte) []string {
	var w ShopOrder
	if json.Unmarshal(raw, &w) != nil {
		return nil
	}
	var ids []string
	for _, l := range w.SKUOrderList {
		if l.Promoted() && l.SKUOrderID != "" {
			ids = append(ids, string(l.SKUOrderID))
		}
	}
	return ids
}

// MapOrder maps an order. A missing, malformed or negative field is an
// EInvalid error naming the order and the field.
func MapOrder(shop domain.ShopRef, w ShopOrder, commissions map[string]Commission) (domain.SalesOrder, error) {
	id := string(w.OrderID)
	rec := "order " + id
	switch {
	case id == "":
		return domain.SalesOrder{}, invalid("order (no order_id)", "order_id", "missing")
	case !domain.Digits(id):
		return domain.SalesOrder{}, invalid(rec, "order_id", fmt.Sprintf("%q is not an integer id", id))
	}
	a := w.MaskPostAddr
	o := domain.SalesOrder{Shop: shop, PlatformOrderID: id, Status: MapStatus(w.OrderStatus), PlatformStatus: strconv.Itoa(w.OrderStatus),
		Currency: "CNY", Buyer: domain.Party{ID: w.DoudianOpenID}, BuyerMessage: w.BuyerWords,
		Receiver: domain.Receiver{Name: domain.MaskOnce(w.MaskPostReceiv, domain.MaskName), Phone: domain.MaskOnce(w.MaskPostTel, domain.MaskPhone),
			Province: a.Province.Name, City: a.City.Name, District: a.Town.Name, Address: domain.MaskOnce(a.Detail, domain.MaskAddress)}}
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
	}{{"promotion_amount", w.PromotionAmount, &o.Amounts.Discount}, {"post_amount", w.PostAmount, &o.Amounts.Freight},
		{"pay_amount", w.PayAmount, &o.Amounts.Paid}} {
		if f.v < 0 {
			return o, invalid(rec, f.name, fmt.Sprintf("%d 分 is negative", f.v))
		}
		*f.dst = domain.Money(f.v)
	}
	if len(w.SKUOrderList) == 0 {
		return o, invalid(rec, "sku_order_list", "an order without lines")
	}
	var cps *domain.CPSInfo
	var states []domain.Settlement
	var estimated domain.Money
	for i, l := range w.SKUOrderList {
		line, err := mapLine(rec, fmt.Sprintf("sku_order_list[%d].", i), l, commissions)
		if err != nil {
			return o, err
		}
		goods, ok := o.Amounts.Goods.Plus(domain.Money(l.OriginAmount))
		if !ok {
			return o, invalid(rec, fmt.Sprintf("sku_order_list[%d].origin_amount", i), "the order's goods amount overflows")
		}
		o.Amounts.Goods = goods
		if line.CPS != nil {
			if cps == nil {
				c := *line.CPS
				cps = &c
			} else if cps.Commission, ok = cps.Commission.Plus(line.CPS.Commission); !ok {
				return o, invalid(rec, fmt.Sprintf("sku_order_list[%d].commission", i), "the order's commission overflows")
			}
			est := line.CPS.Estimated
			if line.CPS.Settlement != domain.SettlementSettled {
				est = line.CPS.Commission // the estimate, or 0 once refunded
			}
			if estimated, ok = estimated.Plus(est); !ok {
				return o, invalid(rec, fmt.Sprintf("sku_order_list[%d].commission", i), "the order's estimated commission overflows")
			}
			states = append(states, line.CPS.Settlement)
		}
		o.Lines = append(o.Lines, line)
	}
	if cps != nil {
		// The order is settled once every promoted line is (or was
		// refunded); only then is its estimate kept beside it.
		cps.Settlement, cps.Estimated = combineSettlement(states), 0
		if cps.Settlement == domain.SettlementSettled {
			cps.Estimated = estimated
		}
	}
	o.CPS = cps
	return o, nil
}

func mapLine(rec, field string, l SKUOrder, commissions map[string]Commission) (domain.OrderLine, error) {
	line := domain.OrderLine{PlatformLineID: string(l.SKUOrderID), SKUCode: l.OuterSKUID, PlatformItemID: string(l.ProductID),
		PlatformSKUID: string(l.SKUID), Title: l.ProductName, Quantity: l.ItemNum, Paid: domain.Money(l.PayAmount),
		Status: strconv.Itoa(l.OrderStatus), RefundStatus: RefundStatus(l.AfterSaleInfo.RefundStatus),
		RefundState: LineRefundState(l.AfterSaleInfo.AfterSaleStatus, l.AfterSaleInfo.RefundStatus)}
	if line.SKUCode == "" {
		line.SKUCode = l.Code
	}
	// The order names no refunded amount: Refunded stays 0 (a refunded
	// line reads as refunded whole; partial refunds UNCONFIRMED).
	if id := string(l.AfterSaleInfo.AfterSaleID); line.RefundState != "" && id != "" && id != "0" {
		if !domain.Digits(id) {
			return line, invalid(rec, field+"after_sale_info.after_sale_id", fmt.Sprintf("%q is not an integer id", id))
		}
		line.RefundCaseID = id
	}
	for _, idf := range []struct{ name, v string }{{"sku_order_id", line.PlatformLineID}, {"product_id", line.PlatformItemID}, {"sku_id", line.PlatformSKUID}} {
		if !domain.Digits(idf.v) {
			return line, invalid(rec, field+idf.name, fmt.Sprintf("%q is not an integer id", idf.v))
		}
	}
	switch {
	case l.ItemNum <= 0:
		return line, invalid(rec, field+"item_num", fmt.Sprintf("must be positive (got %d)", l.ItemNum))
	case l.OriginAmount < 0 || l.OriginAmount%int64(l.ItemNum) != 0:
		return line, invalid(rec, field+"origin_amount", fmt.Sprintf("%d 分 is not %d × a unit price", l.OriginAmount, l.ItemNum))
	case l.PayAmount < 0:
		return line, invalid(rec, field+"pay_amount", fmt.Sprintf("%d 分 is negative", l.PayAmount))
	}
	line.UnitPrice = domain.Money(l.OriginAmount / int64(l.ItemNum))
	if !l.Promoted() {
		return line, nil
	}
	c := &domain.CPSInfo{PromoterID: string(l.AuthorID), PromoterName: l.AuthorName}
	if cm, ok := commissions[line.PlatformLineID]; ok {
		if cm.CommissionRate < 0 || cm.EstimatedComission < 0 || cm.RealComission < 0 {
			return line, invalid(rec, field+"commission", "a negative commission_rate or commission")
		}
		if cm.CommissionRate > 10000 {
			return line, invalid(rec, field+"commission", fmt.Sprintf("commission_rate %d bp is over 100%%", cm.CommissionRate))
		}
		c.CommissionRate = cm.CommissionRate // 万分比 = basis points
		c.Commission = domain.Money(cm.EstimatedComission)
		c.Settlement = FlowSettlement(cm.FlowPoint)
		switch c.Settlement {
		case domain.SettlementSettled: // both figures: the real one counts
			c.Commission, c.Estimated = domain.Money(cm.RealComission), domain.Money(cm.EstimatedComission)
		case domain.SettlementCancelled: // refunded: nothing is owed
			c.Commission = 0
		}
		if c.PromoterName == "" {
			c.PromoterName = cm.AuthorAccount
		}
	}
	if c.PromoterID == "0" {
		c.PromoterID = ""
	}
	line.CPS = c
	return line, nil
}

// maxUnix is the end of year 9999: later is a malformed time, not a date.
const maxUnix = 253402300799

func unixTime(rec, field string, secs int64) (time.Time, error) {
	if secs <= 0 || secs > maxUnix {
		return time.Time{}, invalid(rec, field, fmt.Sprintf("%d is not a unix time in seconds", secs))
	}
	return time.Unix(secs, 0).UTC(), nil
}

// carriers maps syncctl's carrier codes to /order/logisticsAdd
// company_code values. UNCONFIRMED beyond "shunfeng" (channels.md §5.5):
// the others follow the platform's pinyin naming; sandbox/douyin accepts
// the same list.
var carriers = map[string]string{
	"SF": "shunfeng", "ZTO": "zhongtong", "YTO": "yuantong", "STO": "shentong", "YUNDA": "yunda", "EMS": "ems",
	"JD": "jd", "DBL": "debangwuliu", "JTSD": "jtexpress", "BEST": "huitongkuaidi", "YZPY": "youzhengguonei",
}

// CarrierCode maps a carrier code ("SF") to the platform's company_code;
// an unknown one is EInvalid naming the known codes.
func CarrierCode(carrier string) (string, error) {
	if c, ok := carriers[carrier]; ok {
		return c, nil
	}
	known := make([]string, 0, len(carriers))
	for k := range carriers {
		known = append(known, k)
	}
	sort.Strings(known)
	return "", invalid("shipment", "carrier", fmt.Sprintf("%q has no Douyin company_code (known: %s)", carrier, domain.List(known)))
}
