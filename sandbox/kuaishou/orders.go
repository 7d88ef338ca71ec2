package kuaishou

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Order statuses (orderBaseInfo.status). The values are UNCONFIRMED
// (channels.md §8.4): the enum public SDKs carry.
const (
	StatusUnpaid    = 10 // 待付款
	StatusPaid      = 30 // 已付款, 待发货
	StatusShipped   = 40 // 已发货
	StatusReceived  = 50 // 已签收
	StatusSucceeded = 70 // 交易成功
	StatusClosed    = 80 // 交易关闭
)

// Refund statuses (orderRefundList[].refundStatus), UNCONFIRMED values.
const (
	RefundRequested = 10 // 买家申请退款
	RefundSucceeded = 60 // 退款成功
)

// Order query limits of open.order.cursor.list (channels.md §6.5).
const (
	MaxOrderWindow   = 7 * 24 * time.Hour
	MaxOrderLookback = 90 * 24 * time.Hour
	MaxOrderPageSize = 50 // UNCONFIRMED: 50 per the SDK schema, 100 per one integrator
	CursorEnd        = "nomore"
)

type order struct {
	Oid        int64  `json:"oid"`
	Status     int    `json:"status"`
	Created    int64  `json:"createTime"` // ms
	Updated    int64  `json:"updateTime"`
	Paid       int64  `json:"payTime"`
	Sent       int64  `json:"sendTime"`
	ItemID     int64  `json:"itemId"`
	SKUID      int64  `json:"skuId"`
	RelItemID  string `json:"relItemId"`
	RelSKUID   string `json:"relSkuId"`
	Nick       string `json:"skuNick"`
	Title      string `json:"itemTitle"`
	Num        int    `json:"num"`
	Price      int64  `json:"price"`      // 分
	ExpressFee int64  `json:"expressFee"` // 分
	Discount   int64  `json:"discountFee"`
	Buyer      string `json:"buyerOpenId"`
	CPS        *cps   `json:"cps,omitempty"`
	Refund     *struct {
		ID     int64 `json:"refundId"`
		Status int   `json:"refundStatus"`
		Fee    int64 `json:"refundFee"`
	} `json:"refund,omitempty"`
	ExpressNo   string `json:"expressNo,omitempty"`
	ExpressCode int    `json:"expressCode,omitempty"`
}

// cps is the distributor who sold an order, with the commission: the rate
// is per mille (UNCONFIRMED unit), the amount 分.
type cps struct {
	DistributorID int64  `json:"distributorId"`
	Name          string `json:"distributorName"`
	RatePermille  int    `json:"commissionRate"`
	Amount        int64  `json:"commissionAmount"`
}

func (o *order) total() int64 { return o.Price*int64(o.Num) - o.Discount + o.ExpressFee }

