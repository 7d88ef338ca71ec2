package cli

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/syncctl/syncctl/catalog/sample"
	"github.com/syncctl/syncctl/config"
	"github.com/syncctl/syncctl/stack"
)

type demoOptions struct {
	stack         stackFlags
	orders        int
	close         int
	erpURL        string
	erpSecretEnv  string
	erpSecretFile string
	keep          bool
	timeout       time.Duration
}

func newDemoCmd(g *globals) *cobra.Command {
	o := &demoOptions{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the main job end to end: catalog → Tmall sandbox → orders → ERP, then verify",
		Long: `demo starts the embedded stack (or uses --temporal-address), imports the sample catalog
shipped with syncctl, pushes it to the Tmall sandbox, has the sandbox sell orders (and cancel
a few), pulls them, delivers them to the ERP and checks that every SKU is listed exactly once
and every order version reached the ERP exactly once with a valid signature.

Exit code 0 only when everything arrived; 3 when a check failed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runDemo(cmd, g, o) },
	}
	o.stack.add(cmd, 0, 0)
	fl := cmd.Flags()
	fl.IntVar(&o.orders, "orders", 40, "orders the sandbox sells")
	fl.IntVar(&o.close, "cancel", 3, "of those, orders the buyers cancel after the first pull (shows order.updated)")
	fl.StringVar(&o.erpURL, "erp-url", "", "deliver to this external ERP instead of the built-in receiver")
	fl.StringVar(&o.erpSecretEnv, "erp-secret-env", "SYNCCTL_ERP_SECRET", "env var holding the external ERP's signing secret")
	fl.StringVar(&o.erpSecretFile, "erp-secret-file", "", "file holding the external ERP's signing secret")
	fl.BoolVar(&o.keep, "keep-running", false, "leave the stack running after the summary, for the Web UI")
	fl.DurationVar(&o.timeout, "timeout", 5*time.Minute, "give up after this long")
	return cmd
}

func runDemo(cmd *cobra.Command, g *globals, o *demoOptions) error {
	ctx := cmd.Context()
	var secret []byte
	if o.erpURL != "" {
		s, err := config.ReadSecret(o.erpSecretEnv, o.erpSecretFile)
		if err != nil {
			return usageError{fmt.Errorf("--erp-url needs the signing secret: %w", err)}
		}
		secret = []byte(s)
	}
	dir, err := os.MkdirTemp("", "syncctl-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if !cmd.Flags().Changed("state-dir") {
		// A fresh state per demo run, so it always starts from an empty store.
		g.stateDir = dir
	}
	progress := func(msg string) {
		if !g.json() {
			fmt.Fprintf(g.io.Err, "• %s\n", msg)
		}
	}
	progress("starting Temporal, the Tmall sandbox, the ERP receiver and a worker")
	s, err := g.startStack(ctx, o.stack, o.erpURL, secret)
	if err != nil {
		return err
	}
	defer s.Close()
	sum, err := stack.RunDemo(ctx, s, stack.DemoOptions{Catalog: sample.JSON(), Orders: o.orders, Close: o.close,
		Progress: progress, Timeout: o.timeout})
	if err != nil {
		return err
	}
	if g.json() {
		if err := g.printJSON(sum); err != nil {
			return err
		}
	} else {
		printSummary(g, sum)
	}
	if o.keep {
		fmt.Fprintln(g.io.Err, "stack left running (Ctrl-C to stop); Web UI:", sum.TemporalUI)
		<-ctx.Done()
	}
	if !sum.OK {
		return partialError{fmt.Sprintf("demo finished with %d failed checks", len(sum.Failures))}
	}
	return nil
}

func printSummary(g *globals, s *stack.Summary) {
	w := g.io.Out
	fmt.Fprintf(w, "\nsyncctl demo summary (%s)\n", s.Elapsed)
	fmt.Fprintf(w, "  catalog imported     %d SPUs, %d SKUs (%d rows rejected)\n", s.Catalog.SPUs, s.Catalog.SKUs, s.Catalog.Rejected)
	shops := make([]string, 0, len(s.Pushed))
	for k := range s.Pushed {
		shops = append(shops, k)
	}
	sort.Strings(shops)
	for _, k := range shops {
		p := s.Pushed[k]
		fmt.Fprintf(w, "  pushed to %-10s %d products, %d SKUs, %d failed, %d channel calls; channel shows %d items / %d SKUs\n",
			k, p.Products, p.SKUs, p.Failed, p.Calls, p.ListedItems, p.ListedSKUs)
	}
	fmt.Fprintf(w, "  orders sold          %d (sandbox)\n", s.OrdersCreated)
	fmt.Fprintf(w, "  orders pulled        %d distinct, %d updates\n", s.OrdersPulled, s.OrderUpdates)
	fmt.Fprintf(w, "  webhooks delivered   %d to %s (%d pending)\n", s.Delivered, s.ERP, s.Pending)
	if s.TemporalUI != "" {
		fmt.Fprintf(w, "  Temporal Web UI      %s\n", s.TemporalUI)
	}
	fmt.Fprintf(w, "  workflows            %s\n", strings.Join(s.Workflows, ", "))
	if s.OK && s.ERPStats != nil {
		fmt.Fprintln(w, "  result               OK: every SKU listed exactly once, every order delivered exactly once, signatures valid")
		return
	}
	if s.OK {
		fmt.Fprintln(w, "  result               OK: every SKU listed exactly once, every order version accepted (2xx) by the ERP")
		return
	}
	fmt.Fprintf(w, "  result               FAILED (%d)\n", len(s.Failures))
	for _, f := range s.Failures {
		fmt.Fprintln(w, "    -", f)
	}
}
