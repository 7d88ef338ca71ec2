package youzan

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"
)

// Order statuses (order_info.status).
const (
	StatusWaitPay     = "WAIT_BUYER_PAY"
	StatusWaitSend    = "WAIT_SELLER_SEND_GOODS"
	StatusWaitConfirm = "WAIT_BUYER_CONFIRM_GOODS"
	StatusSuccess     = "TRADE_SUCCESS"
	StatusClosed      = "TRADE_CLOSED"
)

// China is the zone of every Youzan time; timeLayout how it is written.
var China = time.FixedZone("GMT+8", 8*3600)

const timeLayout = "2006-01-02 15:04:05"

type order struct {
	Tid         string     `json:"tid"`
	Status      string     `json:"status"`
	Created     time.Time  `json:"created"`
	Updated     time.Time  `json:"updated"`
	Paid        time.Time  `json:"paid"`
	Consigned   time.Time  `json:"consigned,omitzero"`
	PostFee     int64      `json:"post_fee"` // 分
	Lines       []line     `json:"lines"`
	Refunded    bool       `json:"refunded"`
	RefundAsked bool       `json:"refund_asked,omitempty"` // a full refund the buyer asked for, not decided yet
	Promotion   *promotion `json:"promotion,omitempty"`    // sold by a 分销员
}

// Refund states (order_info.refund_state): 0 未退款 and 12 全额退款成功 are
// documented; 11 全额退款中 for a refund asked, not decided, is
// UNCONFIRMED (the connector's mapping names the same).
const (
	RefundNone   = 0
	RefundAsked  = 11
	RefundFullOK = 12
)

func (o *order) refundState() int {
	switch {
	case o.Refunded:
		return RefundFullOK
	case o.RefundAsked:
		return RefundAsked
	}
	return RefundNone
}

type line struct {
	Oid        int64  `json:"oid"`
	ItemID     int64  `json:"item_id"`
	SKUID      int64  `json:"sku_id"`
	OuterSKUID string `json:"outer_sku_id"`
	OuterID    string `json:"outer_item_id"`
	Title      string `json:"title"`
	Num        int    `json:"num"`
	Price      int64  `json:"price"`   // 分
	Payment    int64  `json:"payment"` // 分
	Shipped    bool   `json:"shipped,omitempty"`
	ExpressID  int    `json:"express_id,omitempty"`
	TrackingNo string `json:"tracking_no,omitempty"`
}

// yuan writes 分 as Youzan writes 元: "119" when whole, "59.50" otherwise
// (both shapes occur).
func yuan(fen int64) string {
	if fen%100 == 0 {
		return strconv.FormatInt(fen/100, 10)
	}
	return fmt.Sprintf("%d.%02d", fen/100, fen%100)
}

func ymd(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(China).Format(timeLayout)
}

// fullOrderInfo renders an order as trades.sold.get and trade.get send it;
// the receiver is encrypted, as the platform sends it.
func (o *order) fullOrderInfo() map[string]any {
	var total, paid int64
	lines := []map[string]any{}
	for _, l := range o.Lines {
		total += l.Price * int64(l.Num)
		paid += l.Payment
		lines = append(lines, map[string]any{"oid": strconv.FormatInt(l.Oid, 10), "item_id": l.ItemID, "sku_id": l.SKUID,
			"outer_sku_id": l.OuterSKUID, "outer_item_id": l.OuterID, "num": l.Num, "price": yuan(l.Price),
			"payment": yuan(l.Payment), "total_fee": yuan(l.Price * int64(l.Num)), "title": l.Title, "sku_properties_name": "[]"})
	}
	return map[string]any{
		"order_info": map[string]any{"tid": o.Tid, "status": o.Status, "created": ymd(o.Created), "update_time": ymd(o.Updated),
			"pay_time": ymd(o.Paid), "consign_time": ymd(o.Consigned), "success_time": "", "type": 0, "express_type": 0,
			"refund_state": o.refundState(), "order_tags": map[string]any{"is_payed": !o.Paid.IsZero(), "is_refund": o.Refunded || o.RefundAsked,
				"is_feedback": o.RefundAsked, "is_fenxiao_order": false}},
		"buyer_info": map[string]any{"buyer_id": 0, "yz_open_id": "yz" + o.Tid[len(o.Tid)-8:], "fans_nickname": "有赞买家"},
		"address_info": map[string]any{"receiver_name": "$Qm9zY2g=$", "receiver_tel": "138****0000", "delivery_province": "浙江省",
			"delivery_city": "杭州市", "delivery_district": "西湖区", "delivery_address": "#RW5jcnlwdGVk#"},
		"pay_info":    map[string]any{"payment": yuan(paid + o.PostFee), "total_fee": yuan(total), "post_fee": yuan(o.PostFee), "real_payment": yuan(paid + o.PostFee)},
		"orders":      lines,
		"remark_info": map[string]any{"buyer_message": ""},
	}
}

