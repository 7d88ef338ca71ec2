package config

import (
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping"
	"github.com/syncctl/syncctl/mapping/pricing"
	"github.com/syncctl/syncctl/platforms"
)

// Pricing is the `pricing:` section as written: price rules per shop
// pattern, the floor, parity rules between shops and change limits.
// Amounts are yuan ("59.90"), percentages have at most two decimals
// ("12.5%"); PricingPolicy turns it into mapping/pricing types.
type Pricing struct {
	Rules   []PriceRule   `yaml:"rules"`
	Floor   *Floor        `yaml:"floor"`
	Parity  []Parity      `yaml:"parity"`
	Changes []ChangeLimit `yaml:"changes"`
	// Approvals: how long a held write waits for an answer ("24h"), and
	// what silence means (on_expiry: reject, the default, or approve).
	Approvals *Approvals `yaml:"approvals"`
}

// Approvals configures the answers to held writes, as written.
type Approvals struct {
	Expire   string `yaml:"expire"`    // a Go duration: "24h", "90m"
	OnExpiry string `yaml:"on_expiry"` // reject (default) or approve
}

// PriceRule is one shop pattern's price rule.
type PriceRule struct {
	Shops      Patterns          `yaml:"shops"`      // "kuaishou/*" or a list of patterns
	Adjust     string            `yaml:"adjust"`     // "+10%", "-5%", "+3.00" (yuan)
	Rounding   string            `yaml:"rounding"`   // none, whole, "0.9", "9", "9.9"
	Fixed      map[string]string `yaml:"fixed"`      // SKU code → price in yuan
	Promotions []Promotion       `yaml:"promotions"` // time-boxed prices
}

// Promotion is a time-boxed promotion as written. Times are RFC 3339
// ("2025-11-10T20:00:00+08:00") or, without an offset, China time
// ("2025-11-10 20:00"); the end is excluded.
type Promotion struct {
	Name  string   `yaml:"name"`
	Start string   `yaml:"start"`
	End   string   `yaml:"end"`
	SKUs  []string `yaml:"skus"`  // SKU or SPU codes; none: every SKU
	Off   string   `yaml:"off"`   // "20%" or "10.00" (yuan) off
	Price string   `yaml:"price"` // or a fixed price in yuan
}

// Floor is the price floor as written.
type Floor struct {
	Margin        string            `yaml:"margin"`         // over cost: "15%"
	SKUs          map[string]string `yaml:"skus"`           // SKU code → "45.00" or "90%" of list
	Brands        map[string]string `yaml:"brands"`         // brand → "85%" of list or "39.00"
	AllowOverride bool              `yaml:"allow_override"` // let an approval through a floor violation
}

// Parity is a parity rule as written: the shops held, the reference shop
// and the band ("0%..", "-5%..+10%", "-3.00..").
type Parity struct {
	Shops     Patterns `yaml:"shops"`
	Reference string   `yaml:"reference"`
	Band      string   `yaml:"band"`
}

// ChangeLimit is the biggest step per write without approval, as written.
type ChangeLimit struct {
	Shops Patterns `yaml:"shops"`
	Down  string   `yaml:"down"` // "30%"
	Up    string   `yaml:"up"`   // "50%"
}

// Stock is the `stock:` section as written: the safety stock and the
// share of each shop pattern.
type Stock struct {
	Safety int     `yaml:"safety"`
	Shares []Share `yaml:"shares"`
}

// Share is one shop pattern's stock share: a percentage, a cap in units,
// both, or shared (sees what the others leave).
type Share struct {
	Shops  Patterns `yaml:"shops"`
	Share  string   `yaml:"share"`
	Cap    int      `yaml:"cap"`
	Shared bool     `yaml:"shared"`
}

// Patterns is one shop pattern or a list of them: `shops: kuaishou/*` or
// `shops: [kuaishou/*, douyin/*]`.
type Patterns []string

// UnmarshalYAML takes a single pattern as a one-item list.
func (p *Patterns) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*p = Patterns{n.Value}
		return nil
	}
	var list []string
	if err := n.Decode(&list); err != nil {
		return err
	}
	*p = list
	return nil
}

