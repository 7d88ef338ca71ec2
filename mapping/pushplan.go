// Package mapping holds syncctl's pure transformations: no I/O, no clocks
// read, no globals. Platform payload mappings live in one subpackage per
// platform (mapping/tmall); this package holds the platform-neutral ones.
package mapping

import (
	"sort"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping/pricing"
)

// ChannelPrice is the price a SKU is offered at on a shop without a price
// rule: the master list price.
func ChannelPrice(_ domain.ShopRef, _ domain.Product, s domain.SKU) domain.Money { return s.ListPrice }

// ChannelStock is the stock offered on a shop without a stock policy: the
// master stock, less what live-stream reservations of other shops hold
// (pricing.EveryShopShares).
func ChannelStock(shop domain.ShopRef, s domain.SKU, reserved []pricing.Reservation, at time.Time) int {
	if len(reserved) == 0 {
		return s.Stock
	}
	return pricing.EveryShopShares.Allocate(s.Stock, []domain.ShopRef{shop}, reserved, at)[shop]
}

// Allocation gives the stock a shop offers of a SKU at a time, given the
// SKU's live-stream reservations (their remaining units): the
// configuration's stock policy (shares, caps, safety stock) over every
// configured shop, so the sum offered never exceeds what exists.
// ChannelStock is the one without a policy.
type Allocation func(shop domain.ShopRef, s domain.SKU, reserved []pricing.Reservation, at time.Time) int

// Pricer gives the price a shop shows for a SKU now: the configuration's
// price rule of the shop (mapping/pricing.Rule.Price). ChannelPrice is the
// one without rules.
type Pricer func(shop domain.ShopRef, p domain.Product, s domain.SKU) domain.Money

// Offer is what a shop offers of each SKU: its price and its stock. A nil
// field is the list price or the master stock. Reserved are the
// reservations of the product's SKUs (any SKU's; Allocation is given
// those of the SKU it allocates).
type Offer struct {
	Price    Pricer
	Stock    Allocation
	Reserved []pricing.Reservation
}

func (o Offer) stock(shop domain.ShopRef, s domain.SKU, at time.Time) int {
	var mine []pricing.Reservation
	for _, r := range o.Reserved {
		if r.SKU == s.Code {
			mine = append(mine, r)
		}
	}
	if o.Stock == nil {
		return ChannelStock(shop, s, mine, at)
	}
	return o.Stock(shop, s, mine, at)
}

// PushPlan is what must happen on one shop to bring one product up to date:
// first the end of the listings whose SKUs left the catalog (Delist or
// Removals), then either a whole upsert (new product, or content changed)
// or the price and stock updates of the SKUs that differ. An up-to-date
// product has none of them.
type PushPlan struct {
	Shop    domain.ShopRef
	Product domain.Product // a removed product is its code without SKUs
	Hash    string
	// Delist takes off the shelf the item of a product whose every SKU left
	// the catalog (a removed product). Removals end the SKUs that left a
	// product that keeps others: removed where the platform can
	// (connectors.SKURemover), else set to stock 0. Both go before the
	// upsert and the updates, so a product whose new content the platform
	// refuses still stops selling what the catalog dropped.
	Delist   []connectors.ProductIDs
	Removals []SKURemoval
	Upsert   *connectors.ProductPush
	// Relist puts the item back on the shelf after the upsert: the product
	// is back in the catalog after a push delisted it (an update keeps an
	// item off the shelf).
	Relist bool
	Prices []connectors.PriceUpdate
	Stocks []connectors.StockUpdate
	At     time.Time
	prev   map[string]domain.ChannelListing
	gone   []string // SKU codes of the live listings whose SKUs left the catalog, sorted
	// held are the prices Withhold took out, by SKU code; heldWhole: the
	// upsert went with them.
	held      map[string]domain.PriceHold
	heldWhole bool
}

// SKURemoval ends one SKU that left the catalog, on an item that keeps others.
type SKURemoval struct {
	SKUCode string
	IDs     connectors.ProductIDs // the item and this SKU's platform id
}

// PlanProductPush compares a product with its listings on the shop. A
// product removed from the catalog is passed as its code without SKUs.
func PlanProductPush(shop domain.ShopRef, p domain.Product, listings []domain.ChannelListing, at time.Time) *PushPlan {
	return PlanProductPushWith(shop, p, listings, at, Offer{})
}

