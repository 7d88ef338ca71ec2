// Package stack wires syncctl's parts into one running process: the
// embedded Temporal server (or a client of an existing cluster), the store,
// the channel sandboxes, the reference ERP receiver and a worker. `syncctl
// dev`, `syncctl demo` and the end-to-end tests all start it.
package stack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/httpx"
	_ "github.com/syncctl/syncctl/connectors/tmall" // registers "tmall"
	"github.com/syncctl/syncctl/devserver"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/erp"
	sbtmall "github.com/syncctl/syncctl/sandbox/tmall"
	"github.com/syncctl/syncctl/store"
	"github.com/syncctl/syncctl/store/sqlite"
	"github.com/syncctl/syncctl/workflows"
)

// Options configure a stack. Zero values give the embedded default.
type Options struct {
	// StateDir holds the embedded Temporal's database, the store (unless
	// StoreDSN says otherwise), the Tmall sandbox's state and credentials,
	// and a lock: one stack per state dir at a time. "" keeps Temporal and
	// the sandbox in memory (tests), with the store at StoreDSN.
	StateDir               string
	StoreDSN               string           // the store's SQLite file; default StateDir/syncctl.db
	TaskQueue              string           // the worker's queue; default workflows.TaskQueue
	TemporalAddress        string           // "" = start the embedded Temporal server
	Namespace              string           // default "default"
	Client                 client.Client    // use this client (tests with temporaltest); overrides TemporalAddress
	FrontendPort           int              // embedded server; 0 = free port
	UIPort                 int              // embedded UI; 0 = free port, -1 = none
	IP                     string           // listen address for everything, default 127.0.0.1
	SandboxPort            int              // the Tmall sandbox's port; 0 = any free port
	SandboxQPS             float64          // the Tmall sandbox's enforced QPS (0 = unlimited)
	SandboxOrdersPerMinute float64          // orders the sandbox sells by itself (0 = only on request)
	ConnectorQPS           float64          // the connector's own pacing (default 50)
	TmallSandbox           *ExternalSandbox // use this running Tmall sandbox instead of starting one
	ERPURL                 string           // "" = the built-in reference receiver
	ERPSecret              []byte           // required with ERPURL; generated for the built-in receiver
	Logger                 *slog.Logger
}

// Stack is a running syncctl.
type Stack struct {
	Temporal    *devserver.Server // nil when connected to an external cluster
	Client      client.Client
	Namespace   string
	TaskQueue   string // the queue this stack's worker polls and its workflows run on
	StateDir    string
	StoreDSN    string
	Worker      worker.Worker
	Store       store.Store
	Shops       connectors.Shops
	Sandbox     *Sandbox // the Tmall sandbox
	Receiver    *erp.Receiver
	ReceiverURL string // base URL of the built-in receiver ("" with an external ERP)
	ERPURL      string // where webhooks go

	acts    *workflows.Activities
	closers []func() error
}

// Sandbox is one running platform sandbox.
type Sandbox struct {
	Shop            domain.ShopRef
	URL             string          // base URL; the gateway is URL + "/router/rest"
	Handler         *sbtmall.Server // nil for an external sandbox
	StateFile       string          // where it keeps its items and trades ("" = memory)
	CredentialsFile string          // where its credentials are kept ("" = memory only)
}

// ExternalSandbox is a Tmall sandbox running elsewhere (a container), with
// the credentials it was started with.
type ExternalSandbox struct {
	URL                        string
	AppKey, AppSecret, Session string
}

// DemoShop is the shop the embedded default configures on the Tmall sandbox.
var DemoShop = domain.ShopRef{Channel: "tmall", Shop: "demo"}

// DefaultSandboxPort is the Tmall sandbox's port under `syncctl dev`.
const DefaultSandboxPort = 8201

