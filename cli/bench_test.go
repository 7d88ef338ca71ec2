package cli_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/cli"
)

// bench --quick runs every scenario at tiny sizes and prints one table with
// a row per figure set, each with numbers (their values are not checked:
// figures are printed, never asserted).
func TestBenchQuickPrintsEveryScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the embedded Temporal server and every bench scenario")
	}
	start := time.Now()
	code, out, errOut := run(t, "bench", "--quick")
	t.Logf("bench --quick took %s", time.Since(start).Round(time.Second))
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[0], "SCENARIO") || !strings.Contains(lines[0], "FIGURES") || !strings.Contains(lines[0], "RESULT") {
		t.Fatalf("no table header:\n%s", out)
	}
	number := regexp.MustCompile(`\d`)
	for _, scenario := range []string{
		"push at a quota, 1 worker", "push at a quota, 2 workers", "push: Temporal vs direct loop", "push at scale",
		"re-sync, nothing changed", "re-sync, 1 % of SKUs changed", "re-sync, full pass",
		"orders: sandbox sale → ERP receipt", "ERP stock change → every shop",
	} {
		found := false
		for _, l := range lines[1:] {
			rest, ok := strings.CutPrefix(l, scenario)
			if !ok {
				continue
			}
			found = true
			if !number.MatchString(rest) || strings.Contains(rest, " failed") {
				t.Errorf("row %q has no figures: %s", scenario, l)
			}
		}
		if !found {
			t.Errorf("no row %q in\n%s", scenario, out)
		}
	}
	if strings.Contains(out, "catalog import at scale") || strings.Contains(out, "worker in its own process") {
		t.Errorf("--quick ran the scale scenario, which runs only when named:\n%s", out)
	}
	for _, want := range []string{"GOAL", "peak RSS: VmHWM"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output does not say %q:\n%s", want, out)
		}
	}
}

// The scale scenario runs only when named; --help says so, and a size
// below 1 is a usage error before anything starts.
func TestBenchScaleIsOnRequest(t *testing.T) {
	code, out, errOut := run(t, "bench", "--help")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"--scale-skus", "(default 1000000)", "only with --only scale", "(default all but scale)"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help does not say %q:\n%s", want, out)
		}
	}
	for _, args := range [][]string{{"--only", "scale", "--scale-skus", "0"}, {"--only", "scale,bogus"}} {
		if code, _, errOut := run(t, append([]string{"bench"}, args...)...); code != cli.ExitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, cli.ExitUsage, errOut)
		}
	}
}
