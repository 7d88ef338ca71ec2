package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/workflows"
)

// pushOptions are the flags of `syncctl push`.
type pushOptions struct {
	shop domain.ShopRef
	wait bool
	all  bool
}

func newPushCmd(g *globals, runF runFunc[pushOptions]) *cobra.Command {
	if runF == nil {
		runF = pushRun
	}
	o := &pushOptions{}
	cmd := &cobra.Command{
		Use:   "push --shop CHANNEL/SHOP",
		Short: "Push the changed part of the catalog to a shop and show progress",
		Long: `push starts the shop's catalog push (or joins the one running) and waits for it, with a
progress bar on stderr when that is a terminal. Exit code 3 when some products failed.
With --wait=false it prints the workflow id and run id and returns.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runF(cmd.Context(), g, o)
		},
	}
	shopFlagVar(cmd, &o.shop)
	cmd.Flags().BoolVar(&o.wait, "wait", true, "wait for the push to finish, showing progress")
	cmd.Flags().BoolVar(&o.all, "all", false, "compare every catalog product with the shop, not only the changed ones (after a stock policy change, or edits made on the platform); up-to-date products still cost no call")
	return cmd
}

func pushRun(ctx context.Context, g *globals, o *pushOptions) error {
	id := workflows.CatalogPushID(o.shop)
	c, run, err := g.startWorkflow(ctx, o.shop, id, workflows.CatalogPushWorkflowName, workflows.CatalogPushInput{Shop: o.shop, All: o.all})
	if err != nil {
		return err
	}
	defer c.Close()
	if !o.wait {
		return g.printStarted(id, "push", run)
	}
	if run.Joined {
		fmt.Fprintf(g.io.Err, "joined the running catalog push %s (run %s, started %s)\n", id, run.GetRunID(), run.StartedAt.UTC().Format(time.RFC3339))
	} else {
		fmt.Fprintf(g.io.Err, "catalog push %s (run %s)\n", id, run.GetRunID())
	}
	res, err := waitForPush(ctx, g, c, id, run)
	if err != nil {
		return err
	}
	return printPushResult(g, id, o.shop, res)
}

// printPushResult prints a finished push and fails as partial when some
// products failed. The workflow keeps only the first failures
// (workflows.MaxReportedFailures); the line after them says where every
// reason is.
func printPushResult(g *globals, id string, shop domain.ShopRef, res workflows.PushProgress) error {
	if g.json() {
		if err := g.printJSON(res); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(g.io.Out, "%s: %d/%d products pushed, %d SKUs, %d failed, %d calls", id, res.Pushed, res.Total, res.SKUs, res.Failed, res.Calls)
		if res.Removed > 0 {
			fmt.Fprintf(g.io.Out, ", %d SKUs ended on the channel (removed from the catalog)", res.Removed)
		}
		if res.Throttled > 0 {
			fmt.Fprintf(g.io.Out, " (%d throttled, %d retries)", res.Throttled, res.Retries)
		}
		fmt.Fprintln(g.io.Out)
		if pl := res.Pool; pl != nil {
			fmt.Fprintf(g.io.Out, "  promotion pool: %d products in it (%d joined, %d rates changed, %d left)\n", pl.InPool, pl.Joined, pl.Updated, pl.Left)
			for _, f := range pl.Failures {
				fmt.Fprintf(g.io.Out, "  pool refused %s: %s\n", safeText(f.Product), safeText(f.Reason))
			}
		}
		if res.Held > 0 {
			fmt.Fprintf(g.io.Out, "  %d SKU prices held by the price guards, not sent: syncctl approvals list --all --shop %s\n", res.Held, shop)
			for _, h := range res.Holds {
				fmt.Fprintf(g.io.Out, "  held %s at %s (#%d %s): %s\n", safeText(h.SKU), h.Price.Yuan(), h.Hold, h.Status, safeText(h.Reason))
			}
		}
		if res.OverSold > 0 {
			fmt.Fprintf(g.io.Out, "  %d SKUs over-sold: the channel reports selling more than the stock just set (over_sell in syncctl listings -o json)\n", res.OverSold)
		}
		for _, f := range res.Failures {
			fmt.Fprintf(g.io.Out, "  failed %s: %s\n", safeText(f.Product), safeText(f.Reason))
		}
		if more := res.Failed - len(res.Failures); more > 0 {
			fmt.Fprintf(g.io.Out, "  … and %d more; every reason: syncctl listings --shop %s --status failed\n", more, shop)
		}
	}
	if res.Failed > 0 {
		return partialError{fmt.Sprintf("%s: %d products failed", id, res.Failed)}
	}
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
					// \033[K: a shorter line must not leave the end of a longer one.
					fmt.Fprintf(g.io.Err, "\r%s\033[K", progressLine(p, time.Now(), termWidth(g.io.Err)))
					drawn = true
				}
			}
		}
	}
}

// progressLine is the push's progress bar line; while a chunk waits for a
// throttled or unavailable channel it says so, when it goes again and the
// channel's words: "retrying in 12s: tmall: App Call Limited [7] …". It
// is cut to width columns (the terminal's line), the channel's words
// escaped.
func progressLine(p workflows.PushProgress, now time.Time, width int) string {
	done := p.Pushed + p.Failed
	line := fmt.Sprintf("%s %d/%d products, %d failed", bar(done, p.Total), done, p.Total, p.Failed)
	if p.NextAttempt != nil && p.LastError != "" {
		wait := p.NextAttempt.Sub(now).Round(time.Second)
		when := "now"
		if wait > 0 {
			when = "in " + wait.String()
		}
		line += " — retrying " + when + ": " + safeText(p.LastError)
	}
	return cutToWidth(line, width)
}

// cutToWidth shortens s to at most width display columns, ending it with
// "…" when cut.
func cutToWidth(s string, width int) string {
	if displayWidth(s) <= width {
		return s
	}
	n := 0
	for i, r := range s {
		if n+runeWidth(r) > width-1 {
			return s[:i] + "…"
		}
		n += runeWidth(r)
	}
	return s
}

func bar(done, total int) string {
	const width = 30
	if total <= 0 {
		total = 1
	}
	n := min(width, done*width/total)
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", width-n) + "]"
}
