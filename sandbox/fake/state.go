package fake

import (
	"encoding/json"

	"github.com/syncctl/syncctl/sandbox/kit"
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
	if err := kit.Index(s.Persist, st.Items, s.items,
		func(it *item) (string, bool) { return it.ID, allDigits(it.ID) }, "item %d has no id"); err != nil {
		return err
	}
	if err := kit.Index(s.Persist, st.Orders, s.orders,
		func(o *Order) (string, bool) { return o.ID, allDigits(o.ID) }, "order %d has no id"); err != nil {
		return err
	}
	s.nextID = max(s.nextID, st.NextID)
	return nil
}

// snapshot marshals the shop under the lock (the handlers mutate it).
func (s *Server) snapshot() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := stateFile{Version: stateVersion, NextID: s.nextID}
	st.Items = kit.SortedValues(s.items)
	st.Orders = kit.SortedValues(s.orders)
	return json.Marshal(st)
}

// changed notes that the shop changed and schedules a write. Called with
// s.mu held.
func (s *Server) changed() { s.Persist.Changed() }
