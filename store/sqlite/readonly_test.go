package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
	"github.com/syncctl/syncctl/store/sqlite"
	"github.com/syncctl/syncctl/store/storetest"
)

// readOnlyStore makes a store with one product in a directory that, like
// the file, its owner may only read; it returns the file's path.
func readOnlyStore(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "state")
	path := filepath.Join(dir, "syncctl.db")
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportProducts(ctx, []domain.Product{storetest.Product("A", 2)}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(dir, 0o755) })
	return path
}

// asUnprivileged runs this test again as nobody when the tests run as root
// (root writes read-only files anyway): it returns true in the parent,
// whose work is done; the child (and a non-root run) goes on.
func asUnprivileged(t *testing.T, path string) (done bool) {
	t.Helper()
	if os.Getenv("SYNCCTL_TEST_RO_PATH") != "" || os.Getuid() != 0 {
		return false
	}
	// nobody must reach the store and run a copy of this binary.
	for d := filepath.Dir(filepath.Dir(path)); d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		_ = os.Chmod(d, 0o755)
	}
	bin := filepath.Join(filepath.Dir(filepath.Dir(path)), "test.bin")
	if err := copyFile(os.Args[0], bin); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run", "^"+t.Name()+"$", "-test.v")
	cmd.Env = append(os.Environ(), "SYNCCTL_TEST_RO_PATH="+path, "HOME=/tmp")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
	return true
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// A store its reader may not write (file and directory read-only) is read
// by the read-only open; the writable open's error names the file and what
// to do, without SQLite's code.
func TestReadOnlyOpenReadsAStoreItMayNotWrite(t *testing.T) {
	path := os.Getenv("SYNCCTL_TEST_RO_PATH")
	if path == "" {
		path = readOnlyStore(t)
		if asUnprivileged(t, path) {
			return
		}
	}
	ctx := context.Background()
	db, err := sqlite.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatalf("read-only open: %v", err)
	}
	defer db.Close()
	if ps, err := db.ListProducts(ctx, "", 10); err != nil || len(ps) != 1 {
		t.Fatalf("ListProducts = %v, %v", ps, err)
	}
	if _, err := db.ImportProducts(ctx, []domain.Product{storetest.Product("B", 1)}); err == nil {
		t.Fatal("a read-only store took a write")
	} else if msg := sqlite.Explain(err, path).Error(); !strings.Contains(msg, path) || strings.Contains(msg, "(8)") || !strings.Contains(msg, "cannot be written") {
		t.Fatalf("write error said as %q", msg)
	}
	_, err = sqlite.Open(ctx, path)
	if err == nil {
		t.Fatal("the writable open worked on a read-only directory")
	}
	if msg := sqlite.Explain(err, path).Error(); strings.Contains(msg, "(1544)") || strings.Contains(msg, "(8)") || !strings.Contains(msg, path) {
		t.Fatalf("writable open error said as %q (from %v)", msg, err)
	}
}

// Reading never creates a store, and refuses one it cannot read without
// upgrading it, or a file that is not a store.
func TestReadOnlyOpenRefusesWhatItCannotRead(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope", "syncctl.db")
	if _, err := sqlite.OpenReadOnly(ctx, missing); !errors.Is(err, store.ErrNoStore) || !strings.Contains(err.Error(), missing) {
		t.Fatalf("missing store: %v", err)
	}
	if _, err := os.Stat(filepath.Dir(missing)); !os.IsNotExist(err) {
		t.Fatal("a read-only open created the store's directory")
	}
	old := filepath.Join(dir, "old.db")
	db, err := sqlite.Open(ctx, old)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := sql.Open("sqlite", old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	if _, err := sqlite.OpenReadOnly(ctx, old); !errors.Is(err, store.ErrSchemaOutdated) || !strings.Contains(err.Error(), "older syncctl") {
		t.Fatalf("older schema: %v", err)
	}
	junk := filepath.Join(dir, "junk.db")
	_ = os.WriteFile(junk, []byte(strings.Repeat("not a database ", 100)), 0o600)
	if _, err := sqlite.OpenReadOnly(ctx, junk); err == nil || strings.Contains(err.Error(), "(26)") || !strings.Contains(err.Error(), junk) {
		t.Fatalf("not a database: %v", err)
	}
	if st, err := store.OpenReadOnly(ctx, "", old); err == nil {
		st.Close()
		t.Fatal("store.OpenReadOnly read an outdated store")
	}
}
