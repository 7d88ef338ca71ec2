package vipshop

import (
	"fmt"
	"sort"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// Cancellation applications (取消申请) and batchGetCancelInfo
// (SovDeliveryService 1.0.0; the IDL's BatchGetCancelInfoRequest and
// GetCancelInfoResponse). A buyer cancelling an order to ship files an
// application (audit_status 1); while it waits, getOrders still shows the
// order 10 and unmodified, so only batchGetCancelInfo tells. After
// CancelDelay the platform approves it (2, is_system "1"), the goods go
// back to stock and getOrders shows 97. UNCONFIRMED, one choice the
// connector's mapping table (vipmap.ApplyCancel) shares: that getOrders
// does not move while an application waits, and that ship refuses an order
// whose application waits.
const (
	cancelPending  = 1
	cancelApproved = 2
	cancelRejected = 3
	cancelClosed   = 4
)

// Limits of batchGetCancelInfo: start_time within 90 days, end_time at
// most 24 h after it (the IDL's comments); limit defaults to 20, and its
// most is UNCONFIRMED (200, as getOrders).
const (
	CancelLookback      = 90 * 24 * time.Hour
	MaxCancelSpan       = 24 * time.Hour
	defaultCancelLimit  = 20
	MaxCancelInfosLimit = 200
)

// cancelApply is one application as the sandbox keeps it.
type cancelApply struct {
	SN      string    `json:"apply_sn"`
	OrderID string    `json:"order_id"`
	Created time.Time `json:"created"`
	Audit   int       `json:"audit_status"`
	Reason  string    `json:"reason"`
	System  bool      `json:"is_system"`
	Opinion string    `json:"audit_opinion,omitempty"`
	Audited time.Time `json:"audited,omitzero"`
}

// cancelReasons are the reasons buyers pick.
var cancelReasons = []string{"不想要了", "拍错了/订单信息填写错误", "价格有点贵", "其他渠道价格更低"}

// CancelOrder has the buyer cancel an order not shipped yet: an
// application, approved at once when CancelDelay is 0.
func (s *Server) CancelOrder(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceCancels()
	o := s.orders[id]
	switch {
	case o == nil:
		return kit.ErrNotFound
	case o.Status != statusToShip:
		return fmt.Errorf("status %s: only an order to ship (10) can be cancelled", o.Status)
	case s.pendingCancel(id) != nil:
		return fmt.Errorf("order %s already has a cancellation application waiting", id)
	}
	now := s.cfg.Now().Truncate(time.Second)
	s.cancels = append(s.cancels, &cancelApply{SN: "CA" + s.newID(0, 1), OrderID: id, Created: now, Audit: cancelPending,
		Reason: cancelReasons[s.rnd.Intn(len(cancelReasons))]})
	s.advanceCancels()
	s.Persist.Changed()
	return nil
}

// SetCancelDelay sets how long an application waits for its audit.
func (s *Server) SetCancelDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cancelDelay = max(0, d)
}

// pendingCancel is the order's waiting application, if any (under s.mu).
func (s *Server) pendingCancel(orderID string) *cancelApply {
	for _, c := range s.cancels {
		if c.OrderID == orderID && c.Audit == cancelPending {
			return c
		}
	}
	return nil
}

// advanceCancels approves the applications that waited CancelDelay: the
// order is cancelled and its goods go back to stock (under s.mu). An order
// no longer to ship closes its application.
func (s *Server) advanceCancels() {
	now := s.cfg.Now()
	for _, c := range s.cancels {
		if c.Audit != cancelPending || now.Before(c.Created.Add(s.cancelDelay)) {
			continue
		}
		o := s.orders[c.OrderID]
		c.Audited = c.Created.Add(s.cancelDelay)
		if o == nil || o.Status != statusToShip {
			c.Audit, c.Opinion = cancelClosed, "订单状态已变更"
			continue
		}
		c.Audit, c.System, c.Opinion = cancelApproved, true, "系统自动审核通过"
		for _, l := range o.Lines {
			if _, k, e := s.skuByID(l.SKUID); e == nil {
				k.Stock += l.Num
			}
		}
		o.Status = statusCancelled
		s.touch(o)
		s.Persist.Changed()
	}
}

// batchGetCancelInfo lists applications by order_id, apply_sn or creation
// window [start_time, end_time] (at least one), optionally of one
// audit_status, oldest first → {total, cancelInfos[]}.
func (s *Server) batchGetCancelInfo(body []byte) (any, *apiErr) {
	var in struct {
		Request *struct {
			OrderID     string `json:"order_id"`
			ApplySN     string `json:"apply_sn"`
			AuditStatus int    `json:"audit_status"`
			Start       string `json:"start_time"`
			End         string `json:"end_time"`
			Page        int    `json:"page"`
			Limit       int    `json:"limit"`
		} `json:"request"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	r := in.Request
	if r == nil {
		return nil, errf(CodeMissParam, "missing argument request")
	}
	s.advanceCancels()
	limit, page := r.Limit, r.Page
	switch {
	case limit == 0:
		limit = defaultCancelLimit
	case limit < 0 || limit > MaxCancelInfosLimit:
		return nil, badParam("limit", "must be 1 to %d, got %d", MaxCancelInfosLimit, limit)
	}
	switch {
	case page == 0:
		page = 1
	case page < 0:
		return nil, badParam("page", "pages count from 1, got %d", page)
	}
	var start, end time.Time
	window := r.Start != "" || r.End != ""
	if window {
		var e *apiErr
		if start, e = parseTime("start_time", r.Start); e != nil {
			return nil, e
		}
		if end, e = parseTime("end_time", r.End); e != nil {
			return nil, e
		}
		switch {
		case end.Before(start):
			return nil, badParam("end_time", "is before start_time")
		case end.Sub(start) > MaxCancelSpan:
			return nil, badParam("end_time", "must be within 24 hours of start_time")
		case start.Before(s.cfg.Now().Add(-CancelLookback)):
			return nil, badParam("start_time", "must be within 90 days")
		}
	} else if r.OrderID == "" && r.ApplySN == "" {
		return nil, errf(CodeMissParam, "missing argument: order_id, apply_sn or start_time + end_time")
	}
	var match []*cancelApply
	for _, c := range s.cancels {
		switch {
		case r.OrderID != "" && c.OrderID != r.OrderID, r.ApplySN != "" && c.SN != r.ApplySN,
			r.AuditStatus != 0 && c.Audit != r.AuditStatus, window && (c.Created.Before(start) || c.Created.After(end)):
			continue
		}
		match = append(match, c)
	}
	sort.SliceStable(match, func(i, j int) bool { return match[i].Created.Before(match[j].Created) })
	infos := []map[string]any{}
	for i := (page - 1) * limit; i < len(match) && i < page*limit; i++ {
		c := match[i]
		sys := "0"
		if c.System {
			sys = "1"
		}
		infos = append(infos, map[string]any{"order_id": c.OrderID, "apply_sn": c.SN, "reason_choice_remark": c.Reason, "reason_remark": "",
			"operator_role_name": "用户", "audit_status": c.Audit, "audit_opinion": c.Opinion, "order_status": s.orders[c.OrderID].Status,
			"is_system": sys})
	}
	return map[string]any{"total": len(match), "cancelInfos": infos}, nil
}
