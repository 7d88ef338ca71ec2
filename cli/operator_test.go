package cli_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"go.temporal.io/server/temporaltest"

	"github.com/syncctl/syncctl/cli"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
	"github.com/syncctl/syncctl/store/storetest"
)

// readCommands are the commands that only read the store, with the
// arguments each needs.
var readCommands = [][]string{
	{"catalog", "show"},
	{"catalog", "show", "A"},
	{"catalog", "export", "--format", "csv"},
	{"listings", "--shop", "tmall/flagship"},
	{"orders", "list", "--shop", "tmall/flagship"},
	{"orders", "rejected", "--shop", "tmall/flagship"},
}

// asNobody runs this test again as nobody when the tests run as root (root
// writes read-only files anyway); it returns true in the parent, whose
// work is then done. env is passed to the child.
func asNobody(t *testing.T, top string, env ...string) bool {
	t.Helper()
	if os.Getenv("SYNCCTL_TEST_CHILD") != "" || os.Getuid() != 0 {
		return false
	}
	for d := top; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		_ = os.Chmod(d, 0o755)
	}
	bin := filepath.Join(top, "cli.test")
	in, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err == nil {
		_, err = io.Copy(out, in)
		out.Close()
	}
	in.Close()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run", "^"+t.Name()+"$", "-test.v")
	cmd.Dir = top
	cmd.Env = append(os.Environ(), append(env, "SYNCCTL_TEST_CHILD=1", "HOME="+top)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	b, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(b), "--- PASS") {
		t.Fatalf("as nobody: %v\n%s", err, b)
	}
	return true
}

// The commands that only read the store work on a store they may not
// write (file and directory read-only); one that writes says so, naming
// the file, without SQLite's "(1544)".
func TestReadCommandsWorkOnAReadOnlyStore(t *testing.T) {
	path := os.Getenv("SYNCCTL_TEST_STORE")
	if path == "" {
		top := t.TempDir()
		dir := filepath.Join(top, "state")
		path = filepath.Join(dir, "syncctl.db")
		ctx := context.Background()
		st, err := store.Open(ctx, "sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.ImportProducts(ctx, []domain.Product{storetest.Product("A", 2)}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.UpsertOrder(ctx, storetest.Order("3000000001", domain.OrderPaid)); err != nil {
			t.Fatal(err)
		}
		st.Close()
		_ = os.Chmod(path, 0o444)
		_ = os.Chmod(dir, 0o555)
		t.Cleanup(func() { _ = os.Chmod(dir, 0o755) })
		if asNobody(t, top, "SYNCCTL_TEST_STORE="+path) {
			return
		}
	}
	t.Setenv("SYNCCTL_STORE_DSN", "")
	t.Setenv("SYNCCTL_CONFIG", "")
	for _, args := range readCommands {
		code, out, errOut := run(t, append(args, "--store-dsn", path)...)
		if code != 0 || errOut != "" {
			t.Errorf("%v on a read-only store: exit %d: %s", args, code, errOut)
		}
		if args[0] == "orders" && args[1] == "list" && !strings.Contains(out, "3000000001") {
			t.Errorf("orders list: %s", out)
		}
	}
	csv := filepath.Join(os.TempDir(), "syncctl-ro-"+strconv.Itoa(os.Getpid())+".csv")
	_ = os.WriteFile(csv, []byte("spu_code,title,sku_code,list_price\nB-1,好东西啊,B-1-1,1.00\n"), 0o644)
	defer os.Remove(csv)
	code, _, errOut := run(t, "catalog", "import", csv, "--store-dsn", path)
	if code != cli.ExitError || !strings.Contains(errOut, "store "+path+" cannot be written") || strings.Contains(errOut, "(1544)") || strings.Contains(errOut, "(8)") {
		t.Errorf("import into a read-only store: exit %d: %s", code, errOut)
	}
}

