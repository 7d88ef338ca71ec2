package jd

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// Order states the sandbox moves through (orderState).
const (
	StateWaitStockOut = "WAIT_SELLER_STOCK_OUT"
	StateWaitReceive  = "WAIT_GOODS_RECEIVE_CONFIRM"
	StateFinished     = "FINISHED_L"
	StateCanceled     = "TRADE_CANCELED"
)

// knownStates are the order_state values pop.order.search accepts.
var knownStates = map[string]bool{StateWaitStockOut: true, "WAIT_SELLER_DELIVERY": true, "POP_ORDER_PAUSE": true, "PAUSE": true,
	"LOCKED": true, StateWaitReceive: true, StateFinished: true, StateCanceled: true}

// carriers are the logiCoprId values the sandbox shop has contracted (its
// own list; 1274 厂家自送 needs no waybill).
var carriers = map[string]string{"467": "顺丰速运", "1499": "中通快递", "463": "圆通速递", "470": "申通快递", "1327": "韵达快递",
	"465": "邮政EMS", "2087": "京东快递", "3046": "德邦快递", "1274": "厂家自送"}

type order struct {
	ID       string    `json:"orderId"`
	State    string    `json:"orderState"`
	Created  time.Time `json:"created"`
	Modified time.Time `json:"modified"`
	Paid     time.Time `json:"paid"`
	Freight  int64     `json:"freight_fen"`
	Discount int64     `json:"discount_fen"`
	Pin      string    `json:"pin"`
	Lines    []line    `json:"lines"`
	Refunded bool      `json:"refunded"`
	Carrier  string    `json:"logiCoprId,omitempty"`
	Waybill  string    `json:"logiNo,omitempty"`
}

type line struct {
	SkuID   int64  `json:"skuId"`
	WareID  int64  `json:"wareId"`
	OuterID string `json:"outerSkuId"`
	Name    string `json:"skuName"`
	Price   int64  `json:"price_fen"`
	Num     int    `json:"num"`
}

var stateRemarks = map[string]string{StateWaitStockOut: "等待出库", StateWaitReceive: "等待确认收货", StateFinished: "完成", StateCanceled: "取消"}

// info renders an order as orderInfoList / orderInfo: orderId a string,
// wareId a number, skuId a string, money 元 strings, receiver masked.
func (o *order) info() map[string]any {
	var goods int64
	items := []map[string]any{}
	for _, l := range o.Lines {
		goods += l.Price * int64(l.Num)
		items = append(items, map[string]any{"skuId": strconv.FormatInt(l.SkuID, 10), "outerSkuId": l.OuterID, "wareId": l.WareID,
			"skuName": l.Name, "jdPrice": yuan(l.Price), "itemTotal": strconv.Itoa(l.Num), "giftPoint": "0", "productNo": ""})
	}
	return map[string]any{"orderId": o.ID, "venderId": "10086", "orderType": "22", "payType": "4-在线支付",
		"orderTotalPrice": yuan(goods), "orderSellerPrice": yuan(goods - o.Discount), "orderPayment": yuan(goods - o.Discount + o.Freight),
		"freightPrice": yuan(o.Freight), "sellerDiscount": yuan(o.Discount), "orderState": o.State, "orderStateRemark": stateRemarks[o.State],
		"orderStartTime": ymd(o.Created), "modified": ymd(o.Modified), "paymentConfirmTime": ymd(o.Paid), "orderRemark": "",
		"pin": o.Pin, "open_id_buyer": "o-" + o.Pin, "waybill": o.Waybill, "logisticsId": o.Carrier,
		"consigneeInfo": map[string]any{"fullname": "张*", "telephone": "", "mobile": "138****5678", "fullAddress": "北京朝阳区建国路***",
			"province": "北京", "city": "北京市", "county": "朝阳区"},
		"itemInfoList": items}
}

func apiResult(ok bool, code, zh string) map[string]any {
	return map[string]any{"success": ok, "code": code, "numberCode": code, "chineseErrCode": zh, "englishErrCode": ""}
}

