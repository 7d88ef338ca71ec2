package postgres

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/syncctl/syncctl/store"
)

// The rows of the store table by table (store.Tables), for syncctl store
// migrate.

var _ store.Tables = (*DB)(nil)

// internalColumns are this backend's own columns, not copied: deliveries'
// seq stands for SQLite's rowid, and a copy writes rows in its order.
var internalColumns = map[string][]string{"deliveries": {"seq"}}

// SchemaVersion is the newest migration applied.
func (d *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := d.pool.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// TableNames lists the store's tables but schema_migrations.
func (d *DB) TableNames(ctx context.Context) ([]string, error) {
	rows, _ := d.pool.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY table_name`)
	return collect(rows, pgx.RowTo[string])
}

// CountRows counts a table's rows.
func (d *DB) CountRows(ctx context.Context, table string) (int64, error) {
	var n int64
	err := d.pool.QueryRow(ctx, `SELECT COUNT(*) FROM `+pgx.Identifier{table}.Sanitize()).Scan(&n)
	return n, err
}

// columns lists a table's columns, in their order, but the internal ones.
func columns(ctx context.Context, q querier, table string) ([]string, error) {
	rows, _ := q.Query(ctx, `SELECT column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, table)
	cols, err := collect(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("no table %s", table)
	}
	return slices.DeleteFunc(cols, func(c string) bool { return slices.Contains(internalColumns[table], c) }), nil
}

// ReadTable reads a table in one read-only snapshot, in insertion order
// where the table keeps one (seq, identity ids), else by primary key.
func (d *DB) ReadTable(ctx context.Context, table string, fn func(cols []string, rows iter.Seq2[[]any, error]) error) error {
	tx, err := d.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(context.Background())
	cols, err := columns(ctx, tx, table)
	if err != nil {
		return err
	}
	order := internalColumns[table]
	if len(order) == 0 {
		rows, _ := tx.Query(ctx, `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
			WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)`,
			pgx.Identifier{table}.Sanitize())
		if order, err = collect(rows, pgx.RowTo[string]); err != nil {
			return err
		}
	}
	q := `SELECT ` + identifiers(cols) + ` FROM ` + pgx.Identifier{table}.Sanitize()
	if len(order) > 0 {
		q += ` ORDER BY ` + identifiers(order)
	}
	rows, err := tx.Query(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	err = fn(cols, func(yield func([]any, error) bool) {
		for rows.Next() {
			vals, err := rows.Values()
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

// WriteTable replaces the table's rows in one transaction, with COPY, and
// moves its identity sequences past the ids copied.
func (d *DB) WriteTable(ctx context.Context, table string, cols []string, rows iter.Seq2[[]any, error]) (int64, error) {
	var n int64
	tx, err := d.pool.Begin(ctx)
	if err != nil {
		return 0, d.explain(err)
	}
	defer tx.Rollback(context.Background())
	have, err := columns(ctx, tx, table)
	if err != nil {
		return 0, err
	}
	for _, c := range cols {
		if !slices.Contains(have, c) {
			return 0, fmt.Errorf("the target's table %s has no column %s (its schema differs)", table, c)
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM `+pgx.Identifier{table}.Sanitize()); err != nil {
		return 0, d.explain(err)
	}
	next, stop := iter.Pull2(rows)
	defer stop()
	n, err = tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(func() ([]any, error) {
		vals, err, ok := next()
		if !ok {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		for i, v := range vals {
			if b, isBytes := v.([]byte); isBytes { // SQLite hands TEXT back as bytes at times
				vals[i] = string(b)
			}
		}
		return vals, nil
	}))
	if err != nil {
		return 0, err
	}
	idents, _ := tx.Query(ctx, `SELECT column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 AND is_identity = 'YES'`, table)
	identity, err := collect(idents, pgx.RowTo[string])
	if err != nil {
		return 0, err
	}
	for _, c := range identity {
		if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX(`+pgx.Identifier{c}.Sanitize()+`), 0) + 1, false) FROM `+
			pgx.Identifier{table}.Sanitize(), pgx.Identifier{table}.Sanitize(), c); err != nil {
			return 0, err
		}
	}
	return n, tx.Commit(ctx)
}

func identifiers(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = pgx.Identifier{n}.Sanitize()
	}
	return strings.Join(quoted, ", ")
}
