// Package stack wires syncctl's parts into one running process: the
// embedded Temporal server (or a client of an existing cluster), the store,
// one sandbox and demo shop per registered platform, the reference ERP
// receiver and the worker assembly of package app. `syncctl
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

	"github.com/syncctl/syncctl/app"
	"github.com/syncctl/syncctl/config"
	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/httpx"
	"github.com/syncctl/syncctl/devserver"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/erp"
	"github.com/syncctl/syncctl/mapping"
	"github.com/syncctl/syncctl/mapping/pricing"
	"github.com/syncctl/syncctl/platforms"
	"github.com/syncctl/syncctl/sandbox/kit"
	"github.com/syncctl/syncctl/store"
	_ "github.com/syncctl/syncctl/store/sqlite" // the embedded default store
	"github.com/syncctl/syncctl/workflows"
)

// Options configure a stack. Zero values give the embedded default.
type Options struct {
	// StateDir holds the embedded Temporal's database, the store (unless
	// StoreDSN says otherwise), each sandbox's state and credentials, and a
	// lock: one stack per state dir at a time. "" keeps Temporal and the
	// sandboxes in memory (tests), with the store at StoreDSN.
	StateDir        string
	StoreDSN        string        // the store's SQLite file; default StateDir/syncctl.db
	TaskQueue       string        // the workers' base queue; default workflows.TaskQueue
	TemporalAddress string        // "" = start the embedded Temporal server
	Namespace       string        // default "default"
	Client          client.Client // use this client (tests with temporaltest); overrides TemporalAddress
	FrontendPort    int           // embedded server; 0 = free port
	UIPort          int           // embedded UI; 0 = free port, -1 = none
	IP              string        // listen address for everything, default 127.0.0.1
	// SandboxPort is the first sandbox's port; the next registered
	// platforms take the ports after it (0 = any free ports).
	SandboxPort            int
	SandboxQPS             float64 // QPS every sandbox enforces (0 = unlimited)
	SandboxOrdersPerMinute float64 // orders each sandbox sells by itself (0 = only on request)
	// Stock is the stock policy over the stack's shops (nil: every shop
	// offers the master stock).
	Stock *pricing.StockPolicy
	// Pricing is the pricing policy in force (nil: list prices, no guard);
	// it is asked before every push, so a test may change it.
	Pricing func() pricing.Policy
	// Allocation gives each shop's stock (config.Live.Allocation); it
	// replaces Stock.
	Allocation mapping.Allocation
	// SandboxOptions are sandbox settings by platform id, then by name
	// ("wechat_shop" → "reject_rate" → "0.2"); see each sandbox's help.
	SandboxOptions map[string]map[string]string
	ConnectorQPS   float64 // the sandbox shops' pacing (default SandboxQPS when set, else 50)
	// Platforms names the registered platforms that get a sandbox and a
	// demo shop (nil: every registered platform; empty non-nil: none).
	Platforms []string
	// External uses a sandbox running elsewhere (a container) for a
	// platform instead of starting one, by channel id.
	External map[string]ExternalSandbox
	// DemoShop is the name of the shop on each sandbox (default "demo").
	DemoShop string
	// Shops are further shops (from a configuration) the worker serves
	// beside the sandbox shops.
	Shops     []connectors.ShopConfig
	ERPURL    string // "" = the built-in reference receiver
	ERPSecret []byte // required with ERPURL; generated for the built-in receiver
	// ERPPort is the built-in receiver's port (0 = any free port). When it
	// is taken the receiver takes a free one and says so (a warning).
	ERPPort int
	Logger  *slog.Logger
	// SDKLogger takes the Temporal SDK's own logs (client and worker: every
	// activity retry); default Logger. The CLI keeps them behind -v.
	SDKLogger *slog.Logger
	// MetricsHandler takes the Temporal SDK's metrics of the client the
	// stack dials (nil: none; a given Client keeps its own).
	MetricsHandler client.MetricsHandler
}