func parseTime(field, v string) (time.Time, *apiErr) {
	t, err := time.ParseInLocation(jdTime, v, china)
	if err != nil {
		return t, badParam(field, "%q is not yyyy-MM-dd HH:mm:ss", v)
	}
	return t, nil
}

// orderSearch serves orders modified (or, with dateType 1, created) in
// [start_date, end_date], both included, oldest first.
func (s *Server) orderSearch(p json.RawMessage) (map[string]any, *apiErr) {
	var in struct {
		StartDate      string `json:"start_date"`
		EndDate        string `json:"end_date"`
		OrderState     string `json:"order_state"`
		OptionalFields string `json:"optional_fields"`
		Page           num    `json:"page"`
		PageSize       num    `json:"page_size"`
		SortType       num    `json:"sortType"`
		DateType       num    `json:"dateType"`
	}
	if e := decode(p, &in); e != nil {
		return nil, e
	}
	from, e := parseTime("start_date", in.StartDate)
	if e != nil {
		return nil, e
	}
	to, e := parseTime("end_date", in.EndDate)
	if e != nil {
		return nil, e
	}
	now := s.cfg.Now()
	switch {
	case to.Before(from) || to.Sub(from) > MaxOrderWindow:
		return nil, badParam("end_date", "the range must run forward and span at most %s", MaxOrderWindow)
	case from.Before(now.Add(-OrderLifetime)):
		return nil, badParam("start_date", "only the last %d days are served", int(OrderLifetime.Hours()/24))
	case in.OrderState == "":
		return nil, badParam("order_state", "required")
	}
	states := map[string]bool{}
	for _, st := range strings.Split(in.OrderState, ",") {
		if !knownStates[st] {
			return nil, badParam("order_state", "%q is not an order state", st)
		}
		states[st] = true
	}
	var hits []*order
	for _, o := range s.orders {
		at := o.Modified
		if in.DateType == 1 {
			at = o.Created
		}
		at = at.Truncate(time.Second)
		if states[o.State] && !at.Before(from) && !at.After(to) {
			hits = append(hits, o)
		}
	}
	sort.Slice(hits, func(i, j int) bool {
		if !hits[i].Modified.Equal(hits[j].Modified) {
			return hits[i].Modified.Before(hits[j].Modified)
		}
		return hits[i].ID < hits[j].ID
	})
	cut, e := page(hits, int(in.Page), int(in.PageSize), MaxPageSize)
	if e != nil {
		return nil, e
	}
	list := []map[string]any{}
	for _, o := range cut {
		list = append(list, o.info())
	}
	return map[string]any{"searchorderinfo_result": map[string]any{"apiResult": apiResult(true, "", ""), "orderInfoList": list, "orderTotal": len(hits)}}, nil
}

func (s *Server) orderGet(p json.RawMessage) (map[string]any, *apiErr) {
	var in struct {
		OrderID        num    `json:"order_id"`
		OptionalFields string `json:"optional_fields"`
		OrderState     string `json:"order_state"`
	}
	if e := decode(p, &in); e != nil {
		return nil, e
	}
	o := s.orders[strconv.FormatInt(int64(in.OrderID), 10)]
	if o == nil {
		return map[string]any{"orderDetailInfo": map[string]any{"apiResult": apiResult(false, CodeNotOwned, "订单不存在或不属于此商家")}}, nil
	}
	return map[string]any{"orderDetailInfo": map[string]any{"apiResult": apiResult(true, "", ""), "orderInfo": o.info()}}, nil
}

