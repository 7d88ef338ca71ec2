package catalog

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/syncctl/syncctl/domain"
)

// Exporter writes products in the import format a product at a time, so a
// catalog of any size is exported in bounded memory. Products that pass
// Validate read back equal with Parse (UpdatedAt is not part of the
// format). CSV cannot hold a product without SKUs or a '|', ';' or ':'
// inside an image URL or spec: Write returns an error rather than write a
// file that would read back different. In CSV, a text value that starts
// like a formula is neutralised with an apostrophe (see neutralise).
type Exporter struct {
	w      io.Writer
	format Format
	cw     *csv.Writer
	n      int
	buf    bytes.Buffer
	enc    *json.Encoder
}

// NewExporter starts a file in format ("" means JSON).
func NewExporter(w io.Writer, format Format) (*Exporter, error) {
	e := &Exporter{w: w, format: format}
	switch format {
	case FormatJSON, "":
		e.format = FormatJSON
		e.enc = json.NewEncoder(&e.buf)
		e.enc.SetIndent("    ", "  ")
		e.enc.SetEscapeHTML(false)
		_, err := io.WriteString(w, "{\n  \"products\": [")
		return e, err
	case FormatCSV:
		e.cw = csv.NewWriter(w)
		return e, e.cw.Write(CSVColumns)
	}
	return nil, fmt.Errorf("unknown catalog format %q (json or csv)", format)
}

// Write adds one product.
func (e *Exporter) Write(p domain.Product) error {
	e.n++
	if e.format == FormatCSV {
		return e.writeCSV(p)
	}
	return e.writeJSON(p)
}

// Close ends the file. It does not close the writer.
func (e *Exporter) Close() error {
	if e.format == FormatCSV {
		e.cw.Flush()
		return e.cw.Error()
	}
	end := "\n  ]\n}\n"
	if e.n == 0 {
		end = "]\n}\n"
	}
	_, err := io.WriteString(e.w, end)
	return err
}

// Export writes products in the import format ("" means JSON); see Exporter.
func Export(w io.Writer, products []domain.Product, format Format) error {
	e, err := NewExporter(w, format)
	if err != nil {
		return err
	}
	for _, p := range products {
		if err := e.Write(p); err != nil {
			return err
		}
	}
	return e.Close()
}

func (e *Exporter) writeCSV(p domain.Product) error {
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
		n := neutralise
		if err := e.cw.Write([]string{n(p.Code), n(p.Title), n(p.Brand), n(p.Category), n(p.Description), n(strings.Join(p.Images, "|")),
			n(s.Code), n(strings.Join(specs, ";")), n(s.Barcode), weight, s.Cost.Yuan(), s.ListPrice.Yuan(), strconv.Itoa(s.Stock)}); err != nil {
			return err
		}
	}
	return nil
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

// writeJSON writes one product as an element of the products array,
// indented as one document would be.
func (e *Exporter) writeJSON(p domain.Product) error {
	jp := jsonOutProduct{p.Code, p.Title, p.Brand, p.Category, p.Description, p.Images, make([]jsonOutSKU, 0, len(p.SKUs))}
	for _, s := range p.SKUs {
		jp.SKUs = append(jp.SKUs, jsonOutSKU{s.Code, s.Specs, s.Barcode, s.WeightG, s.Cost.Yuan(), s.ListPrice.Yuan(), s.Stock})
	}
	e.buf.Reset()
	if e.n > 1 {
		e.buf.WriteByte(',')
	}
	e.buf.WriteString("\n    ")
	if err := e.enc.Encode(jp); err != nil {
		return err
	}
	e.buf.Truncate(e.buf.Len() - 1) // Encode's newline
	_, err := e.w.Write(e.buf.Bytes())
	return err
}