// Stack is a running syncctl.
type Stack struct {
	Temporal  *devserver.Server // nil when connected to an external cluster
	Client    client.Client
	Namespace string
	TaskQueue string // the base queue of this stack's workers (each shop has its own under it)
	StateDir  string
	StoreDSN  string
	Worker    *app.Worker
	Store     store.Store
	Shops     connectors.Shops
	Sandboxes []*Sandbox // one per platform, in registration order
	// Commission is the promotion-pool policy of the sandbox shops that
	// have one (CPS platforms: DemoCommission).
	Commission  map[domain.ShopRef]domain.CommissionPolicy
	Receiver    *erp.Receiver
	ReceiverURL string // base URL of the built-in receiver ("" with an external ERP)
	ERPURL      string // where webhooks go
	// ERPSecret signs the webhooks; the ERP API (syncctl serve, dev)
	// verifies the ERP's requests with it too. Never printed.
	ERPSecret []byte

	workerOpts app.WorkerOptions
	added      int // workers AddWorker started
	closers    []func() error
}

// Sandbox is one running platform sandbox with its demo shop.
type Sandbox struct {
	Platform        platforms.Registration
	Shop            domain.ShopRef
	URL             string          // base URL of the sandbox
	Gateway         string          // where the shop's connector calls
	Admin           kit.AdminClient // the common admin API
	Handler         kit.Sandbox     // nil for an external sandbox
	StateFile       string          // where it keeps its shop ("" = memory)
	CredentialsFile string          // where its shop's credentials are kept ("" = memory only)
}

// ExternalSandbox is a sandbox running elsewhere (a container), with the
// credentials it was started with, by the platform's own names.
type ExternalSandbox struct {
	URL         string
	Credentials map[string]string
}

// DemoCommission is the promotion-pool commission of the sandbox shops on
// platforms with a pool (Kuaishou 分销, Douyin 精选联盟, WeChat 优选联盟):
// 20 %, food 15 %, coffee beans 25 %.
func DemoCommission() domain.CommissionPolicy {
	return domain.CommissionPolicy{Default: 2000, ByCategory: map[string]int{"食品": 1500, "食品/咖啡/咖啡豆": 2500}}
}

// DefaultSandboxPort is the first sandbox's port under `syncctl dev`; the
// other platforms' sandboxes follow in registration order.
const DefaultSandboxPort = 8201

