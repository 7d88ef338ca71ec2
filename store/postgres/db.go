// Package postgres is the store.Store of deployments where several workers
// on several machines share one state: PostgreSQL through pgx (pgxpool).
// Its schema mirrors store/sqlite's, migration for migration. Where SQLite
// relies on its single writer, this package says who waits for whom:
// transactions run at READ COMMITTED and lock what they read to decide —
// the product row before a catalog write (FOR UPDATE; FOR SHARE before a
// listing save), the order row before a new version, the reservations an
// order consumes, an advisory lock while a shop's change set is first
// built — or decide in one conditional statement (leases, bans, cursors).
// A transaction a deadlock or a serialization failure ended is run again.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is a store.Store on one PostgreSQL database.
type DB struct {
	pool     *pgxpool.Pool
	name     string // the DSN without its password, for errors
	readOnly bool
	now      func() time.Time
	tracked  sync.Map // domain.ShopRef → true: shops known to be in tracked_shops
}

var _ store.Store = (*DB)(nil)

// Advisory lock keys (pg_advisory_xact_lock): the schema's migrations, and
// the tracking of a new shop's change set (exclusive) against the writes
// that keep change sets (shared).
const (
	lockMigrate int64 = 0x73796e63_0001 // "sync" 1
	lockTrack   int64 = 0x73796e63_0002
)

// Open connects to the database at dsn (a postgres:// URL or key=value
// pairs; the password may come from PGPASSWORD or a passfile) and migrates
// it. A database that does not exist is created when the role may.
func Open(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := parse(dsn)
	if err != nil {
		return nil, err
	}
	d, err := connect(ctx, cfg, dsn, false)
	if err != nil && isCode(err, "3D000") { // invalid_catalog_name: no such database
		if cerr := createDatabase(ctx, cfg); cerr != nil {
			return nil, fmt.Errorf("store %s: the database does not exist and could not be created (create it, owned by the store's role): %w", store.RedactDSN(dsn), cerr)
		}
		d, err = connect(ctx, cfg, dsn, false)
	}
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", store.RedactDSN(dsn), err)
	}
	if err := d.migrate(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("migrate %s: %w", d.name, err)
	}
	return d, nil
}

