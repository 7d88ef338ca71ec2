package workflows

import (
	"context"
	"fmt"
	"sort"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/syncctl/syncctl/connectors"
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
	// Sources says, by shop ("tmall/flagship"), where the prices the check
	// compared came from: SourcePlatform, SourceLastPushed or SourceMixed.
	// It names every shop of Shops and every other shop whose prices were
	// compared (a parity reference).
	Sources map[string]string `json:"sources"`
	// Warnings are the platform reads that failed or found a SKU missing:
	// the check went on with the last pushed prices there. At most
	// MaxReportedFailures, the last one counting the rest.
	Warnings []string `json:"warnings"`
}

// Where the prices of a shop came from (PriceCheck.Sources).
const (
	// SourcePlatform: read through the shop's connector
	// (connectors.PriceReader), what the platform shows now.
	SourcePlatform = "platform"
	// SourceLastPushed: the last price syncctl pushed to the listing. A
	// change made in the platform's back office is not seen.
	SourceLastPushed = "last pushed"
	// SourceMixed: the platform's prices until a read failed, the last
	// pushed ones after it (Warnings says where).
	SourceMixed = "platform, then last pushed"
)

// ChannelOf returns a shop's connector (connectors.Shops.Get): CheckPrices
// reads the prices of every shop whose connector is a
// connectors.PriceReader through it. ENotFound (the shop is not served
// here) leaves the shop's last pushed prices without a warning; another
// error leaves them with one.
type ChannelOf func(domain.ShopRef) (connectors.Channel, error)

