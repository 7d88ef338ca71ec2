package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/syncctl/syncctl/config"
	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/httpx"
	_ "github.com/syncctl/syncctl/connectors/tmall" // registers "tmall"
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

// startWorkflow dials Temporal and starts (or joins) the workflow with this id.
func (g *globals) startWorkflow(ctx context.Context, id, name string, in any) (client.Client, client.WorkflowRun, error) {
	cfg, err := g.load()
	if err != nil {
		return nil, nil, err
	}
	return g.startWorkflowWith(ctx, cfg, id, name, in)
}

// startWorkflowWith is startWorkflow with a configuration already loaded.
func (g *globals) startWorkflowWith(ctx context.Context, cfg config.Config, id, name string, in any) (client.Client, client.WorkflowRun, error) {
	c, _, err := g.dialWith(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	run, err := workflows.Start(ctx, c, id, name, in)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	return c, run, nil
}

func newWorkerCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "worker",
		Short: "Run a syncctl worker against a Temporal cluster (--temporal-address)",
		Long: `worker polls the syncctl task queue of any Temporal cluster. Shops, the store and the ERP
endpoint come from --config; secrets from the env vars or files the config names.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			cfg, err := g.load()
			if err != nil {
				return err
			}
			shopCfgs, err := cfg.ShopConfigs()
			if err != nil {
				return err
			}
			shops, err := connectors.OpenAll(shopCfgs)
			if err != nil {
				return err
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
			w := worker.New(c, workflows.TaskQueue, worker.Options{})
			workflows.Register(w, &workflows.Activities{Store: st, Shops: shops, ERP: erpClient, Temporal: c})
			fmt.Fprintf(g.io.Err, "worker polling %q on %s (namespace %s) for %d shops\n", workflows.TaskQueue, cfg.Temporal.Address, ns, len(shops))
			return w.Run(interruptFrom(ctx))
		},
	}
}

func interruptFrom(ctx context.Context) <-chan any {
	ch := make(chan any)
	go func() { <-ctx.Done(); close(ch) }()
	return ch
}

// shopFlagVar adds the required --shop CHANNEL/SHOP flag every shop command takes.
func shopFlagVar(cmd *cobra.Command, v *string) {
	cmd.Flags().StringVar(v, "shop", "", "CHANNEL/SHOP, e.g. tmall/flagship")
	_ = cmd.MarkFlagRequired("shop")
}

// orderPullInput is a shop's order pull as the configuration tunes it.
func orderPullInput(shop domain.ShopRef, o config.OrderPolling) workflows.OrderPullInput {
	return workflows.OrderPullInput{Shop: shop, Interval: o.Interval, Overlap: o.Overlap, Lag: o.Lag,
		Window: o.Window, InitialLookback: o.InitialLookback}
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
			c, run, err := g.startWorkflow(ctx, id, workflows.CatalogPushWorkflowName, workflows.CatalogPushInput{Shop: shop})
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
	var interval time.Duration
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
			c, run, err := g.startWorkflowWith(ctx, cfg, id, workflows.OrderPullWorkflowName, in)
			if err != nil {
				return err
			}
			defer c.Close()
			if !once {
				return g.printStarted(id, run)
			}
			fmt.Fprintf(g.io.Err, "order pull %s (run %s)\n", id, run.GetRunID())
			var st workflows.PullStats
			if err := run.Get(ctx, &st); err != nil {
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
	cmd.AddCommand(pull, newOrdersListCmd(g), newOrdersRejectedCmd(g), newOrdersRedeliverCmd(g))
	return cmd
}

var lookupEnv = os.Getenv
