package catalog

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/syncctl/syncctl/domain"
)

// jsonProduct is one product object as read: every value it needs and
// every problem of its shape. It holds at most MaxImages images and
// MaxSKUs SKUs; the rest are counted and skipped.
type jsonProduct struct {
	str       map[string]token // code, title, brand, category, description
	images    []token
	nImages   int
	imagesBad bool // not an array
	skus      []jsonSKU
	nSKUs     int
	skusBad   bool // not an array
	keys      jsonKeys
}

type jsonSKU struct {
	broken bool // not an object
	str    map[string]token
	specs  []domain.SpecValue
	specsE string // the first problem of specs, "" none
	keys   jsonKeys
}

// jsonKeys are the keys of one object that were not right: repeated or unknown.
type jsonKeys struct {
	seen    map[string]bool
	dups    []string
	unknown []string
}

// add records key and says whether its value is to be read (the first
// time a known key comes).
func (k *jsonKeys) add(key string, known []string) bool {
	if k.seen == nil {
		k.seen = map[string]bool{}
	}
	switch {
	case k.seen[key]:
		if !slices.Contains(k.dups, key) {
			k.dups = append(k.dups, key)
		}
		return false
	case !slices.Contains(known, key):
		k.seen[key] = true
		k.unknown = append(k.unknown, key)
		return false
	}
	k.seen[key] = true
	return true
}

// errors reports repeated keys (as encoding/json would silently take the
// last value) and unknown ones, named as field (a path below the record).
func (k *jsonKeys) errors(known []string, what string) []domain.FieldError {
	var out []domain.FieldError
	for _, d := range k.dups {
		out = append(out, domain.FieldError{Field: showKey(d), Reason: "appears twice in the " + what + "; give each field once"})
	}
	slices.Sort(k.unknown)
	for _, u := range k.unknown {
		out = append(out, domain.FieldError{Field: showKey(u), Reason: "unknown field (known: " + strings.Join(known, ", ") + ")"})
	}
	return out
}

// showKey quotes an empty or odd key so that it is still visible.
func showKey(k string) string {
	if k == "" || strings.ContainsFunc(k, func(r rune) bool { return !unicode.IsPrint(r) || r == '"' }) {
		return strconv.Quote(k)
	}
	return k
}

// scalar reads a value that should be one token: a string, number or
// literal. An object or array is skipped; its token says what it was.
func scalar(l *jsonLexer) (token, error) {
	t, err := l.value()
	if err != nil {
		return t, err
	}
	if t.kind == '{' || t.kind == '[' {
		return token{kind: t.kind}, l.skip(t)
	}
	return t, nil
}

func (jp *jsonProduct) read(l *jsonLexer) error {
	jp.str = map[string]token{}
	for first := true; ; first = false {
		k, more, err := l.key(first)
		if err != nil || !more {
			return err
		}
		if !jp.keys.add(k.s, jsonProductFields) {
			t, err := l.value()
			if err == nil {
				err = l.skip(t)
			}
			if err != nil {
				return err
			}
			continue
		}
		switch k.s {
		case "images":
			err = jp.readImages(l)
		case "skus":
			err = jp.readSKUs(l)
		default:
			jp.str[k.s], err = scalar(l)
		}
		if err != nil {
			return err
		}
	}
}

func (jp *jsonProduct) readImages(l *jsonLexer) error {
	t, err := l.value()
	if err != nil || t.kind == tNull {
		return err
	}
	if t.kind != '[' {
		jp.imagesBad = true
		return l.skip(t)
	}
	for first := true; ; first = false {
		more, err := l.elem(first)
		if err != nil || !more {
			return err
		}
		t, err := scalar(l)
		if err != nil {
			return err
		}
		if jp.nImages++; jp.nImages <= MaxImages {
			jp.images = append(jp.images, t)
		}
	}
}

