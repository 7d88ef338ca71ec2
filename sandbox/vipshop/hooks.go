package vipshop

import (
	"fmt"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// SetReviewDelay sets how long after submitProducts a review ends (0: at
// the next read).
func (s *Server) SetReviewDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reviewDelay = max(0, d)
}

// SetRejectRate sets the share of reviews that fail (0 to 1).
func (s *Server) SetRejectRate(r float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectRate = min(max(0, r), 1)
}

// RejectNext makes the next review of the product with that outer_spu_id
// fail with reason.
func (s *Server) RejectNext(outerSPUID, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejects[outerSPUID] = reason
}

// SetCartHold makes carts hold n units of a SKU (by outer_sku_id): an
// updateSkuStock below it reports over_sell_quantity.
func (s *Server) SetCartHold(outerSKUID string, n int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.products {
		for _, k := range p.SKUs {
			if k.OuterSKUID == outerSKUID {
				k.CartHold = n
				return nil
			}
		}
	}
	return fmt.Errorf("no sku %s", outerSKUID)
}

// ExpireTokens makes every access token expired, as after its lifetime;
// refresh tokens stay valid.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	kit.ExpireAll(s.access, s.cfg.Now())
}

// RevokeAuthorization forgets every token, refresh tokens included, as when
// the merchant revokes the app: only a new authorization helps.
func (s *Server) RevokeAuthorization() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.access, s.refresh, s.initialUsed = map[string]time.Time{}, map[string]time.Time{}, true
}

// Stock returns a SKU's sellable stock by outer_sku_id.
func (s *Server) Stock(outerSKUID string) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.products {
		for _, k := range p.SKUs {
			if k.OuterSKUID == outerSKUID {
				return k.Stock, true
			}
		}
	}
	return 0, false
}

// DeliverOrder has the buyer sign for a shipped order (22 → 25).
func (s *Server) DeliverOrder(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[id]
	switch {
	case o == nil:
		return kit.ErrNotFound
	case o.Status != statusShipped:
		return fmt.Errorf("status %s: only a shipped order (22) is signed for", o.Status)
	}
	o.Status = statusSigned
	s.touch(o)
	s.Persist.Changed()
	return nil
}

// AdminItems lists every product as the admin API shows it (status: the
// audit_status; on sale: approved and on shelf).
func (s *Server) AdminItems() []kit.Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	items := []kit.Item{}
	for _, id := range s.sortedProductIDs() {
		p := s.products[id]
		s.advance(p)
		it := kit.Item{ItemID: p.SPUID, OuterID: p.OuterSPUID, Status: p.Audit, OnSale: p.Shelf == shelfOn && p.EverApproved, SKUs: []kit.ItemSKU{}}
		for _, k := range p.SKUs {
			it.SKUs = append(it.SKUs, kit.ItemSKU{SKUID: k.SKUID, OuterID: k.OuterSKUID, PriceFen: k.SaleFen, Stock: k.Stock})
		}
		items = append(items, it)
	}
	return items
}

// Reset empties the shop and the test knobs. The authorization's tokens
// stay: a connector goes on with the token it holds.
func (s *Server) Reset() {
	s.mu.Lock()
	access, refresh, used := s.access, s.refresh, s.initialUsed
	s.mu.Unlock()
	s.reset()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.access, s.refresh, s.initialUsed = access, refresh, used
	s.reviewDelay, s.rejectRate, s.rejects = s.cfg.ReviewDelay, s.cfg.RejectRate, map[string]string{}
	s.Persist.Changed()
}

// AddFault injects a fault, as POST /_sandbox/faults does.
func (s *Server) AddFault(f kit.Fault) error {
	_, err := s.Faults.Add(f)
	return err
}

// SeedProduct puts an approved, on-shelf product of one SKU in the shop, as
// if it had been pushed and reviewed (for demos and tests of the order side).
func (s *Server) SeedProduct(outerSPUID, outerSKUID string, priceFen int64, stock int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byOuter(outerSPUID) != nil || s.outerSKUs()[outerSKUID] {
		return fmt.Errorf("product %s or sku %s exists", outerSPUID, outerSKUID)
	}
	p := &product{SPUID: s.newID(5, 1e10), OuterSPUID: outerSPUID, Title: outerSPUID, CategoryID: 1, BrandID: 1, Audit: auditApproved,
		Shelf: shelfOn, EverApproved: true, Images: []image{{URL: "https://img.example.com/" + outerSPUID + ".jpg", Index: 1}},
		SKUs: []*sku{{SKUID: s.newID(6, 1e10), OuterSKUID: outerSKUID, MarketFen: priceFen, SaleFen: priceFen, Stock: stock}}}
	s.products[p.SPUID] = p
	s.Persist.Changed()
	return nil
}

// CountOrders counts the orders in a status ("10", "97", …).
func (s *Server) CountOrders(status string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceCancels()
	n := 0
	for _, o := range s.orders {
		if o.Status == status {
			n++
		}
	}
	return n
}

// SetCarriers narrows the shop's getCarriers (and what ship accepts) to
// these carrier codes, as a shop that has not enabled every carrier; none
// restores the full list.
func (s *Server) SetCarriers(codes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onlyCarriers = nil
	if len(codes) > 0 {
		s.onlyCarriers = map[string]bool{}
		for _, c := range codes {
			s.onlyCarriers[c] = true
		}
	}
}
