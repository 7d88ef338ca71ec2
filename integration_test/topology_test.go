package integration_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/moby/moby/api/types/container"
	mobynet "github.com/moby/moby/api/types/network"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/network"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"gopkg.in/yaml.v3"

	"github.com/syncctl/syncctl/config"
	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/erp"
	"github.com/syncctl/syncctl/platforms"
	"github.com/syncctl/syncctl/sandbox/kit"
	"github.com/syncctl/syncctl/store"
	_ "github.com/syncctl/syncctl/store/postgres" // the store the workers share
	"github.com/syncctl/syncctl/workflows"
)

// The whole system as separate hosts on one Docker network per test:
//
//	postgres   PostgreSQL (the store every worker shares)
//	temporal   syncctl dev --temporal-only, its SQLite on a volume
//	worker-1/2 syncctl worker on the same task queues, config file mounted,
//	           shop credentials from env vars, the ERP secret from a file
//	api        syncctl serve (the ERP's API)
//	sb-<p>     syncctl sandbox <platform>, one per platform
//	erp        syncctl erp-receiver
//
// The test reaches each over a port published on 127.0.0.1 (fixed for the
// life of the container, so restarts keep it), and faults are Docker's:
// SIGKILL, stop/start, network disconnect.

// Ports inside the containers.
const (
	portPG       = 5432
	portTemporal = 7233
	portSandbox  = 8201
	portERP      = 8299
	portAPI      = 8300
)

// shopName is every sandbox shop's name in the suite.
const shopName = "it"

// topoOptions shape one test's system.
type topoOptions struct {
	Platforms  []string // nil: every registered platform
	Workers    int      // default 2
	SandboxQPS float64  // each sandbox's quota (0: unlimited)
	ShopQPS    float64  // each shop's pace in the workers' config (default 200)
	Serve      bool     // run syncctl serve
	Orders     *domain.PullPolicy
	Stock      *config.Stock // the workers' stock section
}

// node is one container.
type node struct {
	name  string // its alias on the network
	ctr   testcontainers.Container
	ports map[int]int // container port → host port on 127.0.0.1
}

func (n *node) id() string { return n.ctr.GetContainerID() }

func (n *node) url(port int) string { return "http://127.0.0.1:" + strconv.Itoa(n.ports[port]) }

// sbShop is one platform's sandbox and the shop the workers serve on it.
type sbShop struct {
	reg     platforms.Registration
	ref     domain.ShopRef
	node    *node
	admin   kit.AdminClient
	creds   map[string]string
	gateway string            // as the workers reach it
	options map[string]string // the shop's connector options for this sandbox
}

// topology is one running system.
type topology struct {
	t         *testing.T
	name      string
	network   *testcontainers.DockerNetwork
	app, pg   string // images
	opts      topoOptions
	postgres  *node
	temporal  *node
	erp       *node
	api       *node
	workers   []*node
	shops     []*sbShop
	volume    string
	erpSecret string
	apiToken  string
	workerEnv map[string]string
	config    []byte

	Store  store.Store
	Client client.Client // Temporal, through its published port
	dsn    string        // the store as the test reaches it
}

