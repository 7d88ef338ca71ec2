package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/syncctl/syncctl/domain"
)

var (
	jsonProductFields = []string{"code", "title", "brand", "category", "description", "images", "skus"}
	jsonSKUFields     = []string{"code", "specs", "barcode", "weight_g", "cost", "list_price", "stock"}
)

func readJSON(data []byte, b *builder) (int, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return 0, errors.New(`json: the file is empty; want {"products":[...]} or an array of products`)
	}
	if !json.Valid(data) {
		return 0, jsonSyntaxError(data)
	}
	var items []json.RawMessage
	switch data[0] {
	case '[':
		if err := json.Unmarshal(data, &items); err != nil {
			return 0, fmt.Errorf("json: %w", err)
		}
	case '{':
		var top map[string]json.RawMessage
		if err := json.Unmarshal(data, &top); err != nil {
			return 0, fmt.Errorf("json: %w", err)
		}
		for _, k := range sortedKeys(top) {
			if k != "products" {
				return 0, fmt.Errorf(`json: unknown top-level field %q; want {"products":[...]}`, k)
			}
		}
		if err := json.Unmarshal(top["products"], &items); err != nil || top["products"] == nil {
			return 0, errors.New(`json: "products" must be an array of products`)
		}
	default:
		return 0, errors.New(`json: want {"products":[...]} or an array of products`)
	}
	seen := map[string]int{}
	for i, raw := range items {
		readJSONProduct(b, i+1, raw, seen)
	}
	return len(items), nil
}

// readJSONProduct reads the i-th (1-based) product and hands its SKUs to b.
func readJSONProduct(b *builder, i int, raw json.RawMessage, seen map[string]int) {
	rec := fmt.Sprintf("row %d", i)
	obj, ok := jsonObject(raw)
	if !ok {
		b.reject(rec, domain.FieldError{Field: "(product)", Reason: "must be a JSON object"})
		return
	}
	var errs []domain.FieldError
	str := func(key string) string { return jsonStringField(obj, key, &errs) }
	p := domain.Product{Code: str("code"), Title: str("title"), Brand: str("brand"), Category: str("category"), Description: str("description")}
	if v, present := obj["images"]; present && !isNull(v) {
		var list []json.RawMessage
		if json.Unmarshal(v, &list) != nil {
			errs = append(errs, domain.FieldError{Field: "images", Reason: "must be an array of URL strings"})
		}
		for k, item := range list {
			s, reason := jsonString(item)
			if reason != "" {
				errs = append(errs, domain.FieldError{Field: fmt.Sprintf("images[%d]", k+1), Reason: reason})
			}
			p.Images = append(p.Images, s) // even "" on error, so later indexes stay right
		}
	}
	errs = append(errs, unknownFields(obj, jsonProductFields, "")...)

	if first, dup := seen[p.Code]; dup && p.Code != "" {
		b.reject(rec, domain.FieldError{Field: "code", Reason: fmt.Sprintf("product %s is already defined at row %d", p.Code, first)})
		return
	}
	seen[p.Code] = i

	var skus []json.RawMessage
	if v := obj["skus"]; !isNull(v) && json.Unmarshal(v, &skus) != nil {
		b.reject(rec, append(merge(errs, validateProduct(p)), domain.FieldError{Field: "skus", Reason: "must be an array of SKU objects"})...)
		return
	}
	if len(skus) == 0 {
		b.reject(rec, append(merge(errs, validateProduct(p)), domain.FieldError{Field: "skus", Reason: "a product needs at least one SKU"})...)
		return
	}
	for j, raw := range skus {
		r := row{rec: rec, prodRec: rec, ref: fmt.Sprintf("skus[%d]", j+1), field: jsonField(j + 1), product: p, prodErrs: errs}
		readJSONSKU(&r, raw)
		b.add(r)
	}
}