// CheckPrices compares what every shop shows of every catalog SKU that is
// on sale there with the floor and parity guards and with each shop's rule
// at a time: `syncctl prices check` and the PriceCheck workflow. What a
// shop shows is, when channels is set and the shop's connector is a
// connectors.PriceReader, the price its platform returns now (one read per
// product and shop, through the shop's gate), and otherwise the last price
// pushed to its listing (the price the parity guard of a push compares
// with); Sources says which, by shop. A failed read leaves the shop's last
// pushed prices from there on, with a warning: it does not fail the check.
// shops are the shops to report (the configured ones; every shop that
// shows a SKU joins them unless only is set); only keeps one shop's floor
// and drift and the parity it is held by or is the reference of. A page of
// products at a time: memory stays bounded.
func CheckPrices(ctx context.Context, st store.Store, pol pricing.Policy, shops map[domain.ShopRef]bool, only *domain.ShopRef, at time.Time, channels ChannelOf) (PriceCheck, error) {
	res := PriceCheck{At: at, Violations: []domain.PriceViolation{}, Drift: []PriceDrift{}, Sources: map[string]string{}, Warnings: []string{}}
	live := &livePrices{st: st, channels: channels, shops: map[domain.ShopRef]*liveShop{}}
	heartbeat := activity.IsActivity(ctx)
	err := store.EachProduct(ctx, st, "", 0, func(prod domain.Product) error {
		if heartbeat {
			activity.RecordHeartbeat(ctx, prod.Code)
		}
		prices := make(map[string]map[domain.ShopRef]domain.Money, len(prod.SKUs))
		for _, sku := range prod.SKUs {
			p, err := st.LivePrices(ctx, sku.Code)
			if err != nil {
				return err
			}
			prices[sku.Code] = p
		}
		if err := live.read(ctx, prod, prices); err != nil {
			return err
		}
		for _, sku := range prod.SKUs {
			res.CheckedSKUs++
			vs, drift := checkSKUPrices(pol, prod, sku, prices[sku.Code], only, at)
			res.Violations = append(res.Violations, vs...)
			res.Drift = append(res.Drift, drift...)
			if only == nil {
				for s := range prices[sku.Code] {
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
		res.Sources[s.String()] = live.source(s)
	}
	for s := range live.shops {
		res.Sources[s.String()] = live.source(s)
	}
	sort.Slice(res.Shops, func(i, j int) bool { return res.Shops[i].String() < res.Shops[j].String() })
	if res.Shops == nil {
		res.Shops = []domain.ShopRef{}
	}
	res.Warnings = append(res.Warnings, live.warnings...)
	if live.dropped > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("… and %d more warnings", live.dropped))
	}
	return res, nil
}

// livePrices replaces, product by product, the last pushed prices of the
// shops whose connector reads prices with what their platform shows.
type livePrices struct {
	st       store.Store
	channels ChannelOf // nil: last pushed prices only
	shops    map[domain.ShopRef]*liveShop
	warnings []string
	dropped  int // warnings beyond MaxReportedFailures
}

// liveShop is what is known of reading one shop's prices.
type liveShop struct {
	reader connectors.PriceReader // nil: its last pushed prices
	read   int                    // products read from the platform
	failed bool                   // a read failed: last pushed prices from then on
}

func (l *livePrices) warn(format string, args ...any) {
	if len(l.warnings) >= MaxReportedFailures-1 {
		l.dropped++
		return
	}
	l.warnings = append(l.warnings, fmt.Sprintf(format, args...))
}

// shop returns what is known of a shop, asking channels for its connector
// the first time.
func (l *livePrices) shop(ref domain.ShopRef) *liveShop {
	if s := l.shops[ref]; s != nil {
		return s
	}
	s := &liveShop{}
	l.shops[ref] = s
	if l.channels == nil {
		return s
	}
	ch, err := l.channels(ref)
	switch {
	case domain.ErrorCode(err) == domain.ENotFound: // not served here
	case err != nil:
		l.warn("%s: no connector (%v): its last pushed prices are checked", ref, err)
	default:
		s.reader, _ = ch.(connectors.PriceReader)
	}
	return s
}

// source is where a shop's prices came from.
func (l *livePrices) source(ref domain.ShopRef) string {
	s := l.shop(ref)
	switch {
	case s.reader == nil || (s.failed && s.read == 0):
		return SourceLastPushed
	case s.failed:
		return SourceMixed
	}
	return SourcePlatform
}

// read replaces in prices (SKU code → shop → price of the on-sale
// listings) the last pushed prices of one product with its platform prices,
// shop by shop: one ReadPrices per item of the product the shop lists, with
// the ids of the shop's listings. A store error fails the check; a platform
// error is a warning.
func (l *livePrices) read(ctx context.Context, prod domain.Product, prices map[string]map[domain.ShopRef]domain.Money) error {
	var refs []domain.ShopRef
	seen := map[domain.ShopRef]bool{}
	for _, sku := range prod.SKUs {
		for s := range prices[sku.Code] {
			if !seen[s] {
				seen[s] = true
				refs = append(refs, s)
			}
		}
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].String() < refs[j].String() })
	for _, ref := range refs {
		s := l.shop(ref)
		if s.reader == nil || s.failed {
			continue
		}
		listings, err := l.st.Listings(ctx, ref, prod.Code)
		if err != nil {
			return err
		}
		var items []string
		byItem := map[string]*connectors.ProductIDs{}
		for _, ls := range listings {
			if ls.ItemID == "" {
				continue
			}
			ids := byItem[ls.ItemID]
			if ids == nil {
				ids = &connectors.ProductIDs{ItemID: ls.ItemID, SKUIDs: map[string]string{}}
				byItem[ls.ItemID] = ids
				items = append(items, ls.ItemID)
			}
			ids.SKUIDs[ls.SKUCode] = ls.PlatformSKUID
		}
		for _, item := range items {
			ids := byItem[item]
			onSale := false
			for code := range ids.SKUIDs {
				_, ok := prices[code][ref]
				onSale = onSale || ok
			}
			if !onSale {
				continue
			}
			shown, err := s.reader.ReadPrices(ctx, *ids)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			switch {
			case domain.ErrorCode(err) == domain.ENotFound:
				l.warn("%s: product %s (item %s) is not on the platform: %v; its last pushed prices are checked", ref, prod.Code, item, err)
				continue
			case err != nil:
				s.failed = true
				l.warn("%s: reading the platform's prices failed at product %s (item %s): %v; its last pushed prices are checked from there on (%d products read before)",
					ref, prod.Code, item, err, s.read)
			}
			if s.failed {
				break
			}
			s.read++
			codes := make([]string, 0, len(ids.SKUIDs))
			for code := range ids.SKUIDs {
				codes = append(codes, code)
			}
			sort.Strings(codes)
			for _, code := range codes {
				if _, ok := prices[code][ref]; !ok {
					continue // not on sale there: not checked
				}
				if p, ok := shown[code]; ok {
					prices[code][ref] = p
				} else {
					l.warn("%s: SKU %s is not shown on the platform (item %s): its last pushed price is checked", ref, code, item)
				}
			}
		}
	}
	return nil
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
// force now, reading the prices of the shops this worker serves from their
// platforms where their connectors can.
func (a *Activities) CheckShopPrices(ctx context.Context, shop domain.ShopRef) (PriceCheck, error) {
	res, err := CheckPrices(ctx, a.Store, a.pricing(), map[domain.ShopRef]bool{shop: true}, &shop, a.now(), a.Shops.Get)
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
