package cli

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
	"github.com/syncctl/syncctl/workflows"
)

// shopStore parses --shop and opens the store, the start of every command
// that inspects one shop's state.
func (g *globals) shopStore(cmd *cobra.Command, shopFlag string) (domain.ShopRef, store.Store, error) {
	shop, err := parseShop(shopFlag)
	if err != nil {
		return shop, nil, err
	}
	st, err := g.openStore(cmd.Context())
	return shop, st, err
}

// newOrdersListCmd shows the order index: what syncctl has pulled of a shop.
func newOrdersListCmd(g *globals) *cobra.Command {
	var shopFlag string
	var limit int
	cmd := &cobra.Command{
		Use:   "list --shop CHANNEL/SHOP",
		Short: "List a shop's pulled orders, newest change first, with their revision and ERP delivery state",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			shop, st, err := g.shopStore(cmd, shopFlag)
			if err != nil {
				return err
			}
			defer st.Close()
			recs, err := st.ListOrders(cmd.Context(), shop, limit)
			if err != nil {
				return err
			}
			if g.json() {
				type row struct {
					Order     domain.SalesOrder `json:"order"`
					Revision  int               `json:"revision"`
					FirstSeen time.Time         `json:"first_seen"`
					UpdatedAt time.Time         `json:"updated_at"`
				}
				out := make([]row, 0, len(recs))
				for _, r := range recs {
					out = append(out, row{r.Order, r.Revision, r.FirstSeen, r.UpdatedAt})
				}
				return g.printJSON(out)
			}
			tw := tabwriter.NewWriter(g.io.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ORDER\tSTATUS\tPLATFORM STATUS\tPAID\tLINES\tREV\tMODIFIED")
			for _, r := range recs {
				o := r.Order
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\n", o.PlatformOrderID, o.Status, o.PlatformStatus, o.Amounts.Paid.Yuan(),
					len(o.Lines), r.Revision, o.ModifiedAt.Format(time.RFC3339))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if limit > 0 && len(recs) == limit {
				fmt.Fprintf(g.io.Err, "… the newest %d shown; more may follow (--limit 0 shows all)\n", limit)
			}
			return nil
		},
	}
	shopFlagVar(cmd, &shopFlag)
	cmd.Flags().IntVar(&limit, "limit", 50, "orders to show (0 = all)")
	return cmd
}

// newOrdersRejectedCmd shows the platform orders a pull could not map.
func newOrdersRejectedCmd(g *globals) *cobra.Command {
	var shopFlag string
	cmd := &cobra.Command{
		Use:   "rejected --shop CHANNEL/SHOP",
		Short: "List the shop's platform orders that could not be mapped, with the field and reason",
		Long: `rejected lists the shop's platform orders that a pull read but could not map (a field
missing or malformed), with the reason. They are not lost: each pull reads them again,
and the first that maps one removes it from this list and delivers it. Exit code 3 while
the list is not empty, so a monitoring script can alert on it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			shop, st, err := g.shopStore(cmd, shopFlag)
			if err != nil {
				return err
			}
			defer st.Close()
			rej, err := st.OrderRejections(cmd.Context(), shop, 0)
			if err != nil {
				return err
			}
			if rej == nil {
				rej = []store.OrderRejection{}
			}
			if g.json() {
				if err := g.printJSON(rej); err != nil {
					return err
				}
			} else {
				tw := tabwriter.NewWriter(g.io.Out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ORDER\tSEEN\tLAST SEEN\tREASON")
				for _, r := range rej {
					fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", r.PlatformOrderID, r.Seen, r.LastSeen.Format(time.RFC3339), r.Reason)
				}
				if err := tw.Flush(); err != nil {
					return err
				}
			}
			if len(rej) > 0 {
				return partialError{fmt.Sprintf("%s: %d platform orders could not be mapped", shop, len(rej))}
			}
			return nil
		},
	}
	shopFlagVar(cmd, &shopFlag)
	return cmd
}

// newOrdersRedeliverCmd queues a shop's (or one order's) deliveries again.
func newOrdersRedeliverCmd(g *globals) *cobra.Command {
	var shopFlag, orderID string
	cmd := &cobra.Command{
		Use:   "redeliver --shop CHANNEL/SHOP [--order ID]",
		Short: "Send a shop's (or one order's) webhooks to the ERP again, under the same delivery ids",
		Long: `redeliver marks the deliveries of a shop, or of one order with --order, pending again.
They keep their delivery ids (X-Syncctl-Delivery), so an ERP that already applied one
acknowledges it as a duplicate. The shop's order pull dispatches them: redeliver asks
the running long-running pull to do it now, or the next 'orders pull' will.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			shop, st, err := g.shopStore(cmd, shopFlag)
			if err != nil {
				return err
			}
			n, err := st.RequeueDeliveries(ctx, shop, orderID)
			st.Close()
			if err != nil {
				return err
			}
			if n == 0 {
				what := shop.String()
				if orderID != "" {
					what = "order " + orderID + " of " + shop.String()
				}
				return domain.Errorf(domain.ENotFound, "%s has no deliveries to send again", what)
			}
			signalled := false
			if c, _, err := g.dial(ctx); err == nil {
				signalled = c.SignalWorkflow(ctx, workflows.OrderPullID(shop), "", workflows.SignalPullNow, nil) == nil
				c.Close()
			}
			if g.json() {
				return g.printJSON(map[string]any{"requeued": n, "pull_signalled": signalled})
			}
			fmt.Fprintf(g.io.Out, "%d deliveries of %s queued again", n, shop)
			if signalled {
				fmt.Fprintf(g.io.Out, "; the running pull %s sends them now\n", workflows.OrderPullID(shop))
			} else {
				fmt.Fprintf(g.io.Out, "; no long-running pull answered: run 'syncctl orders pull --shop %s --once' to send them\n", shop)
			}
			return nil
		},
	}
	shopFlagVar(cmd, &shopFlag)
	cmd.Flags().StringVar(&orderID, "order", "", "only this platform order id")
	return cmd
}

