package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

// DefaultFailedAfter is how long a delivery may wait for the ERP before
// `orders deliveries --failed` lists it.
const DefaultFailedAfter = 72 * time.Hour

func newOrdersDeliveriesCmd(g *globals) *cobra.Command {
	var failed bool
	var after time.Duration
	var shop domain.ShopRef
	cmd := &cobra.Command{
		Use:   "deliveries [--failed [--after 72h]] [--shop CHANNEL/SHOP]",
		Short: "List the order versions the ERP has not accepted (--failed: for longer than --after), with the last error",
		Long: `deliveries lists the webhooks the ERP has not accepted yet, oldest first: the delivery id (the
ERP's idempotency key), the order and its revision, how long it waits, the attempts and the ERP's
last answer. Every one of them is still being retried by its ERPDelivery workflow. With --failed
only those waiting longer than --after (default 72h) are listed, and the command exits 3 while
any are, so ops can schedule it. 'syncctl orders redeliver --shop S [--order ID]' sends them
again now.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if after <= 0 {
				return usageError{fmt.Errorf("--after must be positive, not %s", after)}
			}
			return deliveriesRun(cmd.Context(), g, failed, after, shop)
		},
	}
	cmd.Flags().BoolVar(&failed, "failed", false, "only deliveries waiting longer than --after (exit 3 while any)")
	cmd.Flags().DurationVar(&after, "after", DefaultFailedAfter, "with --failed: how long a delivery may wait")
	cmd.Flags().Var((*shopValue)(&shop), "shop", "only this shop (CHANNEL/SHOP)")
	return cmd
}

func deliveriesRun(ctx context.Context, g *globals, failed bool, after time.Duration, shop domain.ShopRef) error {
	st, err := g.openStoreRead(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	var before time.Time
	if failed {
		before = time.Now().Add(-after)
	}
	var only *domain.ShopRef
	if shop.Channel != "" {
		only = &shop
	}
	ds, err := st.OldPendingDeliveries(ctx, only, before, 500)
	if err != nil {
		return err
	}
	if g.json() {
		type row struct {
			ID             string           `json:"id"`
			Event          store.OrderEvent `json:"event"`
			Shop           domain.ShopRef   `json:"shop"`
			OrderID        string           `json:"order_id"`
			Revision       int              `json:"revision"`
			Attempts       int              `json:"attempts"`
			LastHTTPStatus int              `json:"last_http_status,omitempty"`
			LastError      string           `json:"last_error,omitempty"`
			CreatedAt      time.Time        `json:"created_at"`
		}
		out := make([]row, 0, len(ds))
		for _, d := range ds {
			out = append(out, row{d.ID, d.Event, d.Shop, d.PlatformOrderID, d.Revision, d.Attempts, d.LastHTTPStatus, d.LastError, d.CreatedAt})
		}
		if err := g.printJSON(out); err != nil {
			return err
		}
	} else if len(ds) == 0 {
		if failed {
			fmt.Fprintf(g.io.Out, "no delivery has waited for the ERP longer than %s\n", after)
		} else {
			fmt.Fprintln(g.io.Out, "the ERP has accepted every delivery")
		}
	} else {
		tw := newTable(g.io.Out)
		tw.row("DELIVERY", "SHOP", "ORDER", "REV", "EVENT", "WAITING", "ATTEMPTS", "HTTP", "LAST ERROR")
		for _, d := range ds {
			httpStatus := "-"
			if d.LastHTTPStatus > 0 {
				httpStatus = fmt.Sprint(d.LastHTTPStatus)
			}
			tw.row(d.ID, d.Shop.String(), d.PlatformOrderID, d.Revision, string(d.Event), time.Since(d.CreatedAt).Round(time.Minute).String(),
				d.Attempts, httpStatus, safeText(d.LastError))
		}
		if err := tw.flush(); err != nil {
			return err
		}
	}
	if failed && len(ds) > 0 {
		return partialError{fmt.Sprintf("%d deliveries have waited for the ERP longer than %s", len(ds), after)}
	}
	return nil
}
