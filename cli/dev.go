package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/syncctl/syncctl/api"
	"github.com/syncctl/syncctl/catalog/sample"
	"github.com/syncctl/syncctl/config"
	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/devserver"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/metrics"
	"github.com/syncctl/syncctl/platforms"
	"github.com/syncctl/syncctl/stack"
	sqlitestore "github.com/syncctl/syncctl/store/sqlite"
	"github.com/syncctl/syncctl/workflows"
)

type stackFlags struct {
	frontendPort    int
	uiPort          int
	sandboxPort     int
	erpPort         int // dev only (the demo's receiver takes any free port)
	sandboxQPS      float64
	ordersPerMinute float64
	ip              string // dev only: the address everything listens on ("" = 127.0.0.1)
}

// DefaultERPPort is the built-in ERP receiver's port under `syncctl dev`:
// the same across restarts, so a URL noted down keeps working (8201… are
// the sandboxes').
const DefaultERPPort = 8299

func (f *stackFlags) add(cmd *cobra.Command, defFrontend, defUI, defSandbox int) {
	cmd.Flags().IntVar(&f.frontendPort, "port", defFrontend, "embedded Temporal frontend port (0 = any free port)")
	cmd.Flags().IntVar(&f.uiPort, "ui-port", defUI, "Temporal Web UI port (0 = any free port, -1 = no UI)")
	cmd.Flags().IntVar(&f.sandboxPort, "sandbox-port", defSandbox, "the first sandbox's port; the other platforms' sandboxes take the next ports (0 = any free ports)")
	cmd.Flags().Float64Var(&f.sandboxQPS, "sandbox-qps", 0, "QPS every sandbox enforces with its platform's throttle answer (0 = unlimited)")
}

// check refuses port combinations that cannot work, as usage errors.
func (f *stackFlags) check() error {
	n := len(platforms.All())
	type portFlag struct {
		flag      string
		lo, hi    int // the ports it takes
		min, span int
	}
	ports := []portFlag{{"--port", f.frontendPort, f.frontendPort, 0, 1}, {"--ui-port", f.uiPort, f.uiPort, -1, 1},
		{"--sandbox-port", f.sandboxPort, f.sandboxPort + n - 1, 0, n}, {"--erp-port", f.erpPort, f.erpPort, 0, 1}}
	for i, p := range ports {
		if p.lo < p.min || p.hi > 65535 {
			return usageError{fmt.Errorf("%s %d is not a port (%d–%d)", p.flag, p.lo, p.min, 65536-p.span)}
		}
		for _, q := range ports[:i] {
			if p.lo > 0 && q.lo > 0 && p.lo <= q.hi && q.lo <= p.hi {
				if p.span == 1 && q.span == 1 {
					return usageError{fmt.Errorf("%s and %s are the same port (%d)", q.flag, p.flag, p.lo)}
				}
				return usageError{fmt.Errorf("%s and %s overlap (%s takes %d–%d for %d sandboxes)", q.flag, p.flag, "--sandbox-port", f.sandboxPort, f.sandboxPort+n-1, n)}
			}
		}
	}
	if f.sandboxQPS < 0 || f.ordersPerMinute < 0 {
		return usageError{errors.New("--sandbox-qps and --orders-per-minute must not be negative")}
	}
	return nil
}

// stackRun is where one dev or demo stack keeps its state.
type stackRun struct {
	stateDir  string
	storeDSN  string // "" = stateDir/syncctl.db
	taskQueue string // "" = the shared syncctl queue
	demoShop  string // "" = demo
	shops     []connectors.ShopConfig
	erpURL    string
	erpSecret []byte
	live      *config.Live      // the pricing and stock policy in force (nil: list prices, master stock)
	metrics   *metrics.Registry // served metrics (nil: none)
}

