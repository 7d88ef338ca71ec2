// Package cli is the syncctl command line. Each command parses its flags
// into an options struct and hands it to a run function with the logic
// (newXCmd and xRun); the use cases they share with dev, demo and the tests
// live below the CLI (catalog.Import, store.ListAllProducts,
// workflows.Redeliver). main prints errors once and maps them to exit codes
// scripts can rely on.
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
	"golang.org/x/term"

	"github.com/syncctl/syncctl/config"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
	_ "github.com/syncctl/syncctl/store/postgres"         // the store several workers share
	sqlitestore "github.com/syncctl/syncctl/store/sqlite" // the embedded default store
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
	storeDSN   string
	temporal   string
	namespace  string
	output     string // table | json
	verbose    bool
	io         IO
	root       *cobra.Command // to tell flags the user set from defaults
	cmd        *cobra.Command // the command running (nil in tests that call a run function)
	storePath  string         // the store opened last, named by errors about it
}

// runFunc is a command's logic, called with the options its flags parsed
// into. Tests pass their own to a command's constructor to see the options.
type runFunc[O any] func(ctx context.Context, g *globals, o *O) error

func (g *globals) json() bool { return g.output == "json" }

// changed reports whether the user set this global flag.
func (g *globals) changed(name string) bool {
	f := g.root.PersistentFlags().Lookup(name)
	return f != nil && f.Changed
}

// load resolves the configuration: defaults < file < env < flags, where a
// flag counts only when the user set it.
func (g *globals) load() (config.Config, error) { return g.loadOver(config.Default()) }

// loadOver is load with a command's own defaults under the file.
func (g *globals) loadOver(base config.Config) (config.Config, error) {
	cfg, err := config.LoadOver(base, g.configPath)
	if err != nil {
		// A configuration that does not load is the caller's to fix: exit 2.
		return cfg, usageError{err}
	}
	if g.temporal != "" {
		cfg.Temporal.Address = g.temporal
	}
	if g.namespace != "" {
		cfg.Temporal.Namespace = g.namespace
	}
	if g.changed("state-dir") {
		cfg.Store.DSN = filepath.Join(g.stateDir, storeFile)
	}
	if g.changed("store-dsn") { // the more specific flag wins
		cfg.Store.DSN = g.storeDSN
	}
	if err := cfg.Store.Check(); err != nil {
		return cfg, usageError{err}
	}
	return cfg, nil
}

// storeFile is the store's file name inside a state dir.
const storeFile = "syncctl.db"

// annotationStore marks the commands that only read the store (value
// "read"): they open it read-only.
const annotationStore = "syncctl/store"

// readCommands only read the store: they open it read-only, so they work
// on a store they may not write, never create an empty one, and never
// migrate it. Paths under the root.
var readCommands = []string{"catalog show", "catalog export", "listings", "orders list", "orders rejected"}

// markReadCommands annotates the readCommands of a tree.
func markReadCommands(root *cobra.Command) {
	for _, path := range readCommands {
		if c, _, err := root.Find(strings.Fields(path)); err == nil && c != root {
			if c.Annotations == nil {
				c.Annotations = map[string]string{}
			}
			c.Annotations[annotationStore] = "read"
		}
	}
}

// openStore loads the configuration and opens the store it names:
// read-only for a command that only reads it.
func (g *globals) openStore(ctx context.Context) (store.Store, error) {
	cfg, err := g.load()
	if err != nil {
		return nil, err
	}
	if g.cmd != nil && g.cmd.Annotations[annotationStore] == "read" {
		return g.openStoreReadAt(ctx, cfg)
	}
	return g.openStoreAt(ctx, cfg)
}

// openStoreRead loads the configuration and opens its store read-only.
func (g *globals) openStoreRead(ctx context.Context) (store.Store, error) {
	cfg, err := g.load()
	if err != nil {
		return nil, err
	}
	return g.openStoreReadAt(ctx, cfg)
}

