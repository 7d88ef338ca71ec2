package tmall

import (
	"encoding/json"
	"github.com/syncctl/syncctl/sandbox/kit"
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
	if err := kit.Index(s.Persist, st.Trades, s.trades,
		func(t *trade) (int64, bool) { return t.Tid, t.Tid != 0 }, "trade %d has no tid"); err != nil {
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
	for _, t := range s.trades {
		st.Trades = append(st.Trades, t)
	}
	return json.Marshal(st)
}

// changed notes that the shop changed and schedules a write. Called with
// s.mu held.
func (s *Server) changed() { s.Persist.Changed() }
