// Package devserver runs a complete Temporal server (frontend, history,
// matching and worker services, SQLite persistence and visibility) plus the
// Temporal Web UI inside the current process, like `temporal server
// start-dev`. It backs `syncctl dev`.
//
// Persistence uses the server's own SQLite plugin (modernc.org/sqlite, no
// cgo). With Options.StateDir set, the database is StateDir/temporal.db (mode
// 0600, like the syncctl store; an older, looser one is tightened on start):
// the schema is created on first start and reused afterwards, so workflows
// survive restarts. With StateDir empty the database is in memory.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/server/common/config"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/searchattribute/sadefs"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
	"google.golang.org/protobuf/types/known/durationpb"
)

const (
	// DefaultIP is used when Options.IP is empty.
	DefaultIP = "127.0.0.1"
	// DefaultFrontendPort is the conventional Temporal frontend port. Note
	// that Options.FrontendPort == 0 means "pick a free port", so callers that
	// want the conventional ports must ask for them (see DefaultOptions).
	DefaultFrontendPort = 7233
	// UIPortOffset: the conventional UI port is FrontendPort+UIPortOffset (8233).
	UIPortOffset = 1000
	// NoUI as Options.UIPort disables the Web UI.
	NoUI = -1
	// DefaultNamespace is used when Options.Namespace is empty.
	DefaultNamespace = "default"
	// DBFileName is the SQLite file created inside Options.StateDir.
	DBFileName = "temporal.db"
	// NamespaceRetention is the retention of the namespace created by Start.
	NamespaceRetention = 7 * 24 * time.Hour

	// stopTimeout bounds UI shutdown; the Temporal server has its own.
	stopTimeout = 10 * time.Second
)

// Options configures Start. The zero value is valid: in-memory database,
// free ports on 127.0.0.1, UI on a free port, namespace "default".
type Options struct {
	StateDir         string                            // SQLite file lives here (StateDir/temporal.db); "" = in-memory
	IP               string                            // default "127.0.0.1"
	FrontendPort     int                               // 0 = pick a free port; conventional: DefaultFrontendPort (7233)
	UIPort           int                               // 0 = pick a free port; -1 (NoUI) = no UI; conventional: FrontendPort+1000 (8233)
	Namespace        string                            // default "default"; registered on start (retention NamespaceRetention)
	SearchAttributes map[string]enums.IndexedValueType // custom search attributes registered on the namespace
	LogLevel         string                            // server log level: debug, info, warn (default), error, never
	Logger           *slog.Logger                      // server logs go here; nil = discard
}

// DefaultOptions returns the options `syncctl dev` uses by default: the
// conventional ports 7233 (frontend) and 8233 (UI) and the given state dir.
func DefaultOptions(stateDir string) Options {
	return Options{
		StateDir:     stateDir,
		IP:           DefaultIP,
		FrontendPort: DefaultFrontendPort,
		UIPort:       DefaultFrontendPort + UIPortOffset,
		Namespace:    DefaultNamespace,
		LogLevel:     "warn",
	}
}

// Server is a running in-process Temporal dev server. Stop it with Stop.
type Server struct {
	temporal  temporal.Server
	ui        *uiServer
	sqlCfg    *config.SQL
	frontend  string
	namespace string
	logger    *slog.Logger   // server logs (filtered by level)
	level     *slog.LevelVar // current minimum level of logger
	base      *slog.Logger   // caller's logger, unfiltered; may be nil
	stopOnce  sync.Once
	stopErr   error
}

