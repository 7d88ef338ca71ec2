package youzanmap

import (
	"fmt"
	"strings"

	"github.com/syncctl/syncctl/domain"
)

// 分销员 (salesman) orders, channels.md §2.8. A trade of
// youzan.trades.sold.get names no salesman (its order_extra and
// order_tags have none); youzan.salesman.trades.get 3.0.1 lists the
// promotion record of each order sold through a 分销员: the seller, the
// commission (cps_money, 元) and its settlement, per item too.

// SalesmanTrade is one element of youzan.salesman.trades.get's list.
type SalesmanTrade struct {
	OrderNo     string         `json:"order_no"`
	Seller      string         `json:"seller"` // the 分销员's id (case-sensitive)
	YzOpenID    string         `json:"yz_open_id"`
	Phone       string         `json:"phone"`
	GroupName   string         `json:"group_name"`
	Money       string         `json:"money"`     // 元
	CPSMoney    string         `json:"cps_money"` // 元
	SettleState int            `json:"settle_state"`
	State       int            `json:"state"` // 3 待付款, 5 已付款, 100 完成
	AutoSettle  int            `json:"auto_settle"`
	CreatedAt   string         `json:"created_at"`
	SettledAt   string         `json:"settled_at"`
	Items       []SalesmanItem `json:"items"`
}

// SalesmanItem is one item of a SalesmanTrade.
type SalesmanItem struct {
	ItemKey   string `json:"item_key"` // "tid,oid"
	NumIID    ID     `json:"num_iid"`
	Title     string `json:"title"`
	Num       int    `json:"num"`
	Price     string `json:"price"`       // 元
	IRate     string `json:"i_rate"`      // %
	ICPSMoney string `json:"i_cps_money"` // 元
	IsJoin    int    `json:"is_join"`     // 1: takes part in the promotion
}

// Settlement states of a salesman order (settle_state): the finer name
// SettleState gives and where the commission stands for domain.CPSInfo.
// A state that means no commission will ever be paid (closed order, cash
// on delivery, member discount, salesman gone) is cancelled; a failed
// payout that the platform retries is still pending.
var settleStates = map[int]struct {
	name string
	s    domain.Settlement
}{
	0:  {"none", domain.SettlementCancelled},  // 未完成付款或订单关闭 (pending while state is 3 待付款: see Settlement)
	1:  {"pending", domain.SettlementPending}, // 待自动结算
	2:  {"settled", domain.SettlementSettled}, // 已自动结算
	3:  {"failed", domain.SettlementPending},  // 余额不足 (paid out once the shop tops up)
	4:  {"failed", domain.SettlementPending},  // 结算异常，等待重试
	5:  {"none", domain.SettlementCancelled},  // 货到付款，无佣金
	6:  {"none", domain.SettlementCancelled},  // 使用会员折扣 (export API only)
	7:  {"none", domain.SettlementCancelled},  // 销售员已注销，不结算
	11: {"pending", domain.SettlementPending}, // 待人工结算
	12: {"settled", domain.SettlementSettled}, // 已人工结算
	18: {"pending", domain.SettlementPending}, // 结算中心结算中 (export API only)
}

// salesmanWaitPay is the record's state 3 待付款.
const salesmanWaitPay = 3

// SettleState normalizes settle_state: pending, settled, failed or none;
// an undocumented state is "unknown(N)".
func SettleState(code int) string {
	if s, ok := settleStates[code]; ok {
		return s.name
	}
	return fmt.Sprintf("unknown(%d)", code)
}

// Settlement is where a salesman record's commission stands. settle_state
// 0 covers both an order not paid yet (state 3: pending) and a closed one
// (cancelled); an undocumented settle_state is "".
func Settlement(settleState, state int) domain.Settlement {
	if settleState == 0 && state == salesmanWaitPay {
		return domain.SettlementPending
	}
	return settleStates[settleState].s
}

// ApplySalesman sets the order's CPS from its salesman record: the
// promoter (seller id; as name the 分销员's phone masked, the only
// identity the API gives), the commission in 分 parsed exactly from 元
// strings, and each promoted line's own rate and commission (items are
// matched to lines by item_key "tid,oid"). The order-level rate is the
// promoted items' rate when they share one, else 0. Settlement (the
// order's and each line's) follows settle_state; the record gives one
// commission figure, so Estimated stays 0.
func ApplySalesman(o *domain.SalesOrder, t SalesmanTrade) error {
	rec := "salesman order " + t.OrderNo
	if t.OrderNo == "" {
		rec = "salesman order (no order_no)"
	}
	if t.OrderNo != o.PlatformOrderID {
		return invalid(rec, "order_no", fmt.Sprintf("is not order %s", o.PlatformOrderID))
	}
	if t.Seller == "" {
		return invalid(rec, "seller", "missing")
	}
	commission, err := yuan(rec, "cps_money", t.CPSMoney, false)
	if err != nil {
		return err
	}
	settlement := Settlement(t.SettleState, t.State)
	promoter := func() *domain.CPSInfo {
		return &domain.CPSInfo{PromoterID: t.Seller, PromoterName: domain.MaskOnce(t.Phone, domain.MaskPhone), Settlement: settlement}
	}
	head := promoter()
	head.Commission = commission
	rate, shared := -1, true
	for i, it := range t.Items {
		if it.IsJoin != 1 {
			continue
		}
		field := fmt.Sprintf("items[%d].", i)
		tid, oid, ok := strings.Cut(it.ItemKey, ",")
		if !ok || tid != o.PlatformOrderID {
			return invalid(rec, field+"item_key", fmt.Sprintf("%q is not \"%s,<oid>\"", it.ItemKey, o.PlatformOrderID))
		}
		var line *domain.OrderLine
		for j := range o.Lines {
			if o.Lines[j].PlatformLineID == oid {
				line = &o.Lines[j]
			}
		}
		if line == nil {
			return invalid(rec, field+"item_key", fmt.Sprintf("the order has no line %s", oid))
		}
		bp, err := percentBP(rec, field+"i_rate", it.IRate)
		if err != nil {
			return err
		}
		m, err := yuan(rec, field+"i_cps_money", it.ICPSMoney, true)
		if err != nil {
			return err
		}
		line.CPS = promoter()
		line.CPS.CommissionRate, line.CPS.Commission = bp, m
		if rate >= 0 && rate != bp {
			shared = false
		}
		rate = bp
	}
	if shared && rate > 0 {
		head.CommissionRate = rate
	}
	o.CPS = head
	return nil
}

// percentBP reads a percent string ("10", "35.00", "8.5") as basis points
// exactly: 2 decimals of a percent are basis points.
func percentBP(rec, field, s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	m, err := domain.ParseYuan(s)
	if err != nil || m < 0 || m > 10000 {
		return 0, invalid(rec, field, fmt.Sprintf("%q is not a percent from 0 to 100 with at most 2 decimals", s))
	}
	return int(m), nil
}
