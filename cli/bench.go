package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/syncctl/syncctl/bench"
	"github.com/syncctl/syncctl/platforms"
)

// benchOptions are the flags of `syncctl bench`.
type benchOptions struct {
	bench.Options
	markdown bool // print the table as Markdown (the README's)
}

func newBenchCmd(g *globals, runF runFunc[benchOptions]) *cobra.Command {
	if runF == nil {
		runF = benchRun
	}
	o := &benchOptions{Options: bench.DefaultOptions()}
	var quick bool
	var only, stockPlatforms []string
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure pushes, re-syncs, orders and stock propagation on this machine and print one table",
		Long: `bench starts, in this process, the embedded Temporal server (its SQLite in a temporary
directory, as "syncctl dev" runs it) and for each scenario a fresh stack of sandboxes, store,
worker and ERP receiver, runs the scenarios one after the other and prints one table:
scenario, parameters, figures, goal, and whether the goal was met.

  quota       push --skus to one shop whose sandbox enforces --qps, with one and with two
              workers: SKUs/s, call rate ÷ Q, calls refused for quota, peak RSS, history
              events per 1 000 SKUs, largest payload
  durability  push --unthrottled-skus through Temporal and through a direct loop over the
              same connector with as many goroutines as chunks in flight (--parallel), and
              the Temporal push's history read at scale (limit warnings, largest run)
  resync      --resync-skus pushed once, then the same catalog file imported again and
              pushed: unchanged, and with 1 % of stocks changed; calls and seconds
  orders      --orders sold at once on a sandbox, pulled and delivered to the ERP: orders/s,
              p50/p99 from sale to ERP receipt
  stock       --stock-changes ERP stock changes (POST /v1/inventory, --stock-rate a second)
              until every shop shows each: p50/p99
  scale       only with --only scale (20 to 40 minutes on 2 cores at its default size):
              --scale-skus generated, imported (import time, store file size) and
              pushed to one unthrottled shop by "syncctl worker" run from this
              executable as a child process (config file, credentials in its
              environment): SKUs/s, the worker's own peak RSS (VmHWM of its
              /proc/<pid>/status), Temporal limit warnings, history events per
              1 000 SKUs, largest payload, largest run

Peak RSS is the process's VmHWM, reset before each measured step: it holds the Temporal
server and the sandboxes too (scale: the worker process's is apart). Figures are
printed, never asserted: the exit code is 0 when every scenario ran, whether its goal
was met or not, and 1 when one could not run. --quick sizes every scenario for a smoke
run of well under a minute.`,
		Example: `  syncctl bench --quick
  syncctl bench --only quota --skus 2000 --qps 20
  syncctl bench --only scale --markdown
  syncctl bench --skus 2000 --qps 20 --unthrottled-skus 20000 --resync-skus 100000 --orders 2000 --stock-changes 200`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if quick {
				q := bench.QuickOptions()
				// Sizes given beside --quick win over its own.
				set := map[string]func(){
					"skus": func() { q.SKUs = o.SKUs }, "qps": func() { q.QPS = o.QPS }, "unthrottled-skus": func() { q.UnthrottledSKUs = o.UnthrottledSKUs },
					"skus-per-spu": func() { q.SKUsPerSPU = o.SKUsPerSPU }, "parallel": func() { q.Parallel = o.Parallel },
					"resync-skus": func() { q.ResyncSKUs = o.ResyncSKUs }, "orders": func() { q.Orders = o.Orders },
					"stock-changes": func() { q.StockChanges = o.StockChanges }, "stock-rate": func() { q.StockRate = o.StockRate },
					"resync-all": func() { q.ResyncAll = o.ResyncAll }, "platform": func() { q.Platform = o.Platform }, "timeout": func() { q.Timeout = o.Timeout },
					"scale-skus": func() { q.ScaleSKUs = o.ScaleSKUs },
				}
				for name, apply := range set {
					if cmd.Flags().Changed(name) {
						apply()
					}
				}
				if !cmd.Flags().Changed("stock-platforms") {
					stockPlatforms = q.StockPlatforms
				}
				o.Options = q
			}
			for _, s := range only {
				if !slices.Contains(bench.Scenarios, s) {
					return usageError{fmt.Errorf("--only: no scenario %q (scenarios: %s)", s, strings.Join(bench.Scenarios, ", "))}
				}
			}
			for _, p := range append([]string{o.Platform}, stockPlatforms...) {
				if _, ok := platforms.Lookup(p); !ok {
					return usageError{fmt.Errorf("no platform %q (platforms: %s)", p, strings.Join(platforms.IDs(), ", "))}
				}
			}
			switch {
			case o.SKUs < 1 || o.UnthrottledSKUs < 1 || o.ResyncSKUs < 1 || o.ScaleSKUs < 1 || o.Orders < 1 || o.StockChanges < 1:
				return usageError{errors.New("--skus, --unthrottled-skus, --resync-skus, --scale-skus, --orders and --stock-changes must be 1 or more")}
			case o.QPS <= 0 || o.StockRate <= 0:
				return usageError{errors.New("--qps and --stock-rate must be above 0")}
			case o.Parallel < 1 || o.SKUsPerSPU < 1:
				return usageError{errors.New("--parallel and --skus-per-spu must be 1 or more")}
			}
			o.Only, o.StockPlatforms = only, stockPlatforms
			return runF(cmd.Context(), g, o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.markdown, "markdown", false, "print the table as Markdown (as the README has it)")
	f.BoolVar(&quick, "quick", false, "tiny sizes: a smoke run of every scenario but scale (flags given beside it win)")
	f.StringSliceVar(&only, "only", nil, "run these scenarios only: "+strings.Join(bench.Scenarios, ", ")+" (default all but "+strings.Join(bench.OnRequest, ", ")+")")
	f.IntVar(&o.SKUs, "skus", o.SKUs, "quota: SKUs pushed")
	f.Float64Var(&o.QPS, "qps", o.QPS, "quota: the shop's quota Q, enforced by its sandbox")
	f.IntVar(&o.UnthrottledSKUs, "unthrottled-skus", o.UnthrottledSKUs, "durability: SKUs pushed with no quota, through Temporal and directly")
	f.IntVar(&o.SKUsPerSPU, "skus-per-spu", o.SKUsPerSPU, "SKUs of each generated product")
	f.IntVar(&o.Parallel, "parallel", o.Parallel, "push chunks in flight (the direct loop: goroutines)")
	f.IntVar(&o.ResyncSKUs, "resync-skus", o.ResyncSKUs, "resync: catalog size in SKUs")
	f.BoolVar(&o.ResyncAll, "resync-all", o.ResyncAll, "resync: also a full comparison pass (push --all) of the unchanged catalog")
	f.IntVar(&o.Orders, "orders", o.Orders, "orders: orders sold at once")
	f.IntVar(&o.StockChanges, "stock-changes", o.StockChanges, "stock: ERP stock changes sent")
	f.Float64Var(&o.StockRate, "stock-rate", o.StockRate, "stock: changes sent per second")
	f.IntVar(&o.ScaleSKUs, "scale-skus", o.ScaleSKUs, "scale: SKUs pushed by the worker process")
	f.StringSliceVar(&stockPlatforms, "stock-platforms", nil, "stock: the shops' platforms (default every registered platform)")
	f.StringVar(&o.Platform, "platform", o.Platform, "the platform of the pushes, re-syncs and orders")
	f.DurationVar(&o.Timeout, "timeout", o.Timeout, "longest one scenario may run (default 30m; scale 3h)")
	return cmd
}

