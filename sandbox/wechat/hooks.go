package wechat

import (
	"strconv"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// SetReviewGets sets how many product/get calls a review takes before it
// passes or fails (at least 1; DefaultReviewGets).
func (s *Server) SetReviewGets(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reviewGets = max(1, n)
}

// RejectNext makes the next review of the product with that out_product_id
// fail with reason.
func (s *Server) RejectNext(outProductID, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejects[outProductID] = reason
}

// ExpireTokens makes every issued token expired (42001) as if its 7200 s
// had passed; stable_token then hands out a new one.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	kit.ExpireAll(s.tokens, s.cfg.Now())
}

// ForgetTokens makes every issued token unknown (40001), as a force_refresh
// by another client would.
func (s *Server) ForgetTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens, s.current = map[string]time.Time{}, ""
}

// Stock returns a SKU's stock by its out_sku_id (ok false when unknown).
func (s *Server) Stock(outSKUID string) (n int, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range s.sortedProductIDs() {
		p := s.products[id]
		for _, k := range p.Draft.SKUs {
			if k.OutSKUID == outSKUID {
				return p.Stock[k.SKUID], true
			}
		}
	}
	return 0, false
}

// AdminItems lists every product as the admin API shows it: the online
// copy when there is one, else the draft.
func (s *Server) AdminItems() []kit.Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	items := []kit.Item{}
	for _, id := range s.sortedProductIDs() {
		p := s.products[id]
		c := p.Draft
		if p.Online != nil {
			c = *p.Online
		}
		it := kit.Item{ItemID: p.ID, OuterID: p.OutProductID, Status: strconv.Itoa(p.Status), OnSale: p.Status == statusListed, SKUs: []kit.ItemSKU{}}
		for _, k := range c.SKUs {
			it.SKUs = append(it.SKUs, kit.ItemSKU{SKUID: k.SKUID, OuterID: k.OutSKUID, PriceFen: k.SalePrice, Stock: p.Stock[k.SKUID]})
		}
		items = append(items, it)
	}
	return items
}

// Reset empties the shop (tokens included) and the test knobs.
func (s *Server) Reset() {
	s.reset()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reviewGets, s.rejects, s.casePage = DefaultReviewGets, map[string]string{}, DefaultAfterSalePage
	s.Persist.Changed()
}

func itoa(i int) string { return strconv.Itoa(i) }

// Pool returns the 优选联盟 pool: product_id → ratio (percent).
func (s *Server) Pool() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for id, it := range s.pool {
		out[id] = it.Ratio
	}
	return out
}

// AddFault injects a fault, as POST /_sandbox/faults does.
func (s *Server) AddFault(f kit.Fault) error {
	_, err := s.Faults.Add(f)
	return err
}
