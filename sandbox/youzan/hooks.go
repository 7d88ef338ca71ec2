package youzan

import (
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
)

func errorsNotFound() error { return kit.ErrNotFound }

// Reset implements kit.Shop: no items, no orders, no calls recorded. Tokens
// and order-query settings stay.
func (s *Server) Reset() {
	s.reset()
	s.mu.Lock()
	s.persist.Changed()
	s.mu.Unlock()
}

// SetOrderLimits sets the largest page_size and the page_no × page_size
// cap of trades.sold.get; zero values restore DefaultPageSize and
// DefaultMaxRows. Tests use small values to make window splitting cheap.
func (s *Server) SetOrderLimits(pageSize, maxRows int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageSize, s.maxRows = DefaultPageSize, DefaultMaxRows
	if pageSize > 0 {
		s.pageSize = pageSize
	}
	if maxRows > 0 {
		s.maxRows = maxRows
	}
}

// ExpireTokens makes every issued token unknown, as after its expiry.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]time.Time{}
}

// Calls is how often each API was called (past the token check).
func (s *Server) Calls(api string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[api]
}
