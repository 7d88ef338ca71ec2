package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeCatalogFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func runMain(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// "catalog import -" reads standard input: the format from --format, or
// sniffed from the first character.
func TestCatalogImportReadsStandardInput(t *testing.T) {
	dir := t.TempDir()
	csv := "spu_code,title,sku_code,list_price\nA,好东西啊,A-1,1.00\n"
	doc := `{"products":[{"code":"B","title":"好东西啊","skus":[{"code":"B-1","list_price":"2.00"}]}]}`
	for _, c := range []struct {
		stdin string
		args  []string
	}{
		{csv, nil}, {"\n  " + doc, nil}, {csv, []string{"--format", "csv"}},
	} {
		code, out, errOut := runMain(t, c.stdin, append([]string{"--state-dir", dir, "catalog", "import", "-", "-o", "json"}, c.args...)...)
		var rep importReport
		if err := json.Unmarshal([]byte(out), &rep); code != 0 || err != nil || rep.File != "standard input" || rep.Products != 1 {
			t.Fatalf("%q: exit %d, %v, %s%s", c.stdin, code, err, out, errOut)
		}
	}
	// JSON read as CSV: said so.
	code, _, errOut := runMain(t, doc, "--state-dir", dir, "catalog", "import", "-", "--format", "csv")
	if code != ExitError || !strings.Contains(errOut, "standard input: csv: the file looks like JSON (it starts with '{'); import it as JSON") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

// The progress line goes to stderr when it is a terminal (and not with -o
// json), is redrawn in place and cleared before the report.
func TestCatalogImportProgress(t *testing.T) {
	dir := t.TempDir()
	g := &globals{output: "table", io: IO{Err: &bytes.Buffer{}}}
	if importProgressTo(g) != nil {
		t.Fatal("progress drawn on a stderr that is not a terminal")
	}
	var bar bytes.Buffer
	defer func(f func(*globals) io.Writer) { importProgressTo = f }(importProgressTo)
	importProgressTo = func(g *globals) io.Writer {
		if g.json() {
			return nil
		}
		return &bar
	}
	file := filepath.Join(dir, "c.csv")
	in := "spu_code,title,sku_code,list_price\n"
	for i := range 1200 {
		in += fmt.Sprintf("P%05d,好东西啊,S%d,1.00\n", i, i)
	}
	writeCatalogFile(t, file, in)
	code, out, _ := runMain(t, "", "--state-dir", dir, "catalog", "import", file)
	if code != 0 || !strings.Contains(out, "1200 products imported") {
		t.Fatalf("exit %d: %s", code, out)
	}
	drawn := bar.String()
	if !strings.HasPrefix(drawn, "\r[") || !strings.Contains(drawn, "% 500 rows, 500 products\033[K") || !strings.HasSuffix(drawn, "\r\033[K") {
		t.Fatalf("progress = %q", drawn)
	}
	bar.Reset()
	if code, _, _ := runMain(t, "", "--state-dir", dir, "catalog", "import", file, "-o", "json"); code != 0 || bar.Len() != 0 {
		t.Fatalf("exit %d, progress with -o json: %q", code, bar.String())
	}
}

// export streams the catalog a page at a time; what it writes imports back.
func TestCatalogExportImportsBack(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "c.csv")
	writeCatalogFile(t, file, "spu_code,title,sku_code,specs,list_price\n=SUM(A1),x,X-1,,1.00\nA,=SUM(A1),A-1,,1.00\nA,=SUM(A1),A-2,颜色:-1,1.00\n")
	if code, _, errOut := runMain(t, "", "--state-dir", dir, "catalog", "import", file); code != ExitPartial {
		t.Fatalf("exit %d: %s", code, errOut) // row 2: a bad spu_code
	}
	for _, f := range []string{"csv", "json"} {
		code, out, errOut := runMain(t, "", "--state-dir", dir, "catalog", "export", "--format", f)
		if code != 0 {
			t.Fatalf("export %s: exit %d: %s", f, code, errOut)
		}
		if f == "csv" && !strings.Contains(out, "\nA,'=SUM(A1),,,,,A-1,,,,0.00,1.00,0\n") {
			t.Fatalf("csv export:\n%s", out)
		}
		code, out, errOut = runMain(t, out, "--state-dir", dir, "catalog", "import", "-", "-o", "json")
		var rep importReport
		if err := json.Unmarshal([]byte(out), &rep); code != 0 || err != nil || rep.Same != 1 || len(rep.Rejected) != 0 {
			t.Fatalf("%s import of the export: exit %d: %s%s", f, code, out, errOut)
		}
	}
}