// A read command on a store that does not exist creates nothing, fails
// (exit 1) and says where stores are.
func TestReadCommandsOnAMissingStoreSayWhereStoresAre(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("SYNCCTL_STORE_DSN", "")
	t.Setenv("SYNCCTL_CONFIG", "")
	for _, args := range readCommands {
		code, out, errOut := run(t, args...)
		if code != cli.ExitError || out != "" || !strings.Contains(errOut, "syncctl: no store at .syncctl/syncctl.db: did you mean") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	if exists(filepath.Join(dir, ".syncctl")) {
		t.Fatal("a read command created the default state dir")
	}
	// A state dir nearby holds a store: it is named.
	newStore(t, filepath.Join(dir, "dev-state"))
	code, _, errOut := run(t, "listings", "--shop", "tmall/demo", "--state-dir", "nowhere")
	if code != cli.ExitError || !strings.Contains(errOut, "no store at nowhere/syncctl.db: did you mean --state-dir dev-state?") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	if exists(filepath.Join(dir, "nowhere")) {
		t.Fatal("a read command created the state dir it was given")
	}
}

// Starting a long-running workflow that already runs says it joined that
// run (and when it started), not "started".
func TestPullAndPushSayWhenTheyJoinARunningOne(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	ts := temporaltest.NewServer(temporaltest.WithT(t))
	dir := t.TempDir()
	common := []string{"--state-dir", dir, "--temporal-address", ts.GetFrontendHostPort(), "--namespace", ts.GetDefaultNamespace(), "--shop", "tmall/flagship"}
	for _, c := range []struct {
		args []string
		what string
	}{
		{[]string{"orders", "pull"}, "pull order-pull/tmall/flagship"},
		{[]string{"push", "--wait=false"}, "push catalog-push/tmall/flagship"},
	} {
		// No worker serves the shop: the first run waits, still running.
		code, out, errOut := run(t, append(c.args, common...)...)
		if code != 0 || !strings.HasPrefix(out, "started ") {
			t.Fatalf("%v: exit %d: %q %s", c.args, code, out, errOut)
		}
		runID := out[strings.Index(out, "(run ")+5 : strings.Index(out, ")")]
		code, out, errOut = run(t, append(c.args, common...)...)
		if code != 0 || !strings.HasPrefix(out, "joined the running "+c.what+" (run "+runID+", started ") {
			t.Fatalf("%v again: exit %d: %q %s", c.args, code, out, errOut)
		}
		code, out, _ = run(t, append(append(c.args, common...), "-o", "json")...)
		var js struct {
			RunID  string `json:"run_id"`
			Joined bool   `json:"joined"`
		}
		if err := json.Unmarshal([]byte(out), &js); err != nil || code != 0 || !js.Joined || js.RunID != runID {
			t.Fatalf("%v -o json: %v %s", c.args, err, out)
		}
	}
}

// Shell completion offers values for --shop (the configuration's shops
// and every platform's demo shop), --status, --format and -o.
func TestCompletionOffersFlagValues(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "c.yaml"), "shops:\n  - channel: tmall\n    shop: flagship\n    gateway: https://eco.taobao.com/router/rest\n")
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"listings", "--config", cfg, "--shop", ""}, []string{"tmall/flagship", "tmall/demo"}},
		{[]string{"orders", "pull", "--shop", ""}, []string{"tmall/demo"}},
		{[]string{"push", "--shop", "tm"}, []string{"tmall/demo"}},
		{[]string{"listings", "--status", ""}, []string{"pending", "on_sale", "failed", "removed"}},
		{[]string{"catalog", "export", "--format", ""}, []string{"json", "csv"}},
		{[]string{"catalog", "import", "x.csv", "--format", ""}, []string{"json", "csv"}},
		{[]string{"orders", "list", "-o", ""}, []string{"table", "json"}},
		{[]string{"catalog", "show", "--output", ""}, []string{"table", "json"}},
	} {
		code, out, errOut := run(t, append([]string{"__complete"}, c.args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d %s", c.args, code, errOut)
		}
		got := strings.Split(strings.TrimSpace(out), "\n")
		for _, w := range c.want {
			found := false
			for _, g := range got {
				found = found || g == w
			}
			if !found {
				t.Errorf("%v: %q not offered: %q", c.args, w, got)
			}
		}
	}
}

// Lists in messages read like prose ("a, b or c"), never like Go slices.
func TestListsInMessagesReadLikeProse(t *testing.T) {
	code, _, errOut := run(t, "listings", "--shop", "tmall/a", "--status", "bogus")
	if code != cli.ExitUsage || !strings.Contains(errOut, "--status must be one of pending, in_review, rejected, on_sale, delisted, failed, removed or held, not \"bogus\"") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	code, _, errOut = run(t, "orders")
	if code != cli.ExitUsage || !strings.Contains(errOut, "syncctl: syncctl orders needs a command: backfill, deliveries, list, pull, redeliver or rejected\n") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	if last := errOut[strings.LastIndex(strings.TrimSuffix(errOut, "\n"), "\n")+1:]; strings.ContainsAny(last, "[]") {
		t.Errorf("a Go slice in %q", last)
	}
}

// A demo whose ERP never answers ends in one line that says why, and the
// Temporal SDK's retry logs (an ERROR line per attempt) stay behind -v.
func TestDemoWithAnUnreachableERPSaysWhyInOneLine(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String() + "/hook"
	ln.Close()
	t.Setenv("SYNCCTL_ERP_SECRET", "whsec_demo")
	t.Setenv("SYNCCTL_TEMPORAL_ADDRESS", "")
	code, out, errOut := run(t, "demo", "--erp-url", refused, "--orders", "2", "--cancel", "0", "--timeout", "40s",
		"--port", "0", "--ui-port", "-1", "--sandbox-port", "0")
	if code != cli.ExitError {
		t.Fatalf("exit %d: %s\n%s", code, out, errOut)
	}
	if strings.Contains(errOut, "level=ERROR") || strings.Contains(errOut, "level=WARN") || strings.Contains(errOut, "Activity error") {
		t.Fatalf("SDK logs at the default level:\n%s", errOut)
	}
	if !strings.Contains(out, "deliveries waiting: ERP unreachable: dial tcp "+ln.Addr().String()+": connection refused") {
		t.Fatalf("no line saying why:\n%s", out)
	}
}
