package cli

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/syncctl/syncctl/config"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping/pricing"
	"github.com/syncctl/syncctl/workflows"
)

func newSchedulesCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schedules",
		Short: "Run a shop's order pulls as a Temporal Schedule: create, list, pause, resume, delete",
		Long: `A schedule starts a one-shot order pull of the shop every --every (pull until caught up,
hand the versions to the ERP, finish), instead of the long-running 'orders pull'. A pull still
running when the next is due is skipped, not doubled. The schedule is Temporal's own: the Web
UI's Schedules page shows it, its runs and its next times. The pull's settings (window, overlap,
lag, look-back) come from the configuration's orders section.`,
	}
	var shop domain.ShopRef
	var every time.Duration
	var note string
	create := &cobra.Command{
		Use:   "create --shop CHANNEL/SHOP --every DURATION",
		Short: "Create the shop's order-pull schedule (or change its interval)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if every < time.Second {
				return usageError{fmt.Errorf("--every must be at least 1s, not %s", every)}
			}
			return withTemporal(cmd.Context(), g, func(ctx context.Context, cfg config.Config, c client.Client) error {
				if err := workflows.ScheduleOrderPulls(ctx, c, workflows.TaskQueue, shop, every, cfg.Orders); err != nil {
					return err
				}
				fmt.Fprintf(g.io.Out, "%s: an order pull of %s every %s\n", workflows.OrderPullScheduleID(shop), shop, every)
				return nil
			})
		},
	}
	shopFlagVar(create, &shop)
	create.Flags().DurationVar(&every, "every", 5*time.Minute, "how often a pull starts")
	list := &cobra.Command{
		Use:   "list [--shop CHANNEL/SHOP]",
		Short: "Show the order-pull schedules of the configured shops (or of one): interval, paused, runs, last and next",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withTemporal(cmd.Context(), g, func(ctx context.Context, cfg config.Config, c client.Client) error {
				return schedulesListRun(ctx, g, cfg, c, shop)
			})
		},
	}
	list.Flags().Var((*shopValue)(&shop), "shop", "only this shop (CHANNEL/SHOP)")
	toggle := func(pause bool) *cobra.Command {
		use, short := "resume --shop CHANNEL/SHOP", "Resume the shop's schedule"
		if pause {
			use, short = "pause --shop CHANNEL/SHOP [--note TEXT]", "Pause the shop's schedule (no pull starts until resume)"
		}
		c := &cobra.Command{
			Use: use, Short: short, Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				return withTemporal(cmd.Context(), g, func(ctx context.Context, _ config.Config, c client.Client) error {
					n := note
					if n == "" {
						n = "by " + operator("")
					}
					if err := workflows.PausePullSchedule(ctx, c, shop, pause, n); err != nil {
						return err
					}
					what := "resumed"
					if pause {
						what = "paused"
					}
					fmt.Fprintf(g.io.Out, "%s %s\n", workflows.OrderPullScheduleID(shop), what)
					return nil
				})
			},
		}
		shopFlagVar(c, &shop)
		c.Flags().StringVar(&note, "note", "", "why (shown in the Web UI)")
		return c
	}
	del := &cobra.Command{
		Use:   "delete --shop CHANNEL/SHOP",
		Short: "Delete the shop's schedule (a pull it started runs on)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withTemporal(cmd.Context(), g, func(ctx context.Context, _ config.Config, c client.Client) error {
				if err := workflows.DeletePullSchedule(ctx, c, shop); err != nil {
					return err
				}
				fmt.Fprintf(g.io.Out, "%s deleted\n", workflows.OrderPullScheduleID(shop))
				return nil
			})
		},
	}
	shopFlagVar(del, &shop)
	cmd.AddCommand(create, list, toggle(true), toggle(false), del)
	return cmd
}

// withTemporal loads the configuration and dials its Temporal for f.
func withTemporal(ctx context.Context, g *globals, f func(context.Context, config.Config, client.Client) error) error {
	cfg, err := g.load()
	if err != nil {
		return err
	}
	c, _, err := g.dialWith(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	return f(ctx, cfg, c)
}

func schedulesListRun(ctx context.Context, g *globals, cfg config.Config, c client.Client, only domain.ShopRef) error {
	var shops []domain.ShopRef
	if only.Channel != "" {
		shops = []domain.ShopRef{only}
	} else {
		for _, s := range cfg.Shops {
			shops = append(shops, domain.ShopRef{Channel: s.Channel, Shop: s.Shop})
		}
		sort.Slice(shops, func(i, j int) bool { return shops[i].String() < shops[j].String() })
	}
	out := []workflows.PullSchedule{}
	for _, shop := range shops {
		s, ok, err := workflows.DescribePullSchedule(ctx, c, shop)
		if err != nil {
			return err
		}
		if ok {
			out = append(out, s)
		}
	}
	if g.json() {
		return g.printJSON(out)
	}
	if len(out) == 0 {
		fmt.Fprintln(g.io.Out, "no order-pull schedule (of the configured shops; --shop names another)")
		return nil
	}
	cst := pricing.ChinaTime()
	at := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.In(cst).Format("01-02 15:04:05")
	}
	tw := newTable(g.io.Out)
	tw.row("SCHEDULE", "EVERY", "STATE", "RUNS", "SKIPPED", "LAST", "NEXT", "NOTE")
	for _, s := range out {
		state := "active"
		if s.Paused {
			state = "paused"
		}
		tw.row(s.ID, s.Every.String(), state, s.Runs, s.Skipped, at(s.LastRun), at(s.Next), safeText(s.Note))
	}
	return tw.flush()
}
