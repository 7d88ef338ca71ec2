package catalog

import (
	"fmt"
	"hash/maphash"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/syncctl/syncctl/domain"
)

// specSeparators may not appear in spec names or values: the CSV format and
// the platforms' "pid:vid;pid:vid" SKU properties use them as separators.
const specSeparators = ";:|"

// Validate checks one product as the master catalog requires and returns
// every problem found, in a stable order. Field paths are relative to the
// product in the JSON format ("title", "images[2]", "skus[3].list_price";
// indexes are 1-based). Record is "product CODE", or "sku CODE" for a SKU's
// own problem when the SKU has a usable code; Parse replaces it with the row.
// It is the one validation every path into the catalog (file import, ERP
// webhooks) goes through.
func Validate(p domain.Product) []domain.FieldError {
	prodRec := "product " + p.Code
	if validCode(p.Code) != "" {
		prodRec = "product"
	}
	errs := withRecord(validateProduct(p), prodRec)
	switch n := len(p.SKUs); {
	case n == 0:
		errs = append(errs, domain.FieldError{Record: prodRec, Field: "skus", Reason: "a product needs at least one SKU"})
	case n > MaxSKUs:
		errs = append(errs, domain.FieldError{Record: prodRec, Field: "skus", Reason: fmt.Sprintf("has %d SKUs; at most %d per product", n, MaxSKUs)})
	}
	var v variants
	codes := map[string]int{}
	for i, s := range p.SKUs {
		ref := int32(i + 1)
		rec := prodRec
		if validCode(s.Code) == "" {
			rec = "sku " + s.Code
		}
		skuErrs := ValidateSKU(s)
		if j, dup := codes[s.Code]; dup && s.Code != "" {
			skuErrs = append(skuErrs, domain.FieldError{Field: "code", Reason: fmt.Sprintf("sku %s is already defined at skus[%d]", s.Code, j)})
		} else {
			codes[s.Code] = i + 1
		}
		if len(skuErrs) == 0 {
			skuErrs = v.check(s, jsonNames.ref)
		}
		if len(skuErrs) == 0 {
			v.add(s, ref, s.Code)
		}
		for _, e := range skuErrs {
			e.Record, e.Field = rec, jsonNames.ref(ref)+"."+e.Field
			errs = append(errs, e)
		}
	}
	return errs
}

// ValidateSKU checks one SKU on its own (not against its product's other
// SKUs). Field names are the SKU's JSON fields ("list_price", "specs").
func ValidateSKU(s domain.SKU) []domain.FieldError {
	var errs []domain.FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, domain.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	if r := validCode(s.Code); r != "" {
		add("code", "%s", r)
	}
	if r := validSpecs(s.Specs); r != "" {
		add("specs", "%s", r)
	}
	if s.Barcode != "" {
		if r := validBarcode(s.Barcode); r != "" {
			add("barcode", "%s", r)
		}
	}
	switch {
	case s.WeightG < 0:
		add("weight_g", "must not be negative (got %d)", s.WeightG)
	case s.WeightG > MaxWeightG:
		add("weight_g", "%d is too large: at most %d", s.WeightG, MaxWeightG)
	}
	switch {
	case s.Cost < 0:
		add("cost", "must not be negative (got %s)", s.Cost.Yuan())
	case s.Cost > MaxPrice:
		add("cost", "%s is too large: at most %s", s.Cost.Yuan(), MaxPrice.Yuan())
	}
	switch {
	case s.ListPrice <= 0:
		add("list_price", "must be greater than 0 (got %s)", s.ListPrice.Yuan())
	case s.ListPrice > MaxPrice:
		add("list_price", "%s is too large: at most %s", s.ListPrice.Yuan(), MaxPrice.Yuan())
	}
	switch {
	case s.Stock < 0:
		add("stock", "must not be negative (got %d)", s.Stock)
	case s.Stock > MaxStock:
		add("stock", "%d is too large: at most %d", s.Stock, MaxStock)
	}
	return errs
}

// validateProduct checks the product-level fields (not the SKUs).
func validateProduct(p domain.Product) []domain.FieldError {
	var errs []domain.FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, domain.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	if r := validCode(p.Code); r != "" {
		add("code", "%s", r)
	}
	title := p.Title
	if strings.TrimSpace(title) == "" {
		add("title", "required")
		title = ""
	}
	for _, f := range []struct {
		name, v         string
		multiline       bool
		maxRunes, bytes int
	}{
		{"title", title, false, MaxTitleRunes, 0},
		{"brand", p.Brand, false, MaxBrandRunes, 0},
		{"category", p.Category, false, MaxCategoryRunes, 0},
		{"description", p.Description, true, 0, MaxDescriptionBytes},
	} {
		if r := checkText(f.v, f.multiline, f.maxRunes, f.bytes); r != "" {
			add(f.name, "%s", r)
		}
	}
	if n := len(p.Images); n > MaxImages {
		add("images", "has %d images; at most %d", n, MaxImages)
	}
	for i, img := range p.Images {
		if r := validImage(img); r != "" {
			add(fmt.Sprintf("images[%d]", i+1), "%s", r)
		}
	}
	return errs
}

// variants holds what it takes of the SKUs accepted into one product so far
// to check that every SKU has the same spec names and a spec combination of
// its own (a channel shows a product's SKUs as a grid of spec values):
// their spec names, and a hash of each combination with the SKU that has it.
// A hash collision would be a false "same spec values" (odds ~2⁻⁶⁴ a pair).
type variants struct {
	n       int
	dims    []string
	dimsRef int32
	combos  []combo
}

type combo struct {
	h    uint64
	ref  int32
	code string
}

