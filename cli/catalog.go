package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

func newCatalogCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "catalog", Short: "Import, show and export the master catalog"}
	cmd.AddCommand(newCatalogImportCmd(g, nil), newCatalogShowCmd(g, nil), newCatalogExportCmd(g, nil))
	cmd.AddCommand(newCatalogRemoveCmd(g, nil), newCatalogGenerateCmd(g, nil))
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

// catalogImportOptions are the arguments of `syncctl catalog import`.
type catalogImportOptions struct {
	path   string         // "-" reads standard input
	format catalog.Format // from --format, else from the file's extension ("" for standard input: sniffed)
}

func newCatalogImportCmd(g *globals, runF runFunc[catalogImportOptions]) *cobra.Command {
	if runF == nil {
		runF = catalogImportRun
	}
	o := &catalogImportOptions{}
	var format string
	cmd := &cobra.Command{
		Use:   "import FILE|-",
		Short: "Import products from a JSON or CSV file or standard input (valid rows are committed atomically)",
		Long: `import validates every row. Invalid rows are reported as "row N, field F: reason" and
skipped; all valid rows are committed in one transaction (a file that cannot be read, even
at its end, writes nothing). The file is read as it streams in, so its size does not matter;
a progress line shows on stderr when that is a terminal. "-" reads standard input: the
format is --format, or JSON when the input starts with '[' or '{', else CSV. The exit code is
3 when any row was rejected, 0 when all were imported. Formats and limits: catalog/FORMAT.md.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.path = args[0]
			f, err := parseFormat(format)
			if err != nil {
				return err
			}
			if f == "" && o.path != "-" {
				if f, err = catalog.DetectFormat(o.path); err != nil {
					return usageError{fmt.Errorf("%w (or pass --format json|csv)", err)}
				}
			}
			o.format = f
			return runF(cmd.Context(), g, o)
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "json or csv (default: from the file extension; for - from the first character)")
	return cmd
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

func catalogImportRun(ctx context.Context, g *globals, o *catalogImportOptions) error {
	in, name, size := g.io.In, "standard input", int64(0)
	format := o.format
	if o.path != "-" {
		file, err := os.Open(o.path)
		if err != nil {
			return err
		}
		defer file.Close()
		if st, err := file.Stat(); err == nil && st.Mode().IsRegular() {
			size = st.Size()
		}
		in, name = file, o.path
	} else if format == "" {
		format, in = catalog.SniffFormat(in)
	}
	st, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	var opts []catalog.ImportOption
	progress := newImportProgress(importProgressTo(g), size)
	if progress != nil {
		opts = append(opts, catalog.WithProgress(progress.update))
	}
	res, err := catalog.Import(ctx, st, in, format, opts...)
	progress.clear()
	var unreadable *catalog.UnreadableError
	if errors.As(err, &unreadable) {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err != nil {
		return err
	}
	rep := importReport{File: name, Rows: res.Rows, Products: res.Products, Created: res.Stored.Created, Updated: res.Stored.Updated,
		Same: res.Stored.Unchanged, SKUs: res.Stored.SKUs, RejectedRows: res.RejectedRecords, Rejected: []string{}}
	for _, r := range res.Rejected {
		rep.Rejected = append(rep.Rejected, r.Error())
	}
	return printImportReport(g, rep)
}

// importProgressTo is where the import draws its progress line: stderr
// when it is a terminal and the output is not JSON, else nowhere (nil).
// A variable, for tests.
var importProgressTo = func(g *globals) io.Writer {
	if g.json() || !isTerminal(g.io.Err) {
		return nil
	}
	return g.io.Err
}

// importProgress draws "[####....] 12 345 rows, 6 000 products" on one
// line, at most every redraw; the bar when the file's size is known.
type importProgress struct {
	w     io.Writer
	size  int64
	last  time.Time
	drawn bool
}

const redraw = 100 * time.Millisecond

func newImportProgress(w io.Writer, size int64) *importProgress {
	if w == nil {
		return nil
	}
	return &importProgress{w: w, size: size}
}

func (p *importProgress) update(pr catalog.Progress) {
	now := time.Now()
	if p.drawn && now.Sub(p.last) < redraw {
		return
	}
	p.last = now
	line := fmt.Sprintf("%d rows, %d products", pr.Rows, pr.Products)
	if p.size > 0 {
		read := min(pr.Bytes, p.size)
		line = fmt.Sprintf("%s %3d%% %s", bar(int(read*1000/p.size), 1000), read*100/p.size, line)
	}
	fmt.Fprintf(p.w, "\r%s\033[K", line)
	p.drawn = true
}

// clear takes the line away before the report is printed.
func (p *importProgress) clear() {
	if p != nil && p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// printImportReport prints the report (the problems on stderr) and fails
// as partial when any row was rejected.
func printImportReport(g *globals, rep importReport) error {
	if g.json() {
		if err := g.printJSON(rep); err != nil {
			return err
		}
	} else {
		for _, r := range rep.Rejected {
			fmt.Fprintln(g.io.Err, r)
		}
		fmt.Fprintf(g.io.Out, "%s: %d rows, %d products imported (%d new, %d updated, %d unchanged), %d SKUs, %s\n",
			rep.File, rep.Rows, rep.Products, rep.Created, rep.Updated, rep.Same, rep.SKUs, rejectedText(rep))
	}
	if rep.RejectedRows > 0 {
		return partialError{fmt.Sprintf("%s: %s", rep.File, rejectedText(rep))}
	}
	return nil
}

// rejectedText is "3 rows rejected (4 problems)".
func rejectedText(rep importReport) string {
	t := plural(rep.RejectedRows, "row", "rows") + " rejected"
	if n := len(rep.Rejected); n != rep.RejectedRows {
		t += fmt.Sprintf(" (%s)", plural(n, "problem", "problems"))
	}
	return t
}

// catalogShowOptions are the arguments of `syncctl catalog show`.
type catalogShowOptions struct {
	code  string // one product; "" = a page of the list
	after string
	limit int // 0 = all
}

func newCatalogShowCmd(g *globals, runF runFunc[catalogShowOptions]) *cobra.Command {
	if runF == nil {
		runF = catalogShowRun
	}
	o := &catalogShowOptions{}
	cmd := &cobra.Command{
		Use:   "show [SPU_CODE]",
		Short: "Show the catalog a page at a time (--limit, --after), or one product with its SKUs",
		Long: `show lists products in code order, --limit at a time (0 = all). When more follow, a hint
on stderr names the --after value of the next page; -o json prints a JSON array (empty: []).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.limit < 0 {
				return usageError{fmt.Errorf("--limit must be 0 (all) or more, not %d", o.limit)}
			}
			if len(args) == 1 && o.after != "" {
				return usageError{fmt.Errorf("--after pages the list; it does not go with SPU_CODE %q", args[0])}
			}
			if len(args) == 1 {
				o.code = args[0]
			}
			return runF(cmd.Context(), g, o)
		},
	}
	cmd.Flags().IntVar(&o.limit, "limit", 50, "products to show (0 = all)")
	cmd.Flags().StringVar(&o.after, "after", "", "show products after this SPU code (the next page)")
	return cmd
}