// PricingPolicy parses the pricing section; without one every shop sells
// at the list price and no guard holds a write. Errors name the field:
// "config pricing.parity[1].band: …".
func (c Config) PricingPolicy() (pricing.Policy, error) {
	var pol pricing.Policy
	if c.Pricing == nil {
		return pol, nil
	}
	p := c.Pricing
	v := validator{shops: c.shopRefs()}
	for i, r := range p.Rules {
		pol.Rules = append(pol.Rules, v.rule(fmt.Sprintf("pricing.rules[%d]", i), r))
	}
	v.unique("pricing.rules", len(p.Rules), func(i int) Patterns { return p.Rules[i].Shops })
	if p.Floor != nil {
		pol.Floor = v.floor(*p.Floor)
	}
	for i, r := range p.Parity {
		field := fmt.Sprintf("pricing.parity[%d]", i)
		pr := pricing.ParityRule{Name: field, Shops: v.patterns(field+".shops", r.Shops)}
		pr.Reference = v.reference(field+".reference", r.Reference)
		band, err := pricing.ParseBand(r.Band)
		v.check(field+".band", err)
		pr.Band = band
		pol.Parity = append(pol.Parity, pr)
	}
	for i, l := range p.Changes {
		field := fmt.Sprintf("pricing.changes[%d]", i)
		cl := pricing.ChangeLimit{Name: field, Shops: v.patterns(field+".shops", l.Shops)}
		cl.Down = v.percent(field+".down", l.Down, 0, 9999)
		cl.Up = v.percent(field+".up", l.Up, 0, 1000000)
		if l.Down == "" && l.Up == "" {
			v.fail(field, "set down, up or both")
		}
		pol.Changes = append(pol.Changes, cl)
	}
	v.unique("pricing.changes", len(p.Changes), func(i int) Patterns { return p.Changes[i].Shops })
	if a := p.Approvals; a != nil {
		if a.Expire != "" {
			d, err := time.ParseDuration(a.Expire)
			if err == nil && d <= 0 {
				err = fmt.Errorf("%q is not a positive duration", a.Expire)
			}
			v.check("pricing.approvals.expire", err)
			pol.Approvals.Expire = d
		}
		switch a.OnExpiry {
		case "", "reject":
		case "approve":
			pol.Approvals.ApproveOnExpiry = true
		default:
			v.fail("pricing.approvals.on_expiry", fmt.Sprintf("%q: write reject or approve", a.OnExpiry))
		}
	}
	return pol, v.err
}

// StockPolicy parses the stock section. Without one every shop sees the
// whole stock (pricing.EveryShopShares), as before allocation existed.
// With one, every configured shop needs a share, and the shares of the
// configured shops add up to at most 100 %.
func (c Config) StockPolicy() (pricing.StockPolicy, error) {
	if c.Stock == nil {
		return pricing.EveryShopShares, nil
	}
	s := c.Stock
	v := validator{shops: c.shopRefs()}
	pol := pricing.StockPolicy{Safety: s.Safety}
	if s.Safety < 0 {
		v.fail("stock.safety", "must not be negative")
	}
	for i, sh := range s.Shares {
		field := fmt.Sprintf("stock.shares[%d]", i)
		r := pricing.ShareRule{Shops: v.patterns(field+".shops", sh.Shops), Cap: sh.Cap, Shared: sh.Shared}
		r.Share = v.percent(field+".share", sh.Share, 1, 10000)
		switch {
		case sh.Cap < 0:
			v.fail(field+".cap", "must not be negative")
		case sh.Shared && sh.Share != "":
			v.fail(field+".share", "a shared shop sees what the others leave; give it a cap, not a share")
		case !sh.Shared && sh.Share == "" && sh.Cap == 0:
			v.fail(field, "set share, cap or shared: true")
		}
		pol.Shares = append(pol.Shares, r)
	}
	v.unique("stock.shares", len(s.Shares), func(i int) Patterns { return s.Shares[i].Shops })
	if v.err != nil {
		return pol, v.err
	}
	total, parts := 0, []string{}
	for _, shop := range v.shops {
		matched := false
		for _, r := range pol.Shares {
			for _, p := range r.Shops {
				matched = matched || p.Match(shop)
			}
		}
		if !matched {
			v.fail("stock.shares", fmt.Sprintf("shop %s has no share (add a pattern that matches it, or \"*\")", shop))
		}
	}
	for _, share := range pol.SharesFor(v.shops) {
		if !share.Shared && share.Share > 0 {
			total += share.Share
			parts = append(parts, share.Shop.String()+" "+domain.FormatRate(share.Share))
		}
	}
	if v.err == nil && total > 10000 {
		v.fail("stock.shares", fmt.Sprintf("the configured shops' shares add up to %s (%s): more than the stock", domain.FormatRate(total), strings.Join(parts, ", ")))
	}
	return pol, v.err
}

