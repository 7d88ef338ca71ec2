package catalog

import (
	"fmt"
	"slices"
	"strings"

	"github.com/syncctl/syncctl/domain"
)

// row is one SKU as read from a file, with where it came from. Both formats
// turn their input into rows; builder applies the same rules to both.
type row struct {
	rec     string // names the row in SKU-level problems: "row 7", "row 3 (sku X)"
	prodRec string // names it in product-level problems: CSV "row 7", JSON "row 3"
	ref     string // names the SKU to its siblings: CSV "row 7", JSON "skus[2]"
	field   func(string) string

	product  domain.Product // product-level fields, no SKUs
	sku      domain.SKU
	prodErrs []domain.FieldError // problems reading product fields (unmapped names)
	skuErrs  []domain.FieldError // problems reading SKU fields (unmapped names)
	broken   bool                // the SKU could not be read at all: skip checking its fields
}

// csvField maps Validate's field names onto CSV column names.
func csvField(f string) string {
	switch {
	case f == "code":
		return "spu_code"
	case f == "sku.code":
		return "sku_code"
	case strings.HasPrefix(f, "sku."):
		return f[len("sku."):]
	case strings.HasPrefix(f, "images["):
		return "images"
	}
	return f
}

// jsonField returns the mapping for the j-th (1-based) SKU of a JSON product.
func jsonField(j int) func(string) string {
	return func(f string) string {
		if rest, ok := strings.CutPrefix(f, "sku."); ok {
			if rest == "" {
				return fmt.Sprintf("skus[%d]", j)
			}
			return fmt.Sprintf("skus[%d].%s", j, rest)
		}
		return f
	}
}

// group is one product being assembled.
type group struct {
	header   *domain.Product // product fields of its first row whose product fields are valid
	headRec  string
	skus     []domain.SKU
	rejected int // rows of this product that were rejected
	v        variants
}

// builder groups rows into products. A row is rejected with every problem it
// has; the other rows go on. A product-level problem rejects the rows that
// carry it; a product keeps the SKUs whose rows were accepted and is left
// out only when none were.
type builder struct {
	groups   map[string]*group
	order    []string
	skuAt    map[string]string // SKU code → record of its first row
	reported map[string]bool   // prodRecs whose product problems are already reported
	rejected []domain.FieldError
}

func newBuilder() *builder {
	return &builder{groups: map[string]*group{}, skuAt: map[string]string{}, reported: map[string]bool{}}
}

func (b *builder) reject(rec string, errs ...domain.FieldError) {
	for _, e := range errs {
		e.Record = rec
		b.rejected = append(b.rejected, e)
	}
}

// add checks one row and keeps its SKU if it has no problem.
func (b *builder) add(r row) {
	g := b.groups[r.product.Code]
	if g == nil {
		g = &group{}
		b.groups[r.product.Code] = g
		b.order = append(b.order, r.product.Code)
	}

	prodErrs := merge(r.prodErrs, validateProduct(r.product))
	if len(prodErrs) == 0 {
		if g.header == nil {
			g.header, g.headRec = &r.product, r.prodRec
		} else if f := headerMismatch(*g.header, r.product); f != "" {
			prodErrs = append(prodErrs, domain.FieldError{Field: f,
				Reason: fmt.Sprintf("differs from %s, the first row of product %s", g.headRec, r.product.Code)})
		}
	}

	skuErrs := prefixed("sku.", r.skuErrs)
	if !r.broken {
		skuErrs = merge(skuErrs, prefixed("sku.", ValidateSKU(r.sku)))
	}
	if code := r.sku.Code; code != "" {
		if first, dup := b.skuAt[code]; dup {
			skuErrs = append(skuErrs, domain.FieldError{Field: "sku.code", Reason: fmt.Sprintf("sku %s is already defined at %s", code, first)})
		} else {
			b.skuAt[code] = r.rec
		}
	}
	if len(prodErrs) == 0 && len(skuErrs) == 0 {
		skuErrs = prefixed("sku.", g.v.check(r.sku, r.ref))
	}

	// A JSON product's fields are shared by all its SKU rows: report them once.
	if !b.reported[r.prodRec] {
		b.reported[r.prodRec] = len(prodErrs) > 0
		b.reject(r.prodRec, mapped(prodErrs, r.field)...)
	}
	b.reject(r.rec, mapped(skuErrs, r.field)...)
	if len(prodErrs) > 0 || len(skuErrs) > 0 {
		g.rejected++
		return
	}
	g.v.add(r.sku, r.ref)
	g.skus = append(g.skus, r.sku)
}

// products returns the imported products in the order their first row
// appeared, and the codes of those that had rows rejected.
func (b *builder) products() (out []domain.Product, incomplete []string) {
	for _, code := range b.order {
		g := b.groups[code]
		if len(g.skus) > 0 {
			p := *g.header
			p.SKUs = g.skus
			out = append(out, p)
			if g.rejected > 0 {
				incomplete = append(incomplete, code)
			}
		}
	}
	return out, incomplete
}

// merge appends to read errors the validation errors for fields that read
// fine: a price that did not parse is not also reported as "must be > 0".
func merge(read, validated []domain.FieldError) []domain.FieldError {
	out := slices.Clone(read)
	for _, e := range validated {
		if !slices.ContainsFunc(read, func(r domain.FieldError) bool { return r.Field == e.Field }) {
			out = append(out, e)
		}
	}
	return out
}

func prefixed(prefix string, errs []domain.FieldError) []domain.FieldError {
	out := make([]domain.FieldError, len(errs))
	for i, e := range errs {
		e.Field = prefix + e.Field
		out[i] = e
	}
	return out
}

func mapped(errs []domain.FieldError, field func(string) string) []domain.FieldError {
	out := make([]domain.FieldError, len(errs))
	for i, e := range errs {
		e.Field = field(e.Field)
		out[i] = e
	}
	return out
}

// headerMismatch names the first product-level field two rows disagree on.
func headerMismatch(a, b domain.Product) string {
	switch {
	case a.Title != b.Title:
		return "title"
	case a.Brand != b.Brand:
		return "brand"
	case a.Category != b.Category:
		return "category"
	case a.Description != b.Description:
		return "description"
	case !slices.Equal(a.Images, b.Images):
		return "images"
	}
	return ""
}