func (jp *jsonProduct) readSKUs(l *jsonLexer) error {
	t, err := l.value()
	if err != nil || t.kind == tNull {
		return err
	}
	if t.kind != '[' {
		jp.skusBad = true
		return l.skip(t)
	}
	for first := true; ; first = false {
		more, err := l.elem(first)
		if err != nil || !more {
			return err
		}
		t, err := l.value()
		if err != nil {
			return err
		}
		if jp.nSKUs++; jp.nSKUs > MaxSKUs || t.kind != '{' {
			if err := l.skip(t); err != nil {
				return err
			}
			if jp.nSKUs <= MaxSKUs {
				jp.skus = append(jp.skus, jsonSKU{broken: true})
			}
			continue
		}
		var s jsonSKU
		if err := s.read(l); err != nil {
			return err
		}
		jp.skus = append(jp.skus, s)
	}
}

func (s *jsonSKU) read(l *jsonLexer) error {
	s.str = map[string]token{}
	for first := true; ; first = false {
		k, more, err := l.key(first)
		if err != nil || !more {
			return err
		}
		if !s.keys.add(k.s, jsonSKUFields) {
			t, err := l.value()
			if err == nil {
				err = l.skip(t)
			}
			if err != nil {
				return err
			}
			continue
		}
		if k.s == "specs" {
			err = s.readSpecs(l)
		} else {
			s.str[k.s], err = scalar(l)
		}
		if err != nil {
			return err
		}
	}
}

// readSpecs reads [{"name":"颜色","value":"红色"}, …]; the first problem is
// kept to be reported on "specs", the rest of the array is read on.
func (s *jsonSKU) readSpecs(l *jsonLexer) error {
	fail := func(format string, args ...any) {
		if s.specsE == "" {
			s.specsE = fmt.Sprintf(format, args...)
		}
	}
	t, err := l.value()
	if err != nil || t.kind == tNull {
		return err
	}
	if t.kind != '[' {
		fail(`must be an array of {"name":…,"value":…}`)
		return l.skip(t)
	}
	n := 0
	for first := true; ; first = false {
		more, err := l.elem(first)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		n++
		t, err := l.value()
		if err != nil {
			return err
		}
		if t.kind != '{' || n > MaxSpecs {
			if t.kind != '{' {
				fail(`specs[%d] must be an object {"name":…,"value":…}`, n)
			}
			if err := l.skip(t); err != nil {
				return err
			}
			continue
		}
		var keys jsonKeys
		vals := map[string]token{}
		for kfirst := true; ; kfirst = false {
			k, more, err := l.key(kfirst)
			if err != nil {
				return err
			}
			if !more {
				break
			}
			if keys.add(k.s, []string{"name", "value"}) {
				vals[k.s], err = scalar(l)
			} else {
				var v token
				if v, err = l.value(); err == nil {
					err = l.skip(v)
				}
			}
			if err != nil {
				return err
			}
		}
		switch {
		case len(keys.dups) > 0:
			fail("specs[%d]: field %q appears twice", n, keys.dups[0])
			continue
		case len(keys.unknown) > 0:
			fail("specs[%d]: unknown field %q", n, keys.unknown[0])
			continue
		}
		name, reason := jsonString(vals["name"], "specs")
		if reason != "" {
			fail("specs[%d].name %s", n, reason)
			continue
		}
		value, reason := jsonString(vals["value"], "specs")
		if reason != "" {
			fail("specs[%d].value %s", n, reason)
			continue
		}
		s.specs = append(s.specs, domain.SpecValue{Name: name, Value: value})
	}
	if n > MaxSpecs {
		fail("has %d specs; at most %d", n, MaxSpecs)
	}
	if s.specsE != "" {
		s.specs = nil
	}
	return nil
}