func parseTime(field, s string) (time.Time, *apiErr) {
	t, err := time.ParseInLocation(timeLayout, s, China)
	if err != nil {
		return time.Time{}, invalid(field, "%q is not yyyy-MM-dd HH:mm:ss", s)
	}
	return t, nil
}

// CodeOverCap answers page_no × page_size beyond the cap: channels.md
// gives the rule, not its code, so the sandbox answers the invalid-param
// code naming page_no (UNCONFIRMED). Nothing is truncated.
const CodeOverCap = CodeInvalidParam

// tradesSoldGet serves orders updated in [start_update, end_update]
// (both ends included, whole seconds), oldest first, a page at a time.
// page_no × page_size beyond the cap is refused, never truncated.
func (s *Server) tradesSoldGet(body []byte) (any, *apiErr) {
	var p struct {
		StartUpdate string `json:"start_update"`
		EndUpdate   string `json:"end_update"`
		PageNo      int    `json:"page_no"`
		PageSize    int    `json:"page_size"`
		Status      string `json:"status"`
		Tid         string `json:"tid"`
	}
	if e := decode(body, &p); e != nil {
		return nil, e
	}
	if p.PageNo == 0 {
		p.PageNo = 1
	}
	if p.PageSize == 0 {
		p.PageSize = min(20, s.pageSize)
	}
	switch {
	case p.PageNo < 1 || p.PageNo > MaxPageNo:
		return nil, invalid("page_no", "%d is outside 1 to %d", p.PageNo, MaxPageNo)
	case p.PageSize < 1 || p.PageSize > s.pageSize:
		return nil, invalid("page_size", "%d is outside 1 to %d", p.PageSize, s.pageSize)
	case p.PageNo*p.PageSize > s.maxRows:
		return nil, errf(CodeOverCap, "page_no: page_no × page_size = %d exceeds %d; narrow the time range", p.PageNo*p.PageSize, s.maxRows)
	case p.StartUpdate == "" || p.EndUpdate == "":
		return nil, invalid("start_update", "start_update and end_update are required")
	}
	from, e := parseTime("start_update", p.StartUpdate)
	if e != nil {
		return nil, e
	}
	to, e := parseTime("end_update", p.EndUpdate)
	if e != nil {
		return nil, e
	}
	if to.Before(from) || to.Sub(from) > MaxOrderWindow {
		return nil, invalid("end_update", "the range must run forward and span at most 3 months")
	}
	var hits []*order
	for _, o := range s.orders {
		u := o.Updated.Truncate(time.Second)
		if !u.Before(from) && !u.After(to) && (p.Status == "" || o.Status == p.Status) && (p.Tid == "" || o.Tid == p.Tid) {
			hits = append(hits, o)
		}
	}
	sort.Slice(hits, func(i, j int) bool {
		if !hits[i].Updated.Equal(hits[j].Updated) {
			return hits[i].Updated.Before(hits[j].Updated)
		}
		return hits[i].Tid < hits[j].Tid
	})
	list := []map[string]any{}
	for i := (p.PageNo - 1) * p.PageSize; i < len(hits) && i < p.PageNo*p.PageSize; i++ {
		list = append(list, map[string]any{"full_order_info": hits[i].fullOrderInfo()})
	}
	return map[string]any{"total_results": len(hits), "full_order_info_list": list}, nil
}

