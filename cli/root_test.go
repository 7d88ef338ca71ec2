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
)

func writeFile(t *testing.T, path, body string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

// newStore makes an empty store in a state dir (the read commands do not
// create one).
func newStore(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "syncctl.db")
	st, err := store.Open(context.Background(), "sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	return path
}

// Where the store lives: the config's store.dsn < SYNCCTL_STORE_DSN <
// --state-dir (only when given) < --store-dsn.
func TestStoreLocationPrecedence(t *testing.T) {
	dir := t.TempDir()
	csv := writeFile(t, filepath.Join(dir, "c.csv"), "spu_code,title,sku_code,list_price\nA-1,好东西啊,A-1-1,1.00\n")
	fromFile := filepath.Join(dir, "file", "syncctl.db")
	cfg := writeFile(t, filepath.Join(dir, "c.yaml"), "store:\n  dsn: "+fromFile+"\n")
	t.Setenv("SYNCCTL_STORE_DSN", "")
	t.Setenv("SYNCCTL_CONFIG", "")
	importTo := func(want string, args ...string) {
		t.Helper()
		if code, _, e := run(t, append(append([]string{"catalog", "import", csv}, args...), "-o", "json")...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, e)
		}
		if !exists(want) {
			t.Fatalf("%v: no store at %s", args, want)
		}
		if code, out, e := run(t, "catalog", "show", "--store-dsn", want, "-o", "json"); code != 0 || !strings.Contains(out, `"A-1-1"`) {
			t.Fatalf("%v: store %s does not hold the import: %d %s %s", args, want, code, out, e)
		}
	}
	importTo(fromFile, "--config", cfg) // the default --state-dir does not override the file
	fromEnv := filepath.Join(dir, "env.db")
	t.Setenv("SYNCCTL_STORE_DSN", fromEnv)
	importTo(fromEnv, "--config", cfg)
	stateDir := filepath.Join(dir, "state")
	importTo(filepath.Join(stateDir, "syncctl.db"), "--config", cfg, "--state-dir", stateDir)
	fromFlag := filepath.Join(dir, "flag.db")
	importTo(fromFlag, "--config", cfg, "--state-dir", stateDir, "--store-dsn", fromFlag)
	if code, _, e := run(t, "catalog", "show", "--store-dsn", ""); code != cli.ExitUsage {
		t.Fatalf("empty --store-dsn: exit %d (%s)", code, e)
	}
}

func TestGroupsWithoutCommandAreUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"catalog"}, {"orders"}, {"sandbox"}} {
		code, out, errOut := run(t, args...)
		if code != cli.ExitUsage {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		if !strings.Contains(errOut, "Usage:") || !strings.Contains(errOut, "syncctl:") || out != "" {
			t.Errorf("%v: want help and one error on stderr, nothing on stdout; got stdout %q stderr %q", args, out, errOut)
		}
	}
	if code, _, errOut := run(t, "catalog", "bogus"); code != cli.ExitUsage || !strings.Contains(errOut, `unknown command "bogus" for "syncctl catalog"`) {
		t.Errorf("catalog bogus: exit %d: %s", code, errOut)
	}
	if code, out, _ := run(t, "catalog", "--help"); code != 0 || !strings.Contains(out, "import") {
		t.Fatalf("catalog --help: exit %d: %s", code, out)
	}
}

func TestBadUsageExits2(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"catalog", "import", filepath.Join(dir, "x.csv"), "--format", "xml"},
		{"catalog", "export", "--format", "xml"},
		{"catalog", "show", "--limit", "-1"},
		{"catalog", "show", "--limit", "ten"},
		{"dev", "--port", "7399", "--ui-port", "7399"},
		{"dev", "--port", "7399", "--sandbox-port", "7399"},
		{"dev", "--ui-port", "-2"},
		{"orders", "pull", "--shop", "tmall/a", "--interval", "-1s"},
		{"push", "--shop", "tmall/a", "extra"},
		{"completion", "bash", "extra"},
	} {
		args = append(args, "--state-dir", dir)
		if code, _, errOut := run(t, args...); code != cli.ExitUsage {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errOut)
		}
	}
	// The demo's sandbox state lives in the state dir: a store elsewhere alone would not match it.
	if code, _, errOut := run(t, "demo", "--store-dsn", filepath.Join(dir, "s.db")); code != cli.ExitUsage || !strings.Contains(errOut, "--state-dir") {
		t.Errorf("demo --store-dsn alone: exit %d, want 2 (%s)", code, errOut)
	}
}

