package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Opener opens a store from its DSN. Backends register one (store/sqlite:
// "sqlite"), so callers open a store by driver and DSN and never name a
// backend's type.
type Opener func(ctx context.Context, dsn string) (Store, error)

var (
	driversMu sync.RWMutex
	drivers   = map[string]Opener{}
)

// RegisterDriver makes a backend available by name. Backends call it from init.
func RegisterDriver(name string, open Opener) {
	driversMu.Lock()
	defer driversMu.Unlock()
	drivers[name] = open
}

// Open opens the store of a driver ("" = sqlite) at dsn.
func Open(ctx context.Context, driver, dsn string) (Store, error) {
	if driver == "" {
		driver = "sqlite"
	}
	driversMu.RLock()
	open, ok := drivers[driver]
	names := make([]string, 0, len(drivers))
	for n := range drivers {
		names = append(names, n)
	}
	driversMu.RUnlock()
	if !ok {
		sort.Strings(names)
		return nil, fmt.Errorf("store driver %q is not available (this syncctl has %s)", driver, strings.Join(names, ", "))
	}
	return open(ctx, dsn)
}
