package youzan

import (
	"fmt"
	"sort"
	"strconv"
)

// 分销员 (salesman) orders, channels.md §2.8. The trade itself names no
// salesman; youzan.salesman.trades.get 3.0.1 lists the promotion record of
// each order a 分销员 sold.

// SalesmanShare is the share of sold orders the sandbox attributes to a
// 分销员 (one in four, drawn from the seed).
const SalesmanShare = 0.25

// Limits of youzan.salesman.trades.get 3.0.1.
const (
	SalesmanMaxPageNo   = 100
	SalesmanMaxPageSize = 100
	SalesmanMaxRows     = 3200 // page_no × page_size
)

// Settlement states (settle_state) the sandbox uses.
const (
	SettleNone    = 0 // 未完成付款或订单关闭
	SettlePending = 1 // 待自动结算
	SettleDone    = 2 // 已自动结算
)

// salesman is one 分销员 of the shop; rateBP is the commission in basis
// points of what the buyer paid for an item.
type salesman struct {
	Seller, YzOpenID, Phone, Group string
	RateBP                         int64
}

// salesmen is the shop's roster. The API gives the 分销员's phone as is;
// the sandbox sends it masked, as a shop without the decrypt permission
// sees it.
var salesmen = []salesman{
	{"o21Zag", "3hf8Fb8I596768747084054528", "135****8761", "A组", 1000},
	{"Kp9xQe", "7Tg2Lm0Q511200458813440000", "186****0042", "A组", 850},
	{"mW4rTy", "9Zz1Ab3C620011223344556677", "139****7310", "B组", 1500},
}

// promotion is an order's salesman record.
type promotion struct {
	Seller      int   `json:"seller"` // index into salesmen
	SettleState int   `json:"settle_state"`
	RateBP      int64 `json:"rate_bp"`
}

func rateText(bp int64) string { return fmt.Sprintf("%d.%02d", bp/100, bp%100) }

// salesmanRecord renders an order's record as the list of
// youzan.salesman.trades.get holds it.
func (o *order) salesmanRecord() map[string]any {
	sm := salesmen[o.Promotion.Seller]
	var money, cps int64
	items := []map[string]any{}
	for _, l := range o.Lines {
		c := l.Payment * o.Promotion.RateBP / 10000
		money += l.Payment
		cps += c
		items = append(items, map[string]any{"item_key": o.Tid + "," + itoa(l.Oid), "num_iid": itoa(l.ItemID), "title": l.Title,
			"num": l.Num, "price": yuan(l.Price), "i_rate": rateText(o.Promotion.RateBP), "i_cps_money": yuan(c),
			"ii_rate": "0", "ii_cps_money": "0.00", "is_join": 1})
	}
	state := 5 // 已付款
	switch o.Status {
	case StatusWaitPay:
		state = 3
	case StatusSuccess:
		state = 100
	}
	settled := ""
	if o.Promotion.SettleState == SettleDone {
		settled = ymd(o.Updated)
	}
	return map[string]any{"order_no": o.Tid, "seller": sm.Seller, "yz_open_id": sm.YzOpenID, "phone": sm.Phone, "group_name": sm.Group,
		"money": yuan(money), "cps_money": yuan(cps), "ii_cps_money": "0.00", "settle_state": o.Promotion.SettleState, "state": state,
		"auto_settle": 1, "created_at": ymd(o.Created), "settled_at": settled, "kdt_id": 0, "shop_name": "有赞沙箱店", "from_buyer_phone": "",
		"items": items}
}

// salesmanTradesGet serves youzan.salesman.trades.get 3.0.1: the records
// of orders created in [start_time, end_time] (unix seconds, both ends
// included; the doc's note that end_time reaches 24 h further is
// UNCONFIRMED and not applied), or of one order_no, newest first.
func (s *Server) salesmanTradesGet(body []byte) (any, *apiErr) {
	var p struct {
		OrderNo   string `json:"order_no"`
		StartTime int64  `json:"start_time"`
		EndTime   int64  `json:"end_time"`
		GroupID   int64  `json:"group_id"`
		Mobile    string `json:"mobile"`
		FansType  int    `json:"fans_type"`
		FansID    int64  `json:"fans_id"`
		PageNo    int    `json:"page_no"`
		PageSize  int    `json:"page_size"`
	}
	if e := decode(body, &p); e != nil {
		return nil, e
	}
	if p.PageNo == 0 {
		p.PageNo = 1
	}
	if p.PageSize == 0 {
		p.PageSize = 20
	}
	switch {
	case p.PageNo < 1 || p.PageNo > SalesmanMaxPageNo:
		return nil, invalid("page_no", "%d is outside 1 to %d", p.PageNo, SalesmanMaxPageNo)
	case p.PageSize < 1 || p.PageSize > SalesmanMaxPageSize:
		return nil, invalid("page_size", "%d is outside 1 to %d", p.PageSize, SalesmanMaxPageSize)
	case p.PageNo*p.PageSize > SalesmanMaxRows:
		return nil, invalid("page_no", "page_no × page_size = %d exceeds %d; narrow the time range", p.PageNo*p.PageSize, SalesmanMaxRows)
	case p.EndTime != 0 && p.EndTime < p.StartTime:
		return nil, invalid("end_time", "before start_time")
	}
	var hits []*order
	for _, o := range s.orders {
		c := o.Created.Unix()
		if o.Promotion != nil && (p.OrderNo == "" || o.Tid == p.OrderNo) && c >= p.StartTime && (p.EndTime == 0 || c <= p.EndTime) &&
			(p.Mobile == "" || salesmen[o.Promotion.Seller].Phone == p.Mobile) {
			hits = append(hits, o)
		}
	}
	sort.Slice(hits, func(i, j int) bool {
		if !hits[i].Created.Equal(hits[j].Created) {
			return hits[i].Created.After(hits[j].Created)
		}
		return hits[i].Tid > hits[j].Tid
	})
	list := []map[string]any{}
	for i := (p.PageNo - 1) * p.PageSize; i < len(hits) && i < p.PageNo*p.PageSize; i++ {
		list = append(list, hits[i].salesmanRecord())
	}
	return map[string]any{"list": list, "total": len(hits)}, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// settle moves a promotion's settlement with its order.
func (o *order) settle() {
	if o.Promotion == nil {
		return
	}
	switch o.Status {
	case StatusClosed:
		o.Promotion.SettleState = SettleNone
	case StatusSuccess:
		o.Promotion.SettleState = SettleDone
	}
}