// SandboxShopOptions are the connector options of the sandbox shop: the
// signature method, and a TOP sale-property id (pid) for every spec name the
// sample catalog uses (the connector needs one for each; 颜色 and 尺码 are
// TOP's well-known ones, the others are plausible made-up ids).
func SandboxShopOptions() map[string]string {
	return map[string]string{
		"sign_method": "hmac-sha256",
		"pid:颜色":      "1627207",
		"pid:尺码":      "20509",
		"pid:尺寸":      "20518",
		"pid:规格":      "122216343",
		"pid:口味":      "122216507",
		"pid:型号":      "122216608",
		"pid:长度":      "122216346",
		"pid:容量":      "122216635",
	}
}

// Start brings the stack up. On error everything started so far is stopped.
func Start(ctx context.Context, o Options) (_ *Stack, err error) {
	if o.IP == "" {
		o.IP = "127.0.0.1"
	}
	if o.Namespace == "" {
		o.Namespace = "default"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ConnectorQPS == 0 {
		o.ConnectorQPS = 50
	}
	if o.TaskQueue == "" {
		o.TaskQueue = workflows.TaskQueue
	}
	if o.StoreDSN == "" {
		o.StoreDSN = filepath.Join(o.StateDir, "syncctl.db")
	}
	s := &Stack{Namespace: o.Namespace, TaskQueue: o.TaskQueue, StateDir: o.StateDir, StoreDSN: o.StoreDSN}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if o.StateDir != "" {
		if err := os.MkdirAll(o.StateDir, 0o700); err != nil {
			return nil, fmt.Errorf("state dir: %w", err)
		}
		release, err := lockStateDir(o.StateDir)
		if err != nil {
			return nil, err
		}
		s.closers = append(s.closers, release)
	}

	// Store (sqlite.Open makes its directory).
	db, err := sqlite.Open(ctx, o.StoreDSN)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", o.StoreDSN, err)
	}
	s.Store = db
	s.closers = append(s.closers, db.Close)

	// Tmall sandbox. Its credentials reach the connector in memory, never
	// through flags; with a state dir they and the sandbox's listings and
	// trades are kept there, so a restart finds what the store says it pushed.
	ext := o.TmallSandbox
	if ext == nil {
		var creds SandboxCredentials
		sb := &Sandbox{Shop: DemoShop}
		if o.StateDir != "" {
			if creds, err = loadSandboxCredentials(o.StateDir); err != nil {
				return nil, err
			}
			sb.CredentialsFile = filepath.Join(o.StateDir, SandboxCredentialsFile)
			sb.StateFile = filepath.Join(o.StateDir, SandboxStateFile)
		} else {
			creds = newSandboxCredentials()
		}
		ext = &ExternalSandbox{AppKey: creds.AppKey, AppSecret: creds.AppSecret, Session: creds.Session}
		h, err := sbtmall.Open(sbtmall.Config{AppKey: ext.AppKey, AppSecret: ext.AppSecret, Session: ext.Session,
			QPS: o.SandboxQPS, OrdersPerMinute: o.SandboxOrdersPerMinute, Seed: time.Now().UnixNano(), StateFile: sb.StateFile})
		if err != nil {
			return nil, fmt.Errorf("tmall sandbox: %w", err)
		}
		sb.Handler = h
		s.closers = append(s.closers, h.Close) // after the listener stops: writes the state file
		sbURL, stopSB, err := serve(o.IP, o.SandboxPort, h)
		if err != nil {
			return nil, fmt.Errorf("tmall sandbox: %w", err)
		}
		s.closers = append(s.closers, stopSB)
		ext.URL, sb.URL = sbURL, sbURL
		s.Sandbox = sb
	} else {
		s.Sandbox = &Sandbox{Shop: DemoShop, URL: ext.URL}
	}
	shops, err := connectors.OpenAll([]connectors.ShopConfig{{
		Channel: DemoShop.Channel, Shop: DemoShop.Shop, Gateway: ext.URL + "/router/rest",
		AppKey: ext.AppKey, AppSecret: connectors.Secret(ext.AppSecret), Session: connectors.Secret(ext.Session),
		QPS: o.ConnectorQPS, Options: SandboxShopOptions(),
	}})
	if err != nil {
		return nil, err
	}
	s.Shops = shops

	// ERP: the built-in reference receiver unless an external URL is given.
	secret := o.ERPSecret
	s.ERPURL = o.ERPURL
	if o.ERPURL == "" {
		secret = []byte("whsec_" + randHex(16))
		s.Receiver = erp.NewReceiver(secret, o.Logger)
		url, stop, err := serve(o.IP, 0, s.Receiver.Handler())
		if err != nil {
			return nil, fmt.Errorf("erp receiver: %w", err)
		}
		s.closers = append(s.closers, stop)
		s.ReceiverURL = url
		s.ERPURL = url + "/webhooks/syncctl"
	}
	erpClient, err := erp.NewClient(s.ERPURL, secret, httpx.New(httpx.Options{}))
	if err != nil {
		return nil, err
	}

	// Temporal: a given client, an external cluster, or the embedded server.
	switch {
	case o.Client != nil:
		s.Client = o.Client
	case o.TemporalAddress != "":
		c, err := client.DialContext(ctx, client.Options{HostPort: o.TemporalAddress, Namespace: o.Namespace, Logger: sdklog.NewStructuredLogger(o.Logger)})
		if err != nil {
			return nil, fmt.Errorf("connect to temporal at %s: %w", o.TemporalAddress, err)
		}
		s.Client = c
		s.closers = append(s.closers, func() error { c.Close(); return nil })
	default:
		srv, err := devserver.Start(ctx, devserver.Options{
			StateDir: o.StateDir, IP: o.IP, FrontendPort: o.FrontendPort, UIPort: o.UIPort,
			Namespace: o.Namespace, SearchAttributes: workflows.SearchAttributes(), Logger: o.Logger,
		})
		if err != nil {
			return nil, fmt.Errorf("embedded temporal: %w", err)
		}
		s.Temporal = srv
		s.closers = append(s.closers, srv.Stop)
		c, err := client.DialContext(ctx, client.Options{HostPort: srv.FrontendHostPort(), Namespace: o.Namespace, Logger: sdklog.NewStructuredLogger(o.Logger)})
		if err != nil {
			return nil, fmt.Errorf("connect to embedded temporal: %w", err)
		}
		s.Client = c
		s.closers = append(s.closers, func() error { c.Close(); return nil })
	}
	if err := workflows.EnsureSearchAttributes(ctx, s.Client, o.Namespace); err != nil {
		return nil, err
	}

	// Worker.
	s.acts = &workflows.Activities{Store: s.Store, Shops: s.Shops, ERP: erpClient, Temporal: s.Client}
	if err := s.startWorker(); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() error { s.Worker.Stop(); return nil })
	return s, nil
}

