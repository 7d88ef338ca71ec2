package catalog_test

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/domain"
)

func tshirt() domain.Product {
	spec := func(c, s string) []domain.SpecValue {
		return []domain.SpecValue{{Name: "颜色", Value: c}, {Name: "尺码", Value: s}}
	}
	return domain.Product{
		Code: "YS-TS-001", Title: "山野集纯棉圆领短袖T恤 基础款", Brand: "山野集", Category: "服装/男装/T恤",
		Description: "面料：100%棉, \"重磅\" 220g\n第二行", Images: []string{"https://img.example.com/ys-ts-001/1.jpg", "https://img.example.com/ys-ts-001/2.jpg?w=800&h=800"},
		SKUs: []domain.SKU{
			{Code: "YS-TS-001-WHT-M", Specs: spec("白色", "M"), Barcode: "6931400000021", WeightG: 220, Cost: 1850, ListPrice: 5990, Stock: 85},
			{Code: "YS-TS-001-BLK-M", Specs: spec("黑色", "M"), ListPrice: 12900},
		},
	}
}

func TestValidateAcceptsAGoodProduct(t *testing.T) {
	if errs := catalog.Validate(tshirt()); len(errs) != 0 {
		t.Fatalf("Validate = %v", errs)
	}
}

// Validate serves callers without rows (ERP webhooks): records name the
// product or SKU, fields are paths into the product.
func TestValidateNamesProductAndSKU(t *testing.T) {
	p := tshirt()
	p.Title = strings.Repeat("标", 61)
	p.Images = append(p.Images, "https://img.example.com/a|b.jpg")
	p.SKUs[1].Cost = -1
	p.SKUs = append(p.SKUs,
		domain.SKU{Code: "YS-TS-001-WHT-M", Specs: []domain.SpecValue{{Name: "颜色", Value: "灰"}, {Name: "尺码", Value: "M"}}, ListPrice: 1},
		domain.SKU{Code: "YS-TS-001-GRY-L", Specs: []domain.SpecValue{{Name: "颜色", Value: "白色"}, {Name: "尺码", Value: "M"}}, ListPrice: 1},
		domain.SKU{Code: "", Specs: []domain.SpecValue{{Name: "颜色", Value: "灰\xff"}}, ListPrice: 1, Stock: -2})
	want := []string{
		"product YS-TS-001, field title: is 61 characters; at most 60",
		`product YS-TS-001, field images[3]: "https://img.example.com/a|b.jpg" must not contain '|', spaces or control characters (escape them: %7C, %20)`,
		"sku YS-TS-001-BLK-M, field skus[2].cost: must not be negative (got -0.01)",
		"sku YS-TS-001-WHT-M, field skus[3].code: sku YS-TS-001-WHT-M is already defined at skus[1]",
		"sku YS-TS-001-GRY-L, field skus[4].specs: same spec values as skus[1] (sku YS-TS-001-WHT-M)",
		"product YS-TS-001, field skus[5].code: required",
		"product YS-TS-001, field skus[5].specs: is not valid UTF-8",
		"product YS-TS-001, field skus[5].stock: must not be negative (got -2)",
	}
	if got := errorStrings(catalog.Validate(p)); !reflect.DeepEqual(got, want) {
		t.Fatalf("Validate:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := errorStrings(catalog.Validate(domain.Product{Title: "x"})); !reflect.DeepEqual(got, []string{
		"product, field code: required", "product, field skus: a product needs at least one SKU"}) {
		t.Fatalf("empty product: %v", got)
	}
}

func TestEAN13CheckDigit(t *testing.T) {
	for _, code := range []string{"4006381333931", "6901234567892", "6931400000014", "9787115428028"} {
		if got := catalog.EAN13CheckDigit(code[:12]); got != code[12] {
			t.Errorf("EAN13CheckDigit(%s) = %c, want %c", code[:12], got, code[12])
		}
	}
}

func TestExportRoundTrip(t *testing.T) {
	single := domain.Product{Code: "CX-TE-001", Title: "茶溪 明前龙井, \"特级\"", SKUs: []domain.SKU{{Code: "CX-TE-001", ListPrice: 26800}}}
	products := []domain.Product{tshirt(), single}
	for _, f := range []catalog.Format{catalog.FormatJSON, catalog.FormatCSV} {
		var b bytes.Buffer
		if err := catalog.Export(&b, products, f); err != nil {
			t.Fatal(err)
		}
		res, err := catalog.Parse(bytes.NewReader(b.Bytes()), f)
		if err != nil || len(res.Rejected) != 0 || !reflect.DeepEqual(res.Products, products) {
			t.Fatalf("%s round trip: err=%v rejected=%v\n%s\ngot  %+v\nwant %+v", f, err, res.Rejected, b.String(), res.Products, products)
		}
	}
}

func TestExportFormats(t *testing.T) {
	var b bytes.Buffer
	if err := catalog.Export(&b, []domain.Product{tshirt()}, catalog.FormatCSV); err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(b.String(), "\n", 3)
	if lines[0] != strings.Join(catalog.CSVColumns, ",") ||
		lines[1] != `YS-TS-001,山野集纯棉圆领短袖T恤 基础款,山野集,服装/男装/T恤,"面料：100%棉, ""重磅"" 220g` {
		t.Fatalf("csv:\n%s", b.String())
	}
	b.Reset()
	if err := catalog.Export(&b, nil, ""); err != nil || b.String() != "{\n  \"products\": []\n}\n" {
		t.Fatalf("empty JSON export = %q, %v", b.String(), err)
	}
	b.Reset()
	if err := catalog.Export(&b, []domain.Product{tshirt()}, catalog.FormatJSON); err != nil || !strings.Contains(b.String(), `"cost": "18.50",`) ||
		!strings.Contains(b.String(), `"list_price": "59.90",`) || strings.Contains(b.String(), `\u0026`) {
		t.Fatalf("json:\n%s", b.String())
	}
}

func TestExportRefusesWhatCSVCannotHold(t *testing.T) {
	bad := []domain.Product{{Code: "A", Title: "x"}}
	if err := catalog.Export(&bytes.Buffer{}, bad, catalog.FormatCSV); err == nil || !strings.Contains(err.Error(), "no SKUs") {
		t.Errorf("product without SKUs: %v", err)
	}
	p := tshirt()
	p.SKUs[0].Specs[0].Value = "红;蓝"
	if err := catalog.Export(&bytes.Buffer{}, []domain.Product{p}, catalog.FormatCSV); err == nil {
		t.Error("spec with ';' exported")
	}
	if err := catalog.Export(&bytes.Buffer{}, nil, "xml"); err == nil {
		t.Error("unknown format accepted")
	}
}

// The examples in FORMAT.md (pasted into the README) import cleanly.
func TestFormatDocExamples(t *testing.T) {
	doc, err := os.ReadFile("FORMAT.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []catalog.Format{catalog.FormatCSV, catalog.FormatJSON} {
		_, block, ok := strings.Cut(string(doc), "```"+string(f)+"\n")
		block, _, _ = strings.Cut(block, "```")
		if !ok {
			t.Fatalf("no %s example", f)
		}
		res, err := catalog.Parse(strings.NewReader(block), f)
		if err != nil || len(res.Rejected) > 0 || len(res.Products) != 1 {
			t.Errorf("%s example: err=%v rejected=%v products=%d", f, err, res.Rejected, len(res.Products))
		}
	}
}
