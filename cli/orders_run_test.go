package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
	"github.com/syncctl/syncctl/store/storetest"
)

// ordersStore is a store with n orders of tmall/flagship, at its DSN.
func ordersStore(t *testing.T, n int) string {
	t.Helper()
	ctx := context.Background()
	dsn := filepath.Join(t.TempDir(), "syncctl.db")
	st, err := store.Open(ctx, "sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := range n {
		o := storetest.Order("350432992381412047"+string(rune('0'+i)), domain.OrderPaid)
		if _, err := st.UpsertOrder(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	return dsn
}

// When the list stops at --limit, stderr says more may follow and how to
// see them; stdout carries the orders only.
func TestOrdersListSaysWhenMoreMayFollow(t *testing.T) {
	dsn := ordersStore(t, 3)
	const hint = "… the newest 2 shown; more may follow (--limit 0 shows all)\n"
	for _, c := range []struct {
		limit    int
		json     bool
		rows     int
		wantHint bool
	}{
		{limit: 2, rows: 2, wantHint: true},
		{limit: 2, json: true, rows: 2, wantHint: true},
		{limit: 0, rows: 3},
		{limit: 5, rows: 3},
	} {
		args := []string{"--store-dsn", dsn}
		if c.json {
			args = append(args, "-o", "json")
		}
		g, out, errOut := testGlobals(t, args...)
		if err := ordersListRun(context.Background(), g, &ordersListOptions{shop: flagship, limit: c.limit}); err != nil {
			t.Fatal(err)
		}
		rows := strings.Count(out.String(), "\n") - 1 // the header
		if c.json {
			rows = strings.Count(out.String(), `"revision"`)
		}
		if rows != c.rows {
			t.Errorf("limit %d: %d orders shown, want %d: %s", c.limit, rows, c.rows, out.String())
		}
		if got := errOut.String() == hint; got != c.wantHint || (!c.wantHint && errOut.Len() > 0) {
			t.Errorf("limit %d json %v: stderr %q", c.limit, c.json, errOut.String())
		}
		if strings.Contains(out.String(), "more may follow") {
			t.Errorf("the hint went to stdout")
		}
	}
}
