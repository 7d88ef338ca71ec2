package kit

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// SaveDelay debounces state writes: a push of a hundred items writes the
// file a few times, not a hundred.
const SaveDelay = 200 * time.Millisecond

// StateFile keeps a sandbox's shop in a JSON file across restarts: read
// once at start, written atomically a moment after changes (debounced) and
// on Close. The sandbox gives the snapshot: a function that marshals its
// state under its own lock. A file of another layout version is refused
// rather than half read.
type StateFile struct {
	path     string
	name     string // "tmall sandbox", for messages
	version  int
	snapshot func() ([]byte, error)

	writeMu sync.Mutex // one writer at a time
	mu      sync.Mutex // guards what follows
	dirty   bool
	timer   *time.Timer
	closed  bool
	lastErr error
}

// NewStateFile keeps a state at path ("" = memory only: every method is a
// no-op). snapshot is called without the StateFile's locks held.
func NewStateFile(path, name string, version int, snapshot func() ([]byte, error)) *StateFile {
	return &StateFile{path: path, name: name, version: version, snapshot: snapshot}
}

// Path is the file, "" when memory only.
func (p *StateFile) Path() string { return p.path }

// Load decodes the file into state (a struct with a `json:"version"`
// field); found is false when there is no file yet (a new shop). A file
// that cannot be read, is corrupt or has another version is an error
// naming the file.
func (p *StateFile) Load(state any) (found bool, err error) {
	if p.path == "" {
		return false, nil
	}
	b, err := os.ReadFile(p.path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("%s: state file %s: %w", p.name, p.path, err)
	}
	var v struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(b, &v); err == nil && v.Version != p.version {
		return false, fmt.Errorf("%s: state file %s has version %d, this sandbox reads version %d", p.name, p.path, v.Version, p.version)
	}
	if err := json.Unmarshal(b, state); err != nil {
		return false, fmt.Errorf("%s: state file %s is corrupt (%v); move it away to start an empty shop", p.name, p.path, err)
	}
	return true, nil
}

// Invalid is the error for a record of the file the sandbox refuses.
func (p *StateFile) Invalid(format string, args ...any) error {
	return fmt.Errorf("%s: state file %s: %s", p.name, p.path, fmt.Sprintf(format, args...))
}

// Changed notes that the shop changed and schedules a write.
func (p *StateFile) Changed() {
	if p.path == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.dirty = true
	if p.timer == nil {
		p.timer = time.AfterFunc(SaveDelay, func() { _ = p.Flush(false) })
	}
}

// Flush writes the file if anything changed; final is Close's call, after
// which nothing is scheduled any more. It returns the first write error
// since the last successful write.
func (p *StateFile) Flush(final bool) error {
	if p.path == "" {
		return nil
	}
	p.writeMu.Lock()
	defer p.writeMu.Unlock()
	p.mu.Lock()
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	if final {
		p.closed = true
	}
	dirty := p.dirty
	p.dirty = false // a change from now on is written by the next flush
	lastErr := p.lastErr
	p.mu.Unlock()
	if !dirty {
		return lastErr
	}
	b, err := p.snapshot()
	if err == nil {
		err = WriteAtomic(p.path, b)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.dirty = true // try again on the next change or on Close
		p.lastErr = fmt.Errorf("%s: write state file %s: %w", p.name, p.path, err)
		return p.lastErr
	}
	p.lastErr = nil
	return nil
}

// WriteAtomic replaces path with b so that a reader (or a crash) sees the
// old file or the new one, never half of one.
func WriteAtomic(path string, b []byte) error {
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
