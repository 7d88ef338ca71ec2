package bench

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A run without Only leaves the scale scenario out; naming it runs it.
func TestScaleRunsOnlyWhenNamed(t *testing.T) {
	o := DefaultOptions()
	if o.runs(ScenarioScale) || !o.runs(ScenarioQuota) {
		t.Fatal("the default run must leave scale out and keep the others")
	}
	o.Only = []string{ScenarioScale}
	if !o.runs(ScenarioScale) || o.runs(ScenarioQuota) {
		t.Fatal("--only scale must run scale alone")
	}
	if o.timeout(ScenarioScale) != 3*time.Hour || o.timeout(ScenarioQuota) != 30*time.Minute {
		t.Fatalf("default timeouts %s, %s", o.timeout(ScenarioScale), o.timeout(ScenarioQuota))
	}
}

// Run as `worker`, a test binary would run the tests again: it is refused.
func TestScaleRefusesTheTestBinaryAsWorker(t *testing.T) {
	_, err := (&env{}).workerBinary()
	if err == nil || !strings.Contains(err.Error(), "test binary") {
		t.Fatalf("err = %v, want the test binary refused", err)
	}
}

// The scale scenario at 200 SKUs, with syncctl built for it as the worker
// process: two rows with figures, the worker's RSS read from its own
// /proc/<pid>/status.
func TestScaleScenarioAtTwoHundredSKUs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds syncctl and runs the embedded Temporal server")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build syncctl with")
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc: the worker's RSS cannot be read")
	}
	exe := filepath.Join(t.TempDir(), "syncctl")
	build := exec.Command(goBin, "build", "-o", exe, "../cmd/syncctl")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	o := QuickOptions()
	o.Only, o.ScaleSKUs, o.WorkerBinary = []string{ScenarioScale}, 200, exe
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 2 {
		t.Fatalf("rows %+v, want the import and the push", rep.Rows)
	}
	imp, push := rep.Rows[0], rep.Rows[1]
	t.Logf("%s: %s", imp.Scenario, imp.FiguresText())
	t.Logf("%s: %s (%s %s)", push.Scenario, push.FiguresText(), push.Result, push.Note)
	if push.Result != NotRun {
		t.Errorf("result %q (%s), want %q at 200 SKUs", push.Result, push.Note, NotRun)
	}
	for _, want := range []struct {
		row  Row
		name string
	}{{imp, "import"}, {imp, "store file"}, {push, "SKUs/s"}, {push, "worker peak RSS"}, {push, "history events per 1 000 SKUs"}, {push, "largest payload"}} {
		if v, ok := want.row.Figure(want.name); !ok || v <= 0 {
			t.Errorf("%s: figure %q = %g, %t; want above 0", want.row.Scenario, want.name, v, ok)
		}
	}
	if v, _ := push.Figure("SKUs"); v != 200 {
		t.Errorf("SKUs %g, want 200", v)
	}
}
