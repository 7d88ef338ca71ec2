package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
	"github.com/syncctl/syncctl/store/storetest"
)

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite", filepath.Join(t.TempDir(), "syncctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func importString(t *testing.T, st store.Store, in string, f catalog.Format) catalog.ImportReport {
	t.Helper()
	rep, err := catalog.Import(context.Background(), st, strings.NewReader(in), f)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return rep
}

func skuCodes(t *testing.T, st store.Store, product string) string {
	t.Helper()
	p, err := st.GetProduct(context.Background(), product)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, s := range p.SKUs {
		codes = append(codes, s.Code)
	}
	return strings.Join(codes, " ")
}

// A SKU code that belongs to another product is that row's problem, named
// like every other; the valid rows go on (it used to abort the import with
// a conflict and write nothing).
func TestImportReportsASKUOfAnotherProduct(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	if _, err := st.ImportProducts(ctx, []domain.Product{storetest.Product("A", 2)}); err != nil {
		t.Fatal(err)
	}
	const header = "spu_code,title,sku_code,specs,list_price\n"
	rep := importString(t, st, header+
		"B,好东西啊,B-0,尺码:S0,9.90\n"+
		"B,好东西啊,A-1,尺码:S1,9.90\n"+ // A's
		"C,好东西啊,C-0,,9.90\n", catalog.FormatCSV)
	if got := errorStrings(rep.Rejected); !reflect.DeepEqual(got, []string{"row 3, field sku_code: already belongs to product A"}) {
		t.Fatalf("rejected = %v", got)
	}
	if rep.Products != 2 || rep.Stored.Created != 2 || skuCodes(t, st, "B") != "B-0" {
		t.Fatalf("report = %+v", rep)
	}
	if got := skuCodes(t, st, "A"); got != "A-0 A-1" {
		t.Fatalf("A = %s: A-1 stays A's", got)
	}

	json := `[{"code":"D","title":"好东西啊","skus":[` + jsonSKU("D-1", "红", "") + `,` + jsonSKU("A-0", "蓝", "") + `]}]`
	rep = importString(t, st, json, catalog.FormatJSON)
	if got := errorStrings(rep.Rejected); !reflect.DeepEqual(got, []string{"row 1 (sku A-0), field skus[2].code: already belongs to product A"}) {
		t.Fatalf("JSON rejected = %v", got)
	}
	if rep.Stored.Created != 1 || skuCodes(t, st, "D") != "D-1" {
		t.Fatalf("JSON report = %+v", rep)
	}
}