func (v *variants) check(s domain.SKU, ref func(int32) string) []domain.FieldError {
	if v.n == 0 {
		return nil
	}
	names := specNames(s.Specs)
	if !slices.Equal(names, v.dims) {
		return []domain.FieldError{{Field: "specs", Reason: fmt.Sprintf(
			"spec names %s differ from %s (%s); every SKU of a product needs the same spec names in the same order",
			showNames(names), ref(v.dimsRef), showNames(v.dims))}}
	}
	h := maphash.String(seed, specKey(s.Specs))
	for _, c := range v.combos {
		if c.h != h {
			continue
		}
		other := fmt.Sprintf("%s (sku %s)", ref(c.ref), c.code)
		if len(s.Specs) == 0 {
			return []domain.FieldError{{Field: "specs", Reason: fmt.Sprintf("has no specs, like %s; SKUs of one product need spec values that tell them apart", other)}}
		}
		return []domain.FieldError{{Field: "specs", Reason: fmt.Sprintf("same spec values as %s", other)}}
	}
	return nil
}

// add records an accepted SKU; code is its code, kept (so not a slice of a
// larger string).
func (v *variants) add(s domain.SKU, ref int32, code string) {
	if v.n == 0 {
		v.dims, v.dimsRef = specNames(s.Specs), ref
		for i, d := range v.dims {
			v.dims[i] = strings.Clone(d)
		}
	}
	v.n++
	v.combos = append(v.combos, combo{maphash.String(seed, specKey(s.Specs)), ref, code})
}

func specNames(specs []domain.SpecValue) []string {
	names := make([]string, len(specs))
	for i, v := range specs {
		names[i] = v.Name
	}
	return names
}

// specKey is unambiguous because names and values cannot contain ':' or ';'.
func specKey(specs []domain.SpecValue) string {
	var b strings.Builder
	for _, v := range specs {
		b.WriteString(v.Name + ":" + v.Value + ";")
	}
	return b.String()
}

func showNames(names []string) string {
	if len(names) == 0 {
		return "(none)"
	}
	return "[" + strings.Join(names, " ") + "]"
}

// validSpecs checks one SKU's spec list on its own.
func validSpecs(specs []domain.SpecValue) string {
	if len(specs) > MaxSpecs {
		return fmt.Sprintf("has %d specs; at most %d", len(specs), MaxSpecs)
	}
	seen := map[string]bool{}
	for _, v := range specs {
		if !utf8.ValidString(v.Name) || !utf8.ValidString(v.Value) {
			return "is not valid UTF-8"
		}
		if r := checkText(v.Name, false, MaxSpecNameRunes, 0); r != "" {
			return fmt.Sprintf("spec name %s", r)
		}
		if r := checkText(v.Value, false, MaxSpecValueRunes, 0); r != "" {
			return fmt.Sprintf("spec %s value %s", v.Name, r)
		}
		switch {
		case strings.TrimSpace(v.Name) == "" || strings.TrimSpace(v.Value) == "":
			return fmt.Sprintf("spec %q has an empty name or value", v.Name+":"+v.Value)
		case strings.ContainsAny(v.Name, specSeparators):
			return fmt.Sprintf("spec name %q must not contain ';', ':' or '|'", v.Name)
		case strings.ContainsAny(v.Value, specSeparators):
			return fmt.Sprintf("spec %s value %q must not contain ';', ':' or '|'", v.Name, v.Value)
		case seen[v.Name]:
			return fmt.Sprintf("spec %s appears twice", v.Name)
		}
		seen[v.Name] = true
	}
	return ""
}

// validCode checks an SPU or SKU code (商家编码): channels store it as the
// outer id, and several of them only take this charset.
func validCode(code string) string {
	if code == "" {
		return "required"
	}
	if len(code) > MaxCodeBytes {
		return fmt.Sprintf("is %d bytes; at most %d", len(code), MaxCodeBytes)
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-') {
			return fmt.Sprintf("%q may contain only letters, digits, '_', '.' and '-'", code)
		}
	}
	return ""
}

// validBarcode accepts 8–14 digits (EAN-8, UPC-A, EAN-13, GTIN-14 and
// internal numbers); 13 digits must carry a valid EAN-13 check digit.
func validBarcode(b string) string {
	for i := 0; i < len(b); i++ {
		if b[i] < '0' || b[i] > '9' {
			return fmt.Sprintf("%q must be digits only", b)
		}
	}
	if len(b) < 8 || len(b) > 14 {
		return fmt.Sprintf("%q is %d digits; must be 8 to 14", b, len(b))
	}
	if len(b) == 13 {
		if want := EAN13CheckDigit(b[:12]); want != b[12] {
			return fmt.Sprintf("%q has a wrong EAN-13 check digit (want %c)", b, want)
		}
	}
	return ""
}

// EAN13CheckDigit returns the check digit for the first 12 digits of an
// EAN-13 barcode. first12 must be 12 ASCII digits.
func EAN13CheckDigit(first12 string) byte {
	sum := 0
	for i := 0; i < 12; i++ {
		d := int(first12[i] - '0')
		if i%2 == 1 {
			d *= 3
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

// validImage accepts absolute http(s) URLs. '|' and whitespace are refused
// because the CSV format separates images with '|'; escape them (%7C, %20).
func validImage(s string) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	if len(s) > MaxImageURLBytes {
		return fmt.Sprintf("is %d bytes; at most %d", len(s), MaxImageURLBytes)
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r == '|' || unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return fmt.Sprintf("%q must not contain '|', spaces or control characters (escape them: %%7C, %%20)", s)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Sprintf("%q is not an http(s) URL", s)
	}
	return ""
}

func withRecord(errs []domain.FieldError, rec string) []domain.FieldError {
	for i := range errs {
		errs[i].Record = rec
	}
	return errs
}
