package devserver

import (
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"unsafe"

	_ "go.temporal.io/server/common/persistence/sql" // owner of supportedPlugins (linkname target)
	"go.temporal.io/server/common/persistence/sql/sqlplugin"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
)

// The server's SQLite plugin keeps every database it opens in a process-wide
// pool keyed by DSN and never closes them (see connPool.Close in
// common/persistence/sql/sqlplugin/sqlite/conn_pool.go: the close is
// commented out). After temporal.Server.Stop the database file therefore stays
// open, and an in-memory database is never freed. To make Server.Stop really
// release the file, we reach into that pool once the server is fully stopped
// and close+forget the entries for our database.
//
// This depends on unexported internals of go.temporal.io/server v1.32
// (sql.supportedPlugins, sqlite.plugin.connPool, connPool.{mu,pool},
// entry.db). Every step is checked; if the layout ever changes,
// releaseSQLite returns an error instead of panicking and the only
// consequence is the old behaviour (file stays open until process exit).

//go:linkname supportedSQLPlugins go.temporal.io/server/common/persistence/sql.supportedPlugins
var supportedSQLPlugins map[string]sqlplugin.Plugin

// releaseSQLite closes and removes the pooled connections to databaseName.
// It returns how many pool entries were closed.
func releaseSQLite(databaseName string) (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("devserver: releasing sqlite pool: %v", r)
		}
	}()
	p, ok := supportedSQLPlugins[sqliteplugin.PluginName]
	if !ok || p == nil {
		return 0, fmt.Errorf("devserver: sqlite plugin not registered")
	}
	pv := reflect.ValueOf(p)
	if pv.Kind() != reflect.Pointer || pv.Elem().Kind() != reflect.Struct {
		return 0, fmt.Errorf("devserver: unexpected sqlite plugin type %T", p)
	}
	cp := pv.Elem().FieldByName("connPool")
	if !cp.IsValid() || cp.Kind() != reflect.Pointer || cp.IsNil() || cp.Elem().Kind() != reflect.Struct {
		return 0, fmt.Errorf("devserver: sqlite plugin has no connPool")
	}
	pool := cp.Elem()
	muField := pool.FieldByName("mu")
	mapField := pool.FieldByName("pool")
	if !muField.IsValid() || muField.Type() != reflect.TypeFor[sync.Mutex]() ||
		!mapField.IsValid() || mapField.Kind() != reflect.Map || mapField.Type().Key().Kind() != reflect.String ||
		mapField.Type().Elem().Kind() != reflect.Struct {
		return 0, fmt.Errorf("devserver: unexpected sqlite connPool layout")
	}
	dbField, ok := mapField.Type().Elem().FieldByName("db")
	if !ok {
		return 0, fmt.Errorf("devserver: unexpected sqlite pool entry layout")
	}

	mu := (*sync.Mutex)(unsafe.Pointer(muField.UnsafeAddr()))
	m := reflect.NewAt(mapField.Type(), unsafe.Pointer(mapField.UnsafeAddr())).Elem()

	mu.Lock()
	defer mu.Unlock()
	prefix := "file:" + databaseName + "?" // DSN format of sqlite.buildDSN
	var errs []error
	for _, key := range m.MapKeys() {
		if !strings.HasPrefix(key.String(), prefix) {
			continue
		}
		entry := reflect.New(m.Type().Elem()).Elem()
		entry.Set(m.MapIndex(key))
		f := entry.FieldByIndex(dbField.Index)
		db := reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Interface()
		if c, ok := db.(io.Closer); ok && !reflect.ValueOf(db).IsNil() {
			if err := c.Close(); err != nil {
				errs = append(errs, err)
			}
		}
		m.SetMapIndex(key, reflect.Value{}) // delete
		n++
	}
	if len(errs) > 0 {
		return n, fmt.Errorf("devserver: closing sqlite: %v", errs)
	}
	return n, nil
}
