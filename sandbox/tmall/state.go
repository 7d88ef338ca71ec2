package tmall

import (
	"encoding/json"
)

// stateVersion is the layout of the state file; a file of another version
// is refused rather than half read.
const stateVersion = 1

// stateFile is what a sandbox keeps across restarts (kit.StateFile): the
// shop (items, trades) and the id counter, so ids never repeat. Faults,
// stats and the QPS bucket are runtime only.
type stateFile struct {
	Version int      `json:"version"`
	NextID  int64    `json:"next_id"`
	Items   []*item  `json:"items"`
	Trades  []*trade `json:"trades"`
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
		if it == nil || it.NumIID == 0 {
			return s.Persist.Invalid("item %d has no num_iid", i+1)
		}
		if it.Aliases == nil {
			it.Aliases = map[string]string{}
		}
		s.items[it.NumIID] = it
	}
	for i, t := range st.Trades {
		if t == nil || t.Tid == 0 {
			return s.Persist.Invalid("trade %d has no tid", i+1)
		}
		s.trades[t.Tid] = t
	}
	s.nextID = max(s.nextID, st.NextID)
	return nil
}

// snapshot marshals the shop under the lock (the handlers mutate it).
func (s *Server) snapshot() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := stateFile{Version: stateVersion, NextID: s.nextID}
	for _, id := range s.sortedItemIDs() {
		st.Items = append(st.Items, s.items[id])
	}
	for _, t := range s.trades {
		st.Trades = append(st.Trades, t)
	}
	return json.Marshal(st)
}

// changed notes that the shop changed and schedules a write. Called with
// s.mu held.
func (s *Server) changed() { s.Persist.Changed() }
