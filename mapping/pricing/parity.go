package pricing

import (
	"fmt"
	"sort"
	"strings"

	"github.com/syncctl/syncctl/domain"
)

// Band is where a shop's price may lie relative to a reference price:
// Lower and Upper move the reference (a percentage or an amount); nil is
// open on that side. "0%.." is "at least the reference", "-5%..+10%"
// "within −5 % and +10 %", "-3.00.." "no more than 3 yuan below".
type Band struct {
	Lower, Upper *Adjustment
}

// ParseBand reads "LOW..HIGH", either side an adjustment ("0%", "-5%",
// "+10%", "-3.00") or empty for open.
func ParseBand(s string) (Band, error) {
	lo, hi, ok := strings.Cut(strings.TrimSpace(s), "..")
	if !ok {
		return Band{}, fmt.Errorf("%q is not a band (write \"0%%..\", \"-5%%..+10%%\" or \"-3.00..\")", s)
	}
	var b Band
	for _, side := range []struct {
		text string
		dst  **Adjustment
	}{{lo, &b.Lower}, {hi, &b.Upper}} {
		if strings.TrimSpace(side.text) == "" {
			continue
		}
		a, err := ParseAdjustment(side.text)
		if err != nil {
			return Band{}, err
		}
		*side.dst = &a
	}
	if b.Lower == nil && b.Upper == nil {
		return Band{}, fmt.Errorf("%q is open on both sides: it holds nothing", s)
	}
	if b.Lower != nil && b.Upper != nil && (b.Lower.Amount != 0) == (b.Upper.Amount != 0) {
		// Same kind: comparable without a reference price.
		if b.Lower.BP > b.Upper.BP || b.Lower.Amount > b.Upper.Amount {
			return Band{}, fmt.Errorf("%q: the lower side is above the upper side", s)
		}
	}
	return b, nil
}

// Limits are the lowest and highest prices the band allows around a
// reference price (0 where it is open). The lowest rounds up and the
// highest down, so comparing a price with them is exact.
func (b Band) Limits(ref domain.Money) (lo, hi domain.Money) {
	if b.Lower != nil {
		lo = b.Lower.bound(ref, up)
	}
	if b.Upper != nil {
		hi = b.Upper.bound(ref, down)
	}
	return lo, hi
}

func (a Adjustment) bound(ref domain.Money, r rounding) domain.Money {
	if a.BP != 0 {
		return scale(ref, 10000+int64(a.BP), r)
	}
	return a.Apply(ref)
}

// String writes the band as it is configured.
func (b Band) String() string {
	s := ""
	if b.Lower != nil {
		s = b.Lower.String()
	}
	s += ".."
	if b.Upper != nil {
		s += b.Upper.String()
	}
	return s
}

// ParityRule holds the shops its patterns select to a band around the
// price of one reference shop: "every kuaishou and douyin shop ≥
// tmall/flagship" is {[kuaishou/*, douyin/*], tmall/flagship, 0%..}.
type ParityRule struct {
	Name      string        // "pricing.parity[1]", for the reason
	Shops     []ShopPattern // the shops held
	Reference domain.ShopRef
	Band      Band
}

// CheckParity checks the prices that would be live after a write, across
// all shops: live holds, for every shop where the SKU is on sale, the price
// it would show (promotions included). A rule whose reference shop does
// not sell the SKU has nothing to compare with and holds nothing; the
// reference shop is never held to its own rule. Each violation names the
// shop out of its band; violations come in rule order, then by shop.
// Parity needs approval: it never blocks by itself.
func CheckParity(rules []ParityRule, sku string, live map[domain.ShopRef]domain.Money) []Violation {
	shops := make([]domain.ShopRef, 0, len(live))
	for s := range live {
		shops = append(shops, s)
	}
	sort.Slice(shops, func(i, j int) bool { return shops[i].String() < shops[j].String() })
	var out []Violation
	for i, r := range rules {
		ref, ok := live[r.Reference]
		if !ok {
			continue
		}
		lo, hi := r.Band.Limits(ref)
		name := r.Name
		if name == "" {
			name = fmt.Sprintf("parity rule %d", i)
		}
		for _, s := range shops {
			if s == r.Reference || !matchAny(r.Shops, s) {
				continue
			}
			price := live[s]
			v := Violation{Guard: GuardParity, Action: NeedsApproval, SKU: sku, Shop: s, Price: price,
				Reference: r.Reference, ReferencePrice: ref}
			rule := fmt.Sprintf("%s (%s within %s of %s)", name, patternList(r.Shops), r.Band, r.Reference)
			switch {
			case r.Band.Lower != nil && price < lo:
				v.Limit = lo
				v.Reason = fmt.Sprintf("%s: %s %s is below %s (%s %s %s)", rule, s, price.Yuan(), lo.Yuan(), r.Reference, ref.Yuan(), r.Band.Lower)
			case r.Band.Upper != nil && price > hi:
				v.Limit = hi
				v.Reason = fmt.Sprintf("%s: %s %s is above %s (%s %s %s)", rule, s, price.Yuan(), hi.Yuan(), r.Reference, ref.Yuan(), r.Band.Upper)
			default:
				continue
			}
			out = append(out, v)
		}
	}
	return out
}

// Involving keeps the violations a write on shop is answerable for: those
// of the shop itself and those where it is the reference. A shop already
// out of its band before an unrelated write does not hold that write.
func Involving(vs []Violation, shop domain.ShopRef) []Violation {
	var out []Violation
	for _, v := range vs {
		if v.Shop == shop || v.Reference == shop {
			out = append(out, v)
		}
	}
	return out
}
