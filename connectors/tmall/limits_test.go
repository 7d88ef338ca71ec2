package tmall_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
)

// A product Tmall cannot take fails its push with TOP's rule, before any
// call: the mapping (tmallmap.ItemParams) checks it first.
func TestUpsertRefusesWhatTmallCannotTakeWithoutACall(t *testing.T) {
	cases := []struct {
		name string
		edit func(*connectors.ProductPush)
		want string
	}{
		{"title", func(p *connectors.ProductPush) { p.Product.Title = strings.Repeat("长", 31) },
			"product YS-TS-001, field title: Tmall allows at most 30 characters (60 bytes in GBK), this has 31 (62 bytes)"},
		{"images", func(p *connectors.ProductPush) {
			for i := range 5 {
				p.Product.Images = append(p.Product.Images, fmt.Sprintf("https://img.example.com/%d.jpg", i))
			}
		}, "product YS-TS-001, field images: Tmall takes at most 5 main pictures, this has 6"},
		{"SKUs", func(p *connectors.ProductPush) {
			for i := len(p.Product.SKUs); i <= 600; i++ {
				code := fmt.Sprintf("YS-TS-001-%d", i)
				p.Product.SKUs = append(p.Product.SKUs, domain.SKU{Code: code, Specs: []domain.SpecValue{{Name: "颜色", Value: code}, {Name: "尺码", Value: "M"}}})
				p.Prices[code] = 100
			}
		}, "product YS-TS-001, field skus: Tmall allows at most 600 SKUs per item, this has 601"},
		{"price", func(p *connectors.ProductPush) { p.Prices["YS-TS-001-BLK-M"] = 100000000*100 + 1 },
			"sku YS-TS-001-BLK-M, field price: 10000000001 fen is outside TOP's range 0.01 to 100000000.00 yuan"},
		{"description", func(p *connectors.ProductPush) { p.Product.Description = "好" },
			"product YS-TS-001, field description: is 1 characters; Tmall needs 5 to 25000"},
	}
	for _, c := range cases {
		for _, retried := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/retried=%v", c.name, retried), func(t *testing.T) {
				g := &gateway{t: t, handlers: map[string]func(map[string]string) string{}}
				push := product()
				push.MayExist = retried // a retried create looks the item up first, unless refused
				c.edit(&push)
				_, err := open(t, g).UpsertProduct(context.Background(), push)
				if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("err = %v, want invalid containing %q", err, c.want)
				}
				if calls := g.methods(); len(calls) != 0 {
					t.Fatalf("calls %v: a product Tmall refuses must not reach it", calls)
				}
			})
		}
	}
}
