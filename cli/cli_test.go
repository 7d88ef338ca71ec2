package cli_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/cli"
)

func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Main(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestCatalogImportReportsRowsAndExitCodes(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "c.csv")
	csv := "spu_code,title,sku_code,specs,list_price,stock\n" +
		"TS-1,纯棉T恤,TS-1-W,颜色:白,59.90,10\n" +
		"TS-1,纯棉T恤,TS-1-B,颜色:黑,0,10\n"
	if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "--state-dir", dir, "catalog", "import", file, "-o", "json")
	if code != cli.ExitPartial {
		t.Fatalf("exit %d, want %d (a row was rejected); stderr %s", code, cli.ExitPartial, errOut)
	}
	var rep struct {
		Created  int      `json:"created"`
		Rejected []string `json:"rejected"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if rep.Created != 1 || len(rep.Rejected) != 1 || rep.Rejected[0] != "row 3, field list_price: must be greater than 0 (got 0.00)" {
		t.Fatalf("report = %+v", rep)
	}
	code, out, _ = run(t, "--state-dir", dir, "catalog", "show", "TS-1", "-o", "json")
	if code != 0 || !strings.Contains(out, `"TS-1-W"`) || strings.Contains(out, `"TS-1-B"`) {
		t.Fatalf("show: exit %d: %s", code, out)
	}
	good := filepath.Join(dir, "ok.csv")
	_ = os.WriteFile(good, []byte("spu_code,title,sku_code,list_price\nA-1,好东西啊,A-1-1,1.00\n"), 0o644)
	if code, _, e := run(t, "--state-dir", dir, "catalog", "import", good); code != 0 {
		t.Fatalf("clean import exit %d: %s", code, e)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"push"},
		{"bogus"},
		{"catalog", "show", "-o", "yaml"},
		{"catalog", "import", "x.xml"},
		{"orders", "pull", "--shop", "no-slash"},
	} {
		if code, _, errOut := run(t, args...); code != cli.ExitUsage {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errOut)
		}
	}
}
