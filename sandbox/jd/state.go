package jd

import (
	"encoding/json"
	"sort"
	"time"
)

// stateVersion is the layout of the state file.
const stateVersion = 1

// stateFile is what the sandbox keeps across restarts: wares, orders, the
// id counter and the tokens it issued (JD's tokens outlive a restart, so a
// connector's stored refresh token must still work after one). Faults and
// stats are runtime only.
type stateFile struct {
	Version int                  `json:"version"`
	NextID  int64                `json:"next_id"`
	Wares   []*ware              `json:"wares"`
	Orders  []*order             `json:"orders"`
	Access  map[string]time.Time `json:"access_tokens"`
	Refresh []string             `json:"refresh_tokens"`
}

func (s *Server) load() error {
	var st stateFile
	if found, err := s.Persist.Load(&st); err != nil || !found {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, w := range st.Wares {
		if w == nil || w.ID <= 0 {
			return s.Persist.Invalid("ware %d has no wareId", i+1)
		}
		s.wares[w.ID] = w
	}
	for i, o := range st.Orders {
		if o == nil || o.ID == "" {
			return s.Persist.Invalid("order %d has no orderId", i+1)
		}
		s.orders[o.ID] = o
	}
	for tok, exp := range st.Access {
		s.access[tok] = exp
	}
	if st.Refresh != nil {
		// The file knows which refresh tokens are still live: the seed may
		// have been used before the restart.
		s.refresh = map[string]bool{}
		for _, r := range st.Refresh {
			s.refresh[r] = true
		}
	}
	s.nextID = max(s.nextID, st.NextID)
	return nil
}

func (s *Server) snapshot() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := stateFile{Version: stateVersion, NextID: s.nextID, Wares: []*ware{}, Orders: []*order{}, Access: s.access, Refresh: []string{}}
	for _, id := range s.sortedWareIDs() {
		st.Wares = append(st.Wares, s.wares[id])
	}
	for _, o := range s.orders {
		st.Orders = append(st.Orders, o)
	}
	sort.Slice(st.Orders, func(i, j int) bool { return st.Orders[i].ID < st.Orders[j].ID })
	for r := range s.refresh {
		st.Refresh = append(st.Refresh, r)
	}
	sort.Strings(st.Refresh)
	return json.Marshal(st)
}