// startTopology brings a whole system up; everything is removed when the
// test ends, failed or not.
func startTopology(t *testing.T, o topoOptions) *topology {
	t.Helper()
	requireDocker(t)
	if o.Workers == 0 {
		o.Workers = 2
	}
	if o.ShopQPS == 0 {
		o.ShopQPS = 200
	}
	app, pg := suiteImages(t)
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	tp := &topology{t: t, app: app, pg: pg, opts: o, name: "chaos-" + randHex(4),
		erpSecret: "whsec_" + randHex(16), apiToken: "tok_" + randHex(16)}

	nw, err := network.New(ctx)
	if err != nil {
		t.Fatalf("docker network: %v", err)
	}
	tp.network = nw
	t.Cleanup(func() {
		if err := nw.Remove(context.Background()); err != nil {
			t.Errorf("remove network %s: %v", nw.Name, err)
		}
	})
	tp.volume = tp.name + "-temporal"
	t.Cleanup(func() { _ = exec.Command("docker", "volume", "rm", "-f", tp.volume).Run() })

	step := func(what string) { t.Logf("topology: %s at %s", what, time.Since(began).Round(time.Millisecond)) }
	// PostgreSQL.
	tp.postgres = tp.run(ctx, "postgres", pg, nil, nil, nil, portPG)
	tp.dsn = fmt.Sprintf("postgres://syncctl@127.0.0.1:%d/syncctl?sslmode=disable", tp.postgres.ports[portPG])
	tp.createDatabase(ctx)
	step("postgres")

	// Temporal: syncctl's embedded server, its state on a volume.
	tp.temporal = tp.run(ctx, "temporal", app, []string{"dev", "--temporal-only", "--ip", "0.0.0.0", "--port", strconv.Itoa(portTemporal),
		"--ui-port", "-1", "--state-dir", "/data"}, nil, []testcontainers.ContainerMount{testcontainers.VolumeMount(tp.volume, "/data")}, portTemporal)

	// The ERP receiver.
	tp.erp = tp.run(ctx, "erp", app, []string{"erp-receiver", "--listen", "0.0.0.0:" + strconv.Itoa(portERP), "--state-file", "/data/erp.json"},
		map[string]string{"SYNCCTL_ERP_SECRET": tp.erpSecret}, nil, portERP)

	// One sandbox per platform.
	regs := platforms.All()
	if o.Platforms != nil {
		regs = nil
		for _, id := range o.Platforms {
			r, ok := platforms.Lookup(id)
			if !ok {
				t.Fatalf("no platform %s", id)
			}
			regs = append(regs, r)
		}
	}
	for _, reg := range regs {
		creds := reg.Sandbox.NewCredentials()
		env := map[string]string{}
		for k, v := range creds {
			env["SYNCCTL_SANDBOX_"+strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(k))] = v
		}
		cmd := []string{"sandbox", reg.ID(), "--listen", "0.0.0.0:" + strconv.Itoa(portSandbox), "--state-file", "/data/shop.json"}
		if o.SandboxQPS > 0 {
			cmd = append(cmd, "--qps", strconv.FormatFloat(o.SandboxQPS, 'f', -1, 64))
		}
		if contains(reg.Sandbox.Options, kit.OptionReviewDelay) {
			cmd = append(cmd, "--option", kit.OptionReviewDelay+"=0s")
		}
		// A host name has no underscore (wechat_shop → sb-wechat-shop).
		n := tp.run(ctx, "sb-"+strings.ReplaceAll(reg.ID(), "_", "-"), app, cmd, env, nil, portSandbox)
		inside := reg.Sandbox.Shop("http://" + n.name + ":" + strconv.Itoa(portSandbox))
		tp.shops = append(tp.shops, &sbShop{reg: reg, ref: domain.ShopRef{Channel: reg.ID(), Shop: shopName}, node: n,
			admin: kit.AdminClient{BaseURL: n.url(portSandbox)}, creds: creds, gateway: inside.Gateway, options: inside.Options})
	}

	step("containers")
	// Wait for what the workers need, then open the store from here (it
	// migrates the schema once, before the workers race to).
	tp.waitTemporal(ctx)
	tp.waitHTTP(ctx, tp.erp.url(portERP)+"/stats")
	for _, s := range tp.shops {
		tp.waitHTTP(ctx, s.admin.BaseURL+"/_sandbox/stats")
	}
	st, err := store.Open(ctx, "postgres", tp.dsn)
	if err != nil {
		t.Fatalf("open the store in the postgres container: %v", err)
	}
	tp.Store = st
	step("store")
	tp.warmTokens(ctx)
	t.Cleanup(func() { st.Close() })

	// The workers, all with one configuration.
	tp.config, tp.workerEnv = tp.workerConfig()
	for i := range o.Workers {
		tp.workers = append(tp.workers, tp.startWorker(ctx, fmt.Sprintf("worker-%d", i+1)))
	}
	if o.Serve {
		env := map[string]string{"SYNCCTL_API_TOKEN": tp.apiToken}
		for k, v := range tp.workerEnv {
			env[k] = v
		}
		tp.api = tp.run(ctx, "api", app, []string{"serve", "--config", "/etc/syncctl/syncctl.yaml", "--listen", "0.0.0.0:" + strconv.Itoa(portAPI)},
			env, nil, portAPI, tp.configFiles()...)
		tp.waitHTTP(ctx, tp.api.url(portAPI)+"/v1/sync/status", http.StatusUnauthorized, http.StatusOK)
	}
	for _, w := range tp.workers {
		tp.waitLog(ctx, w, "worker serving", 1)
	}
	step("workers")
	return tp
}

