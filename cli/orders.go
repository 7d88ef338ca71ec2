package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/syncctl/syncctl/config"
	"github.com/syncctl/syncctl/connectors/httpx"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/erp"
	"github.com/syncctl/syncctl/store"
	"github.com/syncctl/syncctl/workflows"
)

func newOrdersCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "orders", Short: "Pull orders from shops into the ERP; list, inspect and redeliver them"}
	cmd.AddCommand(newOrdersPullCmd(g, nil), newOrdersListCmd(g, nil), newOrdersRejectedCmd(g, nil), newOrdersRedeliverCmd(g, nil), newOrdersDeliveriesCmd(g), newOrdersBackfillCmd(g))
	return cmd
}

// ordersPullOptions are the flags of `syncctl orders pull`.
type ordersPullOptions struct {
	shop     domain.ShopRef
	once     bool
	interval time.Duration // 0 = the configuration's
	timeout  time.Duration // with once; 0 = wait until done
}

// orderPullInput is a shop's order pull as the configuration tunes it.
func orderPullInput(shop domain.ShopRef, o domain.PullPolicy) workflows.OrderPullInput {
	return workflows.OrderPullInput{Shop: shop, PullPolicy: o}
}

// checkInterval refuses a --interval the user gave that is not positive
// (when not given it stays 0: the configuration's).
func checkInterval(cmd *cobra.Command, interval time.Duration) error {
	if cmd.Flags().Changed("interval") && interval <= 0 {
		return usageError{fmt.Errorf("--interval must be positive, not %s", interval)}
	}
	return nil
}

