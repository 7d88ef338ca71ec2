package catalog

import (
	"fmt"
	"hash/maphash"
	"slices"
	"strings"

	"github.com/syncctl/syncctl/domain"
)

// row is one SKU as read from a file, with where it came from. Both formats
// turn their input into rows; builder applies the same rules to both.
type row struct {
	rec     string // names the row in SKU-level problems: "row 7", "row 3 (sku X)"
	prodRec string // names it in product-level problems: CSV "row 7", JSON "row 3"
	num     int32  // CSV: the line; JSON: the product's position
	ref     int32  // names the SKU to its siblings: CSV the line, JSON its position in skus
	field   func(string) string

	product  domain.Product // product-level fields, no SKUs
	sku      domain.SKU
	prodErrs []domain.FieldError // problems reading product fields (unmapped names)
	skuErrs  []domain.FieldError // problems reading SKU fields (unmapped names)
	broken   bool                // the SKU could not be read at all: skip checking its fields
	owner    string              // the product the store says owns the SKU code ("" none)
	last     bool                // the last SKU of a JSON product: no more rows will come

	// only: not a SKU but problems of a record that yields none (a CSV row
	// that is not a row, a JSON product that is not an object); errs are
	// reported under rec as they are.
	only bool
}

// rejectRow is a record with problems and no SKU. Its product.Code, when
// set, names the product that lost it (so the product is merged).
func rejectRow(rec string, errs ...domain.FieldError) row {
	return row{rec: rec, only: true, skuErrs: errs}
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

// names says how a format names records, so the builder can keep numbers
// instead of strings for every row it has seen.
type names struct {
	skuRec func(num int32, code string) string // the first row of a SKU: CSV "row 2", JSON "row 1 (sku A-1)"
	ref    func(ref int32) string              // a SKU among its siblings: CSV "row 2", JSON "skus[1]"
}

var csvNames = names{
	skuRec: func(num int32, _ string) string { return fmt.Sprintf("row %d", num) },
	ref:    func(ref int32) string { return fmt.Sprintf("row %d", ref) },
}

var jsonNames = names{
	skuRec: func(num int32, code string) string {
		if validCode(code) == "" {
			return fmt.Sprintf("row %d (sku %s)", num, code)
		}
		return fmt.Sprintf("row %d", num)
	},
	ref: func(ref int32) string { return fmt.Sprintf("skus[%d]", ref) },
}

// product is what the builder keeps of every product it has seen: a few
// numbers and hashes, never the content, so that rows of one product may be
// anywhere in a file of any size. The content of its accepted rows waits in
// open until the next flush.
type product struct {
	code     string
	hdr      [5]uint64 // hashes of the product columns of its first row whose product fields are valid
	first    int32     // num of its first row
	headRow  int32     // num of the row hdr is from
	hasHdr   bool
	rejected bool  // a row of it was rejected: merge it with the stored product
	accepted int32 // SKUs accepted so far
	v        variants
	open     *group
}

// group is a product's accepted SKUs not yet handed on.
type group struct {
	p      *product
	header domain.Product
	skus   []domain.SKU
}

// builder groups rows into products. A row is rejected with every problem it
// has; the other rows go on. A product-level problem rejects the rows that
// carry it; a product keeps the SKUs whose rows were accepted and is left
// out only when none were.
type builder struct {
	names    names
	prods    map[string]*product
	done     []*product       // finished products (JSON) that lost rows, for incomplete
	skuAt    map[string]int32 // SKU code → num of its first row
	open     []*group         // in the order of their products' first rows
	openSKUs int              // SKUs waiting in open
	openSize int              // their bytes, roughly
	products int              // products with an accepted SKU
	lastRec  string           // the last prodRec whose product problems were reported
	rejected []domain.FieldError
}

func newBuilder(n names) *builder {
	return &builder{names: n, prods: map[string]*product{}, skuAt: map[string]int32{}}
}

func (b *builder) reject(rec string, errs ...domain.FieldError) {
	for _, e := range errs {
		e.Record = rec
		b.rejected = append(b.rejected, e)
	}
}

// add checks one row and keeps its SKU if it has no problem.
func (b *builder) add(r row) {
	if r.only {
		b.reject(r.rec, r.skuErrs...)
		if p := b.prods[r.product.Code]; p != nil && r.product.Code != "" { // rows of a product that has some
			p.rejected = true
			if r.last {
				b.finish(p)
			}
		}
		return
	}
	p := b.prods[r.product.Code]
	if p == nil {
		// A clone: a CSV value shares its memory with the whole line.
		p = &product{code: strings.Clone(r.product.Code), first: r.num}
		b.prods[p.code] = p
	}
	if p.open == nil {
		p.open = &group{p: p}
		b.open = append(b.open, p.open)
	}

	prodErrs := merge(r.prodErrs, validateProduct(r.product))
	if len(prodErrs) == 0 {
		h := headerHash(r.product)
		if !p.hasHdr {
			p.hdr, p.hasHdr, p.headRow = h, true, r.num
		} else if f := headerMismatch(p.hdr, h); f != "" {
			prodErrs = append(prodErrs, domain.FieldError{Field: f,
				Reason: fmt.Sprintf("differs from row %d, the first row of product %s", p.headRow, r.product.Code)})
		}
	}

	skuErrs := prefixed("sku.", r.skuErrs)
	if !r.broken {
		skuErrs = merge(skuErrs, prefixed("sku.", ValidateSKU(r.sku)))
	}
	code := r.sku.Code
	if code != "" {
		if first, dup := b.skuAt[code]; dup {
			skuErrs = append(skuErrs, domain.FieldError{Field: "sku.code", Reason: fmt.Sprintf("sku %s is already defined at %s", code, b.names.skuRec(first, code))})
		} else {
			code = strings.Clone(code) // kept: not a slice of a CSV line
			b.skuAt[code] = r.num
		}
	}
	if r.owner != "" && r.owner != r.product.Code {
		skuErrs = append(skuErrs, domain.FieldError{Field: "sku.code", Reason: "already belongs to product " + r.owner})
	}
	if len(prodErrs) == 0 && len(skuErrs) == 0 {
		if p.accepted >= MaxSKUs {
			skuErrs = []domain.FieldError{{Field: "sku.code", Reason: fmt.Sprintf("product %s has %d SKUs already; at most %d per product", r.product.Code, MaxSKUs, MaxSKUs)}}
		} else {
			skuErrs = prefixed("sku.", p.v.check(r.sku, b.names.ref))
		}
	}

	// A JSON product's fields are shared by all its SKU rows: report them once.
	if len(prodErrs) > 0 && r.prodRec != b.lastRec {
		b.lastRec = r.prodRec
		b.reject(r.prodRec, mapped(prodErrs, r.field)...)
	}
	b.reject(r.rec, mapped(skuErrs, r.field)...)
	if r.last {
		defer b.finish(p) // a JSON product is whole: no row of it comes again
	}
	if len(prodErrs) > 0 || len(skuErrs) > 0 {
		p.rejected = true
		return
	}
	g := p.open
	if len(g.skus) == 0 {
		g.header = r.product
	}
	p.v.add(r.sku, r.ref, code)
	g.skus = append(g.skus, r.sku)
	if p.accepted++; p.accepted == 1 {
		b.products++
	}
	b.openSKUs++
	b.openSize += 200 + len(r.sku.Code) + len(r.sku.Barcode)
	if len(g.skus) == 1 {
		b.openSize += len(g.header.Title) + len(g.header.Description) + len(g.header.Brand) + len(g.header.Category)
		for _, img := range g.header.Images {
			b.openSize += len(img) + 16
		}
	}
}

// take hands on the products with SKUs accepted since the last take, in
// the order of their first rows; a product whose rows come again later
// comes again with its new SKUs (Import merges them).
func (b *builder) take() []domain.Product {
	var out []domain.Product
	for _, g := range b.open {
		g.p.open = nil
		if len(g.skus) > 0 {
			p := g.header
			p.SKUs = g.skus
			out = append(out, p)
		}
	}
	b.open, b.openSKUs, b.openSize = nil, 0, 0
	return out
}

// finish forgets a product no row of which comes again (a JSON product
// after its last SKU), but that it lost rows.
func (b *builder) finish(p *product) {
	delete(b.prods, p.code)
	p.v = variants{}
	if p.rejected && p.accepted > 0 {
		b.done = append(b.done, p)
	}
}

// incomplete names the products that had rows rejected and SKUs accepted,
// in the order of their first rows: they must be merged with what is
// stored, never replace it.
func (b *builder) incomplete() []string {
	ps := slices.Clone(b.done)
	for _, p := range b.prods {
		if p.rejected && p.accepted > 0 {
			ps = append(ps, p)
		}
	}
	slices.SortFunc(ps, func(a, b *product) int { return int(a.first - b.first) })
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.code
	}
	return out
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

// seed hashes within one process only: nothing hashed is kept.
var seed = maphash.MakeSeed()

// headerFields are the product columns that must agree across a product's
// rows, in the order headerMismatch names them.
var headerFields = [5]string{"title", "brand", "category", "description", "images"}

func headerHash(p domain.Product) [5]uint64 {
	return [5]uint64{maphash.String(seed, p.Title), maphash.String(seed, p.Brand), maphash.String(seed, p.Category),
		maphash.String(seed, p.Description), maphash.String(seed, strings.Join(p.Images, "\x00"))}
}

// headerMismatch names the first product-level field two rows disagree on.
func headerMismatch(a, b [5]uint64) string {
	for i := range a {
		if a[i] != b[i] {
			return headerFields[i]
		}
	}
	return ""
}
