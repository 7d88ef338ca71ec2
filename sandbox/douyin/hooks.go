package douyin

import (
	"strconv"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// SetReview sets how long a review takes (≤ 0: DefaultReviewDelay) and
// the share of reviews that fail (0 to 1).
func (s *Server) SetReview(delay time.Duration, rejectRate float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if delay <= 0 {
		delay = DefaultReviewDelay
	}
	s.reviewDelay, s.rejectRate = delay, min(max(rejectRate, 0), 1)
}

// RejectNext makes the next review of the product with that
// outer_product_id fail with reason.
func (s *Server) RejectNext(outerProductID, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejects[outerProductID] = reason
}

// ExpireTokens makes every issued access token expired (40003
// isv.access-token-expired); refresh tokens stay good.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	kit.ExpireAll(s.tokens, s.cfg.Now())
}

// ForgetTokens drops every access and refresh token, as a revoked
// authorization does.
func (s *Server) ForgetTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens, s.refresh = map[string]time.Time{}, map[string]time.Time{}
}

// SettleOrder completes an order and settles its 精选联盟 commissions.
func (s *Server) SettleOrder(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[id]
	if o == nil {
		return kit.ErrNotFound
	}
	o.Status = orderCompleted
	for _, l := range o.Lines {
		l.Settled = true
	}
	s.touch(o)
	s.push(s.orderMsg(TagOrderDone, o, nil))
	s.Persist.Changed()
	return nil
}

// Plan returns a product's 精选联盟 commission in basis points and
// whether its plan is open.
func (s *Server) Plan(productID string) (bp int, open bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.products[productID]; p != nil {
		return p.PlanBP, p.PlanOpen
	}
	return 0, false
}

// AddFault injects a fault, as POST /_sandbox/faults does.
func (s *Server) AddFault(f kit.Fault) error {
	_, err := s.Faults.Add(f)
	return err
}

// AdminItems lists every product as the admin API shows it: the online
// copy when there is one, else the content in review. Status is
// "<status>/<check_status>".
func (s *Server) AdminItems() []kit.Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	items := []kit.Item{}
	for _, id := range s.sortedProductIDs() {
		p := s.products[id]
		s.review(p)
		c := p.Draft
		if p.Online != nil {
			c = *p.Online
		}
		it := kit.Item{ItemID: p.ID, OuterID: p.OuterProductID, Status: strconv.Itoa(p.Status) + "/" + strconv.Itoa(p.CheckStatus),
			OnSale: p.Status == statusOnline && p.Online != nil, SKUs: []kit.ItemSKU{}}
		for _, k := range c.SKUs {
			it.SKUs = append(it.SKUs, kit.ItemSKU{SKUID: k.SKUID, OuterID: k.OuterSKUID, PriceFen: k.Price, Stock: p.Stock[k.SKUID]})
		}
		items = append(items, it)
	}
	return items
}

// Reset empties the shop and the test knobs; issued tokens stay.
func (s *Server) Reset() {
	s.reset()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reviewDelay, s.rejectRate, s.rejects = s.cfg.ReviewDelay, s.cfg.RejectRate, map[string]string{}
	s.Persist.Changed()
}