func newOrdersPullCmd(g *globals, runF runFunc[ordersPullOptions]) *cobra.Command {
	if runF == nil {
		runF = ordersPullRun
	}
	o := &ordersPullOptions{}
	cmd := &cobra.Command{
		Use:   "pull --shop CHANNEL/SHOP",
		Short: "Start the shop's long-running order pull (or --once: pull until caught up, deliver, exit)",
		Long: `pull starts the shop's long-running order pull and prints its workflow id and run id.
With --once it pulls until caught up, waits for the ERP deliveries and prints what it did;
exit code 3 when some platform orders were rejected (the latest reasons are printed; the
workflow's progress and history have them too). Interval, overlap, lag, window and initial lookback come from
the config's orders section; --interval overrides the interval.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkInterval(cmd, o.interval); err != nil {
				return err
			}
			return runF(cmd.Context(), g, o)
		},
	}
	shopFlagVar(cmd, &o.shop)
	fl := cmd.Flags()
	fl.BoolVar(&o.once, "once", false, "pull until caught up, wait for the ERP deliveries, then exit")
	fl.DurationVar(&o.interval, "interval", 0, "time between pulls of the long-running pull (default: the config's orders.interval, 1m)")
	fl.DurationVar(&o.timeout, "timeout", 0, "with --once: give up waiting after this long (0 = wait until done); the pull itself goes on")
	return cmd
}

func ordersPullRun(ctx context.Context, g *globals, o *ordersPullOptions) error {
	cfg, err := g.load()
	if err != nil {
		return err
	}
	if o.interval > 0 {
		cfg.Orders.Interval = o.interval
	}
	in := orderPullInput(o.shop, cfg.Orders)
	in.Once = o.once
	id := workflows.OrderPullID(o.shop)
	if o.once {
		id = workflows.OrderPullOnceID(o.shop, time.Now())
	}
	c, run, err := g.startWorkflowWith(ctx, cfg, o.shop, id, workflows.OrderPullWorkflowName, in)
	if err != nil {
		return err
	}
	defer c.Close()
	if !o.once {
		return g.printStarted(id, "pull", run)
	}
	fmt.Fprintf(g.io.Err, "order pull %s (run %s)\n", id, run.GetRunID())
	st, err := waitForPull(ctx, g, cfg, c, o.shop, id, run, o.timeout)
	if err != nil {
		return err
	}
	return printPullResult(g, id, o.shop, st)
}

// printPullResult prints a finished one-shot pull (the rejection reasons on
// stderr) and fails as partial when platform orders were rejected.
func printPullResult(g *globals, id string, shop domain.ShopRef, st workflows.PullStats) error {
	if g.json() {
		if err := g.printJSON(st); err != nil {
			return err
		}
	} else {
		newest := ""
		if !st.NewestOrder.IsZero() {
			newest = fmt.Sprintf("; newest order %s (%s behind the clock)", st.NewestOrder.Format(time.RFC3339), st.Lag.Round(time.Second))
		}
		fmt.Fprintf(g.io.Out, "%s: %d orders seen, %d new, %d updated, %d rejected, %d deliveries started, %d delivered, %d platform calls; cursor %s%s\n",
			shop, st.Seen, st.Created, st.Updated, st.Rejected, st.Dispatched, st.Delivered, st.Calls, st.Cursor.Format(time.RFC3339), newest)
		for _, r := range st.Recent {
			fmt.Fprintln(g.io.Err, "  rejected:", safeText(r))
		}
	}
	if st.Rejected > 0 {
		return partialError{fmt.Sprintf("%s: %d platform orders rejected", id, st.Rejected)}
	}
	return nil
}

// pullWaitTick is how often a one-shot pull's wait asks what it waits for.
const pullWaitTick = 3 * time.Second

// waitForPull waits for a one-shot pull, saying on stderr what it waits
// for: while the ERP has not accepted every delivery it prints how many
// are pending and the ERP's last answer, whenever that changes. With a
// timeout it gives up waiting (the workflow goes on) with an error that
// says where things stand.
func waitForPull(ctx context.Context, g *globals, cfg config.Config, c client.Client, shop domain.ShopRef, id string, run client.WorkflowRun, timeout time.Duration) (workflows.PullStats, error) {
	var st workflows.PullStats
	// The store, opened once, tells the ERP's last answer while deliveries wait.
	var db store.Store
	if s, err := g.openStoreReadAt(ctx, cfg); err == nil {
		db = s
		defer db.Close()
	}
	done := make(chan error, 1)
	go func() { done <- run.Get(ctx, &st) }()
	var expire <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expire = t.C
	}
	tick := time.NewTicker(pullWaitTick)
	defer tick.Stop()
	said := ""
	for {
		select {
		case err := <-done:
			return st, err
		case <-expire:
			msg := said
			if msg == "" {
				msg = "still pulling"
			}
			return st, fmt.Errorf("gave up waiting after %s (%s); the pull goes on: see %s in the Web UI", timeout, msg, id)
		case <-tick.C:
			if line := pullWaitLine(ctx, c, db, shop, id); line != "" && line != said {
				fmt.Fprintln(g.io.Err, "  "+safeText(line))
				said = line
			}
		}
	}
}

// pullWaitLine says what a one-shot pull waits for ("" while it pulls).
func pullWaitLine(ctx context.Context, c client.Client, db store.Store, shop domain.ShopRef, id string) string {
	v, err := c.QueryWorkflow(ctx, id, "", workflows.QueryProgress)
	if err != nil {
		return ""
	}
	var p workflows.PullStats
	if v.Get(&p) != nil {
		return ""
	}
	if p.LastError != "" {
		return "retrying: " + p.LastError
	}
	if p.Pending == 0 {
		return ""
	}
	line := fmt.Sprintf("waiting for the ERP to accept %s", plural(p.Pending, "delivery", "deliveries"))
	if db == nil {
		return line
	}
	// The shop's oldest pending delivery (every pending one was dispatched
	// before an hour from now).
	refs, err := db.PendingDeliveryRefs(ctx, shop, time.Now().Add(time.Hour), 1)
	if err != nil || len(refs) == 0 {
		return line
	}
	if d, err := db.GetDelivery(ctx, refs[0].ID); err == nil && d.Attempts > 0 {
		line += fmt.Sprintf(" (%d attempts so far; last answer: %s)", d.Attempts, erpAnswer(d.LastError, d.LastHTTPStatus))
	}
	return line
}

// ordersListOptions are the flags of `syncctl orders list`.
type ordersListOptions struct {
	shop  domain.ShopRef
	limit int // 0 = all
}

// newOrdersListCmd shows the order index: what syncctl has pulled of a shop.
func newOrdersListCmd(g *globals, runF runFunc[ordersListOptions]) *cobra.Command {
	if runF == nil {
		runF = ordersListRun
	}
	o := &ordersListOptions{}
	cmd := &cobra.Command{
		Use:   "list --shop CHANNEL/SHOP",
		Short: "List a shop's pulled orders, newest change first, with their revision and ERP delivery state",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runF(cmd.Context(), g, o)
		},
	}
	shopFlagVar(cmd, &o.shop)
	cmd.Flags().IntVar(&o.limit, "limit", 50, "orders to show (0 = all)")
	return cmd
}

func ordersListRun(ctx context.Context, g *globals, o *ordersListOptions) error {
	st, err := g.openStoreRead(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	recs, err := st.ListOrders(ctx, o.shop, o.limit)
	if err != nil {
		return err
	}
	if err := printOrders(g, recs); err != nil {
		return err
	}
	if o.limit > 0 && len(recs) == o.limit {
		fmt.Fprintf(g.io.Err, "… the newest %d shown; more may follow (--limit 0 shows all)\n", o.limit)
	}
	return nil
}

// orderDeliveryJSON is where an order's webhooks stand, as -o json prints
// it: the state in a word and the numbers behind it.
type orderDeliveryJSON struct {
	State string `json:"state"` // delivered, pending, failing or none
	store.OrderDelivery
}

// printOrders prints indexed orders, or their JSON with the bookkeeping.
func printOrders(g *globals, recs []store.OrderRecord) error {
	if g.json() {
		type row struct {
			Order     domain.SalesOrder `json:"order"`
			Revision  int               `json:"revision"`
			Versions  int               `json:"versions"`
			FirstSeen time.Time         `json:"first_seen"`
			UpdatedAt time.Time         `json:"updated_at"`
			Delivery  orderDeliveryJSON `json:"delivery"`
		}
		out := make([]row, 0, len(recs))
		for _, r := range recs {
			out = append(out, row{r.Order, r.Revision, r.Versions, r.FirstSeen, r.UpdatedAt, orderDeliveryJSON{r.Delivery.State(), r.Delivery}})
		}
		return g.printJSON(out)
	}
	tw := newTable(g.io.Out)
	tw.row("ORDER", "STATUS", "PLATFORM STATUS", "PAID", "LINES", "VERSIONS", "MODIFIED", "DELIVERY")
	for _, r := range recs {
		o := r.Order
		tw.row(o.PlatformOrderID, o.Status, o.PlatformStatus, o.Amounts.Paid.Yuan(), len(o.Lines), r.Versions,
			o.ModifiedAt.Format(time.RFC3339), deliveryText(r.Delivery))
	}
	return tw.flush()
}

// deliveryText is an order's ERP delivery state for the table: "delivered
// r2", "pending r3", "failing r3 (HTTP 503: erp maintenance)", "none".
func deliveryText(d store.OrderDelivery) string {
	switch st := d.State(); st {
	case "delivered":
		return fmt.Sprintf("delivered v%d", d.DeliveredVersion)
	case "pending", "failing":
		s := st + " (" + plural(d.Pending, "version", "versions") + ")"
		if d.LastError != "" {
			s = st + " (" + cutToWidth(erpAnswer(d.LastError, 0), 50) + ")"
		}
		if d.DeliveredVersion > 0 {
			s += fmt.Sprintf("; v%d delivered", d.DeliveredVersion)
		}
		return s
	default:
		return st
	}
}

// erpAnswer is the ERP's last answer to a delivery, in a few words.
func erpAnswer(lastError string, httpStatus int) string {
	switch {
	case lastError != "":
		return erp.Answer(lastError)
	case httpStatus != 0:
		return fmt.Sprintf("HTTP %d", httpStatus)
	}
	return "none yet"
}

// ordersRejectedOptions are the flags of `syncctl orders rejected`.
type ordersRejectedOptions struct {
	shop domain.ShopRef
}

// newOrdersRejectedCmd shows the platform orders a pull could not map.
func newOrdersRejectedCmd(g *globals, runF runFunc[ordersRejectedOptions]) *cobra.Command {
	if runF == nil {
		runF = ordersRejectedRun
	}
	o := &ordersRejectedOptions{}
	cmd := &cobra.Command{
		Use:   "rejected --shop CHANNEL/SHOP",
		Short: "List the shop's platform orders that could not be mapped, with the field and reason",
		Long: `rejected lists the shop's platform orders that a pull read but could not map (a field
missing or malformed), with the reason. They are not lost: each pull reads them again,
and the first that maps one removes it from this list and delivers it. Exit code 3 while
the list is not empty, so a monitoring script can alert on it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runF(cmd.Context(), g, o)
		},
	}
	shopFlagVar(cmd, &o.shop)
	return cmd
}