// readJSONSKU reads one SKU object into r, recording problems under the SKU's field names.
func readJSONSKU(r *row, raw json.RawMessage) {
	obj, ok := jsonObject(raw)
	if !ok {
		r.broken = true
		r.skuErrs = append(r.skuErrs, domain.FieldError{Field: "", Reason: "must be a JSON object"})
		return
	}
	errs := &r.skuErrs
	r.sku.Code = jsonStringField(obj, "code", errs)
	if validCode(r.sku.Code) == "" {
		r.rec = fmt.Sprintf("%s (sku %s)", r.rec, r.sku.Code)
	}
	r.sku.Barcode = jsonStringField(obj, "barcode", errs)
	if v, present := obj["specs"]; present && !isNull(v) {
		r.sku.Specs = jsonSpecs(v, errs)
	}
	r.sku.WeightG = jsonWhole(obj["weight_g"], "weight_g", errs)
	r.sku.Cost = jsonYuan(obj["cost"], "cost", false, errs)
	r.sku.ListPrice = jsonYuan(obj["list_price"], "list_price", true, errs)
	r.sku.Stock = jsonWhole(obj["stock"], "stock", errs)
	*errs = append(*errs, unknownFields(obj, jsonSKUFields, "")...)
}

// jsonSpecs reads [{"name":"颜色","value":"红色"}, …]; any problem is reported on "specs".
func jsonSpecs(raw json.RawMessage, errs *[]domain.FieldError) []domain.SpecValue {
	fail := func(format string, args ...any) []domain.SpecValue {
		*errs = append(*errs, domain.FieldError{Field: "specs", Reason: fmt.Sprintf(format, args...)})
		return nil
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return fail(`must be an array of {"name":…,"value":…}`)
	}
	var specs []domain.SpecValue
	for k, item := range list {
		obj, ok := jsonObject(item)
		if !ok {
			return fail(`specs[%d] must be an object {"name":…,"value":…}`, k+1)
		}
		if unknown := unknownFields(obj, []string{"name", "value"}, ""); len(unknown) > 0 {
			return fail("specs[%d]: unknown field %q", k+1, unknown[0].Field)
		}
		name, reason := jsonString(obj["name"])
		if reason != "" {
			return fail("specs[%d].name %s", k+1, reason)
		}
		value, reason := jsonString(obj["value"])
		if reason != "" {
			return fail("specs[%d].value %s", k+1, reason)
		}
		specs = append(specs, domain.SpecValue{Name: name, Value: value})
	}
	return specs
}

// jsonObject decodes a JSON object, keeping each value's raw bytes: decoding
// into Go strings would silently turn invalid UTF-8 into U+FFFD.
func jsonObject(raw json.RawMessage) (map[string]json.RawMessage, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, false
	}
	var obj map[string]json.RawMessage
	return obj, json.Unmarshal(raw, &obj) == nil
}

func isNull(raw json.RawMessage) bool {
	s := bytes.TrimSpace(raw)
	return len(s) == 0 || string(s) == "null"
}

func jsonStringField(obj map[string]json.RawMessage, key string, errs *[]domain.FieldError) string {
	s, reason := jsonString(obj[key])
	if reason != "" {
		*errs = append(*errs, domain.FieldError{Field: key, Reason: reason})
	}
	return s
}

// jsonString decodes a string value (absent or null is ""), trimmed, without
// mangling: invalid UTF-8 and unpaired surrogate escapes are errors.
func jsonString(raw json.RawMessage) (string, string) {
	if isNull(raw) {
		return "", ""
	}
	raw = bytes.TrimSpace(raw)
	if raw[0] != '"' {
		return "", "must be a string"
	}
	if !utf8.Valid(raw) {
		return "", "is not valid UTF-8"
	}
	if loneSurrogate(raw) {
		return "", `has an unpaired \u surrogate escape (not valid UTF-16)`
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", "must be a string"
	}
	return strings.TrimSpace(s), ""
}

// loneSurrogate reports whether a valid JSON string literal has a \uD800–\uDFFF
// escape that is not part of a surrogate pair.
func loneSurrogate(lit []byte) bool {
	hex4 := func(i int) int {
		if i+6 > len(lit) || lit[i] != '\\' || lit[i+1] != 'u' {
			return -1
		}
		v, err := strconv.ParseUint(string(lit[i+2:i+6]), 16, 16)
		if err != nil {
			return -1
		}
		return int(v)
	}
	for i := 0; i < len(lit); i++ {
		if lit[i] != '\\' {
			continue
		}
		switch c := hex4(i); {
		case c >= 0xD800 && c <= 0xDBFF:
			if lo := hex4(i + 6); lo < 0xDC00 || lo > 0xDFFF {
				return true
			}
			i += 11
		case c >= 0xDC00 && c <= 0xDFFF:
			return true
		default:
			i++ // skip the escaped character: `\\u` is a backslash then "u"
		}
	}
	return false
}

