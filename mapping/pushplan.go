// Package mapping holds syncctl's pure transformations: no I/O, no clocks
// read, no globals. Platform payload mappings live in one subpackage per
// platform (mapping/tmall); this package holds the platform-neutral ones.
package mapping

import (
	"sort"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
)

// ChannelPrice is the price a SKU is offered at on a shop. Until per-channel
// price rules arrive it is the master list price.
func ChannelPrice(_ domain.ShopRef, s domain.SKU) domain.Money { return s.ListPrice }

// ChannelStock is the stock offered on a shop. Until stock allocation arrives
// it is the master stock.
func ChannelStock(_ domain.ShopRef, s domain.SKU) int { return s.Stock }

// PushPlan is what must happen on one shop to bring one product up to date:
// either a whole upsert (new product, or content changed) or the price and
// stock updates of the SKUs that differ. An up-to-date product has neither.
type PushPlan struct {
	Shop    domain.ShopRef
	Product domain.Product
	Hash    string
	Upsert  *connectors.ProductPush
	Prices  []connectors.PriceUpdate
	Stocks  []connectors.StockUpdate
	At      time.Time
	prev    map[string]domain.ChannelListing
}

// PlanProductPush compares a product with its listings on the shop.
func PlanProductPush(shop domain.ShopRef, p domain.Product, listings []domain.ChannelListing, at time.Time) *PushPlan {
	plan := &PushPlan{Shop: shop, Product: p, Hash: p.ContentHash(), At: at, prev: map[string]domain.ChannelListing{}}
	var ids *connectors.ProductIDs
	mayExist := false
	for _, l := range listings {
		plan.prev[l.SKUCode] = l
		if l.ItemID != "" {
			if ids == nil {
				ids = &connectors.ProductIDs{ItemID: l.ItemID, SKUIDs: map[string]string{}}
			}
			if l.PlatformSKUID != "" {
				ids.SKUIDs[l.SKUCode] = l.PlatformSKUID
			}
		} else if l.Status == domain.ListingPending || l.Status == domain.ListingFailed {
			mayExist = true // an earlier create was attempted and its answer not recorded
		}
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
			push.Prices[s.Code] = ChannelPrice(shop, s)
			push.Stocks[s.Code] = ChannelStock(shop, s)
		}
		plan.Upsert = &push
		return plan
	}
	for _, s := range sortedSKUs(p) {
		l := plan.prev[s.Code]
		skuIDs := connectors.ProductIDs{ItemID: l.ItemID, SKUIDs: map[string]string{s.Code: l.PlatformSKUID}}
		if price := ChannelPrice(shop, s); price != l.Price {
			plan.Prices = append(plan.Prices, connectors.PriceUpdate{SKUCode: s.Code, IDs: skuIDs, Price: price})
		}
		if stock := ChannelStock(shop, s); stock != l.Stock {
			plan.Stocks = append(plan.Stocks, connectors.StockUpdate{SKUCode: s.Code, IDs: skuIDs, Quantity: stock})
		}
	}
	return plan
}

// UpToDate reports that the shop already shows the product as the catalog
// has it: nothing to push.
func (p *PushPlan) UpToDate() bool {
	return p.Upsert == nil && len(p.Prices) == 0 && len(p.Stocks) == 0
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
		l.PushedAt = p.At
	})
}

// PriceSaved records one successful price update.
func (p *PushPlan) PriceSaved(u connectors.PriceUpdate) []domain.ChannelListing {
	l := p.prev[u.SKUCode]
	l.Price, l.LastError, l.PushedAt = u.Price, "", p.At
	p.prev[u.SKUCode] = l
	return []domain.ChannelListing{l}
}

// StockSaved records one successful stock update.
func (p *PushPlan) StockSaved(u connectors.StockUpdate) []domain.ChannelListing {
	l := p.prev[u.SKUCode]
	l.Stock, l.LastError, l.PushedAt = u.Quantity, "", p.At
	p.prev[u.SKUCode] = l
	return []domain.ChannelListing{l}
}

// Failed records the reason on every SKU. Ids already known are kept, ids
// the platform gave before the failure (a create whose read-back failed)
// are recorded, and the content hash is left as it was so the product is
// pushed again: as an update when its item id is known.
func (p *PushPlan) Failed(cause error, got connectors.ProductIDs) []domain.ChannelListing {
	return p.each(func(l *domain.ChannelListing, s domain.SKU) {
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
