package kuaishou

import "github.com/syncctl/syncctl/sandbox/kit"

func errNotFound() error { return kit.ErrNotFound }

// Reset implements kit.Shop: no items, orders, plans or calls recorded.
// Tokens and the order mix stay.
func (s *Server) Reset() {
	s.reset()
	s.mu.Lock()
	s.Persist.Changed()
	s.mu.Unlock()
}

// ExpireTokens makes every issued access token expired, as 48 hours after
// it was issued; refresh tokens keep working.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	for t := range s.access {
		s.access[t] = now
	}
}

// Refreshes is how many refreshes the platform granted, and how many of
// them used a refresh token already rotated (let through inside the grace).
// A connector that never refreshes twice with one token makes no reuse.
func (s *Server) Refreshes() (granted, reused int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refreshes, s.reuses
}

// RefreshTokenLive reports whether a refresh token still refreshes now.
func (s *Server) RefreshTokenLive(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt := s.refresh[tok]
	now := s.cfg.Now()
	return rt != nil && now.Before(rt.Expires) && (rt.Rotated.IsZero() || now.Before(rt.Rotated.Add(s.grace)))
}

// OrderCount is how many orders the shop has.
func (s *Server) OrderCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.orders)
}

// Shipment is how an order shipped ("" and 0 when it has not).
func (s *Server) Shipment(oid string) (expressNo string, expressCode int, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.order(oid)
	if err != nil {
		return "", 0, 0
	}
	return o.ExpressNo, o.ExpressCode, o.Status
}
