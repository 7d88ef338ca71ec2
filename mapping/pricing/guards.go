package pricing

import (
	"fmt"
	"sort"
	"strings"

	"github.com/syncctl/syncctl/domain"
)

// The guard types live in domain (a held write is a record the store
// keeps and the CLI shows); these names keep the guard code readable.
type (
	Guard     = domain.PriceGuard
	Action    = domain.GuardAction
	Violation = domain.PriceViolation
)

// The price guards and actions (see domain).
const (
	GuardFloor      = domain.GuardFloor
	GuardParity     = domain.GuardParity
	GuardChangeSize = domain.GuardChangeSize

	Pass          = domain.GuardPass
	NeedsApproval = domain.GuardNeedsApproval
	Block         = domain.GuardBlock
)

// Verdict is the strongest action of the violations: Block if any blocks,
// else NeedsApproval if any, else Pass.
func Verdict(vs []Violation) Action { return domain.Verdict(vs) }

// Minimum is an explicit lowest price: an amount, or a share of the SKU's
// list price (a brand's policy is usually "never below 85 % of list").
type Minimum struct {
	Price  domain.Money // fen
	OfList int          // basis points of the list price: 8500 = 85 %
}

// ParseMinimum reads "45.00" (yuan) or "85%" (of the list price).
func ParseMinimum(s string) (Minimum, error) {
	if t := strings.TrimSpace(s); strings.HasSuffix(t, "%") {
		bp, err := ParsePercent(t)
		if err != nil || bp <= 0 || strings.HasPrefix(t, "+") {
			return Minimum{}, fmt.Errorf("%q: write a share of the list price above 0%% (\"85%%\")", s)
		}
		return Minimum{OfList: bp}, nil
	}
	m, err := ParseAmount(s)
	return Minimum{Price: m}, err
}

// Limit is the minimum for a list price, rounded up to the fen.
func (m Minimum) Limit(list domain.Money) domain.Money {
	if m.OfList > 0 {
		return scale(list, int64(m.OfList), up)
	}
	return m.Price
}

func (m Minimum) String() string {
	if m.OfList > 0 {
		return domain.FormatRate(m.OfList) + " of list price"
	}
	return m.Price.Yuan()
}

// Floor is the lowest price any shop may show: cost × (1 + Margin), and
// the explicit minimum advertised price of the SKU and of its brand; the
// highest of those that apply binds. It blocks, unless AllowOverride lets
// an approval through.
type Floor struct {
	Margin int                // basis points over cost: 1500 = at least cost × 1.15; a SKU without cost (0) has no margin floor
	SKUs   map[string]Minimum // by SKU code
	Brands map[string]Minimum // by Product.Brand
	// AllowOverride turns a floor violation from Block into NeedsApproval.
	AllowOverride bool
}

// Limit is the binding floor of a SKU and the name of the rule that sets
// it ("floor.margin", "floor.skus.<code>", "floor.brands.<brand>"); 0 and
// "" when none applies. The margin floor rounds up to the fen.
func (f Floor) Limit(p domain.Product, sku domain.SKU) (domain.Money, string) {
	var limit domain.Money
	rule := ""
	consider := func(m domain.Money, name string) {
		if m > limit {
			limit, rule = m, name
		}
	}
	if sku.Cost > 0 {
		consider(scale(sku.Cost, 10000+int64(f.Margin), up), "floor.margin")
	}
	if m, ok := f.SKUs[sku.Code]; ok {
		consider(m.Limit(sku.ListPrice), "floor.skus."+sku.Code)
	}
	if m, ok := f.Brands[p.Brand]; ok && p.Brand != "" {
		consider(m.Limit(sku.ListPrice), "floor.brands."+p.Brand)
	}
	return limit, rule
}

