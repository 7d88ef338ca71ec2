package cli_test

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestChannelsPauseResumeStatus(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "syncctl.db")
	if code, _, errOut := run(t, "channels", "pause", "--shop", "kuaishou/live", "--store-dsn", dsn); code != 2 || !strings.Contains(errOut, "--reason is required") {
		t.Fatalf("pause without a reason: exit %d, %s", code, errOut)
	}
	code, out, errOut := run(t, "channels", "pause", "--shop", "kuaishou/live", "--reason", "直播间价格核对", "--store-dsn", dsn)
	if code != 0 || !strings.Contains(out, "kuaishou/live paused by") || !strings.Contains(out, "直播间价格核对") {
		t.Fatalf("pause: exit %d, %s%s", code, out, errOut)
	}
	code, out, _ = run(t, "channels", "status", "--store-dsn", dsn)
	if code != 0 || !strings.Contains(out, "kuaishou/live") || !strings.Contains(out, "直播间价格核对") {
		t.Fatalf("status: exit %d, %s", code, out)
	}
	if code, out, _ = run(t, "channels", "resume", "--shop", "kuaishou/live", "--store-dsn", dsn); code != 0 || !strings.Contains(out, "kuaishou/live resumed") {
		t.Fatalf("resume: exit %d, %s", code, out)
	}
	if code, _, errOut = run(t, "channels", "resume", "--shop", "kuaishou/live", "--store-dsn", dsn); code == 0 || !strings.Contains(errOut, "is not paused") {
		t.Fatalf("resume twice: exit %d, %s", code, errOut)
	}
	if code, out, _ = run(t, "channels", "status", "--store-dsn", dsn, "-o", "json"); code != 0 || strings.TrimSpace(out) != "[]" {
		t.Fatalf("status -o json with none paused: exit %d, %q", code, out)
	}
}
