package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/syncctl/syncctl/app"
	"github.com/syncctl/syncctl/config"
	"github.com/syncctl/syncctl/connectors/httpx"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/erp"
	"github.com/syncctl/syncctl/workflows"
)

// dial loads the configuration and connects to its Temporal.
func (g *globals) dial(ctx context.Context) (client.Client, string, error) {
	cfg, err := g.load()
	if err != nil {
		return nil, "", err
	}
	return g.dialWith(ctx, cfg)
}

// dialWith connects to the Temporal of a configuration already loaded.
func (g *globals) dialWith(ctx context.Context, cfg config.Config) (client.Client, string, error) {
	c, err := client.DialContext(ctx, client.Options{HostPort: cfg.Temporal.Address, Namespace: cfg.Temporal.Namespace,
		Logger: sdklog.NewStructuredLogger(g.logger())})
	if err != nil {
		return nil, "", fmt.Errorf("connect to Temporal at %s: %w", cfg.Temporal.Address, err)
	}
	return c, cfg.Temporal.Namespace, nil
}

// startWorkflow dials Temporal and starts (or joins) a shop's workflow
// with this id on the shop's queue.
func (g *globals) startWorkflow(ctx context.Context, shop domain.ShopRef, id, name string, in any) (client.Client, client.WorkflowRun, error) {
	cfg, err := g.load()
	if err != nil {
		return nil, nil, err
	}
	return g.startWorkflowWith(ctx, cfg, shop, id, name, in)
}

