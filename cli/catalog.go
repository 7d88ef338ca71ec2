package cli

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

func newCatalogCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "catalog", Short: "Import, show and export the master catalog"}
	cmd.AddCommand(newCatalogImportCmd(g), newCatalogShowCmd(g), newCatalogExportCmd(g))
	return cmd
}

// parseFormat checks a --format value (empty is allowed: detect or default).
func parseFormat(v string) (catalog.Format, error) {
	switch f := catalog.Format(v); f {
	case "", catalog.FormatJSON, catalog.FormatCSV:
		return f, nil
	}
	return "", usageError{fmt.Errorf("--format must be json or csv, not %q", v)}
}

// importReport is what `catalog import` prints.
type importReport struct {
	File         string   `json:"file"`
	Rows         int      `json:"rows"`
	Products     int      `json:"products"`
	Created      int      `json:"created"`
	Updated      int      `json:"updated"`
	Same         int      `json:"unchanged"`
	SKUs         int      `json:"skus"`
	RejectedRows int      `json:"rejected_rows"` // distinct rows (JSON: products or SKUs) with a problem
	Rejected     []string `json:"rejected"`      // every problem, "row N, field F: reason"
}

func newCatalogImportCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import products from a JSON or CSV file (valid rows are committed atomically)",
		Long: `import validates every row. Invalid rows are reported as "row N, field F: reason" and
skipped; all valid rows are committed in one transaction. The exit code is 3 when any row
was rejected, 0 when all were imported. Formats are described in the README.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			f, err := parseFormat(format)
			if err != nil {
				return err
			}
			if f == "" {
				if f, err = catalog.DetectFormat(path); err != nil {
					return usageError{fmt.Errorf("%w (or pass --format json|csv)", err)}
				}
			}
			file, err := os.Open(path)
			if err != nil {
				return err
			}
			defer file.Close()
			res, err := catalog.Parse(file, f)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			st, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			rep := importReport{File: path, Rows: res.Rows, Products: len(res.Products), RejectedRows: res.RejectedRecords(), Rejected: []string{}}
			for _, r := range res.Rejected {
				rep.Rejected = append(rep.Rejected, r.Error())
			}
			if len(res.Products) > 0 {
				ir, err := st.ImportProducts(cmd.Context(), res.Products, store.MergeSKUs(res.Incomplete...))
				if err != nil {
					return err
				}
				rep.Created, rep.Updated, rep.Same, rep.SKUs = ir.Created, ir.Updated, ir.Unchanged, ir.SKUs
			}
			if g.json() {
				if err := g.printJSON(rep); err != nil {
					return err
				}
			} else {
				for _, r := range rep.Rejected {
					fmt.Fprintln(g.io.Err, r)
				}
				fmt.Fprintf(g.io.Out, "%s: %d rows, %d products imported (%d new, %d updated, %d unchanged), %d SKUs, %s\n",
					path, rep.Rows, rep.Products, rep.Created, rep.Updated, rep.Same, rep.SKUs, rejectedText(rep))
			}
			if rep.RejectedRows > 0 {
				return partialError{fmt.Sprintf("%s: %s", path, rejectedText(rep))}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "json or csv (default: from the file extension)")
	return cmd
}

// rejectedText is "3 rows rejected (4 problems)".
func rejectedText(rep importReport) string {
	t := plural(rep.RejectedRows, "row", "rows") + " rejected"
	if n := len(rep.Rejected); n != rep.RejectedRows {
		t += fmt.Sprintf(" (%s)", plural(n, "problem", "problems"))
	}
	return t
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func newCatalogShowCmd(g *globals) *cobra.Command {
	var limit int
	var after string
	cmd := &cobra.Command{
		Use:   "show [SPU_CODE]",
		Short: "Show the catalog a page at a time (--limit, --after), or one product with its SKUs",
		Long: `show lists products in code order, --limit at a time (0 = all). When more follow, a hint
on stderr names the --after value of the next page; -o json prints a JSON array (empty: []).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if limit < 0 {
				return usageError{fmt.Errorf("--limit must be 0 (all) or more, not %d", limit)}
			}
			if len(args) == 1 && after != "" {
				return usageError{fmt.Errorf("--after pages the list; it does not go with SPU_CODE %q", args[0])}
			}
			ctx := cmd.Context()
			st, err := g.openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			products := []domain.Product{}
			more := 0
			if len(args) == 1 {
				p, err := st.GetProduct(ctx, args[0])
				if err != nil {
					return err
				}
				products = append(products, p)
			} else {
				if products, err = listProducts(ctx, st, after, limit); err != nil {
					return err
				}
				if limit > 0 && len(products) == limit {
					if more, err = st.CountProductsAfter(ctx, products[len(products)-1].Code); err != nil {
						return err
					}
				}
			}
			if more > 0 {
				defer fmt.Fprintf(g.io.Err, "… %d more; use --after %s\n", more, products[len(products)-1].Code)
			}
			if g.json() {
				return g.printJSON(products)
			}
			tw := tabwriter.NewWriter(g.io.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SPU\tSKU\tTITLE / SPECS\tPRICE\tCOST\tSTOCK")
			for _, p := range products {
				fmt.Fprintf(tw, "%s\t\t%s\t\t\t\n", p.Code, p.Title)
				for _, s := range p.SKUs {
					spec := ""
					for i, v := range s.Specs {
						if i > 0 {
							spec += " "
						}
						spec += v.Name + ":" + v.Value
					}
					fmt.Fprintf(tw, "\t%s\t%s\t%s\t%s\t%d\n", s.Code, spec, s.ListPrice.Yuan(), s.Cost.Yuan(), s.Stock)
				}
			}
			return tw.Flush()
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 50, "products to show (0 = all)")
	cmd.Flags().StringVar(&after, "after", "", "show products after this SPU code (the next page)")
	return cmd
}

// listProducts reads up to limit products after a code (limit 0: all).
func listProducts(ctx context.Context, st store.Store, after string, limit int) ([]domain.Product, error) {
	out := []domain.Product{}
	for limit == 0 || len(out) < limit {
		page := 500
		if limit > 0 {
			page = min(page, limit-len(out))
		}
		ps, err := st.ListProducts(ctx, after, page)
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
		if len(ps) < page {
			break
		}
		after = ps[len(ps)-1].Code
	}
	return out, nil
}

func newCatalogExportCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the whole catalog to stdout in the import format",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := parseFormat(format)
			if err != nil {
				return err
			}
			st, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			all, err := listProducts(cmd.Context(), st, "", 0)
			if err != nil {
				return err
			}
			return catalog.Export(g.io.Out, all, f)
		},
	}
	cmd.Flags().StringVar(&format, "format", "json", "json or csv")
	return cmd
}
