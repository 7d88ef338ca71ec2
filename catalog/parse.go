package catalog

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/syncctl/syncctl/domain"
)

// row is one SKU as read from a file, with where it came from.
type row struct {
	rec     string         // "row 7" or "row 3 (sku X)"
	prodRec string         // the record that names product-level problems
	prefix  string         // field prefix for SKU fields: "" (CSV) or "skus[2]."
	product domain.Product // product-level fields, no SKUs
	sku     domain.SKU
	errs    []domain.FieldError // problems found while reading
}

// Parse reads a whole file. It fails only when the file as a whole cannot be
// read (no header, broken JSON); row problems are in Result.Rejected.
func Parse(r io.Reader, f Format) (Result, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return Result{}, err
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var rows []row
	var n int
	switch f {
	case FormatCSV:
		rows, n, err = readCSV(data)
	case FormatJSON:
		rows, n, err = readJSON(data)
	default:
		return Result{}, fmt.Errorf("unknown format %q (json or csv)", f)
	}
	if err != nil {
		return Result{}, err
	}
	products, rejected := assemble(rows)
	return Result{Products: products, Rejected: rejected, Rows: n}, nil
}

// CSVColumns are the CSV header names, in the order Export writes them.
var CSVColumns = []string{"spu_code", "title", "brand", "category", "description", "images", "sku_code", "specs", "barcode", "weight_g", "cost", "list_price", "stock"}

func readCSV(data []byte) ([]row, int, error) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, 0, fmt.Errorf("csv header: %w", err)
	}
	col := map[string]int{}
	known := map[string]bool{}
	for _, c := range CSVColumns {
		known[c] = true
	}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if !known[h] {
			return nil, 0, fmt.Errorf("csv header: unknown column %q (columns: %s)", h, strings.Join(CSVColumns, ","))
		}
		if _, dup := col[h]; dup {
			return nil, 0, fmt.Errorf("csv header: column %q appears twice", h)
		}
		col[h] = i
	}
	for _, req := range []string{"spu_code", "title", "sku_code", "list_price"} {
		if _, ok := col[req]; !ok {
			return nil, 0, fmt.Errorf("csv header: required column %q is missing", req)
		}
	}
	var rows []row
	n := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		n++
		line := 0
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			line = pe.StartLine
		} else if len(rec) > 0 {
			line, _ = cr.FieldPos(0)
		}
		r := row{rec: fmt.Sprintf("row %d", line)}
		r.prodRec = r.rec
		if err != nil {
			r.errs = append(r.errs, domain.FieldError{Field: "(row)", Reason: err.Error()})
			rows = append(rows, r)
			continue
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				v := strings.TrimSpace(rec[i])
				if !utf8.ValidString(v) {
					r.errs = append(r.errs, domain.FieldError{Field: name, Reason: "is not valid UTF-8"})
					return ""
				}
				return v
			}
			return ""
		}
		r.product = domain.Product{Code: get("spu_code"), Title: get("title"), Brand: get("brand"), Category: get("category"), Description: get("description")}
		if imgs := get("images"); imgs != "" {
			r.product.Images = strings.Split(imgs, "|")
		}
		r.sku = domain.SKU{Code: get("sku_code"), Barcode: get("barcode")}
		if specs := get("specs"); specs != "" {
			for _, pair := range strings.Split(specs, ";") {
				name, value, ok := strings.Cut(pair, ":")
				if !ok || strings.Contains(value, ":") {
					r.errs = append(r.errs, domain.FieldError{Field: "specs", Reason: fmt.Sprintf("%q is not name:value", pair)})
					continue
				}
				r.sku.Specs = append(r.sku.Specs, domain.SpecValue{Name: strings.TrimSpace(name), Value: strings.TrimSpace(value)})
			}
		}
		r.sku.Cost = r.money("cost", get("cost"), false)
		r.sku.ListPrice = r.money("list_price", get("list_price"), true)
		r.sku.Stock = r.integer("stock", get("stock"))
		r.sku.WeightG = r.integer("weight_g", get("weight_g"))
		rows = append(rows, r)
	}
	return rows, n, nil
}

func (r *row) money(field, v string, required bool) domain.Money {
	if v == "" {
		if required {
			r.errs = append(r.errs, domain.FieldError{Field: r.prefix + field, Reason: "required"})
		}
		return 0
	}
	m, err := domain.ParseYuan(v)
	if err != nil {
		r.errs = append(r.errs, domain.FieldError{Field: r.prefix + field, Reason: err.Error() + " (yuan, at most 2 decimals)"})
	}
	return m
}