// main prints one human message: no domain code prefix, no Go wrapping noise.
func TestErrorsArePrintedOnceWithoutCodes(t *testing.T) {
	dir := t.TempDir()
	newStore(t, dir)
	code, out, errOut := run(t, "--state-dir", dir, "catalog", "show", "NOPE")
	if code != cli.ExitError || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	if errOut != "syncctl: product NOPE is not in the catalog\n" {
		t.Fatalf("stderr = %q", errOut)
	}
	cfg := writeFile(t, filepath.Join(dir, "c.yaml"), "shops:\n  - channel: tmall\n    shop: a\n    gateway: https://eco.taobao.com/router/rest\n    credentials: {app_key: {value: k}}\n")
	t.Setenv("SYNCCTL_TMALL_A_APP_SECRET", "s3cret-value")
	t.Setenv("SYNCCTL_TMALL_A_SESSION", "")
	code, _, errOut = run(t, "--state-dir", dir, "--config", cfg, "worker")
	if code != cli.ExitError || strings.Count(errOut, "syncctl:") != 1 ||
		!strings.Contains(errOut, "shop tmall/a, credential session: env var SYNCCTL_TMALL_A_SESSION is not set") ||
		strings.Contains(errOut, "s3cret-value") || strings.Contains(errOut, "invalid:") {
		t.Fatalf("worker with a missing secret: exit %d: %q", code, errOut)
	}
}

// A configuration that does not load is a usage error (exit 2) naming the
// field; old credential keys give the new spelling.
func TestBadConfigurationIsAUsageError(t *testing.T) {
	dir := t.TempDir()
	for body, want := range map[string]string{
		"erp:\n  url: not a url\n": "config erp, field url: want an absolute http:// or https:// URL",
		"shops:\n  - channel: tmall\n    shop: a\n    gateway: https://x\n    session_env: S\n": "field session_env: replaced by credentials",
	} {
		cfg := writeFile(t, filepath.Join(dir, "c.yaml"), body)
		code, _, errOut := run(t, "--state-dir", dir, "--config", cfg, "catalog", "show")
		if code != cli.ExitUsage || !strings.Contains(errOut, want) {
			t.Errorf("%q: exit %d: %q, want 2 and %q", body, code, errOut, want)
		}
	}
}

func TestCatalogImportCountsRowsNotProblems(t *testing.T) {
	dir := t.TempDir()
	csv := writeFile(t, filepath.Join(dir, "c.csv"), "spu_code,title,sku_code,specs,list_price,stock\n"+
		"TS-1,纯棉T恤,TS-1-W,颜色:白,59.90,10\n"+
		"TS-1,纯棉T恤,TS-1-B,颜色:黑,0,-1\n"+ // two problems, one row
		"TS-1,纯棉T恤,TS-1-R,颜色:红,-2,10\n"+
		"TS-1,纯棉T恤,,颜色:绿,9.90,10\n")
	code, out, errOut := run(t, "--state-dir", dir, "catalog", "import", csv)
	if code != cli.ExitPartial {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "3 rows rejected (4 problems)") {
		t.Fatalf("stdout = %q", out)
	}
	for _, want := range []string{"row 3, field list_price", "row 3, field stock", "row 4, field list_price", "row 5, field sku_code"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr does not list %q: %s", want, errOut)
		}
	}
	code, out, _ = run(t, "--state-dir", dir, "catalog", "import", csv, "-o", "json")
	var rep struct {
		RejectedRows int      `json:"rejected_rows"`
		Rejected     []string `json:"rejected"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != cli.ExitPartial || rep.RejectedRows != 3 || len(rep.Rejected) != 4 {
		t.Fatalf("json: exit %d, %+v, %v: %s", code, rep, err, out)
	}
}

func TestCatalogShowPages(t *testing.T) {
	dir := t.TempDir()
	newStore(t, dir)
	if code, out, _ := run(t, "--state-dir", dir, "catalog", "show", "-o", "json"); code != 0 || strings.TrimSpace(out) != "[]" {
		t.Fatalf("empty store: exit %d, %q", code, out)
	}
	csv := "spu_code,title,sku_code,list_price\n"
	for _, c := range []string{"A", "B", "C", "D", "E"} {
		csv += c + "-1,好东西" + c + "," + c + "-1-1,1.00\n"
	}
	file := writeFile(t, filepath.Join(dir, "c.csv"), csv)
	if code, _, e := run(t, "--state-dir", dir, "catalog", "import", file); code != 0 {
		t.Fatalf("import: %s", e)
	}
	code, out, errOut := run(t, "--state-dir", dir, "catalog", "show", "--limit", "2")
	if code != 0 || !strings.Contains(out, "B-1") || strings.Contains(out, "C-1") || !strings.Contains(errOut, "… 3 more; use --after B-1") {
		t.Fatalf("page 1: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = run(t, "--state-dir", dir, "catalog", "show", "--limit", "2", "--after", "B-1", "-o", "json")
	var page []struct{ Code string }
	if err := json.Unmarshal([]byte(out), &page); err != nil || code != 0 || len(page) != 2 || page[0].Code != "C-1" ||
		!strings.Contains(errOut, "… 1 more; use --after D-1") {
		t.Fatalf("page 2: exit %d %v\n%s\n%s", code, err, out, errOut)
	}
	code, out, errOut = run(t, "--state-dir", dir, "catalog", "show", "--after", "D-1")
	if code != 0 || !strings.Contains(out, "E-1") || errOut != "" {
		t.Fatalf("last page: exit %d\n%s\n%q", code, out, errOut)
	}
	if code, out, _ := run(t, "--state-dir", dir, "catalog", "show", "--limit", "0", "-o", "json"); code != 0 || strings.Count(out, `"code"`) < 5 {
		t.Fatalf("--limit 0: %s", out)
	}
}
