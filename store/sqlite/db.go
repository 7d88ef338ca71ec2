// Package sqlite is the embedded-default implementation of store.Store, on
// modernc.org/sqlite (pure Go, so the binary stays static). Migrations run
// on Open; writes use BEGIN IMMEDIATE so concurrent workers serialize
// instead of deadlocking on lock upgrades.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is a store.Store on one SQLite file.
type DB struct {
	db      *sql.DB
	now     func() time.Time
	tracked sync.Map // domain.ShopRef → true: shops known to be in tracked_shops
	stmts   sync.Map // SQL text → *sql.Stmt: the hot statements, prepared once (stmts.go)
	// writer admits one writer of this process at a time. SQLite lets one
	// writer in at a time, and writers that meet at its lock wait in its
	// busy handler, which sleeps 1 to 100 ms between looks: a queue of
	// them drains in sleeps, not as each commit ends (a 20 000-SKU push's
	// store writes went at a fifth of their speed in one run out of two).
	// Here the writers of this process queue for each other and the next
	// begins the moment one commits; other processes' writers still meet
	// at SQLite's lock (busy_timeout).
	writer chan struct{}
}

var _ store.Store = (*DB)(nil)

// Open opens (creating it and its directory if needed) the database at path
// and migrates it. A
// new file is readable by its owner only (it holds orders, masked or not);
// SQLite gives its -wal and -shm files the same mode.
func Open(ctx context.Context, path string) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// The path is escaped so that '?', '#' or '%' in a directory name stay
	// part of the file name instead of starting the DSN's query.
	dsn := (&url.URL{Scheme: "file", Opaque: url.PathEscape(path)}).String() +
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// One writer at a time is SQLite's model; a small pool serves readers.
	db.SetMaxOpenConns(4)
	d := &DB{db: db, now: time.Now, writer: make(chan struct{}, 1)}
	if err := d.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	return d, nil
}

// Close closes the database.
func (d *DB) Close() error {
	d.closeStmts()
	return d.db.Close()
}

func (d *DB) migrate(ctx context.Context) error {
	if _, err := d.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return err
	}
	entries, err := fs.ReadDir(migrations, "migrations")
	if err != nil {
		return err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		version, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: name must start with a number", e.Name())
		}
		body, err := migrations.ReadFile("migrations/" + e.Name())
		if err != nil {
			return err
		}
		err = d.tx(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil || n > 0 {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", e.Name(), err)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, version, d.now().UnixMilli())
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// tx runs f in a write transaction, retrying when SQLite reports the
// database busy beyond busy_timeout (several workers writing at once).
func (d *DB) tx(ctx context.Context, f func(*sql.Tx) error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if err = d.write(ctx, func() error {
			tx, err := d.db.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			if err := f(tx); err != nil {
				_ = tx.Rollback()
				return err
			}
			return tx.Commit()
		}); err == nil {
			return nil
		}
		if !isBusy(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 50 * time.Millisecond):
		}
	}
	return err
}

// write runs f as this process's only writer (DB.writer): it waits, as
// long as ctx allows, for the writer before it.
func (d *DB) write(ctx context.Context, f func() error) error {
	if d.writer == nil { // (a read-only store)
		return f()
	}
	timer := time.NewTimer(writerWait)
	defer timer.Stop()
	select {
	case d.writer <- struct{}{}:
		defer func() { <-d.writer }()
	case <-timer.C:
		// A writer held longer than that (or a write made inside another's
		// transaction) goes on to meet SQLite's lock, as without the queue.
	case <-ctx.Done():
		return ctx.Err()
	}
	return f()
}

// writerWait bounds a wait in the writers' queue.
const writerWait = 2 * time.Second

// scanAll reads every row of a query with scan, closing the rows; it takes
// the query's own error so a call site is one expression.
func scanAll[T any](rows *sql.Rows, err error, scan func(*sql.Rows) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func isBusy(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "SQLITE_BUSY") || strings.Contains(err.Error(), "database is locked"))
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func internal(format string, args ...any) error {
	return &domain.Error{Code: domain.EInternal, Message: fmt.Sprintf(format, args...)}
}
