package catalog

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/syncctl/syncctl/domain"
)

// assemble groups rows into products. A row with a problem is rejected on
// its own; a product-level problem rejects every row of that product; a
// product whose rows were all rejected is not imported. Products keep the
// order of their first row.
func assemble(rows []row) ([]domain.Product, []domain.FieldError) {
	var rejected []domain.FieldError
	reject := func(rec string, errs ...domain.FieldError) {
		for _, e := range errs {
			e.Record = rec
			rejected = append(rejected, e)
		}
	}
	type group struct {
		header  domain.Product
		headRec string
		bad     []domain.FieldError
		skus    []domain.SKU
		recs    []string
	}
	var order []string
	groups := map[string]*group{}
	skuRow := map[string]string{}
	for _, r := range rows {
		if len(r.errs) > 0 {
			reject(r.rec, r.errs...)
			continue
		}
		for _, e := range ValidateSKU(r.sku) {
			e.Field = r.prefix + e.Field
			r.errs = append(r.errs, e)
		}
		if len(r.errs) > 0 {
			reject(r.rec, r.errs...)
			continue
		}
		if first, dup := skuRow[r.sku.Code]; dup {
			reject(r.rec, domain.FieldError{Field: r.prefix + "code", Reason: fmt.Sprintf("sku %s is already defined at %s", r.sku.Code, first)})
			continue
		}
		g := groups[r.product.Code]
		if g == nil {
			g = &group{header: r.product, headRec: r.prodRec}
			for _, e := range Validate(withSKU(r.product, r.sku)) {
				if !strings.HasPrefix(e.Field, "skus[") {
					g.bad = append(g.bad, e)
				}
			}
			groups[r.product.Code] = g
			order = append(order, r.product.Code)
		}
		if len(g.bad) > 0 {
			reject(r.rec, g.bad...)
			continue
		}
		if f := headerMismatch(g.header, r.product); f != "" {
			reject(r.rec, domain.FieldError{Field: f, Reason: fmt.Sprintf("differs from %s, the first row of product %s", g.headRec, g.header.Code)})
			continue
		}
		cand := withSKU(g.header, g.skus...)
		cand.SKUs = append(cand.SKUs, r.sku)
		if errs := Validate(cand); len(errs) > 0 {
			for i := range errs {
				errs[i].Field = strings.Replace(errs[i].Field, fmt.Sprintf("skus[%d].", len(cand.SKUs)), r.prefix, 1)
			}
			reject(r.rec, errs...)
			continue
		}
		skuRow[r.sku.Code] = r.rec
		g.skus = append(g.skus, r.sku)
		g.recs = append(g.recs, r.rec)
	}
	var out []domain.Product
	for _, code := range order {
		g := groups[code]
		if len(g.skus) > 0 {
			out = append(out, withSKU(g.header, g.skus...))
		}
	}
	return out, rejected
}

func withSKU(p domain.Product, skus ...domain.SKU) domain.Product {
	p.SKUs = append([]domain.SKU(nil), skus...)
	return p
}

// headerMismatch names the first product-level field two rows disagree on.
func headerMismatch(a, b domain.Product) string {
	switch {
	case a.Title != b.Title:
		return "title"
	case a.Brand != b.Brand:
		return "brand"
	case a.Category != b.Category:
		return "category"
	case a.Description != b.Description:
		return "description"
	case !slices.Equal(a.Images, b.Images):
		return "images"
	}
	return ""
}

// Export writes products in the import format; Parse reads it back equal.
func Export(w io.Writer, products []domain.Product, f Format) error {
	switch f {
	case FormatJSON, "":
		type sku struct {
			Code      string             `json:"code"`
			Specs     []domain.SpecValue `json:"specs,omitempty"`
			Barcode   string             `json:"barcode,omitempty"`
			WeightG   int                `json:"weight_g,omitempty"`
			Cost      string             `json:"cost"`
			ListPrice string             `json:"list_price"`
			Stock     int                `json:"stock"`
		}
		type product struct {
			Code        string   `json:"code"`
			Title       string   `json:"title"`
			Brand       string   `json:"brand,omitempty"`
			Category    string   `json:"category,omitempty"`
			Description string   `json:"description,omitempty"`
			Images      []string `json:"images,omitempty"`
			SKUs        []sku    `json:"skus"`
		}
		out := struct {
			Products []product `json:"products"`
		}{Products: []product{}}
		for _, p := range products {
			jp := product{p.Code, p.Title, p.Brand, p.Category, p.Description, p.Images, nil}
			for _, s := range p.SKUs {
				jp.SKUs = append(jp.SKUs, sku{s.Code, s.Specs, s.Barcode, s.WeightG, s.Cost.Yuan(), s.ListPrice.Yuan(), s.Stock})
			}
			out.Products = append(out.Products, jp)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(out)
	case FormatCSV:
		cw := csv.NewWriter(w)
		if err := cw.Write(CSVColumns); err != nil {
			return err
		}
		for _, p := range products {
			for _, s := range p.SKUs {
				var specs []string
				for _, v := range s.Specs {
					specs = append(specs, v.Name+":"+v.Value)
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
	return fmt.Errorf("unknown format %q (json or csv)", f)
}
