package workflows

import (
	"context"
	"fmt"
	"sort"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping/pricing"
	"github.com/syncctl/syncctl/store"
)

// PriceDrift is a shop showing another price than its pricing rule gives:
// no guard is broken, but the price is not what the configuration says.
type PriceDrift struct {
	SKU       string         `json:"sku"`
	Shop      domain.ShopRef `json:"shop"`
	Shows     domain.Money   `json:"shows"`
	RulePrice domain.Money   `json:"rule_price"`
	Rule      string         `json:"rule,omitempty"` // "" : no rule, the list price
	Reason    string         `json:"reason"`         // the rule and its derivation
}

// PriceCheck is what `prices check` prints as JSON.
type PriceCheck struct {
	At          time.Time               `json:"at"`
	CheckedSKUs int                     `json:"checked_skus"`
	Shops       []domain.ShopRef        `json:"shops"`
	Violations  []domain.PriceViolation `json:"violations"`
	Drift       []PriceDrift            `json:"drift"`
}

// CheckPrices compares what every shop shows of every catalog SKU (the
// last pushed price of its on-sale listings, the prices the parity guard of
// a push compares with) with the floor and parity guards and with each
// shop's rule at a time: `syncctl prices check` and the PriceCheck
// workflow. shops are the shops to report (the configured ones; every
// shop that shows a SKU joins them unless only is set); only keeps one
// shop's floor and drift and the parity it is held by or is the
// reference of. A page of products at a time: memory stays bounded.
func CheckPrices(ctx context.Context, st store.Store, pol pricing.Policy, shops map[domain.ShopRef]bool, only *domain.ShopRef, at time.Time) (PriceCheck, error) {
	res := PriceCheck{At: at, Violations: []domain.PriceViolation{}, Drift: []PriceDrift{}}
	err := store.EachProduct(ctx, st, "", 0, func(prod domain.Product) error {
		for _, sku := range prod.SKUs {
			res.CheckedSKUs++
			live, err := st.LivePrices(ctx, sku.Code)
			if err != nil {
				return err
			}
			vs, drift := checkSKUPrices(pol, prod, sku, live, only, at)
			res.Violations = append(res.Violations, vs...)
			res.Drift = append(res.Drift, drift...)
			if only == nil {
				for s := range live {
					shops[s] = true
				}
			}
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	for s := range shops {
		res.Shops = append(res.Shops, s)
	}
	sort.Slice(res.Shops, func(i, j int) bool { return res.Shops[i].String() < res.Shops[j].String() })
	if res.Shops == nil {
		res.Shops = []domain.ShopRef{}
	}
	return res, nil
}

// checkSKUPrices checks what the shops show of one SKU (live: its price on
// every shop where it is on sale): the floor on each shop, parity across
// them, and drift from each shop's rule at a time. only, if set, keeps the
// floor and drift of that shop and the parity violations it is held by or
// is the reference of. Violations come floor first, then parity, each by
// shop; drift by shop.
func checkSKUPrices(pol pricing.Policy, prod domain.Product, sku domain.SKU, live map[domain.ShopRef]domain.Money,
	only *domain.ShopRef, at time.Time) ([]domain.PriceViolation, []PriceDrift) {
	refs := make([]domain.ShopRef, 0, len(live))
	for s := range live {
		if only == nil || s == *only {
			refs = append(refs, s)
		}
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].String() < refs[j].String() })
	var vs []domain.PriceViolation
	for _, s := range refs {
		if v := pol.Floor.Check(prod, sku, s, live[s]); v != nil {
			vs = append(vs, *v)
		}
	}
	parity := pricing.CheckParity(pol.Parity, sku.Code, live)
	if only != nil {
		parity = pricing.Involving(parity, *only)
	}
	vs = append(vs, parity...)
	var drift []PriceDrift
	for _, s := range refs {
		rule := pol.RuleFor(s)
		price, d := rule.Price(prod, sku, at)
		if price == live[s] {
			continue
		}
		name := rule.Name
		if name == "" {
			name = "no pricing rule"
		}
		drift = append(drift, PriceDrift{SKU: sku.Code, Shop: s, Shows: live[s], RulePrice: price, Rule: rule.Name,
			Reason: fmt.Sprintf("%s gives %s: %s", name, price.Yuan(), d.String())})
	}
	return vs, drift
}

// PriceCheckWorkflow checks one shop's prices (CheckPrices with only that shop)
// and ends with SyncStatus price-violations while any exist, so the Web
// UI's list of a schedule's runs shows which found some. Its result is the
// check, violations and drift included. `syncctl prices check --schedule`
// runs it as a Temporal Schedule.
func PriceCheckWorkflow(ctx workflow.Context, shop domain.ShopRef) (*PriceCheck, error) {
	if err := workflow.UpsertTypedSearchAttributes(ctx, AttrChannel.ValueSet(shop.Channel), AttrShop.ValueSet(shop.Shop),
		AttrSyncKind.ValueSet(KindPriceCheck), AttrSyncStatus.ValueSet(StatusRunning)); err != nil {
		return nil, err
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Minute, HeartbeatTimeout: 5 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute, MaximumAttempts: 5},
	})
	var res PriceCheck
	if err := workflow.ExecuteActivity(actx, acts.CheckShopPrices, shop).Get(ctx, &res); err != nil {
		_ = workflow.UpsertTypedSearchAttributes(ctx, AttrSyncStatus.ValueSet(StatusFailed))
		return nil, err
	}
	status := StatusCompleted
	if len(res.Violations) > 0 {
		status = StatusPriceViolations
	}
	return &res, workflow.UpsertTypedSearchAttributes(ctx, AttrSyncStatus.ValueSet(status))
}

// CheckShopPrices runs CheckPrices for one shop with the pricing policy in
// force now.
func (a *Activities) CheckShopPrices(ctx context.Context, shop domain.ShopRef) (PriceCheck, error) {
	res, err := CheckPrices(ctx, a.Store, a.pricing(), map[domain.ShopRef]bool{shop: true}, &shop, a.now())
	return res, toTemporal(err)
}

// PriceCheckScheduleID is the id of a shop's price-check schedule.
func PriceCheckScheduleID(shop domain.ShopRef) string {
	return KindPriceCheck + "-schedule/" + shop.String()
}

// SchedulePriceChecks creates (or re-times) the Temporal Schedule that
// checks the shop's prices every interval, on the shop's queue under base.
func SchedulePriceChecks(ctx context.Context, c client.Client, base string, shop domain.ShopRef, every time.Duration) error {
	if every < time.Minute {
		return domain.Errorf(domain.EInvalid, "price check schedule of %s, field every: at least 1m, not %s", shop, every)
	}
	action := &client.ScheduleWorkflowAction{ID: KindPriceCheck + "/" + shop.String(), Workflow: PriceCheckWorkflowName,
		TaskQueue: ShopQueue(base, shop), Args: []any{shop}}
	return upsertSchedule(ctx, c, PriceCheckScheduleID(shop), every, action, "syncctl prices check --schedule")
}