// view renders an order as open.order.cursor.list and open.order.detail
// send it: the address desensitised, as the platform sends it.
func (o *order) view() map[string]any {
	cpsType := 1
	cpsInfo := map[string]any{"distributorId": 0, "distributorName": ""}
	if o.CPS != nil {
		cpsType = 2
		cpsInfo = map[string]any{"distributorId": o.CPS.DistributorID, "distributorName": o.CPS.Name,
			"kwaiMoneyUserId": 0, "kwaiMoneyUserNickName": "", "commissionRate": o.CPS.RatePermille, "commissionAmount": o.CPS.Amount}
	}
	refunds := []map[string]any{}
	if o.Refund != nil {
		refunds = append(refunds, map[string]any{"refundId": o.Refund.ID, "refundStatus": o.Refund.Status, "refundFee": o.Refund.Fee})
	}
	logistics := []map[string]any{}
	if o.ExpressNo != "" {
		logistics = append(logistics, map[string]any{"logisticsId": o.Oid + 7, "expressNo": o.ExpressNo, "expressCode": o.ExpressCode})
	}
	return map[string]any{
		"orderBaseInfo": map[string]any{"oid": o.Oid, "status": o.Status, "createTime": o.Created, "updateTime": o.Updated,
			"payTime": o.Paid, "sendTime": o.Sent, "totalFee": o.total(), "expressFee": o.ExpressFee, "discountFee": o.Discount,
			"buyerOpenId": o.Buyer, "buyerNick": "快手用户" + o.Buyer[len(o.Buyer)-4:], "sellerOpenId": "seller", "cpsType": cpsType, "remark": ""},
		"orderItemInfo": map[string]any{"itemId": o.ItemID, "skuId": o.SKUID, "relItemId": o.RelItemID, "relSkuId": o.RelSKUID,
			"skuNick": o.Nick, "num": o.Num, "price": o.Price, "originalPrice": o.Price, "itemTitle": o.Title},
		"orderRefundList":    refunds,
		"orderLogisticsInfo": logistics,
		"orderAddress": map[string]any{"encryptedConsignee": "#" + strconv.FormatInt(o.Oid%1e6, 36) + "#", "encryptedMobile": "#m#",
			"encryptedAddress": "#a#", "desensitiseConsignee": "张*", "desensitiseMobile": "138****0000", "desensitiseAddress": "文三路***",
			"province": "浙江省", "city": "杭州市", "district": "西湖区"},
		"orderCpsInfo": cpsInfo,
	}
}

// cursorList serves open.order.cursor.list: orders of [beginTime, endTime]
// (ms, both ends included) by update time (queryType 2) or create time (1),
// a page at a time. The cursor is the last key read (time, oid), so an
// order updated while the client pages moves, but never shifts the others:
// nothing is skipped.
func (s *Server) cursorList(param []byte) (any, *apiErr) {
	var p struct {
		OrderViewStatus int    `json:"orderViewStatus"`
		PageSize        int    `json:"pageSize"`
		Sort            int    `json:"sort"`
		QueryType       int    `json:"queryType"`
		BeginTime       int64  `json:"beginTime"`
		EndTime         int64  `json:"endTime"`
		CPSType         int    `json:"cpsType"`
		Cursor          string `json:"cursor"`
	}
	if e := decode(param, &p); e != nil {
		return nil, e
	}
	if p.PageSize == 0 {
		p.PageSize = 20
	}
	if p.Sort == 0 {
		p.Sort = 1
	}
	now := s.cfg.Now()
	switch {
	case p.PageSize < 1 || p.PageSize > MaxOrderPageSize:
		return nil, invalid("pageSize", "%d is outside 1 to %d", p.PageSize, MaxOrderPageSize)
	case p.QueryType != 1 && p.QueryType != 2:
		return nil, invalid("queryType", "%d: 1 by create time, 2 by update time", p.QueryType)
	case p.Sort != 1 && p.Sort != 2:
		return nil, invalid("sort", "%d: 1 desc, 2 asc", p.Sort)
	case p.CPSType < 0 || p.CPSType > 2:
		return nil, invalid("cpsType", "%d: 0 all, 1 normal, 2 distribution", p.CPSType)
	case p.BeginTime <= 0 || p.EndTime <= 0:
		return nil, invalid("beginTime", "beginTime and endTime are required (ms)")
	case p.EndTime <= p.BeginTime:
		return nil, errf(CodeEndBeforeBegin, "ENDTIME MUST AFTER BEGINTIME: 结束时间要晚于开始时间")
	case time.Duration(p.EndTime-p.BeginTime)*time.Millisecond > MaxOrderWindow:
		return nil, errf(CodeRangeOver7Days, "SEARCH TIME RANGE EXPAND 7 DAYS: 查询范围不能大于7天")
	case time.UnixMilli(p.BeginTime).Before(now.Add(-MaxOrderLookback)):
		return nil, errf(CodeBefore90Days, "CAN NOT SEARCH BEFORE 90 DAYS: 只能查询最近90天内的订单")
	}
	wantStatus, ok := viewStatus[p.OrderViewStatus]
	if !ok {
		return nil, invalid("orderViewStatus", "%d is outside 0 to 7", p.OrderViewStatus)
	}
	key := func(o *order) int64 {
		if p.QueryType == 1 {
			return o.Created
		}
		return o.Updated
	}
	var afterT, afterOid int64
	hasCursor := p.Cursor != "" && p.Cursor != CursorEnd
	if hasCursor {
		a, b, ok := strings.Cut(p.Cursor, "_")
		var err1, err2 error
		afterT, err1 = strconv.ParseInt(a, 10, 64)
		afterOid, err2 = strconv.ParseInt(b, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return nil, invalid("cursor", "%q is not a cursor of this query", p.Cursor)
		}
	}
	less := func(t1, o1, t2, o2 int64) bool { return t1 < t2 || (t1 == t2 && o1 < o2) }
	var hits []*order
	for _, o := range s.orders {
		t := key(o)
		if t < p.BeginTime || t > p.EndTime || (wantStatus != 0 && o.Status != wantStatus) {
			continue
		}
		if (p.CPSType == 1 && o.CPS != nil) || (p.CPSType == 2 && o.CPS == nil) {
			continue
		}
		if hasCursor && ((p.Sort == 2 && !less(afterT, afterOid, t, o.Oid)) || (p.Sort == 1 && !less(t, o.Oid, afterT, afterOid))) {
			continue
		}
		hits = append(hits, o)
	}
	sort.Slice(hits, func(i, j int) bool {
		if p.Sort == 2 {
			return less(key(hits[i]), hits[i].Oid, key(hits[j]), hits[j].Oid)
		}
		return less(key(hits[j]), hits[j].Oid, key(hits[i]), hits[i].Oid)
	})
	next := CursorEnd
	if p.Cursor == CursorEnd {
		hits = nil
	}
	if len(hits) > p.PageSize {
		hits = hits[:p.PageSize]
		last := hits[len(hits)-1]
		next = fmt.Sprintf("%d_%d", key(last), last.Oid)
	}
	list := make([]map[string]any, 0, len(hits))
	for _, o := range hits {
		list = append(list, o.view())
	}
	return map[string]any{"cursor": next, "pageSize": p.PageSize, "beginTime": p.BeginTime, "endTime": p.EndTime, "orderList": list}, nil
}

