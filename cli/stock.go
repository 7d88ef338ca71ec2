package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping/pricing"
	"github.com/syncctl/syncctl/workflows"
)

// reserveOptions are the flags of `syncctl stock reserve`.
type reserveOptions struct {
	shop        domain.ShopRef
	sku         string
	qty         int
	from, until string
	by          string
}

func newStockCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "stock",
		Short: "Reserve stock for a live stream, list reservations, release one early",
	}
	o := &reserveOptions{}
	reserve := &cobra.Command{
		Use:   "reserve --shop CHANNEL/SHOP --sku SKU --qty N --from TIME --until TIME",
		Short: "Dedicate units of a SKU to one shop for a window (a live stream)",
		Long: `reserve dedicates --qty units of a SKU to one shop from --from until --until. During the
window every other shop offers that much less of the SKU (the stock allocation takes the
reservation off the pool first), the reserved shop keeps it, and the shop's own orders consume
it first. At --until (a durable timer in the StockReservation workflow) what is left goes back
to every shop; 'syncctl stock release ID' ends it early. Times are China time ("2026-12-12
20:00") or RFC 3339; --from defaults to now.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return stockReserveRun(cmd.Context(), g, o) },
	}
	shopFlagVar(reserve, &o.shop)
	fl := reserve.Flags()
	fl.StringVar(&o.sku, "sku", "", "the SKU code (required)")
	fl.IntVar(&o.qty, "qty", 0, "units to reserve (required)")
	fl.StringVar(&o.from, "from", "", "start of the window (default now)")
	fl.StringVar(&o.until, "until", "", "end of the window (required)")
	fl.StringVar(&o.by, "by", "", "who reserves (default: the OS user)")
	_ = reserve.MarkFlagRequired("sku")
	_ = reserve.MarkFlagRequired("qty")
	_ = reserve.MarkFlagRequired("until")

	var all bool
	list := &cobra.Command{
		Use:   "reservations",
		Short: "List the open reservations (--all: released ones too)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return stockListRun(cmd.Context(), g, all) },
	}
	list.Flags().BoolVar(&all, "all", false, "released reservations too")
	release := &cobra.Command{
		Use:   "release ID",
		Short: "End a reservation now: what it still holds goes back to every shop",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return stockReleaseRun(cmd.Context(), g, args[0]) },
	}
	cmd.AddCommand(reserve, list, release)
	return cmd
}

func stockReserveRun(ctx context.Context, g *globals, o *reserveOptions) error {
	if o.qty <= 0 {
		return usageError{fmt.Errorf("--qty must be more than 0, not %d", o.qty)}
	}
	from := time.Now()
	if o.from != "" {
		t, err := parseChinaTime(o.from)
		if err != nil {
			return usageError{fmt.Errorf("--from: %w", err)}
		}
		from = t
	}
	until, err := parseChinaTime(o.until)
	if err != nil {
		return usageError{fmt.Errorf("--until: %w", err)}
	}
	o.by = operator(o.by)
	cfg, err := g.load()
	if err != nil {
		return err
	}
	// The workflow is reachable before anything is recorded: a reservation
	// without its timers would never give its units back.
	c, _, err := g.dialWith(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	st, err := g.openStoreAt(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := st.AddReservation(ctx, domain.StockReservation{Shop: o.shop, SKUCode: o.sku, Units: o.qty, From: from, Until: until, By: o.by})
	if err != nil {
		if domain.ErrorCode(err) == domain.EInvalid {
			return usageError{err}
		}
		return err
	}
	if _, err := workflows.Reserve(ctx, c, workflows.TaskQueue, r); err != nil {
		// Without its workflow the reservation must not hold units.
		_, _ = st.ReleaseReservation(context.WithoutCancel(ctx), r.ID, time.Now())
		return fmt.Errorf("reservation #%d: start its workflow: %w (released again)", r.ID, err)
	}
	if g.json() {
		return g.printJSON(r)
	}
	cst := pricing.ChinaTime()
	fmt.Fprintf(g.io.Out, "reservation #%d: %d × %s for %s from %s until %s (workflow %s)\n", r.ID, r.Units, r.SKUCode, r.Shop,
		r.From.In(cst).Format("2006-01-02 15:04"), r.Until.In(cst).Format("2006-01-02 15:04"), workflows.StockReservationID(r.ID))
	return nil
}

func stockListRun(ctx context.Context, g *globals, all bool) error {
	st, err := g.openStoreRead(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	rs, err := st.ListReservations(ctx, all, 200)
	if err != nil {
		return err
	}
	if g.json() {
		if rs == nil {
			rs = []domain.StockReservation{}
		}
		return g.printJSON(rs)
	}
	if len(rs) == 0 {
		fmt.Fprintln(g.io.Out, "no open reservation (--all shows released ones)")
		return nil
	}
	cst := pricing.ChinaTime()
	tw := newTable(g.io.Out)
	tw.row("ID", "SHOP", "SKU", "UNITS", "CONSUMED", "LEFT", "FROM", "UNTIL", "STATUS", "BY")
	for _, r := range rs {
		tw.row(r.ID, r.Shop.String(), r.SKUCode, r.Units, r.Consumed, r.Remaining(), r.From.In(cst).Format("01-02 15:04"),
			r.Until.In(cst).Format("01-02 15:04"), string(r.Status), safeText(r.By))
	}
	return tw.flush()
}

func stockReleaseRun(ctx context.Context, g *globals, arg string) error {
	id, err := parseHoldID(arg)
	if err != nil {
		return usageError{fmt.Errorf("%q is not a reservation id (write the number `syncctl stock reservations` shows)", arg)}
	}
	cfg, err := g.load()
	if err != nil {
		return err
	}
	c, _, err := g.dialWith(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := workflows.ReleaseEarly(ctx, c, id); err != nil {
		st, serr := g.openStoreReadAt(ctx, cfg)
		if serr != nil {
			return err
		}
		defer st.Close()
		r, gerr := st.GetReservation(ctx, id)
		switch {
		case gerr != nil:
			return gerr
		case r.Status == domain.ReservationReleased:
			return domain.Errorf(domain.EConflict, "reservation #%d was released at %s", id, r.ReleasedAt.Format(time.RFC3339))
		}
		return fmt.Errorf("reservation #%d: %w", id, err)
	}
	fmt.Fprintf(g.io.Out, "reservation #%d released: its units go back to every shop (workflow %s)\n", id, workflows.StockReservationID(id))
	return nil
}
