package catalog_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/catalog/sample"
)

const header = "spu_code,title,brand,category,description,images,sku_code,specs,barcode,weight_g,cost,list_price,stock\n"

func good(sku, specs string) string {
	return "TS-1,纯棉T恤,山野集,服装/T恤,好穿,https://img.example.com/1.jpg," + sku + "," + specs + ",6931400000014,220,18.50,59.90,10\n"
}

func TestCSVRowValidation(t *testing.T) {
	cases := []struct {
		name, row, want string
	}{
		{"missing sku code", good("", "颜色:白;尺码:M"), "row 3, field code: required"},
		{"zero price", strings.Replace(good("TS-1-B", "颜色:黑;尺码:M"), "59.90", "0", 1), "row 3, field list_price: must be greater than 0"},
		{"negative price", strings.Replace(good("TS-1-B", "颜色:黑;尺码:M"), "59.90", "-1", 1), "row 3, field list_price: must be greater than 0"},
		{"three decimals", strings.Replace(good("TS-1-B", "颜色:黑;尺码:M"), "59.90", "59.901", 1), "row 3, field list_price: amount \"59.901\" has more than 2 decimals"},
		{"negative stock", strings.Replace(good("TS-1-B", "颜色:黑;尺码:M"), ",10\n", ",-5\n", 1), "row 3, field stock: must not be negative"},
		{"non-integer stock", strings.Replace(good("TS-1-B", "颜色:黑;尺码:M"), ",10\n", ",3.5\n", 1), "row 3, field stock: \"3.5\" is not a whole number"},
		{"duplicate sku", good("TS-1-A", "颜色:黑;尺码:L"), "row 3, field code: sku TS-1-A is already defined at row 2"},
		{"spec without value", good("TS-1-B", "颜色:;尺码:M"), "row 3, field specs: spec \"颜色\":\"\" has an empty name or value"},
		{"spec not name:value", good("TS-1-B", "颜色黑"), "row 3, field specs: \"颜色黑\" is not name:value"},
		{"other spec names", good("TS-1-B", "颜色:黑"), "row 3, field specs: spec names"},
		{"same spec combination", good("TS-1-B", "颜色:白;尺码:M"), "row 3, field specs: same spec values as skus[1]"},
		{"bad barcode check digit", strings.Replace(good("TS-1-B", "颜色:黑;尺码:M"), "6931400000014", "6931400000015", 1), "row 3, field barcode: \"6931400000015\" has a wrong EAN-13 check digit (want 4)"},
		{"title differs", strings.Replace(good("TS-1-B", "颜色:黑;尺码:M"), "纯棉T恤", "别的", 1), "row 3, field title: differs from row 2"},
		{"non-UTF-8", strings.Replace(good("TS-1-B", "颜色:黑;尺码:M"), "好穿", "\xff\xfe", 1), "row 3, field description: is not valid UTF-8"},
		{"bad code chars", good("TS 1 B", "颜色:黑;尺码:M"), "row 3, field code: may contain only"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := header + good("TS-1-A", "颜色:白;尺码:M") + c.row + good("TS-1-C", "颜色:灰;尺码:M")
			res, err := catalog.Parse(strings.NewReader(in), catalog.FormatCSV)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Rejected) != 1 || !strings.HasPrefix(res.Rejected[0].Error(), c.want) {
				t.Fatalf("rejected = %v, want one starting %q", res.Rejected, c.want)
			}
			// The valid rows around the bad one are kept.
			if len(res.Products) != 1 || len(res.Products[0].SKUs) != 2 || res.Rows != 3 {
				t.Fatalf("products = %+v rows=%d", res.Products, res.Rows)
			}
		})
	}
}

func TestCSVProductLevelErrorRejectsItsRows(t *testing.T) {
	long := strings.Repeat("长", 61)
	in := header + strings.Replace(good("TS-1-A", "颜色:白"), "纯棉T恤", long, 1) + strings.Replace(good("TS-1-B", "颜色:黑"), "纯棉T恤", long, 1)
	res, err := catalog.Parse(strings.NewReader(in), catalog.FormatCSV)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Products) != 0 || len(res.Rejected) != 2 || res.Rejected[0].Error() != "row 2, field title: is 61 characters; at most 60" {
		t.Fatalf("products=%d rejected=%v", len(res.Products), res.Rejected)
	}
}

func TestCSVHeaderErrors(t *testing.T) {
	for _, in := range []string{"", "spu_code,title,colour\n", "spu_code,title\n"} {
		if _, err := catalog.Parse(strings.NewReader(in), catalog.FormatCSV); err == nil {
			t.Errorf("Parse(%q) accepted a bad header", in)
		}
	}
}