func benchRun(ctx context.Context, g *globals, o *benchOptions) error {
	start := time.Now()
	o.Progress = func(msg string) {
		fmt.Fprintf(g.io.Err, "[%5.1fs] %s\n", time.Since(start).Seconds(), msg)
	}
	rep, err := bench.Run(ctx, o.Options)
	if rep == nil {
		return err
	}
	if g.json() {
		if perr := g.printJSON(rep); perr != nil {
			return perr
		}
	} else {
		printBench(g, rep, o.markdown)
	}
	if err != nil {
		return err
	}
	for _, r := range rep.Rows {
		if r.Result == bench.Failure {
			return fmt.Errorf("scenario %s could not run: %s", r.Scenario, r.Note)
		}
	}
	return nil
}

// printBench prints the table, then the notes of the rows that have one.
func printBench(g *globals, rep *bench.Report, markdown bool) {
	head := []string{"SCENARIO", "PARAMETERS", "FIGURES", "GOAL", "RESULT", "CPU USED / WAITED"}
	var rows [][]string
	var notes []string
	for _, r := range rep.Rows {
		res := r.Result
		if r.Note != "" {
			notes = append(notes, fmt.Sprintf("[%d] %s: %s", len(notes)+1, r.Scenario, r.Note))
			res += fmt.Sprintf(" [%d]", len(notes))
		}
		rows = append(rows, []string{r.Scenario, r.Params, r.FiguresText(), r.Goal, res, r.CPU})
	}
	if markdown {
		cell := func(s string) string { return strings.ReplaceAll(safeText(s), "|", `\|`) }
		line := func(cells []string) {
			out := make([]string, len(cells))
			for i, c := range cells {
				out[i] = cell(c)
			}
			fmt.Fprintf(g.io.Out, "| %s |\n", strings.Join(out, " | "))
		}
		line([]string{"scenario", "parameters", "figures", "goal", "result", "CPU used / waited"})
		fmt.Fprintln(g.io.Out, "|---|---|---|---|---|---|")
		for _, r := range rows {
			line(r)
		}
		fmt.Fprintln(g.io.Out)
		for _, n := range notes {
			fmt.Fprintf(g.io.Out, "%s  \n", cell(n))
		}
		fmt.Fprintf(g.io.Out, "%s; %s. Peak RSS: %s.\n", rep.Machine, rep.Elapsed, rep.RSS)
		return
	}
	tw := newTable(g.io.Out)
	tw.row(anys(head)...)
	for _, r := range rows {
		tw.row(anys(r)...)
	}
	_ = tw.flush()
	for _, n := range notes {
		fmt.Fprintln(g.io.Out, n)
	}
	fmt.Fprintf(g.io.Out, "%s; %s; peak RSS: %s\n", rep.Machine, rep.Elapsed, rep.RSS)
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
