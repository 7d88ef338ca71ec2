package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/syncctl/syncctl/catalog/sample"
	"github.com/syncctl/syncctl/config"
	"github.com/syncctl/syncctl/stack"
	"github.com/syncctl/syncctl/workflows"
)

type stackFlags struct {
	frontendPort    int
	uiPort          int
	sandboxPort     int
	sandboxQPS      float64
	ordersPerMinute float64
}

func (f *stackFlags) add(cmd *cobra.Command, defFrontend, defUI, defSandbox int) {
	cmd.Flags().IntVar(&f.frontendPort, "port", defFrontend, "embedded Temporal frontend port (0 = any free port)")
	cmd.Flags().IntVar(&f.uiPort, "ui-port", defUI, "Temporal Web UI port (0 = any free port, -1 = no UI)")
	cmd.Flags().IntVar(&f.sandboxPort, "sandbox-port", defSandbox, "Tmall sandbox port (0 = any free port)")
	cmd.Flags().Float64Var(&f.sandboxQPS, "sandbox-qps", 0, "QPS the Tmall sandbox enforces with TOP code 7 (0 = unlimited)")
}

// check refuses port combinations that cannot work, as usage errors.
func (f *stackFlags) check() error {
	ports := []struct {
		flag string
		port int
		min  int
	}{{"--port", f.frontendPort, 0}, {"--ui-port", f.uiPort, -1}, {"--sandbox-port", f.sandboxPort, 0}}
	for i, p := range ports {
		if p.port < p.min || p.port > 65535 {
			return usageError{fmt.Errorf("%s %d is not a port (%d–65535)", p.flag, p.port, p.min)}
		}
		for _, q := range ports[:i] {
			if p.port > 0 && p.port == q.port {
				return usageError{fmt.Errorf("%s and %s cannot both be %d", q.flag, p.flag, p.port)}
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
	erpURL    string
	erpSecret []byte
}

func (g *globals) startStack(ctx context.Context, f stackFlags, cfg config.Config, r stackRun) (*stack.Stack, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	return stack.Start(ctx, stack.Options{
		StateDir: r.stateDir, StoreDSN: r.storeDSN, TaskQueue: r.taskQueue,
		TemporalAddress: g.externalTemporal(), Namespace: cfg.Temporal.Namespace,
		FrontendPort: f.frontendPort, UIPort: f.uiPort, SandboxPort: f.sandboxPort,
		SandboxQPS: f.sandboxQPS, SandboxOrdersPerMinute: f.ordersPerMinute,
		ERPURL: r.erpURL, ERPSecret: r.erpSecret, Logger: g.logger(),
	})
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
	return c
}

func newDevCmd(g *globals) *cobra.Command {
	var f stackFlags
	var noPull bool
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run everything in one process: Temporal + Web UI, worker, Tmall sandbox, reference ERP",
		Long: `dev starts, in this process, a Temporal server persisted in SQLite under --state-dir with its
Web UI, a syncctl worker, the Tmall sandbox and a reference ERP receiver that verifies
webhook signatures. It imports the sample catalog if the store is empty, starts the order
pull of the sandbox shop, prints the URLs and runs until interrupted.

The state dir keeps everything across restarts: temporal.db, the store (syncctl.db, or
--store-dsn / SYNCCTL_STORE_DSN / the config's store.dsn), the sandbox's listings and orders
(sandbox-tmall.json) and its credentials (sandbox-tmall-credentials.json, mode 0600: use
them to point a separately run worker at the sandbox). One dev or demo per state dir.

Order pull settings come from the config's orders section; where it sets none, dev pulls
every 15s, 2s behind now, looking back 1h the first time.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			cfg, err := g.loadOver(devDefaults())
			if err != nil {
				return err
			}
			if err := applyInterval(cmd, interval, &cfg); err != nil {
				return err
			}
			s, err := g.startStack(ctx, f, cfg, stackRun{stateDir: g.stateDir, storeDSN: cfg.Store.DSN})
			if err != nil {
				return err
			}
			defer s.Close()
			if spus, _, err := s.Store.CatalogStats(ctx); err != nil {
				return err
			} else if spus == 0 {
				if _, err := stack.ImportCatalog(ctx, s.Store, sample.JSON()); err != nil {
					return err
				}
			}
			if !noPull {
				shop := s.Sandbox.Shop
				_, err := s.StartWorkflow(ctx, workflows.OrderPullID(shop), workflows.OrderPullWorkflowName, orderPullInput(shop, cfg.Orders))
				if err != nil {
					return fmt.Errorf("start order pull: %w", err)
				}
			}
			if err := printDevBanner(g, s); err != nil {
				return err
			}
			<-ctx.Done()
			fmt.Fprintln(g.io.Err, "stopping…")
			return nil
		},
	}
	f.add(cmd, 7233, 8233, stack.DefaultSandboxPort)
	cmd.Flags().Float64Var(&f.ordersPerMinute, "orders-per-minute", 0, "have the Tmall sandbox sell this many orders a minute")
	cmd.Flags().BoolVar(&noPull, "no-order-pull", false, "do not start the long-running order pull of the sandbox shop")
	cmd.Flags().DurationVar(&interval, "interval", 0, "time between order pulls (default: the config's orders.interval, else 15s)")
	return cmd
}

// devInfo is what dev prints; its JSON keys are stable.
type devInfo struct {
	TemporalAddress    string `json:"temporal_address"`
	Namespace          string `json:"namespace"`
	TaskQueue          string `json:"task_queue"`
	WebUI              string `json:"web_ui,omitempty"`
	SandboxTmall       string `json:"sandbox_tmall"` // the TOP gateway URL
	SandboxAdmin       string `json:"sandbox_admin"`
	SandboxCredentials string `json:"sandbox_credentials,omitempty"` // file with app_key, app_secret, session
	SandboxShop        string `json:"sandbox_shop"`
	ERPReceiver        string `json:"erp_receiver,omitempty"` // webhook URL of the built-in receiver
	ERPReceiverStats   string `json:"erp_receiver_stats,omitempty"`
	StateDir           string `json:"state_dir"`
	Store              string `json:"store"`
}

func printDevBanner(g *globals, s *stack.Stack) error {
	info := devInfo{Namespace: s.Namespace, TaskQueue: s.TaskQueue, SandboxTmall: s.Sandbox.URL + "/router/rest",
		SandboxAdmin: s.Sandbox.URL + "/_sandbox/", SandboxCredentials: s.Sandbox.CredentialsFile,
		SandboxShop: s.Sandbox.Shop.String(), StateDir: s.StateDir, Store: s.StoreDSN}
	if s.Temporal != nil {
		info.TemporalAddress = s.Temporal.FrontendHostPort()
		if u := s.Temporal.UIURL(); u != "" {
			info.WebUI = u + "/namespaces/" + s.Namespace + "/workflows"
		}
	} else {
		info.TemporalAddress = g.externalTemporal()
	}
	if s.ReceiverURL != "" {
		info.ERPReceiver = s.ERPURL
		info.ERPReceiverStats = s.ReceiverURL + "/stats"
	}
	if g.json() {
		return g.printJSON(info)
	}
	w := g.io.Out
	fmt.Fprintln(w, "syncctl dev is running (Ctrl-C to stop)")
	row := func(label, v string) {
		if v != "" {
			fmt.Fprintf(w, "  %-20s %s\n", label, v)
		}
	}
	row("Temporal frontend", info.TemporalAddress)
	row("Temporal Web UI", info.WebUI)
	row("Tmall sandbox (TOP)", info.SandboxTmall+"   shop "+info.SandboxShop)
	row("sandbox admin", info.SandboxAdmin+"items")
	row("sandbox credentials", info.SandboxCredentials)
	row("ERP receiver", info.ERPReceiver)
	row("ERP receiver stats", info.ERPReceiverStats)
	row("state", info.StateDir)
	row("store", info.Store)
	if info.TemporalAddress != "" {
		fmt.Fprintf(w, "  try: syncctl push --shop %s --temporal-address %s\n", info.SandboxShop, info.TemporalAddress)
	}
	return nil
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