// run creates and starts a container on the test's network under its
// alias, publishing ports on 127.0.0.1 at host ports chosen now and kept
// across restarts.
func (tp *topology) run(ctx context.Context, name, image string, cmd []string, env map[string]string,
	mounts []testcontainers.ContainerMount, port int, files ...testcontainers.ContainerFile) *node {
	tp.t.Helper()
	n := &node{name: name, ports: map[int]int{}}
	var exposed []string
	var bindings mobynet.PortMap
	if port != 0 {
		hp := freePort(tp.t)
		n.ports[port] = hp
		cp := mobynet.MustParsePort(fmt.Sprintf("%d/tcp", port))
		exposed = append(exposed, cp.String())
		bindings = mobynet.PortMap{cp: {{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: strconv.Itoa(hp)}}}
	}
	req := testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image:        image,
			Name:         tp.name + "-" + name,
			Cmd:          cmd,
			Env:          env,
			ExposedPorts: exposed,
			Mounts:       mounts,
			Files:        files,
			Networks:     []string{tp.network.Name},
			HostConfigModifier: func(hc *container.HostConfig) {
				hc.PortBindings = bindings
			},
			NetworkAliases: map[string][]string{
				tp.network.Name: {name},
			},
		},
		Started: true,
	}
	ctr, err := testcontainers.GenericContainer(ctx, req)
	testcontainers.CleanupContainer(tp.t, ctr)
	if err != nil {
		tp.t.Fatalf("start container %s: %v", name, err)
	}
	n.ctr = ctr
	// On failure, the end of its log (before the container goes).
	tp.t.Cleanup(func() {
		if tp.t.Failed() {
			tp.t.Logf("--- %s (the end of its log) ---\n%s", n.name, tail(tp.logs(n), 2500))
		}
	})
	return n
}

// warmTokens has every shop's access token minted (and kept in the store
// the workers share) before any fault: most platforms rotate the refresh
// token at each refresh, so a worker killed, or cut off, between the
// platform's answer and saving the new token loses it, and the shop must
// be authorised again. That window is the platforms' design, not one a
// worker can close; the scenarios keep their faults out of it.
func (tp *topology) warmTokens(ctx context.Context) {
	tp.t.Helper()
	now := time.Now()
	for ref, ch := range tp.hostChannels() {
		if _, err := ch.ListOrders(ctx, connectors.OrderQuery{From: now.Add(-10 * time.Minute), To: now}); err != nil {
			tp.t.Fatalf("%s: first call (mints its token): %v", ref, err)
		}
	}
}

