// Package catalog reads and writes master-catalog files (CSV and JSON) with
// row-level validation: a bad row is reported as "row N, field F: reason"
// and skipped, the good rows are kept. See FORMAT.md.
package catalog

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/syncctl/syncctl/domain"
)

// Format is a catalog file format.
type Format string

const (
	FormatJSON Format = "json"
	FormatCSV  Format = "csv"
)

// Limits of the master catalog.
const (
	MaxTitleRunes = 60
	MaxCodeBytes  = 64
)

// Result is a parsed file: the valid products and the rejected rows.
type Result struct {
	Products []domain.Product
	Rejected []domain.FieldError
	Rows     int // data rows (CSV) or products (JSON) read
}

// DetectFormat picks the format from the file name.
func DetectFormat(path string) (Format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		return FormatJSON, nil
	case ".csv":
		return FormatCSV, nil
	}
	return "", fmt.Errorf("%s: cannot tell the format from the extension; use --format json|csv", path)
}

var codeRE = regexp.MustCompile(`^[A-Za-z0-9_.\-]+$`)

// validCode checks an SPU or SKU code.
func validCode(code string) string {
	switch {
	case code == "":
		return "required"
	case len(code) > MaxCodeBytes:
		return fmt.Sprintf("is %d bytes; at most %d", len(code), MaxCodeBytes)
	case !codeRE.MatchString(code):
		return "may contain only letters, digits, '_', '.' and '-'"
	}
	return ""
}

// Validate checks one product and returns every problem found, with field
// paths relative to the product ("skus[2].list_price"). Record is left for
// the caller to fill.
func Validate(p domain.Product) []domain.FieldError {
	var errs []domain.FieldError
	add := func(field, reason string, args ...any) {
		errs = append(errs, domain.FieldError{Field: field, Reason: fmt.Sprintf(reason, args...)})
	}
	if r := validCode(p.Code); r != "" {
		add("code", "%s", r)
	}
	for field, v := range map[string]string{"title": p.Title, "brand": p.Brand, "category": p.Category, "description": p.Description} {
		if !utf8.ValidString(v) {
			add(field, "is not valid UTF-8")
		}
	}
	if strings.TrimSpace(p.Title) == "" {
		add("title", "required")
	} else if n := utf8.RuneCountInString(p.Title); n > MaxTitleRunes {
		add("title", "is %d characters; at most %d", n, MaxTitleRunes)
	}
	for i, img := range p.Images {
		u, err := url.Parse(img)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add(fmt.Sprintf("images[%d]", i+1), "%q is not an http(s) URL", img)
		}
	}
	if len(p.SKUs) == 0 {
		add("skus", "a product needs at least one SKU")
	}
	var dims string
	combos := map[string]int{}
	for i, s := range p.SKUs {
		f := func(name string) string { return fmt.Sprintf("skus[%d].%s", i+1, name) }
		for _, e := range ValidateSKU(s) {
			add(f(e.Field), "%s", e.Reason)
		}
		names, key := "", ""
		for _, v := range s.Specs {
			names += v.Name + ";"
			key += v.Name + "=" + v.Value + ";"
		}
		if i == 0 {
			dims = names
		} else if names != dims {
			add(f("specs"), "spec names %q differ from the product's first SKU (%q)", strings.TrimSuffix(names, ";"), strings.TrimSuffix(dims, ";"))
		}
		if j, dup := combos[key]; dup && len(s.Specs) > 0 {
			add(f("specs"), "same spec values as skus[%d]", j)
		}
		combos[key] = i + 1
	}
	return errs
}

// ValidateSKU checks one SKU on its own.
func ValidateSKU(s domain.SKU) []domain.FieldError {
	var errs []domain.FieldError
	add := func(field, reason string, args ...any) {
		errs = append(errs, domain.FieldError{Field: field, Reason: fmt.Sprintf(reason, args...)})
	}
	if r := validCode(s.Code); r != "" {
		add("code", "%s", r)
	}
	if s.ListPrice <= 0 {
		add("list_price", "must be greater than 0 (got %s)", s.ListPrice.Yuan())
	}
	if s.Cost < 0 {
		add("cost", "must not be negative (got %s)", s.Cost.Yuan())
	}
	if s.Stock < 0 {
		add("stock", "must not be negative (got %d)", s.Stock)
	}
	if s.WeightG < 0 {
		add("weight_g", "must not be negative (got %d)", s.WeightG)
	}
	if s.Barcode != "" {
		if r := validBarcode(s.Barcode); r != "" {
			add("barcode", "%s", r)
		}
	}
	seen := map[string]bool{}
	for _, v := range s.Specs {
		switch {
		case !utf8.ValidString(v.Name) || !utf8.ValidString(v.Value):
			add("specs", "is not valid UTF-8")
		case strings.TrimSpace(v.Name) == "" || strings.TrimSpace(v.Value) == "":
			add("specs", "spec %q:%q has an empty name or value", v.Name, v.Value)
		case strings.ContainsAny(v.Name+v.Value, ";:|"):
			add("specs", "spec %q:%q must not contain ';', ':' or '|'", v.Name, v.Value)
		case seen[v.Name]:
			add("specs", "spec %q appears twice", v.Name)
		}
		seen[v.Name] = true
	}
	return errs
}

// validBarcode accepts 8–14 digits; 13 digits must carry a valid EAN-13 check digit.
func validBarcode(b string) string {
	if len(b) < 8 || len(b) > 14 {
		return fmt.Sprintf("%q must be 8 to 14 digits", b)
	}
	for _, r := range b {
		if r < '0' || r > '9' {
			return fmt.Sprintf("%q must be digits only", b)
		}
	}
	if len(b) == 13 && EAN13CheckDigit(b[:12]) != b[12] {
		return fmt.Sprintf("%q has a wrong EAN-13 check digit (want %c)", b, EAN13CheckDigit(b[:12]))
	}
	return ""
}

// EAN13CheckDigit computes the check digit of 12 digits.
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
