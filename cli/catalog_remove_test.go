package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/cli"
)

func TestCatalogRemove(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "c.csv")
	csv := "spu_code,title,sku_code,specs,list_price,stock\n" +
		"TS-1,纯棉T恤短袖,TS-1-W,颜色:白,59.90,10\n" +
		"TS-1,纯棉T恤短袖,TS-1-B,颜色:黑,59.90,10\n" +
		"TS-2,纯棉T恤长袖,TS-2-W,颜色:白,69.90,5\n" +
		"TS-3,纯棉T恤背心,TS-3-W,颜色:白,39.90,5\n"
	if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := run(t, "--state-dir", dir, "catalog", "import", file); code != 0 {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	// An unknown code: named, exit 1, nothing removed.
	code, _, errOut := run(t, "--state-dir", dir, "catalog", "remove", "TS-1", "NOPE")
	if code != cli.ExitError || !strings.Contains(errOut, "product NOPE is not in the catalog") {
		t.Fatalf("remove of an unknown code: exit %d: %s", code, errOut)
	}
	if code, _, _ := run(t, "--state-dir", dir, "catalog", "show", "TS-1"); code != 0 {
		t.Fatal("a refused removal removed TS-1")
	}
	code, out, errOut := run(t, "--state-dir", dir, "catalog", "remove", "TS-1", "TS-2", "TS-1", "-o", "json")
	if code != 0 {
		t.Fatalf("remove: exit %d: %s", code, errOut)
	}
	var rep struct {
		Removed  []string `json:"removed"`
		Products int      `json:"products"`
		SKUs     int      `json:"skus"`
		Listings int      `json:"listings"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if strings.Join(rep.Removed, ",") != "TS-1,TS-2" || rep.Products != 2 || rep.SKUs != 3 || rep.Listings != 0 {
		t.Fatalf("report = %+v", rep)
	}
	if code, _, _ := run(t, "--state-dir", dir, "catalog", "show", "TS-2"); code != cli.ExitError {
		t.Fatalf("show of a removed product: exit %d", code)
	}
	code, out, _ = run(t, "--state-dir", dir, "catalog", "remove", "TS-3")
	if want := "removed 1 product (1 SKU) from the catalog: TS-3; no shop lists them\n"; code != 0 || out != want {
		t.Fatalf("remove TS-3: exit %d: %q, want %q", code, out, want)
	}
	for _, args := range [][]string{{"catalog", "remove"}, {"catalog", "remove", ""}, {"listings", "--shop", "tmall/flagship", "--status", "gone"}} {
		if code, _, errOut := run(t, append([]string{"--state-dir", dir}, args...)...); code != cli.ExitUsage {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errOut)
		}
	}
	if code, _, errOut := run(t, "--state-dir", dir, "listings", "--shop", "tmall/flagship", "--status", "removed"); code != 0 {
		t.Errorf("listings --status removed: exit %d: %s", code, errOut)
	}
}