// workerConfig is the configuration every worker (and serve) reads, and
// the environment that holds the shops' credentials.
func (tp *topology) workerConfig() ([]byte, map[string]string) {
	env := map[string]string{}
	var shops []map[string]any
	for _, s := range tp.shops {
		sh := map[string]any{"channel": s.ref.Channel, "shop": s.ref.Shop, "gateway": s.gateway, "qps": tp.opts.ShopQPS}
		if len(s.options) > 0 {
			sh["options"] = s.options
		}
		for _, spec := range s.reg.Connector.Credentials {
			if spec.Minted {
				continue
			}
			if v, ok := s.creds[spec.Name]; ok {
				// The default place: SYNCCTL_<CHANNEL>_<SHOP>_<NAME>.
				env[config.CredentialEnv(s.ref.Channel, s.ref.Shop, spec.Name)] = v
			}
		}
		shops = append(shops, sh)
	}
	orders := map[string]string{"interval": "2s", "overlap": "5m", "lag": "2s", "initial_lookback": "1h"}
	cfg := map[string]any{
		"temporal": map[string]any{"address": "temporal:" + strconv.Itoa(portTemporal), "namespace": "default"},
		"store":    map[string]any{"driver": "postgres", "dsn": "postgres://syncctl@postgres:5432/syncctl?sslmode=disable"},
		"erp": map[string]any{"url": "http://erp:" + strconv.Itoa(portERP) + "/webhooks/syncctl",
			"secret_file": "/etc/syncctl/erp-secret"},
		"orders": orders,
		"shops":  shops,
	}
	if tp.opts.Stock != nil {
		cfg["stock"] = tp.opts.Stock
	}
	b, err := yaml.Marshal(cfg)
	if err != nil {
		tp.t.Fatal(err)
	}
	return b, env
}

func (tp *topology) configFiles() []testcontainers.ContainerFile {
	return []testcontainers.ContainerFile{
		{Reader: bytes.NewReader(tp.config), ContainerFilePath: "/etc/syncctl/syncctl.yaml", FileMode: 0o444},
		{Reader: strings.NewReader(tp.erpSecret + "\n"), ContainerFilePath: "/etc/syncctl/erp-secret", FileMode: 0o444},
	}
}

func (tp *topology) startWorker(ctx context.Context, name string) *node {
	return tp.run(ctx, name, tp.app, []string{"worker", "--config", "/etc/syncctl/syncctl.yaml"}, tp.workerEnv, nil, 0, tp.configFiles()...)
}

// createDatabase waits for PostgreSQL and creates the store's database.
func (tp *topology) createDatabase(ctx context.Context) {
	tp.t.Helper()
	admin := strings.Replace(tp.dsn, "/syncctl?", "/postgres?", 1)
	var last error
	for ctx.Err() == nil {
		conn, err := pgx.Connect(ctx, admin)
		if err == nil {
			_, err = conn.Exec(ctx, "CREATE DATABASE syncctl")
			conn.Close(ctx)
			if err == nil {
				return
			}
		}
		last = err
		time.Sleep(200 * time.Millisecond)
	}
	tp.t.Fatalf("PostgreSQL container never took the store's database: %v", last)
}

// waitTemporal dials Temporal through its published port (again after a
// restart) and waits until it answers.
func (tp *topology) waitTemporal(ctx context.Context) {
	tp.t.Helper()
	if tp.Client != nil {
		tp.Client.Close()
		tp.Client = nil
	}
	addr := "127.0.0.1:" + strconv.Itoa(tp.temporal.ports[portTemporal])
	var last error
	for ctx.Err() == nil {
		c, err := client.DialContext(ctx, client.Options{HostPort: addr, Namespace: "default", Logger: sdklog.NewStructuredLogger(quietLogger())})
		if err == nil {
			if _, err = c.CheckHealth(ctx, &client.CheckHealthRequest{}); err == nil {
				tp.Client = c
				tp.t.Cleanup(func() {
					if tp.Client == c {
						c.Close()
					}
				})
				return
			}
			c.Close()
		}
		last = err
		time.Sleep(300 * time.Millisecond)
	}
	tp.t.Fatalf("Temporal container never answered at %s: %v", addr, last)
}

// waitHTTP polls url until it answers one of the statuses (200 by default).
func (tp *topology) waitHTTP(ctx context.Context, url string, statuses ...int) {
	tp.t.Helper()
	if len(statuses) == 0 {
		statuses = []int{http.StatusOK}
	}
	var last error
	for ctx.Err() == nil {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			for _, s := range statuses {
				if resp.StatusCode == s {
					return
				}
			}
			err = fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		last = err
		time.Sleep(150 * time.Millisecond)
	}
	tp.t.Fatalf("%s never answered: %v", url, last)
}

