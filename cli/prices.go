package cli

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/syncctl/syncctl/config"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping/pricing"
	"github.com/syncctl/syncctl/store"
)

func newPricesCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "prices",
		Short: "Explain a SKU's price on every shop, or check the whole catalog against the guards",
	}
	var at string
	explain := &cobra.Command{
		Use:   "explain SKU",
		Short: "Show, per shop, how the price of a SKU is derived and which guards it passes or fails",
		Long: `explain derives the SKU's price on every configured shop (and every shop that sells it) from
the configuration's pricing section: list price, markup or markdown, rounding, fixed price and
the promotion in force. It then runs the guards a push would run on that price against what
the other shops show now (floor, parity, change size), and lists the SKU's held writes.
--at evaluates at another time ("2025-11-11 10:00" China time, or RFC 3339): a promotion's
prices before it starts.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			when := time.Now()
			if at != "" {
				t, err := parseChinaTime(at)
				if err != nil {
					return usageError{fmt.Errorf("--at: %w", err)}
				}
				when = t
			}
			return pricesExplainRun(cmd.Context(), g, args[0], when)
		},
	}
	explain.Flags().StringVar(&at, "at", "", "evaluate at this time instead of now")
	cmd.AddCommand(explain, newPricesCheckCmd(g))
	return cmd
}

// parseChinaTime reads RFC 3339 or "2006-01-02 15:04" in China time.
func parseChinaTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, pricing.ChinaTime()); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time (write \"2025-11-11 10:00\" China time, or RFC 3339)", s)
}

// ShopPrice is one shop's line of `prices explain`.
type ShopPrice struct {
	Shop       domain.ShopRef          `json:"shop"`
	Rule       string                  `json:"rule"`            // the pricing rule that applies ("" = list price)
	Price      domain.Money            `json:"price"`           // what the rule gives now
	Shows      domain.Money            `json:"shows,omitempty"` // what the shop shows (0: not on sale there)
	Derivation pricing.Derivation      `json:"derivation"`
	Verdict    domain.GuardAction      `json:"verdict"` // "" passes
	Violations []domain.PriceViolation `json:"violations,omitempty"`
}

// PriceExplanation is what `prices explain` prints as JSON.
type PriceExplanation struct {
	SKU     string             `json:"sku"`
	Product string             `json:"product"`
	List    domain.Money       `json:"list_price"`
	Cost    domain.Money       `json:"cost,omitempty"`
	Floor   domain.Money       `json:"floor,omitempty"`
	FloorBy string             `json:"floor_rule,omitempty"`
	At      time.Time          `json:"at"`
	Shops   []ShopPrice        `json:"shops"`
	Holds   []domain.PriceHold `json:"holds"`
}

// pricingAt loads the configuration, its pricing policy and the store
// (read-only) the prices commands read.
func (g *globals) pricingAt(ctx context.Context) (config.Config, pricing.Policy, store.Store, error) {
	cfg, err := g.load()
	if err != nil {
		return cfg, pricing.Policy{}, nil, err
	}
	pol, err := cfg.PricingPolicy()
	if err != nil {
		return cfg, pol, nil, usageError{err}
	}
	st, err := g.openStoreReadAt(ctx, cfg)
	return cfg, pol, st, err
}

func pricesExplainRun(ctx context.Context, g *globals, skuCode string, at time.Time) error {
	cfg, pol, st, err := g.pricingAt(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	prod, err := st.ProductOfSKU(ctx, skuCode)
	if err != nil {
		return err
	}
	var sku domain.SKU
	for _, s := range prod.SKUs {
		if s.Code == skuCode {
			sku = s
		}
	}
	live, err := st.LivePrices(ctx, skuCode)
	if err != nil {
		return err
	}
	shops := map[domain.ShopRef]bool{}
	for _, s := range cfg.Shops {
		shops[domain.ShopRef{Channel: s.Channel, Shop: s.Shop}] = true
	}
	for s := range live {
		shops[s] = true
	}
	refs := make([]domain.ShopRef, 0, len(shops))
	for s := range shops {
		refs = append(refs, s)
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].String() < refs[j].String() })
	ex := PriceExplanation{SKU: sku.Code, Product: prod.Code, List: sku.ListPrice, Cost: sku.Cost, At: at}
	ex.Floor, ex.FloorBy = pol.Floor.Limit(prod, sku)
	for _, shop := range refs {
		rule := pol.RuleFor(shop)
		price, d := rule.Price(prod, sku, at)
		vs := pol.CheckWrite(prod, sku, shop, live[shop], price, live)
		ex.Shops = append(ex.Shops, ShopPrice{Shop: shop, Rule: rule.Name, Price: price, Shows: live[shop], Derivation: d,
			Verdict: pricing.Verdict(vs), Violations: vs})
	}
	if ex.Holds, err = st.ListHolds(ctx, store.HoldFilter{SKU: skuCode, Limit: 20}); err != nil {
		return err
	}
	if ex.Holds == nil {
		ex.Holds = []domain.PriceHold{}
	}
	if g.json() {
		return g.printJSON(ex)
	}
	w := g.io.Out
	fmt.Fprintf(w, "%s (product %s): list price %s", ex.SKU, ex.Product, ex.List.Yuan())
	if ex.Cost > 0 {
		fmt.Fprintf(w, ", cost %s", ex.Cost.Yuan())
	}
	if ex.Floor > 0 {
		fmt.Fprintf(w, "; floor %s (%s)", ex.Floor.Yuan(), ex.FloorBy)
	}
	fmt.Fprintf(w, "; at %s China time\n", at.In(pricing.ChinaTime()).Format("2006-01-02 15:04"))
	if len(ex.Shops) == 0 {
		fmt.Fprintln(w, "no shop is configured and none sells it")
	}
	tw := newTable(w)
	tw.row("SHOP", "PRICE", "SHOWS", "GUARDS", "DERIVATION")
	for _, s := range ex.Shops {
		verdict := "pass"
		switch s.Verdict {
		case domain.GuardBlock:
			verdict = "BLOCKED"
		case domain.GuardNeedsApproval:
			verdict = "needs approval"
		}
		tw.row(s.Shop.String(), s.Price.Yuan(), yuanOrDash(s.Shows), verdict, s.Derivation.String())
	}
	if err := tw.flush(); err != nil {
		return err
	}
	for _, s := range ex.Shops {
		for _, v := range s.Violations {
			fmt.Fprintf(w, "  %s %s: %s\n", s.Shop, v.Guard, safeText(v.Reason))
		}
	}
	if len(ex.Holds) > 0 {
		fmt.Fprintln(w, "held writes:")
		for _, h := range ex.Holds {
			fmt.Fprintf(w, "  #%d %s %s → %s: %s\n", h.ID, h.Shop, yuanOrDash(h.Old), h.Price.Yuan(), strings.ReplaceAll(string(h.Status), "-", " "))
		}
	}
	return nil
}
