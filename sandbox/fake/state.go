package fake

import (
	"encoding/json"
	"sort"
)

// stateVersion is the layout of the state file; a file of another version
// is refused rather than half read.
const stateVersion = 1

// stateFile is what a sandbox keeps across restarts (kit.StateFile): items,
// orders and the id counter, so ids never repeat. Faults, stats, the quota,
// the test settings and records are runtime only.
type stateFile struct {
	Version int      `json:"version"`
	NextID  int64    `json:"next_id"`
	Items   []*item  `json:"items"`
	Orders  []*Order `json:"orders"`
}

// load reads the state file if it exists. A missing file is a new shop.
func (s *Server) load() error {
	var st stateFile
	if found, err := s.Persist.Load(&st); err != nil || !found {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, it := range st.Items {
		if it == nil || !allDigits(it.ID) {
			return s.Persist.Invalid("item %d has no id", i+1)
		}
		s.items[it.ID] = it
	}
	for i, o := range st.Orders {
		if o == nil || !allDigits(o.ID) {
			return s.Persist.Invalid("order %d has no id", i+1)
		}
		s.orders[o.ID] = o
	}
	s.nextID = max(s.nextID, st.NextID)
	return nil
}

// snapshot marshals the shop under the lock (the handlers mutate it).
func (s *Server) snapshot() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := stateFile{Version: stateVersion, NextID: s.nextID, Items: []*item{}, Orders: []*Order{}}
	for _, id := range s.sortedItemIDs() {
		st.Items = append(st.Items, s.items[id])
	}
	for _, o := range s.orders {
		st.Orders = append(st.Orders, o)
	}
	sort.Slice(st.Orders, func(i, j int) bool { return st.Orders[i].ID < st.Orders[j].ID })
	return json.Marshal(st)
}

// changed notes that the shop changed and schedules a write. Called with
// s.mu held.
func (s *Server) changed() { s.Persist.Changed() }
