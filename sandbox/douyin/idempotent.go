package douyin

import (
	"time"
)

// SubIdempotentExisted answers a /sku/syncStock whose idempotent_id the
// platform has applied before: 40003 with this sub code (channels.md §5.3
// lists it under 40003). The stock is not touched again. UNCONFIRMED:
// whether the real platform answers this error or a plain success to a
// repeat, and how long it remembers an id; the connector keeps the same.
const SubIdempotentExisted = "isv.idempotent-id-existed"

// IdempotentWindow is how long an applied idempotent_id is remembered.
// UNCONFIRMED (not seen in a source).
const IdempotentWindow = 24 * time.Hour

// maxIdempotentLen bounds an idempotent_id. UNCONFIRMED.
const maxIdempotentLen = 64

// seenIdempotent reports whether id was applied within IdempotentWindow
// and forgets older ids (under s.mu).
func (s *Server) seenIdempotent(id string) bool {
	now := s.cfg.Now()
	for k, at := range s.idempotent {
		if now.Sub(at) > IdempotentWindow {
			delete(s.idempotent, k)
		}
	}
	_, ok := s.idempotent[id]
	return ok
}

// StockWrites returns how many /sku/syncStock calls changed the stock of
// a product's SKU (a repeated idempotent_id does not count): a test sees
// a retried update land once.
func (s *Server) StockWrites(productID, skuID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.products[productID]; p != nil {
		return p.StockWrites[skuID]
	}
	return 0
}
