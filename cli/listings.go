package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/syncctl/syncctl/domain"
)

// listingsOptions are the flags of `syncctl listings`.
type listingsOptions struct {
	shop   domain.ShopRef
	status domain.ListingStatus // "" = every status
	after  string
	limit  int
}

// newListingsCmd shows the listing map of a shop: what syncctl pushed where.
func newListingsCmd(g *globals, runF runFunc[listingsOptions]) *cobra.Command {
	if runF == nil {
		runF = listingsRun
	}
	o := &listingsOptions{}
	var shopFlag, status string
	cmd := &cobra.Command{
		Use:   "listings --shop CHANNEL/SHOP",
		Short: "Show a shop's listing map: platform ids, what was last pushed, review status and the last error",
		Long: `listings shows, per master SKU, the platform item and SKU ids, the price and stock last
pushed, the listing status (pending, in_review, rejected, on_sale, delisted, failed) and
the reason of the last failure. --status failed lists what the next push retries.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch o.status = domain.ListingStatus(status); o.status {
			case "", domain.ListingPending, domain.ListingInReview, domain.ListingRejected, domain.ListingOnSale, domain.ListingDelisted, domain.ListingFailed, domain.ListingRemoved:
			default:
				return usageError{fmt.Errorf("--status must be one of pending, in_review, rejected, on_sale, delisted, failed, removed, not %q", status)}
			}
			var err error
			if o.shop, err = parseShop(shopFlag); err != nil {
				return err
			}
			return runF(cmd.Context(), g, o)
		},
	}
	shopFlagVar(cmd, &shopFlag)
	cmd.Flags().StringVar(&status, "status", "", "only listings in this status")
	cmd.Flags().StringVar(&o.after, "after", "", "start after this SKU code (paging)")
	cmd.Flags().IntVar(&o.limit, "limit", 100, "listings to show")
	return cmd
}

func listingsRun(ctx context.Context, g *globals, o *listingsOptions) error {
	st, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	var ls []domain.ChannelListing
	if o.status == "" {
		ls, err = st.ListListings(ctx, o.shop, o.after, o.limit)
	} else {
		ls, err = st.ListingsInStatus(ctx, o.shop, o.status, o.after, o.limit)
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
	if len(ls) == o.limit && o.limit > 0 {
		fmt.Fprintf(g.io.Err, "… more may follow; use --after %s\n", ls[len(ls)-1].SKUCode)
	}
	return nil
}
