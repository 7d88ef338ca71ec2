package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/api/serviceerror"

	"github.com/syncctl/syncctl/config"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping/pricing"
	"github.com/syncctl/syncctl/store"
	"github.com/syncctl/syncctl/workflows"
)

// newApprovalsCmd groups the answers to held price writes.
func newApprovalsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "approvals",
		Short: "List, show, approve or reject the price writes the guards held",
		Long: `Every price write passes the guards of the configuration's pricing section (floor, parity,
change size) before it is sent. A write that fails one is held, not sent: blocked when a floor
binds (no approval lets it through unless pricing.floor.allow_override), else waiting in a
PriceApproval workflow (SyncStatus awaiting-approval in the Web UI) for an answer here. An
approved write goes out at once; a rejected or expired one never does.`,
	}
	var all bool
	var shop domain.ShopRef
	list := &cobra.Command{
		Use:   "list",
		Short: "List the holds awaiting approval (--all: every hold, newest first)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return approvalsListRun(cmd.Context(), g, all, shop)
		},
	}
	list.Flags().BoolVar(&all, "all", false, "every hold: blocked, decided and superseded ones too")
	list.Flags().Var((*shopValue)(&shop), "shop", "only this shop (CHANNEL/SHOP)")
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show one hold: old and new price, every guard that fired, and its answer",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return approvalsShowRun(cmd.Context(), g, args[0])
		},
	}
	var by, reason string
	approve := &cobra.Command{
		Use:   "approve ID",
		Short: "Approve a held price write: it is sent at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return approvalsDecideRun(cmd.Context(), g, args[0], domain.HoldDecision{Approve: true, By: by, Reason: reason})
		},
	}
	reject := &cobra.Command{
		Use:   "reject ID --reason TEXT",
		Short: "Reject a held price write: it is never sent",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if reason == "" {
				return usageError{errors.New("--reason is required: say why the price must not go out")}
			}
			return approvalsDecideRun(cmd.Context(), g, args[0], domain.HoldDecision{By: by, Reason: reason})
		},
	}
	for _, c := range []*cobra.Command{approve, reject} {
		c.Flags().StringVar(&by, "by", "", "who decides (default: the OS user)")
		c.Flags().StringVar(&reason, "reason", "", "why (required to reject)")
	}
	cmd.AddCommand(list, show, approve, reject)
	return cmd
}

// parseHoldID reads "12", "#12" or "price-approval/12".
func parseHoldID(s string) (int64, error) {
	t := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), workflows.KindPriceApproval+"/"), "#")
	id, err := strconv.ParseInt(t, 10, 64)
	if err != nil || id <= 0 {
		return 0, usageError{fmt.Errorf("%q is not a hold id (write the number `syncctl approvals list` shows, such as 12)", s)}
	}
	return id, nil
}

