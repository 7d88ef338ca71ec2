package sqlite

import (
	"context"
	"database/sql"
)

// The hot statements of a push (a product read, its listings, the write
// lease, the listings' upsert, the change set) are prepared once and kept:
// database/sql prepares each again on every connection it runs on and
// keeps it there, so SQLite parses them once per connection instead of at
// every call, and never while a write transaction holds the database. A
// push of 20 000 SKUs otherwise spent a quarter of its CPU in SQLite's
// parser, much of it under the write lock every writer waits on.
//
// Only constant SQL goes through here (the cache is keyed by the text and
// never evicts): a statement built from a variable number of values does not.

// stmt returns the prepared statement for query.
func (d *DB) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := d.stmts.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := d.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := d.stmts.LoadOrStore(query, s); loaded {
		_ = s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}

// exec runs a prepared query that writes: in tx when it is not nil, else
// on its own as this process's writer (DB.write).
func (d *DB) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (res sql.Result, err error) {
	s, err := d.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if tx != nil {
		return tx.StmtContext(ctx, s).ExecContext(ctx, args...)
	}
	err = d.write(ctx, func() error {
		res, err = s.ExecContext(ctx, args...)
		return err
	})
	return res, err
}

// query runs a prepared query that returns rows, in tx when it is not nil.
func (d *DB) query(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	s, err := d.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if tx != nil {
		s = tx.StmtContext(ctx, s)
	}
	return s.QueryContext(ctx, args...)
}

// queryRow runs a prepared query that returns one row, in tx when it is
// not nil; an error preparing it comes back from Scan.
func (d *DB) queryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) rowScanner {
	s, err := d.stmt(ctx, query)
	if err != nil {
		return errRow{err}
	}
	if tx != nil {
		s = tx.StmtContext(ctx, s)
	}
	return s.QueryRowContext(ctx, args...)
}

// rowScanner is what *sql.Row offers.
type rowScanner interface{ Scan(dest ...any) error }

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// closeStmts closes the kept statements (Close).
func (d *DB) closeStmts() {
	d.stmts.Range(func(k, s any) bool {
		_ = s.(*sql.Stmt).Close()
		d.stmts.Delete(k)
		return true
	})
}