// rows turns the product into rows, one per SKU, with the problems of its
// shape; seen holds the codes of the products before it.
func (jp *jsonProduct) rows(i int32, seen map[string]int32) []row {
	rec := fmt.Sprintf("row %d", i)
	var errs []domain.FieldError
	str := func(key string) string {
		s, reason := jsonString(jp.str[key], key)
		if reason != "" {
			errs = append(errs, domain.FieldError{Field: key, Reason: reason})
		}
		return s
	}
	p := domain.Product{Code: str("code"), Title: str("title"), Brand: str("brand"), Category: str("category"), Description: str("description")}
	if jp.imagesBad {
		errs = append(errs, domain.FieldError{Field: "images", Reason: "must be an array of URL strings"})
	}
	for k, t := range jp.images {
		field := fmt.Sprintf("images[%d]", k+1)
		s, reason := jsonString(t, field)
		if reason != "" {
			errs = append(errs, domain.FieldError{Field: field, Reason: reason})
		}
		p.Images = append(p.Images, s) // even "" on error, so later indexes stay right
	}
	if jp.nImages > MaxImages {
		errs = append(errs, domain.FieldError{Field: "images", Reason: fmt.Sprintf("has %d images; at most %d", jp.nImages, MaxImages)})
	}
	errs = append(errs, jp.keys.errors(jsonProductFields, "product")...)

	if first, dup := seen[p.Code]; dup && p.Code != "" {
		return []row{rejectRow(rec, domain.FieldError{Field: "code", Reason: fmt.Sprintf("product %s is already defined at row %d", p.Code, first)})}
	}
	seen[strings.Clone(p.Code)] = i
	switch {
	case jp.skusBad:
		return []row{rejectRow(rec, append(merge(errs, validateProduct(p)), domain.FieldError{Field: "skus", Reason: "must be an array of SKU objects"})...)}
	case len(jp.skus) == 0:
		return []row{rejectRow(rec, append(merge(errs, validateProduct(p)), domain.FieldError{Field: "skus", Reason: "a product needs at least one SKU"})...)}
	}
	out := make([]row, 0, len(jp.skus)+1)
	for j, s := range jp.skus {
		r := row{rec: rec, prodRec: rec, num: i, ref: int32(j + 1), field: jsonField(j + 1), product: p, prodErrs: errs,
			last: j == len(jp.skus)-1 && jp.nSKUs <= MaxSKUs}
		s.fill(&r)
		out = append(out, r)
	}
	if jp.nSKUs > MaxSKUs {
		lost := rejectRow(rec, domain.FieldError{Field: "skus", Reason: fmt.Sprintf(
			"has %d SKUs; at most %d per product: skus[%d] to skus[%d] are not imported", jp.nSKUs, MaxSKUs, MaxSKUs+1, jp.nSKUs)})
		lost.product.Code, lost.last = p.Code, true
		out = append(out, lost)
	}
	return out
}

// fill reads the SKU into r, recording problems under the SKU's field names.
func (s *jsonSKU) fill(r *row) {
	if s.broken {
		r.broken = true
		r.skuErrs = append(r.skuErrs, domain.FieldError{Field: "", Reason: "must be a JSON object"})
		return
	}
	errs := &r.skuErrs
	str := func(key string) string {
		v, reason := jsonString(s.str[key], key)
		if reason != "" {
			*errs = append(*errs, domain.FieldError{Field: key, Reason: reason})
		}
		return v
	}
	r.sku.Code = str("code")
	if validCode(r.sku.Code) == "" {
		r.rec = fmt.Sprintf("%s (sku %s)", r.rec, r.sku.Code)
	}
	r.sku.Barcode = str("barcode")
	if s.specsE != "" {
		*errs = append(*errs, domain.FieldError{Field: "specs", Reason: s.specsE})
	}
	r.sku.Specs = s.specs
	r.sku.WeightG = jsonWhole(s.str["weight_g"], "weight_g", MaxWeightG, errs)
	r.sku.Cost = jsonYuan(s.str["cost"], "cost", false, errs)
	r.sku.ListPrice = jsonYuan(s.str["list_price"], "list_price", true, errs)
	r.sku.Stock = jsonWhole(s.str["stock"], "stock", MaxStock, errs)
	*errs = append(*errs, s.keys.errors(jsonSKUFields, "SKU")...)
}
