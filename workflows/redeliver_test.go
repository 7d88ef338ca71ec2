package workflows_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/mocks"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
	_ "github.com/syncctl/syncctl/store/sqlite"
	"github.com/syncctl/syncctl/store/storetest"
	"github.com/syncctl/syncctl/workflows"
)

// Redeliver requeues in the store, then asks the shop's long-running pull
// (and only that one) to send them now.
func TestRedeliver(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite", filepath.Join(t.TempDir(), "syncctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	shop := domain.ShopRef{Channel: "tmall", Shop: "flagship"} // storetest.Order's shop
	for _, id := range []string{"3504329923814120471", "3504329923814120472"} {
		if _, err := st.UpsertOrder(ctx, storetest.Order(id, domain.OrderPaid)); err != nil {
			t.Fatal(err)
		}
	}
	refs, err := st.PendingDeliveryRefs(ctx, shop, time.Now(), 10)
	if err != nil || len(refs) != 2 {
		t.Fatalf("pending deliveries %v %v", refs, err)
	}
	for _, r := range refs {
		if err := st.RecordDeliveryAttempt(ctx, r.ID, true, 204, ""); err != nil {
			t.Fatal(err)
		}
	}
	pending := func() int {
		n, err := st.CountPendingDeliveries(ctx, shop)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	c := mocks.NewClient(t)
	c.On("SignalWorkflow", mock.Anything, "order-pull/tmall/flagship", "", workflows.SignalPullNow, nil).Return(nil).Once()
	n, signalled, err := workflows.Redeliver(ctx, c, st, shop, "3504329923814120471")
	if err != nil || n != 1 || !signalled || pending() != 1 {
		t.Fatalf("one order: requeued %d, signalled %v, %v; %d pending", n, signalled, err, pending())
	}

	// No pull running: requeued all the same, for the next pull to send.
	c = mocks.NewClient(t)
	c.On("SignalWorkflow", mock.Anything, "order-pull/tmall/flagship", "", workflows.SignalPullNow, nil).Return(errors.New("workflow not found")).Once()
	if n, signalled, err := workflows.Redeliver(ctx, c, st, shop, ""); err != nil || n != 2 || signalled || pending() != 2 {
		t.Fatalf("whole shop, no pull: requeued %d, signalled %v, %v", n, signalled, err)
	}
	// Temporal out of reach.
	if n, signalled, err := workflows.Redeliver(ctx, nil, st, shop, ""); err != nil || n != 2 || signalled {
		t.Fatalf("no client: requeued %d, signalled %v, %v", n, signalled, err)
	}
	// Nothing to send: not found, and no signal (the mock has no call to take).
	_, _, err = workflows.Redeliver(ctx, mocks.NewClient(t), st, shop, "404")
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.ENotFound || de.Text() != "order 404 of tmall/flagship has no deliveries to send again" {
		t.Fatalf("unknown order: %v", err)
	}
}
