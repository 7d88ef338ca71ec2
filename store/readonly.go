package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// ErrNoStore is the error (wrapped) of a read-only open of a store that
// does not exist: reading never creates one.
var ErrNoStore = errors.New("no store")

// ErrSchemaOutdated is the error (wrapped) of a read-only open of a store
// written by an older syncctl: reading cannot upgrade it.
var ErrSchemaOutdated = errors.New("store schema is older than this syncctl")

var (
	readDriversMu sync.RWMutex
	readDrivers   = map[string]Opener{}
)

// RegisterReadOnlyDriver makes a backend's read-only open available by
// name. Backends call it from init.
func RegisterReadOnlyDriver(name string, open Opener) {
	readDriversMu.Lock()
	defer readDriversMu.Unlock()
	readDrivers[name] = open
}

// OpenReadOnly opens the store of a driver ("" = sqlite) at dsn for
// reading only: commands that only show what is stored work on a store
// they may not write (a read-only file or directory, a copy from a
// backup). It never creates the store (ErrNoStore) nor migrates it
// (ErrSchemaOutdated); its write methods fail.
func OpenReadOnly(ctx context.Context, driver, dsn string) (Store, error) {
	if driver == "" {
		driver = "sqlite"
	}
	readDriversMu.RLock()
	open, ok := readDrivers[driver]
	names := make([]string, 0, len(readDrivers))
	for n := range readDrivers {
		names = append(names, n)
	}
	readDriversMu.RUnlock()
	if !ok {
		sort.Strings(names)
		return nil, fmt.Errorf("store driver %q has no read-only open (this syncctl has %s)", driver, strings.Join(names, ", "))
	}
	return open(ctx, dsn)
}
