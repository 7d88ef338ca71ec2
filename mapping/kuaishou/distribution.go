package kuaishoumap

import (
	"fmt"

	"github.com/syncctl/syncctl/domain"
)

// Commission limits of open.distribution.plan.create/update: commissionRate
// is an integer PERCENT from 0 to 90 (channels.md §6.8).
const (
	MinCommissionPercent = 0
	MaxCommissionPercent = 90
)

// CommissionPercent converts syncctl's basis points (2000 = 20 %) into the
// whole percent a distribution plan's commissionRate takes (20).
//
// A rate that is not a whole percent (1250 bp = 12.5 %) is REFUSED
// (EInvalid naming the field), never rounded: rounding down would underpay
// every promoter and rounding up would overpay them, on every order, and
// the platform has no finer unit for a normal plan. The operator picks the
// percent.
func CommissionPercent(record string, bp int) (int, error) {
	if bp%100 != 0 {
		return 0, invalid(record, "commission", fmt.Sprintf("%d bp (%d.%02d %%) is not a whole percent; Kuaishou plans take whole percents %d to %d",
			bp, bp/100, abs(bp%100), MinCommissionPercent, MaxCommissionPercent))
	}
	pct := bp / 100
	if pct < MinCommissionPercent || pct > MaxCommissionPercent {
		return 0, invalid(record, "commission", fmt.Sprintf("%d %% is outside %d to %d %%", pct, MinCommissionPercent, MaxCommissionPercent))
	}
	return pct, nil
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// Plan statuses of open.distribution.plan.update UPDATE_PLAN_STATUS.
const (
	PlanOpen   = 1 // 开启
	PlanClosed = 3 // 关闭
)

// Carriers maps syncctl's carrier codes (domain.Carriers) to the expressCode
// of open.seller.order.goods.deliver, from the platform's 物流公司编号 table
// (AndersonBY/kwaixiaodian-python-sdk:docs/开发指南和规则协议/开发文档/物流公司编号.md).
// 百世 was merged into 极兔 (109); 德邦快递 is 53 (17 is 德邦 物流).
var Carriers = map[string]int{
	"SF":    4,
	"ZTO":   9,
	"YTO":   6,
	"STO":   3,
	"YUNDA": 11,
	"EMS":   2,
	"POSTB": 8,
	"JD":    14,
	"JTSD":  109,
	"DBKD":  53,
}

// ExpressCode is the platform's carrier code of a shipment, or EInvalid
// naming the order and the field.
func ExpressCode(s domain.Shipment) (int, error) {
	return domain.CarrierCode(Platform, Carriers, s)
}