func catalogShowRun(ctx context.Context, g *globals, o *catalogShowOptions) error {
	st, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	var products []domain.Product
	more := 0
	if o.code != "" {
		p, err := st.GetProduct(ctx, o.code)
		if err != nil {
			return err
		}
		products = []domain.Product{p}
	} else {
		if products, err = store.ListAllProducts(ctx, st, o.after, o.limit); err != nil {
			return err
		}
		if o.limit > 0 && len(products) == o.limit {
			if more, err = st.CountProductsAfter(ctx, products[len(products)-1].Code); err != nil {
				return err
			}
		}
	}
	if more > 0 {
		defer fmt.Fprintf(g.io.Err, "… %d more; use --after %s\n", more, products[len(products)-1].Code)
	}
	return printProducts(g, products)
}

// printProducts prints products with their SKUs, or a JSON array.
func printProducts(g *globals, products []domain.Product) error {
	if g.json() {
		return g.printJSON(products)
	}
	tw := newTable(g.io.Out)
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
}

// catalogExportOptions are the flags of `syncctl catalog export`.
type catalogExportOptions struct {
	format catalog.Format
}

func newCatalogExportCmd(g *globals, runF runFunc[catalogExportOptions]) *cobra.Command {
	if runF == nil {
		runF = catalogExportRun
	}
	o := &catalogExportOptions{}
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
			o.format = f
			return runF(cmd.Context(), g, o)
		},
	}
	cmd.Flags().StringVar(&format, "format", "json", "json or csv")
	return cmd
}

func catalogExportRun(ctx context.Context, g *globals, o *catalogExportOptions) error {
	st, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	// A page at a time: a catalog of any size is exported in bounded memory.
	e, err := catalog.NewExporter(g.io.Out, o.format)
	if err != nil {
		return err
	}
	if err := store.EachProduct(ctx, st, "", 0, e.Write); err != nil {
		return err
	}
	return e.Close()
}
