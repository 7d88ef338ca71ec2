package catalog

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/syncctl/syncctl/domain"
)

// CSVColumns are the CSV columns, in the order Export writes them.
var CSVColumns = []string{"spu_code", "title", "brand", "category", "description", "images",
	"sku_code", "specs", "barcode", "weight_g", "cost", "list_price", "stock"}

// csvRequired are the columns a CSV header must have; the others may be left out.
var csvRequired = []string{"spu_code", "title", "sku_code", "list_price"}

// Excel's plain "CSV" saves GBK on Chinese Windows: say so, it is the usual cause.
const csvNotUTF8 = `is not valid UTF-8 (save the file as "CSV UTF-8"; GBK is not accepted)`

func readCSV(data []byte, b *builder) (int, error) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1 // counted per row, so one short row is a row error, not a file error
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return 0, fmt.Errorf("csv: the file is empty; a header row is required (%s)", strings.Join(CSVColumns, ","))
	}
	if err != nil {
		return 0, fmt.Errorf("csv header: %w", err)
	}
	col, err := csvHeader(header)
	if err != nil {
		return 0, err
	}
	n := 0
	var lines [][]byte // split on the first quoting error only
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		line := 0
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			line = pe.StartLine
		} else if err != nil {
			return n, fmt.Errorf("csv: %w", err)
		} else {
			line, _ = cr.FieldPos(0)
		}
		if err == nil && blank(rec) {
			continue // spreadsheets save empty rows as ",,,,"
		}
		n++
		rowName := fmt.Sprintf("row %d", line)
		switch {
		case pe != nil:
			if lines == nil {
				lines = bytes.Split(data, []byte("\n"))
			}
			b.reject(rowName, domain.FieldError{Field: csvErrorColumn(lines, pe, header), Reason: fmt.Sprintf("bad CSV quoting: %v", pe.Err)})
		case len(rec) != len(header):
			b.reject(rowName, domain.FieldError{Field: "(row)", Reason: fmt.Sprintf("has %d values; the header has %d columns", len(rec), len(header))})
		default:
			b.add(csvRow(rowName, rec, col))
		}
	}
}

// csvHeader maps column names to positions.
func csvHeader(header []string) (map[string]int, error) {
	known := map[string]bool{}
	for _, c := range CSVColumns {
		known[c] = true
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		switch {
		case h == "":
			return nil, fmt.Errorf("csv header: column %d has no name (columns: %s)", i+1, strings.Join(CSVColumns, ","))
		case strings.Contains(h, ";") || strings.Contains(h, "\t"):
			return nil, fmt.Errorf("csv header: unknown column %q: columns are separated by commas, not ';' or tabs", h)
		case !known[h]:
			return nil, fmt.Errorf("csv header: unknown column %q (columns: %s)", h, strings.Join(CSVColumns, ","))
		}
		if _, dup := col[h]; dup {
			return nil, fmt.Errorf("csv header: column %q appears twice", h)
		}
		col[h] = i
	}
	for _, req := range csvRequired {
		if _, ok := col[req]; !ok {
			return nil, fmt.Errorf("csv header: required column %q is missing", req)
		}
	}
	return col, nil
}

// csvErrorColumn names the column a quoting error is in, "(row)" if unsure.
// pe.Column is a byte offset in line pe.Line; count the separators before it.
func csvErrorColumn(lines [][]byte, pe *csv.ParseError, header []string) string {
	if pe.Line != pe.StartLine {
		return "(row)" // the error is inside a multi-line value
	}
	if pe.Line > len(lines) || pe.Column < 1 || pe.Column > len(lines[pe.Line-1])+1 {
		return "(row)"
	}
	field, quoted := 0, false
	for _, c := range lines[pe.Line-1][:pe.Column-1] {
		switch {
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			field++
		}
	}
	if field >= len(header) {
		return "(row)"
	}
	return strings.TrimSpace(header[field])
}

