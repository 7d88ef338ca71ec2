package kuaishou

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/syncctl/syncctl/connectors"
	kuaishoumap "github.com/syncctl/syncctl/mapping/kuaishou"
)

// Plan create and update types (channels.md §6.8). The connector puts each
// item in a normal plan (ITEM_NORMAL) of its own.
const (
	planNormal       = "ITEM_NORMAL"
	updatePlanStatus = "UPDATE_PLAN_STATUS"
	updateNormalRate = "UPDATE_NORMAL_COMMISSION"
)

// plan is an element of open.distribution.plan.query's planList (the
// answer's shape is UNCONFIRMED; sandbox/kuaishou answers the same).
type plan struct {
	PlanID         kuaishoumap.ID `json:"planId"`
	PlanCreateType string         `json:"planCreateType"`
	Status         int            `json:"status"`
	CommissionRate int            `json:"commissionRate"` // percent
}

// planOf returns the item's normal plan, if any.
func (c *Channel) planOf(ctx context.Context, itemID int64) (plan, bool, error) {
	var r struct {
		PlanList []plan `json:"planList"`
	}
	if err := c.call(ctx, "open.distribution.plan.query", map[string]any{"itemId": itemID}, &r); err != nil {
		return plan{}, false, err
	}
	for _, p := range r.PlanList {
		if p.PlanCreateType == planNormal || p.PlanCreateType == "" {
			return p, true, nil
		}
	}
	return plan{}, false, nil
}

// JoinPromotionPool implements connectors.PromotionPool: the item enters a
// normal distribution plan (open.distribution.plan.create) with the
// commission, or its plan is reopened and its commission updated
// (open.distribution.plan.update). commissionRate is a whole PERCENT on
// the platform: commissionBP/100, and a rate that is not a whole percent
// is refused (kuaishoumap.CommissionPercent). Joining twice with the same
// rate makes no write.
func (c *Channel) JoinPromotionPool(ctx context.Context, ids connectors.ProductIDs, commissionBP int) error {
	rec := "item " + ids.ItemID
	pct, err := kuaishoumap.CommissionPercent(rec, commissionBP)
	if err != nil {
		return err
	}
	itemID, err := kuaishoumap.ParseID(rec, "item_id", ids.ItemID)
	if err != nil {
		return err
	}
	p, ok, err := c.planOf(ctx, itemID)
	if err != nil {
		return err
	}
	if !ok {
		return c.call(ctx, "open.distribution.plan.create", map[string]any{"planCreateType": planNormal,
			"normalPlanParam": map[string]any{"itemIds": []int64{itemID}, "commissionRate": pct}}, nil)
	}
	planID := json.Number(p.PlanID)
	if p.CommissionRate != pct {
		if err := c.call(ctx, "open.distribution.plan.update", map[string]any{"planId": planID, "updateType": updateNormalRate,
			"updateNormalCommissionParam": map[string]any{"planId": planID, "commissionRate": pct}}, nil); err != nil {
			return err
		}
	}
	if p.Status != kuaishoumap.PlanOpen {
		return c.setPlanStatus(ctx, planID, kuaishoumap.PlanOpen)
	}
	return nil
}

// LeavePromotionPool implements connectors.PromotionPool: the item's plan
// is CLOSED (status 3), not deleted — no delete of a plan is documented,
// and a closed plan reopens with its history when the item joins again. An
// item without an open plan has left already.
func (c *Channel) LeavePromotionPool(ctx context.Context, ids connectors.ProductIDs) error {
	itemID, err := kuaishoumap.ParseID("item "+ids.ItemID, "item_id", ids.ItemID)
	if err != nil {
		return err
	}
	p, ok, err := c.planOf(ctx, itemID)
	if err != nil || !ok || p.Status == kuaishoumap.PlanClosed {
		return err
	}
	return c.setPlanStatus(ctx, json.Number(p.PlanID), kuaishoumap.PlanClosed)
}

func (c *Channel) setPlanStatus(ctx context.Context, planID json.Number, status int) error {
	if planID == "" {
		return unavailable(nil, fmt.Sprintf("open.distribution.plan.query: a plan without planId (status %d wanted)", status))
	}
	return c.call(ctx, "open.distribution.plan.update", map[string]any{"planId": planID, "updateType": updatePlanStatus,
		"updatePlanStatusParam": map[string]any{"planId": planID, "status": status}}, nil)
}
