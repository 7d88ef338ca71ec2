package cli

import (
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/domain"
)

func newCatalogCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "catalog", Short: "Import, show and export the master catalog"}
	cmd.AddCommand(newCatalogImportCmd(g), newCatalogShowCmd(g), newCatalogExportCmd(g))
	return cmd
}

// importReport is what `catalog import` prints.
type importReport struct {
	File     string   `json:"file"`
	Rows     int      `json:"rows"`
	Products int      `json:"products"`
	Created  int      `json:"created"`
	Updated  int      `json:"updated"`
	Same     int      `json:"unchanged"`
	SKUs     int      `json:"skus"`
	Rejected []string `json:"rejected"`
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
			f := catalog.Format(format)
			if format == "" {
				var err error
				if f, err = catalog.DetectFormat(path); err != nil {
					return usageError{err}
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
			rep := importReport{File: path, Rows: res.Rows, Products: len(res.Products), Rejected: []string{}}
			for _, r := range res.Rejected {
				rep.Rejected = append(rep.Rejected, r.Error())
			}
			if len(res.Products) > 0 {
				ir, err := st.ImportProducts(cmd.Context(), res.Products)
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
				fmt.Fprintf(g.io.Out, "%s: %d rows, %d products imported (%d new, %d updated, %d unchanged), %d SKUs, %d rows rejected\n",
					path, rep.Rows, rep.Products, rep.Created, rep.Updated, rep.Same, rep.SKUs, len(rep.Rejected))
			}
			if len(rep.Rejected) > 0 {
				return partialError{fmt.Sprintf("%d rows rejected", len(rep.Rejected))}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "json or csv (default: from the file extension)")
	return cmd
}

func newCatalogShowCmd(g *globals) *cobra.Command {
	var limit int
	var after string
	cmd := &cobra.Command{
		Use:   "show [SPU_CODE]",
		Short: "Show the catalog, or one product with its SKUs",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			var products []domain.Product
			if len(args) == 1 {
				p, err := st.GetProduct(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				products = []domain.Product{p}
			} else if products, err = st.ListProducts(cmd.Context(), after, limit); err != nil {
				return err
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
	cmd.Flags().IntVar(&limit, "limit", 50, "products to show")
	cmd.Flags().StringVar(&after, "after", "", "show products after this SPU code (paging)")
	return cmd
}

func newCatalogExportCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the whole catalog to stdout in the import format",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			var all []domain.Product
			after := ""
			for {
				ps, err := st.ListProducts(cmd.Context(), after, 500)
				if err != nil {
					return err
				}
				if len(ps) == 0 {
					break
				}
				all = append(all, ps...)
				after = ps[len(ps)-1].Code
			}
			return catalog.Export(g.io.Out, all, catalog.Format(format))
		},
	}
	cmd.Flags().StringVar(&format, "format", "json", "json or csv")
	return cmd
}
