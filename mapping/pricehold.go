package mapping

import (
	"fmt"

	"github.com/syncctl/syncctl/domain"
)

// PriceWrite is one price a push plan would send: a SKU whose price on the
// shop is to change. Old is what the shop shows now; 0 when the SKU is not
// on the shop yet (its first price).
type PriceWrite struct {
	SKU   domain.SKU
	Old   domain.Money
	Price domain.Money
}

// PriceWrites lists, by SKU code, the prices the plan would send: every
// price update, and the prices of an upsert that differ from what the shop
// shows. The price guards check each before anything is sent (Withhold).
func (p *PushPlan) PriceWrites() []PriceWrite {
	var out []PriceWrite
	if p.Upsert != nil {
		for _, s := range sortedSKUs(p.Product) {
			old := p.shows(s.Code)
			if price := p.Upsert.Prices[s.Code]; price != old {
				out = append(out, PriceWrite{SKU: s, Old: old, Price: price})
			}
		}
		return out
	}
	skus := make(map[string]domain.SKU, len(p.Product.SKUs))
	for _, s := range p.Product.SKUs {
		skus[s.Code] = s
	}
	for _, u := range p.Prices {
		out = append(out, PriceWrite{SKU: skus[u.SKUCode], Old: p.shows(u.SKUCode), Price: u.Price})
	}
	return out
}

// shows is the price the shop shows for a SKU: the last one pushed, or 0
// when the SKU is not on the shop (never sent, or ended).
func (p *PushPlan) shows(code string) domain.Money {
	l, ok := p.prev[code]
	if !ok || l.ItemID == "" || l.Status == domain.ListingRemoved || l.Status == domain.ListingHeld {
		return 0
	}
	return l.Price
}

// Withhold takes the held prices out of the plan before anything is sent:
// a held price update is dropped; an upsert keeps a held SKU at the price
// the shop shows, and is dropped whole when a held SKU has none there (a
// product or a SKU can't be created without its price). The rest of the
// plan (other SKUs' prices, every stock write, ended listings) goes on.
func (p *PushPlan) Withhold(held map[string]domain.PriceHold) {
	if len(held) == 0 {
		return
	}
	p.held = held
	kept := p.Prices[:0]
	for _, u := range p.Prices {
		if _, h := held[u.SKUCode]; !h {
			kept = append(kept, u)
		}
	}
	p.Prices = kept
	if p.Upsert == nil {
		return
	}
	for code := range held {
		old := p.shows(code)
		if old <= 0 {
			p.Upsert, p.Relist, p.heldWhole = nil, false, true
			return
		}
		p.Upsert.Prices[code] = old
	}
}

// Held reports whether the plan withholds any price.
func (p *PushPlan) Held() bool { return len(p.held) > 0 }

// HeldListings records the holds on the listings, once the rest of the
// plan is done: each held SKU's last error is its hold; a product withheld
// whole is held on every SKU not on the shop (its other SKUs wait for the
// held price, and say which).
func (p *PushPlan) HeldListings() []domain.ChannelListing {
	if !p.Held() {
		return nil
	}
	first := ""
	for _, s := range sortedSKUs(p.Product) {
		if _, ok := p.held[s.Code]; ok {
			first = s.Code
			break
		}
	}
	var out []domain.ChannelListing
	for _, l := range p.each(func(l *domain.ChannelListing, s domain.SKU) {
		h, held := p.held[s.Code]
		switch {
		case held:
			l.LastError = h.Summary()
		case p.heldWhole:
			l.LastError = fmt.Sprintf("not sent: the product waits for the held price of %s (%s)", first, p.held[first].Summary())
		default:
			return
		}
		if p.heldWhole && p.shows(s.Code) == 0 && l.Status != domain.ListingRemoved {
			l.Status = domain.ListingHeld
		}
	}) {
		if _, held := p.held[l.SKUCode]; held || p.heldWhole {
			out = append(out, l)
		}
	}
	return out
}
