package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/cli"
)

// The receiver's secret comes from its env var or file, never a flag:
// without one it names where it looked and starts nothing.
func TestERPReceiverNeedsItsSecret(t *testing.T) {
	t.Setenv("SYNCCTL_ERP_SECRET", "")
	code, out, errOut := run(t, "erp-receiver", "--listen", "127.0.0.1:0")
	if code != cli.ExitUsage || out != "" || !strings.Contains(errOut, "SYNCCTL_ERP_SECRET") {
		t.Fatalf("exit %d, stdout %q: %s", code, out, errOut)
	}
}

// A state file kept with another secret is refused: the receiver would
// refuse every webhook the workers sign with the secret it was given.
func TestERPReceiverRefusesAStateFileOfAnotherSecret(t *testing.T) {
	state := filepath.Join(t.TempDir(), "erp.json")
	if err := os.WriteFile(state, []byte(`{"secret":"whsec_old","deliveries":{},"orders":{},"per_order":{},"stats":{}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SYNCCTL_ERP_SECRET", "whsec_new")
	code, _, errOut := run(t, "erp-receiver", "--listen", "127.0.0.1:0", "--state-file", state)
	if code != cli.ExitUsage || !strings.Contains(errOut, "another secret") || strings.Contains(errOut, "whsec_") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}
