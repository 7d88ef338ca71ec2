package cli_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/cli"
	"github.com/syncctl/syncctl/store"
	"github.com/syncctl/syncctl/store/postgres/pgtest"
	"github.com/syncctl/syncctl/store/storetest"
)

// TestMain stops the PostgreSQL server the store tests start (pgtest).
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// `syncctl store migrate` copies a populated SQLite store (the configured
// one) into PostgreSQL, whose DSN comes from an environment variable; the
// copy reads back as the original through the store interface.
func TestStoreMigrateSQLiteToPostgres(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	lite, err := store.Open(ctx, "sqlite", filepath.Join(dir, "syncctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	storetest.Populate(t, lite)
	want := storetest.Snapshot(t, lite)
	lite.Close()

	dsn := pgtest.DSN(t)
	t.Setenv("SYNCCTL_STORE_DSN", "")
	t.Setenv("TEST_PG_DSN", dsn)
	code, out, errOut := run(t, "--state-dir", dir, "store", "migrate", "--to-driver", "postgres", "--to-env", "TEST_PG_DSN", "-o", "json")
	if code != 0 {
		t.Fatalf("migrate: exit %d: %s", code, errOut)
	}
	var rep struct {
		From, To struct{ Driver, DSN string }
		Tables   []store.TableCopy
		Rows     int64
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if rep.From.Driver != "sqlite" || rep.To.Driver != "postgres" || rep.Rows == 0 || len(rep.Tables) < 20 {
		t.Fatalf("report = %+v", rep)
	}
	pg, err := store.Open(ctx, "postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if diff := storetest.Diff(want, storetest.Snapshot(t, pg)); diff != "" {
		t.Fatalf("PostgreSQL after the migration reads otherwise than SQLite:\n%s", diff)
	}

	// Again: the target has rows now.
	code, _, errOut = run(t, "--state-dir", dir, "store", "migrate", "--to-driver", "postgres", "--to-env", "TEST_PG_DSN")
	if code != cli.ExitError || !strings.Contains(errOut, "the target store is not empty") {
		t.Fatalf("a second migration: exit %d: %s", code, errOut)
	}
	code, out, errOut = run(t, "--state-dir", dir, "store", "migrate", "--to-driver", "postgres", "--to-env", "TEST_PG_DSN", "--force")
	if code != 0 || !strings.Contains(out, "copied ") || !strings.Contains(out, "products") {
		t.Fatalf("a forced migration: exit %d: %s %s", code, out, errOut)
	}
}

// The flags: a password never on the command line nor in an error, one
// way to name each store, a target required.
func TestStoreMigrateUsage(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("EMPTY_DSN", "")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--to-driver", "postgres", "--to", "postgres://u:s3cret@db/x"}, "--to: a DSN with a password never goes on the command line"},
		{[]string{"--to-driver", "postgres", "--to", "host=db password=s3cret"}, "--to-env NAME"},
		{[]string{"--to-driver", "postgres", "--from", "postgres://u:s3cret@db/y", "--to", "postgres://u@db/x"}, "--from: a DSN with a password"},
		{[]string{"--to-driver", "postgres", "--to", "postgres://u@db/x", "--to-env", "X"}, "--to and --to-env"},
		{[]string{"--to-driver", "postgres", "--to-env", "EMPTY_DSN"}, "--to-env EMPTY_DSN: the variable is not set"},
		{[]string{"--to-driver", "postgres"}, "--to or --to-env is required"},
		{[]string{"--to", "postgres://u@db/x"}, "--to-driver is required"},
		{[]string{"--to-driver", "sqlite", "--to", filepath.Join(dir, "syncctl.db")}, "the same store"},
	} {
		code, _, errOut := run(t, append([]string{"--state-dir", dir, "store", "migrate"}, c.args...)...)
		if code != cli.ExitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", c.args, code, errOut, c.want)
		}
		if strings.Contains(errOut, "s3cret") {
			t.Errorf("%v: the error shows the password: %s", c.args, errOut)
		}
	}
	if code, _, errOut := run(t, "--store-dsn", "postgres://u:s3cret@db/x", "catalog", "show"); code != cli.ExitUsage || strings.Contains(errOut, "s3cret") {
		t.Errorf("--store-dsn with a password: exit %d: %s", code, errOut)
	}
	// A source that does not exist is not created.
	code, _, errOut := run(t, "--state-dir", filepath.Join(dir, "none"), "store", "migrate", "--to-driver", "sqlite", "--to", filepath.Join(dir, "to.db"))
	if code != cli.ExitError || !strings.Contains(errOut, "nothing to copy") || exists(filepath.Join(dir, "none", "syncctl.db")) {
		t.Errorf("migrate from a missing store: exit %d: %s", code, errOut)
	}
}
