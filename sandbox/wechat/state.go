package wechat

import (
	"encoding/json"
	"sort"

	"github.com/syncctl/syncctl/domain"
)

// stateVersion is the layout of the state file.
const stateVersion = 1

// stateFile is what the sandbox keeps across restarts: products, orders,
// the 优选联盟 pool, after-sales cases and the id counter (the last three
// arrived without a version change: older files load with none). Tokens are runtime only: after a restart the old
// token is unknown (40001) and the connector fetches a new one.
type stateFile struct {
	Version  int           `json:"version"`
	NextID   int64         `json:"next_id"`
	Products []*product    `json:"products"`
	Orders   []*order      `json:"orders"`
	Pool     []*leagueItem `json:"pool,omitempty"`
	Cases    []*afterSale  `json:"after_sales,omitempty"`
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
			return s.Persist.Invalid("product %d has no id", i+1)
		}
		if p.Stock == nil {
			p.Stock = map[string]int{}
		}
		s.products[p.ID] = p
	}
	for i, o := range st.Orders {
		if o == nil || !domain.Digits(o.ID) || len(o.ID) < 13 {
			return s.Persist.Invalid("order %d has no id", i+1)
		}
		s.orders[o.ID] = o
	}
	for i, it := range st.Pool {
		if it == nil || s.products[it.ProductID] == nil {
			return s.Persist.Invalid("pool entry %d names no product", i+1)
		}
		s.pool[it.ProductID] = it
	}
	for i, c := range st.Cases {
		if c == nil || !domain.Digits(c.ID) || s.orders[c.OrderID] == nil {
			return s.Persist.Invalid("after-sales case %d has no id or order", i+1)
		}
		s.cases[c.ID] = c
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
	for _, id := range s.sortedProductIDs() {
		if it := s.pool[id]; it != nil {
			st.Pool = append(st.Pool, it)
		}
	}
	st.Cases = s.sortedCases()
	return json.Marshal(st)
}
