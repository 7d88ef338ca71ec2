package wechatmap

import (
	"encoding/json"
	"fmt"
	"math"
	"math/bits"

	"github.com/syncctl/syncctl/domain"
)

// 优选联盟 (league) choices the docs leave open, in one place.
//
// The ratio of league/item/batchadd and league/item/upd is "推广佣金[0, 90]%":
// an integer percent (SKIT's model says "分佣率（范围：0～100）", an int).
// UNCONFIRMED: the batchadd sample sends "ratio": 100, outside its own
// range, and the 机构/推客 APIs count ratios in millionths (100000 = 10%).
// Should the platform take millionths, LeagueRatio returns bp×100 instead
// (and the sandbox's leagueRatioMax becomes 900000): the one place to change.
const (
	LeagueRatioBP   = 100 // basis points in one unit of ratio (1% = 100 bp)
	LeagueRatioMax  = 90  // "[0, 90]%"
	LeagueTypeOpen  = 1   // type 1 普通推广: every promoter may pick the product
	LeagueOperateEd = 1   // league/item/upd operate_type 1 = 编辑 (UNCONFIRMED: the enum is not in the docs we saw)
)

// LeagueRatio converts a commission in basis points into the ratio
// league/item/batchadd and upd take (integer percent). A rate that is not
// a whole percent, zero or above 90% is EInvalid naming the record.
func LeagueRatio(record string, bp int) (int, error) {
	switch {
	case bp <= 0 || bp > LeagueRatioMax*LeagueRatioBP:
		return 0, invalid(record, "commission_rate", fmt.Sprintf("%d bp is outside 1 to %d bp (the platform's 1%% to %d%%)", bp, LeagueRatioMax*LeagueRatioBP, LeagueRatioMax))
	case bp%LeagueRatioBP != 0:
		return 0, invalid(record, "commission_rate", fmt.Sprintf("%d bp is not a whole percent: the platform's ratio is an integer percent", bp))
	}
	return bp / LeagueRatioBP, nil
}

// CommissionInfo is one entry of order_detail.commission_infos: a share of
// one SKU's payment owed to a promoter (达人/talent, 视频号 finder or 机构).
// Amount is 分.
type CommissionInfo struct {
	SKUID        json.Number `json:"sku_id"`
	Nickname     string      `json:"nickname"`
	Type         int         `json:"type"`
	Status       int         `json:"status"`
	Amount       int64       `json:"amount"`
	FinderID     string      `json:"finder_id"`
	OpenFinderID string      `json:"openfinderid"`
	TalentID     string      `json:"talent_id"`
}

// SettleInfo is order_detail.settle_info: the order's commission, predicted
// until it settles (分), and when it settled.
type SettleInfo struct {
	PredictCommissionFee int64 `json:"predict_commission_fee"`
	CommissionFee        int64 `json:"commission_fee"`
	SettleTime           int64 `json:"settle_time"`
}

// Commission settlement statuses (commission_infos[].status). UNCONFIRMED:
// channels.md §1.8 lists no enum for this field; these are the values of
// the talent commission-order callback (20 未结算, 100 已结算, 200 取消结算).
const (
	SettlePending   = 20
	SettleDone      = 100
	SettleCancelled = 200
)

// SettleStatus normalizes a commission_infos status; an undocumented value
// is "" (the platform's word is not known).
func SettleStatus(status int) domain.Settlement {
	switch status {
	case SettlePending:
		return domain.SettlementPending
	case SettleDone:
		return domain.SettlementSettled
	case SettleCancelled:
		return domain.SettlementCancelled
	}
	return ""
}

// combineSettlement is where several commission_infos entries stand
// together: cancelled when all are, pending while any is, settled when the
// rest are settled; "" as soon as one status is undocumented.
func combineSettlement(states []domain.Settlement) domain.Settlement {
	if len(states) == 0 {
		return ""
	}
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
	case pending:
		return domain.SettlementPending
	case settled:
		return domain.SettlementSettled
	}
	return domain.SettlementCancelled
}

// promoterID is the most stable id an entry carries: talent_id (优选联盟
// 达人), else finder_id (视频号, being deprecated), else openfinderid.
func (c CommissionInfo) promoterID() string {
	for _, id := range []string{c.TalentID, c.FinderID, c.OpenFinderID} {
		if id != "" {
			return id
		}
	}
	return ""
}

// rateBP is the commission over the paid amount in basis points, rounded
// to the nearest: commission_infos carries the amount, not the ratio. It
// is computed in 128 bits (commission × 10000 overflows an int64 well
// within int64 amounts); false when the rate itself does not fit.
func rateBP(commission, paid int64) (int, bool) {
	if paid <= 0 || commission < 0 {
		return 0, true
	}
	hi, lo := bits.Mul64(uint64(commission), 10000)
	lo, carry := bits.Add64(lo, uint64(paid/2), 0)
	hi += carry
	if hi >= uint64(paid) {
		return 0, false
	}
	q, _ := bits.Div64(hi, lo, uint64(paid))
	return int(q), q <= math.MaxInt64
}

