package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/syncctl/syncctl/catalog"
)

// catalogGenerateOptions are the flags of `syncctl catalog generate`.
type catalogGenerateOptions struct {
	gen    catalog.GenerateOptions
	format catalog.Format
	path   string // "-" = standard output
}

func newCatalogGenerateCmd(g *globals, runF runFunc[catalogGenerateOptions]) *cobra.Command {
	if runF == nil {
		runF = catalogGenerateRun
	}
	o := &catalogGenerateOptions{}
	var format string
	cmd := &cobra.Command{
		Use:   "generate --spus N --skus-per-spu M [-o FILE|-]",
		Short: "Write a realistic synthetic catalog (JSON or CSV) for load tests",
		Long: `generate writes N products of M SKUs each in the import format, a product at a time
(constant memory, millions of SKUs): Chinese titles within every channel's limit, 颜色/尺码
specs, prices in yuan with two decimals and cost below price, stock, EAN-13 barcodes and
images. The same --seed writes the same bytes. The file imports with "syncctl catalog
import" without a rejected row.

-o names the file (written whole or not at all) or - for standard output; here -o is the
file, not the report format. --format defaults to the file's extension, else json.`,
		Example: `  syncctl catalog generate --spus 25000 --skus-per-spu 4 -o catalog-100k.json
  syncctl catalog generate --spus 200 --skus-per-spu 3 --format csv -o - | syncctl catalog import -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := parseFormat(format)
			if err != nil {
				return err
			}
			if f == "" && o.path != "-" {
				if f, err = catalog.DetectFormat(o.path); err != nil {
					return usageError{fmt.Errorf("%w (or pass --format json|csv)", err)}
				}
			}
			if f == "" {
				f = catalog.FormatJSON
			}
			o.format = f
			switch {
			case o.gen.SPUs < 1:
				return usageError{fmt.Errorf("--spus must be 1 or more, not %d", o.gen.SPUs)}
			case o.gen.SKUsPerSPU < 1 || o.gen.SKUsPerSPU > catalog.MaxSKUs:
				return usageError{fmt.Errorf("--skus-per-spu must be 1 to %d, not %d", catalog.MaxSKUs, o.gen.SKUsPerSPU)}
			}
			return runF(cmd.Context(), g, o)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.gen.SPUs, "spus", 1000, "products to write")
	f.IntVar(&o.gen.SKUsPerSPU, "skus-per-spu", 4, fmt.Sprintf("SKUs of each product (1 to %d)", catalog.MaxSKUs))
	f.Uint64Var(&o.gen.Seed, "seed", 1, "the same seed writes the same catalog")
	f.StringVar(&o.gen.Prefix, "prefix", "GEN", "start of every SPU code (catalogs with different prefixes import side by side)")
	f.StringVar(&format, "format", "", "json or csv (default: from the file's extension, else json)")
	// Named "output" so that it takes the place of the global -o (the
	// report format): this command writes a catalog, not a report.
	f.StringVarP(&o.path, "output", "o", "-", "file to write, or - for standard output")
	return cmd
}

func catalogGenerateRun(_ context.Context, g *globals, o *catalogGenerateOptions) error {
	if o.path == "-" {
		return generateTo(g.io.Out, o)
	}
	if st, err := os.Stat(o.path); err == nil && !st.Mode().IsRegular() {
		// A device or a pipe (/dev/null, a FIFO) is written as it is, never
		// replaced by a file.
		f, err := os.OpenFile(o.path, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		if err := generateTo(f, o); err != nil {
			f.Close()
			return fmt.Errorf("%s: %w", o.path, err)
		}
		return f.Close()
	}
	// Written beside the target and renamed: never a half-written catalog.
	tmp, err := os.CreateTemp(filepath.Dir(o.path), "."+filepath.Base(o.path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // nothing once renamed
	err = generateTo(tmp, o)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), o.path)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", o.path, err)
	}
	fmt.Fprintf(g.io.Err, "%s: %d products, %d SKUs (%s, seed %d)\n", o.path, o.gen.SPUs, o.gen.SPUs*o.gen.SKUsPerSPU, o.format, o.gen.Seed)
	return nil
}

// generateTo writes the catalog through a buffer.
func generateTo(out io.Writer, o *catalogGenerateOptions) error {
	w := bufio.NewWriterSize(out, 1<<16)
	if err := catalog.Generate(w, o.format, o.gen); err != nil {
		return err
	}
	return w.Flush()
}
