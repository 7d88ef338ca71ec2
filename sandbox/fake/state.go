package fake

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// saveDelay debounces state writes: a push of a hundred items writes the
// file a few times, not a hundred.
const saveDelay = 200 * time.Millisecond

// stateVersion is the layout of the state file; a file of another version
// is refused rather than half read.
const stateVersion = 1

// stateFile is what a sandbox keeps across restarts: items, orders and the
// id counter, so ids never repeat. Faults, stats, the quota, the test
// settings and records are runtime only.
type stateFile struct {
	Version int      `json:"version"`
	NextID  int64    `json:"next_id"`
	Items   []*item  `json:"items"`
	Orders  []*Order `json:"orders"`
}

// persister writes the state file. Its fields other than path and writeMu
// are guarded by Server.mu.
type persister struct {
	path    string
	writeMu sync.Mutex // one writer at a time
	dirty   bool
	timer   *time.Timer
	closed  bool
	lastErr error
}

// load reads the state file if it exists. A missing file is a new shop.
func (s *Server) load() error {
	if s.persist.path == "" {
		return nil
	}
	b, err := os.ReadFile(s.persist.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("fake sandbox: state file %s: %w", s.persist.path, err)
	}
	var st stateFile
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("fake sandbox: state file %s is corrupt (%v); move it away to start an empty shop", s.persist.path, err)
	}
	if st.Version != stateVersion {
		return fmt.Errorf("fake sandbox: state file %s has version %d, this sandbox reads version %d", s.persist.path, st.Version, stateVersion)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, it := range st.Items {
		if it == nil || !allDigits(it.ID) {
			return fmt.Errorf("fake sandbox: state file %s: item %d has no id", s.persist.path, i+1)
		}
		s.items[it.ID] = it
	}
	for i, o := range st.Orders {
		if o == nil || !allDigits(o.ID) {
			return fmt.Errorf("fake sandbox: state file %s: order %d has no id", s.persist.path, i+1)
		}
		s.orders[o.ID] = o
	}
	s.nextID = max(s.nextID, st.NextID)
	return nil
}

// changed notes that the shop changed and schedules a write. Called with
// s.mu held.
func (s *Server) changed() {
	p := &s.persist
	if p.path == "" || p.closed {
		return
	}
	p.dirty = true
	if p.timer == nil {
		p.timer = time.AfterFunc(saveDelay, func() { _ = s.flush(false) })
	}
}

// flush writes the state file if anything changed; final is Close's call,
// after which nothing is scheduled any more. It returns the first write
// error since the last successful write.
func (s *Server) flush(final bool) error {
	p := &s.persist
	if p.path == "" {
		return nil
	}
	p.writeMu.Lock()
	defer p.writeMu.Unlock()
	s.mu.Lock()
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	if final {
		p.closed = true
	}
	if !p.dirty {
		err := p.lastErr
		s.mu.Unlock()
		return err
	}
	st := stateFile{Version: stateVersion, NextID: s.nextID, Items: []*item{}, Orders: []*Order{}}
	for _, id := range s.sortedItemIDs() {
		st.Items = append(st.Items, s.items[id])
	}
	for _, o := range s.orders {
		st.Orders = append(st.Orders, o)
	}
	sort.Slice(st.Orders, func(i, j int) bool { return st.Orders[i].ID < st.Orders[j].ID })
	b, err := json.Marshal(st) // under the lock: the handlers mutate these
	p.dirty = false
	s.mu.Unlock()
	if err == nil {
		err = writeAtomic(p.path, b)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		p.dirty = true // try again on the next change or on Close
		p.lastErr = fmt.Errorf("fake sandbox: write state file %s: %w", p.path, err)
		return p.lastErr
	}
	p.lastErr = nil
	return nil
}

// writeAtomic replaces path with b so that a reader (or a crash) sees the
// old file or the new one, never half of one.
func writeAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}
