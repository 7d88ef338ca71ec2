package catalog

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
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

func readCSV(r io.Reader, p *pipeline) error {
	cr := csv.NewReader(newCSVGuard(r))
	cr.FieldsPerRecord = -1 // counted per row, so one short row is a row error, not a file error
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("csv: the file is empty; a header row is required (%s)", strings.Join(CSVColumns, ","))
	}
	if err != nil {
		return fmt.Errorf("csv header: %w", err)
	}
	header = slices.Clone(header)
	col, err := csvHeader(header)
	if err != nil {
		return err
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		line := 0
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			line = pe.StartLine
		} else if err != nil {
			return fmt.Errorf("csv: %w", err)
		} else {
			line, _ = cr.FieldPos(0)
		}
		if err == nil && blank(rec) {
			continue // spreadsheets save empty rows as ",,,,"
		}
		p.rows++
		rowName := fmt.Sprintf("row %d", line)
		var r row
		switch {
		case pe != nil:
			r = rejectRow(rowName, domain.FieldError{Field: csvErrorColumn(rec, header), Reason: fmt.Sprintf("bad CSV quoting: %v", pe.Err)})
		case len(rec) > 0 && strings.HasPrefix(rec[len(rec)-1], markRowTooBig):
			r = rejectRow(rowName, domain.FieldError{Field: "(row)", Reason: fmt.Sprintf(
				"has more than %d values or %d bytes; the header has %d columns", csvMaxValues-1, csvMaxRecord, len(header))})
		case len(rec) != len(header):
			r = rejectRow(rowName, domain.FieldError{Field: "(row)", Reason: fmt.Sprintf("has %d values; the header has %d columns", len(rec), len(header))})
		default:
			r = csvRow(rowName, int32(line), rec, col)
		}
		if err := p.emit(r); err != nil {
			return err
		}
	}
}

// csvHeader maps column names to positions.
func csvHeader(header []string) (map[string]int, error) {
	known := map[string]bool{}
	for _, c := range CSVColumns {
		known[c] = true
	}
	if !slices.ContainsFunc(header, func(h string) bool { return known[strings.TrimSpace(h)] }) &&
		!slices.ContainsFunc(header, func(h string) bool { return strings.ContainsAny(h, ";\t") }) {
		first := header[0]
		if utf8.RuneCountInString(first) > 40 {
			first = string([]rune(first)[:40]) + "…"
		}
		return nil, fmt.Errorf("csv header: the header row is missing (or misspelt): the first line names no column (it starts %q); "+
			"the first line must name the columns: %s are required, %s may be added",
			first, strings.Join(csvRequired, ","), strings.Join(slices.DeleteFunc(slices.Clone(CSVColumns), func(c string) bool { return slices.Contains(csvRequired, c) }), ","))
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

// csvErrorColumn names the column a quoting error is in: encoding/csv
// returns the values read before it.
func csvErrorColumn(rec, header []string) string {
	if len(rec) >= len(header) {
		return "(row)"
	}
	return strings.TrimSpace(header[len(rec)])
}

func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// csvText are the columns that hold text: Export neutralises a formula at
// their start (see neutralise), and reading undoes it. The others hold
// numbers, which a spreadsheet never runs.
var csvText = map[string]bool{"spu_code": true, "title": true, "brand": true, "category": true, "description": true,
	"images": true, "sku_code": true, "specs": true, "barcode": true}

// csvRow reads one SKU row. Problems reading a value are recorded under the
// Validate name of its field ("code" = spu_code, "sku.code" = sku_code).
func csvRow(name string, line int32, rec []string, col map[string]int) row {
	r := row{rec: name, prodRec: name, num: line, ref: line, field: csvField}
	get := func(column string, errs *[]domain.FieldError, field string) string {
		i, ok := col[column]
		if !ok {
			return ""
		}
		v := rec[i]
		if n, ok := strings.CutPrefix(v, markTooLong); ok {
			size, _ := strconv.ParseInt(strings.TrimRight(n, "\n"), 10, 64)
			*errs = append(*errs, domain.FieldError{Field: field, Reason: tooLong(field, size)})
			return ""
		}
		if !utf8.ValidString(v) {
			*errs = append(*errs, domain.FieldError{Field: field, Reason: csvNotUTF8})
			return ""
		}
		v = strings.TrimSpace(v)
		if csvText[column] {
			v = unneutralise(v)
		}
		return v
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
	if n := len(r.product.Images); n > MaxImages {
		r.prodErrs = append(r.prodErrs, domain.FieldError{Field: "images", Reason: fmt.Sprintf("has %d images; at most %d", n, MaxImages)})
		r.product.Images = r.product.Images[:MaxImages]
	}
	r.sku.Code = sku("sku_code", "code")
	r.sku.Barcode = sku("barcode", "barcode")
	pairs := splitList(sku("specs", "specs"), ";")
	if len(pairs) > MaxSpecs {
		r.skuErrs = append(r.skuErrs, domain.FieldError{Field: "specs", Reason: fmt.Sprintf("has %d specs; at most %d", len(pairs), MaxSpecs)})
		pairs = nil
	}
	for _, pair := range pairs {
		name, value, ok := strings.Cut(pair, ":")
		if !ok {
			r.skuErrs = append(r.skuErrs, domain.FieldError{Field: "specs", Reason: fmt.Sprintf("%q is not name:value", pair)})
			break
		}
		r.sku.Specs = append(r.sku.Specs, domain.SpecValue{Name: strings.TrimSpace(name), Value: strings.TrimSpace(value)})
	}
	r.sku.WeightG = wholeNumber(&r.skuErrs, "weight_g", sku("weight_g", "weight_g"), MaxWeightG)
	r.sku.Cost = yuan(&r.skuErrs, "cost", sku("cost", "cost"), false)
	r.sku.ListPrice = yuan(&r.skuErrs, "list_price", sku("list_price", "list_price"), true)
	r.sku.Stock = wholeNumber(&r.skuErrs, "stock", sku("stock", "stock"), MaxStock)
	return r
}

// neutralise keeps a spreadsheet (Excel, WPS) from running a text value as
// a formula when an operator opens an exported CSV: a value that starts
// with = + - @ tab or CR, after any apostrophes, gets one more apostrophe
// in front (OWASP's advice). unneutralise takes it off again on import, so
// the value round-trips: "=SUM(A1)" → "'=SUM(A1)" → "=SUM(A1)", and "'=x"
// is written with two apostrophes and reads back as "'=x"; a value like
// "'90s" is left alone both ways.
func neutralise(v string) string {
	if t := strings.TrimLeft(v, "'"); t != "" && strings.IndexByte(formulaStart, t[0]) >= 0 {
		return "'" + v
	}
	return v
}

func unneutralise(v string) string {
	if t := strings.TrimLeft(v, "'"); len(t) < len(v) && t != "" && strings.IndexByte(formulaStart, t[0]) >= 0 {
		return v[1:]
	}
	return v
}

const formulaStart = "=+-@\t\r"

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