func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// csvRow reads one SKU row. Problems reading a value are recorded under the
// Validate name of its field ("code" = spu_code, "sku.code" = sku_code).
func csvRow(name string, rec []string, col map[string]int) row {
	r := row{rec: name, prodRec: name, ref: name, field: csvField}
	get := func(column string, errs *[]domain.FieldError, field string) string {
		i, ok := col[column]
		if !ok {
			return ""
		}
		if !utf8.ValidString(rec[i]) {
			*errs = append(*errs, domain.FieldError{Field: field, Reason: csvNotUTF8})
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	prod := func(column, field string) string { return get(column, &r.prodErrs, field) }
	sku := func(column, field string) string { return get(column, &r.skuErrs, field) }

	r.product = domain.Product{
		Code:        prod("spu_code", "code"),
		Title:       prod("title", "title"),
		Brand:       prod("brand", "brand"),
		Category:    prod("category", "category"),
		Description: prod("description", "description"),
		Images:      splitList(prod("images", "images"), "|"),
	}
	r.sku.Code = sku("sku_code", "code")
	r.sku.Barcode = sku("barcode", "barcode")
	for _, pair := range splitList(sku("specs", "specs"), ";") {
		name, value, ok := strings.Cut(pair, ":")
		if !ok {
			r.skuErrs = append(r.skuErrs, domain.FieldError{Field: "specs", Reason: fmt.Sprintf("%q is not name:value", pair)})
			break
		}
		r.sku.Specs = append(r.sku.Specs, domain.SpecValue{Name: strings.TrimSpace(name), Value: strings.TrimSpace(value)})
	}
	r.sku.WeightG = wholeNumber(&r.skuErrs, "weight_g", sku("weight_g", "weight_g"))
	r.sku.Cost = yuan(&r.skuErrs, "cost", sku("cost", "cost"), false)
	r.sku.ListPrice = yuan(&r.skuErrs, "list_price", sku("list_price", "list_price"), true)
	r.sku.Stock = wholeNumber(&r.skuErrs, "stock", sku("stock", "stock"))
	return r
}

// splitList splits a CSV list cell, ignoring empty items (a trailing '|').
func splitList(s, sep string) []string {
	var out []string
	for _, v := range strings.Split(s, sep) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// yuan parses a money cell; an empty optional cell is 0.
func yuan(errs *[]domain.FieldError, field, v string, required bool) domain.Money {
	if v == "" {
		if required {
			*errs = append(*errs, domain.FieldError{Field: field, Reason: "required"})
		}
		return 0
	}
	m, err := domain.ParseYuan(v)
	if err != nil {
		*errs = append(*errs, domain.FieldError{Field: field, Reason: err.Error() + " (write yuan with at most 2 decimals, like 59.90)"})
	}
	return m
}

// wholeNumber parses stock and weight cells; an empty cell is 0.
func wholeNumber(errs *[]domain.FieldError, field, v string) int {
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		*errs = append(*errs, domain.FieldError{Field: field, Reason: fmt.Sprintf("%q is not a whole number", v)})
		return 0
	}
	return n
}

func writeCSV(w io.Writer, products []domain.Product) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVColumns); err != nil {
		return err
	}
	for _, p := range products {
		if len(p.SKUs) == 0 {
			return fmt.Errorf("export csv: product %s has no SKUs; CSV has one row per SKU", p.Code)
		}
		for _, img := range p.Images {
			if strings.Contains(img, "|") {
				return fmt.Errorf("export csv: product %s: image %q contains '|', the CSV image separator", p.Code, img)
			}
		}
		for _, s := range p.SKUs {
			specs := make([]string, len(s.Specs))
			for i, v := range s.Specs {
				if strings.ContainsAny(v.Name+v.Value, specSeparators) {
					return fmt.Errorf("export csv: sku %s: spec %q contains ';', ':' or '|'", s.Code, v.Name+":"+v.Value)
				}
				specs[i] = v.Name + ":" + v.Value
			}
			weight := ""
			if s.WeightG != 0 {
				weight = strconv.Itoa(s.WeightG)
			}
			if err := cw.Write([]string{p.Code, p.Title, p.Brand, p.Category, p.Description, strings.Join(p.Images, "|"),
				s.Code, strings.Join(specs, ";"), s.Barcode, weight, s.Cost.Yuan(), s.ListPrice.Yuan(), strconv.Itoa(s.Stock)}); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
