package catalog_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/domain"
)

func parseJSON(t *testing.T, in string) catalog.Result {
	t.Helper()
	res, err := catalog.Parse(strings.NewReader(in), catalog.FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// jsonSKU is a valid SKU object with the given code and colour, with extra
// fields (`,"stock":-1`) appended in place of the default ones they name
// (a key given twice is an error).
func jsonSKU(code, colour, extra string) string {
	obj := `{"code":"` + code + `","specs":[{"name":"颜色","value":"` + colour + `"}]`
	for _, def := range []string{`"list_price":"9.90"`, `"stock":3`} {
		if key, _, _ := strings.Cut(def, ":"); !strings.Contains(extra, key+":") {
			obj += "," + def
		}
	}
	return obj + extra + `}`
}

const known = "(known: code, title, brand, category, description, images, skus)"
const knownSKU = "(known: code, specs, barcode, weight_g, cost, list_price, stock)"

func TestJSONValidation(t *testing.T) {
	cases := []struct {
		name     string
		in       string
		want     []string
		products map[string]int // product code → SKUs imported
	}{
		{"valid", `{"products":[{"code":"A","title":"好物","skus":[` + jsonSKU("A-1", "红", "") + `]}]}`, nil, map[string]int{"A": 1}},
		{"bare array", `[{"code":"A","title":"好物","skus":[` + jsonSKU("A-1", "红", "") + `]}]`, nil, map[string]int{"A": 1}},
		{"one bad SKU", `[{"code":"A","title":"好物","skus":[` + jsonSKU("A-1", "红", "") + `,` + jsonSKU("A-2", "蓝", `,"list_price":"-1"`) + `]}]`,
			[]string{"row 1 (sku A-2), field skus[2].list_price: must be greater than 0 (got -1.00)"}, map[string]int{"A": 1}},
		{"all SKUs bad", `[{"code":"A","title":"好物","skus":[` + jsonSKU("A-1", "红", `,"stock":-1`) + `]}]`,
			[]string{"row 1 (sku A-1), field skus[1].stock: must not be negative (got -1)"}, nil},
		{"unknown product field", `[{"code":"A","title":"好物","colour":"red","skus":[` + jsonSKU("A-1", "红", "") + `]}]`,
			[]string{"row 1, field colour: unknown field " + known}, nil},
		{"unknown SKU field", `[{"code":"A","title":"好物","skus":[` + jsonSKU("A-1", "红", `,"price":1`) + `]}]`,
			[]string{"row 1 (sku A-1), field skus[1].price: unknown field " + knownSKU}, nil},
		{"unknown spec field", `[{"code":"A","title":"好物","skus":[{"code":"A-1","specs":[{"name":"颜色","val":"红"}],"list_price":"1"}]}]`,
			[]string{`row 1 (sku A-1), field skus[1].specs: specs[1]: unknown field "val"`}, nil},
		{"exact number money", `[{"code":"A","title":"好物","skus":[` + jsonSKU("A-1", "红", `,"list_price":9.9,"cost":0`) + `]}]`, nil, map[string]int{"A": 1}},
		{"number money with 3 decimals", `[{"code":"A","title":"好物","skus":[` + jsonSKU("A-1", "红", `,"list_price":9.999`) + `]}]`,
			[]string{`row 1 (sku A-1), field skus[1].list_price: amount "9.999" has more than 2 decimals (write yuan with at most 2 decimals, like 59.90)`}, nil},
		{"number money with exponent", `[{"code":"A","title":"好物","skus":[` + jsonSKU("A-1", "红", `,"cost":1e3`) + `]}]`,
			[]string{`row 1 (sku A-1), field skus[1].cost: amount "1e3" is not a number (write yuan with at most 2 decimals, like 59.90)`}, nil},
		{"money not a number", `[{"code":"A","title":"好物","skus":[` + jsonSKU("A-1", "红", `,"list_price":true`) + `]}]`,
			[]string{`row 1 (sku A-1), field skus[1].list_price: must be a yuan amount like "59.90"`}, nil},
		{"missing list_price", `[{"code":"A","title":"好物","skus":[{"code":"A-1"}]}]`,
			[]string{`row 1 (sku A-1), field skus[1].list_price: required`}, nil},
		{"stock not whole", `[{"code":"A","title":"好物","skus":[` + jsonSKU("A-1", "红", `,"stock":3.5,"weight_g":{}`) + `]}]`,
			[]string{`row 1 (sku A-1), field skus[1].weight_g: must be a whole number`, `row 1 (sku A-1), field skus[1].stock: "3.5" is not a whole number`}, nil},
		{"quoted stock", `[{"code":"A","title":"好物","skus":[` + jsonSKU("A-1", "红", `,"stock":"12","weight_g":null`) + `]}]`, nil, map[string]int{"A": 1}},
		{"no SKUs", `[{"code":"A","title":"好物","skus":[]},{"code":"B","title":""}]`,
			[]string{"row 1, field skus: a product needs at least one SKU", "row 2, field title: required", "row 2, field skus: a product needs at least one SKU"}, nil},
		{"not objects", `[5,{"code":"A","title":"好物","skus":[7]}]`,
			[]string{"row 1, field (product): must be a JSON object", "row 2, field skus[1]: must be a JSON object"}, nil},
		{"wrong types", `[{"code":"A","title":5,"images":"x","skus":[{"code":"A-1","specs":{},"list_price":"1"}]}]`,
			[]string{"row 1, field title: must be a string", "row 1, field images: must be an array of URL strings",
				`row 1 (sku A-1), field skus[1].specs: must be an array of {"name":…,"value":…}`}, nil},
		{"non-UTF-8 bytes", "[{\"code\":\"A\",\"title\":\"好\xff物\",\"skus\":[{\"code\":\"A-1\",\"barcode\":\"\xff\",\"list_price\":\"1\"}]}]",
			[]string{"row 1, field title: is not valid UTF-8", "row 1 (sku A-1), field skus[1].barcode: is not valid UTF-8"}, nil},
		{"unpaired surrogate", `[{"code":"A","title":"好物","description":"\ud800x","skus":[` + jsonSKU("A-1", "\\udc00", "") + `]}]`,
			[]string{`row 1, field description: has an unpaired \u surrogate escape (not valid UTF-16)`,
				`row 1 (sku A-1), field skus[1].specs: specs[1].value has an unpaired \u surrogate escape (not valid UTF-16)`}, nil},
		{"paired surrogates and escaped backslash", `[{"code":"A","title":"好物\ud83d\ude00\\ud800","skus":[` + jsonSKU("A-1", "红", "") + `]}]`, nil, map[string]int{"A": 1}},
		{"duplicate product", `[{"code":"A","title":"好物","skus":[` + jsonSKU("A-1", "红", "") + `]},{"code":"A","title":"好物","skus":[` + jsonSKU("A-2", "红", "") + `]}]`,
			[]string{"row 2, field code: product A is already defined at row 1"}, map[string]int{"A": 1}},
		{"duplicate SKU across products", `[{"code":"A","title":"好物","skus":[` + jsonSKU("A-1", "红", "") + `]},{"code":"B","title":"好物","skus":[` + jsonSKU("A-1", "红", "") + `]}]`,
			[]string{"row 2 (sku A-1), field skus[1].code: sku A-1 is already defined at row 1 (sku A-1)"}, map[string]int{"A": 1}},
		{"product problem reported once", `[{"code":"A","title":"` + strings.Repeat("长", 61) + `","skus":[` + jsonSKU("A-1", "红", "") + `,` + jsonSKU("A-2", "蓝", `,"cost":"-1"`) + `,` + jsonSKU("A-3", "白", "") + `]}]`,
			[]string{"row 1, field title: is 61 characters; at most 60", "row 1 (sku A-2), field skus[2].cost: must not be negative (got -1.00)"}, nil},
		{"bad SKU code", `[{"code":"A","title":"好物","skus":[` + jsonSKU("A 1", "红", "") + `]}]`,
			[]string{`row 1, field skus[1].code: "A 1" may contain only letters, digits, '_', '.' and '-'`}, nil},
		{"spec names differ", `[{"code":"A","title":"好物","skus":[` + jsonSKU("A-1", "红", "") + `,{"code":"A-2","specs":[{"name":"尺码","value":"M"}],"list_price":"1"}]}]`,
			[]string{"row 1 (sku A-2), field skus[2].specs: spec names [尺码] differ from skus[1] ([颜色]); every SKU of a product needs the same spec names in the same order"}, map[string]int{"A": 1}},
		{"same spec values", `[{"code":"A","title":"好物","skus":[` + jsonSKU("A-1", "红", "") + `,` + jsonSKU("A-2", "红", "") + `]}]`,
			[]string{"row 1 (sku A-2), field skus[2].specs: same spec values as skus[1] (sku A-1)"}, map[string]int{"A": 1}},
		{"two SKUs without specs", `[{"code":"A","title":"好物","skus":[{"code":"A-1","list_price":"1"},{"code":"A-2","list_price":"1"}]}]`,
			[]string{"row 1 (sku A-2), field skus[2].specs: has no specs, like skus[1] (sku A-1); SKUs of one product need spec values that tell them apart"}, map[string]int{"A": 1}},
		{"image not a string", `[{"code":"A","title":"好物","images":[5,"ftp://x"],"skus":[` + jsonSKU("A-1", "红", "") + `]}]`,
			[]string{`row 1, field images[1]: must be a string`, `row 1, field images[2]: "ftp://x" is not an http(s) URL`}, nil},
		{"bad image", `[{"code":"A","title":"好物","images":["https://img.example.com/1.jpg","img.example.com/2.jpg","https://img.example.com/a b.jpg"],"skus":[` + jsonSKU("A-1", "红", "") + `]}]`,
			[]string{`row 1, field images[2]: "img.example.com/2.jpg" is not an http(s) URL`,
				`row 1, field images[3]: "https://img.example.com/a b.jpg" must not contain '|', spaces or control characters (escape them: %7C, %20)`}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := parseJSON(t, c.in)
			if got := errorStrings(res.Rejected); !reflect.DeepEqual(got, append([]string{}, c.want...)) {
				t.Fatalf("rejected:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			got := map[string]int{}
			for _, p := range res.Products {
				got[p.Code] = len(p.SKUs)
			}
			if len(got) != len(c.products) || (len(got) > 0 && !reflect.DeepEqual(got, c.products)) {
				t.Fatalf("products = %v, want %v", got, c.products)
			}
		})
	}
}

func TestJSONReadsEveryField(t *testing.T) {
	in := `{"products":[{"code":" A ","title":"好物","brand":"山野集","category":"服装/T恤","description":"第一行\n第二行",
		"images":["https://img.example.com/1.jpg"],
		"skus":[{"code":"A-1","specs":[{"name":"颜色","value":"红"}],"barcode":"6931400000014","weight_g":220,"cost":"18.5","list_price":"59.90","stock":85}]}]}`
	res := parseJSON(t, in)
	want := []domain.Product{{Code: "A", Title: "好物", Brand: "山野集", Category: "服装/T恤", Description: "第一行\n第二行",
		Images: []string{"https://img.example.com/1.jpg"},
		SKUs: []domain.SKU{{Code: "A-1", Specs: []domain.SpecValue{{Name: "颜色", Value: "红"}}, Barcode: "6931400000014",
			WeightG: 220, Cost: 1850, ListPrice: 5990, Stock: 85}}}}
	if len(res.Rejected) > 0 || res.Rows != 1 || !reflect.DeepEqual(res.Products, want) {
		t.Fatalf("rejected=%v rows=%d\nproducts=%+v\nwant    =%+v", res.Rejected, res.Rows, res.Products, want)
	}
}

func TestJSONFileErrors(t *testing.T) {
	cases := map[string]string{
		"":                               "the file is empty",
		`{"products":[`:                  "json: line 1, column 13: unexpected end of JSON input",
		"{\n \"products\": [\n  {,}\n]}": "json: line 3, column 4: invalid character ','",
		`{"products":[]} x`:              "invalid character 'x' after top-level value",
		"[{\"code\":1\n,}]":              "json: line 2, column 2: invalid character '}' looking for beginning of object key string",
		`{"items":[]}`:                   `unknown top-level field "items"`,
		`{}`:                             `"products" must be an array`,
		`{"products":{}}`:                `"products" must be an array`,
		`"products"`:                     `want {"products":[...]}`,
	}
	for in, want := range cases {
		_, err := catalog.Parse(strings.NewReader(in), catalog.FormatJSON)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) error = %v, want one containing %q", in, err, want)
		}
	}
	if res := parseJSON(t, `{"products":[]}`); len(res.Products) != 0 || res.Rows != 0 {
		t.Errorf("empty catalog: %+v", res)
	}
}
