package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/syncctl/syncctl/store"
)

// The rows of the store table by table (store.Tables), for syncctl store
// migrate.

var _ store.Tables = (*DB)(nil)

// SchemaVersion is the newest migration applied.
func (d *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := d.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// TableNames lists the store's tables but schema_migrations (and SQLite's own).
func (d *DB) TableNames(ctx context.Context) ([]string, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table'
		AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name <> 'schema_migrations' ORDER BY name`)
	return scanAll(rows, err, func(r *sql.Rows) (name string, err error) { return name, r.Scan(&name) })
}

// CountRows counts a table's rows.
func (d *DB) CountRows(ctx context.Context, table string) (int64, error) {
	var n int64
	err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+quote(table)).Scan(&n)
	return n, err
}

// columns lists a table's columns in their order.
func columns(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, table string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, table)
	cols, err := scanAll(rows, err, func(r *sql.Rows) (name string, err error) { return name, r.Scan(&name) })
	if err == nil && len(cols) == 0 {
		err = fmt.Errorf("no table %s", table)
	}
	return cols, err
}

// ReadTable reads a table with one query (one snapshot of it), in
// insertion order (rowid). TEXT comes as string, INTEGER as int64.
func (d *DB) ReadTable(ctx context.Context, table string, fn func(cols []string, rows iter.Seq2[[]any, error]) error) error {
	cols, err := columns(ctx, d.db, table)
	if err != nil {
		return err
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = quote(c)
	}
	rows, err := d.db.QueryContext(ctx, `SELECT `+strings.Join(quoted, ", ")+` FROM `+quote(table)+` ORDER BY rowid`)
	if err != nil {
		return err
	}
	defer rows.Close()
	err = fn(cols, func(yield func([]any, error) bool) {
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			err := rows.Scan(ptrs...)
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					vals[i] = string(b)
				}
			}
			if !yield(vals, err) || err != nil {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(nil, err)
		}
	})
	if err != nil {
		return err
	}
	return rows.Err()
}

// WriteTable replaces the table's rows in one write transaction. The
// triggers of skus and listings write push_removals meanwhile: a copy
// writes that table last (store.Copy).
func (d *DB) WriteTable(ctx context.Context, table string, cols []string, rows iter.Seq2[[]any, error]) (int64, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	have, err := columns(ctx, tx, table)
	if err != nil {
		return 0, err
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		if !slices.Contains(have, c) {
			return 0, fmt.Errorf("the target's table %s has no column %s (its schema differs)", table, c)
		}
		quoted[i] = quote(c)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+quote(table)); err != nil {
		return 0, err
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO `+quote(table)+` (`+strings.Join(quoted, ", ")+`) VALUES (?`+strings.Repeat(", ?", len(cols)-1)+`)`)
	if err != nil {
		return 0, err
	}
	defer ins.Close()
	var n int64
	for vals, err := range rows {
		if err != nil {
			return 0, err
		}
		if _, err := ins.ExecContext(ctx, vals...); err != nil {
			return 0, err
		}
		n++
	}
	return n, tx.Commit()
}

func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }
