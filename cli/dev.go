package cli

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
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
	sandboxQPS      float64
	ordersPerMinute float64
}

func (f *stackFlags) add(cmd *cobra.Command, defFrontend, defUI int) {
	cmd.Flags().IntVar(&f.frontendPort, "port", defFrontend, "embedded Temporal frontend port (0 = any free port)")
	cmd.Flags().IntVar(&f.uiPort, "ui-port", defUI, "Temporal Web UI port (0 = any free port, -1 = no UI)")
	cmd.Flags().Float64Var(&f.sandboxQPS, "sandbox-qps", 0, "QPS the Tmall sandbox enforces with TOP code 7 (0 = unlimited)")
}

func (g *globals) startStack(ctx context.Context, f stackFlags, erpURL string, erpSecret []byte) (*stack.Stack, error) {
	cfg, err := g.load()
	if err != nil {
		return nil, err
	}
	temporalAddr := g.temporal
	if temporalAddr == "" {
		temporalAddr = os.Getenv("SYNCCTL_TEMPORAL_ADDRESS")
	}
	return stack.Start(ctx, stack.Options{
		StateDir: g.stateDir, TemporalAddress: temporalAddr, Namespace: cfg.Temporal.Namespace,
		FrontendPort: f.frontendPort, UIPort: f.uiPort, SandboxQPS: f.sandboxQPS, SandboxOrdersPerMinute: f.ordersPerMinute,
		ERPURL: erpURL, ERPSecret: erpSecret, Logger: g.logger(),
	})
}

func newDevCmd(g *globals) *cobra.Command {
	var f stackFlags
	var noPull bool
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run everything in one process: Temporal + Web UI, worker, Tmall sandbox, reference ERP",
		Long: `dev starts, in this process, a Temporal server persisted in SQLite under --state-dir with its
Web UI, a syncctl worker, the Tmall sandbox and a reference ERP receiver that verifies
webhook signatures. It imports the sample catalog if the store is empty, starts the order
pull of the sandbox shop, prints the URLs and runs until interrupted.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			s, err := g.startStack(ctx, f, "", nil)
			if err != nil {
				return err
			}
			defer s.Close()
			if spus, _, err := s.Store.CatalogStats(ctx); err == nil && spus == 0 {
				if err := importSample(ctx, s); err != nil {
					return err
				}
			}
			if !noPull {
				cfg := config.Default()
				_, err := workflows.Start(ctx, s.Client, workflows.OrderPullID(s.Sandbox.Shop), workflows.OrderPullWorkflowName, workflows.OrderPullInput{Shop: s.Sandbox.Shop,
					Interval: 15 * time.Second, Overlap: cfg.Orders.Overlap, Lag: 2 * time.Second, InitialLookback: time.Hour})
				if err != nil {
					return fmt.Errorf("start order pull: %w", err)
				}
			}
			printDevBanner(g, s)
			<-ctx.Done()
			fmt.Fprintln(g.io.Err, "stopping…")
			return nil
		},
	}
	f.add(cmd, 7233, 8233)
	cmd.Flags().Float64Var(&f.ordersPerMinute, "orders-per-minute", 0, "have the Tmall sandbox sell this many orders a minute")
	cmd.Flags().BoolVar(&noPull, "no-order-pull", false, "do not start the long-running order pull of the sandbox shop")
	return cmd
}

func importSample(ctx context.Context, s *stack.Stack) error {
	_, err := stack.ImportCatalog(ctx, s.Store, sample.JSON())
	return err
}

func printDevBanner(g *globals, s *stack.Stack) {
	lines := map[string]string{}
	if s.Temporal != nil {
		lines["Temporal frontend"] = s.Temporal.FrontendHostPort()
		if u := s.Temporal.UIURL(); u != "" {
			lines["Temporal Web UI"] = u + "/namespaces/" + s.Namespace + "/workflows"
		}
	}
	lines["Tmall sandbox (TOP)"] = s.Sandbox.URL + "/router/rest   admin: " + s.Sandbox.URL + "/_sandbox/items"
	if s.ReceiverURL != "" {
		lines["ERP receiver"] = s.ReceiverURL + "/orders   stats: " + s.ReceiverURL + "/stats"
	}
	lines["State"] = g.stateDir
	if g.json() {
		_ = g.printJSON(lines)
		return
	}
	keys := make([]string, 0, len(lines))
	for k := range lines {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintln(g.io.Out, "syncctl dev is running (Ctrl-C to stop)")
	for _, k := range keys {
		fmt.Fprintf(g.io.Out, "  %-20s %s\n", k, lines[k])
	}
	fmt.Fprintln(g.io.Out, "  try: syncctl push --shop tmall/demo --temporal-address", strings.TrimSpace(lines["Temporal frontend"]))
}
