package store

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"sort"
	"strings"

	"github.com/syncctl/syncctl/domain"
)

// Tables is what a backend offers to copy a store into another backend
// (syncctl store migrate): its schema version and its tables row by row.
// Every backend names its tables and columns alike (the schema is one,
// written once per SQL dialect) and keeps its values as int64, string or
// nil, so that rows go from one to the other as they are.
type Tables interface {
	// SchemaVersion is the newest migration applied to the store.
	SchemaVersion(ctx context.Context) (int, error)
	// TableNames lists the store's tables, not its migration bookkeeping.
	TableNames(ctx context.Context) ([]string, error)
	// CountRows counts a table's rows.
	CountRows(ctx context.Context, table string) (int64, error)
	// ReadTable calls fn with the table's columns and its rows, in the
	// order they were written, read in one transaction.
	ReadTable(ctx context.Context, table string, fn func(cols []string, rows iter.Seq2[[]any, error]) error) error
	// WriteTable replaces the table's rows with rows (columns cols), in one
	// transaction, and counts them.
	WriteTable(ctx context.Context, table string, cols []string, rows iter.Seq2[[]any, error]) (int64, error)
}

// CopyOptions change how Copy writes.
type CopyOptions struct {
	// Force replaces the rows of a target that is not empty; without it
	// such a target is refused and nothing is written.
	Force bool
	// Progress, if set, is called after each table is copied.
	Progress func(table string, rows int64)
}

// TableCopy says how many rows of one table Copy wrote.
type TableCopy struct {
	Table string `json:"table"`
	Rows  int64  `json:"rows"`
}

// Copy copies every table of one store into another (of any backend), a
// table per transaction, streaming its rows: the way a store moves from
// SQLite to PostgreSQL. Both stores must be at the same schema version.
// A target that holds rows is refused (EConflict) unless o.Force. Workers
// writing the source while it runs make a copy that mixes moments: stop
// them first.
func Copy(ctx context.Context, from, to Store, o CopyOptions) ([]TableCopy, error) {
	src, ok := from.(Tables)
	if !ok {
		return nil, domain.Errorf(domain.EInvalid, "copy: the source store (%T) cannot list its tables", from)
	}
	dst, ok := to.(Tables)
	if !ok {
		return nil, domain.Errorf(domain.EInvalid, "copy: the target store (%T) cannot list its tables", to)
	}
	sv, err := src.SchemaVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("copy: source schema: %w", err)
	}
	dv, err := dst.SchemaVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("copy: target schema: %w", err)
	}
	if sv != dv {
		return nil, domain.Errorf(domain.EInvalid, "copy: the source store is at schema %d and the target at %d: both must be at the same one (open the older with this syncctl's worker first)", sv, dv)
	}
	names, err := src.TableNames(ctx)
	if err != nil {
		return nil, fmt.Errorf("copy: source tables: %w", err)
	}
	targets, err := dst.TableNames(ctx)
	if err != nil {
		return nil, fmt.Errorf("copy: target tables: %w", err)
	}
	if missing, extra := diff(names, targets); len(missing)+len(extra) > 0 {
		return nil, domain.Errorf(domain.EInvalid, "copy: the two stores' tables differ at schema %d (only in the source: %s; only in the target: %s)",
			sv, listOrNone(missing), listOrNone(extra))
	}
	if !o.Force {
		var full []string
		for _, name := range targets {
			n, err := dst.CountRows(ctx, name)
			if err != nil {
				return nil, fmt.Errorf("copy: target table %s: %w", name, err)
			}
			if n > 0 {
				full = append(full, fmt.Sprintf("%s (%d rows)", name, n))
			}
		}
		if len(full) > 0 {
			return nil, domain.Errorf(domain.EConflict, "copy: the target store is not empty: %s; copy into an empty store, or force it to replace those rows; nothing was written", domain.List(full))
		}
	}
	var out []TableCopy
	for _, name := range copyOrder(names) {
		var n int64
		err := src.ReadTable(ctx, name, func(cols []string, rows iter.Seq2[[]any, error]) error {
			var err error
			n, err = dst.WriteTable(ctx, name, cols, rows)
			return err
		})
		if err != nil {
			return out, fmt.Errorf("copy: table %s: %w", name, err)
		}
		out = append(out, TableCopy{Table: name, Rows: n})
		if o.Progress != nil {
			o.Progress(name, n)
		}
	}
	return out, nil
}

// copyOrder is the order tables are written in: the catalog first (skus
// refer to products), push_removals last (the triggers of skus and
// listings write it while those are copied: its own rows then replace
// what they wrote), the others by name.
func copyOrder(names []string) []string {
	rank := func(n string) int {
		switch n {
		case "products":
			return 0
		case "skus":
			return 1
		case "push_removals":
			return 3
		}
		return 2
	}
	out := slices.Clone(names)
	sort.SliceStable(out, func(i, j int) bool {
		if ri, rj := rank(out[i]), rank(out[j]); ri != rj {
			return ri < rj
		}
		return out[i] < out[j]
	})
	return out
}

// diff returns the names only in a and those only in b.
func diff(a, b []string) (onlyA, onlyB []string) {
	for _, n := range a {
		if !slices.Contains(b, n) {
			onlyA = append(onlyA, n)
		}
	}
	for _, n := range b {
		if !slices.Contains(a, n) {
			onlyB = append(onlyB, n)
		}
	}
	return onlyA, onlyB
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