func TestJSONValidation(t *testing.T) {
	in := `{"products":[
	 {"code":"A","title":"好物","skus":[{"code":"A-1","list_price":"9.90","stock":3},{"code":"A-2","list_price":"-1","stock":3}]},
	 {"code":"B","title":"好物B","colour":"red","skus":[{"code":"B-1","list_price":"9.90"}]},
	 {"code":"C","title":"好物C","skus":[{"code":"C-1","list_price":9.9,"cost":"1.234"}]},
	 {"code":"D","title":"好物D","skus":[]}
	]}`
	res, err := catalog.Parse(strings.NewReader(in), catalog.FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Rejected {
		got = append(got, r.Error())
	}
	want := []string{
		"row 1 (sku A-2), field skus[2].list_price: must be greater than 0 (got -1.00)",
		`row 2, field (product): json: unknown field "colour"`,
		"row 3 (sku C-1), field skus[1].cost: amount \"1.234\" has more than 2 decimals (yuan, at most 2 decimals)",
		"row 4, field skus: a product needs at least one SKU",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rejected:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(res.Products) != 1 || res.Products[0].Code != "A" || len(res.Products[0].SKUs) != 1 {
		t.Fatalf("products = %+v", res.Products)
	}
	if _, err := catalog.Parse(strings.NewReader(`{"products":[`), catalog.FormatJSON); err == nil {
		t.Fatal("broken JSON accepted")
	}
}

func TestJSONNonUTF8NamesTheField(t *testing.T) {
	in := "[{\"code\":\"A\",\"title\":\"\xff\xfe\",\"skus\":[{\"code\":\"A-1\",\"list_price\":\"1.00\"}]}]"
	res, err := catalog.Parse(strings.NewReader(in), catalog.FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Products) != 0 || len(res.Rejected) == 0 || res.Rejected[0].Field != "title" {
		t.Fatalf("rejected=%v products=%d", res.Rejected, len(res.Products))
	}
}

func TestSampleCatalogIsValidAndRoundTrips(t *testing.T) {
	for _, f := range []struct {
		format catalog.Format
		data   []byte
	}{{catalog.FormatJSON, sample.JSON()}, {catalog.FormatCSV, sample.CSV()}} {
		res, err := catalog.Parse(bytes.NewReader(f.data), f.format)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rejected) != 0 {
			t.Fatalf("%s sample rejected: %v", f.format, res.Rejected[:min(5, len(res.Rejected))])
		}
		skus := 0
		for _, p := range res.Products {
			skus += len(p.SKUs)
			if n := len([]rune(p.Title)); n > 30 || n < 5 {
				t.Errorf("%s title %q is %d runes; Tmall takes 5..30", p.Code, p.Title, n)
			}
		}
		if len(res.Products) < 50 || skus < 200 {
			t.Fatalf("%s sample has %d SPUs / %d SKUs; want ≥ 50 / 200", f.format, len(res.Products), skus)
		}
		for _, out := range []catalog.Format{catalog.FormatJSON, catalog.FormatCSV} {
			var b bytes.Buffer
			if err := catalog.Export(&b, res.Products, out); err != nil {
				t.Fatal(err)
			}
			back, err := catalog.Parse(&b, out)
			if err != nil || len(back.Rejected) != 0 || !reflect.DeepEqual(back.Products, res.Products) {
				t.Fatalf("round trip %s → %s differs (err %v, rejected %v)", f.format, out, err, back.Rejected)
			}
		}
	}
}

func FuzzParseCSV(f *testing.F) {
	f.Add([]byte(header + good("TS-1-A", "颜色:白;尺码:M")))
	f.Add([]byte(header + "x,\"unterminated\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := catalog.Parse(bytes.NewReader(data), catalog.FormatCSV)
		if err != nil {
			return
		}
		for _, p := range res.Products {
			if errs := catalog.Validate(p); len(errs) > 0 {
				t.Fatalf("accepted an invalid product %s: %v", p.Code, errs)
			}
		}
	})
}

func FuzzParseJSON(f *testing.F) {
	f.Add(sample.JSON()[:2000])
	f.Add([]byte(`[{"code":"A","title":"好物","skus":[{"code":"A-1","list_price":"9.90"}]}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := catalog.Parse(bytes.NewReader(data), catalog.FormatJSON)
		if err != nil {
			return
		}
		for _, p := range res.Products {
			if errs := catalog.Validate(p); len(errs) > 0 {
				t.Fatalf("accepted an invalid product %s: %v", p.Code, errs)
			}
		}
	})
}
