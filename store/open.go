package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/syncctl/syncctl/domain"
)

// Opener opens a store from its DSN. Backends register one (store/sqlite:
// "sqlite"), so callers open a store by driver and DSN and never name a
// backend's type.
type Opener func(ctx context.Context, dsn string) (Store, error)

// Driver is how a backend opens its stores: for reading and writing
// (creating and migrating the store), and for reading only.
type Driver struct {
	Open         Opener
	OpenReadOnly Opener
	// Identity, if set, names the store a DSN points at, alike for every
	// DSN of that store and never with a secret (PostgreSQL: the server
	// and the database, whatever the password or the DSN's spelling).
	Identity func(dsn string) string
}

// ErrNoStore is the error (wrapped) of a read-only open of a store that
// does not exist: reading never creates one.
var ErrNoStore = errors.New("no store")

// ErrSchemaOutdated is the error (wrapped) of a read-only open of a store
// written by an older syncctl: reading cannot upgrade it.
var ErrSchemaOutdated = errors.New("store schema is older than this syncctl")

var (
	driversMu sync.RWMutex
	drivers   = map[string]Driver{}
)

// RegisterDriver makes a backend available by name. Backends call it from init.
func RegisterDriver(name string, d Driver) {
	driversMu.Lock()
	defer driversMu.Unlock()
	drivers[name] = d
}

// Open opens the store of a driver ("" = sqlite) at dsn, creating and
// migrating it as needed.
func Open(ctx context.Context, driver, dsn string) (Store, error) {
	d, err := lookup(driver)
	if err != nil {
		return nil, err
	}
	return d.Open(ctx, dsn)
}

// OpenReadOnly opens the store of a driver ("" = sqlite) at dsn for
// reading only: commands that only show what is stored work on a store
// they may not write (a read-only file or directory, a copy from a
// backup). It never creates the store (ErrNoStore) nor migrates it
// (ErrSchemaOutdated); its write methods fail.
func OpenReadOnly(ctx context.Context, driver, dsn string) (Store, error) {
	d, err := lookup(driver)
	if err != nil {
		return nil, err
	}
	if d.OpenReadOnly == nil {
		return nil, fmt.Errorf("store driver %q has no read-only open", driver)
	}
	return d.OpenReadOnly(ctx, dsn)
}

// Identity names the store of a driver at dsn without a secret: the
// driver's Identity, else the DSN with its password redacted.
func Identity(driver, dsn string) string {
	if d, err := lookup(driver); err == nil && d.Identity != nil {
		return d.Identity(dsn)
	}
	return RedactDSN(dsn)
}

func lookup(driver string) (Driver, error) {
	if driver == "" {
		driver = "sqlite"
	}
	driversMu.RLock()
	defer driversMu.RUnlock()
	d, ok := drivers[driver]
	if !ok {
		names := make([]string, 0, len(drivers))
		for n := range drivers {
			names = append(names, n)
		}
		sort.Strings(names)
		return Driver{}, fmt.Errorf("store driver %q is not available (this syncctl has %s)", driver, domain.List(names))
	}
	return d, nil
}
