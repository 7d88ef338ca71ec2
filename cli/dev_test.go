package cli_test

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/cli"
)

// startDev runs `syncctl dev` in the background until the returned stop is
// called, and returns its -o json banner.
func startDev(t *testing.T, dir string, extra ...string) (map[string]string, func() (int, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int, 1)
	args := append([]string{"dev", "--state-dir", dir, "--port", "0", "--ui-port", "-1", "--sandbox-port", "0", "--api-port", "0",
		"--no-order-pull", "-o", "json"}, extra...)
	go func() {
		done <- cli.MainContext(ctx, args, strings.NewReader(""), &out, &errOut)
	}()
	stop := func() (int, string) { cancel(); return <-done, errOut.String() }
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var banner map[string]string
		if err := json.Unmarshal([]byte(out.String()), &banner); err == nil {
			return banner, stop
		}
		select {
		case code := <-done:
			t.Fatalf("dev exited %d before printing its banner: %s", code, errOut.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("dev printed no banner: %q %s", out.String(), errOut.String())
		}
	}
}

// dev prints stable snake_case keys, holds its state dir against a second
// dev, and keeps the sandbox credentials across restarts (in a 0600 file).
func TestDevBannerLockAndRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the embedded Temporal twice")
	}
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	erpPort := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	banner, stop := startDev(t, dir, "--erp-port", erpPort)
	for _, k := range []string{"temporal_address", "namespace", "task_queue", "sandboxes", "sandbox_tmall", "sandbox_tmall_admin",
		"sandbox_tmall_credentials", "sandbox_tmall_shop", "erp_receiver", "erp_receiver_stats", "erp_receiver_state", "state_dir", "store"} {
		if banner[k] == "" {
			t.Errorf("banner has no %q: %v", k, banner)
		}
	}
	// One sandbox and shop per registered platform.
	for _, id := range strings.Split(banner["sandboxes"], ",") {
		if banner["sandbox_"+id+"_shop"] != id+"/demo" || banner["sandbox_"+id] == "" {
			t.Errorf("platform %s: banner = %v", id, banner)
		}
	}
	if banner["state_dir"] != dir || banner["store"] != filepath.Join(dir, "syncctl.db") || banner["sandbox_tmall_shop"] != "tmall/demo" {
		t.Errorf("banner = %v", banner)
	}
	credFile := banner["sandbox_tmall_credentials"]
	st, err := os.Stat(credFile)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file %s: %v, mode %v", credFile, err, st.Mode())
	}
	creds, _ := os.ReadFile(credFile)

	// A second dev on the same state dir is refused, naming the dir and the holder.
	code, _, errOut := run(t, "dev", "--state-dir", dir, "--port", "0", "--ui-port", "-1", "--sandbox-port", "0")
	if code != cli.ExitError || !strings.Contains(errOut, dir) || !strings.Contains(errOut, "pid "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("second dev: exit %d: %s", code, errOut)
	}
	if code, errOut := stop(); code != 0 {
		t.Fatalf("dev exit %d: %s", code, errOut)
	}

	banner2, stop2 := startDev(t, dir, "--erp-port", erpPort)
	defer func() {
		if code, errOut := stop2(); code != 0 {
			t.Errorf("restarted dev exit %d: %s", code, errOut)
		}
	}()
	// The ERP receiver keeps its URL and its secret (in a 0600 file).
	if banner2["erp_receiver"] != banner["erp_receiver"] || !strings.Contains(banner["erp_receiver"], ":"+erpPort+"/") {
		t.Errorf("ERP receiver moved: %s, then %s", banner["erp_receiver"], banner2["erp_receiver"])
	}
	if st, err := os.Stat(banner2["erp_receiver_state"]); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("ERP receiver state %s: %v", banner2["erp_receiver_state"], err)
	}
	again, _ := os.ReadFile(credFile)
	if banner2["sandbox_tmall_credentials"] != credFile || string(again) != string(creds) || len(creds) == 0 {
		t.Fatalf("credentials changed across a restart")
	}
	for _, secret := range []string{"app_secret", "session"} {
		var c map[string]string
		_ = json.Unmarshal(creds, &c)
		if v := c[secret]; v == "" || strings.Contains(banner2["sandbox_tmall_credentials"]+banner2["sandbox_tmall"], v) {
			t.Fatalf("credential %s missing or printed", secret)
		}
	}
}
