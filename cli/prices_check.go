package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/syncctl/syncctl/config"
	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/shopgate"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/platforms"
	"github.com/syncctl/syncctl/store"
	"github.com/syncctl/syncctl/workflows"
)

// pricesCheckOptions are the flags of `syncctl prices check`.
type pricesCheckOptions struct {
	shop     domain.ShopRef // zero: every shop
	at       time.Time
	strict   bool
	live     bool          // read the prices from the platforms whose connectors can
	schedule time.Duration // >0: create a Temporal Schedule checking --shop this often
}

// newPricesCheckCmd is the scheduled audit of channel prices: every SKU of
// the catalog against the floor and parity guards on every shop that shows
// it, exit 3 while a violation exists.
func newPricesCheckCmd(g *globals) *cobra.Command {
	o := &pricesCheckOptions{}
	var at string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check the price every shop shows of every SKU against the floor and parity guards (exit 3 on a violation)",
		Long: `check compares the whole catalog with what each shop shows and lists the prices that break
the configuration's guards: a price below the floor (cost margin, minimum advertised price) and
a shop outside its parity band around the reference shop. It also lists the prices that differ
from what the shop's pricing rule gives now (drift): a held write, a promotion that started or
ended, a pricing section edited since the last push. Drift breaks no guard and is listed apart.

What a shop shows is read from its platform where the connector can (Tmall/Taobao
taobao.item.seller.get, WeChat product/get's online copy, Douyin product.detail, Kuaishou
open.item.get, JD sku.read.searchSkuList): the shop is opened from --config
as the worker opens it (its credentials from the same env vars or files; tokens the worker
keeps in the store are used, never refreshed here) and each listed product is read once,
paced by the shop's quota. Elsewhere, and everywhere with --live=false, it is the last price
syncctl pushed to the listings that are on sale, so a change made in the platform's back
office is not seen. The SOURCE column and the JSON "sources" say which, by shop; a read that
fails (a shop paused, no credentials here, the platform down) is a warning on stderr and the
check goes on with that shop's last pushed prices.

Exit status: 0 when every price passes, 3 while a violation exists (with --strict, drift too),
so a scheduler can alert on it. --shop checks one shop: its floor and drift, and the parity rules
that hold it or take it as the reference. --at evaluates the rules at another time ("2025-11-11
10:00" China time, or RFC 3339).

--schedule EVERY (with --shop) makes Temporal run the check of that shop every EVERY instead:
a PriceCheck workflow per run on the shop's queue, ending with SyncStatus price-violations
when it found any (its result lists them), visible on the Web UI's Schedules page. The worker
reads the prices of the shops it serves from their platforms the same way.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.at = time.Now()
			if at != "" {
				t, err := parseChinaTime(at)
				if err != nil {
					return usageError{fmt.Errorf("--at: %w", err)}
				}
				o.at = t
			}
			if o.schedule > 0 {
				if o.shop.Channel == "" {
					return usageError{errors.New("--schedule checks one shop: name it with --shop")}
				}
				return withTemporal(cmd.Context(), g, func(ctx context.Context, _ config.Config, c client.Client) error {
					if err := workflows.SchedulePriceChecks(ctx, c, workflows.TaskQueue, o.shop, o.schedule); err != nil {
						return err
					}
					fmt.Fprintf(g.io.Out, "%s: a price check of %s every %s\n", workflows.PriceCheckScheduleID(o.shop), o.shop, o.schedule)
					return nil
				})
			}
			return pricesCheckRun(cmd.Context(), g, o)
		},
	}
	cmd.Flags().DurationVar(&o.schedule, "schedule", 0, "with --shop: have Temporal run this check every DURATION (at least 1m)")
	cmd.Flags().Var((*shopValue)(&o.shop), "shop", "check one shop only: CHANNEL/SHOP, e.g. tmall/flagship")
	cmd.Flags().StringVar(&at, "at", "", "evaluate the pricing rules at this time instead of now")
	cmd.Flags().BoolVar(&o.strict, "strict", false, "exit 3 also when a shop shows another price than its rule gives")
	cmd.Flags().BoolVar(&o.live, "live", true, "read what each shop shows from its platform where the connector can (false: the last pushed prices)")
	return cmd
}

func pricesCheckRun(ctx context.Context, g *globals, o *pricesCheckOptions) error {
	cfg, pol, st, err := g.pricingAt(ctx)
	if err != nil {
		return err
	}
	defer st.Close()

	shops := map[domain.ShopRef]bool{}
	for _, s := range cfg.Shops {
		shops[domain.ShopRef{Channel: s.Channel, Shop: s.Shop}] = true
	}
	var only *domain.ShopRef
	if o.shop.Channel != "" {
		only = &o.shop
		if !shops[o.shop] {
			// A mistyped shop must not pass as a clean one.
			ls, err := st.ListListings(ctx, o.shop, "", 1)
			if err != nil {
				return err
			}
			if len(ls) == 0 {
				return usageError{fmt.Errorf("--shop %s is not configured and has no listing", o.shop)}
			}
		}
		shops = map[domain.ShopRef]bool{o.shop: true}
	}

	var channels workflows.ChannelOf
	if o.live {
		channels = configChannels(cfg, st)
	}
	res, err := workflows.CheckPrices(ctx, st, pol, shops, only, o.at, channels)
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(g.io.Err, "warning: %s\n", w)
	}

	if g.json() {
		if err := g.printJSON(res); err != nil {
			return err
		}
	} else if err := printPriceCheck(g, res); err != nil {
		return err
	}
	switch {
	case len(res.Violations) > 0:
		return partialError{plural(len(res.Violations), "price violation", "price violations")}
	case o.strict && len(res.Drift) > 0:
		return partialError{fmt.Sprintf("%s from the pricing rules (--strict)", plural(len(res.Drift), "price differs", "prices differ"))}
	}
	return nil
}

// configChannels opens the connector of a configured shop when the check
// first asks for it, as the worker opens it: credentials from the env vars
// or files the configuration names, the store's tokens, bans and pauses. A
// token is used, never refreshed here (usedTokens): a refresh would race
// the worker's, and Kuaishou's rotates its refresh token. A shop not in the
// configuration is ENotFound: its last pushed prices are checked.
func configChannels(cfg config.Config, st store.Store) workflows.ChannelOf {
	stored, _ := st.(connectors.TokenStore)
	tokens := usedTokens{stored}
	bans, _ := st.(shopgate.BanStore)
	return func(ref domain.ShopRef) (connectors.Channel, error) {
		for _, s := range cfg.Shops {
			if s.Channel != ref.Channel || s.Shop != ref.Shop {
				continue
			}
			one := cfg
			one.Shops = []config.Shop{s}
			scs, err := one.ShopConfigs()
			if err != nil {
				return nil, err
			}
			scs[0].Tokens, scs[0].Bans = tokens, bans
			return platforms.Open(scs[0])
		}
		return nil, domain.Errorf(domain.ENotFound, "shop %s is not configured", ref)
	}
}

// usedTokens hands the connectors of `prices check` the tokens the workers
// keep in the store and refuses to refresh one.
type usedTokens struct{ stored connectors.TokenStore }

func (u usedTokens) LoadToken(ctx context.Context, shop domain.ShopRef) (connectors.Token, bool, error) {
	if u.stored == nil {
		return connectors.Token{}, false, nil
	}
	return u.stored.LoadToken(ctx, shop)
}

func (u usedTokens) ClaimRefresh(context.Context, domain.ShopRef, string, time.Duration) (connectors.Token, bool, bool, error) {
	return connectors.Token{}, false, false, domain.Errorf(domain.EUnavailable,
		"no live token in the store, and prices check never refreshes one (a worker serving the shop does)")
}

func (u usedTokens) SaveToken(_ context.Context, shop domain.ShopRef, _ string, _ connectors.Token) (connectors.Token, error) {
	return connectors.Token{}, domain.Errorf(domain.EConflict, "token of shop %s: prices check saves no token", shop)
}

func (u usedTokens) ReleaseRefresh(context.Context, domain.ShopRef, string) error { return nil }

func printPriceCheck(g *globals, res workflows.PriceCheck) error {
	w := g.io.Out
	if len(res.Violations)+len(res.Drift) > 0 {
		tw := newTable(w)
		tw.row("SKU", "SHOP", "SHOWS", "SOURCE", "RULE/LIMIT", "GUARD", "REASON")
		for _, v := range res.Violations {
			tw.row(v.SKU, v.Shop.String(), v.Price.Yuan(), res.Sources[v.Shop.String()], yuanOrDash(v.Limit), string(v.Guard), v.Reason)
		}
		for _, d := range res.Drift {
			tw.row(d.SKU, d.Shop.String(), d.Shows.Yuan(), res.Sources[d.Shop.String()], d.RulePrice.Yuan(), "drift", d.Reason)
		}
		if err := tw.flush(); err != nil {
			return err
		}
	}
	differ := plural(len(res.Drift), "price differs from its rule", "prices differ from their rule")
	if _, err := fmt.Fprintf(w, "%s checked on %s: %s, %s\n", plural(res.CheckedSKUs, "SKU", "SKUs"),
		plural(len(res.Shops), "shop", "shops"), plural(len(res.Violations), "violation", "violations"), differ); err != nil {
		return err
	}
	return printPriceSources(w, res.Sources)
}

// printPriceSources says where the prices came from, shops grouped by
// source: "price sources: platform: tmall/flagship; last pushed: kuaishou/live".
func printPriceSources(w io.Writer, sources map[string]string) error {
	by := map[string][]string{}
	for shop, src := range sources {
		by[src] = append(by[src], shop)
	}
	var parts []string
	for _, src := range []string{workflows.SourcePlatform, workflows.SourceMixed, workflows.SourceLastPushed} {
		if len(by[src]) == 0 {
			continue
		}
		sort.Strings(by[src])
		parts = append(parts, src+": "+strings.Join(by[src], ", "))
	}
	if len(parts) == 0 {
		return nil
	}
	_, err := fmt.Fprintf(w, "price sources: %s\n", strings.Join(parts, "; "))
	return err
}
