package catalog_test

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/domain"
)

// A text cell that a spreadsheet would run as a formula is exported with
// an apostrophe in front (Excel and WPS then show it as text), numbers
// never are, and import takes the apostrophe off again: the round trip
// keeps every value.
func TestCSVExportNeutralisesFormulas(t *testing.T) {
	p := domain.Product{Code: "-A1", Title: "=SUM(A1)", Brand: "+86 品牌", Category: "@服装", Description: "'=不是公式",
		Images: []string{"https://img.example.com/1.jpg"},
		SKUs: []domain.SKU{
			{Code: "-A1-1", Specs: []domain.SpecValue{{Name: "=尺码", Value: "-1"}}, ListPrice: 990, Cost: 0, Stock: 0},
			{Code: "A1-2", Specs: []domain.SpecValue{{Name: "=尺码", Value: "'90s"}}, ListPrice: 100, Stock: 5},
		}}
	var b bytes.Buffer
	if err := catalog.Export(&b, []domain.Product{p}, catalog.FormatCSV); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	want := []string{
		`'-A1,'=SUM(A1),'+86 品牌,'@服装,''=不是公式,https://img.example.com/1.jpg,'-A1-1,'=尺码:-1,,,0.00,9.90,0`,
		`'-A1,'=SUM(A1),'+86 品牌,'@服装,''=不是公式,https://img.example.com/1.jpg,A1-2,'=尺码:'90s,,,0.00,1.00,5`,
	}
	if !reflect.DeepEqual(lines[1:3], want) {
		t.Fatalf("exported:\n%s\nwant:\n%s", strings.Join(lines[1:3], "\n"), strings.Join(want, "\n"))
	}
	res, err := catalog.Parse(&b, catalog.FormatCSV)
	if err != nil || len(res.Rejected) > 0 || !reflect.DeepEqual(res.Products, []domain.Product{p}) {
		t.Fatalf("round trip: %v %v\n%+v", err, res.Rejected, res.Products)
	}
	// What an operator protected by hand imports as meant; "'90s" is left alone.
	res = parseCSV(t, csvHeader+csvLine("title", "'=SUM(A1)", "brand", "'90s"))
	if len(res.Products) != 1 || res.Products[0].Title != "=SUM(A1)" || res.Products[0].Brand != "'90s" {
		t.Fatalf("products = %+v", res.Products)
	}
}

