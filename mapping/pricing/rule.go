package pricing

import (
	"fmt"
	"strings"
	"time"

	"github.com/syncctl/syncctl/domain"
)

// China has one time zone and no daylight saving: promotions are shown
// in it, and the configuration reads a time without an offset in it.
var chinaTime = time.FixedZone("CST", 8*3600)

// ChinaTime is UTC+8, the zone promotion times are written and shown in.
func ChinaTime() *time.Location { return chinaTime }

// Rounding brings a computed price down to a price point: the largest
// price ≤ the computed one that ends in Ending within every Step. Rounding
// only ever goes down, so it never lifts a price above what the rule says;
// a price below the first price point (0.50 with "0.9") is kept as it is.
//
//	"none"  {0, 0}        65.89 → 65.89
//	"whole" {0, 1 yuan}   65.89 → 65.00
//	"0.9"   {0.90, 1}     65.89 → 64.90, 65.95 → 65.90
//	"0.99"  {0.99, 1}     65.89 → 64.99
//	"9"     {9, 10}       65.89 → 59.00
//	"9.9"   {9.90, 10}    65.89 → 59.90
//	"99"    {99, 100}     265.00 → 199.00
type Rounding struct {
	Ending domain.Money // what the price ends in, fen
	Step   domain.Money // the interval it repeats in, fen; 0: no rounding
}

// ParseRounding reads "none" (or ""), "whole" or an ending in yuan. The
// step of an ending is the smallest power of ten yuan above it (at least 1
// yuan): "0.9" and "0.09" repeat every yuan, "9" and "9.9" every ten.
func ParseRounding(s string) (Rounding, error) {
	switch t := strings.TrimSpace(s); t {
	case "", "none":
		return Rounding{}, nil
	case "whole":
		return Rounding{Step: 100}, nil
	default:
		e, err := domain.ParseYuan(t)
		if err != nil || e <= 0 || strings.HasPrefix(t, "+") {
			return Rounding{}, fmt.Errorf("%q is not a rounding (write none, whole, \"0.9\", \"0.99\", \"9\" or \"9.9\")", s)
		}
		step := domain.Money(100)
		for step <= e {
			step *= 10
		}
		return Rounding{Ending: e, Step: step}, nil
	}
}

// Apply rounds m down to the price point.
func (r Rounding) Apply(m domain.Money) domain.Money {
	if r.Step <= 0 || m <= 0 {
		return m
	}
	q := m - ((m-r.Ending)%r.Step+r.Step)%r.Step
	if q <= 0 {
		return m
	}
	return q
}

// String writes the rounding as it is configured.
func (r Rounding) String() string {
	switch {
	case r.Step == 0:
		return "none"
	case r.Ending == 0:
		return "whole"
	}
	return strings.TrimSuffix(strings.TrimRight(r.Ending.Yuan(), "0"), ".")
}

// Promotion is a time-boxed price: from Start until End (End excluded) the
// SKUs it names sell Off their regular price, or at Price.
type Promotion struct {
	Name       string    // shown in the derivation: "双11"
	Start, End time.Time // [Start, End)
	// Codes names SKU codes or SPU codes (a whole product); empty: every
	// SKU of the shop.
	Codes []string
	// Off is what comes off: BP 2000 = 20 % off, Amount 1000 = 10 yuan off.
	// Positive values only; either Off or Price is set.
	Off   Adjustment
	Price domain.Money // a fixed promotion price
}

// Active reports whether the promotion runs at t.
func (p Promotion) Active(t time.Time) bool { return !t.Before(p.Start) && t.Before(p.End) }

// Covers reports whether the promotion applies to the SKU.
func (p Promotion) Covers(prod domain.Product, sku domain.SKU) bool {
	if len(p.Codes) == 0 {
		return true
	}
	for _, c := range p.Codes {
		if c == sku.Code || c == prod.Code {
			return true
		}
	}
	return false
}

// apply is the promotion price of a regular price, and how it is written
// in a derivation.
func (p Promotion) apply(regular domain.Money) (domain.Money, string) {
	until := " until " + p.End.In(chinaTime).Format("2006-01-02 15:04")
	if p.Price > 0 {
		return p.Price, p.Name + " at " + p.Price.Yuan() + until
	}
	off := Adjustment{BP: -p.Off.BP, Amount: -p.Off.Amount}
	return off.Apply(regular), p.Name + " " + off.String() + until
}

// Rule is how one shop prices a SKU from the master list price. The zero
// Rule sells at the list price.
type Rule struct {
	Name  string        // where the rule comes from, for the derivation: "pricing.rules[1]"
	Shops []ShopPattern // the shops it prices (Policy.RuleFor picks the most specific)
	// Adjust is the markup (+) or markdown (−) on the list price.
	Adjust   Adjustment
	Rounding Rounding
	// Fixed is the shop's price of a SKU (by SKU code); it replaces the
	// list price, the adjustment and the rounding. Promotions still apply
	// to it.
	Fixed      map[string]domain.Money
	Promotions []Promotion
}

// StepKind names one step of a derivation.
type StepKind string

// The steps of a derivation, in the order Price takes them.
const (
	StepList      StepKind = "list"      // the master list price
	StepFixed     StepKind = "fixed"     // the shop's fixed price of the SKU
	StepAdjust    StepKind = "adjust"    // markup or markdown
	StepRounding  StepKind = "rounding"  // down to a price point
	StepPromotion StepKind = "promotion" // the promotion in force, if any
)

