package catalog_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping"
	tmallmap "github.com/syncctl/syncctl/mapping/tmall"
	"github.com/syncctl/syncctl/store"
)

// A generated catalog imports whole, in both formats: 200 SPUs × 3 SKUs
// are 200 products and 600 SKUs with no rejected row; the same seed writes
// the same bytes, another seed other ones.
func TestGeneratedCatalogImportsCleanly(t *testing.T) {
	ctx := context.Background()
	o := catalog.GenerateOptions{SPUs: 200, SKUsPerSPU: 3, Seed: 42}
	for _, f := range []catalog.Format{catalog.FormatJSON, catalog.FormatCSV} {
		t.Run(string(f), func(t *testing.T) {
			var a, b, c bytes.Buffer
			if err := catalog.Generate(&a, f, o); err != nil {
				t.Fatal(err)
			}
			_ = catalog.Generate(&b, f, o)
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Fatal("the same seed wrote different bytes")
			}
			other := o
			other.Seed = 43
			_ = catalog.Generate(&c, f, other)
			if bytes.Equal(a.Bytes(), c.Bytes()) {
				t.Fatal("another seed wrote the same bytes")
			}
			st, err := store.Open(ctx, "sqlite", filepath.Join(t.TempDir(), "syncctl.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			rep, err := catalog.Import(ctx, st, bytes.NewReader(a.Bytes()), f)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Rejected) > 0 {
				t.Fatalf("%d problems, first: %v", len(rep.Rejected), rep.Rejected[0])
			}
			spus, skus, err := st.CatalogStats(ctx)
			if err != nil || spus != 200 || skus != 600 || rep.Stored.Created != 200 {
				t.Fatalf("catalog holds %d SPUs / %d SKUs (%v), report %+v; want 200 / 600", spus, skus, err, rep.Stored)
			}
		})
	}
}

// Every generated product is one a channel takes: valid in the catalog,
// titles within Tmall's 30 characters, prices with cost below them, and
// TOP item parameters built without a rule broken. Sizes past a line's
// own (600 SKUs of a T-shirt) are custom ones, never a repeated pair.
func TestGeneratedProductsAreRealistic(t *testing.T) {
	for _, m := range []int{1, 4, 12, 600} {
		o := catalog.GenerateOptions{SPUs: 60, SKUsPerSPU: m, Seed: 7}
		for i := range o.SPUs {
			p := catalog.GenerateProduct(o, i)
			if errs := catalog.Validate(p); len(errs) > 0 {
				t.Fatalf("%d SKUs, product %d: %v", m, i, errs)
			}
			if n := utf8.RuneCountInString(p.Title); n > catalog.MaxGeneratedTitle || !strings.ContainsFunc(p.Title, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
				t.Fatalf("title %q: %d characters, want Chinese within %d", p.Title, n, catalog.MaxGeneratedTitle)
			}
			if len(p.SKUs) != m || len(p.Images) < 3 || len(p.Images) > tmallmap.MaxImages {
				t.Fatalf("product %s: %d SKUs, %d images", p.Code, len(p.SKUs), len(p.Images))
			}
			for _, s := range p.SKUs {
				if s.Cost <= 0 || s.Cost >= s.ListPrice || s.ListPrice%10 != 0 || len(s.Specs) != 2 || s.Specs[0].Name != "颜色" || s.Specs[1].Name != "尺码" {
					t.Fatalf("sku %s: cost %s, price %s, specs %v", s.Code, s.Cost.Yuan(), s.ListPrice.Yuan(), s.Specs)
				}
			}
			push := mapping.PlanProductPush(tmallShop, p, nil, p.UpdatedAt).Upsert
			if _, err := tmallmap.ItemParams(*push, tmallmap.ItemOptions{CID: "50000436", LocationState: "浙江", LocationCity: "杭州"}); err != nil {
				t.Fatalf("%d SKUs, product %s: %v", m, p.Code, err)
			}
		}
	}
}

var tmallShop = domain.ShopRef{Channel: "tmall", Shop: "bench"}