// openStoreAt opens the store of a configuration already loaded, by its
// driver and DSN, to read and write (creating and migrating it).
func (g *globals) openStoreAt(ctx context.Context, cfg config.Config) (store.Store, error) {
	g.storePath = store.RedactDSN(cfg.Store.DSN)
	return store.Open(ctx, cfg.Store.Driver, cfg.Store.DSN)
}

// openStoreReadAt opens the store of a configuration already loaded for
// reading only. A store that does not exist is an error that says where
// one may be, not an empty store created on the spot.
func (g *globals) openStoreReadAt(ctx context.Context, cfg config.Config) (store.Store, error) {
	g.storePath = store.RedactDSN(cfg.Store.DSN)
	st, err := store.OpenReadOnly(ctx, cfg.Store.Driver, cfg.Store.DSN)
	if errors.Is(err, store.ErrNoStore) && (cfg.Store.Driver == "" || cfg.Store.Driver == "sqlite") {
		return nil, fmt.Errorf("no store at %s: %s", cfg.Store.DSN, g.whereStoresAre(cfg.Store.DSN))
	}
	return st, err
}

// whereStoresAre suggests where the store may be: the state dirs below the
// working directory that hold one, else the flags that name it.
func (g *globals) whereStoresAre(missing string) string {
	var dirs []string
	for _, pattern := range []string{storeFile, filepath.Join("*", storeFile), filepath.Join(".*", storeFile)} {
		found, _ := filepath.Glob(pattern)
		for _, f := range found {
			if abs(f) != abs(missing) {
				dirs = append(dirs, filepath.Dir(f))
			}
		}
	}
	if len(dirs) > 0 {
		for i, d := range dirs {
			dirs[i] = "--state-dir " + d
		}
		return "did you mean " + orList(dirs) + "? (nothing was created)"
	}
	return "did you mean another --state-dir (where `syncctl dev` or `catalog import` ran) or --store-dsn? (nothing was created)"
}

