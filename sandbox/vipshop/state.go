package vipshop

import (
	"encoding/json"
	"time"
)

// stateVersion is the layout of the state file.
const stateVersion = 1

// stateFile is what the sandbox keeps across restarts: products, orders,
// the id counter and the tokens it issued (a worker's stored token and
// refresh token stay valid, as on the real platform). Faults, stats and
// test knobs are runtime only.
type stateFile struct {
	Version     int                  `json:"version"`
	NextID      int64                `json:"next_id"`
	Access      map[string]time.Time `json:"access_tokens"`
	Refresh     map[string]time.Time `json:"refresh_tokens"`
	InitialUsed bool                 `json:"initial_refresh_used"`
	Products    []*product           `json:"products"`
	Orders      []*order             `json:"orders"`
}

func (s *Server) load() error {
	var st stateFile
	if found, err := s.Persist.Load(&st); err != nil || !found {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, p := range st.Products {
		if p == nil || !digits(p.SPUID) {
			return s.Persist.Invalid("product %d has no spu_id", i+1)
		}
		s.products[p.SPUID] = p
	}
	for i, o := range st.Orders {
		if o == nil || !digits(o.ID) {
			return s.Persist.Invalid("order %d has no order_id", i+1)
		}
		s.orders[o.ID] = o
	}
	for k, v := range st.Access {
		s.access[k] = v
	}
	for k, v := range st.Refresh {
		s.refresh[k] = v
	}
	s.initialUsed = st.InitialUsed
	s.nextID = max(s.nextID, st.NextID)
	return nil
}

func (s *Server) snapshot() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := stateFile{Version: stateVersion, NextID: s.nextID, Access: s.access, Refresh: s.refresh, InitialUsed: s.initialUsed,
		Products: []*product{}, Orders: []*order{}}
	for _, id := range s.sortedProductIDs() {
		st.Products = append(st.Products, s.products[id])
	}
	for _, id := range s.sortedOrderIDs() {
		st.Orders = append(st.Orders, s.orders[id])
	}
	return json.Marshal(st)
}