// DefaultDemoShop is the name of the shop on each sandbox.
const DefaultDemoShop = "demo"

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
	if o.SDKLogger == nil {
		o.SDKLogger = o.Logger
	}
	if o.ConnectorQPS == 0 {
		// Pace the sandbox shops at the quota their sandboxes enforce, as a
		// shop configured with its platform's quota would be.
		o.ConnectorQPS = 50
		if o.SandboxQPS > 0 {
			o.ConnectorQPS = o.SandboxQPS
		}
	}
	if o.TaskQueue == "" {
		o.TaskQueue = workflows.TaskQueue
	}
	if o.DemoShop == "" {
		o.DemoShop = DefaultDemoShop
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
	db, err := store.Open(ctx, "sqlite", o.StoreDSN)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", o.StoreDSN, err)
	}
	s.Store = db
	s.closers = append(s.closers, db.Close)

	// One sandbox and one demo shop per platform. Credentials reach the
	// connectors in memory, never through flags; with a state dir they and
	// each sandbox's shop are kept there, so a restart finds what the store
	// says it pushed.
	regs, err := selectPlatforms(o.Platforms)
	if err != nil {
		return nil, err
	}
	shops := append([]connectors.ShopConfig(nil), o.Shops...)
	for i, reg := range regs {
		port := 0
		if o.SandboxPort > 0 {
			port = o.SandboxPort + i
		}
		sb, creds, err := s.startSandbox(o, reg, port)
		if err != nil {
			return nil, err
		}
		s.Sandboxes = append(s.Sandboxes, sb)
		setup := reg.Sandbox.Shop(sb.URL)
		sb.Gateway = setup.Gateway
		secrets := map[string]connectors.Secret{}
		for k, v := range creds {
			secrets[k] = connectors.Secret(v)
		}
		sc := connectors.ShopConfig{Channel: reg.ID(), Shop: o.DemoShop, Gateway: setup.Gateway,
			Credentials: secrets, QPS: o.ConnectorQPS, Options: setup.Options}
		if reg.Connector.Pool != "" {
			policy := DemoCommission()
			sc.Commission = &policy
			if s.Commission == nil {
				s.Commission = map[domain.ShopRef]domain.CommissionPolicy{}
			}
			s.Commission[sc.Ref()] = policy
		}
		shops = append(shops, sc)
	}

	// ERP: the built-in reference receiver unless an external URL is given.
	secret := o.ERPSecret
	s.ERPURL = o.ERPURL
	if o.ERPURL == "" {
		// With a state dir the receiver keeps its secret and what it
		// applied there: a redelivery after a restart is a duplicate.
		var opts []erp.ReceiverOption
		if o.StateDir != "" {
			opts = append(opts, erp.WithStateFile(filepath.Join(o.StateDir, ERPReceiverStateFile)))
		}
		rcv, err := erp.OpenReceiver([]byte("whsec_"+randHex(16)), o.Logger, opts...)
		if err != nil {
			return nil, err
		}
		s.Receiver, secret = rcv, rcv.Secret()
		url, stop, err := serve(o.IP, o.ERPPort, s.Receiver.Handler())
		if err != nil && o.ERPPort != 0 {
			o.Logger.Warn("the ERP receiver's port is taken; it listens on another one (see its URL)", "port", o.ERPPort)
			url, stop, err = serve(o.IP, 0, s.Receiver.Handler())
		}
		if err != nil {
			return nil, fmt.Errorf("erp receiver: %w", err)
		}
		s.closers = append(s.closers, stop)
		s.ReceiverURL = url
		s.ERPURL = url + "/webhooks/syncctl"
	}
	s.ERPSecret = secret
	erpClient, err := erp.NewClient(s.ERPURL, secret, httpx.New(httpx.Options{}))
	if err != nil {
		return nil, err
	}

	// Temporal: a given client, an external cluster, or the embedded server.
	switch {
	case o.Client != nil:
		s.Client = o.Client
	case o.TemporalAddress != "":
		c, err := client.DialContext(ctx, client.Options{HostPort: o.TemporalAddress, Namespace: o.Namespace, Logger: sdklog.NewStructuredLogger(o.SDKLogger), MetricsHandler: o.MetricsHandler})
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
		c, err := client.DialContext(ctx, client.Options{HostPort: srv.FrontendHostPort(), Namespace: o.Namespace, Logger: sdklog.NewStructuredLogger(o.SDKLogger), MetricsHandler: o.MetricsHandler})
		if err != nil {
			return nil, fmt.Errorf("connect to embedded temporal: %w", err)
		}
		s.Client = c
		s.closers = append(s.closers, func() error { c.Close(); return nil })
	}
	if err := workflows.EnsureSearchAttributes(ctx, s.Client, o.Namespace); err != nil {
		return nil, err
	}

	// Worker: the same assembly `syncctl worker` uses.
	s.workerOpts = app.WorkerOptions{Client: s.Client, Namespace: o.Namespace, TaskQueue: o.TaskQueue, Store: s.Store,
		StoreID: app.StoreID("sqlite", o.StoreDSN), Shops: shops, ERP: erpClient, Logger: o.Logger, Pricing: o.Pricing}
	if o.Stock != nil {
		refs := make([]domain.ShopRef, len(shops))
		for i, sc := range shops {
			refs[i] = sc.Ref()
		}
		s.workerOpts.Allocation = config.StockAllocation(*o.Stock, refs)
	}
	if o.Allocation != nil {
		s.workerOpts.Allocation = o.Allocation
	}
	w, err := app.NewWorker(s.workerOpts)
	if err != nil {
		return nil, err
	}
	if err := w.CheckQueues(ctx); err != nil {
		return nil, err
	}
	if err := w.Start(); err != nil {
		return nil, err
	}
	s.Worker, s.Shops = w, w.Shops
	s.closers = append(s.closers, func() error { s.Worker.Stop(); return nil })
	return s, nil
}

