package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/syncctl/syncctl/store"
)

// newStoreCmd groups the commands about the store itself.
func newStoreCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "store", Short: "Move the store between backends (SQLite, PostgreSQL)"}
	cmd.AddCommand(newStoreMigrateCmd(g, nil))
	return cmd
}

// storeEnd is one end of a migration: a driver and its DSN, given on the
// command line or read from an environment variable.
type storeEnd struct {
	driver string
	dsn    string
	env    string // the variable the DSN came from, if any
}

// storeMigrateOptions are the flags of `syncctl store migrate`.
type storeMigrateOptions struct {
	from, to storeEnd
	force    bool
}

func newStoreMigrateCmd(g *globals, runF runFunc[storeMigrateOptions]) *cobra.Command {
	if runF == nil {
		runF = storeMigrateRun
	}
	o := &storeMigrateOptions{}
	cmd := &cobra.Command{
		Use:   "migrate --to-driver postgres (--to DSN | --to-env VAR) [--from-driver sqlite (--from DSN | --from-env VAR)] [--force]",
		Short: "Copy every table of one store into another, e.g. from SQLite to PostgreSQL",
		Long: `migrate copies every row of a store into another store, of the same backend or another
(sqlite, postgres), one transaction per table. The source is opened read-only; the target is
created and migrated to this syncctl's schema first. A target that holds rows is refused,
and nothing is written, unless --force: then its rows are replaced.

The source is the configured store (--config, SYNCCTL_STORE_DSN, --state-dir, --store-dsn)
unless --from / --from-env name another. Stop the workers before: rows written while the
copy runs may be missed.

A DSN with a password never goes on the command line (ps and shell history show it): put the
DSN in an environment variable and name it with --to-env / --from-env, or the password in
PGPASSWORD or a passfile.

  syncctl store migrate --state-dir /var/lib/syncctl --to-driver postgres --to-env SYNCCTL_PG_DSN`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, end := range []struct {
				e         *storeEnd
				flag, env string
				required  bool
			}{{&o.from, "from", o.from.env, false}, {&o.to, "to", o.to.env, true}} {
				switch {
				case end.e.dsn != "" && end.env != "":
					return usageError{fmt.Errorf("--%s and --%s-env name the same thing: give one", end.flag, end.flag)}
				case end.e.dsn != "" && store.DSNHasPassword(end.e.dsn):
					return usageError{fmt.Errorf("--%s: a DSN with a password never goes on the command line (ps and shell history show it): put it in an environment variable and pass --%s-env NAME, or the password in PGPASSWORD", end.flag, end.flag)}
				case end.env != "":
					v := lookupEnv(end.env)
					if v == "" {
						return usageError{fmt.Errorf("--%s-env %s: the variable is not set", end.flag, end.env)}
					}
					end.e.dsn = v
				case end.required && end.e.dsn == "":
					return usageError{fmt.Errorf("--to or --to-env is required: the store to copy into")}
				}
			}
			if o.to.driver == "" {
				return usageError{errors.New("--to-driver is required (sqlite or postgres)")}
			}
			return runF(cmd.Context(), g, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.from.driver, "from-driver", "", "the source's driver: sqlite or postgres (default: the configured store's)")
	f.StringVar(&o.from.dsn, "from", "", "the source's DSN (default: the configured store)")
	f.StringVar(&o.from.env, "from-env", "", "an environment variable holding the source's DSN")
	f.StringVar(&o.to.driver, "to-driver", "", "the target's driver: sqlite or postgres")
	f.StringVar(&o.to.dsn, "to", "", "the target's DSN (without a password: see --to-env)")
	f.StringVar(&o.to.env, "to-env", "", "an environment variable holding the target's DSN")
	f.BoolVar(&o.force, "force", false, "replace the rows of a target that holds some")
	return cmd
}

// migrateReport is what `store migrate` prints.
type migrateReport struct {
	From    storeRef          `json:"from"`
	To      storeRef          `json:"to"`
	Tables  []store.TableCopy `json:"tables"`
	Rows    int64             `json:"rows"`
	Seconds float64           `json:"seconds"`
}

// storeRef names a store without the DSN's password.
type storeRef struct {
	Driver string `json:"driver"`
	DSN    string `json:"dsn"`
}

func storeMigrateRun(ctx context.Context, g *globals, o *storeMigrateOptions) error {
	from := o.from
	if from.dsn == "" || from.driver == "" {
		cfg, err := g.load()
		if err != nil {
			return err
		}
		if from.dsn == "" {
			from.dsn = cfg.Store.DSN
			if from.driver == "" {
				from.driver = cfg.Store.Driver
			}
		}
	}
	if from.driver == "" {
		from.driver = "sqlite"
	}
	rep := migrateReport{From: storeRef{from.driver, store.RedactDSN(from.dsn)}, To: storeRef{o.to.driver, store.RedactDSN(o.to.dsn)}}
	if from.driver == o.to.driver && from.dsn == o.to.dsn {
		return usageError{fmt.Errorf("the source and the target are the same store (%s %s)", rep.From.Driver, rep.From.DSN)}
	}
	src, err := store.OpenReadOnly(ctx, from.driver, from.dsn)
	if errors.Is(err, store.ErrNoStore) {
		return fmt.Errorf("nothing to copy: %w", err)
	}
	if err != nil {
		return fmt.Errorf("the source store (%s %s): %w", rep.From.Driver, rep.From.DSN, err)
	}
	defer src.Close()
	dst, err := store.Open(ctx, o.to.driver, o.to.dsn)
	if err != nil {
		return fmt.Errorf("the target store (%s %s): %w", rep.To.Driver, rep.To.DSN, err)
	}
	defer dst.Close()
	start := time.Now()
	rep.Tables, err = store.Copy(ctx, src, dst, store.CopyOptions{Force: o.force, Progress: func(table string, rows int64) {
		if g.verbose {
			fmt.Fprintf(g.io.Err, "copied %s: %s\n", table, plural(int(rows), "row", "rows"))
		}
	}})
	if err != nil {
		return err
	}
	rep.Seconds = time.Since(start).Seconds()
	for _, t := range rep.Tables {
		rep.Rows += t.Rows
	}
	if g.json() {
		return g.printJSON(rep)
	}
	tw := newTable(g.io.Out)
	tw.row("TABLE", "ROWS")
	for _, t := range rep.Tables {
		tw.row(t.Table, t.Rows)
	}
	if err := tw.flush(); err != nil {
		return err
	}
	fmt.Fprintf(g.io.Out, "copied %s in %s from %s %s to %s %s in %.1fs\n", plural(int(rep.Rows), "row", "rows"),
		plural(len(rep.Tables), "table", "tables"), rep.From.Driver, rep.From.DSN, rep.To.Driver, rep.To.DSN, rep.Seconds)
	return nil
}
