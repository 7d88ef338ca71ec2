package cli

import (
	"context"
	"fmt"
	"os/user"
	"time"

	"github.com/spf13/cobra"

	"github.com/syncctl/syncctl/connectors/shopgate"
	"github.com/syncctl/syncctl/domain"
)

// pauseOptions are the flags of `syncctl channels pause|resume`.
type pauseOptions struct {
	shop   domain.ShopRef
	reason string
	resume bool
}

// newChannelsPauseCmd is the kill switch on one shop: while paused, no
// worker calls it; its pushes and pulls wait (status retrying, the reason
// shown) and go on after resume.
func newChannelsPauseCmd(g *globals, resume bool, runF runFunc[pauseOptions]) *cobra.Command {
	if runF == nil {
		runF = pauseRun
	}
	o := &pauseOptions{resume: resume}
	cmd := &cobra.Command{
		Use:   "pause --shop CHANNEL/SHOP --reason TEXT",
		Short: "Stop every call to a shop until it is resumed (its writes and pulls wait)",
		Long: `pause is the kill switch on one shop. Within a second no worker calls it any more: its
pushes and order pulls wait (SyncStatus retrying, with the reason in their progress and the
Web UI) and go on where they stopped after 'syncctl channels resume'. Nothing is lost and
nothing is sent twice. The reason is required: it is what the next person sees.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !o.resume && o.reason == "" {
				return usageError{fmt.Errorf("--reason is required: say why the shop is paused")}
			}
			return runF(cmd.Context(), g, o)
		},
	}
	if resume {
		cmd.Use = "resume --shop CHANNEL/SHOP"
		cmd.Short = "End a shop's pause: its waiting pushes and pulls go on"
		cmd.Long = ""
	} else {
		cmd.Flags().StringVar(&o.reason, "reason", "", "why (shown with every call held)")
	}
	shopFlagVar(cmd, &o.shop)
	return cmd
}

func pauseRun(ctx context.Context, g *globals, o *pauseOptions) error {
	st, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if o.resume {
		if err := st.ResumeShop(ctx, o.shop); err != nil {
			return err
		}
		fmt.Fprintf(g.io.Out, "%s resumed: its waiting pushes and pulls go on within %s\n", o.shop, shopgate.PausedRetry)
		return nil
	}
	by := "an operator"
	if u, err := user.Current(); err == nil && u.Username != "" {
		by = u.Username
	}
	p := domain.ShopPause{Shop: o.shop, Reason: o.reason, By: by, At: time.Now().UTC().Truncate(time.Second)}
	if err := st.PauseShop(ctx, p); err != nil {
		return err
	}
	fmt.Fprintf(g.io.Out, "%s paused by %s: %s\n", o.shop, by, o.reason)
	return nil
}

// channelsStatusRun lists the paused shops (the command has no flags).
func channelsStatusRun(ctx context.Context, g *globals) error {
	st, err := g.openStoreRead(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	ps, err := st.ListPauses(ctx)
	if err != nil {
		return err
	}
	if g.json() {
		if ps == nil {
			ps = []domain.ShopPause{}
		}
		return g.printJSON(ps)
	}
	if len(ps) == 0 {
		fmt.Fprintln(g.io.Out, "no shop is paused")
		return nil
	}
	tw := newTable(g.io.Out)
	tw.row("SHOP", "PAUSED BY", "SINCE", "REASON")
	for _, p := range ps {
		tw.row(p.Shop.String(), p.By, p.At.Format(time.RFC3339), safeText(p.Reason))
	}
	return tw.flush()
}