func (s *Stack) startWorker() error {
	w := worker.New(s.Client, s.TaskQueue, worker.Options{})
	workflows.Register(w, s.acts)
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	s.Worker = w
	return nil
}

// RestartWorker stops the worker where it is, as a crash or a deploy
// would, and starts a fresh one on the same state.
func (s *Stack) RestartWorker() error {
	s.Worker.Stop()
	return s.startWorker()
}

// StartWorkflow starts the workflow with this business id on the stack's
// task queue, or joins the run already going under it (as workflows.Start
// does on the shared queue).
func (s *Stack) StartWorkflow(ctx context.Context, id, name string, in any) (client.WorkflowRun, error) {
	return workflows.StartOn(ctx, s.Client, s.TaskQueue, id, name, in)
}

// Close stops everything in reverse order.
func (s *Stack) Close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	s.closers = nil
	return errors.Join(errs...)
}

// serve runs h on ip:port (port 0: a free one) and returns its base URL.
func serve(ip string, port int, h http.Handler) (string, func() error, error) {
	addr := net.JoinHostPort(ip, strconv.Itoa(port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if port != 0 {
			return "", nil, fmt.Errorf("port %s is not available (already in use?): %w", addr, err)
		}
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	stop := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(ctx)
	}
	return "http://" + ln.Addr().String(), stop, nil
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
