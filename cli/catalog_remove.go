package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// catalogRemoveOptions are the arguments of `syncctl catalog remove`.
type catalogRemoveOptions struct {
	codes []string // SPU codes, as given (the store ignores repeats)
}

func newCatalogRemoveCmd(g *globals, runF runFunc[catalogRemoveOptions]) *cobra.Command {
	if runF == nil {
		runF = catalogRemoveRun
	}
	o := &catalogRemoveOptions{}
	return &cobra.Command{
		Use:   "remove SPU_CODE [SPU_CODE…]",
		Short: "Remove whole products from the master catalog; the next push ends them on every channel",
		Long: `remove deletes the products and their SKUs from the master catalog, all in one transaction:
when a code is not in the catalog, the command names it, exits 1 and removes nothing.
Each shop that lists a removed product keeps its listings until the shop's next push, which
delists the item; the listings then show as removed with stock 0 (syncctl listings).
A SKU dropped from a product by an import is ended by the next push in the same way.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, c := range args {
				if strings.TrimSpace(c) == "" {
					return usageError{errors.New("an SPU code is empty")}
				}
			}
			o.codes = args
			return runF(cmd.Context(), g, o)
		},
	}
}

// removeReport is what `catalog remove` prints.
type removeReport struct {
	Removed  []string `json:"removed"` // the SPU codes
	Products int      `json:"products"`
	SKUs     int      `json:"skus"`
	// Listings counts the listings, on every shop, that the next pushes end.
	Listings int `json:"listings"`
}

func catalogRemoveRun(ctx context.Context, g *globals, o *catalogRemoveOptions) error {
	st, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := st.RemoveProducts(ctx, o.codes)
	if err != nil {
		return err
	}
	rep := removeReport{Products: res.Products, SKUs: res.SKUs, Listings: res.Listings}
	seen := map[string]bool{}
	for _, c := range o.codes {
		if !seen[c] {
			seen[c] = true
			rep.Removed = append(rep.Removed, c)
		}
	}
	if g.json() {
		return g.printJSON(rep)
	}
	then := "no shop lists them"
	if rep.Listings > 0 {
		then = fmt.Sprintf("the next push of each shop ends their %s", plural(rep.Listings, "listing", "listings"))
	}
	fmt.Fprintf(g.io.Out, "removed %s (%s) from the catalog: %s; %s\n",
		plural(rep.Products, "product", "products"), plural(rep.SKUs, "SKU", "SKUs"), strings.Join(rep.Removed, ", "), then)
	return nil
}