// startStack starts a dev or demo stack (the flags were checked when parsed).
func (g *globals) startStack(ctx context.Context, f stackFlags, cfg config.Config, r stackRun) (*stack.Stack, error) {
	o := stack.Options{
		StateDir: r.stateDir, StoreDSN: r.storeDSN, TaskQueue: r.taskQueue, DemoShop: r.demoShop, Shops: r.shops,
		TemporalAddress: g.externalTemporal(), Namespace: cfg.Temporal.Namespace,
		FrontendPort: f.frontendPort, UIPort: f.uiPort, SandboxPort: f.sandboxPort, ERPPort: f.erpPort, IP: f.ip,
		SandboxQPS: f.sandboxQPS, SandboxOrdersPerMinute: f.ordersPerMinute,
		ERPURL: r.erpURL, ERPSecret: r.erpSecret, Logger: g.logger(), SDKLogger: g.sdkLogger(),
		MetricsHandler: r.metrics.Temporal(),
	}
	if r.live != nil {
		o.Pricing, o.Allocation = r.live.Pricing, r.live.Allocation
	}
	s, err := stack.Start(ctx, o)
	if err != nil {
		if addr := g.externalTemporal(); addr != "" {
			if why := unreachable(ctx, addr); why != "" {
				return nil, temporalUnreachable(addr, why)
			}
		}
		dsn := r.storeDSN
		if dsn == "" {
			dsn = filepath.Join(r.stateDir, storeFile)
		}
		if strings.Contains(err.Error(), "open store "+dsn) {
			return nil, sqlitestore.Explain(err, dsn)
		}
		return nil, err
	}
	return s, nil
}

// externalTemporal is the cluster dev and demo use instead of the embedded
// server: --temporal-address, else SYNCCTL_TEMPORAL_ADDRESS ("" = embedded).
// The config file's temporal.address does not count: a production config
// must not turn dev or demo into a client of the production cluster.
func (g *globals) externalTemporal() string {
	if g.temporal != "" {
		return g.temporal
	}
	return lookupEnv("SYNCCTL_TEMPORAL_ADDRESS")
}

// devDefaults are dev's order-pull settings where the config file sets none:
// a quick loop against the local sandbox.
func devDefaults() config.Config {
	c := config.Default()
	c.Orders.Interval, c.Orders.Lag, c.Orders.InitialLookback = 15*time.Second, 2*time.Second, time.Hour
	for _, r := range platforms.All() {
		c.SandboxShops = append(c.SandboxShops, domain.ShopRef{Channel: r.ID(), Shop: "demo"})
	}
	return c
}

// devOptions are the flags of `syncctl dev`.
type devOptions struct {
	stack         stackFlags
	apiPort       int // the ERP API's port (0: any free one; -1: none)
	noPull        bool
	interval      time.Duration // 0 = the configuration's
	configShops   bool
	temporalOnly  bool
	metricsListen string // host:port of /metrics ("": none)
}

