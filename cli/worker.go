package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/syncctl/syncctl/app"
	"github.com/syncctl/syncctl/config"
	"github.com/syncctl/syncctl/connectors/httpx"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/erp"
	"github.com/syncctl/syncctl/workflows"
)

// workerOptions are the flags of `syncctl worker`.
type workerOptions struct {
	taskQueue     string
	metricsListen string // host:port of /metrics ("": none)
}

func newWorkerCmd(g *globals, runF runFunc[workerOptions]) *cobra.Command {
	if runF == nil {
		runF = workerRun
	}
	o := &workerOptions{}
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run a syncctl worker for the configured shops against a Temporal cluster (--temporal-address)",
		Long: `worker serves the shops of --config on any Temporal cluster: for each shop it polls the
shop's own task queue (syncctl/<channel>/<shop>), so it never takes a task of a shop it does
not serve. Shops, the store and the ERP endpoint come from --config; credentials from the env
vars or files the config names. It refuses to start when a worker with another store already
serves one of its shops on the same Temporal. With --metrics-listen it serves Prometheus
metrics at /metrics: calls per shop and how the platforms answered, bans, breakers, quotas,
push backlog, order-pull lag, ERP deliveries pending, and the Temporal SDK's own (README, Metrics).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runF(cmd.Context(), g, o) },
	}
	cmd.Flags().StringVar(&o.taskQueue, "task-queue", workflows.TaskQueue, "base task queue: each shop is served on BASE/<channel>/<shop>")
	metricsFlag(cmd, &o.metricsListen)
	return cmd
}

func workerRun(ctx context.Context, g *globals, o *workerOptions) error {
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
	st, err := g.openStoreAt(ctx, cfg)
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
	reg, stopMetrics, err := g.startMetrics(ctx, o.metricsListen)
	if err != nil {
		return err
	}
	defer stopMetrics()
	c, ns, err := g.dialMetrics(ctx, cfg, reg.Temporal())
	if errors.Is(err, errStopped) {
		return nil
	}
	if err != nil {
		return err
	}
	defer c.Close()
	if err := workflows.EnsureSearchAttributes(ctx, c, ns); err != nil {
		return err
	}
	// The pricing and stock sections apply as the file stands: an edited
	// rule reaches the next push without a restart.
	live, err := config.NewLive(g.configPath, cfg, g.logger())
	if err != nil {
		return usageError{err}
	}
	w, err := app.NewWorker(app.WorkerOptions{Client: c, Namespace: ns, TaskQueue: o.taskQueue, Store: st,
		StoreID: app.StoreID(cfg.Store.Driver, cfg.Store.DSN), Shops: shopCfgs, ERP: erpClient, Logger: g.logger(),
		Allocation: live.Allocation, Pricing: live.Pricing})
	if err != nil {
		return err
	}
	if err := w.CheckQueues(ctx); err != nil {
		return err
	}
	reg.WatchGates(w.ShopRefs())
	reg.WatchStore(st, w.ShopRefs())
	var names []string
	for _, ref := range w.ShopRefs() {
		names = append(names, ref.String())
	}
	// An edited pricing or stock section goes out without a restart: each
	// shop's price schedule pushes the new prices.
	go live.Watch(ctx, 2*time.Second, func() { w.PolicyChanged(ctx) })
	fmt.Fprintf(g.io.Err, "worker serving %s on %s (namespace %s, task queues %s/<channel>/<shop>)\n", domain.List(names), cfg.Temporal.Address, ns, o.taskQueue)
	return w.Run(ctx)
}