// logs returns a container's whole log (stdout and stderr).
func (tp *topology) logs(n *node) string {
	out, _ := exec.Command("docker", "logs", n.id()).CombinedOutput()
	return string(out)
}

// waitLog waits until a container's log holds substr at least count times.
func (tp *topology) waitLog(ctx context.Context, n *node, substr string, count int) {
	tp.t.Helper()
	for ctx.Err() == nil {
		if strings.Count(tp.logs(n), substr) >= count {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	tp.t.Fatalf("%s never logged %q (%d times); its log:\n%s", n.name, substr, count, tail(tp.logs(n), 3000))
}

// Faults, as Docker makes them.

// kill sends SIGKILL: the process dies where it is.
func (tp *topology) kill(n *node) { tp.docker("kill", "--signal", "KILL", n.id()) }

// stop stops a container (SIGTERM, then SIGKILL after 10 s).
func (tp *topology) stop(n *node) { tp.docker("stop", "-t", "10", n.id()) }

// start starts a stopped or killed container again, ports and state as they were.
func (tp *topology) start(n *node) { tp.docker("start", n.id()) }

// disconnect cuts a container off the test's network; connect puts it back.
func (tp *topology) disconnect(n *node) { tp.docker("network", "disconnect", tp.network.Name, n.id()) }

func (tp *topology) connect(n *node) {
	tp.docker("network", "connect", "--alias", n.name, tp.network.Name, n.id())
}

func (tp *topology) docker(args ...string) {
	tp.t.Helper()
	if out, err := exec.Command("docker", args...).CombinedOutput(); err != nil {
		tp.t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// Reading the system's state.

// erpOrders reads what the ERP receiver applied.
func (tp *topology) erpOrders(ctx context.Context) ([]erp.ReceivedOrder, error) {
	var out []erp.ReceivedOrder
	return out, getJSON(ctx, tp.erp.url(portERP)+"/orders", &out)
}

func (tp *topology) erpStats(ctx context.Context) (erp.ReceiverStats, error) {
	var out erp.ReceiverStats
	return out, getJSON(ctx, tp.erp.url(portERP)+"/stats", &out)
}

func getJSON(ctx context.Context, url string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d: %s", url, resp.StatusCode, tail(string(b), 300))
	}
	return json.Unmarshal(b, out)
}

// shop returns the sandbox shop of a platform.
func (tp *topology) shop(platform string) *sbShop {
	for _, s := range tp.shops {
		if s.reg.ID() == platform {
			return s
		}
	}
	tp.t.Fatalf("no %s sandbox in this topology", platform)
	return nil
}

// startWorkflow starts a shop's workflow on the workers' queues.
func (tp *topology) startWorkflow(ctx context.Context, shop domain.ShopRef, id, name string, in any) error {
	_, err := workflows.StartOn(ctx, tp.Client, workflows.TaskQueue, shop, id, name, in)
	return err
}

// await waits for a workflow (following continue-as-new) to end and
// decodes its result, riding out a Temporal that is away for a while.
func (tp *topology) await(ctx context.Context, id string, out any) error {
	for {
		err := tp.Client.GetWorkflow(ctx, id, "").Get(ctx, out)
		if err == nil || ctx.Err() != nil {
			return err
		}
		var failed *temporal.WorkflowExecutionError
		var notFound *serviceerror.NotFound
		if errors.As(err, &failed) || errors.As(err, &notFound) {
			return err // the workflow's own end, not Temporal being away
		}
		time.Sleep(time.Second) // Temporal unreachable: ask again
	}
}

// Small helpers.

// quietLogger drops the Temporal SDK's logs (every retry while a host is
// away is a line there).
func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// envInt reads a positive integer from the environment, else def.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
