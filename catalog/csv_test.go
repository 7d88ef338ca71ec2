package catalog_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/domain"
)

// csvLine is one CSV line with all columns: a valid SKU of product TS-1,
// changed by col/value pairs.
func csvLine(changes ...string) string {
	v := map[string]string{
		"spu_code": "TS-1", "title": "纯棉T恤", "brand": "山野集", "category": "服装/T恤", "description": "好穿",
		"images": "https://img.example.com/1.jpg|https://img.example.com/2.jpg", "sku_code": "TS-1-B", "specs": "颜色:黑;尺码:M",
		"barcode": "6931400000014", "weight_g": "220", "cost": "18.50", "list_price": "59.90", "stock": "10",
	}
	for i := 0; i+1 < len(changes); i += 2 {
		v[changes[i]] = changes[i+1]
	}
	rec := make([]string, len(catalog.CSVColumns))
	for i, c := range catalog.CSVColumns {
		rec[i] = v[c]
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(rec)
	w.Flush()
	return b.String()
}

var csvHeader = strings.Join(catalog.CSVColumns, ",") + "\n"

func parseCSV(t *testing.T, in string) catalog.Result {
	t.Helper()
	res, err := catalog.Parse(strings.NewReader(in), catalog.FormatCSV)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func errorStrings(errs []domain.FieldError) []string {
	out := []string{}
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

// Each case is the middle row (line 3) of a file whose rows 2 and 4 are
// valid SKUs of the same product: the bad row is reported, the others kept.
func TestCSVRowValidation(t *testing.T) {
	const tail = "; every SKU of a product needs the same spec names in the same order"
	long := strings.Repeat("长", 61)
	cases := []struct {
		name string
		row  string
		want []string
	}{
		{"valid", csvLine(), nil},
		{"cost above list price is allowed", csvLine("cost", "99.00"), nil},
		{"optional SKU values empty", csvLine("barcode", "", "weight_g", "", "cost", "", "stock", ""), nil},
		{"brand differs", csvLine("brand", ""), []string{"row 3, field brand: differs from row 2, the first row of product TS-1"}},
		{"missing spu_code", csvLine("spu_code", ""), []string{"row 3, field spu_code: required"}},
		{"missing sku_code", csvLine("sku_code", ""), []string{"row 3, field sku_code: required"}},
		{"missing title", csvLine("title", " "), []string{"row 3, field title: required"}},
		{"missing list_price", csvLine("list_price", ""), []string{"row 3, field list_price: required"}},
		{"duplicate sku", csvLine("sku_code", "TS-1-A", "specs", "颜色:黑;尺码:L"), []string{"row 3, field sku_code: sku TS-1-A is already defined at row 2"}},
		{"sku code charset", csvLine("sku_code", "TS 1/B"), []string{`row 3, field sku_code: "TS 1/B" may contain only letters, digits, '_', '.' and '-'`}},
		{"sku code length", csvLine("sku_code", strings.Repeat("A", 65)), []string{"row 3, field sku_code: is 65 bytes; at most 64"}},
		{"spu code charset", csvLine("spu_code", "TS-1号"), []string{`row 3, field spu_code: "TS-1号" may contain only letters, digits, '_', '.' and '-'`}},
		{"zero list price", csvLine("list_price", "0"), []string{"row 3, field list_price: must be greater than 0 (got 0.00)"}},
		{"negative list price", csvLine("list_price", "-1"), []string{"row 3, field list_price: must be greater than 0 (got -1.00)"}},
		{"negative cost", csvLine("cost", "-0.01"), []string{"row 3, field cost: must not be negative (got -0.01)"}},
		{"negative stock", csvLine("stock", "-5"), []string{"row 3, field stock: must not be negative (got -5)"}},
		{"non-integer stock", csvLine("stock", "3.5"), []string{`row 3, field stock: "3.5" is not a whole number`}},
		{"three decimals", csvLine("list_price", "59.901"), []string{`row 3, field list_price: amount "59.901" has more than 2 decimals (write yuan with at most 2 decimals, like 59.90)`}},
		{"price not a number", csvLine("list_price", "¥59"), []string{`row 3, field list_price: amount "¥59" is not a number (write yuan with at most 2 decimals, like 59.90)`}},
		{"title too long", csvLine("title", long), []string{"row 3, field title: is 61 characters; at most 60"}},
		{"spec without value", csvLine("specs", "颜色:;尺码:M"), []string{`row 3, field specs: spec "颜色:" has an empty name or value`}},
		{"spec without name", csvLine("specs", ":黑;尺码:M"), []string{`row 3, field specs: spec ":黑" has an empty name or value`}},
		{"spec value with |", csvLine("specs", "颜色:黑|白;尺码:M"), []string{`row 3, field specs: spec 颜色 value "黑|白" must not contain ';', ':' or '|'`}},
		{"spec value with :", csvLine("specs", "颜色:黑:白;尺码:M"), []string{`row 3, field specs: spec 颜色 value "黑:白" must not contain ';', ':' or '|'`}},
		{"spec not name:value", csvLine("specs", "颜色黑;尺码:M"), []string{`row 3, field specs: "颜色黑" is not name:value`}},
		{"spec name twice", csvLine("specs", "颜色:黑;颜色:白"), []string{"row 3, field specs: spec 颜色 appears twice"}},
		{"other spec names", csvLine("specs", "颜色:黑"), []string{"row 3, field specs: spec names [颜色] differ from row 2 ([颜色 尺码])" + tail}},
		{"spec names in another order", csvLine("specs", "尺码:M;颜色:黑"), []string{"row 3, field specs: spec names [尺码 颜色] differ from row 2 ([颜色 尺码])" + tail}},
		{"same spec combination", csvLine("specs", "颜色:白;尺码:M"), []string{"row 3, field specs: same spec values as row 2 (sku TS-1-A)"}},
		{"non-UTF-8 product field", csvLine("description", "好\xff\xfe穿"), []string{`row 3, field description: is not valid UTF-8 (save the file as "CSV UTF-8"; GBK is not accepted)`}},
		{"non-UTF-8 SKU field", csvLine("specs", "颜色:\xba\xda;尺码:M"), []string{`row 3, field specs: is not valid UTF-8 (save the file as "CSV UTF-8"; GBK is not accepted)`}},
		{"barcode check digit", csvLine("barcode", "6931400000015"), []string{`row 3, field barcode: "6931400000015" has a wrong EAN-13 check digit (want 4)`}},
		{"barcode letters", csvLine("barcode", "69314000ABC"), []string{`row 3, field barcode: "69314000ABC" must be digits only`}},
		{"barcode too short", csvLine("barcode", "1234567"), []string{`row 3, field barcode: "1234567" is 7 digits; must be 8 to 14`}},
		{"barcode too long", csvLine("barcode", "123456789012345"), []string{`row 3, field barcode: "123456789012345" is 15 digits; must be 8 to 14`}},
		{"barcode of 8 digits", csvLine("barcode", "12345670"), nil},
		{"negative weight", csvLine("weight_g", "-1"), []string{"row 3, field weight_g: must not be negative (got -1)"}},
		{"non-integer weight", csvLine("weight_g", "0.5"), []string{`row 3, field weight_g: "0.5" is not a whole number`}},
		{"image not http", csvLine("images", "https://img.example.com/1.jpg|ftp://img.example.com/2.jpg"), []string{`row 3, field images: "ftp://img.example.com/2.jpg" is not an http(s) URL`}},
		{"image relative", csvLine("images", "/1.jpg"), []string{`row 3, field images: "/1.jpg" is not an http(s) URL`}},
		{"title differs", csvLine("title", "别的T恤"), []string{"row 3, field title: differs from row 2, the first row of product TS-1"}},
		{"images differ", csvLine("images", "https://img.example.com/1.jpg"), []string{"row 3, field images: differs from row 2, the first row of product TS-1"}},
		{"every problem of a row", csvLine("list_price", "0", "stock", "x", "barcode", "1"), []string{
			`row 3, field stock: "x" is not a whole number`,
			`row 3, field barcode: "1" is 1 digits; must be 8 to 14`,
			"row 3, field list_price: must be greater than 0 (got 0.00)",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := csvHeader + csvLine("sku_code", "TS-1-A", "specs", "颜色:白;尺码:M") + c.row + csvLine("sku_code", "TS-1-C", "specs", "颜色:灰;尺码:M")
			res := parseCSV(t, in)
			if got := errorStrings(res.Rejected); !reflect.DeepEqual(got, append([]string{}, c.want...)) {
				t.Fatalf("rejected:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			wantSKUs := 3
			if len(c.want) > 0 {
				wantSKUs = 2
			}
			if res.Rows != 3 || len(res.Products) != 1 || len(res.Products[0].SKUs) != wantSKUs {
				t.Fatalf("rows=%d products=%+v; want 3 rows, 1 product with %d SKUs", res.Rows, res.Products, wantSKUs)
			}
		})
	}
}

func TestCSVHeaderErrors(t *testing.T) {
	cases := map[string]string{
		"":                          "the file is empty",
		"\xef\xbb\xbf":              "the file is empty",
		"spu_code,title,colour\n":   `unknown column "colour"`,
		"spu_code;title;sku_code\n": "separated by commas",
		"spu_code,title,sku_code\n": `required column "list_price" is missing`,
		"spu_code,title,sku_code,list_price,title\n": `column "title" appears twice`,
		"spu_code,title,sku_code,list_price,\n":      "column 5 has no name",
		"spu_code,\"title\n":                         "csv header",
	}
	for in, want := range cases {
		_, err := catalog.Parse(strings.NewReader(in), catalog.FormatCSV)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) error = %v, want one containing %q", in, err, want)
		}
	}
}

func TestCSVColumnsInAnyOrderAndOptional(t *testing.T) {
	in := "\xef\xbb\xbfsku_code, list_price ,title,spu_code,specs\r\nA-1,9.90,好物一号,A,规格:大\r\nA-2,10,好物一号,A,规格:小\r\n"
	res := parseCSV(t, in)
	want := []domain.Product{{Code: "A", Title: "好物一号", SKUs: []domain.SKU{
		{Code: "A-1", Specs: []domain.SpecValue{{Name: "规格", Value: "大"}}, ListPrice: 990},
		{Code: "A-2", Specs: []domain.SpecValue{{Name: "规格", Value: "小"}}, ListPrice: 1000}}}}
	if len(res.Rejected) > 0 || !reflect.DeepEqual(res.Products, want) {
		t.Fatalf("rejected=%v products=%+v", res.Rejected, res.Products)
	}
}

func TestCSVRowsOfOneProductAnywhere(t *testing.T) {
	in := csvHeader +
		csvLine("sku_code", "TS-1-A", "specs", "颜色:白;尺码:M") +
		csvLine("spu_code", "TS-2", "sku_code", "TS-2-A") +
		csvLine("sku_code", "TS-1-B") +
		",,,,,,,,,,,,\n\n" + // blank rows are skipped and not counted
		csvLine("spu_code", "TS-2", "sku_code", "TS-2-B", "specs", "颜色:白;尺码:M")
	res := parseCSV(t, in)
	if len(res.Rejected) > 0 || res.Rows != 4 || len(res.Products) != 2 {
		t.Fatalf("rejected=%v rows=%d products=%d", res.Rejected, res.Rows, len(res.Products))
	}
	if p := res.Products[0]; p.Code != "TS-1" || len(p.SKUs) != 2 || p.SKUs[1].Code != "TS-1-B" {
		t.Fatalf("first product %+v", p)
	}
	if p := res.Products[1]; p.Code != "TS-2" || len(p.SKUs) != 2 || p.SKUs[1].Code != "TS-2-B" {
		t.Fatalf("second product %+v", p)
	}
}

// Row numbers are the line a row starts on, so a quoted line break moves them.
func TestCSVRowNumbersAreLines(t *testing.T) {
	in := csvHeader + csvLine("sku_code", "TS-1-A", "description", "第一行\n第二行", "specs", "颜色:白;尺码:M") +
		csvLine("sku_code", "TS-1-B", "description", "第一行\n第二行", "list_price", "0")
	res := parseCSV(t, in)
	if got := errorStrings(res.Rejected); len(got) != 1 || got[0] != "row 4, field list_price: must be greater than 0 (got 0.00)" {
		t.Fatalf("rejected = %v", got)
	}
}

func TestCSVMalformedRowsAreRowErrors(t *testing.T) {
	short := strings.TrimSuffix(csvLine(), "\n")
	short = short[:strings.LastIndex(short, ",")] + "\n"
	in := csvHeader + csvLine("sku_code", "TS-1-A", "specs", "颜色:白;尺码:M") + short +
		"TS-1,纯\"棉,x\n" + csvLine("sku_code", "TS-1-C", "specs", "颜色:灰;尺码:M")
	res := parseCSV(t, in)
	want := []string{
		"row 3, field (row): has 12 values; the header has 13 columns",
		`row 4, field title: bad CSV quoting: bare " in non-quoted-field`,
	}
	if got := errorStrings(res.Rejected); !reflect.DeepEqual(got, want) {
		t.Fatalf("rejected:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if res.Rows != 4 || len(res.Products) != 1 || len(res.Products[0].SKUs) != 2 || res.RejectedRecords() != 2 {
		t.Fatalf("rows=%d products=%+v", res.Rows, res.Products)
	}
}

// A product keeps its valid SKUs; a product none of whose rows is valid is
// not imported; the first row with valid product columns sets them.
func TestCSVPartialProducts(t *testing.T) {
	long := strings.Repeat("长", 61)
	in := csvHeader +
		csvLine("spu_code", "P1", "sku_code", "P1-A", "list_price", "0") +
		csvLine("spu_code", "P1", "sku_code", "P1-B", "stock", "-1") +
		csvLine("spu_code", "P2", "sku_code", "P2-A", "title", long, "specs", "颜色:白;尺码:M") +
		csvLine("spu_code", "P2", "sku_code", "P2-B", "title", "短标题") +
		csvLine("spu_code", "P2", "sku_code", "P2-C", "title", long, "specs", "颜色:灰;尺码:M")
	res := parseCSV(t, in)
	want := []string{
		"row 2, field list_price: must be greater than 0 (got 0.00)",
		"row 3, field stock: must not be negative (got -1)",
		"row 4, field title: is 61 characters; at most 60",
		"row 6, field title: is 61 characters; at most 60",
	}
	if got := errorStrings(res.Rejected); !reflect.DeepEqual(got, want) {
		t.Fatalf("rejected:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(res.Products) != 1 || res.Products[0].Code != "P2" || res.Products[0].Title != "短标题" || len(res.Products[0].SKUs) != 1 {
		t.Fatalf("products = %+v", res.Products)
	}
	if fmt.Sprint(res.Incomplete) != "[P2]" {
		t.Fatalf("incomplete = %v, want [P2]: it lost two rows and must be merged, not replaced", res.Incomplete)
	}
}

// A duplicate is a duplicate even when the first row was rejected for
// something else: the file has two rows for that SKU.
func TestCSVDuplicateOfARejectedRow(t *testing.T) {
	in := csvHeader + csvLine("sku_code", "TS-1-A", "list_price", "x") + csvLine("sku_code", "TS-1-A")
	got := errorStrings(parseCSV(t, in).Rejected)
	if len(got) != 2 || got[1] != "row 3, field sku_code: sku TS-1-A is already defined at row 2" {
		t.Fatalf("rejected = %v", got)
	}
}

func TestCSVValuesAreTrimmed(t *testing.T) {
	in := csvHeader + csvLine("sku_code", " TS-1-A ", "specs", " 颜色 : 白 ; 尺码:M ;", "images", "https://img.example.com/1.jpg | ", "list_price", " 59.9 ")
	res := parseCSV(t, in)
	if len(res.Rejected) > 0 || len(res.Products) != 1 {
		t.Fatalf("rejected=%v", res.Rejected)
	}
	s := res.Products[0].SKUs[0]
	if s.Code != "TS-1-A" || s.ListPrice != 5990 || !reflect.DeepEqual(s.Specs, []domain.SpecValue{{Name: "颜色", Value: "白"}, {Name: "尺码", Value: "M"}}) ||
		!reflect.DeepEqual(res.Products[0].Images, []string{"https://img.example.com/1.jpg"}) {
		t.Fatalf("product = %+v", res.Products[0])
	}
}

func TestDetectFormat(t *testing.T) {
	for path, want := range map[string]catalog.Format{"a/catalog.json": catalog.FormatJSON, "CATALOG.CSV": catalog.FormatCSV} {
		if got, err := catalog.DetectFormat(path); err != nil || got != want {
			t.Errorf("DetectFormat(%q) = %q, %v", path, got, err)
		}
	}
	if _, err := catalog.DetectFormat("catalog.xlsx"); err == nil {
		t.Error("xlsx accepted")
	}
	if _, err := catalog.Parse(strings.NewReader("[]"), "xml"); err == nil {
		t.Error("unknown format accepted")
	}
}
