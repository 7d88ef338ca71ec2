package cli

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping/pricing"
	"github.com/syncctl/syncctl/store"
)

// pricesCheckOptions are the flags of `syncctl prices check`.
type pricesCheckOptions struct {
	shop   domain.ShopRef // zero: every shop
	at     time.Time
	strict bool
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

What a shop shows is the last price syncctl pushed to its listings that are on sale: prices are
not read back from the platforms, so a change made in a platform's back office is not seen.

Exit status: 0 when every price passes, 3 while a violation exists (with --strict, drift too),
so a scheduler can alert on it. --shop checks one shop: its floor and drift, and the parity rules
that hold it or take it as the reference. --at evaluates the rules at another time ("2025-11-11
10:00" China time, or RFC 3339).`,
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
			return pricesCheckRun(cmd.Context(), g, o)
		},
	}
	cmd.Flags().Var((*shopValue)(&o.shop), "shop", "check one shop only: CHANNEL/SHOP, e.g. tmall/flagship")
	cmd.Flags().StringVar(&at, "at", "", "evaluate the pricing rules at this time instead of now")
	cmd.Flags().BoolVar(&o.strict, "strict", false, "exit 3 also when a shop shows another price than its rule gives")
	return cmd
}

// PriceDrift is a shop showing another price than its pricing rule gives:
// no guard is broken, but the price is not what the configuration says.
type PriceDrift struct {
	SKU       string         `json:"sku"`
	Shop      domain.ShopRef `json:"shop"`
	Shows     domain.Money   `json:"shows"`
	RulePrice domain.Money   `json:"rule_price"`
	Rule      string         `json:"rule,omitempty"` // "" : no rule, the list price
	Reason    string         `json:"reason"`         // the rule and its derivation
}

// PriceCheck is what `prices check` prints as JSON.
type PriceCheck struct {
	At          time.Time               `json:"at"`
	CheckedSKUs int                     `json:"checked_skus"`
	Shops       []domain.ShopRef        `json:"shops"`
	Violations  []domain.PriceViolation `json:"violations"`
	Drift       []PriceDrift            `json:"drift"`
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

	res := PriceCheck{At: o.at, Violations: []domain.PriceViolation{}, Drift: []PriceDrift{}}
	// A page of products at a time, each SKU's live prices by one indexed
	// read: the same prices the parity guard of a push compares with.
	err = store.EachProduct(ctx, st, "", 0, func(prod domain.Product) error {
		for _, sku := range prod.SKUs {
			res.CheckedSKUs++
			live, err := st.LivePrices(ctx, sku.Code)
			if err != nil {
				return err
			}
			vs, drift := checkSKUPrices(pol, prod, sku, live, only, o.at)
			res.Violations = append(res.Violations, vs...)
			res.Drift = append(res.Drift, drift...)
			if only == nil {
				for s := range live {
					shops[s] = true
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for s := range shops {
		res.Shops = append(res.Shops, s)
	}
	sort.Slice(res.Shops, func(i, j int) bool { return res.Shops[i].String() < res.Shops[j].String() })
	if res.Shops == nil {
		res.Shops = []domain.ShopRef{}
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

// checkSKUPrices checks what the shops show of one SKU (live: its price on
// every shop where it is on sale): the floor on each shop, parity across
// them, and drift from each shop's rule at a time. only, if set, keeps the
// floor and drift of that shop and the parity violations it is held by or
// is the reference of. Violations come floor first, then parity, each by
// shop; drift by shop.
func checkSKUPrices(pol pricing.Policy, prod domain.Product, sku domain.SKU, live map[domain.ShopRef]domain.Money,
	only *domain.ShopRef, at time.Time) ([]domain.PriceViolation, []PriceDrift) {
	refs := make([]domain.ShopRef, 0, len(live))
	for s := range live {
		if only == nil || s == *only {
			refs = append(refs, s)
		}
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].String() < refs[j].String() })
	var vs []domain.PriceViolation
	for _, s := range refs {
		if v := pol.Floor.Check(prod, sku, s, live[s]); v != nil {
			vs = append(vs, *v)
		}
	}
	parity := pricing.CheckParity(pol.Parity, sku.Code, live)
	if only != nil {
		parity = pricing.Involving(parity, *only)
	}
	vs = append(vs, parity...)
	var drift []PriceDrift
	for _, s := range refs {
		rule := pol.RuleFor(s)
		price, d := rule.Price(prod, sku, at)
		if price == live[s] {
			continue
		}
		name := rule.Name
		if name == "" {
			name = "no pricing rule"
		}
		drift = append(drift, PriceDrift{SKU: sku.Code, Shop: s, Shows: live[s], RulePrice: price, Rule: rule.Name,
			Reason: fmt.Sprintf("%s gives %s: %s", name, price.Yuan(), d.String())})
	}
	return vs, drift
}

func printPriceCheck(g *globals, res PriceCheck) error {
	w := g.io.Out
	if len(res.Violations)+len(res.Drift) > 0 {
		tw := newTable(w)
		tw.row("SKU", "SHOP", "SHOWS", "RULE/LIMIT", "GUARD", "REASON")
		for _, v := range res.Violations {
			tw.row(v.SKU, v.Shop.String(), v.Price.Yuan(), yuanOrDash(v.Limit), string(v.Guard), v.Reason)
		}
		for _, d := range res.Drift {
			tw.row(d.SKU, d.Shop.String(), d.Shows.Yuan(), d.RulePrice.Yuan(), "drift", d.Reason)
		}
		if err := tw.flush(); err != nil {
			return err
		}
	}
	differ := plural(len(res.Drift), "price differs from its rule", "prices differ from their rule")
	_, err := fmt.Fprintf(w, "%s checked on %s: %s, %s\n", plural(res.CheckedSKUs, "SKU", "SKUs"),
		plural(len(res.Shops), "shop", "shops"), plural(len(res.Violations), "violation", "violations"), differ)
	return err
}