func ordersRejectedRun(ctx context.Context, g *globals, o *ordersRejectedOptions) error {
	st, err := g.openStoreRead(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	rej, err := st.OrderRejections(ctx, o.shop, 0)
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
		tw := newTable(g.io.Out)
		tw.row("ORDER", "SEEN", "LAST SEEN", "REASON")
		for _, r := range rej {
			tw.row(r.PlatformOrderID, r.Seen, r.LastSeen.Format(time.RFC3339), r.Reason)
		}
		if err := tw.flush(); err != nil {
			return err
		}
	}
	if len(rej) > 0 {
		return partialError{fmt.Sprintf("%s: %d platform orders could not be mapped", o.shop, len(rej))}
	}
	return nil
}

// ordersRedeliverOptions are the flags of `syncctl orders redeliver`.
type ordersRedeliverOptions struct {
	shop       domain.ShopRef
	orderID    string        // "" = every delivery of the shop
	deliveryID string        // send this delivery now, from here
	failed     bool          // send now every delivery waiting longer than after
	after      time.Duration // with failed
}

// newOrdersRedeliverCmd queues a shop's (or one order's) deliveries again.
func newOrdersRedeliverCmd(g *globals, runF runFunc[ordersRedeliverOptions]) *cobra.Command {
	if runF == nil {
		runF = ordersRedeliverRun
	}
	o := &ordersRedeliverOptions{}
	cmd := &cobra.Command{
		Use:   "redeliver --shop CHANNEL/SHOP [--order ID] | --delivery ID | --failed [--after 72h]",
		Short: "Send webhooks to the ERP again, under the same delivery ids: a shop's, an order's, one delivery, or the failed ones",
		Long: `redeliver marks the deliveries of a shop, or of one order with --order, pending again.
They keep their delivery ids (X-Syncctl-Delivery), so an ERP that already applied one
acknowledges it as a duplicate. The shop's order pull dispatches them: redeliver asks
the running long-running pull to do it now, or the next 'orders pull' will.

--delivery ID sends one delivery now, from this command, to the configuration's erp.url;
--failed sends now every delivery that has waited for the ERP longer than --after (default
72h; 'orders deliveries --failed' lists them). A version whose order has an earlier one
pending is left for after it: the ERP gets an order's versions in order.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			now := o.deliveryID != "" || o.failed
			switch {
			case now && cmd.Flags().Changed("shop"):
				return usageError{errors.New("--delivery and --failed go without --shop")}
			case !now && !cmd.Flags().Changed("shop"):
				return usageError{errors.New("name --shop (with --order), --delivery ID or --failed")}
			case o.deliveryID != "" && o.failed:
				return usageError{errors.New("--delivery or --failed, not both")}
			}
			if now {
				return redeliverNowRun(cmd.Context(), g, o)
			}
			return runF(cmd.Context(), g, o)
		},
	}
	cmd.Flags().Var((*shopValue)(&o.shop), "shop", "CHANNEL/SHOP, e.g. tmall/flagship")
	cmd.Flags().StringVar(&o.orderID, "order", "", "only this platform order id")
	cmd.Flags().StringVar(&o.deliveryID, "delivery", "", "send this delivery now (dlv_…)")
	cmd.Flags().BoolVar(&o.failed, "failed", false, "send now every delivery waiting longer than --after")
	cmd.Flags().DurationVar(&o.after, "after", DefaultFailedAfter, "with --failed: how long a delivery may wait")
	return cmd
}

func ordersRedeliverRun(ctx context.Context, g *globals, o *ordersRedeliverOptions) error {
	cfg, err := g.load()
	if err != nil {
		return err
	}
	st, err := g.openStoreAt(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	var c client.Client // nil when Temporal is out of reach: the next pull sends them
	if dialed, _, err := g.dialWith(ctx, cfg); err == nil {
		defer dialed.Close()
		c = dialed
	}
	n, signalled, err := workflows.Redeliver(ctx, c, st, o.shop, o.orderID)
	if err != nil {
		return err
	}
	if g.json() {
		return g.printJSON(map[string]any{"requeued": n, "pull_signalled": signalled})
	}
	fmt.Fprintf(g.io.Out, "%d deliveries of %s queued again", n, o.shop)
	if signalled {
		fmt.Fprintf(g.io.Out, "; the running pull %s sends them now\n", workflows.OrderPullID(o.shop))
	} else {
		fmt.Fprintf(g.io.Out, "; no long-running pull answered: run 'syncctl orders pull --shop %s --once' to send them\n", o.shop)
	}
	return nil
}

// redeliverNowRun sends deliveries from this command: one by id, or every
// one waiting longer than --after, oldest first, each recorded like a
// workflow's attempt (its workflow then finds it delivered).
func redeliverNowRun(ctx context.Context, g *globals, o *ordersRedeliverOptions) error {
	cfg, err := g.load()
	if err != nil {
		return err
	}
	if cfg.ERP.URL == "" {
		return usageError{errors.New("--delivery and --failed send from here: the configuration needs erp.url (and its secret)")}
	}
	secret, err := cfg.ERPSecret()
	if err != nil {
		return usageError{err}
	}
	erpClient, err := erp.NewClient(cfg.ERP.URL, secret, httpx.New(httpx.Options{}))
	if err != nil {
		return err
	}
	st, err := g.openStoreAt(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	var ds []store.Delivery
	if o.deliveryID != "" {
		d, err := st.GetDelivery(ctx, o.deliveryID)
		if err != nil {
			return err
		}
		ds = append(ds, d)
	} else if ds, err = st.OldPendingDeliveries(ctx, nil, time.Now().Add(-o.after), 0); err != nil {
		return err
	}
	sent, refused, waiting := 0, 0, 0
	for _, d := range ds {
		if older, err := st.OlderPending(ctx, d.ID); err != nil {
			return err
		} else if older != "" {
			waiting++
			fmt.Fprintf(g.io.Err, "%s waits for %s, an earlier version of order %s\n", d.ID, older, d.PlatformOrderID)
			continue
		}
		res, sendErr := erpClient.Deliver(ctx, d)
		errText := ""
		if sendErr != nil {
			errText = sendErr.Error()
		}
		if err := st.RecordDeliveryAttempt(ctx, d.ID, res.Accepted, res.HTTPStatus, errText); err != nil {
			return err
		}
		if sendErr != nil || !res.Accepted {
			refused++
			fmt.Fprintf(g.io.Err, "%s: %s\n", d.ID, erpAnswer(errText, res.HTTPStatus))
			continue
		}
		sent++
	}
	if g.json() {
		if err := g.printJSON(map[string]int{"accepted": sent, "refused": refused, "waiting": waiting}); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(g.io.Out, "%d deliveries sent: %d accepted by the ERP, %d refused, %d waiting for an earlier version\n", len(ds), sent, refused, waiting)
	}
	if refused > 0 {
		return partialError{fmt.Sprintf("the ERP refused %d deliveries (their workflows keep retrying)", refused)}
	}
	return nil
}
