package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/syncctl/syncctl/store"
)

// OpenReadOnly opens the database at path for reading only (SQLite's
// mode=ro): no file is created, nothing is migrated, and a store on a
// read-only file or directory can be read. A store written by an older
// syncctl is refused (store.ErrSchemaOutdated): reading cannot upgrade it.
// Its write methods fail with an error naming the file.
func OpenReadOnly(ctx context.Context, path string) (*DB, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("no store at %s: %w", path, store.ErrNoStore)
	case err != nil:
		return nil, fmt.Errorf("store %s: %w", path, unwrapPath(err))
	case fi.IsDir():
		return nil, fmt.Errorf("store %s is a directory, not a store file", path)
	}
	d, err := openRO(ctx, path, false)
	if err != nil && (isCode(err, sqlite3.SQLITE_CANTOPEN) || isCode(err, sqlite3.SQLITE_READONLY)) && !exists(path+"-wal") {
		// A WAL database in a directory this process may not write, closed
		// cleanly (no -wal file): nothing can change under the reader.
		d, err = openRO(ctx, path, true)
	}
	if err != nil {
		return nil, Explain(err, path)
	}
	return d, nil
}

// openRO opens path with mode=ro (immutable: without the -shm file SQLite
// would need to create) and checks its schema.
func openRO(ctx context.Context, path string, immutable bool) (*DB, error) {
	q := "?mode=ro&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
	if immutable {
		q += "&immutable=1"
	}
	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Opaque: url.PathEscape(path)}).String()+q)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(4)
	d := &DB{db: db, now: time.Now}
	if err := d.checkSchema(ctx, path); err != nil {
		db.Close()
		return nil, err
	}
	return d, nil
}

// checkSchema refuses a file that is not a syncctl store, or one whose
// schema is older than this binary's migrations.
func (d *DB) checkSchema(ctx context.Context, path string) error {
	var have sql.NullInt64
	err := d.db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&have)
	if err != nil && strings.Contains(err.Error(), "no such table") {
		return fmt.Errorf("%s is not a syncctl store (it has no schema): check --state-dir / --store-dsn", path)
	}
	if err != nil {
		return err
	}
	want, err := latestMigration()
	if err != nil {
		return err
	}
	if int(have.Int64) < want {
		return fmt.Errorf("store %s was written by an older syncctl (schema %d, this one reads schema %d): run `syncctl dev` or `syncctl worker` on it once to upgrade it, then read it: %w",
			path, have.Int64, want, store.ErrSchemaOutdated)
	}
	return nil
}

// latestMigration is the version of the newest embedded migration.
func latestMigration() (int, error) {
	entries, err := fs.ReadDir(migrations, "migrations")
	if err != nil {
		return 0, err
	}
	latest := 0
	for _, e := range entries {
		v, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0])
		if err != nil {
			return 0, fmt.Errorf("migration %s: name must start with a number", e.Name())
		}
		latest = max(latest, v)
	}
	return latest, nil
}

// Explain rewrites an SQLite error about the store at path into what
// happened to the file and what to do, without SQLite's numeric codes
// ("attempt to write a readonly database (1544)"). Other errors come back
// as they are.
func Explain(err error, path string) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	var msg string
	switch se.Code() & 0xff { // the primary code
	case sqlite3.SQLITE_READONLY:
		msg = fmt.Sprintf("store %s cannot be written (the file or its directory is read-only): run this command where the store is writable, or as its owner", path)
	case sqlite3.SQLITE_CANTOPEN:
		msg = fmt.Sprintf("store %s cannot be opened: check that the file and its directory exist and that you may read them", path)
	case sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH:
		msg = fmt.Sprintf("store %s: permission denied: check the owner and mode of the file and its directory", path)
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		msg = fmt.Sprintf("store %s is busy: another syncctl holds it too long; try again, or stop the other process", path)
	case sqlite3.SQLITE_FULL:
		msg = fmt.Sprintf("store %s: the disk is full: free some space and try again", path)
	case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
		msg = fmt.Sprintf("store %s is damaged or not a syncctl store: restore it from a backup, or point --state-dir / --store-dsn at the right file", path)
	case sqlite3.SQLITE_IOERR:
		msg = fmt.Sprintf("store %s: the disk reported an I/O error: check the disk and the file system", path)
	default:
		msg = fmt.Sprintf("store %s: %s", path, stripCode(se.Error()))
	}
	return &explained{msg: msg, err: err}
}

// explained is an SQLite error said for people; errors.Is/As still see
// the original.
type explained struct {
	msg string
	err error
}

func (e *explained) Error() string { return e.msg }
func (e *explained) Unwrap() error { return e.err }

// stripCode drops SQLite's trailing "(1544)" from a message.
func stripCode(s string) string {
	if i := strings.LastIndex(s, " ("); i > 0 && strings.HasSuffix(s, ")") {
		if _, err := strconv.Atoi(s[i+2 : len(s)-1]); err == nil {
			return s[:i]
		}
	}
	return s
}

func isCode(err error, code int) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == code
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