func newDevCmd(g *globals, runF runFunc[devOptions]) *cobra.Command {
	if runF == nil {
		runF = devRun
	}
	o := &devOptions{}
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run everything in one process: Temporal + Web UI, worker, a sandbox per platform, reference ERP",
		Long: `dev starts, in this process, a Temporal server persisted in SQLite under --state-dir with its
Web UI, one sandbox and one demo shop (<platform>/demo) for every platform compiled into
syncctl, a worker serving those shops, and a reference ERP receiver that verifies webhook
signatures. It imports the sample catalog if the store is empty, starts the order pulls of
the sandbox shops, prints the URLs and runs until interrupted.

With --config-shops the worker also serves the shops of --config (their credentials from
the env vars or files the config names). Each shop is served on its own task queue
(syncctl/<channel>/<shop>), so a separate 'syncctl worker --config …' pointed at dev's
Temporal takes only the tasks of its own shops. --temporal-only runs just Temporal and
its Web UI, for workers run separately.

The state dir keeps everything across restarts: temporal.db, the store (syncctl.db, or
--store-dsn / SYNCCTL_STORE_DSN / the config's store.dsn), each sandbox's shop
(sandbox-<platform>.json) and credentials (sandbox-<platform>-credentials.json, mode 0600:
use them to point a separately run worker at a sandbox), and the ERP receiver's signing
secret and the deliveries it applied (erp-receiver.json, mode 0600), so a redelivery after
a restart is a duplicate, not a second order. The receiver keeps its port (--erp-port)
while it is free. One dev or demo per state dir.

Order pull settings come from the config's orders section; where it sets none, dev pulls
every 15s, 2s behind now, looking back 1h the first time.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.stack.check(); err != nil {
				return err
			}
			if err := checkInterval(cmd, o.interval); err != nil {
				return err
			}
			if o.temporalOnly && o.metricsListen != "" {
				return usageError{errors.New("--metrics-listen serves the worker's metrics: --temporal-only runs no worker")}
			}
			return runF(cmd.Context(), g, o)
		},
	}
	o.stack.add(cmd, 7233, 8233, stack.DefaultSandboxPort)
	fl := cmd.Flags()
	fl.IntVar(&o.stack.erpPort, "erp-port", DefaultERPPort, "the built-in ERP receiver's port, kept across restarts (0 = any free port; when taken, another one)")
	fl.Float64Var(&o.stack.ordersPerMinute, "orders-per-minute", 0, "have each sandbox sell this many orders a minute")
	fl.BoolVar(&o.noPull, "no-order-pull", false, "do not start the long-running order pulls of the sandbox shops")
	fl.DurationVar(&o.interval, "interval", 0, "time between order pulls (default: the config's orders.interval, else 15s)")
	fl.BoolVar(&o.configShops, "config-shops", false, "serve the shops of --config too, beside the sandbox shops")
	fl.BoolVar(&o.temporalOnly, "temporal-only", false, "run only Temporal and its Web UI (no worker, sandboxes or ERP receiver)")
	fl.StringVar(&o.stack.ip, "ip", "", "IP address Temporal, its Web UI, the sandboxes and the ERP receiver listen on (default 127.0.0.1; 0.0.0.0: every interface, e.g. in a container)")
	fl.IntVar(&o.apiPort, "api-port", DefaultAPIPort, "the ERP API's port (syncctl serve in-process; 0 = any free port, -1 = none)")
	metricsFlag(cmd, &o.metricsListen)
	return cmd
}

func devRun(ctx context.Context, g *globals, o *devOptions) error {
	cfg, err := g.loadOver(devDefaults())
	if err != nil {
		return err
	}
	if o.interval > 0 {
		cfg.Orders.Interval = o.interval
	}
	if o.temporalOnly {
		return temporalOnlyRun(ctx, g, o, cfg)
	}
	run := stackRun{stateDir: g.stateDir, storeDSN: cfg.Store.DSN}
	// The config's pricing and stock sections apply to the sandbox shops
	// too, as the file stands: an edited rule reaches the next push.
	if run.live, err = config.NewLive(g.configPath, cfg, g.logger()); err != nil {
		return usageError{err}
	}
	if o.configShops {
		if len(cfg.Shops) == 0 {
			return usageError{errors.New("--config-shops: the configuration names no shops")}
		}
		if run.shops, err = cfg.ShopConfigs(); err != nil {
			return err
		}
	}
	var stopMetrics func()
	if run.metrics, stopMetrics, err = g.startMetrics(ctx, o.metricsListen); err != nil {
		return err
	}
	defer stopMetrics()
	s, err := g.startStack(ctx, o.stack, cfg, run)
	if err != nil {
		return err
	}
	defer s.Close()
	refs := s.Worker.ShopRefs()
	run.metrics.WatchGates(refs)
	run.metrics.WatchStore(s.Store, refs)
	if spus, _, err := s.Store.CatalogStats(ctx); err != nil {
		return err
	} else if spus == 0 {
		if _, err := stack.ImportCatalog(ctx, s.Store, sample.JSON()); err != nil {
			return err
		}
	}
	if !o.noPull {
		for _, sb := range s.Sandboxes {
			shop := sb.Shop
			if _, err := s.StartWorkflow(ctx, shop, workflows.OrderPullID(shop), workflows.OrderPullWorkflowName, orderPullInput(shop, cfg.Orders)); err != nil {
				return fmt.Errorf("start order pull of %s: %w", shop, err)
			}
		}
	}
	apiURL := ""
	if o.apiPort >= 0 {
		if apiURL, err = startDevAPI(ctx, g, cfg, s, o.apiPort); err != nil {
			return err
		}
	}
	if err := printDevBanner(g, s, apiURL); err != nil {
		return err
	}
	go run.live.Watch(ctx, 2*time.Second, func() { s.Worker.PolicyChanged(ctx) })
	<-ctx.Done()
	fmt.Fprintln(g.io.Err, "stopping…")
	return nil
}

// temporalOnlyRun is `dev --temporal-only`: the embedded Temporal and its
// Web UI, with syncctl's search attributes, until interrupted.
func temporalOnlyRun(ctx context.Context, g *globals, o *devOptions, cfg config.Config) error {
	if g.externalTemporal() != "" {
		return usageError{errors.New("--temporal-only starts the embedded Temporal; it does not go with --temporal-address")}
	}
	srv, err := devserver.Start(ctx, devserver.Options{StateDir: g.stateDir, IP: o.stack.ip, FrontendPort: o.stack.frontendPort, UIPort: o.stack.uiPort,
		Namespace: cfg.Temporal.Namespace, SearchAttributes: workflows.SearchAttributes(), Logger: g.logger()})
	if err != nil {
		return err
	}
	defer srv.Stop()
	info := map[string]string{"temporal_address": srv.FrontendHostPort(), "namespace": cfg.Temporal.Namespace, "state_dir": g.stateDir}
	if u := srv.UIURL(); u != "" {
		info["web_ui"] = u + "/namespaces/" + cfg.Temporal.Namespace + "/workflows"
	}
	if g.json() {
		if err := g.printJSON(info); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(g.io.Out, "syncctl dev (Temporal only) is running (Ctrl-C to stop)")
		fmt.Fprintf(g.io.Out, "  %-20s %s\n", "Temporal frontend", info["temporal_address"])
		if info["web_ui"] != "" {
			fmt.Fprintf(g.io.Out, "  %-20s %s\n", "Temporal Web UI", info["web_ui"])
		}
		fmt.Fprintf(g.io.Out, "  try: syncctl worker --config syncctl.yaml --temporal-address %s\n", info["temporal_address"])
	}
	<-ctx.Done()
	fmt.Fprintln(g.io.Err, "stopping…")
	return nil
}

// printDevBanner prints where everything is. Its JSON keys are stable:
// temporal_address, namespace, task_queue, web_ui, sandboxes (platform ids,
// comma-separated) and per platform sandbox_<id> (the gateway),
// sandbox_<id>_admin, sandbox_<id>_credentials, sandbox_<id>_shop; then
// erp_receiver, erp_receiver_stats, erp_receiver_state (its secret, 0600),
// state_dir, store.
func printDevBanner(g *globals, s *stack.Stack, apiURL string) error {
	info := map[string]string{"namespace": s.Namespace, "task_queue": s.TaskQueue, "state_dir": s.StateDir, "store": s.StoreDSN}
	if apiURL != "" {
		info["erp_api"] = apiURL
	}
	if s.Temporal != nil {
		info["temporal_address"] = s.Temporal.FrontendHostPort()
		if u := s.Temporal.UIURL(); u != "" {
			info["web_ui"] = u + "/namespaces/" + s.Namespace + "/workflows"
		}
	} else {
		info["temporal_address"] = g.externalTemporal()
	}
	var ids []string
	for _, sb := range s.Sandboxes {
		id := sb.Platform.ID()
		ids = append(ids, id)
		info["sandbox_"+id] = sb.Gateway
		info["sandbox_"+id+"_admin"] = sb.URL + "/_sandbox/"
		info["sandbox_"+id+"_credentials"] = sb.CredentialsFile
		info["sandbox_"+id+"_shop"] = sb.Shop.String()
	}
	info["sandboxes"] = strings.Join(ids, ",")
	if s.ReceiverURL != "" {
		info["erp_receiver"] = s.ERPURL
		info["erp_receiver_stats"] = s.ReceiverURL + "/stats"
		if s.StateDir != "" {
			info["erp_receiver_state"] = filepath.Join(s.StateDir, stack.ERPReceiverStateFile)
		}
	}
	if g.json() {
		return g.printJSON(info)
	}
	w := g.io.Out
	fmt.Fprintln(w, "syncctl dev is running (Ctrl-C to stop)")
	row := func(label, v string) {
		if v != "" {
			fmt.Fprintf(w, "  %-22s %s\n", label, v)
		}
	}
	row("Temporal frontend", info["temporal_address"])
	row("Temporal Web UI", info["web_ui"])
	for _, sb := range s.Sandboxes {
		id := sb.Platform.ID()
		row("sandbox "+id, sb.Gateway+"   shop "+sb.Shop.String()+" ("+sb.Platform.Connector.Name+")")
		row("  admin", info["sandbox_"+id+"_admin"]+"items")
		row("  credentials", sb.CredentialsFile)
	}
	if served := len(s.Shops) - len(s.Sandboxes); served > 0 {
		row("configured shops", fmt.Sprintf("%d served too (--config-shops)", served))
	}
	row("ERP receiver", info["erp_receiver"])
	row("ERP receiver stats", info["erp_receiver_stats"])
	row("  secret in", info["erp_receiver_state"])
	row("ERP API", info["erp_api"])
	row("state", info["state_dir"])
	row("store", info["store"])
	if addr := info["temporal_address"]; addr != "" && len(s.Sandboxes) > 0 {
		// Complete commands: another shell must find this dev's Temporal and store.
		where := storeFlags(s)
		fmt.Fprintf(w, "  try: syncctl push --shop %s --temporal-address %s %s\n", s.Sandboxes[0].Shop, addr, where)
		fmt.Fprintf(w, "       syncctl listings --shop %s %s\n", s.Sandboxes[0].Shop, where)
	}
	return nil
}

// storeFlags are the flags another command needs to find a stack's store:
// --state-dir, or --store-dsn when the store is not the state dir's own.
func storeFlags(s *stack.Stack) string {
	if s.StoreDSN != "" && filepath.Clean(s.StoreDSN) != filepath.Join(s.StateDir, storeFile) {
		return "--store-dsn " + s.StoreDSN
	}
	return "--state-dir " + s.StateDir
}

// DefaultAPIPort is dev's ERP API port.
const DefaultAPIPort = 8300

// startDevAPI serves the ERP API in dev for every shop the stack serves:
// signed with the ERP receiver's secret (in its state file), or the
// bearer token of the config's erp.token_env / token_file.
func startDevAPI(ctx context.Context, g *globals, cfg config.Config, s *stack.Stack, port int) (string, error) {
	srv := &api.Server{Store: s.Store, Temporal: s.Client, Queue: s.TaskQueue, Secret: s.ERPSecret, Logger: g.logger(), Channels: s.Shops}
	for ref := range s.Shops {
		srv.Shops = append(srv.Shops, ref)
	}
	sort.Slice(srv.Shops, func(i, j int) bool { return srv.Shops[i].String() < srv.Shops[j].String() })
	tok, err := cfg.APIToken()
	if err != nil {
		return "", usageError{err}
	}
	srv.Token = tok
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil && port != 0 {
		g.logger().Warn("the ERP API's port is taken; it listens on another one (see its URL)", "port", port)
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		return "", fmt.Errorf("ERP API: %w", err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	go func() {
		<-ctx.Done()
		_ = hs.Close()
	}()
	base := "http://" + ln.Addr().String()
	// The sandboxes push their platforms' messages to the API, as a shop's
	// console would be configured to: a sale reaches the pull in moments.
	for _, shop := range srv.PushShops() {
		if sb := s.Sandbox(shop.Channel); sb != nil && sb.Shop == shop {
			if err := sb.Admin.SubscribePush(ctx, base+"/v1/push/"+shop.Channel+"/"+shop.Shop); err != nil {
				g.logger().Warn("sandbox push not subscribed; polling finds its orders", "shop", shop.String(), "error", err)
			}
		}
	}
	return base, nil
}
