package vipshopmap

import (
	"github.com/syncctl/syncctl/domain"
)

// CancelInfo is one cancellation application of batchGetCancelInfo (the
// IDL's GetCancelInfoResponse; the answer is {total, cancelInfos[]}).
type CancelInfo struct {
	OrderID            Str    `json:"order_id"`
	ApplySN            Str    `json:"apply_sn"`
	ReasonChoiceRemark string `json:"reason_choice_remark"` // the reason the buyer picked
	ReasonRemark       string `json:"reason_remark"`
	OperatorRoleName   string `json:"operator_role_name"`
	AuditStatus        Str    `json:"audit_status"` // CancelPending … CancelClosed
	AuditOpinion       string `json:"audit_opinion"`
	OrderStatus        Str    `json:"order_status"`
	IsSystem           Str    `json:"is_system"`
}

// audit_status of a cancellation application (BatchGetCancelInfoRequest:
// 1 待审核, 2 审核通过, 3 审核不通过, 4 关闭).
const (
	CancelPending  = "1"
	CancelApproved = "2"
	CancelRejected = "3"
	CancelClosed   = "4"
)

// LineCancelRequested is the RefundStatus of every line of an order the
// buyer asked to cancel while the application waits for its audit. It is
// the platform's word only: a cancellation is not a refund (statusRefund),
// so the lines' RefundState stays "".
const LineCancelRequested = "cancel_requested"

// cancelEffect is what an application does to an order getOrders still
// shows to ship (10). UNCONFIRMED, one table (no source says how getOrders
// and batchGetCancelInfo relate; sandbox/vipshop keeps the same): while
// the application is pending the order stays 10 in getOrders, so its lines
// carry LineCancelRequested (the ERP must hold the parcel); approved, the
// order is cancelled even before getOrders turns it 97; rejected or closed
// (withdrawn), getOrders' status stands. Any other getOrders status (22,
// 25, 70, 97) is the platform's word and no application changes it.
var cancelEffect = map[string]struct {
	Status       domain.OrderStatus // "" keeps getOrders' status
	RefundStatus string             // set on every line
}{
	CancelPending:  {RefundStatus: LineCancelRequested},
	CancelApproved: {Status: domain.OrderCancelled},
}

// cancelRank orders applications of one order: an approved one decides,
// then a pending one.
var cancelRank = map[string]int{CancelApproved: 2, CancelPending: 1}

// ApplyCancel applies an order's cancellation applications (any order's
// may be passed: the others are ignored) to the order mapped from getOrders.
func ApplyCancel(o *domain.SalesOrder, infos []CancelInfo) {
	if o.PlatformStatus != "10" {
		return
	}
	best := ""
	for _, in := range infos {
		if string(in.OrderID) == o.PlatformOrderID && cancelRank[string(in.AuditStatus)] > cancelRank[best] {
			best = string(in.AuditStatus)
		}
	}
	eff, ok := cancelEffect[best]
	if !ok {
		return
	}
	if eff.Status != "" {
		o.Status = eff.Status
	}
	if eff.RefundStatus != "" {
		for i := range o.Lines {
			o.Lines[i].RefundStatus = eff.RefundStatus
		}
	}
}
