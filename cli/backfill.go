package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping/pricing"
	"github.com/syncctl/syncctl/workflows"
)

type backfillOptions struct {
	shop     domain.ShopRef
	from, to string
	wait     bool
}

func newOrdersBackfillCmd(g *globals) *cobra.Command {
	o := &backfillOptions{}
	cmd := &cobra.Command{
		Use:   "backfill --shop CHANNEL/SHOP --from TIME [--to TIME]",
		Short: "Re-read a range of a shop's orders: what the pulls missed reaches the ERP once",
		Long: `backfill re-reads the orders the platform shows as modified from --from until --to (default
now), window by window within the platform's window and look-back limits, without moving the
shop's pull cursor. Every order goes through the pulls' dedupe, so the ERP gets what it missed
(orders the platform indexed late, a range an outage skipped) and nothing twice, even while
the pull runs. The OrderBackfill workflow keeps its position: a worker that dies resumes where it
was, and a second backfill of the same range joins the first. Times are China time ("2026-11-11
00:00") or RFC 3339.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return backfillRun(cmd.Context(), g, o) },
	}
	shopFlagVar(cmd, &o.shop)
	cmd.Flags().StringVar(&o.from, "from", "", "start of the range (required)")
	cmd.Flags().StringVar(&o.to, "to", "", "end of the range (default now)")
	cmd.Flags().BoolVar(&o.wait, "wait", true, "wait for the backfill and print what it found (--wait=false: start it and return)")
	_ = cmd.MarkFlagRequired("from")
	return cmd
}

func backfillRun(ctx context.Context, g *globals, o *backfillOptions) error {
	from, err := parseChinaTime(o.from)
	if err != nil {
		return usageError{fmt.Errorf("--from: %w", err)}
	}
	to := time.Now().Truncate(time.Second)
	if o.to != "" {
		if to, err = parseChinaTime(o.to); err != nil {
			return usageError{fmt.Errorf("--to: %w", err)}
		}
	}
	if !to.After(from) {
		return usageError{fmt.Errorf("--to %s is not after --from %s", to.Format(time.RFC3339), from.Format(time.RFC3339))}
	}
	in := workflows.OrderBackfillInput{Shop: o.shop, From: from.UTC(), To: to.UTC()}
	id := workflows.OrderBackfillID(o.shop, in.From, in.To)
	c, run, err := g.startWorkflow(ctx, o.shop, id, workflows.OrderBackfillWorkflowName, in)
	if err != nil {
		return err
	}
	defer c.Close()
	if !o.wait {
		return g.printStarted(id, "backfill", run)
	}
	var p workflows.BackfillProgress
	if err := run.Get(ctx, &p); err != nil {
		return fmt.Errorf("%s: %w", id, err)
	}
	if g.json() {
		return g.printJSON(p)
	}
	cst := pricing.ChinaTime()
	fmt.Fprintf(g.io.Out, "%s: %s – %s China time, %d windows, %d orders read: %d the pulls had missed, %d newer versions, %d rejected; %d deliveries sent (%d calls)\n",
		id, p.From.In(cst).Format("2006-01-02 15:04"), p.To.In(cst).Format("2006-01-02 15:04"), p.Windows, p.Seen, p.Created, p.Updated, p.Rejected, p.Dispatched, p.Calls)
	if p.Rejected > 0 {
		return partialError{fmt.Sprintf("%d orders could not be mapped: syncctl orders rejected --shop %s", p.Rejected, o.shop)}
	}
	return nil
}
