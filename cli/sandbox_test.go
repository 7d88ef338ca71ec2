package cli_test

import (
	"strings"
	"testing"

	"github.com/syncctl/syncctl/cli"
)

func TestSandboxRefusesSecretsFromNowhere(t *testing.T) {
	t.Setenv("SYNCCTL_SANDBOX_APP_SECRET", "")
	code, _, errOut := run(t, "sandbox", "tmall", "--listen", "127.0.0.1:0")
	if code != cli.ExitUsage || !strings.Contains(errOut, "SYNCCTL_SANDBOX_APP_SECRET") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

// The sandbox's credentials come from its env vars only: without them it
// names every one it lacks, and starts nothing.
func TestSandboxNamesTheEnvVarsItLacks(t *testing.T) {
	for _, name := range []string{"SYNCCTL_SANDBOX_APP_KEY", "SYNCCTL_SANDBOX_APP_SECRET", "SYNCCTL_SANDBOX_SESSION"} {
		t.Setenv(name, "")
	}
	code, out, errOut := run(t, "sandbox", "tmall", "--listen", "127.0.0.1:0")
	if code != cli.ExitUsage || out != "" || strings.Count(errOut, "syncctl:") != 1 {
		t.Fatalf("exit %d, stdout %q: %s", code, out, errOut)
	}
	for _, want := range []string{"SYNCCTL_SANDBOX_APP_SECRET", "SYNCCTL_SANDBOX_SESSION", "never taken from flags"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr does not name %s: %s", want, errOut)
		}
	}
	// With one set, only the others are named.
	t.Setenv("SYNCCTL_SANDBOX_APP_SECRET", "s3cret")
	code, _, errOut = run(t, "sandbox", "tmall", "--listen", "127.0.0.1:0")
	if code != cli.ExitUsage || strings.Contains(errOut, "SYNCCTL_SANDBOX_APP_SECRET") || !strings.Contains(errOut, "SYNCCTL_SANDBOX_SESSION") ||
		strings.Contains(errOut, "s3cret") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

// A push key is optional: without it the WeChat sandbox names only the
// credentials it cannot run without (appid, secret), not its push keys.
func TestSandboxPushKeysAreOptional(t *testing.T) {
	for _, name := range []string{"SYNCCTL_SANDBOX_APPID", "SYNCCTL_SANDBOX_SECRET", "SYNCCTL_SANDBOX_PUSH_TOKEN", "SYNCCTL_SANDBOX_ENCODING_AES_KEY"} {
		t.Setenv(name, "")
	}
	code, _, errOut := run(t, "sandbox", "wechat_shop", "--listen", "127.0.0.1:0")
	if code != cli.ExitUsage || !strings.Contains(errOut, "SYNCCTL_SANDBOX_APPID") || !strings.Contains(errOut, "SYNCCTL_SANDBOX_SECRET") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(errOut, "PUSH_TOKEN") || strings.Contains(errOut, "ENCODING_AES_KEY") {
		t.Fatalf("the push keys are demanded: %s", errOut)
	}
}
