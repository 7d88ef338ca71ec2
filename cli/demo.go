package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/syncctl/syncctl/catalog/sample"
	"github.com/syncctl/syncctl/config"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/platforms"
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

func newDemoCmd(g *globals, runF runFunc[demoOptions]) *cobra.Command {
	if runF == nil {
		runF = demoRun
	}
	o := &demoOptions{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the main job end to end: catalog → every platform's sandbox → orders → ERP, then verify",
		Long: `demo starts the embedded stack (or uses --temporal-address), imports the sample catalog
shipped with syncctl, pushes it to a demo shop on every platform's sandbox at once, has each
sandbox sell orders (and cancel a few), pulls them, delivers them to the ERP and checks, shop
by shop, that every SKU is listed exactly once and every order version reached the ERP
exactly once with a valid signature. It prints one row per shop.

It runs on a fresh temporary state dir, removed afterwards (with --keep-running it is kept,
and its path printed when you stop the stack). With an explicit --state-dir it uses and keeps
that one: run it again there and the push finds nothing changed (no channel calls) and the
new orders are checked the same way.

Against an external Temporal (--temporal-address) the demo's worker and workflows use task
queues and shop names of their own (syncctl-demo-…, <platform>/demo-…), so neither a worker
on the shared queues nor another demo ever runs them.

Exit code 0 only when everything arrived; 3 when a check failed; 1 when it could not finish
(the summary so far is printed either way).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.orders <= 0 || o.close < 0 || o.close > o.orders {
				return usageError{fmt.Errorf("--orders must be positive and --cancel between 0 and --orders (got %d and %d)", o.orders, o.close)}
			}
			if o.timeout <= 0 {
				return usageError{fmt.Errorf("--timeout must be positive, not %s", o.timeout)}
			}
			if cmd.Flags().Changed("erp-url") {
				// Refused now, not by the first delivery minutes later.
				if err := config.CheckURL(o.erpURL); err != nil {
					return usageError{fmt.Errorf("--erp-url: %w", err)}
				}
			}
			if o.erpURL != "" && cmd.Flags().Changed("erp-secret-env") && o.erpSecretFile != "" {
				return usageError{errors.New("--erp-secret-env and --erp-secret-file both name the ERP secret; pass one")}
			}
			if err := o.stack.check(); err != nil {
				return err
			}
			return runF(cmd.Context(), g, o)
		},
	}
	o.stack.add(cmd, 0, 0, 0)
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

func demoRun(ctx context.Context, g *globals, o *demoOptions) error {
	run := stackRun{}
	if o.erpURL != "" {
		s, err := config.ReadSecret(o.erpSecretEnv, o.erpSecretFile)
		if err != nil {
			return usageError{fmt.Errorf("--erp-url needs the signing secret: %w", err)}
		}
		run.erpURL, run.erpSecret = o.erpURL, []byte(s)
	}
	cfg, err := g.load()
	if err != nil {
		return err
	}
	switch {
	case g.changed("state-dir"):
		// The user's state dir: used as it is and kept.
		run.stateDir, run.storeDSN = g.stateDir, cfg.Store.DSN
	case g.changed("store-dsn"):
		return usageError{errors.New("demo --store-dsn needs --state-dir too: the sandbox's state lives there, and must match the store")}
	default:
		// A fresh state per run, so it always starts from an empty store
		// (the config's and SYNCCTL_STORE_DSN's store are left alone).
		dir, err := os.MkdirTemp("", "syncctl-demo-")
		if err != nil {
			return err
		}
		if o.keep {
			defer fmt.Fprintf(g.io.Err, "state kept in %s (syncctl dev --state-dir %s reopens it)\n", dir, dir)
		} else {
			defer os.RemoveAll(dir)
		}
		run.stateDir = dir
	}
	if g.externalTemporal() != "" {
		// Beside production workers and other demos on a shared cluster:
		// queues and workflow ids of its own.
		suffix := randHex(4)
		run.taskQueue, run.demoShop = "syncctl-demo-"+suffix, "demo-"+suffix
	}
	progress := func(msg string) {
		if !g.json() {
			fmt.Fprintf(g.io.Err, "• %s\n", msg)
		}
	}
	progress("starting Temporal, a sandbox per platform (" + domain.List(platformIDs()) + "), the ERP receiver and a worker")
	s, err := g.startStack(ctx, o.stack, cfg, run)
	if err != nil {
		return err
	}
	defer s.Close()
	sum, runErr := stack.RunDemo(ctx, s, stack.DemoOptions{Catalog: sample.JSON(), Orders: o.orders, Close: o.close,
		Progress: progress, Timeout: o.timeout})
	if sum != nil {
		if g.json() {
			if err := g.printJSON(sum); err != nil {
				return err
			}
		} else {
			printSummary(g, sum, o.keep)
		}
	}
	if runErr != nil {
		return runErr
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

// platformIDs lists the compiled-in platforms.
func platformIDs() []string {
	var ids []string
	for _, r := range platforms.All() {
		ids = append(ids, r.ID())
	}
	return ids
}

// workflowGroups shortens the demo's workflow ids by kind for people: each
// kind once with its count and one id (-o json lists every id).
func workflowGroups(ids []string) string {
	var kinds []string
	byKind := map[string][]string{}
	for _, id := range ids {
		kind, _, _ := strings.Cut(id, "/")
		if _, seen := byKind[kind]; !seen {
			kinds = append(kinds, kind)
		}
		byKind[kind] = append(byKind[kind], id)
	}
	parts := make([]string, 0, len(kinds))
	for _, k := range kinds {
		if ids := byKind[k]; len(ids) == 1 {
			parts = append(parts, ids[0])
		} else {
			parts = append(parts, fmt.Sprintf("%d %s (%s, …)", len(ids), k, ids[0]))
		}
	}
	return strings.Join(parts, "; ")
}

func printSummary(g *globals, s *stack.Summary, kept bool) {
	w := g.io.Out
	fmt.Fprintf(w, "\nsyncctl demo summary (%s)\n", s.Elapsed)
	fmt.Fprintf(w, "  catalog imported     %d SPUs, %d SKUs (%d rows rejected)\n", s.Catalog.SPUs, s.Catalog.SKUs, s.Catalog.Rejected)
	fmt.Fprintln(w, "  pushed               PRODUCTS  SKUS  FAILED  CALLS  CHANNEL SHOWS         REVIEW                   PROMOTION POOL")
	for _, row := range s.Shops {
		p := row.Push
		review, pool := "-", "-"
		if r := p.Reviewed; r != nil {
			review = fmt.Sprintf("%d approved, %d rejected", r.Approved, r.Rejected)
		}
		if pl := p.Pool; pl != nil {
			pool = fmt.Sprintf("%d products at %s", pl.InPool, domain.FormatRate(pl.MinRate))
			if pl.MaxRate != pl.MinRate {
				pool = fmt.Sprintf("%d products at %s–%s", pl.InPool, domain.FormatRate(pl.MinRate), domain.FormatRate(pl.MaxRate))
			}
		}
		fmt.Fprintf(w, "    %-18s %8d  %4d  %6d  %5d  %-20s  %-23s  %s\n", row.Shop, p.Products, p.SKUs, p.Failed, p.Calls,
			fmt.Sprintf("%d items/%d SKUs", p.ListedItems, p.ListedSKUs), review, pool)
	}
	if len(s.Shops) > 1 {
		fmt.Fprintln(w, "  per shop             SOLD  PULLED  CPS  UPDATES  PENDING  CHECKS")
		for _, row := range s.Shops {
			checks := "ok"
			if !row.OK {
				checks = fmt.Sprintf("%d failed", row.Failures)
			}
			fmt.Fprintf(w, "    %-18s %4d  %6d  %3d  %7d  %7d  %s\n", row.Shop, row.OrdersSold, row.OrdersPulled, row.CPSOrders, row.OrderUpdates, row.Pending, checks)
		}
	}
	fmt.Fprintf(w, "  orders sold          %d (sandbox)\n", s.OrdersCreated)
	fmt.Fprintf(w, "  orders pulled        %d distinct, %d updates, %d refund cases\n", s.OrdersPulled, s.OrderUpdates, s.RefundCases)
	fmt.Fprintf(w, "  webhooks delivered   %d to %s (%d pending, %d redeliveries deduplicated)\n", s.Delivered, s.ERP, s.Pending, s.Duplicates)
	if s.TemporalUI != "" {
		note := " (closes with the demo; --keep-running keeps it open)"
		if kept {
			note = ""
		}
		fmt.Fprintf(w, "  Temporal Web UI      %s%s\n", s.TemporalUI, note)
	}
	fmt.Fprintf(w, "  task queue           %s\n", s.TaskQueue)
	fmt.Fprintf(w, "  workflows            %s\n", workflowGroups(s.Workflows))
	switch {
	case s.OK && s.ERPStats != nil:
		fmt.Fprintf(w, "  result               OK: every SKU listed exactly once, every order applied exactly once (%d redeliveries deduplicated), signatures valid\n", s.Duplicates)
		return
	case s.OK:
		fmt.Fprintln(w, "  result               OK: every SKU listed exactly once, every order version accepted (2xx) by the ERP")
		return
	case s.Error != "":
		fmt.Fprintf(w, "  result               INCOMPLETE: the demo stopped early (the error follows)\n")
	default:
		fmt.Fprintf(w, "  result               FAILED (%d)\n", len(s.Failures))
	}
	for _, f := range s.Failures {
		fmt.Fprintln(w, "    -", safeText(f))
	}
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
