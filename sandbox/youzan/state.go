package youzan

import (
	"encoding/json"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// stateVersion is the layout of the state file.
const stateVersion = 1

// stateFile is what a sandbox keeps across restarts: items, orders and the
// id counter. Tokens, faults and stats are runtime only.
type stateFile struct {
	Version int      `json:"version"`
	NextID  int64    `json:"next_id"`
	Items   []*item  `json:"items"`
	Orders  []*order `json:"orders"`
}

func (s *Server) load() error {
	var st stateFile
	if found, err := s.Persist.Load(&st); err != nil || !found {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := kit.Index(s.Persist, st.Items, s.items,
		func(it *item) (int64, bool) { return it.ID, it.ID > 0 }, "item %d has no id"); err != nil {
		return err
	}
	if err := kit.Index(s.Persist, st.Orders, s.orders,
		func(o *order) (string, bool) { return o.Tid, len(o.Tid) >= 2 && o.Tid[0] == 'E' }, "order %d has no tid"); err != nil {
		return err
	}
	s.nextID = max(s.nextID, st.NextID)
	return nil
}

func (s *Server) snapshot() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := stateFile{Version: stateVersion, NextID: s.nextID}
	st.Items = kit.SortedValues(s.items)
	st.Orders = kit.SortedValues(s.orders)
	return json.Marshal(st)
}
