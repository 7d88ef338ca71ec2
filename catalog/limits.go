package catalog

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/syncctl/syncctl/domain"
)

// Limits of the master catalog, checked at import (FORMAT.md lists them).
// A channel may be stricter (Tmall titles take 60 GBK bytes, the fake
// platform 100 SKUs): its mapping says so before a push calls it.
const (
	MaxCodeBytes        = 64     // spu_code, sku_code: bytes of [A-Za-z0-9_.-]
	MaxTitleRunes       = 60     // title, characters
	MaxBrandRunes       = 60     // brand, characters
	MaxCategoryRunes    = 120    // category path, characters
	MaxDescriptionBytes = 100000 // description, UTF-8 bytes (Tmall's 25 000 characters of Chinese fit)
	MaxImages           = 20     // images per product
	MaxImageURLBytes    = 1024   // one image URL
	MaxSpecs            = 10     // specs per SKU
	MaxSpecNameRunes    = 30     // spec name, characters
	MaxSpecValueRunes   = 60     // spec value, characters
	MaxSKUs             = 600    // SKUs per product
	MaxStock            = domain.MaxStock
	MaxWeightG          = 1000000 // 1 tonne
	// MaxPrice bounds list_price and cost: 100 000 000.00 yuan, in fen
	// (Tmall's and the fake platform's ceiling).
	MaxPrice domain.Money = 100000000 * 100
)

// maxStringBytes is the longest text value a reader keeps in memory: the
// longest field (description). A longer value is counted, never held, and
// reported with its size.
const maxStringBytes = MaxDescriptionBytes

// fieldLimit says what a field may hold, for a value too long to read.
func fieldLimit(field string) string {
	switch field {
	case "code", "sku.code", "barcode", "sku.barcode":
		return fmt.Sprintf("%d bytes", MaxCodeBytes)
	case "title":
		return fmt.Sprintf("%d characters", MaxTitleRunes)
	case "brand":
		return fmt.Sprintf("%d characters", MaxBrandRunes)
	case "category":
		return fmt.Sprintf("%d characters", MaxCategoryRunes)
	case "images":
		return fmt.Sprintf("%d images of %d bytes", MaxImages, MaxImageURLBytes)
	case "specs", "sku.specs":
		return fmt.Sprintf("%d specs of %d+%d characters", MaxSpecs, MaxSpecNameRunes, MaxSpecValueRunes)
	}
	if strings.HasPrefix(field, "images[") {
		return fmt.Sprintf("%d bytes", MaxImageURLBytes)
	}
	return fmt.Sprintf("%d bytes", MaxDescriptionBytes)
}

// tooLong is the reason for a value of n bytes that was not read.
func tooLong(field string, n int64) string {
	return fmt.Sprintf("is %d bytes; at most %s", n, fieldLimit(field))
}

// controlChar reports the first control character (Unicode Cc: C0, DEL, C1)
// in s. A description may hold line breaks and tabs (multiline allows
// '\n', '\r' and '\t'); no other text may hold any: ESC starts terminal
// sequences, NUL truncates strings in C code, BEL rings.
func controlChar(s string, multiline bool) string {
	for i, r := range s {
		if !unicode.IsControl(r) || multiline && (r == '\n' || r == '\t' || r == '\r') {
			continue
		}
		name := controlNames[r]
		if name != "" {
			name = " " + name
		}
		what := "a description may hold line breaks and tabs, no other control character"
		if !multiline {
			what = "only a description may hold line breaks and tabs"
		}
		return fmt.Sprintf("contains control character U+%04X%s at character %d; %s",
			r, name, utf8.RuneCountInString(s[:i])+1, what)
	}
	return ""
}

var controlNames = map[rune]string{0: "NUL", 7: "BEL", 8: "BS", 9: "TAB", 10: "LF", 13: "CR", 0x1b: "ESC", 0x7f: "DEL",
	0x9b: "CSI", 0x9d: "OSC"}

// checkText checks one text field: UTF-8, control characters, length in
// characters (maxRunes) or bytes (maxBytes); 0 means no such limit.
func checkText(s string, multiline bool, maxRunes, maxBytes int) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	if r := controlChar(s, multiline); r != "" {
		return r
	}
	if maxBytes > 0 && len(s) > maxBytes {
		return fmt.Sprintf("is %d bytes; at most %d", len(s), maxBytes)
	}
	if n := utf8.RuneCountInString(s); maxRunes > 0 && n > maxRunes {
		return fmt.Sprintf("is %d characters; at most %d", n, maxRunes)
	}
	return ""
}

// fullWidth turns full-width ASCII (U+FF01–U+FF5E, what a Chinese input
// method types in full-width mode) and the ideographic space into ASCII;
// ok is false when s has none.
func fullWidth(s string) (ascii string, ok bool) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			b.WriteRune(r - 0xFEE0)
			ok = true
		case r == 0x3000:
			b.WriteByte(' ')
			ok = true
		case r == '。':
			b.WriteByte('.')
			ok = true
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), ok
}

// wholeNumber parses stock and weight cells (an empty cell is 0), up to max.
func wholeNumber(errs *[]domain.FieldError, field, v string, limit int) int {
	if v == "" {
		return 0
	}
	fail := func(format string, args ...any) int {
		*errs = append(*errs, domain.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
		return 0
	}
	if a, ok := fullWidth(v); ok {
		return fail("%q has full-width characters: write %s", v, a)
	}
	n, err := strconv.Atoi(v)
	switch {
	case err != nil && isDigits(strings.TrimPrefix(strings.TrimPrefix(v, "+"), "-")):
		if strings.HasPrefix(v, "-") {
			return fail("%q is too small: must not be negative", v)
		}
		return fail("%q is too large: at most %d", v, limit)
	case err != nil:
		return fail("%q is not a whole number", v)
	case n > limit:
		return fail("%d is too large: at most %d", n, limit)
	}
	return n
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// yuan parses a money cell (an empty optional cell is 0), up to MaxPrice.
func yuan(errs *[]domain.FieldError, field, v string, required bool) domain.Money {
	fail := func(format string, args ...any) domain.Money {
		*errs = append(*errs, domain.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
		return 0
	}
	if v == "" {
		if required {
			return fail("required")
		}
		return 0
	}
	if a, ok := fullWidth(v); ok {
		return fail("%q has full-width characters: write %s", v, a)
	}
	whole, _, _ := strings.Cut(strings.TrimLeft(v, "+-"), ".")
	if isDigits(whole) && len(strings.TrimLeft(whole, "0")) > 9 {
		if strings.HasPrefix(v, "-") {
			return fail("%q must not be negative", v)
		}
		return fail("%q is too large: at most %s", v, MaxPrice.Yuan())
	}
	m, err := domain.ParseYuan(v)
	if err != nil {
		return fail("%s (write yuan with at most 2 decimals, like 59.90)", err)
	}
	if m > MaxPrice {
		return fail("%s is too large: at most %s", m.Yuan(), MaxPrice.Yuan())
	}
	return m
}