func (s *Server) tradeGet(body []byte) (any, *apiErr) {
	var p struct {
		Tid string `json:"tid"`
	}
	if e := decode(body, &p); e != nil {
		return nil, e
	}
	o := s.orders[p.Tid]
	if o == nil {
		return nil, errf(CodeNotFound, "tid %s: 订单不存在", p.Tid)
	}
	return map[string]any{"full_order_info": o.fullOrderInfo()}, nil
}

// MaxOrdersPerSecond bounds the orders one second holds: a burst (an
// admin call selling thousands) is spread over the following seconds, so
// its created and update times run up to n/MaxOrdersPerSecond seconds
// ahead of the clock. A real shop never sells that fast, and a second
// holding more than trades.sold.get may page (DefaultMaxRows) could not
// be read whole by anyone.
const MaxOrdersPerSecond = 4000

// orderTime is the time of the next order sold now.
func (s *Server) orderTime() time.Time {
	now := s.cfg.Now().Unix()
	if now > s.burstSec {
		s.burstSec, s.burstN = now, 0
	}
	if s.burstN >= MaxOrdersPerSecond {
		s.burstSec, s.burstN = s.burstSec+1, 0
	}
	s.burstN++
	return time.Unix(s.burstSec, 0)
}

// SellOrders implements kit.Shop: n paid orders of one unit of a listed SKU
// with stock (of skuOuterID when set), each taking its stock. About
// SalesmanShare of them are sold by a 分销员 (drawn from the seed).
func (s *Server) SellOrders(n int, skuOuterID string) ([]string, error) {
	return s.sell(n, skuOuterID, -1)
}

// SellSalesmanOrders sells n orders as SellOrders does, every one by a
// 分销员 (salesman false: none).
func (s *Server) SellSalesmanOrders(n int, skuOuterID string, salesman bool) ([]string, error) {
	share := 0.0
	if salesman {
		share = 1
	}
	return s.sell(n, skuOuterID, share)
}

type candidate struct {
	it *item
	k  *sku
}