// startWorkflowWith is startWorkflow with a configuration already loaded.
// When no worker polls the shop's queue it says so on stderr: the workflow
// waits for one instead of failing.
func (g *globals) startWorkflowWith(ctx context.Context, cfg config.Config, shop domain.ShopRef, id, name string, in any) (client.Client, client.WorkflowRun, error) {
	c, ns, err := g.dialWith(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	queue := workflows.ShopQueue(workflows.TaskQueue, shop)
	if len(app.Pollers(ctx, c, ns, queue)) == 0 {
		fmt.Fprintf(g.io.Err, "note: no worker serves shop %s yet (task queue %s): the workflow waits until a `syncctl worker` with this shop in its config starts\n", shop, queue)
	}
	run, err := workflows.Start(ctx, c, shop, id, name, in)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	return c, run, nil
}

// workerOptions are the flags of `syncctl worker`.
type workerOptions struct {
	taskQueue string
}

func newWorkerCmd(g *globals) *cobra.Command {
	o := &workerOptions{}
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run a syncctl worker for the configured shops against a Temporal cluster (--temporal-address)",
		Long: `worker serves the shops of --config on any Temporal cluster: for each shop it polls the
shop's own task queue (syncctl/<channel>/<shop>), so it never takes a task of a shop it does
not serve. Shops, the store and the ERP endpoint come from --config; credentials from the env
vars or files the config names. It refuses to start when a worker with another store already
serves one of its shops on the same Temporal.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runWorker(cmd.Context(), g, o) },
	}
	cmd.Flags().StringVar(&o.taskQueue, "task-queue", workflows.TaskQueue, "base task queue: each shop is served on BASE/<channel>/<shop>")
	return cmd
}

func runWorker(ctx context.Context, g *globals, o *workerOptions) error {
	cfg, err := g.load()
	if err != nil {
		return err
	}
	shopCfgs, err := cfg.ShopConfigs()
	if err != nil {
		return err
	}
	if len(shopCfgs) == 0 {
		return usageError{errors.New("no shops configured: a worker serves the shops of its --config (see the README's configuration section)")}
	}
	st, err := openStoreAt(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	var erpClient *erp.Client
	if cfg.ERP.URL != "" {
		secret, err := cfg.ERPSecret()
		if err != nil {
			return err
		}
		if erpClient, err = erp.NewClient(cfg.ERP.URL, secret, httpx.New(httpx.Options{})); err != nil {
			return err
		}
	}
	c, ns, err := g.dialWith(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := workflows.EnsureSearchAttributes(ctx, c, ns); err != nil {
		return err
	}
	w, err := app.NewWorker(app.WorkerOptions{Client: c, Namespace: ns, TaskQueue: o.taskQueue, Store: st,
		StoreID: app.StoreID(cfg.Store.Driver, cfg.Store.DSN), Shops: shopCfgs, ERP: erpClient, Logger: g.logger()})
	if err != nil {
		return err
	}
	if err := w.CheckQueues(ctx); err != nil {
		return err
	}
	var names []string
	for _, ref := range w.ShopRefs() {
		names = append(names, ref.String())
	}
	fmt.Fprintf(g.io.Err, "worker serving %s on %s (namespace %s, task queues %s/<channel>/<shop>)\n", domain.List(names), cfg.Temporal.Address, ns, o.taskQueue)
	return w.Run(ctx)
}

// shopFlagVar adds the required --shop CHANNEL/SHOP flag every shop command takes.
func shopFlagVar(cmd *cobra.Command, v *string) {
	cmd.Flags().StringVar(v, "shop", "", "CHANNEL/SHOP, e.g. tmall/flagship")
	_ = cmd.MarkFlagRequired("shop")
}

// orderPullInput is a shop's order pull as the configuration tunes it.
func orderPullInput(shop domain.ShopRef, o domain.PullPolicy) workflows.OrderPullInput {
	return workflows.OrderPullInput{Shop: shop, PullPolicy: o}
}

// applyInterval puts a --interval the user gave over the configuration's.
func applyInterval(cmd *cobra.Command, interval time.Duration, cfg *config.Config) error {
	if !cmd.Flags().Changed("interval") {
		return nil
	}
	if interval <= 0 {
		return usageError{fmt.Errorf("--interval must be positive, not %s", interval)}
	}
	cfg.Orders.Interval = interval
	return nil
}

func parseShop(s string) (domain.ShopRef, error) {
	ch, shop, ok := strings.Cut(s, "/")
	if !ok || ch == "" || shop == "" {
		return domain.ShopRef{}, usageError{fmt.Errorf("--shop must be CHANNEL/SHOP (e.g. tmall/flagship), not %q", s)}
	}
	return domain.ShopRef{Channel: ch, Shop: shop}, nil
}

// started is what a command that only starts a workflow prints with -o json.
type started struct {
	WorkflowID string `json:"workflow_id"`
	RunID      string `json:"run_id"`
}

func newPushCmd(g *globals) *cobra.Command {
	var shopFlag string
	var wait bool
	cmd := &cobra.Command{
		Use:   "push --shop CHANNEL/SHOP",
		Short: "Push the changed part of the catalog to a shop and show progress",
		Long: `push starts the shop's catalog push (or joins the one running) and waits for it, with a
progress bar on stderr when that is a terminal. Exit code 3 when some products failed.
With --wait=false it prints the workflow id and run id and returns.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			shop, err := parseShop(shopFlag)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			id := workflows.CatalogPushID(shop)
			c, run, err := g.startWorkflow(ctx, shop, id, workflows.CatalogPushWorkflowName, workflows.CatalogPushInput{Shop: shop})
			if err != nil {
				return err
			}
			defer c.Close()
			if !wait {
				return g.printStarted(id, run)
			}
			fmt.Fprintf(g.io.Err, "catalog push %s (run %s)\n", id, run.GetRunID())
			res, err := waitForPush(ctx, g, c, id, run)
			if err != nil {
				return err
			}
			if g.json() {
				if err := g.printJSON(res); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(g.io.Out, "%s: %d/%d products pushed, %d SKUs, %d failed, %d calls\n", id, res.Pushed, res.Total, res.SKUs, res.Failed, res.Calls)
				for _, f := range res.Failures {
					fmt.Fprintf(g.io.Out, "  failed %s: %s\n", f.Product, f.Reason)
				}
				if more := res.Failed - len(res.Failures); more > 0 {
					fmt.Fprintf(g.io.Out, "  … and %d more; every reason: syncctl listings --shop %s --status failed\n", more, shop)
				}
			}
			if res.Failed > 0 {
				return partialError{fmt.Sprintf("%s: %d products failed", id, res.Failed)}
			}
			return nil
		},
	}
	shopFlagVar(cmd, &shopFlag)
	cmd.Flags().BoolVar(&wait, "wait", true, "wait for the push to finish, showing progress")
	return cmd
}

// printStarted reports a workflow that was started and left running.
func (g *globals) printStarted(id string, run client.WorkflowRun) error {
	if g.json() {
		return g.printJSON(started{WorkflowID: id, RunID: run.GetRunID()})
	}
	fmt.Fprintf(g.io.Out, "started %s (run %s)\n", id, run.GetRunID())
	return nil
}

// waitForPush waits for the push, drawing a progress bar on stderr when it
// is a terminal (never on stdout, which carries only the result).
func waitForPush(ctx context.Context, g *globals, c client.Client, id string, run client.WorkflowRun) (workflows.PushProgress, error) {
	done := make(chan error, 1)
	var res workflows.PushProgress
	go func() { done <- run.Get(ctx, &res) }()
	if !isTerminal(g.io.Err) {
		return res, <-done
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	drawn := false
	for {
		select {
		case err := <-done:
			if drawn {
				fmt.Fprint(g.io.Err, "\r\033[K") // clear the bar's line
			}
			return res, err
		case <-tick.C:
			if v, err := c.QueryWorkflow(ctx, id, "", workflows.QueryProgress); err == nil {
				var p workflows.PushProgress
				if v.Get(&p) == nil {
					fmt.Fprintf(g.io.Err, "\r%s %d/%d products, %d failed", bar(p.Pushed+p.Failed, p.Total), p.Pushed+p.Failed, p.Total, p.Failed)
					drawn = true
				}
			}
		}
	}
}

// waitForPull waits for a one-shot pull, saying on stderr what it waits
// for: while the ERP has not accepted every delivery it prints how many
// are pending and the ERP's last answer, whenever that changes. With a
// timeout it gives up waiting (the workflow goes on) with an error that
// says where things stand.
func waitForPull(ctx context.Context, g *globals, cfg config.Config, c client.Client, id string, run client.WorkflowRun, timeout time.Duration) (workflows.PullStats, error) {
	var st workflows.PullStats
	done := make(chan error, 1)
	go func() { done <- run.Get(ctx, &st) }()
	var expire <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expire = t.C
	}
	tick := time.NewTicker(3 * time.Second)
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
			if line := pullWaitLine(ctx, cfg, c, id); line != "" && line != said {
				fmt.Fprintln(g.io.Err, "  "+line)
				said = line
			}
		}
	}
}