// viewStatus maps orderViewStatus to the status it selects (0: any).
var viewStatus = map[int]int{0: 0, 1: 0, 2: StatusUnpaid, 3: StatusPaid, 4: StatusShipped, 5: StatusReceived, 6: StatusSucceeded, 7: StatusClosed}

func (s *Server) orderDetail(param []byte) (any, *apiErr) {
	var p struct {
		Oid int64 `json:"oid"`
	}
	if e := decode(param, &p); e != nil {
		return nil, e
	}
	o := s.orders[p.Oid]
	if o == nil {
		return nil, errf(CodeNotFound, "oid %d: 订单不存在", p.Oid)
	}
	return o.view(), nil
}

// expressCodes are the carrier codes deliver accepts: the platform's 物流公司编号
// table (channels.md §6.5; the doc's list, the offline ones included).
func validExpressCode(c int) bool {
	return (c >= 1 && c <= 145 && c != 16 && c != 60) || c == 147 || c == 153 || (c >= 1001 && c <= 1008 && c != 1006) || c == 9999 || c == 19999
}

// deliver serves open.seller.order.goods.deliver: a paid order without a
// refund in progress is shipped whole (a Kuaishou order holds one item).
func (s *Server) deliver(param []byte) (any, *apiErr) {
	var p struct {
		OrderID         int64  `json:"orderId"`
		ExpressNo       string `json:"expressNo"`
		ExpressCode     int    `json:"expressCode"`
		ReturnAddressID int64  `json:"returnAddressId"`
	}
	if e := decode(param, &p); e != nil {
		return nil, e
	}
	o := s.orders[p.OrderID]
	switch {
	case o == nil:
		return nil, errf(CodeNotFound, "orderId %d: 订单不存在", p.OrderID)
	case strings.TrimSpace(p.ExpressNo) == "" || len(p.ExpressNo) > 64:
		return nil, invalid("expressNo", "required, at most 64 characters")
	case !validExpressCode(p.ExpressCode):
		return nil, invalid("expressCode", "%d is not a carrier code of the platform", p.ExpressCode)
	case o.Status != StatusPaid:
		return nil, errf(CodeConflict, "order %d is in status %d: 订单状态不允许发货", o.Oid, o.Status)
	case o.Refund != nil && o.Refund.Status != RefundSucceeded:
		return nil, errf(CodeConflict, "order %d: 订单退款中，不允许发货", o.Oid)
	}
	now := s.cfg.Now().UnixMilli()
	o.Status, o.Sent, o.ExpressNo, o.ExpressCode = StatusShipped, now, p.ExpressNo, p.ExpressCode
	o.Updated = later(o.Updated, now)
	s.pushOrder("kwaishop_order_delivering", o)
	return map[string]any{"orderId": o.Oid}, nil
}