// Start starts the server and returns once the frontend accepts connections
// and the namespace and its search attributes are ready. ctx bounds the
// start-up; cancelling it later has no effect (use Stop).
func Start(ctx context.Context, opts Options) (*Server, error) {
	o, err := normalize(opts)
	if err != nil {
		return nil, err
	}
	// While starting, only errors get through unless debug/info was asked
	// for; the configured level applies once the server is ready.
	level := &slog.LevelVar{}
	level.Set(max(o.logLevel, slog.LevelError))
	if o.logLevel < slog.LevelWarn {
		level.Set(o.logLevel)
	}
	log := newServerSlog(opts.Logger, level)

	// Ports: fail early and clearly if an explicitly requested one is taken.
	if o.FrontendPort == 0 {
		if o.FrontendPort, err = freePort(o.IP); err != nil {
			return nil, err
		}
	} else if err := checkPortFree("frontend", o.IP, o.FrontendPort); err != nil {
		return nil, err
	}
	if o.UIPort > 0 {
		if err := checkPortFree("UI", o.IP, o.UIPort); err != nil {
			return nil, err
		}
	}
	frontend := net.JoinHostPort(o.IP, strconv.Itoa(o.FrontendPort))

	// Persistence.
	sqlCfg, err := prepareSQLite(o)
	if err != nil {
		return nil, err
	}
	s := &Server{sqlCfg: sqlCfg, frontend: frontend, namespace: o.Namespace, logger: log, level: level, base: opts.Logger}
	cleanupDB := func() {
		if _, rerr := releaseSQLite(sqlCfg.DatabaseName); rerr != nil {
			log.Warn("could not release SQLite handles", "error", rerr)
		}
	}

	// Temporal server.
	fatal := &fatalRecorder{}
	srvOpts, err := buildServerOptions(o, sqlCfg, log, fatal)
	if err != nil {
		cleanupDB()
		return nil, err
	}
	srv, err := temporal.NewServer(srvOpts...)
	if err != nil {
		cleanupDB()
		return nil, fmt.Errorf("devserver: creating Temporal server: %w", err)
	}
	if err := srv.Start(); err != nil {
		_ = srv.Stop()
		cleanupDB()
		return nil, fmt.Errorf("devserver: starting Temporal server on %s: %w", frontend, errors.Join(err, fatal.err()))
	}
	s.temporal = srv

	fail := func(err error) (*Server, error) {
		_ = s.Stop()
		return nil, err
	}

	// Wait for the frontend, the namespace and the search attributes.
	if err := waitReady(ctx, frontend, o.Namespace, o.SearchAttributes, log); err != nil {
		return fail(errors.Join(err, fatal.err()))
	}
	if err := fatal.err(); err != nil {
		return fail(err)
	}

	// Web UI.
	if o.UIPort != NoUI {
		ui, err := startUI(o.IP, o.UIPort, frontend, o.Namespace)
		if err != nil {
			return fail(err)
		}
		s.ui = ui
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	level.Set(o.logLevel)
	return s, nil
}

// FrontendHostPort is the frontend gRPC address, e.g. "127.0.0.1:7233".
func (s *Server) FrontendHostPort() string { return s.frontend }

// UIURL is the Web UI address, e.g. "http://127.0.0.1:8233", or "" if the UI
// is disabled.
func (s *Server) UIURL() string {
	if s.ui == nil {
		return ""
	}
	return s.ui.url
}

// Namespace is the namespace registered by Start.
func (s *Server) Namespace() string { return s.namespace }

// Stop stops the UI and the Temporal server and releases their ports and the
// SQLite database. After Stop returns, Start may be called again with the same
// StateDir (and ports) in the same process. Stop is idempotent.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		// Shutdown noise (and goroutines the server leaves behind, which keep
		// redialling its old ports) is not worth showing; Stop's own result
		// reports real failures.
		if s.level.Level() >= slog.LevelWarn {
			s.level.Set(levelNever)
		}
		var errs []error
		if s.ui != nil {
			ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
			if err := s.ui.stop(ctx); err != nil {
				errs = append(errs, fmt.Errorf("devserver: stopping UI: %w", err))
			}
			cancel()
		}
		if s.temporal != nil {
			if err := s.temporal.Stop(); err != nil {
				errs = append(errs, fmt.Errorf("devserver: stopping Temporal server: %w", err))
			}
		}
		if _, err := releaseSQLite(s.sqlCfg.DatabaseName); err != nil && s.base != nil {
			// Not fatal: the only effect is that the file stays open.
			s.base.Warn("devserver: could not release SQLite handles", "error", err)
		}
		s.stopErr = errors.Join(errs...)
	})
	return s.stopErr
}

var saNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// options is Options with defaults applied.
type options struct {
	Options
	logLevel slog.Level
}

func normalize(opts Options) (options, error) {
	o := options{Options: opts}
	if o.IP == "" || o.IP == "localhost" {
		// The server needs an IP (it is also the membership broadcast address).
		o.IP = DefaultIP
	}
	if net.ParseIP(o.IP) == nil {
		return o, fmt.Errorf("devserver: IP %q is not an IP address", o.IP)
	}
	if o.FrontendPort < 0 || o.FrontendPort > 65535 {
		return o, fmt.Errorf("devserver: invalid frontend port %d", o.FrontendPort)
	}
	if o.UIPort < NoUI || o.UIPort > 65535 {
		return o, fmt.Errorf("devserver: invalid UI port %d (use -1 to disable the UI)", o.UIPort)
	}
	if o.UIPort > 0 && o.UIPort == o.FrontendPort {
		return o, fmt.Errorf("devserver: frontend and UI cannot both use port %d", o.UIPort)
	}
	if o.Namespace == "" {
		o.Namespace = DefaultNamespace
	}
	lvl, err := parseLogLevel(o.LogLevel)
	if err != nil {
		return o, err
	}
	o.logLevel = lvl
	// Validate search attributes up front: names, types, SQLite limits.
	for name, t := range o.SearchAttributes {
		if !saNameRE.MatchString(name) {
			return o, fmt.Errorf("devserver: invalid search attribute name %q (want letters, digits and _)", name)
		}
		if sadefs.IsReserved(name) || sadefs.IsPreallocatedCSAFieldName(name, t) {
			return o, fmt.Errorf("devserver: search attribute name %q is reserved by Temporal", name)
		}
		if _, known := enums.IndexedValueType_name[int32(t)]; !known || t == enums.INDEXED_VALUE_TYPE_UNSPECIFIED {
			return o, fmt.Errorf("devserver: search attribute %q has invalid type %v", name, t)
		}
	}
	if _, err := sqliteschema.NewNamespaceConfig(clusterName, o.Namespace, false, o.SearchAttributes); err != nil {
		return o, fmt.Errorf("devserver: search attributes: %w (SQLite visibility allows %s)", err, sqliteSALimits())
	}
	return o, nil
}