func (r *row) integer(field, v string) int {
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		r.errs = append(r.errs, domain.FieldError{Field: r.prefix + field, Reason: fmt.Sprintf("%q is not a whole number", v)})
	}
	return n
}

// JSON shapes of the import format: money as yuan strings (or exact numbers).
type jsonFile struct {
	Products []json.RawMessage `json:"products"`
}

type jsonProduct struct {
	Code        string            `json:"code"`
	Title       string            `json:"title"`
	Brand       string            `json:"brand"`
	Category    string            `json:"category"`
	Description string            `json:"description"`
	Images      []string          `json:"images"`
	SKUs        []json.RawMessage `json:"skus"`
}

type jsonSKU struct {
	Code      string             `json:"code"`
	Specs     []domain.SpecValue `json:"specs"`
	Barcode   string             `json:"barcode"`
	WeightG   json.Number        `json:"weight_g"`
	Cost      json.RawMessage    `json:"cost"`
	ListPrice json.RawMessage    `json:"list_price"`
	Stock     json.Number        `json:"stock"`
}

func readJSON(data []byte) ([]row, int, error) {
	var raw []json.RawMessage
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		if err := json.Unmarshal(trimmed, &raw); err != nil {
			return nil, 0, fmt.Errorf("json: %w", err)
		}
	} else {
		var f jsonFile
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			return nil, 0, fmt.Errorf("json: %w (want {\"products\":[...]} or an array)", err)
		}
		raw = f.Products
	}
	var rows []row
	for i, pm := range raw {
		rec := fmt.Sprintf("row %d", i+1)
		var jp jsonProduct
		if err := strictDecode(pm, &jp); err != nil {
			rows = append(rows, row{rec: rec, prodRec: rec, errs: []domain.FieldError{{Field: "(product)", Reason: err.Error()}}})
			continue
		}
		prod := domain.Product{Code: jp.Code, Title: jp.Title, Brand: jp.Brand, Category: jp.Category, Description: jp.Description, Images: jp.Images}
		// encoding/json silently replaces invalid UTF-8; look at the raw bytes.
		var badProduct []domain.FieldError
		if !utf8.Valid(pm) {
			badProduct = append(badProduct, invalidUTF8Fields(pm, "")...)
		}
		if len(jp.SKUs) == 0 {
			rows = append(rows, row{rec: rec, prodRec: rec, product: prod, errs: append(badProduct, domain.FieldError{Field: "skus", Reason: "a product needs at least one SKU"})})
			continue
		}
		for j, sm := range jp.SKUs {
			r := row{prodRec: rec, prefix: fmt.Sprintf("skus[%d].", j+1), product: prod}
			r.errs = append(r.errs, badProduct...)
			var js jsonSKU
			if err := strictDecode(sm, &js); err != nil {
				r.rec = rec
				r.errs = append(r.errs, domain.FieldError{Field: r.prefix[:len(r.prefix)-1], Reason: err.Error()})
				rows = append(rows, r)
				continue
			}
			r.rec = rec
			if js.Code != "" {
				r.rec = fmt.Sprintf("%s (sku %s)", rec, js.Code)
			}
			if !utf8.Valid(sm) {
				r.errs = append(r.errs, invalidUTF8Fields(sm, r.prefix)...)
			}
			r.sku = domain.SKU{Code: js.Code, Specs: js.Specs, Barcode: js.Barcode}
			r.sku.Cost = r.money("cost", jsonMoney(js.Cost), false)
			r.sku.ListPrice = r.money("list_price", jsonMoney(js.ListPrice), true)
			r.sku.Stock = r.integer("stock", js.Stock.String())
			r.sku.WeightG = r.integer("weight_g", js.WeightG.String())
			rows = append(rows, r)
		}
	}
	return rows, len(raw), nil
}

func strictDecode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	return dec.Decode(v)
}

// jsonMoney accepts "59.90" or 59.9 (kept as written, never via float64).
func jsonMoney(raw json.RawMessage) string {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return ""
	}
	if unq, err := strconv.Unquote(s); err == nil {
		return unq
	}
	return s
}

// invalidUTF8Fields names the top-level fields of a JSON object whose raw
// value is not valid UTF-8.
func invalidUTF8Fields(obj []byte, prefix string) []domain.FieldError {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(obj, &m); err != nil {
		return []domain.FieldError{{Field: prefix + "(object)", Reason: "is not valid UTF-8"}}
	}
	var out []domain.FieldError
	for k, v := range m {
		if k != "skus" && !utf8.Valid(v) {
			out = append(out, domain.FieldError{Field: prefix + k, Reason: "is not valid UTF-8"})
		}
	}
	return out
}
