package wechat

import (
	"encoding/json"
	"sort"

	"github.com/syncctl/syncctl/domain"
)

// stateVersion is the layout of the state file.
const stateVersion = 1

// stateFile is what the sandbox keeps across restarts: products, orders
// and the id counter. Tokens are runtime only: after a restart the old
// token is unknown (40001) and the connector fetches a new one.
type stateFile struct {
	Version  int        `json:"version"`
	NextID   int64      `json:"next_id"`
	Products []*product `json:"products"`
	Orders   []*order   `json:"orders"`
}

func (s *Server) load() error {
	var st stateFile
	if found, err := s.persist.Load(&st); err != nil || !found {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, p := range st.Products {
		if p == nil || !domain.Digits(p.ID) {
			return s.persist.Invalid("product %d has no id", i+1)
		}
		if p.Stock == nil {
			p.Stock = map[string]int{}
		}
		s.products[p.ID] = p
	}
	for i, o := range st.Orders {
		if o == nil || !domain.Digits(o.ID) || len(o.ID) < 13 {
			return s.persist.Invalid("order %d has no id", i+1)
		}
		s.orders[o.ID] = o
	}
	s.nextID = max(s.nextID, st.NextID)
	return nil
}

func (s *Server) snapshot() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := stateFile{Version: stateVersion, NextID: s.nextID, Products: []*product{}, Orders: []*order{}}
	for _, id := range s.sortedProductIDs() {
		st.Products = append(st.Products, s.products[id])
	}
	for _, o := range s.orders {
		st.Orders = append(st.Orders, o)
	}
	sort.Slice(st.Orders, func(i, j int) bool { return st.Orders[i].ID < st.Orders[j].ID })
	return json.Marshal(st)
}
