package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
	_ "github.com/syncctl/syncctl/store/sqlite"
	"github.com/syncctl/syncctl/store/storetest"
)

// More products than one page, so every case crosses a page boundary.
func TestProductPaging(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite", filepath.Join(t.TempDir(), "syncctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const n = 1201
	var ps []domain.Product
	for i := range n {
		ps = append(ps, storetest.Product(fmt.Sprintf("P%05d", i), 1))
	}
	if _, err := st.ImportProducts(ctx, ps); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		after       string
		limit, want int
		first       string
	}{
		{"", 0, n, "P00000"},
		{"", 700, 700, "P00000"},
		{"", 500, 500, "P00000"},
		{"", 2, 2, "P00000"},
		{"P00099", 0, n - 100, "P00100"},
		{"P01199", 5, 1, "P01200"},
		{"P01200", 0, 0, ""},
	} {
		got, err := store.ListAllProducts(ctx, st, c.after, c.limit)
		if err != nil || got == nil || len(got) != c.want {
			t.Fatalf("after %q limit %d: %d products, %v; want %d", c.after, c.limit, len(got), err, c.want)
		}
		for i := 1; i < len(got); i++ {
			if got[i-1].Code >= got[i].Code {
				t.Fatalf("after %q limit %d: %s before %s", c.after, c.limit, got[i-1].Code, got[i].Code)
			}
		}
		if c.want > 0 && got[0].Code != c.first {
			t.Fatalf("after %q limit %d: first %s, want %s", c.after, c.limit, got[0].Code, c.first)
		}
	}
	stop := errors.New("stop")
	seen := 0
	err = store.EachProduct(ctx, st, "", 0, func(domain.Product) error {
		if seen++; seen == 600 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || seen != 600 {
		t.Fatalf("EachProduct stopped after %d with %v, want 600 and fn's error", seen, err)
	}
}
