package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/syncctl/syncctl/cli"
)

// catalog generate writes a file catalog import takes whole; the same seed
// writes the same bytes to standard output.
func TestCatalogGenerateImports(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"gen.json", "gen.csv"} {
		file := filepath.Join(dir, name)
		if code, _, errOut := run(t, "catalog", "generate", "--spus", "200", "--skus-per-spu", "3", "--seed", "9", "-o", file); code != 0 {
			t.Fatalf("generate %s: exit %d: %s", name, code, errOut)
		}
		code, out, errOut := run(t, "--state-dir", filepath.Join(dir, name+".state"), "catalog", "import", file, "--output", "json")
		var rep struct {
			Products int      `json:"products"`
			SKUs     int      `json:"skus"`
			Rejected []string `json:"rejected"`
		}
		if err := json.Unmarshal([]byte(out), &rep); code != 0 || err != nil || rep.Products != 200 || rep.SKUs != 600 || len(rep.Rejected) != 0 {
			t.Fatalf("import %s: exit %d, %+v %v %s", name, code, rep, err, errOut)
		}
	}
	_, a, _ := run(t, "catalog", "generate", "--spus", "5", "--skus-per-spu", "2", "--format", "csv")
	_, b, _ := run(t, "catalog", "generate", "--spus", "5", "--skus-per-spu", "2", "--format", "csv", "-o", "-")
	if a == "" || a != b {
		t.Fatalf("the same seed wrote different catalogs:\n%s\n%s", a, b)
	}
	if code, _, _ := run(t, "catalog", "generate", "--spus", "0"); code != cli.ExitUsage {
		t.Fatalf("--spus 0: exit %d, want %d", code, cli.ExitUsage)
	}
	if code, _, _ := run(t, "catalog", "generate", "-o", filepath.Join(dir, "x.xml")); code != cli.ExitUsage {
		t.Fatalf("-o x.xml: exit %d, want %d", code, cli.ExitUsage)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.xml")); err == nil {
		t.Fatal("a file was written for a refused command")
	}
	// A device is written to, never replaced by a file.
	if st, err := os.Stat(os.DevNull); err == nil && st.Mode()&os.ModeDevice != 0 {
		if code, _, errOut := run(t, "catalog", "generate", "--spus", "3", "--format", "json", "-o", os.DevNull); code != 0 {
			t.Fatalf("-o %s: exit %d: %s", os.DevNull, code, errOut)
		}
		if st, err := os.Stat(os.DevNull); err != nil || st.Mode()&os.ModeDevice == 0 {
			t.Fatalf("%s is no longer a device: %v %v", os.DevNull, st.Mode(), err)
		}
	}
}
