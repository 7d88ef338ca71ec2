package catalog_test

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/catalog/sample"
	"github.com/syncctl/syncctl/domain"
)

// checkParsed holds for any input: no panic (the fuzzer reports one), every
// problem names a row and a field, every accepted product passes Validate,
// and what was accepted exports and reads back the same.
func checkParsed(t *testing.T, data []byte, f catalog.Format) {
	res, err := catalog.Parse(bytes.NewReader(data), f)
	if err != nil {
		return
	}
	for _, e := range res.Rejected {
		if !strings.HasPrefix(e.Record, "row ") || e.Field == "" || e.Reason == "" {
			t.Fatalf("unnamed problem %#v", e)
		}
	}
	for _, p := range res.Products {
		if errs := catalog.Validate(p); len(errs) > 0 {
			t.Fatalf("accepted an invalid product %q: %v", p.Code, errs)
		}
	}
	var b bytes.Buffer
	if err := catalog.Export(&b, res.Products, f); err != nil {
		t.Fatalf("export of accepted products: %v", err)
	}
	back, err := catalog.Parse(&b, f)
	if err != nil || len(back.Rejected) > 0 || !reflect.DeepEqual(back.Products, res.Products) {
		t.Fatalf("round trip differs: err=%v rejected=%v\nfirst  %+v\nsecond %+v", err, back.Rejected, res.Products, back.Products)
	}
}

func FuzzParseCSV(f *testing.F) {
	f.Add([]byte(csvHeader + csvLine("sku_code", "TS-1-A") + csvLine("sku_code", "TS-1-B", "specs", "颜色:白;尺码:M")))
	f.Add([]byte(csvHeader + csvLine("description", "多行\n描述, \"引号\"") + "x,\"unterminated\n"))
	f.Add([]byte("\xef\xbb\xbfspu_code,title,sku_code,list_price,specs\r\nA,好物,A-1,1.5,规格:大\r\nA,好物,A-2,-1,规格:大;\r\n,,,,\r\n"))
	f.Add([]byte(csvHeader + csvLine("title", "\xff", "specs", "a:b:c;;d", "images", "http://x|", "stock", "9999999999999999999999")))
	f.Add(sample.CSV()[:3000])
	f.Fuzz(func(t *testing.T, data []byte) { checkParsed(t, data, catalog.FormatCSV) })
}

func FuzzParseJSON(f *testing.F) {
	f.Add(sample.JSON()[:2000])
	f.Add([]byte(`[{"code":"A","title":"好物","skus":[{"code":"A-1","list_price":9.9,"stock":"3"},{"code":"A-1","list_price":"1e2"}]}]`))
	f.Add([]byte(`{"products":[{"code":"A","title":"\ud800","images":[1],"skus":[{"code":"A 1","specs":[{"name":"颜色","value":"红|"}],"list_price":"0"}]},5,null]}`))
	f.Add([]byte("[{\"code\":\"B\",\"title\":\"\xff\",\"skus\":[{\"code\":\"B-1\",\"specs\":[],\"list_price\":\"1\",\"weight_g\":-1}]}]"))
	f.Fuzz(func(t *testing.T, data []byte) { checkParsed(t, data, catalog.FormatJSON) })
}

// BenchmarkParseCSV parses a 100-copy sample (6,500 SPUs / 30,700 SKUs).
func BenchmarkParseCSV(b *testing.B) {
	res, err := catalog.Parse(bytes.NewReader(sample.JSON()), catalog.FormatJSON)
	if err != nil {
		b.Fatal(err)
	}
	var big []domain.Product
	for i := range 100 {
		for _, p := range res.Products {
			p.Code = fmt.Sprintf("%s-%d", p.Code, i)
			p.SKUs = slices.Clone(p.SKUs)
			for j := range p.SKUs {
				p.SKUs[j].Code = fmt.Sprintf("%s-%d", p.SKUs[j].Code, i)
			}
			big = append(big, p)
		}
	}
	var file bytes.Buffer
	if err := catalog.Export(&file, big, catalog.FormatCSV); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(file.Len()))
	for b.Loop() {
		res, err := catalog.Parse(bytes.NewReader(file.Bytes()), catalog.FormatCSV)
		if err != nil || len(res.Rejected) > 0 || len(res.Products) != len(big) {
			b.Fatalf("err=%v rejected=%d", err, len(res.Rejected))
		}
	}
}
