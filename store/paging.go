package store

import (
	"context"

	"github.com/syncctl/syncctl/domain"
)

// productPage is how many products one ListProducts call reads when paging.
const productPage = 500

// EachProduct calls fn with the products whose code sorts after afterCode,
// in code order, up to limit of them (0 = all), reading the store a page at
// a time. It stops at the first error, fn's included.
func EachProduct(ctx context.Context, st Store, afterCode string, limit int, fn func(domain.Product) error) error {
	for n := 0; limit == 0 || n < limit; {
		page := productPage
		if limit > 0 {
			page = min(page, limit-n)
		}
		ps, err := st.ListProducts(ctx, afterCode, page)
		if err != nil {
			return err
		}
		for _, p := range ps {
			if err := fn(p); err != nil {
				return err
			}
		}
		if len(ps) < page {
			return nil
		}
		n += len(ps)
		afterCode = ps[len(ps)-1].Code
	}
	return nil
}

// ListAllProducts returns the products after afterCode in code order, all
// of them or the first limit (0 = all); an empty result is an empty slice,
// never nil.
func ListAllProducts(ctx context.Context, st Store, afterCode string, limit int) ([]domain.Product, error) {
	out := []domain.Product{}
	err := EachProduct(ctx, st, afterCode, limit, func(p domain.Product) error {
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
