package cli

import (
	"context"
	"fmt"
	"os/user"
	"sort"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/syncctl/syncctl/connectors/shopgate"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/platforms"
	"github.com/syncctl/syncctl/store"
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
	by := operator("")
	p := domain.ShopPause{Shop: o.shop, Reason: o.reason, By: by, At: time.Now().UTC().Truncate(time.Second)}
	if err := st.PauseShop(ctx, p); err != nil {
		return err
	}
	fmt.Fprintf(g.io.Out, "%s paused by %s: %s\n", o.shop, by, o.reason)
	return nil
}

// ShopStatus is one shop's line of `syncctl channels status`.
type ShopStatus struct {
	Shop       domain.ShopRef      `json:"shop"`
	QPS        float64             `json:"qps,omitempty"`      // the quota every worker paces the shop at (0: not configured here)
	Pause      *domain.ShopPause   `json:"pause,omitempty"`    // the operator's pause
	BanUntil   time.Time           `json:"ban_until,omitzero"` // the platform's throttle ban, while it lasts
	Breaker    *domain.ShopBreaker `json:"breaker,omitempty"`  // the circuit breaker, when it ever opened
	ERPPending int                 `json:"erp_pending"`        // order versions not yet accepted by the ERP
	Approvals  int                 `json:"approvals"`          // price writes awaiting approval
	// CallsPerMinute is every worker's calls to the shop in the last
	// minute, as the worker processes last counted (within UsageFresh);
	// QuotaUse is that against QPS (1 = the whole quota).
	CallsPerMinute int     `json:"calls_per_minute"`
	Workers        int     `json:"workers_counted"`
	QuotaUse       float64 `json:"quota_use"`
}

// UsageFresh is how old a worker's count of its calls may be and still
// count: workers count every 30 s (app.QuotaShareEvery).
const UsageFresh = 90 * time.Second

// channelsStatusRun shows, per shop, what holds its calls (pause, ban,
// breaker), its quota and its backlog: the shops of the configuration and
// every shop the store knows a pause or breaker of.
func channelsStatusRun(ctx context.Context, g *globals) error {
	cfg, err := g.load()
	if err != nil {
		return err
	}
	st, err := g.openStoreReadAt(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	byShop := map[domain.ShopRef]*ShopStatus{}
	get := func(ref domain.ShopRef) *ShopStatus {
		if s, ok := byShop[ref]; ok {
			return s
		}
		s := &ShopStatus{Shop: ref}
		byShop[ref] = s
		return s
	}
	for _, sc := range cfg.Shops {
		s := get(domain.ShopRef{Channel: sc.Channel, Shop: sc.Shop})
		s.QPS = sc.QPS
		if r, ok := platforms.Lookup(sc.Channel); ok && s.QPS <= 0 {
			s.QPS = r.Connector.DefaultQPS
		}
	}
	ps, err := st.ListPauses(ctx)
	if err != nil {
		return err
	}
	for _, p := range ps {
		get(p.Shop).Pause = &p
	}
	bs, err := st.ListBreakers(ctx)
	if err != nil {
		return err
	}
	for _, b := range bs {
		get(b.Shop).Breaker = &b
	}
	pending, err := st.ListHolds(ctx, store.HoldFilter{Status: []domain.HoldStatus{domain.HoldPending}, Limit: 10000})
	if err != nil {
		return err
	}
	for _, h := range pending {
		get(h.Shop).Approvals++
	}
	now := time.Now()
	usages, err := st.ShopUsages(ctx, now.Add(-UsageFresh))
	if err != nil {
		return err
	}
	for _, u := range usages {
		s := get(u.Shop)
		s.CallsPerMinute, s.Workers = u.CallsPerMinute, u.Processes
	}
	out := make([]ShopStatus, 0, len(byShop))
	for ref, s := range byShop {
		if until, err := st.LoadBan(ctx, ref); err == nil && until.After(now) {
			s.BanUntil = until
		}
		if s.ERPPending, err = st.CountPendingDeliveries(ctx, ref); err != nil {
			return err
		}
		if s.QPS > 0 {
			s.QuotaUse = float64(s.CallsPerMinute) / 60 / s.QPS
		}
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Shop.String() < out[j].Shop.String() })
	if g.json() {
		return g.printJSON(out)
	}
	if len(out) == 0 {
		fmt.Fprintln(g.io.Out, "no shop is configured, paused or ever out: nothing to show (pass --config)")
		return nil
	}
	tw := newTable(g.io.Out)
	tw.row("SHOP", "CALLS", "BREAKER", "QPS", "QUOTA USE", "ERP PENDING", "APPROVALS", "WHY")
	for _, s := range out {
		calls, why := "go", ""
		brk := string(domain.BreakerClosed)
		if b := s.Breaker; b != nil {
			brk = string(b.State)
			if b.State != domain.BreakerClosed {
				calls = "held"
				why = fmt.Sprintf("breaker %s after %d unanswered calls (last: %s)", b.State, b.Failures, safeText(b.LastError))
				if b.State == domain.BreakerOpen {
					why += "; probe at " + b.OpenUntil.Local().Format("15:04:05")
				}
			}
		}
		if !s.BanUntil.IsZero() {
			calls, why = "held", "banned by the platform until "+s.BanUntil.Local().Format("15:04:05")
		}
		if p := s.Pause; p != nil {
			calls, why = "paused", fmt.Sprintf("paused by %s since %s: %s", safeText(p.By), p.At.Format(time.RFC3339), safeText(p.Reason))
		}
		qps := "-"
		if s.QPS > 0 {
			qps = strconv.FormatFloat(s.QPS, 'g', -1, 64)
		}
		use := "-"
		if s.Workers > 0 {
			use = fmt.Sprintf("%d/min", s.CallsPerMinute)
			if s.QPS > 0 {
				use = fmt.Sprintf("%.0f%% (%d/min, %d worker", 100*s.QuotaUse, s.CallsPerMinute, s.Workers)
				if s.Workers > 1 {
					use += "s"
				}
				use += ")"
			}
		}
		tw.row(s.Shop.String(), calls, brk, qps, use, s.ERPPending, s.Approvals, why)
	}
	return tw.flush()
}

// operator is who an operator's act is recorded as: the name given (--by),
// else the OS user, else "an operator".
func operator(by string) string {
	if by != "" {
		return by
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "an operator"
}
