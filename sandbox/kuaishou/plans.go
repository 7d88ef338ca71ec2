package kuaishou

import (
	"encoding/json"
	"sort"
	"strings"
)

// Distribution plans (channels.md §6.8): commissionRate is an integer
// percent 0 to 90. Only normal plans (ITEM_NORMAL) are served; an item is in
// at most one.
const (
	PlanNormal   = "ITEM_NORMAL"
	PlanOpen     = 1 // 开启
	PlanClosed   = 3 // 关闭
	MaxRatePct   = 90
	updateStatus = "UPDATE_PLAN_STATUS"
	updateRate   = "UPDATE_NORMAL_COMMISSION"
)

type plan struct {
	ID      int64   `json:"planId"`
	Type    string  `json:"planCreateType"`
	ItemIDs []int64 `json:"itemIds"`
	RatePct int     `json:"commissionRate"`
	Status  int     `json:"status"`
}

func (p *plan) view() map[string]any {
	return map[string]any{"planId": p.ID, "planCreateType": p.Type, "itemIds": p.ItemIDs, "commissionRate": p.RatePct, "status": p.Status}
}

// rate reads a commissionRate: a whole percent 0 to 90, never a fraction.
func rate(field string, n json.Number) (int, *apiErr) {
	if n == "" {
		return 0, invalid(field, "required")
	}
	if strings.ContainsAny(n.String(), ".eE") {
		return 0, invalid(field, "%s: an integer percent", n)
	}
	v, err := n.Int64()
	if err != nil || v < 0 || v > MaxRatePct {
		return 0, invalid(field, "%s is outside 0 to %d", n, MaxRatePct)
	}
	return int(v), nil
}

// planOf is the plan an item is in (nil if none).
func (s *Server) planOf(itemID int64) *plan {
	for _, p := range s.plans {
		for _, id := range p.ItemIDs {
			if id == itemID {
				return p
			}
		}
	}
	return nil
}

func (s *Server) planCreate(param []byte) (any, *apiErr) {
	var p struct {
		PlanCreateType  string `json:"planCreateType"`
		NormalPlanParam *struct {
			ItemIDs        []int64     `json:"itemIds"`
			CommissionRate json.Number `json:"commissionRate"`
		} `json:"normalPlanParam"`
	}
	if e := decode(param, &p); e != nil {
		return nil, e
	}
	if p.PlanCreateType != PlanNormal {
		return nil, invalid("planCreateType", "%q: the sandbox serves %s only", p.PlanCreateType, PlanNormal)
	}
	np := p.NormalPlanParam
	if np == nil || len(np.ItemIDs) == 0 {
		return nil, invalid("normalPlanParam.itemIds", "required")
	}
	pct, e := rate("normalPlanParam.commissionRate", np.CommissionRate)
	if e != nil {
		return nil, e
	}
	for _, id := range np.ItemIDs {
		if _, e := s.item(id); e != nil {
			return nil, e
		}
		if have := s.planOf(id); have != nil {
			return nil, errf(CodeConflict, "item %d 已存在推广计划 %d", id, have.ID)
		}
	}
	pl := &plan{ID: s.newID(), Type: PlanNormal, ItemIDs: np.ItemIDs, RatePct: pct, Status: PlanOpen}
	s.plans[pl.ID] = pl
	return map[string]any{"planId": pl.ID}, nil
}

func (s *Server) planUpdate(param []byte) (any, *apiErr) {
	var p struct {
		PlanID                int64  `json:"planId"`
		UpdateType            string `json:"updateType"`
		UpdatePlanStatusParam *struct {
			PlanID int64 `json:"planId"`
			Status int   `json:"status"`
		} `json:"updatePlanStatusParam"`
		UpdateNormalCommissionParam *struct {
			PlanID         int64       `json:"planId"`
			CommissionRate json.Number `json:"commissionRate"`
		} `json:"updateNormalCommissionParam"`
	}
	if e := decode(param, &p); e != nil {
		return nil, e
	}
	pl := s.plans[p.PlanID]
	if pl == nil {
		return nil, errf(CodeNotFound, "planId %d: 推广计划不存在", p.PlanID)
	}
	switch p.UpdateType {
	case updateStatus:
		u := p.UpdatePlanStatusParam
		switch {
		case u == nil:
			return nil, invalid("updatePlanStatusParam", "required for %s", updateStatus)
		case u.PlanID != pl.ID:
			return nil, invalid("updatePlanStatusParam.planId", "%d differs from planId %d", u.PlanID, pl.ID)
		case u.Status != PlanOpen && u.Status != PlanClosed:
			return nil, invalid("updatePlanStatusParam.status", "%d: 1 开启 or 3 关闭", u.Status)
		}
		pl.Status = u.Status
	case updateRate:
		u := p.UpdateNormalCommissionParam
		switch {
		case u == nil:
			return nil, invalid("updateNormalCommissionParam", "required for %s", updateRate)
		case u.PlanID != pl.ID:
			return nil, invalid("updateNormalCommissionParam.planId", "%d differs from planId %d", u.PlanID, pl.ID)
		}
		pct, e := rate("updateNormalCommissionParam.commissionRate", u.CommissionRate)
		if e != nil {
			return nil, e
		}
		pl.RatePct = pct
	default:
		return nil, invalid("updateType", "%q: %s or %s", p.UpdateType, updateStatus, updateRate)
	}
	return map[string]any{"planId": pl.ID}, nil
}

// planQuery lists the plans of an item (none: an empty list).
func (s *Server) planQuery(param []byte) (any, *apiErr) {
	var p struct {
		ItemID int64 `json:"itemId"`
	}
	if e := decode(param, &p); e != nil {
		return nil, e
	}
	if p.ItemID == 0 {
		return nil, invalid("itemId", "required")
	}
	list := []map[string]any{}
	if pl := s.planOf(p.ItemID); pl != nil {
		list = append(list, pl.view())
	}
	return map[string]any{"planList": list}, nil
}

// Plans is every plan, for tests: item id → commission percent, open or not.
func (s *Server) Plans() map[int64]PlanView {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[int64]PlanView{}
	ids := make([]int64, 0, len(s.plans))
	for id := range s.plans {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		pl := s.plans[id]
		for _, it := range pl.ItemIDs {
			out[it] = PlanView{PlanID: pl.ID, RatePct: pl.RatePct, Open: pl.Status == PlanOpen}
		}
	}
	return out
}

// PlanView is a plan as Plans shows it.
type PlanView struct {
	PlanID  int64
	RatePct int
	Open    bool
}