// dbFileMode is the mode of temporal.db, the same as the syncctl store's and the
// credentials': workflow histories hold shops' orders and products. SQLite
// gives the -wal and -shm files it creates the main file's mode.
const dbFileMode = 0o600

// restrictDBFiles creates the database file at path with dbFileMode if it is
// missing (SQLite would create it 0644), and takes group and other
// permissions off it and its -wal and -shm files if they have any (a state
// dir from before).
func restrictDBFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, dbFileMode)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		st, err := os.Stat(path + suffix)
		if errors.Is(err, fs.ErrNotExist) && suffix != "" {
			continue
		}
		if err != nil {
			return err
		}
		if perm := st.Mode().Perm(); perm&^dbFileMode != 0 {
			if err := os.Chmod(path+suffix, perm&dbFileMode); err != nil {
				return err
			}
		}
	}
	return nil
}

// prepareSQLite builds the SQL config, creates the schema if the database is
// new, and creates the namespace (with its search attributes) if missing.
func prepareSQLite(o options) (*config.SQL, error) {
	cfg := &config.SQL{PluginName: sqliteplugin.PluginName}
	fresh := true
	if o.StateDir == "" {
		// Shared-cache in-memory DB: all of the server's connections see the
		// same database, which lives until the pool closes it (Stop).
		cfg.DatabaseName = "syncctl-dev-" + strconv.FormatUint(rand.Uint64(), 36)
		cfg.ConnectAttributes = map[string]string{"mode": "memory", "cache": "shared"}
	} else {
		if err := os.MkdirAll(o.StateDir, 0o755); err != nil {
			return nil, fmt.Errorf("devserver: creating state dir: %w", err)
		}
		path, err := filepath.Abs(filepath.Join(o.StateDir, DBFileName))
		if err != nil {
			return nil, fmt.Errorf("devserver: state dir: %w", err)
		}
		if strings.ContainsAny(path, "?#") {
			// The plugin builds "file:<path>?<params>" without escaping.
			return nil, fmt.Errorf("devserver: state dir path %q must not contain '?' or '#'", path)
		}
		cfg.DatabaseName = path
		cfg.ConnectAttributes = map[string]string{
			"mode": "rwc",
			// WAL: fewer fsyncs per commit and readers don't block the writer;
			// synchronous=NORMAL is durable against process crashes (the only
			// thing that matters for a dev database).
			"journal_mode": "wal",
			"synchronous":  "NORMAL",
			"busy_timeout": "10000",
		}
		if st, err := os.Stat(path); err == nil && st.Size() > 0 {
			fresh = false
		} else if err != nil && !os.IsNotExist(err) {
			return nil, fmt.Errorf("devserver: database file: %w", err)
		}
		if err := restrictDBFiles(path); err != nil {
			return nil, fmt.Errorf("devserver: database file: %w", err)
		}
		if fresh {
			// Schema setup (the in-memory DB is set up by the plugin itself).
			if err := sqliteschema.SetupSchema(cfg); err != nil {
				_, _ = releaseSQLite(cfg.DatabaseName)
				for _, suffix := range []string{"", "-wal", "-shm"} {
					_ = os.Remove(path + suffix) // don't leave a half-initialised DB behind
				}
				return nil, fmt.Errorf("devserver: creating SQLite schema in %s: %w", path, err)
			}
		}
	}

	ns, err := sqliteschema.NewNamespaceConfig(clusterName, o.Namespace, false, o.SearchAttributes)
	if err != nil {
		return nil, fmt.Errorf("devserver: namespace: %w", err)
	}
	ns.Detail.Config.Retention = durationpb.New(NamespaceRetention)
	// No-op if the namespace already exists (search attributes added since
	// are registered through the operator API once the server is up).
	if err := sqliteschema.CreateNamespaces(cfg, ns); err != nil {
		_, _ = releaseSQLite(cfg.DatabaseName)
		return nil, fmt.Errorf("devserver: creating namespace %q: %w", o.Namespace, err)
	}
	return cfg, nil
}
