package cli

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/erp"
	"github.com/syncctl/syncctl/store"
)

// deliveries lists what the ERP has not accepted with its last answer;
// --failed only what waited longer than --after, and exits 3 while any.
func TestOrdersDeliveriesListsWhatTheERPHasNotAccepted(t *testing.T) {
	dsn := ordersStore(t, 2)
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	ds, _ := st.PendingDeliveries(ctx, 0)
	if len(ds) != 2 {
		t.Fatalf("pending = %d", len(ds))
	}
	if err := st.RecordDeliveryAttempt(ctx, ds[0].ID, false, 503, "ERP down for maintenance"); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordDeliveryAttempt(ctx, ds[1].ID, true, 200, ""); err != nil {
		t.Fatal(err)
	}
	st.Close()

	g, out, _ := testGlobals(t, "--store-dsn", dsn)
	if err := deliveriesRun(ctx, g, false, DefaultFailedAfter, emptyShop()); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, ds[0].ID) || strings.Contains(s, ds[1].ID) || !strings.Contains(s, "ERP down for maintenance") || !strings.Contains(s, "503") {
		t.Fatalf("deliveries:\n%s", s)
	}
	out.Reset()
	if err := deliveriesRun(ctx, g, true, DefaultFailedAfter, emptyShop()); err != nil || !strings.Contains(out.String(), "no delivery has waited") {
		t.Fatalf("--failed with nothing older than 72h: %v %s", err, out)
	}
	time.Sleep(20 * time.Millisecond)
	g, out, _ = testGlobals(t, "--store-dsn", dsn, "-o", "json")
	err = deliveriesRun(ctx, g, true, 10*time.Millisecond, emptyShop())
	var rows []map[string]any
	if _, partial := err.(partialError); !partial || json.Unmarshal(out.Bytes(), &rows) != nil || len(rows) != 1 || rows[0]["id"] != ds[0].ID {
		t.Fatalf("--failed --after 10ms: %v %s", err, out)
	}
}

func emptyShop() domain.ShopRef { return domain.ShopRef{} }

// redeliver --failed sends every delivery that waited too long from the
// command itself, each recorded; the ERP takes them once.
func TestRedeliverFailedSendsNow(t *testing.T) {
	dsn := ordersStore(t, 2)
	ctx := context.Background()
	secret := []byte("whsec_redeliver")
	rcv := erp.NewReceiver(secret, nil)
	srv := httptest.NewServer(rcv.Handler())
	defer srv.Close()
	t.Setenv("SYNCCTL_ERP_SECRET", string(secret))
	cfg := filepath.Join(t.TempDir(), "syncctl.yaml")
	if err := os.WriteFile(cfg, []byte("erp:\n  url: "+srv.URL+"/webhooks/syncctl\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	g, out, _ := testGlobals(t, "--store-dsn", dsn, "--config", cfg)
	if err := redeliverNowRun(ctx, g, &ordersRedeliverOptions{failed: true, after: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "2 deliveries sent: 2 accepted") || rcv.Stats().Accepted != 2 {
		t.Fatalf("redeliver --failed: %s, erp %+v", out, rcv.Stats())
	}
	st, err := store.Open(ctx, "sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if left, _ := st.OldPendingDeliveries(ctx, nil, time.Time{}, 0); len(left) != 0 {
		t.Fatalf("still pending after redeliver: %d", len(left))
	}
}