// OpenReadOnly opens the database at dsn for reading only: every
// transaction is read-only (so a write method fails), nothing is created
// or migrated. A database that does not exist, or holds no store, is
// store.ErrNoStore; one written by an older syncctl is
// store.ErrSchemaOutdated.
func OpenReadOnly(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := parse(dsn)
	if err != nil {
		return nil, err
	}
	d, err := connect(ctx, cfg, dsn, true)
	if err != nil {
		if isCode(err, "3D000") {
			return nil, fmt.Errorf("%w at %s: the database does not exist (a `syncctl worker` on it creates it, as does `syncctl store migrate` into it)", store.ErrNoStore, store.RedactDSN(dsn))
		}
		return nil, fmt.Errorf("store %s: %w", store.RedactDSN(dsn), err)
	}
	if err := d.checkSchema(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// parse reads a DSN. Its error never repeats the DSN: a password in one
// that does not parse cannot be told apart reliably.
func parse(dsn string) (*pgxpool.Config, error) {
	if strings.TrimSpace(dsn) == "" {
		return nil, domain.Errorf(domain.EInvalid, "store dsn: empty (want postgres://USER@HOST:5432/DB?sslmode=…)")
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, domain.Errorf(domain.EInvalid, "store dsn: not a PostgreSQL connection string (want postgres://USER@HOST:5432/DB?sslmode=… or key=value pairs)")
	}
	return cfg, nil
}

func connect(ctx context.Context, cfg *pgxpool.Config, dsn string, readOnly bool) (*DB, error) {
	cfg = cfg.Copy()
	if readOnly {
		cfg.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
	}
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "syncctl"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return &DB{pool: pool, name: store.RedactDSN(dsn), readOnly: readOnly, now: time.Now}, nil
}

// createDatabase creates the DSN's database from the server's maintenance
// database, as the DSN's role.
func createDatabase(ctx context.Context, cfg *pgxpool.Config) error {
	cc := cfg.ConnConfig.Copy()
	name := cc.Database
	if name == "" {
		return errors.New("the DSN names no database")
	}
	cc.Database = "postgres"
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		cc.Database = "template1"
		if conn, err = pgx.ConnectConfig(ctx, cc); err != nil {
			return err
		}
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	if isCode(err, "42P04") { // duplicate_database: another worker created it first
		return nil
	}
	return err
}

// Close closes the pool.
func (d *DB) Close() error {
	d.pool.Close()
	return nil
}

// migrate applies the embedded migrations not applied yet, all in one
// transaction under an advisory lock, so workers starting together do not
// run them twice.
func (d *DB) migrate(ctx context.Context) error {
	entries, err := migrationFiles()
	if err != nil {
		return err
	}
	return d.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockMigrate); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
			return err
		}
		applied := map[int]bool{}
		rows, _ := tx.Query(ctx, `SELECT version FROM schema_migrations`)
		versions, err := collect(rows, pgx.RowTo[int])
		if err != nil {
			return err
		}
		for _, v := range versions {
			applied[v] = true
		}
		for _, m := range entries {
			if applied[m.version] {
				continue
			}
			body, err := migrations.ReadFile("migrations/" + m.name)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`, m.version, ms(d.now())); err != nil {
				return err
			}
		}
		return nil
	})
}

type migration struct {
	version int
	name    string
}

// migrationFiles lists the embedded migrations by version.
func migrationFiles() ([]migration, error) {
	entries, err := fs.ReadDir(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		v, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number", e.Name())
		}
		out = append(out, migration{v, e.Name()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// checkSchema refuses a database that holds no store, or one whose schema
// is older than this binary's migrations.
func (d *DB) checkSchema(ctx context.Context) error {
	var have *int64
	err := d.pool.QueryRow(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&have)
	if isCode(err, "42P01") { // undefined_table
		return fmt.Errorf("%w at %s: the database has no syncctl tables (a `syncctl worker` on it creates them, as does `syncctl store migrate` into it)", store.ErrNoStore, d.name)
	}
	if err != nil {
		return fmt.Errorf("store %s: %w", d.name, err)
	}
	entries, err := migrationFiles()
	if err != nil {
		return err
	}
	want := entries[len(entries)-1].version
	if have == nil || int(*have) < want {
		got := int64(0)
		if have != nil {
			got = *have
		}
		return fmt.Errorf("store %s was written by an older syncctl (schema %d, this one reads schema %d): run `syncctl worker` on it once to upgrade it, then read it: %w",
			d.name, got, want, store.ErrSchemaOutdated)
	}
	return nil
}

// querier is what a pool and a transaction share.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// tx runs f in a transaction (READ COMMITTED), again when PostgreSQL ended
// it for a deadlock or a serialization failure (two workers locking the
// same rows in different orders): f must be safe to run again.
func (d *DB) tx(ctx context.Context, f func(pgx.Tx) error) error {
	var err error
	for attempt := 0; attempt < 6; attempt++ {
		if attempt > 0 {
			wait := time.Duration(attempt*20+rand.IntN(30)) * time.Millisecond
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
		}
		err = pgx.BeginFunc(ctx, d.pool, f)
		if !isCode(err, "40001", "40P01") {
			break
		}
	}
	return d.explain(err)
}

// exec runs one statement outside an explicit transaction.
func (d *DB) exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	tag, err := d.pool.Exec(ctx, sql, args...)
	return tag, d.explain(err)
}

// explain says a write refused by a read-only open for people.
func (d *DB) explain(err error) error {
	if isCode(err, "25006") { // read_only_sql_transaction
		return fmt.Errorf("store %s is open for reading only (a command that only reads): %w", d.name, err)
	}
	return err
}

// isCode reports whether err is a PostgreSQL error with one of the codes.
func isCode(err error, codes ...string) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	for _, c := range codes {
		if pe.Code == c {
			return true
		}
	}
	return false
}

// constraintOf is the constraint a PostgreSQL error names ("" for none).
func constraintOf(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.ConstraintName
	}
	return ""
}

// limitOrAll is a LIMIT argument: NULL (no limit) for limit ≤ 0.
func limitOrAll(limit int) any {
	if limit <= 0 {
		return nil
	}
	return limit
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

// collect reads every row with fn and closes the rows; no row is a nil
// slice, as store/sqlite returns (JSON output prints null alike).
func collect[T any](rows pgx.Rows, fn pgx.RowToFunc[T]) ([]T, error) {
	out, err := pgx.CollectRows(rows, fn)
	if len(out) == 0 {
		out = nil
	}
	return out, err
}
