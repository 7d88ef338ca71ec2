package youzan

import (
	"encoding/json"
	"sort"
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
	for i, it := range st.Items {
		if it == nil || it.ID <= 0 {
			return s.Persist.Invalid("item %d has no id", i+1)
		}
		s.items[it.ID] = it
	}
	for i, o := range st.Orders {
		if o == nil || len(o.Tid) < 2 || o.Tid[0] != 'E' {
			return s.Persist.Invalid("order %d has no tid", i+1)
		}
		s.orders[o.Tid] = o
	}
	s.nextID = max(s.nextID, st.NextID)
	return nil
}

func (s *Server) snapshot() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := stateFile{Version: stateVersion, NextID: s.nextID, Items: []*item{}, Orders: []*order{}}
	for _, id := range s.sortedItemIDs() {
		st.Items = append(st.Items, s.items[id])
	}
	for _, o := range s.orders {
		st.Orders = append(st.Orders, o)
	}
	sort.Slice(st.Orders, func(i, j int) bool { return st.Orders[i].Tid < st.Orders[j].Tid })
	return json.Marshal(st)
}
