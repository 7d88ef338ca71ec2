package wechat

import (
	"encoding/json"

	"github.com/syncctl/syncctl/domain"

	"github.com/syncctl/syncctl/sandbox/kit"
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
	if err := kit.Index(s.Persist, st.Orders, s.orders,
		func(o *order) (string, bool) { return o.ID, domain.Digits(o.ID) && len(o.ID) >= 13 }, "order %d has no id"); err != nil {
		return err
	}
	if err := kit.Index(s.Persist, st.Pool, s.pool,
		func(it *leagueItem) (string, bool) { return it.ProductID, s.products[it.ProductID] != nil }, "pool entry %d names no product"); err != nil {
		return err
	}
	if err := kit.Index(s.Persist, st.Cases, s.cases,
		func(c *afterSale) (string, bool) { return c.ID, domain.Digits(c.ID) && s.orders[c.OrderID] != nil }, "after-sales case %d has no id or order"); err != nil {
		return err
	}
	s.nextID = max(s.nextID, st.NextID)
	return nil
}

func (s *Server) snapshot() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := stateFile{Version: stateVersion, NextID: s.nextID}
	st.Products = kit.SortedValues(s.products)
	st.Orders = kit.SortedValues(s.orders)
	for _, id := range s.sortedProductIDs() {
		if it := s.pool[id]; it != nil {
			st.Pool = append(st.Pool, it)
		}
	}
	st.Cases = s.sortedCases()
	return json.Marshal(st)
}