// PlanProductPushWith is PlanProductPush with the shop's price rule and
// stock allocation.
func PlanProductPushWith(shop domain.ShopRef, p domain.Product, listings []domain.ChannelListing, at time.Time, offer Offer) *PushPlan {
	stock := func(shop domain.ShopRef, s domain.SKU) int { return offer.stock(shop, s, at) }
	price := offer.Price
	if price == nil {
		price = ChannelPrice
	}
	plan := &PushPlan{Shop: shop, Product: p, Hash: p.ContentHash(), At: at, prev: map[string]domain.ChannelListing{}}
	inCatalog := map[string]bool{}
	for _, s := range p.SKUs {
		inCatalog[s.Code] = true
	}
	var ids *connectors.ProductIDs
	mayExist, ended := false, true
	for _, l := range listings {
		plan.prev[l.SKUCode] = l
		removed := l.Status == domain.ListingRemoved
		if !inCatalog[l.SKUCode] && !removed {
			plan.gone = append(plan.gone, l.SKUCode)
		}
		if l.ItemID != "" {
			if ids == nil {
				ids = &connectors.ProductIDs{ItemID: l.ItemID, SKUIDs: map[string]string{}}
			}
			// A removed SKU's platform id may have gone with it (TOP deletes it).
			if l.PlatformSKUID != "" && inCatalog[l.SKUCode] && !removed {
				ids.SKUIDs[l.SKUCode] = l.PlatformSKUID
			}
			ended = ended && removed
		} else if l.Status == domain.ListingPending || l.Status == domain.ListingFailed {
			mayExist = true // an earlier create was attempted and its answer not recorded
		}
	}
	sort.Strings(plan.gone)
	plan.planRemovals()
	if len(p.SKUs) == 0 {
		return plan // removed from the catalog: only its listings to end
	}
	needsUpsert := ids == nil
	for _, s := range p.SKUs {
		l, ok := plan.prev[s.Code]
		if !ok || l.ContentHash != plan.Hash || l.ItemID == "" {
			needsUpsert = true
		}
	}
	if needsUpsert {
		push := connectors.ProductPush{Product: p, Prices: map[string]domain.Money{}, Stocks: map[string]int{},
			Known: ids, MayExist: ids == nil && mayExist}
		for _, s := range p.SKUs {
			push.Prices[s.Code] = price(shop, p, s)
			push.Stocks[s.Code] = stock(shop, s)
		}
		plan.Upsert = &push
		plan.Relist = ids != nil && ended // every listing on the item was ended: a push delisted it
		return plan
	}
	for _, s := range sortedSKUs(p) {
		l := plan.prev[s.Code]
		skuIDs := connectors.ProductIDs{ItemID: l.ItemID, SKUIDs: map[string]string{s.Code: l.PlatformSKUID}}
		if want := price(shop, p, s); want != l.Price {
			plan.Prices = append(plan.Prices, connectors.PriceUpdate{SKUCode: s.Code, IDs: skuIDs, Price: want})
		}
		if want := stock(shop, s); want != l.Stock {
			plan.Stocks = append(plan.Stocks, connectors.StockUpdate{SKUCode: s.Code, IDs: skuIDs, Quantity: want})
		}
	}
	return plan
}

// planRemovals plans the end of the gone listings the platform has: the
// item's delisting when the product has no SKU left, else each SKU's
// removal. A listing without an item id never reached the platform.
func (p *PushPlan) planRemovals() {
	delist := map[string]int{} // item id → index in Delist
	for _, code := range p.gone {
		l := p.prev[code]
		switch {
		case l.ItemID == "":
		case len(p.Product.SKUs) == 0:
			i, ok := delist[l.ItemID]
			if !ok {
				i = len(p.Delist)
				delist[l.ItemID] = i
				p.Delist = append(p.Delist, connectors.ProductIDs{ItemID: l.ItemID, SKUIDs: map[string]string{}})
			}
			if l.PlatformSKUID != "" {
				p.Delist[i].SKUIDs[code] = l.PlatformSKUID
			}
		default:
			p.Removals = append(p.Removals, SKURemoval{SKUCode: code,
				IDs: connectors.ProductIDs{ItemID: l.ItemID, SKUIDs: map[string]string{code: l.PlatformSKUID}}})
		}
	}
}

// UpToDate reports that the shop already shows the product as the catalog
// has it: nothing to push, nothing to end.
func (p *PushPlan) UpToDate() bool {
	return p.Upsert == nil && len(p.Prices) == 0 && len(p.Stocks) == 0 && len(p.toEnd(nil)) == 0
}

// toEnd returns the gone SKU codes whose listings are not ended yet and
// that keep accepts (nil: all of them).
func (p *PushPlan) toEnd(keep func(domain.ChannelListing) bool) []string {
	var out []string
	for _, code := range p.gone {
		if l := p.prev[code]; l.Status != domain.ListingRemoved && (keep == nil || keep(l)) {
			out = append(out, code)
		}
	}
	return out
}

// Unlisted ends, without a call, the gone listings the platform never had
// (no item id: a create that failed or never ran).
func (p *PushPlan) Unlisted() []domain.ChannelListing {
	return p.end(p.toEnd(func(l domain.ChannelListing) bool { return l.ItemID == "" }))
}

// Delisted records that an item of Delist is off the shelf: its gone
// listings are ended.
func (p *PushPlan) Delisted(ids connectors.ProductIDs) []domain.ChannelListing {
	return p.end(p.toEnd(func(l domain.ChannelListing) bool { return l.ItemID == ids.ItemID }))
}