// Rows of one product may be anywhere in a CSV file, also when the import
// has handed the product's first rows to the store already: the later rows
// are checked against the earlier ones (same product columns, own spec
// values) and merged into the product; a product none of whose rows was
// rejected ends as the file has it, one that lost a row keeps its stored SKUs.
func TestImportRowsOfAProductFarApart(t *testing.T) {
	defer catalog.SetBatches(2, 2)()
	ctx := context.Background()
	st := openStore(t)
	if _, err := st.ImportProducts(ctx, []domain.Product{storetest.Product("P", 4), storetest.Product("S", 4)}); err != nil {
		t.Fatal(err)
	}
	const header = "spu_code,title,sku_code,specs,list_price\n"
	rep := importString(t, st, header+
		"P,商品 P,P-0,尺码:S0,1.00\n"+
		"S,商品 S,S-0,尺码:S0,1.00\n"+
		"Q,好东西啊,Q-0,尺码:A,1.00\n"+
		"Q,好东西啊,Q-1,尺码:B,1.00\n"+
		"R,好东西啊,R-0,,1.00\n"+
		"P,商品 P,P-2,尺码:S2,1.00\n"+ // row 7: P again, after P was handed on
		"P,商品 P,P-5,尺码:S0,1.00\n"+ // row 8: same spec values as P-0
		"P,别的标题,P-6,尺码:S6,1.00\n"+ // row 9: P's title differs
		"S,商品 S,S-2,尺码:S2,0\n", catalog.FormatCSV) // row 10: rejected
	want := []string{
		"row 8, field specs: same spec values as row 2 (sku P-0)",
		"row 9, field title: differs from row 2, the first row of product P",
		"row 10, field list_price: must be greater than 0 (got 0.00)",
	}
	if got := errorStrings(rep.Rejected); !reflect.DeepEqual(got, want) {
		t.Fatalf("rejected:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// P lost rows 8 and 9 too: it is merged, its other stored SKUs stay.
	if got := skuCodes(t, st, "P"); got != "P-0 P-2 P-1 P-3" {
		t.Fatalf("P = %s, want P-0 P-2 P-1 P-3", got)
	}
	if got := skuCodes(t, st, "S"); got != "S-0 S-1 S-2 S-3" {
		t.Fatalf("S = %s, want S-0 S-1 S-2 S-3 (S-2's row was rejected: the stored S-2 stays)", got)
	}
	if rep.Products != 4 || rep.Stored.Created != 2 || rep.Stored.Updated != 2 {
		t.Fatalf("report = %+v", rep)
	}

	// All of P's rows valid, apart: P ends as the file has it.
	rep = importString(t, st, header+"P,商品 P,P-0,尺码:S0,2.00\nQ,好东西啊,Q-0,尺码:A,1.00\nR,好东西啊,R-0,,1.00\nP,商品 P,P-2,尺码:S2,2.00\n", catalog.FormatCSV)
	if len(rep.Rejected) > 0 || skuCodes(t, st, "P") != "P-0 P-2" {
		t.Fatalf("P = %s, rejected %v", skuCodes(t, st, "P"), rep.Rejected)
	}
	if rep.Stored.Updated != 2 || rep.Stored.Unchanged != 1 || rep.Stored.SKUs != 4 {
		t.Fatalf("report = %+v", rep.Stored)
	}
}

// A file that turns out unreadable at its end writes nothing, though the
// import handed products to the store before it got there.
func TestImportUnreadableAtTheEndWritesNothing(t *testing.T) {
	defer catalog.SetBatches(2, 2)()
	ctx := context.Background()
	st := openStore(t)
	var b strings.Builder
	b.WriteString("[")
	for i := range 20 {
		fmt.Fprintf(&b, `{"code":"P%d","title":"好东西啊","skus":[%s]},`, i, jsonSKU(fmt.Sprintf("P%d-1", i), "红", ""))
	}
	b.WriteString(`{"code":"X","title":}]`)
	_, err := catalog.Import(ctx, st, strings.NewReader(b.String()), catalog.FormatJSON)
	var unreadable *catalog.UnreadableError
	if !errors.As(err, &unreadable) || !strings.Contains(err.Error(), "line 1, column") {
		t.Fatalf("err = %v, want an UnreadableError with the place", err)
	}
	if spus, _, err := st.CatalogStats(ctx); err != nil || spus != 0 {
		t.Fatalf("%d products written (%v), want none", spus, err)
	}
}

func TestImportReportsProgress(t *testing.T) {
	defer catalog.SetBatches(10, 10)()
	st := openStore(t)
	in := csvHeader
	for i := range 35 {
		in += csvLine("spu_code", fmt.Sprintf("P%d", i), "sku_code", fmt.Sprintf("P%d-A", i))
	}
	var seen []catalog.Progress
	rep, err := catalog.Import(context.Background(), st, strings.NewReader(in), catalog.FormatCSV,
		catalog.WithProgress(func(p catalog.Progress) { seen = append(seen, p) }))
	if err != nil || rep.Stored.Created != 35 {
		t.Fatalf("import: %+v, %v", rep, err)
	}
	if len(seen) < 4 || seen[0].Rows != 10 || seen[len(seen)-1].Rows != 35 || seen[len(seen)-1].Products != 35 ||
		seen[len(seen)-1].Bytes != int64(len(in)) {
		t.Fatalf("progress = %+v", seen)
	}
}

func TestSniffFormat(t *testing.T) {
	for in, want := range map[string]catalog.Format{
		`[{"code":"A"}]`: catalog.FormatJSON, "\xef\xbb\xbf \n {\"products\":[]}": catalog.FormatJSON,
		"spu_code,title\n": catalog.FormatCSV, "": catalog.FormatCSV, "  \n": catalog.FormatCSV,
	} {
		f, r := catalog.SniffFormat(strings.NewReader(in))
		if all, _ := io.ReadAll(r); f != want || string(all) != in {
			t.Errorf("SniffFormat(%q) = %s, reads back %q", in, f, all)
		}
	}
}

// repeat is a reader of n bytes of c, never held in memory.
type repeat struct {
	c byte
	n int
}

func (r *repeat) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), r.n)
	for i := range k {
		p[i] = r.c
	}
	r.n -= k
	return k, nil
}

// A 50 MB description is reported with its size and the row, and never
// held: reading it allocates far less than its size (it used to be read
// whole, and imported).
func TestAHugeValueIsNotHeld(t *testing.T) {
	const size = 50 << 20
	cases := []struct {
		format catalog.Format
		in     io.Reader
		want   string
	}{
		{catalog.FormatCSV, io.MultiReader(strings.NewReader(csvHeader+csvLine()+`TS-1,纯棉T恤,,,"`), &repeat{'x', size},
			strings.NewReader(`",,TS-1-C,,,,,9.90,1`+"\n")),
			"row 3, field description: is 52428800 bytes; at most 100000 bytes"},
		{catalog.FormatJSON, io.MultiReader(strings.NewReader(`[{"code":"A","title":"好物","description":"`), &repeat{'x', size},
			strings.NewReader(`","skus":[`+jsonSKU("A-1", "红", "")+`]}]`)),
			"row 1, field description: is 52428800 bytes; at most 100000 bytes"},
	}
	for _, c := range cases {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		res, err := catalog.Parse(c.in, c.format)
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatalf("%s: %v", c.format, err)
		}
		if got := errorStrings(res.Rejected); len(got) != 1 || got[0] != c.want {
			t.Errorf("%s: rejected %v, want %q", c.format, got, c.want)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > size/5 {
			t.Errorf("%s: reading allocated %d MB for a %d MB value", c.format, alloc>>20, size>>20)
		}
	}
}