// validatePricing checks both sections without keeping the result.
func (c Config) validatePricing() error {
	if _, err := c.PricingPolicy(); err != nil {
		return err
	}
	_, err := c.StockPolicy()
	return err
}

// Allocation is the stock each configured shop offers of a SKU under the
// stock policy, computed over every shop of the configuration (also those
// other workers serve), so the sum offered never exceeds the master stock
// less the safety stock. Without a stock section every shop offers the
// master stock.
func (c Config) Allocation() (mapping.Allocation, error) {
	if c.Stock == nil {
		return nil, nil
	}
	pol, err := c.StockPolicy()
	if err != nil {
		return nil, err
	}
	return StockAllocation(pol, c.shopRefs()), nil
}

// StockAllocation is a stock policy over a set of shops, as an Allocation.
func StockAllocation(pol pricing.StockPolicy, shops []domain.ShopRef) mapping.Allocation {
	return func(shop domain.ShopRef, s domain.SKU, reserved []pricing.Reservation, at time.Time) int {
		return pol.Allocate(s.Stock, shops, reserved, at)[shop]
	}
}

func (c Config) shopRefs() []domain.ShopRef {
	out := make([]domain.ShopRef, 0, len(c.Shops)+len(c.SandboxShops))
	for _, s := range c.Shops {
		out = append(out, domain.ShopRef{Channel: s.Channel, Shop: s.Shop})
	}
	return append(out, c.SandboxShops...)
}

// validator parses field after field and keeps the first error, so the
// parsing code reads as the list of fields it checks.
type validator struct {
	shops []domain.ShopRef
	err   error
}

func (v *validator) fail(field, msg string) {
	if v.err == nil {
		v.err = fmt.Errorf("config %s: %s", field, msg)
	}
}

func (v *validator) check(field string, err error) {
	if err != nil {
		v.fail(field, err.Error())
	}
}

// patterns parses shop patterns, refusing none and a channel no platform
// registers (a typo would silently select nothing).
func (v *validator) patterns(field string, in Patterns) []pricing.ShopPattern {
	if len(in) == 0 {
		v.fail(field, "required (a shop pattern such as \"kuaishou/*\", or \"*\")")
	}
	var out []pricing.ShopPattern
	for i, s := range in {
		f := field
		if len(in) > 1 {
			f = fmt.Sprintf("%s[%d]", field, i)
		}
		p, err := pricing.ParseShopPattern(s)
		v.check(f, err)
		if _, ok := platforms.Lookup(p.Channel); err == nil && p.Channel != "*" && !ok {
			v.fail(f, fmt.Sprintf("unknown channel %q (this syncctl has %s)", p.Channel, domain.List(platforms.IDs())))
		}
		out = append(out, p)
	}
	return out
}

// unique refuses a pattern written in two entries of one list: which of
// them applies would depend on the order.
func (v *validator) unique(field string, n int, patterns func(i int) Patterns) {
	seen := map[string]int{}
	for i := 0; i < n; i++ {
		for _, s := range patterns(i) {
			p, err := pricing.ParseShopPattern(s)
			if err != nil {
				continue
			}
			if j, dup := seen[p.String()]; dup && j != i {
				v.fail(fmt.Sprintf("%s[%d].shops", field, i), fmt.Sprintf("%s is already in %s[%d]", p, field, j))
			}
			seen[p.String()] = i
		}
	}
}

// reference parses the reference shop of a parity rule: a configured shop.
func (v *validator) reference(field, s string) domain.ShopRef {
	p, err := pricing.ParseShopPattern(s)
	if err != nil || p.Channel == "*" || p.Shop == "*" {
		v.fail(field, fmt.Sprintf("%q is not one shop (write \"tmall/flagship\")", s))
		return domain.ShopRef{}
	}
	ref := domain.ShopRef{Channel: p.Channel, Shop: p.Shop}
	for _, s := range v.shops {
		if s == ref {
			return ref
		}
	}
	v.fail(field, fmt.Sprintf("%s is not a configured shop", ref))
	return ref
}

