package kuaishou

import (
	"encoding/json"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// stateVersion is the layout of the state file.
const stateVersion = 1

// stateFile is what a sandbox keeps across restarts: items, orders, plans,
// the id counter, and the tokens it issued — a refresh token rotates, so
// the shop's current one must survive a restart of the platform too.
// Faults, stats and quotas are runtime only.
type stateFile struct {
	Version int                      `json:"version"`
	NextID  int64                    `json:"next_id"`
	Items   []*item                  `json:"items"`
	Orders  []*order                 `json:"orders"`
	Plans   []*plan                  `json:"plans"`
	Access  map[string]time.Time     `json:"access_tokens"`
	Refresh map[string]*refreshToken `json:"refresh_tokens"`
}

func (s *Server) load() error {
	var st stateFile
	if found, err := s.Persist.Load(&st); err != nil || !found {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := kit.Index(s.Persist, st.Items, s.items,
		func(it *item) (int64, bool) { return it.ID, it.ID > 0 }, "item %d has no kwaiItemId"); err != nil {
		return err
	}
	if err := kit.Index(s.Persist, st.Orders, s.orders,
		func(o *order) (int64, bool) { return o.Oid, o.Oid > 0 }, "order %d has no oid"); err != nil {
		return err
	}
	if err := kit.Index(s.Persist, st.Plans, s.plans,
		func(p *plan) (int64, bool) { return p.ID, p.ID > 0 }, "plan %d has no planId"); err != nil {
		return err
	}
	for t, exp := range st.Access {
		s.access[t] = exp
	}
	for t, rt := range st.Refresh {
		if rt == nil {
			return s.Persist.Invalid("refresh token entry without expiry")
		}
		s.refresh[t] = rt
	}
	s.nextID = max(s.nextID, st.NextID)
	return nil
}

func (s *Server) snapshot() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pruneTokens(s.cfg.Now())
	st := stateFile{Version: stateVersion, NextID: s.nextID, Access: s.access, Refresh: s.refresh}
	st.Items = kit.SortedValues(s.items)
	st.Orders = kit.SortedValues(s.orders)
	st.Plans = kit.SortedValues(s.plans)
	return json.Marshal(st)
}
