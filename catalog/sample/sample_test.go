package sample_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/catalog/sample"
	"github.com/syncctl/syncctl/domain"
)

func parse(t *testing.T, data []byte, f catalog.Format) []domain.Product {
	t.Helper()
	res, err := catalog.Parse(bytes.NewReader(data), f)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rejected) != 0 {
		t.Fatalf("%s sample has %d problems, first: %v", f, len(res.Rejected), res.Rejected[0])
	}
	return res.Products
}

func TestSampleIsValidAndBigEnough(t *testing.T) {
	products := parse(t, sample.JSON(), catalog.FormatJSON)
	if fromCSV := parse(t, sample.CSV(), catalog.FormatCSV); !reflect.DeepEqual(fromCSV, products) {
		t.Fatal("catalog.csv and catalog.json hold different catalogs")
	}
	skus, stocked := 0, 0
	tops := map[string]bool{}
	for _, p := range products {
		if n := utf8.RuneCountInString(p.Title); n < 5 || n > 30 {
			t.Errorf("%s: title %q is %d runes; Tmall takes 5–30", p.Code, p.Title, n)
		}
		if len(p.Images) != 3 || !strings.HasPrefix(p.Images[0], "https://img.example.com/") || p.Brand == "" || p.Description == "" {
			t.Errorf("%s: brand, description or 3 images missing", p.Code)
		}
		top, _, _ := strings.Cut(p.Category, "/")
		tops[top] = true
		for _, s := range p.SKUs {
			skus++
			if len(s.Barcode) != 13 || !strings.HasPrefix(s.Barcode, "69") {
				t.Errorf("%s: barcode %q is not a Chinese EAN-13", s.Code, s.Barcode)
			}
			if s.Cost <= 0 || s.Cost >= s.ListPrice || s.WeightG <= 0 || s.Stock > 500 {
				t.Errorf("%s: cost %s, price %s, weight %d, stock %d", s.Code, s.Cost, s.ListPrice, s.WeightG, s.Stock)
			}
			if s.Stock > 20 {
				stocked++
			}
		}
	}
	if len(products) < 55 || skus < 220 {
		t.Errorf("sample has %d SPUs / %d SKUs; want ≥ 55 / 220", len(products), skus)
	}
	if stocked*10 < skus*8 {
		t.Errorf("only %d of %d SKUs have more than 20 in stock", stocked, skus)
	}
	for _, c := range []string{"服装", "鞋", "美妆护肤", "食品", "家居", "数码配件", "母婴"} {
		if !tops[c] {
			t.Errorf("no %s in the sample", c)
		}
	}
}