// pullWaitLine says what a one-shot pull waits for ("" while it pulls).
func pullWaitLine(ctx context.Context, cfg config.Config, c client.Client, id string) string {
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
	if st, err := openStoreAt(ctx, cfg); err == nil {
		defer st.Close()
		if ds, err := st.PendingDeliveries(ctx, 1); err == nil && len(ds) == 1 && ds[0].Attempts > 0 {
			d := ds[0]
			answer := d.LastError
			if answer == "" && d.LastHTTPStatus != 0 {
				answer = fmt.Sprintf("HTTP %d", d.LastHTTPStatus)
			}
			line += fmt.Sprintf(" (%d attempts so far; last answer: %s)", d.Attempts, answer)
		}
	}
	return line
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func bar(done, total int) string {
	const width = 30
	if total <= 0 {
		total = 1
	}
	n := min(width, done*width/total)
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", width-n) + "]"
}

func newOrdersCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "orders", Short: "Pull orders from shops into the ERP; list, inspect and redeliver them"}
	var shopFlag string
	var once bool
	var interval, timeout time.Duration
	pull := &cobra.Command{
		Use:   "pull --shop CHANNEL/SHOP",
		Short: "Start the shop's long-running order pull (or --once: pull until caught up, deliver, exit)",
		Long: `pull starts the shop's long-running order pull and prints its workflow id and run id.
With --once it pulls until caught up, waits for the ERP deliveries and prints what it did;
exit code 3 when some platform orders were rejected (the latest reasons are printed; the
workflow's progress and history have them too). Interval, overlap, lag, window and initial lookback come from
the config's orders section; --interval overrides the interval.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			shop, err := parseShop(shopFlag)
			if err != nil {
				return err
			}
			cfg, err := g.load()
			if err != nil {
				return err
			}
			if err := applyInterval(cmd, interval, &cfg); err != nil {
				return err
			}
			in := orderPullInput(shop, cfg.Orders)
			in.Once = once
			id := workflows.OrderPullID(shop)
			if once {
				id = workflows.OrderPullOnceID(shop, time.Now())
			}
			ctx := cmd.Context()
			c, run, err := g.startWorkflowWith(ctx, cfg, shop, id, workflows.OrderPullWorkflowName, in)
			if err != nil {
				return err
			}
			defer c.Close()
			if !once {
				return g.printStarted(id, run)
			}
			fmt.Fprintf(g.io.Err, "order pull %s (run %s)\n", id, run.GetRunID())
			st, err := waitForPull(ctx, g, cfg, c, id, run, timeout)
			if err != nil {
				return err
			}
			if g.json() {
				if err := g.printJSON(st); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(g.io.Out, "%s: %d orders seen, %d new, %d updated, %d rejected, %d deliveries started, %d delivered; cursor %s\n",
					shop, st.Seen, st.Created, st.Updated, st.Rejected, st.Dispatched, st.Delivered, st.Cursor.Format(time.RFC3339))
				for _, r := range st.Recent {
					fmt.Fprintln(g.io.Err, "  rejected:", r)
				}
			}
			if st.Rejected > 0 {
				return partialError{fmt.Sprintf("%s: %d platform orders rejected", id, st.Rejected)}
			}
			return nil
		},
	}
	shopFlagVar(pull, &shopFlag)
	pull.Flags().BoolVar(&once, "once", false, "pull until caught up, wait for the ERP deliveries, then exit")
	pull.Flags().DurationVar(&interval, "interval", 0, "time between pulls of the long-running pull (default: the config's orders.interval, 1m)")
	pull.Flags().DurationVar(&timeout, "timeout", 0, "with --once: give up waiting after this long (0 = wait until done); the pull itself goes on")
	cmd.AddCommand(pull, newOrdersListCmd(g), newOrdersRejectedCmd(g), newOrdersRedeliverCmd(g))
	return cmd
}

var lookupEnv = os.Getenv
