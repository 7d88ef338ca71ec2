package cli

import (
	"context"
	"fmt"
	"slices"
	"strconv"

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
	var status string
	cmd := &cobra.Command{
		Use:   "listings --shop CHANNEL/SHOP",
		Short: "Show a shop's listing map: platform ids, what was last pushed, review status and the last error",
		Long: `listings shows, per master SKU, the platform item and SKU ids, the price and stock last
pushed ("-" while nothing was pushed), the listing status (pending, in_review, rejected,
on_sale, delisted, failed, removed), the commission the product has in the shop's promotion
pool (POOL; shops with a commission policy on Kuaishou, Douyin, WeChat 优选联盟) and the reason
of the last failure (a review rejection's is the platform's own). --status failed lists what
the next push retries. With -o json each listing has "pushed": false until it was pushed, and
"pool_rate_bp" while its product is in the pool.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.status = domain.ListingStatus(status); o.status != "" && !slices.Contains(listingStatuses, o.status) {
				return usageError{fmt.Errorf("--status must be one of %s, not %q", statusList(), status)}
			}
			return runF(cmd.Context(), g, o)
		},
	}
	shopFlagVar(cmd, &o.shop)
	cmd.Flags().StringVar(&status, "status", "", "only listings in this status")
	cmd.Flags().StringVar(&o.after, "after", "", "start after this SKU code (paging)")
	cmd.Flags().IntVar(&o.limit, "limit", 100, "listings to show")
	return cmd
}

// listingStatuses are the statuses --status takes (and completes).
var listingStatuses = []domain.ListingStatus{domain.ListingPending, domain.ListingInReview, domain.ListingRejected,
	domain.ListingOnSale, domain.ListingDelisted, domain.ListingFailed, domain.ListingRemoved, domain.ListingHeld}

// statusList is listingStatuses as prose: "pending, in_review, … or removed".
func statusList() string {
	names := make([]string, len(listingStatuses))
	for i, s := range listingStatuses {
		names[i] = string(s)
	}
	return orList(names)
}

// listingRow is a listing as -o json prints it: Pushed is false while
// nothing was ever pushed (its price and stock are then not the channel's).
type listingRow struct {
	domain.ChannelListing
	Pushed bool `json:"pushed"`
}

func listingsRun(ctx context.Context, g *globals, o *listingsOptions) error {
	st, err := g.openStoreRead(ctx)
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
	if g.json() {
		rows := make([]listingRow, 0, len(ls))
		for _, l := range ls {
			rows = append(rows, listingRow{ChannelListing: l, Pushed: !l.PushedAt.IsZero()})
		}
		return g.printJSON(rows)
	}
	tw := newTable(g.io.Out)
	tw.row("SKU", "PRODUCT", "ITEM ID", "SKU ID", "PRICE", "STOCK", "STATUS", "POOL", "LAST ERROR")
	for _, l := range ls {
		// Never pushed: there is no price or stock on the channel to show.
		price, stock, pool := "-", "-", "-"
		if !l.PushedAt.IsZero() {
			price, stock = l.Price.Yuan(), strconv.Itoa(l.Stock)
		}
		if l.PoolRate > 0 {
			pool = domain.FormatRate(l.PoolRate) // the commission in the shop's promotion pool
		}
		tw.row(l.SKUCode, l.ProductCode, l.ItemID, l.PlatformSKUID, price, stock, l.Status, pool, l.LastError)
	}
	if err := tw.flush(); err != nil {
		return err
	}
	if len(ls) == o.limit && o.limit > 0 {
		fmt.Fprintf(g.io.Err, "… more may follow; use --after %s\n", ls[len(ls)-1].SKUCode)
	}
	return nil
}