func abs(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// orList joins alternatives as prose: "a", "a or b", "a, b or c".
func orList(names []string) string {
	l := domain.List(names)
	if i := strings.LastIndex(l, " and "); i >= 0 && len(names) > 1 {
		l = l[:i] + " or " + l[i+len(" and "):]
	}
	return l
}

// explainStore says an SQLite error about the store opened last for
// people: the file and what to do, not SQLite's code ("(1544)").
func (g *globals) explainStore(err error) error {
	if err == nil || g.storePath == "" {
		return err
	}
	return sqlitestore.Explain(err, g.storePath)
}

func (g *globals) logger() *slog.Logger {
	level := slog.LevelWarn
	if g.verbose {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(g.io.Err, &slog.HandlerOptions{Level: level}))
}

// sdkLogger is where the Temporal SDK logs (its client and workers): every
// activity retry is an ERROR line there, with the same reason the
// command's own output gives once. Its lines go to debug, so they show
// with -v only.
func (g *globals) sdkLogger() *slog.Logger {
	if g.verbose {
		return g.logger()
	}
	return slog.New(debugOnly{g.logger().Handler()})
}

// debugOnly lowers every record to debug level.
type debugOnly struct{ h slog.Handler }

func (d debugOnly) Enabled(ctx context.Context, _ slog.Level) bool {
	return d.h.Enabled(ctx, slog.LevelDebug)
}
func (d debugOnly) Handle(ctx context.Context, r slog.Record) error {
	r.Level = slog.LevelDebug
	return d.h.Handle(ctx, r)
}
func (d debugOnly) WithAttrs(as []slog.Attr) slog.Handler { return debugOnly{d.h.WithAttrs(as)} }
func (d debugOnly) WithGroup(name string) slog.Handler    { return debugOnly{d.h.WithGroup(name)} }

// lookupEnv reads the environment (a variable, for tests).
var lookupEnv = os.Getenv

// shopFlagVar adds the required --shop CHANNEL/SHOP flag every shop
// command takes, parsed into v as the flag is read (a bad value is a usage
// error, exit 2).
func shopFlagVar(cmd *cobra.Command, v *domain.ShopRef) {
	cmd.Flags().Var((*shopValue)(v), "shop", "CHANNEL/SHOP, e.g. tmall/flagship")
	_ = cmd.MarkFlagRequired("shop")
}

// shopValue is a --shop flag: a pflag.Value over a domain.ShopRef.
type shopValue domain.ShopRef

func (v *shopValue) String() string {
	if v.Channel == "" {
		return ""
	}
	return domain.ShopRef(*v).String()
}

func (v *shopValue) Set(s string) error {
	ref, err := parseShop(s)
	if err != nil {
		return err
	}
	*v = shopValue(ref)
	return nil
}

func (*shopValue) Type() string { return "CHANNEL/SHOP" }

func parseShop(s string) (domain.ShopRef, error) {
	ch, shop, ok := strings.Cut(s, "/")
	if !ok || ch == "" || shop == "" {
		return domain.ShopRef{}, usageError{fmt.Errorf("--shop must be CHANNEL/SHOP (e.g. tmall/flagship), not %q", s)}
	}
	return domain.ShopRef{Channel: ch, Shop: shop}, nil
}

// Output helpers.

func (g *globals) printJSON(v any) error {
	enc := json.NewEncoder(g.io.Out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// termWidth is the width of the terminal w is (80 when it cannot be told).
func termWidth(w io.Writer) int {
	if f, ok := w.(*os.File); ok {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
			return cols
		}
	}
	return 80
}

// newRoot builds the root command with the global flags and no command.
func newRoot(streams IO) (*cobra.Command, *globals) {
	if isTerminal(streams.Out) {
		// The last guard against data that would drive the terminal.
		streams.Out = &terminalSafe{w: streams.Out}
	}
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
	g.root = root
	pf.StringVar(&g.configPath, "config", os.Getenv("SYNCCTL_CONFIG"), "YAML configuration file (env SYNCCTL_CONFIG)")
	pf.StringVar(&g.stateDir, "state-dir", ".syncctl", "directory for local state: the store (STATE_DIR/syncctl.db unless --store-dsn), embedded Temporal, sandbox")
	pf.StringVar(&g.storeDSN, "store-dsn", "", "the store (SQLite file, or a postgres:// URL without password for store.driver postgres); beats --state-dir, env SYNCCTL_STORE_DSN and the config's store.dsn")
	pf.StringVar(&g.temporal, "temporal-address", "", "Temporal frontend host:port (env SYNCCTL_TEMPORAL_ADDRESS; default 127.0.0.1:7233)")
	pf.StringVar(&g.namespace, "namespace", "", "Temporal namespace (env SYNCCTL_NAMESPACE; default \"default\")")
	pf.StringVarP(&g.output, "output", "o", "table", "output format: table or json")
	pf.BoolVarP(&g.verbose, "verbose", "v", false, "log progress to stderr")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		g.cmd = cmd
		if g.output != "table" && g.output != "json" {
			return usageError{fmt.Errorf("--output must be table or json, not %q", g.output)}
		}
		if g.changed("state-dir") && g.stateDir == "" {
			return usageError{errors.New("--state-dir must not be empty")}
		}
		if g.changed("store-dsn") && g.storeDSN == "" {
			return usageError{errors.New("--store-dsn must not be empty")}
		}
		if g.changed("store-dsn") && store.DSNHasPassword(g.storeDSN) {
			return usageError{errors.New("--store-dsn: a DSN with a password never goes on the command line (ps and shell history show it): " +
				"give it in SYNCCTL_STORE_DSN, or the password in PGPASSWORD or a passfile")}
		}
		// cobra checks required flags after this hook, with an untyped error.
		if err := cmd.ValidateRequiredFlags(); err != nil {
			return usageError{err}
		}
		return nil
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	return root, g
}

// NewRoot builds the command tree.
func NewRoot(streams IO) *cobra.Command {
	root, _ := newTree(streams)
	return root
}

// newTree builds the command tree and returns it with its globals.
func newTree(streams IO) (*cobra.Command, *globals) {
	root, g := newRoot(streams)
	root.AddCommand(newDemoCmd(g, nil), newDevCmd(g, nil), newWorkerCmd(g, nil), newCatalogCmd(g), newPushCmd(g, nil),
		newOrdersCmd(g), newListingsCmd(g, nil), newSandboxCmd(g), newChannelsCmd(g),
		newApprovalsCmd(g), newPricesCmd(g), newStockCmd(g), newServeCmd(g), newSchedulesCmd(g), newStoreCmd(g), newERPReceiverCmd(g), newBenchCmd(g, nil))
	groupsNeedACommand(g, root)
	markReadCommands(root)
	registerCompletions(g, root)
	return root, g
}

// groupsNeedACommand applies requireSubcommand to every command that only
// groups others (root, catalog, orders, sandbox…).
func groupsNeedACommand(g *globals, cmd *cobra.Command) {
	if cmd.HasSubCommands() && !cmd.Runnable() {
		requireSubcommand(g, cmd)
	}
	for _, sub := range cmd.Commands() {
		groupsNeedACommand(g, sub)
	}
}

// requireSubcommand makes a command that only groups others a usage error
// when called alone or with an unknown subcommand: help on stderr, exit 2.
func requireSubcommand(g *globals, cmd *cobra.Command) {
	cmd.Args = func(c *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		msg := fmt.Sprintf("unknown command %q for %q", args[0], c.CommandPath())
		if s := c.SuggestionsFor(args[0]); len(s) > 0 {
			msg += "; did you mean " + strings.Join(s, " or ") + "?"
		}
		return usageError{errors.New(msg)}
	}
	cmd.RunE = func(c *cobra.Command, _ []string) error {
		fmt.Fprint(g.io.Err, c.UsageString())
		var names []string
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() && sub.Name() != "help" && sub.Name() != "completion" {
				names = append(names, sub.Name())
			}
		}
		return usageError{fmt.Errorf("%s needs a command: %s", c.CommandPath(), orList(names))}
	}
}

// typeUsageErrors makes every argument check in the tree return a
// usageError, so main maps it to exit 2 by type, not by message.
func typeUsageErrors(cmd *cobra.Command) {
	if check := cmd.Args; check != nil {
		cmd.Args = func(c *cobra.Command, args []string) error {
			if err := check(c, args); err != nil {
				var ue usageError
				if errors.As(err, &ue) {
					return err
				}
				return usageError{err}
			}
			return nil
		}
	}
	for _, sub := range cmd.Commands() {
		typeUsageErrors(sub)
	}
}

// Main runs the command line until SIGINT/SIGTERM and returns the exit code.
func Main(args []string, in io.Reader, out, errOut io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return MainContext(ctx, args, in, out, errOut)
}

// MainContext runs the command line until ctx ends and returns the exit code.
func MainContext(ctx context.Context, args []string, in io.Reader, out, errOut io.Writer) int {
	root, g := newTree(IO{In: in, Out: out, Err: errOut})
	return execute(ctx, root, g, args, errOut)
}

// execute runs a command tree with args, prints its error once (control
// characters from data escaped) and returns the exit code.
func execute(ctx context.Context, root *cobra.Command, g *globals, args []string, errOut io.Writer) int {
	root.SetArgs(args)
	// Add cobra's own help and completion commands now, so their argument
	// checks are typed too.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd(args...)
	typeUsageErrors(root)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	err = g.explainStore(err)
	fmt.Fprintln(errOut, "syncctl:", safeText(humanError(err)))
	return exitCode(err)
}

// exitCode maps an error to the exit status scripts rely on.
func exitCode(err error) int {
	var pe partialError
	var ue usageError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &pe):
		return ExitPartial
	case errors.As(err, &ue):
		return ExitUsage
	}
	return ExitError
}
