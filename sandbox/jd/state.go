package jd

import (
	"encoding/json"
	"sort"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
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
	if err := kit.Index(s.Persist, st.Wares, s.wares,
		func(w *ware) (int64, bool) { return w.ID, w.ID > 0 }, "ware %d has no wareId"); err != nil {
		return err
	}
	if err := kit.Index(s.Persist, st.Orders, s.orders,
		func(o *order) (string, bool) { return o.ID, o.ID != "" }, "order %d has no orderId"); err != nil {
		return err
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
	st := stateFile{Version: stateVersion, NextID: s.nextID, Access: s.access, Refresh: []string{}}
	st.Wares = kit.SortedValues(s.wares)
	st.Orders = kit.SortedValues(s.orders)
	for r := range s.refresh {
		st.Refresh = append(st.Refresh, r)
	}
	sort.Strings(st.Refresh)
	return json.Marshal(st)
}