// Control characters (terminal escapes, NUL, BEL, C1) are refused with
// the row and field; a description may hold line breaks and tabs.
func TestControlCharactersAreRefused(t *testing.T) {
	const only = "; only a description may hold line breaks and tabs"
	cases := []struct {
		name string
		row  string
		want string
	}{
		{"ESC in title", csvLine("title", "好\x1b[31m物"), "row 3, field title: contains control character U+001B ESC at character 2" + only},
		{"OSC in brand", csvLine("brand", "牌\x1b]0;pwned\x07"), "row 3, field brand: contains control character U+001B ESC at character 2" + only},
		{"BEL in category", csvLine("category", "服装\a"), "row 3, field category: contains control character U+0007 BEL at character 3" + only},
		{"NUL in description", csvLine("description", "好\x00穿"),
			"row 3, field description: contains control character U+0000 NUL at character 2; a description may hold line breaks and tabs, no other control character"},
		{"C1 CSI in spec value", csvLine("specs", "颜色:黑\u009b;尺码:M"), "row 3, field specs: spec 颜色 value contains control character U+009B CSI at character 2" + only},
		{"tab in spec name", csvLine("specs", "颜\t色:黑;尺码:M"), "row 3, field specs: spec name contains control character U+0009 TAB at character 2" + only},
		{"ESC in sku code", csvLine("sku_code", "TS-1-\x1bB"), `row 3, field sku_code: "TS-1-\x1bB" may contain only letters, digits, '_', '.' and '-'`},
		{"line breaks and tabs in a description", csvLine("spu_code", "TS-2", "description", "第一行\n\t第二行\r\n第三行"), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := parseCSV(t, csvHeader+csvLine("sku_code", "TS-1-A", "specs", "颜色:白;尺码:M")+c.row)
			got := errorStrings(res.Rejected)
			if c.want == "" && len(got) == 0 || len(got) == 1 && got[0] == c.want {
				return
			}
			t.Fatalf("rejected %q, want %q", got, c.want)
		})
	}
	res := parseJSON(t, `[{"code":"A","title":"好\u001b[2J物","skus":[{"code":"A-1","specs":[{"name":"颜色","value":"红\u0007"}],"list_price":"1"}]}]`)
	want := []string{"row 1, field title: contains control character U+001B ESC at character 2" + only,
		"row 1 (sku A-1), field skus[1].specs: spec 颜色 value contains control character U+0007 BEL at character 2" + only}
	if got := errorStrings(res.Rejected); !reflect.DeepEqual(got, want) {
		t.Fatalf("JSON rejected:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The rule holds for every path into the catalog (ERP webhooks use Validate).
	p := tshirt()
	p.Brand = "\x1b[5m"
	if errs := catalog.Validate(p); len(errs) != 1 || errs[0].Field != "brand" {
		t.Fatalf("Validate = %v", errs)
	}
}

// A key given twice in a JSON object is refused (encoding/json would take
// the last value without a word), as an unknown key is.
func TestJSONDuplicateKeysAreRefused(t *testing.T) {
	res := parseJSON(t, `[{"code":"A","title":"好物","title":"坏物","skus":[`+
		`{"code":"A-1","list_price":"1","list_price":"100","specs":[{"name":"颜色","value":"红"}]},`+
		`{"code":"A-2","list_price":"1","specs":[{"name":"颜色","name":"尺码","value":"蓝"}]}]},`+
		`{"code":"B","title":"好物","skus":[{"code":"B-1","list_price":"1"}]}]`)
	want := []string{
		"row 1, field title: appears twice in the product; give each field once",
		"row 1 (sku A-1), field skus[1].list_price: appears twice in the SKU; give each field once",
		`row 1 (sku A-2), field skus[2].specs: specs[1]: field "name" appears twice`,
	}
	if got := errorStrings(res.Rejected); !reflect.DeepEqual(got, want) {
		t.Fatalf("rejected:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(res.Products) != 1 || res.Products[0].Code != "B" {
		t.Fatalf("products = %+v", res.Products)
	}
	if _, err := catalog.Parse(strings.NewReader(`{"products":[],"products":[]}`), catalog.FormatJSON); err == nil ||
		!strings.Contains(err.Error(), `line 1, column 16: field "products" appears twice`) {
		t.Fatalf("top level: %v", err)
	}
}

// Every field has a limit, checked at import with the row and the field.
func TestImportLimits(t *testing.T) {
	long := func(s string, n int) string { return strings.Repeat(s, n) }
	images := func(n, size int) string {
		var urls []string
		for i := range n {
			u := fmt.Sprintf("https://img.example.com/%d.jpg", i)
			urls = append(urls, u+long("x", max(0, size-len(u))))
		}
		return strings.Join(urls, "|")
	}
	specs := func(n int) string {
		var s []string
		for i := range n {
			s = append(s, fmt.Sprintf("规格%d:%d", i, i))
		}
		return strings.Join(s, ";")
	}
	cases := []struct {
		row  string
		want string
	}{
		{csvLine("brand", long("牌", 61)), "row 3, field brand: is 61 characters; at most 60"},
		{csvLine("category", long("类", 121)), "row 3, field category: is 121 characters; at most 120"},
		{csvLine("description", long("x", 100001)), "row 3, field description: is 100001 bytes; at most 100000"},
		{csvLine("images", images(21, 10)), "row 3, field images: has 21 images; at most 20"},
		{csvLine("images", images(1, 1025)), "row 3, field images: is 1025 bytes; at most 1024"},
		{csvLine("specs", specs(11)), "row 3, field specs: has 11 specs; at most 10"},
		{csvLine("specs", long("名", 31)+":黑;尺码:M"), "row 3, field specs: spec name is 31 characters; at most 30"},
		{csvLine("specs", "颜色:"+long("黑", 61)+";尺码:M"), "row 3, field specs: spec 颜色 value is 61 characters; at most 60"},
		{csvLine("list_price", "100000000.01"), "row 3, field list_price: 100000000.01 is too large: at most 100000000.00"},
		{csvLine("cost", "1000000000"), `row 3, field cost: "1000000000" is too large: at most 100000000.00`},
		{csvLine("stock", "100000001"), "row 3, field stock: 100000001 is too large: at most 100000000"},
		{csvLine("weight_g", "1000001"), "row 3, field weight_g: 1000001 is too large: at most 1000000"},
	}
	for _, c := range cases {
		res := parseCSV(t, csvHeader+csvLine("sku_code", "TS-1-A", "specs", "颜色:白;尺码:M")+c.row)
		if got := errorStrings(res.Rejected); len(got) != 1 || got[0] != c.want {
			t.Errorf("rejected %q\nwant     %q", got, c.want)
		}
	}

	// SKUs per product: the rows (CSV) or SKUs (JSON) past 600 are refused.
	var csv, js strings.Builder
	csv.WriteString("spu_code,title,sku_code,specs,list_price\n")
	js.WriteString(`[{"code":"P","title":"好物","skus":[`)
	for i := range 602 {
		fmt.Fprintf(&csv, "P,好物,P-%d,规格:%d,1\n", i, i)
		if i > 0 {
			js.WriteString(",")
		}
		fmt.Fprintf(&js, `{"code":"P-%d","specs":[{"name":"规格","value":"%d"}],"list_price":"1"}`, i, i)
	}
	js.WriteString("]}]")
	res := parseCSV(t, csv.String())
	if got := errorStrings(res.Rejected); len(got) != 2 || got[0] != "row 602, field sku_code: product P has 600 SKUs already; at most 600 per product" ||
		len(res.Products[0].SKUs) != 600 || fmt.Sprint(res.Incomplete) != "[P]" {
		t.Fatalf("CSV: rejected %q, %d SKUs, incomplete %v", got, len(res.Products[0].SKUs), res.Incomplete)
	}
	res = parseJSON(t, js.String())
	if got := errorStrings(res.Rejected); len(got) != 1 || got[0] != "row 1, field skus: has 602 SKUs; at most 600 per product: skus[601] to skus[602] are not imported" ||
		len(res.Products[0].SKUs) != 600 || fmt.Sprint(res.Incomplete) != "[P]" {
		t.Fatalf("JSON: rejected %q, incomplete %v", got, res.Incomplete)
	}
}

// Messages say what is wrong: a number too large (not "not a whole
// number"), full-width digits (not "more than 2 decimals"), a missing
// header (not an unknown column named after the first product).
func TestMessagesThatDoNotMislead(t *testing.T) {
	cases := []struct {
		row  string
		want string
	}{
		{csvLine("stock", "9223372036854775808"), `row 3, field stock: "9223372036854775808" is too large: at most 100000000`},
		{csvLine("stock", "-9223372036854775809"), `row 3, field stock: "-9223372036854775809" is too small: must not be negative`},
		{csvLine("list_price", "１２.００"), `row 3, field list_price: "１２.００" has full-width characters: write 12.00`},
		{csvLine("stock", "１０"), `row 3, field stock: "１０" has full-width characters: write 10`},
		{csvLine("list_price", "99999999999999999999"), `row 3, field list_price: "99999999999999999999" is too large: at most 100000000.00`},
	}
	for _, c := range cases {
		res := parseCSV(t, csvHeader+csvLine("sku_code", "TS-1-A", "specs", "颜色:白;尺码:M")+c.row)
		if got := errorStrings(res.Rejected); len(got) != 1 || got[0] != c.want {
			t.Errorf("rejected %q\nwant     %q", got, c.want)
		}
	}
	res := parseJSON(t, `[{"code":"A","title":"好物","skus":[`+jsonSKU("A-1", "红", `,"stock":9223372036854775808,"list_price":"１２.００"`)+`]}]`)
	want := []string{`row 1 (sku A-1), field skus[1].list_price: "１２.００" has full-width characters: write 12.00`,
		`row 1 (sku A-1), field skus[1].stock: "9223372036854775808" is too large: at most 100000000`}
	if got := errorStrings(res.Rejected); !reflect.DeepEqual(got, want) {
		t.Errorf("JSON rejected:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	_, err := catalog.Parse(strings.NewReader("H-NH-001,好东西,H-NH-001-1,9.90\nH-NH-002,好东西,H-NH-002-1,9.90\n"), catalog.FormatCSV)
	if err == nil || !strings.Contains(err.Error(), `the header row is missing (or misspelt): the first line names no column (it starts "H-NH-001")`) ||
		!strings.Contains(err.Error(), "spu_code,title,sku_code,list_price are required") || strings.Contains(err.Error(), "unknown column") {
		t.Fatalf("no header: %v", err)
	}
}
