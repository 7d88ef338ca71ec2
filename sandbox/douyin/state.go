package douyin

import (
	"encoding/json"
	"time"

	"github.com/syncctl/syncctl/domain"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// stateVersion is the layout of the state file.
const stateVersion = 1

// stateFile is what the sandbox keeps across restarts: products, orders,
// the id counter and the tokens it issued (the platform does not forget a
// token when it restarts, so a connector's token and refresh token stay
// good).
type stateFile struct {
	Version  int                  `json:"version"`
	NextID   int64                `json:"next_id"`
	Tokens   map[string]time.Time `json:"tokens"`
	Refresh  map[string]time.Time `json:"refresh_tokens"`
	Products []*product           `json:"products"`
	Orders   []*order             `json:"orders"`
	// Idempotent holds the syncStock idempotent_ids applied (a restart
	// must not apply a retried one again).
	Idempotent map[string]time.Time `json:"idempotent,omitempty"`
}

func (s *Server) load() error {
	var st stateFile
	if found, err := s.Persist.Load(&st); err != nil || !found {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, p := range st.Products {
		if p == nil || !domain.Digits(p.ID) {
			return s.Persist.Invalid("product %d has no product_id", i+1)
		}
		if p.Stock == nil {
			p.Stock = map[string]int{}
		}
		s.products[p.ID] = p
	}
	for i, o := range st.Orders {
		if o == nil || !domain.Digits(o.ID) || len(o.Lines) == 0 {
			return s.Persist.Invalid("order %d has no order_id or no lines", i+1)
		}
		s.orders[o.ID] = o
		s.orderList = append(s.orderList, o)
	}
	for t, exp := range st.Tokens {
		s.tokens[t] = exp
	}
	for t, exp := range st.Refresh {
		s.refresh[t] = exp
	}
	for id, at := range st.Idempotent {
		s.idempotent[id] = at
	}
	s.nextID = max(s.nextID, st.NextID)
	return nil
}

func (s *Server) snapshot() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := stateFile{Version: stateVersion, NextID: s.nextID, Tokens: s.tokens, Refresh: s.refresh, Orders: s.orderList, Idempotent: s.idempotent}
	st.Products = kit.SortedValues(s.products)
	if st.Orders == nil {
		st.Orders = []*order{}
	}
	return json.Marshal(st)
}