// mapCPS sets each promoted line's CPS (its commission_infos entries: the
// first promoter, the sum of their amounts, the rate over the line's paid
// amount, where their statuses stand) and the order's (the first promoter;
// the settled commission_fee with predict_commission_fee kept as Estimated,
// else predict_commission_fee, else the sum of the lines; the rate over the
// promoted lines' paid amount). A cancelled settlement counts as no
// commission. Settlement: settled once settle_info says so (commission_fee
// or settle_time), else the entries' statuses combined. Errors name the
// order and the field.
func mapCPS(rec string, d OrderDetail, o *domain.SalesOrder) error {
	if len(d.CommissionInfos) == 0 {
		return nil
	}
	byLine := map[string]*domain.CPSInfo{}
	lineStates := map[string][]domain.Settlement{}
	var states []domain.Settlement
	var total, paid domain.Money
	var first *domain.CPSInfo
	allCancelled := true
	for i, c := range d.CommissionInfos {
		field := fmt.Sprintf("order_detail.commission_infos[%d].", i)
		sku := c.SKUID.String()
		switch {
		case c.Amount < 0:
			return invalid(rec, field+"amount", fmt.Sprintf("%d 分 is negative", c.Amount))
		case c.promoterID() == "":
			return invalid(rec, field+"talent_id", "no talent_id, finder_id or openfinderid names the promoter")
		}
		li := -1
		for j := range o.Lines {
			if o.Lines[j].PlatformSKUID == sku {
				li = j
			}
		}
		if li < 0 {
			return invalid(rec, field+"sku_id", fmt.Sprintf("%q is not a line of the order", sku))
		}
		amount := c.Amount
		if c.Status == SettleCancelled {
			amount = 0
		} else {
			allCancelled = false
		}
		cps := byLine[sku]
		if cps == nil {
			cps = &domain.CPSInfo{PromoterID: c.promoterID(), PromoterName: c.Nickname}
			byLine[sku] = cps
			o.Lines[li].CPS = cps
			var ok bool
			if paid, ok = paid.Plus(o.Lines[li].Paid); !ok {
				return invalid(rec, fmt.Sprintf("order_detail.product_infos[%d].real_price", li), "the promoted lines' paid amounts overflow")
			}
			if first == nil {
				first = cps
			}
		}
		var ok bool
		if cps.Commission, ok = cps.Commission.Plus(domain.Money(amount)); !ok {
			return invalid(rec, field+"amount", "the line's commissions add up beyond what an int64 of 分 holds")
		}
		if total, ok = total.Plus(domain.Money(amount)); !ok {
			return invalid(rec, field+"amount", "the order's commissions add up beyond what an int64 of 分 holds")
		}
		lineStates[sku] = append(lineStates[sku], SettleStatus(c.Status))
		states = append(states, SettleStatus(c.Status))
	}
	for i, l := range o.Lines {
		if l.CPS != nil {
			var ok bool
			if l.CPS.CommissionRate, ok = rateBP(int64(l.CPS.Commission), int64(l.Paid)); !ok {
				return invalid(rec, fmt.Sprintf("order_detail.product_infos[%d].real_price", i), fmt.Sprintf("commission %s over %s paid is not a rate", l.CPS.Commission, l.Paid))
			}
			l.CPS.Settlement = combineSettlement(lineStates[l.PlatformSKUID])
		}
	}
	s := d.SettleInfo
	var estimated domain.Money
	settlement := combineSettlement(states)
	switch {
	case s.CommissionFee < 0:
		return invalid(rec, "order_detail.settle_info.commission_fee", fmt.Sprintf("%d 分 is negative", s.CommissionFee))
	case s.PredictCommissionFee < 0:
		return invalid(rec, "order_detail.settle_info.predict_commission_fee", fmt.Sprintf("%d 分 is negative", s.PredictCommissionFee))
	case s.CommissionFee > 0:
		total, estimated, settlement = domain.Money(s.CommissionFee), domain.Money(s.PredictCommissionFee), domain.SettlementSettled
	case !allCancelled && s.PredictCommissionFee > 0:
		total = domain.Money(s.PredictCommissionFee)
	}
	if s.SettleTime > 0 && !allCancelled {
		settlement = domain.SettlementSettled
	}
	rate, ok := rateBP(int64(total), int64(paid))
	if !ok {
		return invalid(rec, "order_detail.settle_info.commission_fee", fmt.Sprintf("commission %s over %s paid is not a rate", total, paid))
	}
	o.CPS = &domain.CPSInfo{PromoterID: first.PromoterID, PromoterName: first.PromoterName, Commission: total,
		CommissionRate: rate, Estimated: estimated, Settlement: settlement}
	return nil
}
