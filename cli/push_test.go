package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/workflows"
)

// testGlobals are the globals of a root that parsed these global flags,
// writing to the returned buffers.
func testGlobals(t *testing.T, args ...string) (g *globals, out, errOut *bytes.Buffer) {
	t.Helper()
	out, errOut = &bytes.Buffer{}, &bytes.Buffer{}
	root, g := newRoot(IO{In: strings.NewReader(""), Out: out, Err: errOut})
	if err := root.PersistentFlags().Parse(args); err != nil {
		t.Fatal(err)
	}
	return g, out, errOut
}

// The workflow keeps the first MaxReportedFailures reasons; the result
// says how many more there are and where every reason is.
func TestPushResultPointsAtTheFailuresItDoesNotList(t *testing.T) {
	res := workflows.PushProgress{Shop: flagship, Total: 100, Pushed: 40, Failed: 60, SKUs: 120, Calls: 300}
	for i := range workflows.MaxReportedFailures {
		res.Failures = append(res.Failures, workflows.ItemFailure{Product: fmt.Sprintf("P-%d", i), Code: "invalid", Reason: "title too long"})
	}
	g, out, _ := testGlobals(t)
	err := printPushResult(g, workflows.CatalogPushID(flagship), flagship, res)
	if exitCode(err) != ExitPartial {
		t.Fatalf("err = %v, want partial", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if want := "catalog-push/tmall/flagship: 40/100 products pushed, 120 SKUs, 60 failed, 300 calls"; lines[0] != want {
		t.Errorf("first line %q, want %q", lines[0], want)
	}
	if n := strings.Count(out.String(), "  failed P-"); n != workflows.MaxReportedFailures {
		t.Errorf("%d failures listed, want %d", n, workflows.MaxReportedFailures)
	}
	if want := "  … and 10 more; every reason: syncctl listings --shop tmall/flagship --status failed"; lines[len(lines)-1] != want {
		t.Errorf("last line %q, want %q", lines[len(lines)-1], want)
	}

	// All reasons listed: no such line. -o json: the result and nothing else.
	res.Failed = workflows.MaxReportedFailures
	g, out, _ = testGlobals(t)
	_ = printPushResult(g, workflows.CatalogPushID(flagship), flagship, res)
	if strings.Contains(out.String(), "more;") {
		t.Errorf("every failure listed, yet: %s", out.String())
	}
	res.Failed = 60
	g, out, _ = testGlobals(t, "-o", "json")
	err = printPushResult(g, workflows.CatalogPushID(flagship), flagship, res)
	var back workflows.PushProgress
	if jerr := json.Unmarshal(out.Bytes(), &back); jerr != nil || back.Failed != 60 || exitCode(err) != ExitPartial {
		t.Errorf("json: %v, exit %d: %s", jerr, exitCode(err), out.String())
	}
}

func TestPushResultWithoutFailures(t *testing.T) {
	g, out, _ := testGlobals(t)
	err := printPushResult(g, "catalog-push/tmall/flagship", flagship, workflows.PushProgress{Total: 3, Pushed: 3, SKUs: 9, Calls: 6})
	if err != nil || out.String() != "catalog-push/tmall/flagship: 3/3 products pushed, 9 SKUs, 0 failed, 6 calls\n" {
		t.Fatalf("%v: %q", err, out.String())
	}
}

// Removed SKUs and throttling are said when they happened.
func TestPushResultSaysRemovalsAndThrottling(t *testing.T) {
	g, out, _ := testGlobals(t)
	err := printPushResult(g, "catalog-push/tmall/flagship", flagship,
		workflows.PushProgress{Total: 3, Pushed: 3, SKUs: 9, Calls: 8, Removed: 2, Throttled: 2, Retries: 1})
	want := "catalog-push/tmall/flagship: 3/3 products pushed, 9 SKUs, 0 failed, 8 calls, 2 SKUs ended on the channel (removed from the catalog) (2 throttled, 1 retries)\n"
	if err != nil || out.String() != want {
		t.Fatalf("%v: %q, want %q", err, out.String(), want)
	}
}