// newListingsCmd shows the listing map of a shop: what syncctl pushed where.
func newListingsCmd(g *globals) *cobra.Command {
	var shopFlag, status, after string
	var limit int
	cmd := &cobra.Command{
		Use:   "listings --shop CHANNEL/SHOP",
		Short: "Show a shop's listing map: platform ids, what was last pushed, review status and the last error",
		Long: `listings shows, per master SKU, the platform item and SKU ids, the price and stock last
pushed, the listing status (pending, in_review, rejected, on_sale, delisted, failed) and
the reason of the last failure. --status failed lists what the next push retries.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch domain.ListingStatus(status) {
			case "", domain.ListingPending, domain.ListingInReview, domain.ListingRejected, domain.ListingOnSale, domain.ListingDelisted, domain.ListingFailed:
			default:
				return usageError{fmt.Errorf("--status must be one of pending, in_review, rejected, on_sale, delisted, failed, not %q", status)}
			}
			shop, st, err := g.shopStore(cmd, shopFlag)
			if err != nil {
				return err
			}
			defer st.Close()
			var ls []domain.ChannelListing
			if status == "" {
				ls, err = st.ListListings(cmd.Context(), shop, after, limit)
			} else {
				ls, err = st.ListingsInStatus(cmd.Context(), shop, domain.ListingStatus(status), after, limit)
			}
			if err != nil {
				return err
			}
			if ls == nil {
				ls = []domain.ChannelListing{}
			}
			if g.json() {
				return g.printJSON(ls)
			}
			tw := tabwriter.NewWriter(g.io.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SKU\tPRODUCT\tITEM ID\tSKU ID\tPRICE\tSTOCK\tSTATUS\tLAST ERROR")
			for _, l := range ls {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", l.SKUCode, l.ProductCode, l.ItemID, l.PlatformSKUID, l.Price.Yuan(), l.Stock, l.Status, l.LastError)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if len(ls) == limit && limit > 0 {
				fmt.Fprintf(g.io.Err, "… more may follow; use --after %s\n", ls[len(ls)-1].SKUCode)
			}
			return nil
		},
	}
	shopFlagVar(cmd, &shopFlag)
	cmd.Flags().StringVar(&status, "status", "", "only listings in this status")
	cmd.Flags().StringVar(&after, "after", "", "start after this SKU code (paging)")
	cmd.Flags().IntVar(&limit, "limit", 100, "listings to show")
	return cmd
}