// Step is one step of a price's derivation: what was done and the price
// after it.
type Step struct {
	Kind  StepKind     `json:"kind"`
	Note  string       `json:"note"` // "+10%", "0.9", "双11 -20% until 2025-11-12 00:00"
	Price domain.Money `json:"price"`
}

// Derivation is how a price came about, step by step, for `syncctl prices
// explain`: the first step is the list price, the last one's price is the
// result.
type Derivation []Step

// String writes the derivation on one line:
// "list price 59.90 → +10% 65.89 → rounding 0.9 64.90 → 双11 -20% until 2025-11-12 00:00 51.92".
func (d Derivation) String() string {
	parts := make([]string, 0, len(d))
	for _, s := range d {
		switch s.Kind {
		case StepList:
			parts = append(parts, "list price "+s.Price.Yuan())
		case StepRounding:
			parts = append(parts, "rounding "+s.Note+" "+s.Price.Yuan())
		default:
			parts = append(parts, s.Note+" "+s.Price.Yuan())
		}
	}
	return strings.Join(parts, " → ")
}

// Price is the price the shop shows for the SKU at a time, and how it
// came about. Order: the fixed price of the SKU, else the list price with
// the adjustment and then the rounding (the regular price); then the
// promotion in force that gives the lowest price, if it is below the
// regular one. Promotions do not stack, and their result is not rounded:
// "20 % off" is exactly 20 % off (half up to the fen), as the platform's
// discount badge will claim. A price that comes out ≤ 0 is returned as 0,
// which the floor guard always blocks.
func (r Rule) Price(p domain.Product, sku domain.SKU, at time.Time) (domain.Money, Derivation) {
	d := Derivation{{Kind: StepList, Note: "list price", Price: sku.ListPrice}}
	price := sku.ListPrice
	if fixed, ok := r.Fixed[sku.Code]; ok {
		price = fixed
		d = append(d, Step{Kind: StepFixed, Note: "fixed price for " + sku.Code, Price: price})
	} else {
		if !r.Adjust.IsZero() {
			price = r.Adjust.Apply(price)
			d = append(d, Step{Kind: StepAdjust, Note: r.Adjust.String(), Price: price})
		}
		if r.Rounding.Step > 0 {
			price = r.Rounding.Apply(price)
			d = append(d, Step{Kind: StepRounding, Note: r.Rounding.String(), Price: price})
		}
	}
	best, note := price, ""
	for _, promo := range r.Promotions {
		if !promo.Active(at) || !promo.Covers(p, sku) {
			continue
		}
		if v, n := promo.apply(price); v < best {
			best, note = v, n
		}
	}
	if note != "" {
		price = best
		d = append(d, Step{Kind: StepPromotion, Note: note, Price: price})
	}
	if price < 0 {
		price = 0
		d[len(d)-1].Price = 0
	}
	return price, d
}

// NextChange is the first promotion start or end strictly after a time:
// when the rule's prices may change by themselves, for a durable timer.
// false: no promotion starts or ends after it.
func (r Rule) NextChange(after time.Time) (time.Time, bool) {
	var next time.Time
	for _, p := range r.Promotions {
		for _, t := range []time.Time{p.Start, p.End} {
			if t.After(after) && (next.IsZero() || t.Before(next)) {
				next = t
			}
		}
	}
	return next, !next.IsZero()
}

// Policy is the whole pricing configuration: the price rules per shop and
// the guards every price write passes.
type Policy struct {
	Rules   []Rule
	Floor   Floor
	Parity  []ParityRule
	Changes []ChangeLimit
	// Approvals is how long a held write waits for an answer and what its
	// silence means.
	Approvals Approvals
}

// DefaultApprovalExpiry is how long a held write waits for an operator
// when the configuration says nothing: a working day and a night.
const DefaultApprovalExpiry = 24 * time.Hour

// Approvals configures the answers to held writes.
type Approvals struct {
	Expire time.Duration // 0: DefaultApprovalExpiry
	// ApproveOnExpiry approves what nobody answered in time; by default it
	// expires, and is never sent.
	ApproveOnExpiry bool
}

// ApprovalExpiry is how long a held write waits for an answer.
func (p Policy) ApprovalExpiry() time.Duration {
	if p.Approvals.Expire > 0 {
		return p.Approvals.Expire
	}
	return DefaultApprovalExpiry
}

// RuleFor is the rule of the shop: the one whose pattern matches it most
// specifically (tmall/flagship over tmall/* over *); the zero Rule (list
// price) when none does.
func (p Policy) RuleFor(shop domain.ShopRef) Rule {
	if i := mostSpecific(len(p.Rules), func(i int) []ShopPattern { return p.Rules[i].Shops }, shop); i >= 0 {
		return p.Rules[i]
	}
	return Rule{}
}

// ChangeLimitFor is the change limit of the shop, chosen as RuleFor
// chooses; the zero ChangeLimit (no limit) when none matches.
func (p Policy) ChangeLimitFor(shop domain.ShopRef) ChangeLimit {
	if i := mostSpecific(len(p.Changes), func(i int) []ShopPattern { return p.Changes[i].Shops }, shop); i >= 0 {
		return p.Changes[i]
	}
	return ChangeLimit{}
}

// NextChange is the first promotion start or end of any rule strictly
// after a time (one timer for every shop).
func (p Policy) NextChange(after time.Time) (time.Time, bool) {
	var next time.Time
	for _, r := range p.Rules {
		if t, ok := r.NextChange(after); ok && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	return next, !next.IsZero()
}
