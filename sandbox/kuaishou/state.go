package kuaishou

import (
	"encoding/json"
	"sort"
	"time"
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
	for i, it := range st.Items {
		if it == nil || it.ID <= 0 {
			return s.Persist.Invalid("item %d has no kwaiItemId", i+1)
		}
		s.items[it.ID] = it
	}
	for i, o := range st.Orders {
		if o == nil || o.Oid <= 0 {
			return s.Persist.Invalid("order %d has no oid", i+1)
		}
		s.orders[o.Oid] = o
	}
	for i, p := range st.Plans {
		if p == nil || p.ID <= 0 {
			return s.Persist.Invalid("plan %d has no planId", i+1)
		}
		s.plans[p.ID] = p
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
	st := stateFile{Version: stateVersion, NextID: s.nextID, Items: []*item{}, Orders: make([]*order, 0, len(s.orders)), Plans: []*plan{},
		Access: s.access, Refresh: s.refresh}
	for _, id := range s.sortedItemIDs() {
		st.Items = append(st.Items, s.items[id])
	}
	for _, o := range s.orders {
		st.Orders = append(st.Orders, o)
	}
	sort.Slice(st.Orders, func(i, j int) bool { return st.Orders[i].Oid < st.Orders[j].Oid })
	for _, p := range s.plans {
		st.Plans = append(st.Plans, p)
	}
	sort.Slice(st.Plans, func(i, j int) bool { return st.Plans[i].ID < st.Plans[j].ID })
	return json.Marshal(st)
}