func approvalsListRun(ctx context.Context, g *globals, all bool, shop domain.ShopRef) error {
	st, err := g.openStoreRead(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	f := store.HoldFilter{Limit: 200}
	if !all {
		f.Status = []domain.HoldStatus{domain.HoldPending}
	}
	if shop.Channel != "" {
		f.Shop = &shop
	}
	hs, err := st.ListHolds(ctx, f)
	if err != nil {
		return err
	}
	if g.json() {
		if hs == nil {
			hs = []domain.PriceHold{}
		}
		return g.printJSON(hs)
	}
	if len(hs) == 0 {
		if all {
			fmt.Fprintln(g.io.Out, "no price write was ever held")
		} else {
			fmt.Fprintln(g.io.Out, "no price write awaits approval (--all shows blocked and decided ones)")
		}
		return nil
	}
	tw := newTable(g.io.Out)
	tw.row("ID", "SHOP", "SKU", "SHOWS", "HELD PRICE", "GUARDS", "STATUS", "EXPIRES/DECIDED")
	for _, h := range hs {
		when := ""
		switch {
		case h.Status == domain.HoldPending:
			when = "expires " + h.ExpiresAt.In(pricing.ChinaTime()).Format("2006-01-02 15:04")
		case !h.DecidedAt.IsZero():
			when = h.DecidedAt.In(pricing.ChinaTime()).Format("2006-01-02 15:04")
			if h.DecidedBy != "" {
				when += " by " + safeText(h.DecidedBy)
			}
		}
		tw.row(h.ID, h.Shop.String(), h.SKUCode, yuanOrDash(h.Old), h.Price.Yuan(), guardNames(h.Violations), string(h.Status), when)
	}
	return tw.flush()
}

func yuanOrDash(m domain.Money) string {
	if m <= 0 {
		return "-"
	}
	return m.Yuan()
}

func guardNames(vs []domain.PriceViolation) string {
	seen := map[domain.PriceGuard]bool{}
	var out []string
	for _, v := range vs {
		if !seen[v.Guard] {
			seen[v.Guard] = true
			out = append(out, string(v.Guard))
		}
	}
	return strings.Join(out, ",")
}

func approvalsShowRun(ctx context.Context, g *globals, arg string) error {
	id, err := parseHoldID(arg)
	if err != nil {
		return err
	}
	st, err := g.openStoreRead(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	h, err := st.GetHold(ctx, id)
	if err != nil {
		return err
	}
	if g.json() {
		return g.printJSON(h)
	}
	printHold(g, h)
	return nil
}

func printHold(g *globals, h domain.PriceHold) {
	cst := pricing.ChinaTime()
	w := g.io.Out
	fmt.Fprintf(w, "hold #%d: %s on %s (product %s)\n", h.ID, h.SKUCode, h.Shop, h.ProductCode)
	fmt.Fprintf(w, "  price:   %s → %s (held, not sent)\n", yuanOrDash(h.Old), h.Price.Yuan())
	fmt.Fprintf(w, "  status:  %s\n", h.Status)
	fmt.Fprintf(w, "  held at: %s\n", h.CreatedAt.In(cst).Format("2006-01-02 15:04:05"))
	if h.Status == domain.HoldPending {
		fmt.Fprintf(w, "  expires: %s (unanswered, it is decided by pricing.approvals.on_expiry)\n", h.ExpiresAt.In(cst).Format("2006-01-02 15:04:05"))
		fmt.Fprintf(w, "  workflow: %s\n", workflows.PriceApprovalID(h.ID))
	}
	if !h.DecidedAt.IsZero() {
		fmt.Fprintf(w, "  decided: %s by %s", h.DecidedAt.In(cst).Format("2006-01-02 15:04:05"), safeText(orDash(h.DecidedBy)))
		if h.Note != "" {
			fmt.Fprintf(w, ": %s", safeText(h.Note))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "  guards:")
	for _, v := range h.Violations {
		action := "needs approval"
		if v.Action == domain.GuardBlock {
			action = "blocks"
		}
		fmt.Fprintf(w, "    %s (%s): %s\n", v.Guard, action, safeText(v.Reason))
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func approvalsDecideRun(ctx context.Context, g *globals, arg string, d domain.HoldDecision) error {
	id, err := parseHoldID(arg)
	if err != nil {
		return err
	}
	d.By = operator(d.By)
	cfg, err := g.load()
	if err != nil {
		return err
	}
	c, _, err := g.dialWith(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	h, err := workflows.Decide(ctx, c, id, d)
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return noApprovalWaiting(ctx, g, cfg, id)
		}
		return fmt.Errorf("hold #%d: %w", id, err)
	}
	if g.json() {
		return g.printJSON(h)
	}
	if h.Status == domain.HoldApproved {
		fmt.Fprintf(g.io.Out, "hold #%d approved by %s: %s on %s now %s\n", h.ID, safeText(h.DecidedBy), h.SKUCode, h.Shop, h.Price.Yuan())
	} else {
		fmt.Fprintf(g.io.Out, "hold #%d %s by %s: %s on %s stays %s\n", h.ID, h.Status, safeText(h.DecidedBy), h.SKUCode, h.Shop, yuanOrDash(h.Old))
	}
	return nil
}

// noApprovalWaiting says why a hold has no approval to answer: decided
// already, blocked by a floor, or unknown.
func noApprovalWaiting(ctx context.Context, g *globals, cfg config.Config, id int64) error {
	st, err := g.openStoreReadAt(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	h, err := st.GetHold(ctx, id)
	if err != nil {
		return err
	}
	switch h.Status {
	case domain.HoldBlocked:
		return domain.Errorf(domain.EConflict, "hold #%d is blocked: %s; no approval lets a floor violation through (pricing.floor.allow_override)", id, h.Reason())
	case domain.HoldPending:
		return domain.Errorf(domain.EUnavailable, "hold #%d awaits approval but its workflow %s is not running on this Temporal (is this the worker's cluster and namespace?)", id, workflows.PriceApprovalID(id))
	}
	by := ""
	if h.DecidedBy != "" {
		by = " by " + h.DecidedBy
	}
	return domain.Errorf(domain.EConflict, "hold #%d is %s already%s (%s)", id, h.Status, by, h.Note)
}
