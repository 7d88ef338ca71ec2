package tmallmap

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping"
)

// Shanghai is the zone of every TOP timestamp ("yyyy-MM-dd HH:mm:ss", GMT+8).
var Shanghai = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}()

// TimeLayout is TOP's timestamp layout.
const TimeLayout = "2006-01-02 15:04:05"

// FormatTime renders t as TOP expects.
func FormatTime(t time.Time) string { return t.In(Shanghai).Format(TimeLayout) }

// ParseTime reads a TOP timestamp.
func ParseTime(s string) (time.Time, error) { return time.ParseInLocation(TimeLayout, s, Shanghai) }

// Trade mirrors a TOP Trade as trades.sold.increment.get and
// trade.fullinfo.get return it. Ids are ID: they are 64-bit and must
// never pass through float64.
type Trade struct {
	Tid              ID     `json:"tid"`
	Status           string `json:"status"`
	Created          string `json:"created"`
	Modified         string `json:"modified"`
	PayTime          string `json:"pay_time"`
	Payment          string `json:"payment"`
	TotalFee         string `json:"total_fee"`
	DiscountFee      string `json:"discount_fee"`
	PostFee          string `json:"post_fee"`
	BuyerNick        string `json:"buyer_nick"`
	BuyerOpenUID     string `json:"buyer_open_uid"`
	ReceiverName     string `json:"receiver_name"`
	ReceiverMobile   string `json:"receiver_mobile"`
	ReceiverState    string `json:"receiver_state"`
	ReceiverCity     string `json:"receiver_city"`
	ReceiverDistrict string `json:"receiver_district"`
	ReceiverAddress  string `json:"receiver_address"`
	BuyerMessage     string `json:"buyer_message"`
	Orders           struct {
		Order []TradeOrder `json:"order"`
	} `json:"orders"`
}

// TradeOrder is one line (子订单) of a trade.
type TradeOrder struct {
	Oid          ID     `json:"oid"`
	NumIID       ID     `json:"num_iid"`
	SkuID        ID     `json:"sku_id"`
	OuterIID     string `json:"outer_iid"`
	OuterSkuID   string `json:"outer_sku_id"`
	Title        string `json:"title"`
	Price        string `json:"price"`
	Num          int    `json:"num"`
	TotalFee     string `json:"total_fee"`
	Payment      string `json:"payment"`
	DiscountFee  string `json:"discount_fee"`
	Status       string `json:"status"`
	RefundStatus string `json:"refund_status"`
	RefundID     ID     `json:"refund_id"` // 最近退款ID: the sub order's latest refund
}

// TradeFields is the `fields` parameter that asks for everything TradeToOrder reads.
const TradeFields = "tid,status,created,modified,pay_time,payment,total_fee,discount_fee,post_fee,buyer_nick,buyer_open_uid," +
	"receiver_name,receiver_mobile,receiver_state,receiver_city,receiver_district,receiver_address,buyer_message," +
	"orders.oid,orders.num_iid,orders.sku_id,orders.outer_iid,orders.outer_sku_id,orders.title,orders.price,orders.num," +
	"orders.total_fee,orders.payment,orders.discount_fee,orders.status,orders.refund_status,orders.refund_id"

var statusMap = map[string]domain.OrderStatus{
	"TRADE_NO_CREATE_PAY": domain.OrderPendingPayment, "WAIT_BUYER_PAY": domain.OrderPendingPayment,
	"PAY_PENDING": domain.OrderPendingPayment, "WAIT_PRE_AUTH_CONFIRM": domain.OrderPendingPayment,
	"WAIT_SELLER_SEND_GOODS": domain.OrderPaid, "PAID_FORBID_CONSIGN": domain.OrderPaid,
	"SELLER_CONSIGNED_PART":    domain.OrderPartShipped,
	"WAIT_BUYER_CONFIRM_GOODS": domain.OrderShipped, "TRADE_BUYER_SIGNED": domain.OrderShipped,
	"TRADE_FINISHED": domain.OrderCompleted,
	"TRADE_CLOSED":   domain.OrderCancelled, "TRADE_CLOSED_BY_TAOBAO": domain.OrderCancelled,
}

// MapStatus normalizes a TOP trade status.
func MapStatus(s string) domain.OrderStatus {
	if v, ok := statusMap[s]; ok {
		return v
	}
	return domain.OrderUnknown
}

