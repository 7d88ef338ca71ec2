package pricing

import (
	"sort"
	"time"

	"github.com/syncctl/syncctl/domain"
)

// ShopShare is how much of a SKU's stock one shop is offered.
//   - Share: a part of the pool (basis points: 5000 = 50 %), rounded down
//     to whole units; with Cap, at most Cap units.
//   - Cap alone: up to Cap units of what the shares leave.
//   - Shared: the shop sees the shared pool, what the dedicated shops
//     leave (up to Cap if set). Several shared shops see the same units:
//     that is the one way the sum offered may exceed the stock, and it is
//     explicit.
//
// A shop with none of them is offered nothing beyond its reservations.
type ShopShare struct {
	Shop   domain.ShopRef
	Share  int // basis points of the pool
	Cap    int // units; 0: no cap
	Shared bool
}

// Reservation dedicates Units of a SKU to one shop from From until Until
// (Until excluded), for a live stream: those units are offered to that
// shop only, on top of its share of the rest.
type Reservation struct {
	SKU         string
	Shop        domain.ShopRef
	Units       int
	From, Until time.Time
}

// Active reports whether the reservation holds at t.
func (r Reservation) Active(t time.Time) bool { return !t.Before(r.From) && t.Before(r.Until) }

// Allocate is the stock each shop is offered for one SKU at a time.
// available is the SKU's sellable stock, safety what is held back from
// every shop, reservations the SKU's (those of other SKUs must not be
// passed; inactive ones are ignored). Steps:
//
//  1. pool = available − safety (0 if negative);
//  2. active reservations take their units from the pool, earliest From
//     first (then by shop), each at most what is left;
//  3. shops with a Share get Share × rest, rounded down, capped; then shops
//     with only a Cap get up to Cap of what is left, in the order given;
//     no shop gets more than is left, whatever the shares add up to;
//  4. shared shops see what is left after steps 2 and 3, capped.
//
// Every shop of shops and of the active reservations is in the result.
// Without shared shops the sum offered never exceeds the pool; with them,
// the dedicated offers plus any one shared shop's offer never do. Units
// the rounding or the shares leave over are held back, never offered.
// A shop listed twice keeps its first entry.
func Allocate(available int, safety int, shops []ShopShare, reservations []Reservation, at time.Time) map[domain.ShopRef]int {
	out := make(map[domain.ShopRef]int, len(shops))
	left := max(available-max(safety, 0), 0)

	active := make([]Reservation, 0, len(reservations))
	for _, r := range reservations {
		if r.Active(at) && r.Units > 0 {
			active = append(active, r)
		}
	}
	sort.SliceStable(active, func(i, j int) bool {
		if !active[i].From.Equal(active[j].From) {
			return active[i].From.Before(active[j].From)
		}
		return active[i].Shop.String() < active[j].Shop.String()
	})
	for _, r := range active {
		u := min(r.Units, left)
		out[r.Shop] += u
		left -= u
	}

	seen := map[domain.ShopRef]bool{}
	var byShare, byCap, shared []ShopShare
	for _, s := range shops {
		if seen[s.Shop] {
			continue
		}
		seen[s.Shop] = true
		if _, ok := out[s.Shop]; !ok {
			out[s.Shop] = 0
		}
		switch {
		case s.Shared:
			shared = append(shared, s)
		case s.Share > 0:
			byShare = append(byShare, s)
		case s.Cap > 0:
			byCap = append(byCap, s)
		}
	}
	rest := left
	for _, s := range byShare {
		u := int(min(int64(rest)*int64(min(s.Share, 10000))/10000, int64(left)))
		if s.Cap > 0 {
			u = min(u, s.Cap)
		}
		out[s.Shop] += u
		left -= u
	}
	for _, s := range byCap {
		u := min(s.Cap, left)
		out[s.Shop] += u
		left -= u
	}
	for _, s := range shared {
		u := left
		if s.Cap > 0 {
			u = min(u, s.Cap)
		}
		out[s.Shop] += u
	}
	return out
}

// NextReservationChange is the first reservation start or end strictly
// after a time: when Allocate's answer changes by itself, for a durable
// timer.
func NextReservationChange(rs []Reservation, after time.Time) (time.Time, bool) {
	var next time.Time
	for _, r := range rs {
		for _, t := range []time.Time{r.From, r.Until} {
			if t.After(after) && (next.IsZero() || t.Before(next)) {
				next = t
			}
		}
	}
	return next, !next.IsZero()
}

// ShareRule is a share written for a shop pattern in the configuration.
type ShareRule struct {
	Shops  []ShopPattern
	Share  int // basis points
	Cap    int // units
	Shared bool
}

// StockPolicy is the stock configuration: the safety stock held back from
// every shop and the shares per shop pattern.
type StockPolicy struct {
	Safety int
	Shares []ShareRule
}

// SharesFor resolves the rules for the shops that sell a SKU, each by its
// most specific pattern (as Policy.RuleFor). A shop no rule matches is
// offered nothing beyond its reservations; the configuration refuses a
// configured shop without a share, so that happens only to shops it does
// not know.
func (p StockPolicy) SharesFor(shops []domain.ShopRef) []ShopShare {
	out := make([]ShopShare, 0, len(shops))
	for _, s := range shops {
		sh := ShopShare{Shop: s}
		if i := mostSpecific(len(p.Shares), func(i int) []ShopPattern { return p.Shares[i].Shops }, s); i >= 0 {
			r := p.Shares[i]
			sh.Share, sh.Cap, sh.Shared = r.Share, r.Cap, r.Shared
		}
		out = append(out, sh)
	}
	return out
}

// Allocate is Allocate with the policy's safety stock and shares.
func (p StockPolicy) Allocate(available int, shops []domain.ShopRef, reservations []Reservation, at time.Time) map[domain.ShopRef]int {
	return Allocate(available, p.Safety, p.SharesFor(shops), reservations, at)
}

// EveryShopShares is the stock policy without a stock section: no safety
// stock, every shop sees the whole stock (less the reservations of
// others), as syncctl did before allocation.
var EveryShopShares = StockPolicy{Shares: []ShareRule{{Shops: []ShopPattern{AnyShop}, Shared: true}}}