// Check is the floor violation of a price on a shop, or nil. A price ≤ 0
// is always blocked, whatever the configuration: it is no price.
func (f Floor) Check(p domain.Product, sku domain.SKU, shop domain.ShopRef, price domain.Money) *Violation {
	v := &Violation{Guard: GuardFloor, Action: Block, SKU: sku.Code, Shop: shop, Price: price}
	if price <= 0 {
		v.Limit, v.Reason = 1, fmt.Sprintf("price %s: a price must be more than 0", price.Yuan())
		return v
	}
	limit, rule := f.Limit(p, sku)
	if price >= limit {
		return nil
	}
	if f.AllowOverride {
		v.Action = NeedsApproval
	}
	v.Limit = limit
	switch {
	case rule == "floor.margin":
		v.Reason = fmt.Sprintf("%s: %s is below %s = cost %s %s", rule, price.Yuan(), limit.Yuan(), sku.Cost.Yuan(), FormatPercent(f.Margin))
	case strings.HasPrefix(rule, "floor.skus."):
		v.Reason = fmt.Sprintf("%s: %s is below the minimum advertised price %s (%s)", rule, price.Yuan(), limit.Yuan(), f.SKUs[sku.Code])
	default:
		v.Reason = fmt.Sprintf("%s: %s is below the brand's minimum advertised price %s (%s)", rule, price.Yuan(), limit.Yuan(), f.Brands[p.Brand])
	}
	return v
}

// ChangeLimit is the biggest step a price may take in one write without
// approval: Down 3000 = at most 30 % lower, Up 5000 = at most 50 % higher
// than the price before the write; 0 means no limit that way.
type ChangeLimit struct {
	Name  string        // "pricing.changes[0]", for the reason
	Shops []ShopPattern // the shops it holds (Policy.ChangeLimitFor picks)
	Down  int           // basis points, < 10000
	Up    int           // basis points
}

// Check is the change-size violation of moving old to price, or nil. A
// first price (old ≤ 0) has nothing to compare with. Bounds: the lowest
// price allowed rounds up, the highest down.
func (c ChangeLimit) Check(sku string, shop domain.ShopRef, old, price domain.Money) *Violation {
	if old <= 0 || price == old {
		return nil
	}
	v := &Violation{Guard: GuardChangeSize, Action: NeedsApproval, SKU: sku, Shop: shop, Price: price, ReferencePrice: old}
	name := c.Name
	if name == "" {
		name = "change limit"
	}
	switch {
	case c.Down > 0 && price < scale(old, 10000-int64(c.Down), up):
		v.Limit = scale(old, 10000-int64(c.Down), up)
		v.Reason = fmt.Sprintf("%s: %s → %s is more than %s down (lowest without approval %s)", name, old.Yuan(), price.Yuan(), domain.FormatRate(c.Down), v.Limit.Yuan())
	case c.Up > 0 && price > scale(old, 10000+int64(c.Up), down):
		v.Limit = scale(old, 10000+int64(c.Up), down)
		v.Reason = fmt.Sprintf("%s: %s → %s is more than %s up (highest without approval %s)", name, old.Yuan(), price.Yuan(), domain.FormatRate(c.Up), v.Limit.Yuan())
	default:
		return nil
	}
	return v
}

// guardRank orders violations as they are read: what blocks first.
var guardRank = map[Guard]int{GuardFloor: 0, GuardParity: 1, GuardChangeSize: 2}

// CheckWrite runs every price guard on one write: price replaces old on
// shop; live holds the prices of the SKU on every shop where it is on sale
// now (the shop's own entry, if any, is replaced). It returns the floor and
// change-size violations of the write and the parity violations of the
// prices that would be live after it that involve the shop, as the shop
// held or as the reference (a rise on the reference shop that leaves
// another below its band is the write's violation). Sorted floor, parity,
// change size, then by shop. Verdict says what to do with them.
func (p Policy) CheckWrite(prod domain.Product, sku domain.SKU, shop domain.ShopRef, old, price domain.Money, live map[domain.ShopRef]domain.Money) []Violation {
	var out []Violation
	if v := p.Floor.Check(prod, sku, shop, price); v != nil {
		out = append(out, *v)
	}
	if v := p.ChangeLimitFor(shop).Check(sku.Code, shop, old, price); v != nil {
		out = append(out, *v)
	}
	after := make(map[domain.ShopRef]domain.Money, len(live)+1)
	for s, m := range live {
		after[s] = m
	}
	after[shop] = price
	out = append(out, Involving(CheckParity(p.Parity, sku.Code, after), shop)...)
	sort.SliceStable(out, func(i, j int) bool {
		if ri, rj := guardRank[out[i].Guard], guardRank[out[j].Guard]; ri != rj {
			return ri < rj
		}
		return out[i].Shop.String() < out[j].Shop.String()
	})
	return out
}
