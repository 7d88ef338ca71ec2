package store

import (
	"encoding/json"
	"reflect"
	"time"

	"github.com/syncctl/syncctl/domain"
)

// The rules of an import that every backend applies the same way.

// WithStoredSKUs is the imported product followed by the stored SKUs it
// lacks (a product named by MergeSKUs).
func WithStoredSKUs(imported, stored domain.Product) domain.Product {
	have := map[string]bool{}
	for _, s := range imported.SKUs {
		have[s.Code] = true
	}
	imported.SKUs = append([]domain.SKU(nil), imported.SKUs...)
	for _, s := range stored.SKUs {
		if !have[s.Code] {
			imported.SKUs = append(imported.SKUs, s)
		}
	}
	return imported
}

// AddImportPart is a product's SKUs after a later part of a batched import
// (ProductImport.Add of a product added before): the SKUs the import
// carried (the first carried of have, each replaced by the part's version
// of it), the part's new ones, then the stored ones neither carried. It
// returns how many of them the import now carries.
func AddImportPart(have []domain.SKU, carried int, part []domain.SKU) ([]domain.SKU, int32) {
	inPart := map[string]int{}
	for i, s := range part {
		inPart[s.Code] = i
	}
	used := make([]bool, len(part))
	out := make([]domain.SKU, 0, len(have)+len(part))
	for _, s := range have[:carried] {
		if i, ok := inPart[s.Code]; ok {
			s, used[i] = part[i], true
		}
		out = append(out, s)
	}
	for i, s := range part {
		if !used[i] {
			out = append(out, s)
		}
	}
	n := len(out)
	for _, s := range have[carried:] {
		if _, ok := inPart[s.Code]; !ok {
			out = append(out, s)
		}
	}
	return out, int32(n)
}

// SameProduct reports whether an import leaves a stored product as it is:
// equal but for UpdatedAt, nil and empty slices alike.
func SameProduct(a, b domain.Product) bool {
	a.UpdatedAt, b.UpdatedAt = time.Time{}, time.Time{}
	return reflect.DeepEqual(normalize(a), normalize(b))
}

// normalize makes nil and empty slices compare equal.
func normalize(p domain.Product) domain.Product {
	b, _ := json.Marshal(p)
	var out domain.Product
	_ = json.Unmarshal(b, &out)
	return out
}