// sell makes n orders; share < 0 draws SalesmanShare.
func (s *Server) sell(n int, skuOuterID string, share float64) ([]string, error) {
	if share < 0 {
		share = SalesmanShare
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var cands []candidate
	for _, id := range s.sortedItemIDs() {
		it := s.items[id]
		for _, k := range it.SKUs {
			if it.Listed && (skuOuterID == "" || k.ItemNo == skuOuterID) {
				cands = append(cands, candidate{it, k})
			}
		}
	}
	out := make([]string, 0, n)
	for range n {
		live := cands[:0:0]
		for _, c := range cands {
			if c.it.Listed && c.k.Quantity > 0 {
				live = append(live, c)
			}
		}
		if len(live) == 0 {
			break
		}
		cands = live
		c := cands[s.rnd.Intn(len(cands))]
		c.k.Quantity--
		at := s.orderTime()
		tid := "E" + at.In(China).Format("20060102150405") + fmt.Sprintf("%09d", s.newID()%1e9)
		o := &order{Tid: tid, Status: StatusWaitSend, Created: at, Updated: at, Paid: at, PostFee: 0,
			Lines: []line{{Oid: s.newID() + 1e18, ItemID: c.it.ID, SKUID: c.k.ID, OuterSKUID: c.k.ItemNo, OuterID: c.it.ItemNo,
				Title: c.it.Title, Num: 1, Price: c.k.Price, Payment: c.k.Price}}}
		if s.rnd.Float64() < share {
			i := s.rnd.Intn(len(salesmen))
			o.Promotion = &promotion{Seller: i, SettleState: SettlePending, RateBP: salesmen[i].RateBP}
		}
		s.orders[tid] = o
		out = append(out, tid)
		s.pushSold(o)
	}
	if len(out) > 0 {
		s.Persist.Changed()
	}
	if len(out) < n {
		return out, fmt.Errorf("created %d of %d orders: no listed SKU with stock left to sell", len(out), n)
	}
	return out, nil
}

// CancelOrder implements kit.Shop: the buyer cancels an order not shipped.
func (s *Server) CancelOrder(id string) error { return s.close(id, false) }

// RefundOrder implements kit.Shop: a full refund closes the order.
func (s *Server) RefundOrder(id string) error { return s.close(id, true) }

func (s *Server) close(id string, refund bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[id]
	switch {
	case o == nil:
		return errorsNotFound()
	case !refund && o.Status != StatusWaitPay && o.Status != StatusWaitSend:
		return fmt.Errorf("order is %s: only an order not shipped yet can be cancelled", o.Status)
	case refund && o.Refunded:
		return errors.New("order is refunded already")
	}
	o.Status, o.Refunded, o.RefundAsked = StatusClosed, o.Refunded || refund, false
	o.settle()
	o.Updated = later(o.Updated, s.cfg.Now().Truncate(time.Second))
	if refund {
		s.pushRefund(o, MsgRefundSuccess)
	}
	s.pushTrade(o, MsgTradeClose, o.Status)
	s.Persist.Changed()
	return nil
}

// AskRefund has the buyer ask for a full refund (维权): the order keeps
// its status, refund_state becomes 11 (全额退款中) and it cannot ship until
// RefundOrder decides it.
func (s *Server) AskRefund(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[id]
	switch {
	case o == nil:
		return errorsNotFound()
	case o.Status == StatusClosed || o.Refunded:
		return fmt.Errorf("order is %s: nothing to refund", o.Status)
	case o.RefundAsked:
		return errors.New("a refund is asked already")
	}
	o.RefundAsked = true
	o.Updated = later(o.Updated, s.cfg.Now().Truncate(time.Second))
	s.pushRefund(o, MsgRefundBuyerCreate)
	s.Persist.Changed()
	return nil
}

// later keeps an order's update time moving forward.
func later(prev, now time.Time) time.Time {
	if now.After(prev) {
		return now
	}
	return prev.Add(time.Second)
}

// SellMulti sells one paid order with a line for each SKU named (outer
// ids, each listed with stock), for split shipments; a 分销员 sells it
// when salesman is set.
func (s *Server) SellMulti(salesman bool, skuOuterIDs ...string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var picked []candidate
	for _, code := range skuOuterIDs {
		var found *candidate
		for _, id := range s.sortedItemIDs() {
			for _, k := range s.items[id].SKUs {
				if k.ItemNo == code && s.items[id].Listed && k.Quantity > 0 {
					found = &candidate{s.items[id], k}
				}
			}
		}
		if found == nil {
			return "", fmt.Errorf("sku %s: not listed with stock", code)
		}
		picked = append(picked, *found)
	}
	if len(picked) == 0 {
		return "", errors.New("no SKU named")
	}
	at := s.orderTime()
	tid := "E" + at.In(China).Format("20060102150405") + fmt.Sprintf("%09d", s.newID()%1e9)
	o := &order{Tid: tid, Status: StatusWaitSend, Created: at, Updated: at, Paid: at}
	for _, c := range picked {
		c.k.Quantity--
		o.Lines = append(o.Lines, line{Oid: s.newID() + 1e18, ItemID: c.it.ID, SKUID: c.k.ID, OuterSKUID: c.k.ItemNo, OuterID: c.it.ItemNo,
			Title: c.it.Title, Num: 1, Price: c.k.Price, Payment: c.k.Price})
	}
	if salesman {
		o.Promotion = &promotion{Seller: 0, SettleState: SettlePending, RateBP: salesmen[0].RateBP}
	}
	s.orders[tid] = o
	s.pushSold(o)
	s.Persist.Changed()
	return tid, nil
}