// orderShipment ships a whole order waiting to leave the warehouse.
func (s *Server) orderShipment(p json.RawMessage) (map[string]any, *apiErr) {
	var in struct {
		OrderID    num    `json:"orderId"`
		LogiCoprID string `json:"logiCoprId"`
		LogiNo     string `json:"logiNo"`
	}
	if e := decode(p, &in); e != nil {
		return nil, e
	}
	res := func(ok bool, code, zh string) map[string]any {
		return map[string]any{"sopjosshipment_result": map[string]any{"success": ok, "errorCode": code, "chineseErrCode": zh, "englishErrCode": ""}}
	}
	o := s.orders[strconv.FormatInt(int64(in.OrderID), 10)]
	switch {
	case o == nil:
		return res(false, CodeNotOwned, "订单不存在或不属于此商家"), nil
	case carriers[in.LogiCoprID] == "":
		return nil, badParam("logiCoprId", "%q is not a logistics company of this shop", in.LogiCoprID)
	case in.LogiNo == "" && in.LogiCoprID != "1274":
		return nil, badParam("logiNo", "required")
	case o.State != StateWaitStockOut:
		return res(false, CodeOrderState, "订单状态为"+stateRemarks[o.State]+"，不能出库"), nil
	}
	o.State, o.Carrier, o.Waybill = StateWaitReceive, in.LogiCoprID, in.LogiNo
	o.Modified = later(o.Modified, s.cfg.Now())
	return res(true, "", ""), nil
}

// SellOrders implements kit.Shop: n paid orders of one unit of an on-sale
// SKU with stock (of skuOuterID when set), each taking its stock.
func (s *Server) SellOrders(n int, skuOuterID string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []string{}
	for range n {
		type cand struct {
			w *ware
			k *sku
		}
		var cands []cand
		for _, id := range s.sortedWareIDs() {
			w := s.wares[id]
			for _, k := range w.SKUs {
				if w.Status == StatusOnSale && k.Stock > 0 && (skuOuterID == "" || k.OuterID == skuOuterID) {
					cands = append(cands, cand{w, k})
				}
			}
		}
		if len(cands) == 0 {
			break
		}
		c := cands[s.rnd.Intn(len(cands))]
		c.k.Stock--
		now := s.cfg.Now().Truncate(time.Second)
		id := strconv.FormatInt(280000000000+s.newID()%1e11, 10)
		o := &order{ID: id, State: StateWaitStockOut, Created: now, Modified: now, Paid: now, Freight: 0,
			Pin: "jd_" + kit.RandHex(4), Lines: []line{{SkuID: c.k.ID, WareID: c.w.ID, OuterID: c.k.OuterID, Name: c.w.Title, Price: c.k.Price, Num: 1}}}
		s.orders[id] = o
		out = append(out, id)
	}
	if len(out) > 0 {
		s.Persist.Changed()
	}
	if len(out) < n {
		return out, fmt.Errorf("created %d of %d orders: no on-sale SKU with stock left to sell", len(out), n)
	}
	return out, nil
}

// CancelOrder implements kit.Shop: the buyer cancels an order not shipped.
func (s *Server) CancelOrder(id string) error { return s.close(id, false) }

// RefundOrder implements kit.Shop: a full refund cancels the order.
func (s *Server) RefundOrder(id string) error { return s.close(id, true) }

// cancelOne is the generator's buyer cancelling a random open order.
func (s *Server) cancelOne() {
	s.mu.Lock()
	var open []string
	for id, o := range s.orders {
		if o.State == StateWaitStockOut {
			open = append(open, id)
		}
	}
	sort.Strings(open)
	var pick string
	if len(open) > 0 {
		pick = open[s.rnd.Intn(len(open))]
	}
	s.mu.Unlock()
	if pick != "" {
		_ = s.CancelOrder(pick)
	}
}

func (s *Server) close(id string, refund bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[id]
	switch {
	case o == nil:
		return kit.ErrNotFound
	case !refund && o.State != StateWaitStockOut:
		return fmt.Errorf("order is %s: only an order not shipped yet can be cancelled", o.State)
	case refund && o.Refunded:
		return errors.New("order is refunded already")
	}
	if o.State == StateWaitStockOut {
		for _, l := range o.Lines { // the stock goes back on sale
			if _, k := s.findSKU(num(l.SkuID)); k != nil {
				k.Stock += l.Num
			}
		}
	}
	o.State, o.Refunded = StateCanceled, o.Refunded || refund
	o.Modified = later(o.Modified, s.cfg.Now())
	s.Persist.Changed()
	return nil
}

// later keeps an order's modified time moving strictly forward.
func later(prev, now time.Time) time.Time {
	now = now.Truncate(time.Second)
	if now.After(prev) {
		return now
	}
	return prev.Add(time.Second)
}