// selectPlatforms returns the registrations named (all when names is nil).
func selectPlatforms(names []string) ([]platforms.Registration, error) {
	if names == nil {
		return platforms.All(), nil
	}
	var out []platforms.Registration
	for _, n := range names {
		r, ok := platforms.Lookup(n)
		if !ok {
			return nil, fmt.Errorf("platform %q is not registered (this syncctl has %s)", n, domain.List(platforms.IDs()))
		}
		out = append(out, r)
	}
	return out, nil
}

// startSandbox starts a platform's sandbox (or takes the external one) and
// returns it with its shop's credentials.
func (s *Stack) startSandbox(o Options, reg platforms.Registration, port int) (*Sandbox, map[string]string, error) {
	shop := domain.ShopRef{Channel: reg.ID(), Shop: o.DemoShop}
	if ext, ok := o.External[reg.ID()]; ok {
		return &Sandbox{Platform: reg, Shop: shop, URL: ext.URL, Admin: kit.AdminClient{BaseURL: ext.URL}}, ext.Credentials, nil
	}
	sb := &Sandbox{Platform: reg, Shop: shop}
	var creds map[string]string
	if o.StateDir != "" {
		var err error
		if creds, err = loadSandboxCredentials(o.StateDir, reg.Sandbox); err != nil {
			return nil, nil, err
		}
		sb.CredentialsFile = filepath.Join(o.StateDir, SandboxCredentialsFile(reg.ID()))
		sb.StateFile = filepath.Join(o.StateDir, SandboxStateFile(reg.ID()))
	} else {
		creds = reg.Sandbox.NewCredentials()
	}
	h, err := reg.Sandbox.Start(kit.Config{Credentials: creds, QPS: o.SandboxQPS, OrdersPerMinute: o.SandboxOrdersPerMinute,
		Seed: time.Now().UnixNano(), StateFile: sb.StateFile, Options: o.SandboxOptions[reg.ID()]})
	if err != nil {
		return nil, nil, fmt.Errorf("%s sandbox: %w", reg.ID(), err)
	}
	sb.Handler = h
	s.closers = append(s.closers, h.Close) // after the listener stops: writes the state file
	url, stop, err := serve(o.IP, port, h)
	if err != nil {
		return nil, nil, fmt.Errorf("%s sandbox: %w", reg.ID(), err)
	}
	s.closers = append(s.closers, stop)
	sb.URL, sb.Admin = url, kit.AdminClient{BaseURL: url}
	return sb, creds, nil
}

// Sandbox returns the sandbox of a platform, nil if the stack has none.
func (s *Stack) Sandbox(platform string) *Sandbox {
	for _, sb := range s.Sandboxes {
		if sb.Platform.ID() == platform {
			return sb
		}
	}
	return nil
}

// RestartWorker stops the worker where it is, as a crash or a deploy
// would, and starts a fresh one on the same state.
func (s *Stack) RestartWorker() error {
	s.Worker.Stop()
	w, err := app.NewWorker(s.workerOpts)
	if err != nil {
		return err
	}
	if err := w.Start(); err != nil {
		return err
	}
	s.Worker, s.Shops = w, w.Shops
	return nil
}

// AddWorker starts one more worker of the same assembly on the same store
// and queues, as a second machine running `syncctl worker` would: its own
// connectors, sharing tokens, bans and listings through the store. It stops
// with the stack.
func (s *Stack) AddWorker() (*app.Worker, error) {
	s.added++
	o := s.workerOpts
	o.Name = fmt.Sprintf("worker-%d", s.added+1)
	w, err := app.NewWorker(o)
	if err != nil {
		return nil, err
	}
	if err := w.Start(); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() error { w.Stop(); return nil })
	return w, nil
}

// StartWorkflow starts the shop's workflow with this business id on the
// stack's queues, or joins the run already going under it.
func (s *Stack) StartWorkflow(ctx context.Context, shop domain.ShopRef, id, name string, in any) (client.WorkflowRun, error) {
	return workflows.StartOn(ctx, s.Client, s.TaskQueue, shop, id, name, in)
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
