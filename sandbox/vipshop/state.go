package vipshop

import (
	"encoding/json"
	"github.com/syncctl/syncctl/sandbox/kit"
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
	Cancels     []*cancelApply       `json:"cancel_applications,omitempty"`
}

func (s *Server) load() error {
	var st stateFile
	if found, err := s.Persist.Load(&st); err != nil || !found {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := kit.Index(s.Persist, st.Products, s.products,
		func(p *product) (string, bool) { return p.SPUID, digits(p.SPUID) }, "product %d has no spu_id"); err != nil {
		return err
	}
	if err := kit.Index(s.Persist, st.Orders, s.orders,
		func(o *order) (string, bool) { return o.ID, digits(o.ID) }, "order %d has no order_id"); err != nil {
		return err
	}
	for k, v := range st.Access {
		s.access[k] = v
	}
	for k, v := range st.Refresh {
		s.refresh[k] = v
	}
	s.initialUsed = st.InitialUsed
	for i, c := range st.Cancels {
		if c == nil || s.orders[c.OrderID] == nil {
			return s.Persist.Invalid("cancel application %d names no known order", i+1)
		}
	}
	s.cancels = st.Cancels
	s.nextID = max(s.nextID, st.NextID)
	return nil
}

func (s *Server) snapshot() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := stateFile{Version: stateVersion, NextID: s.nextID, Access: s.access, Refresh: s.refresh, InitialUsed: s.initialUsed}
	st.Products = kit.SortedValues(s.products)
	st.Orders = kit.SortedValues(s.orders)
	st.Cancels = s.cancels
	return json.Marshal(st)
}