// SKURemoved records that a SKU of Removals is gone from its item (or at
// stock 0 on it).
func (p *PushPlan) SKURemoved(r SKURemoval) []domain.ChannelListing {
	return p.end([]string{r.SKUCode})
}

// end marks listings removed: stock 0, and no content hash, so a SKU that
// comes back to the catalog is pushed again in full.
func (p *PushPlan) end(codes []string) []domain.ChannelListing {
	out := make([]domain.ChannelListing, 0, len(codes))
	for _, code := range codes {
		l := p.prev[code]
		l.Status, l.Stock, l.ContentHash, l.LastError, l.PushedAt = domain.ListingRemoved, 0, "", "", p.At
		p.prev[code] = l
		out = append(out, l)
	}
	return out
}

func sortedSKUs(p domain.Product) []domain.SKU {
	skus := append([]domain.SKU(nil), p.SKUs...)
	sort.Slice(skus, func(i, j int) bool { return skus[i].Code < skus[j].Code })
	return skus
}

// PendingListings marks every SKU as being created, keeping what was known.
func (p *PushPlan) PendingListings() []domain.ChannelListing {
	return p.each(func(l *domain.ChannelListing, _ domain.SKU) {
		l.Status = domain.ListingPending
	})
}

// Pushed records a successful upsert: ids, content hash, price and stock of every SKU.
func (p *PushPlan) Pushed(res connectors.ProductResult) []domain.ChannelListing {
	return p.each(func(l *domain.ChannelListing, s domain.SKU) {
		l.ItemID = res.IDs.ItemID
		l.PlatformSKUID = res.IDs.SKUIDs[s.Code]
		l.ContentHash = p.Hash
		l.Price = p.Upsert.Prices[s.Code]
		l.Stock = p.Upsert.Stocks[s.Code]
		l.Status = res.Status
		l.LastError = ""
		if h, ok := p.held[s.Code]; ok {
			l.LastError = h.Summary() // sent at the price it shows: the new one waits
		}
		l.PushedAt = p.At
		l.OverSell = res.OverSell[s.Code]
	})
}

// PriceSaved records one successful price update.
func (p *PushPlan) PriceSaved(u connectors.PriceUpdate) []domain.ChannelListing {
	l := p.prev[u.SKUCode]
	l.Price, l.LastError, l.PushedAt = u.Price, "", p.At
	p.prev[u.SKUCode] = l
	return []domain.ChannelListing{l}
}

// StockSaved records one successful stock update and the over-sell the
// platform reported with it.
func (p *PushPlan) StockSaved(u connectors.StockUpdate, r connectors.StockResult) []domain.ChannelListing {
	l := p.prev[u.SKUCode]
	l.Stock, l.LastError, l.PushedAt, l.OverSell = u.Quantity, "", p.At, r.OverSell
	p.prev[u.SKUCode] = l
	return []domain.ChannelListing{l}
}

// Failed records the reason on every SKU. Ids already known are kept, ids
// the platform gave before the failure (a create whose read-back failed)
// are recorded, and the content hash is left as it was so the product is
// pushed again: as an update when its item id is known.
//
// The gone listings not ended yet carry the reason too, and stay as they
// were otherwise: the next push ends them.
func (p *PushPlan) Failed(cause error, got connectors.ProductIDs) []domain.ChannelListing {
	out := p.each(func(l *domain.ChannelListing, s domain.SKU) {
		if l.ItemID == "" && got.ItemID != "" {
			l.ItemID = got.ItemID
		}
		if l.PlatformSKUID == "" && got.SKUIDs[s.Code] != "" {
			l.PlatformSKUID = got.SKUIDs[s.Code]
		}
		if l.ItemID == "" {
			l.Status = domain.ListingFailed
		}
		l.LastError = domain.Describe(cause)
	})
	for _, code := range p.toEnd(nil) {
		l := p.prev[code]
		l.LastError = domain.Describe(cause)
		p.prev[code] = l
		out = append(out, l)
	}
	return out
}

// GotIDs reports whether failed listings carry an item id the plan did not
// know: the platform created the item before the failure.
func (p *PushPlan) GotIDs(failed []domain.ChannelListing) bool {
	known := p.Upsert != nil && p.Upsert.Known != nil
	for _, l := range failed {
		if l.ItemID != "" && !known {
			return true
		}
	}
	return false
}

// each returns one listing per SKU of the product, starting from what was
// stored, changed by f.
func (p *PushPlan) each(f func(*domain.ChannelListing, domain.SKU)) []domain.ChannelListing {
	out := make([]domain.ChannelListing, 0, len(p.Product.SKUs))
	for _, s := range sortedSKUs(p.Product) {
		l, ok := p.prev[s.Code]
		if !ok {
			l = domain.ChannelListing{Shop: p.Shop, SKUCode: s.Code, ProductCode: p.Product.Code, Status: domain.ListingPending}
		}
		f(&l, s)
		p.prev[s.Code] = l
		out = append(out, l)
	}
	return out
}