// jsonWhole reads stock and weight_g: a whole number, bare or quoted.
func jsonWhole(raw json.RawMessage, field string, errs *[]domain.FieldError) int {
	if isNull(raw) {
		return 0
	}
	text := string(bytes.TrimSpace(raw))
	switch text[0] {
	case '"':
		s, reason := jsonString(raw)
		if reason != "" {
			*errs = append(*errs, domain.FieldError{Field: field, Reason: reason})
			return 0
		}
		text = s
	case '{', '[':
		*errs = append(*errs, domain.FieldError{Field: field, Reason: "must be a whole number"})
		return 0
	}
	return wholeNumber(errs, field, text)
}

// jsonYuan reads money: a yuan string ("59.90") or a number written with at
// most 2 decimals (59.9). The number's text is parsed, never a float64.
func jsonYuan(raw json.RawMessage, field string, required bool, errs *[]domain.FieldError) domain.Money {
	text := ""
	if !isNull(raw) {
		text = string(bytes.TrimSpace(raw))
		switch {
		case text[0] == '"':
			s, reason := jsonString(raw)
			if reason != "" {
				*errs = append(*errs, domain.FieldError{Field: field, Reason: reason})
				return 0
			}
			text = s
		case text[0] != '-' && (text[0] < '0' || text[0] > '9'):
			*errs = append(*errs, domain.FieldError{Field: field, Reason: `must be a yuan amount like "59.90"`})
			return 0
		}
	}
	return yuan(errs, field, text, required)
}

// unknownFields reports keys not in known, sorted so the report is stable.
func unknownFields(obj map[string]json.RawMessage, known []string, prefix string) []domain.FieldError {
	var out []domain.FieldError
	for _, k := range sortedKeys(obj) {
		if !slices.Contains(known, k) {
			if k == "" || strings.ContainsFunc(k, func(r rune) bool { return !unicode.IsPrint(r) || r == '"' }) {
				k = strconv.Quote(k) // so an empty or odd key is still visible
			}
			out = append(out, domain.FieldError{Field: prefix + k, Reason: "unknown field (known: " + strings.Join(known, ", ") + ")"})
		}
	}
	return out
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// jsonSyntaxError locates a syntax error by line and column for a text editor.
func jsonSyntaxError(data []byte) error {
	var v any
	err := json.Unmarshal(data, &v)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return fmt.Errorf("json: %v", err)
	}
	off := min(int(se.Offset), len(data))
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := max(1, off-bytes.LastIndexByte(data[:off], '\n')-1) // Offset is just past the bad byte
	return fmt.Errorf("json: line %d, column %d: %v", line, col, se)
}

// The export shapes: money as yuan strings, so the file reads the same in
// any JSON tool (no float rounding).
type jsonOutSKU struct {
	Code      string             `json:"code"`
	Specs     []domain.SpecValue `json:"specs,omitempty"`
	Barcode   string             `json:"barcode,omitempty"`
	WeightG   int                `json:"weight_g,omitempty"`
	Cost      string             `json:"cost"`
	ListPrice string             `json:"list_price"`
	Stock     int                `json:"stock"`
}

type jsonOutProduct struct {
	Code        string       `json:"code"`
	Title       string       `json:"title"`
	Brand       string       `json:"brand,omitempty"`
	Category    string       `json:"category,omitempty"`
	Description string       `json:"description,omitempty"`
	Images      []string     `json:"images,omitempty"`
	SKUs        []jsonOutSKU `json:"skus"`
}

func writeJSON(w io.Writer, products []domain.Product) error {
	out := struct {
		Products []jsonOutProduct `json:"products"`
	}{Products: make([]jsonOutProduct, 0, len(products))}
	for _, p := range products {
		jp := jsonOutProduct{p.Code, p.Title, p.Brand, p.Category, p.Description, p.Images, make([]jsonOutSKU, 0, len(p.SKUs))}
		for _, s := range p.SKUs {
			jp.SKUs = append(jp.SKUs, jsonOutSKU{s.Code, s.Specs, s.Barcode, s.WeightG, s.Cost.Yuan(), s.ListPrice.Yuan(), s.Stock})
		}
		out.Products = append(out.Products, jp)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