// later keeps an order's update time moving forward (ms).
func later(prev, now int64) int64 {
	if now > prev {
		return now
	}
	return prev + 1
}

// CancelOrder implements kit.Shop: the buyer cancels an order not shipped;
// its stock comes back.
func (s *Server) CancelOrder(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.order(id)
	if err != nil {
		return err
	}
	if o.Status != StatusUnpaid && o.Status != StatusPaid {
		return fmt.Errorf("order is in status %d: only an order not shipped yet can be cancelled", o.Status)
	}
	s.restock(o)
	o.Status = StatusClosed
	o.Updated = later(o.Updated, s.cfg.Now().UnixMilli())
	s.pushOrder("kwaishop_order_orderFail", o)
	s.Persist.Changed()
	return nil
}

// RefundOrder implements kit.Shop: a full refund succeeds and closes the
// order (its stock comes back if it had not shipped).
func (s *Server) RefundOrder(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.order(id)
	if err != nil {
		return err
	}
	if o.Refund != nil && o.Refund.Status == RefundSucceeded {
		return errors.New("order is refunded already")
	}
	if o.Status == StatusUnpaid || (o.Status == StatusClosed && o.Refund == nil) {
		return fmt.Errorf("order is in status %d: it was never paid", o.Status)
	}
	if o.Status == StatusPaid {
		s.restock(o)
	}
	event := "kwaishop_aftersales_updateRefund" // a refund the buyer asked for is granted
	if o.Refund == nil {
		event = "kwaishop_aftersales_addRefund"
	}
	s.startRefund(o)
	o.Refund.Status = RefundSucceeded
	o.Status = StatusClosed
	o.Updated = later(o.Updated, s.cfg.Now().UnixMilli())
	s.pushRefund(event, o)
	s.pushOrder("kwaishop_order_orderFail", o)
	s.Persist.Changed()
	return nil
}

func (s *Server) startRefund(o *order) {
	if o.Refund == nil {
		o.Refund = &struct {
			ID     int64 `json:"refundId"`
			Status int   `json:"refundStatus"`
			Fee    int64 `json:"refundFee"`
		}{ID: s.newID() * 10, Status: RefundRequested, Fee: o.total()}
	}
}

func (s *Server) restock(o *order) {
	if it := s.items[o.ItemID]; it != nil {
		if k := it.sku(o.SKUID); k != nil {
			k.Stock += o.Num
		}
	}
}

func (s *Server) order(id string) (*order, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || s.orders[n] == nil {
		return nil, errNotFound()
	}
	return s.orders[n], nil
}