// percent parses an optional percentage within [lo, hi] basis points.
func (v *validator) percent(field, s string, lo, hi int) int {
	if s == "" {
		return 0
	}
	bp, err := pricing.ParsePercent(s)
	if err == nil && (bp < lo || bp > hi) {
		err = fmt.Errorf("%q is out of range (%s to %s)", s, pricing.FormatPercent(lo), pricing.FormatPercent(hi))
	}
	v.check(field, err)
	return bp
}

func (v *validator) amount(field, s string) domain.Money {
	m, err := pricing.ParseAmount(s)
	v.check(field, err)
	return m
}

func (v *validator) rule(field string, r PriceRule) pricing.Rule {
	out := pricing.Rule{Name: field, Shops: v.patterns(field+".shops", r.Shops)}
	if r.Adjust != "" {
		a, err := pricing.ParseAdjustment(r.Adjust)
		if err == nil && a.BP <= -10000 {
			err = fmt.Errorf("%q leaves no price", r.Adjust)
		}
		v.check(field+".adjust", err)
		out.Adjust = a
	}
	rd, err := pricing.ParseRounding(r.Rounding)
	v.check(field+".rounding", err)
	out.Rounding = rd
	for _, code := range sortedKeys(r.Fixed) {
		if out.Fixed == nil {
			out.Fixed = map[string]domain.Money{}
		}
		out.Fixed[code] = v.amount(field+".fixed."+code, r.Fixed[code])
	}
	for i, p := range r.Promotions {
		out.Promotions = append(out.Promotions, v.promotion(fmt.Sprintf("%s.promotions[%d]", field, i), p))
	}
	return out
}

func (v *validator) promotion(field string, p Promotion) pricing.Promotion {
	out := pricing.Promotion{Name: p.Name, Codes: p.SKUs}
	if strings.TrimSpace(p.Name) == "" {
		v.fail(field+".name", "required (it is shown in every price it makes)")
	}
	out.Start = v.time(field+".start", p.Start)
	out.End = v.time(field+".end", p.End)
	if v.err == nil && !out.End.After(out.Start) {
		v.fail(field+".end", "must be after start")
	}
	switch {
	case (p.Off == "") == (p.Price == ""):
		v.fail(field, "set off (\"20%\" or \"10.00\" yuan) or price, one of them")
	case p.Price != "":
		out.Price = v.amount(field+".price", p.Price)
	default:
		a, err := pricing.ParseAdjustment(p.Off)
		if err == nil && (a.BP < 0 || a.Amount < 0 || a.BP >= 10000 || a.IsZero() || strings.HasPrefix(strings.TrimSpace(p.Off), "+")) {
			err = fmt.Errorf("%q: write what comes off, more than 0 and under 100%% (\"20%%\", \"10.00\")", p.Off)
		}
		v.check(field+".off", err)
		out.Off = a
	}
	return out
}

// Promotion times without an offset are China time: that is how the
// operators who write them read a clock.
var timeLayouts = []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"}

func (v *validator) time(field, s string) time.Time {
	if s == "" {
		v.fail(field, "required (\"2025-11-10 20:00\", China time, or RFC 3339)")
		return time.Time{}
	}
	for _, layout := range timeLayouts {
		if t, err := time.ParseInLocation(layout, strings.TrimSpace(s), pricing.ChinaTime()); err == nil {
			return t
		}
	}
	v.fail(field, fmt.Sprintf("%q is not a time (\"2025-11-10 20:00\", China time, or RFC 3339)", s))
	return time.Time{}
}

func (v *validator) floor(f Floor) pricing.Floor {
	out := pricing.Floor{AllowOverride: f.AllowOverride}
	out.Margin = v.percent("pricing.floor.margin", f.Margin, 0, 1000000)
	parse := func(field string, in map[string]string) map[string]pricing.Minimum {
		if len(in) == 0 {
			return nil
		}
		m := make(map[string]pricing.Minimum, len(in))
		for _, k := range sortedKeys(in) {
			floor, err := pricing.ParseMinimum(in[k])
			v.check(field+"."+k, err)
			m[k] = floor
		}
		return m
	}
	out.SKUs = parse("pricing.floor.skus", f.SKUs)
	out.Brands = parse("pricing.floor.brands", f.Brands)
	return out
}