// refundStates normalizes a sub order's refund_status (the TOP Order's
// enum: WAIT_SELLER_AGREE 买家已经申请退款, WAIT_BUYER_RETURN_GOODS 卖家已经同意
// 退款, WAIT_SELLER_CONFIRM_GOODS 买家已经退货, SELLER_REFUSE_BUYER 卖家拒绝退款,
// CLOSED 退款关闭, SUCCESS 退款成功; NO_REFUND or none: no refund).
var refundStates = map[string]domain.AfterSaleStatus{
	"": "", "NO_REFUND": "",
	"WAIT_SELLER_AGREE":         domain.AfterSaleRequested,
	"WAIT_BUYER_RETURN_GOODS":   domain.AfterSaleApproved,
	"WAIT_SELLER_CONFIRM_GOODS": domain.AfterSaleApproved,
	"SELLER_REFUSE_BUYER":       domain.AfterSaleRejected,
	"CLOSED":                    domain.AfterSaleCancelled,
	"SUCCESS":                   domain.AfterSaleRefunded,
}

// MapRefundStatus normalizes a sub order's refund_status; another value is
// AfterSaleUnknown (the raw word stays in the line's RefundStatus).
func MapRefundStatus(s string) domain.AfterSaleStatus {
	if v, ok := refundStates[s]; ok {
		return v
	}
	return domain.AfterSaleUnknown
}

// ID is a 64-bit platform id. TOP sends ids as JSON numbers, some (sku_id)
// as strings; both are kept as their exact digits, never through float64.
// Decoding never fails: TradeToOrder checks the digits and names the field,
// so one odd id rejects its trade, not the page.
type ID string

// UnmarshalJSON keeps a number's literal, a string's content, null as "".
func (id *ID) UnmarshalJSON(b []byte) error {
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
		*id = ID(b) // a number literal, or something TradeToOrder will refuse
	}
	return nil
}

func (id ID) String() string { return string(id) }

// MapTrades maps each raw trade of a page on its own (mapping.MapEach).
func MapTrades(shop domain.ShopRef, raws []json.RawMessage) (orders []domain.SalesOrder, rejected []connectors.RejectedOrder) {
	return mapping.MapEach(raws, "trade", "tid", tidOf, func(raw json.RawMessage) (domain.SalesOrder, error) { return DecodeTrade(shop, raw) })
}

// DecodeTrade decodes one raw TOP trade and maps it.
func DecodeTrade(shop domain.ShopRef, raw json.RawMessage) (domain.SalesOrder, error) {
	var t Trade
	rec := "order " + tidOf(raw)
	if rec == "order " {
		rec = "order (no tid)"
	}
	if err := mapping.Unmarshal("tmall", rec, raw, &t); err != nil {
		return domain.SalesOrder{}, err
	}
	return TradeToOrder(shop, t)
}

// tidOf digs the tid out of a trade that may not decode as a whole.
func tidOf(raw json.RawMessage) string {
	var t struct {
		Tid ID `json:"tid"`
	}
	if json.Unmarshal(raw, &t) == nil && domain.Digits(t.Tid.String()) {
		return t.Tid.String()
	}
	return ""
}

