package workflows

import (
	"context"

	"go.temporal.io/sdk/client"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

// Redeliver marks a shop's deliveries (one order's when orderID is set)
// pending again, under their delivery ids, so an ERP that already applied
// one acknowledges it as a duplicate. Only an order pull dispatches
// deliveries, so it then signals the shop's long-running pull to do it now;
// signalled is false when none answered (none runs, or c is nil because
// Temporal is out of reach), and the next pull of the shop sends them.
// Nothing to requeue is ENotFound.
func Redeliver(ctx context.Context, c client.Client, st store.Store, shop domain.ShopRef, orderID string) (requeued int, signalled bool, err error) {
	n, err := st.RequeueDeliveries(ctx, shop, orderID)
	if err != nil {
		return 0, false, err
	}
	if n == 0 {
		what := shop.String()
		if orderID != "" {
			what = "order " + orderID + " of " + shop.String()
		}
		return 0, false, domain.Errorf(domain.ENotFound, "%s has no deliveries to send again", what)
	}
	if c != nil {
		signalled = c.SignalWorkflow(ctx, OrderPullID(shop), "", SignalPullNow, nil) == nil
	}
	return n, signalled, nil
}
