// Package cli is the syncctl command line. Each command parses flags into an
// options struct and calls a run function; main prints errors once and maps
// them to exit codes scripts can rely on.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/syncctl/syncctl/config"
	"github.com/syncctl/syncctl/store/sqlite"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitError   = 1 // the command failed
	ExitUsage   = 2 // bad flags or arguments
	ExitPartial = 3 // it ran, but some records were rejected or a check failed
)

// partialError marks a run that finished with rejected records or failed checks.
type partialError struct{ msg string }

func (e partialError) Error() string { return e.msg }

type usageError struct{ error }

// IO are the streams a command writes to.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
}

// globals are the flags every command shares.
type globals struct {
	configPath string
	stateDir   string
	temporal   string
	namespace  string
	output     string // table | json
	verbose    bool
	io         IO
}

func (g *globals) json() bool { return g.output == "json" }

func (g *globals) load() (config.Config, error) {
	cfg, err := config.Load(g.configPath)
	if err != nil {
		return cfg, err
	}
	if g.temporal != "" {
		cfg.Temporal.Address = g.temporal
	}
	if g.namespace != "" {
		cfg.Temporal.Namespace = g.namespace
	}
	if g.stateDir != "" && os.Getenv("SYNCCTL_STORE_DSN") == "" {
		cfg.Store.DSN = filepath.Join(g.stateDir, "syncctl.db")
	}
	return cfg, nil
}

func (g *globals) openStore(ctx context.Context) (*sqlite.DB, error) {
	cfg, err := g.load()
	if err != nil {
		return nil, err
	}
	if dir := filepath.Dir(cfg.Store.DSN); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
	}
	return sqlite.Open(ctx, cfg.Store.DSN)
}

func (g *globals) logger() *slog.Logger {
	level := slog.LevelWarn
	if g.verbose {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(g.io.Err, &slog.HandlerOptions{Level: level}))
}

func (g *globals) printJSON(v any) error {
	enc := json.NewEncoder(g.io.Out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// NewRoot builds the command tree.
func NewRoot(streams IO) *cobra.Command {
	g := &globals{io: streams}
	root := &cobra.Command{
		Use:   "syncctl",
		Short: "Sync one master catalog with Tmall, JD, WeChat, Douyin, Kuaishou… and hand orders to the ERP",
		Long: `syncctl pushes products, per-channel prices and stock from one master catalog to every
sales channel, pulls orders back into one ERP-shaped model and delivers them to the ERP
through signed webhooks. Temporal runs every job; inspect them in the Temporal Web UI.

Quick start:  syncctl demo          (everything in one process, ends with a verified summary)
              syncctl dev           (the same stack, left running with the Web UI)`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.Err)
	pf := root.PersistentFlags()
	pf.StringVar(&g.configPath, "config", os.Getenv("SYNCCTL_CONFIG"), "YAML configuration file (env SYNCCTL_CONFIG)")
	pf.StringVar(&g.stateDir, "state-dir", ".syncctl", "directory for local state (store, embedded Temporal)")
	pf.StringVar(&g.temporal, "temporal-address", "", "Temporal frontend host:port (env SYNCCTL_TEMPORAL_ADDRESS; default 127.0.0.1:7233)")
	pf.StringVar(&g.namespace, "namespace", "", "Temporal namespace (env SYNCCTL_NAMESPACE; default \"default\")")
	pf.StringVarP(&g.output, "output", "o", "table", "output format: table or json")
	pf.BoolVarP(&g.verbose, "verbose", "v", false, "log progress to stderr")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if g.output != "table" && g.output != "json" {
			return usageError{fmt.Errorf("--output must be table or json, not %q", g.output)}
		}
		return nil
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newDemoCmd(g), newDevCmd(g), newWorkerCmd(g), newCatalogCmd(g), newPushCmd(g),
		newOrdersCmd(g), newSandboxCmd(g))
	return root
}

// Main runs the command line until SIGINT/SIGTERM and returns the exit code.
func Main(args []string, in io.Reader, out, errOut io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return MainContext(ctx, args, in, out, errOut)
}

// MainContext runs the command line until ctx ends and returns the exit code.
func MainContext(ctx context.Context, args []string, in io.Reader, out, errOut io.Writer) int {
	root := NewRoot(IO{In: in, Out: out, Err: errOut})
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(errOut, "syncctl:", err)
	var pe partialError
	var ue usageError
	switch {
	case errors.As(err, &pe):
		return ExitPartial
	case errors.As(err, &ue), isCobraUsage(err):
		return ExitUsage
	}
	return ExitError
}

// isCobraUsage recognizes cobra's own argument errors, which are not typed.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, s := range []string{"required flag", "unknown command", "unknown flag", "accepts ", "requires at least", "invalid argument"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