// TradeToOrder maps a TOP trade to a SalesOrder. A missing, malformed or
// negative field, or an amount that overflows, is an EInvalid error naming
// the order and the field.
func TradeToOrder(shop domain.ShopRef, t Trade) (domain.SalesOrder, error) {
	tid := t.Tid.String()
	rec := "order " + tid
	if tid == "" {
		rec = "order (no tid)"
		return domain.SalesOrder{}, invalid(rec, "tid", "missing")
	}
	if !domain.Digits(tid) {
		return domain.SalesOrder{}, invalid(rec, "tid", "is not an integer id")
	}
	o := domain.SalesOrder{Shop: shop, PlatformOrderID: tid, Status: MapStatus(t.Status), PlatformStatus: t.Status, Currency: "CNY",
		Buyer: domain.Party{Nick: domain.MaskOnce(t.BuyerNick, maskNick), ID: t.BuyerOpenUID}, BuyerMessage: t.BuyerMessage,
		Receiver: domain.Receiver{Name: domain.MaskOnce(t.ReceiverName, domain.MaskName), Phone: domain.MaskOnce(t.ReceiverMobile, domain.MaskPhone),
			Province: t.ReceiverState, City: t.ReceiverCity, District: t.ReceiverDistrict, Address: domain.MaskOnce(t.ReceiverAddress, domain.MaskAddress)}}
	var err error
	if o.CreatedAt, err = ParseTime(t.Created); err != nil {
		return o, invalid(rec, "created", fmt.Sprintf("%q is not yyyy-MM-dd HH:mm:ss", t.Created))
	}
	if o.ModifiedAt, err = ParseTime(t.Modified); err != nil {
		return o, invalid(rec, "modified", fmt.Sprintf("%q is not yyyy-MM-dd HH:mm:ss", t.Modified))
	}
	if t.PayTime != "" {
		pt, err := ParseTime(t.PayTime)
		if err != nil {
			return o, invalid(rec, "pay_time", fmt.Sprintf("%q is not yyyy-MM-dd HH:mm:ss", t.PayTime))
		}
		o.PaidAt = &pt
	}
	money := func(field, v string, dst *domain.Money) error {
		if v == "" {
			return nil
		}
		m, err := domain.ParseYuan(v)
		if err != nil {
			return invalid(rec, field, err.Error())
		}
		if m < 0 {
			return invalid(rec, field, fmt.Sprintf("amount %q is negative", v))
		}
		*dst = m
		return nil
	}
	for _, f := range []struct {
		name, v string
		dst     *domain.Money
	}{{"payment", t.Payment, &o.Amounts.Paid}, {"discount_fee", t.DiscountFee, &o.Amounts.Discount}, {"post_fee", t.PostFee, &o.Amounts.Freight}} {
		if err := money(f.name, f.v, f.dst); err != nil {
			return o, err
		}
	}
	if len(t.Orders.Order) == 0 {
		return o, invalid(rec, "orders", "a trade without lines")
	}
	for i, line := range t.Orders.Order {
		l := domain.OrderLine{PlatformLineID: line.Oid.String(), SKUCode: line.OuterSkuID, PlatformItemID: line.NumIID.String(),
			PlatformSKUID: line.SkuID.String(), Title: line.Title, Quantity: line.Num, Status: line.Status, RefundStatus: line.RefundStatus,
			RefundState: MapRefundStatus(line.RefundStatus), RefundCaseID: line.RefundID.String()}
		if l.SKUCode == "" {
			l.SKUCode = line.OuterIID
		}
		if l.RefundState == "" {
			l.RefundCaseID = "" // an old refund id on a sub order without a refund now
		}
		// Refunded stays 0: the TOP Order carries no refund amount (the
		// refund's refund_fee is on the Refund of taobao.refund.get), so a
		// SUCCESS line reads as refunded whole. UNCONFIRMED for partial
		// refunds of a sub order.
		field := fmt.Sprintf("orders[%d].", i+1)
		if l.PlatformLineID == "" {
			return o, invalid(rec, field+"oid", "missing")
		}
		for name, id := range map[string]string{"oid": l.PlatformLineID, "num_iid": l.PlatformItemID, "sku_id": l.PlatformSKUID, "refund_id": l.RefundCaseID} {
			if id != "" && !domain.Digits(id) {
				return o, invalid(rec, field+name, fmt.Sprintf("%q is not an integer id", id))
			}
		}
		if l.Quantity <= 0 {
			return o, invalid(rec, field+"num", fmt.Sprintf("must be positive (got %d)", l.Quantity))
		}
		if err := money(field+"price", line.Price, &l.UnitPrice); err != nil {
			return o, err
		}
		if err := money(field+"payment", line.Payment, &l.Paid); err != nil {
			return o, err
		}
		var total domain.Money
		if err := money(field+"total_fee", line.TotalFee, &total); err != nil {
			return o, err
		}
		if total == 0 {
			var ok bool
			if total, ok = l.UnitPrice.Times(l.Quantity); !ok {
				return o, invalid(rec, field+"price", fmt.Sprintf("price × num (%s × %d) overflows", line.Price, l.Quantity))
			}
		}
		var ok bool
		if o.Amounts.Goods, ok = o.Amounts.Goods.Plus(total); !ok {
			return o, invalid(rec, field+"total_fee", "the lines' amounts add up beyond what an int64 of fen holds")
		}
		o.Lines = append(o.Lines, l)
	}
	return o, nil
}

// maskNick keeps a buyer nick's first and last rune: "tb_buyer" → "t**r".
func maskNick(v string) string {
	r := []rune(v)
	if len(r) <= 2 {
		return v
	}
	return string(r[0]) + "**" + string(r[len(r)-1])
}
