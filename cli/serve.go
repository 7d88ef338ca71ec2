package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/syncctl/syncctl/api"
	"github.com/syncctl/syncctl/config"
	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/platforms"
	"github.com/syncctl/syncctl/workflows"
)

// DefaultAPIListen is where `syncctl serve` listens when neither --listen
// nor the config's erp.listen says.
const DefaultAPIListen = "127.0.0.1:8300"

type serveOptions struct {
	listen        string
	taskQueue     string
	metricsListen string // host:port of /metrics ("": none)
}

func newServeCmd(g *globals) *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the ERP's API: stock and price changes in, orders and sync status out",
		Long: `serve answers the ERP (api/openapi.yaml): POST /v1/inventory and /v1/prices store the
changes (a stale ERP version loses) and signal each configured shop's ShopSync workflow, which
pushes every changed product once through the guards, coalescing bursts; GET /v1/orders/... and
/v1/sync/status read back; POST /v1/push/{channel}/{shop} takes the platforms' push messages
(verified by the shop's connector) and brings the shop's order pull forward. Requests are signed like the outbound webhooks (the erp secret, with
X-Syncctl-Request-Id never reused) or carry the bearer token of erp.token_env / token_file
(default env SYNCCTL_API_TOKEN). The workers of the shops run elsewhere ('syncctl worker').
With --metrics-listen it serves Prometheus metrics at /metrics: push backlog, order-pull lag
and ERP deliveries pending per shop, and the Temporal client's own (README, Metrics).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return serveRun(cmd.Context(), g, o) },
	}
	cmd.Flags().StringVar(&o.listen, "listen", "", "host:port (default the config's erp.listen, else "+DefaultAPIListen+")")
	cmd.Flags().StringVar(&o.taskQueue, "task-queue", workflows.TaskQueue, "the workers' base task queue")
	metricsFlag(cmd, &o.metricsListen)
	return cmd
}

// apiServer builds the API of a configuration for the given shops.
func apiServer(g *globals, cfg config.Config, shops []domain.ShopRef) (*api.Server, error) {
	s := &api.Server{Shops: shops, Logger: g.logger()}
	if secret, err := cfg.ERPSecret(); err == nil {
		s.Secret = secret
	}
	tok, err := cfg.APIToken()
	if err != nil {
		return nil, usageError{err}
	}
	s.Token = tok
	if len(s.Secret) == 0 && s.Token == "" {
		return nil, usageError{errors.New("the ERP API needs a way to authenticate: the erp secret (erp.secret_env, default SYNCCTL_ERP_SECRET, or erp.secret_file) or a bearer token (erp.token_env, default SYNCCTL_API_TOKEN, or erp.token_file)")}
	}
	return s, nil
}

func serveRun(ctx context.Context, g *globals, o *serveOptions) error {
	cfg, err := g.load()
	if err != nil {
		return err
	}
	var shops []domain.ShopRef
	for _, s := range cfg.Shops {
		shops = append(shops, domain.ShopRef{Channel: s.Channel, Shop: s.Shop})
	}
	if len(shops) == 0 {
		return usageError{errors.New("no shops configured: the API pushes the ERP's changes to the shops of --config")}
	}
	srv, err := apiServer(g, cfg, shops)
	if err != nil {
		return err
	}
	st, err := g.openStoreAt(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	reg, stopMetrics, err := g.startMetrics(ctx, o.metricsListen)
	if err != nil {
		return err
	}
	defer stopMetrics()
	reg.WatchStore(st, shops)
	c, _, err := g.dialMetrics(ctx, cfg, reg.Temporal())
	if errors.Is(err, errStopped) {
		return nil
	}
	if err != nil {
		return err
	}
	defer c.Close()
	srv.Store, srv.Temporal, srv.Queue = st, c, o.taskQueue
	// The connectors verify the platforms' push messages (POST
	// /v1/push/{channel}/{shop}); serve makes no channel call.
	scs, err := cfg.ShopConfigs()
	if err != nil {
		return usageError{err}
	}
	var tokens connectors.TokenStore
	if ts, ok := st.(connectors.TokenStore); ok {
		tokens = ts
	}
	if srv.Channels, err = platforms.OpenShops(scs, tokens); err != nil {
		return usageError{err}
	}
	listen := o.listen
	if listen == "" {
		listen = orDefault(cfg.ERP.Listen, DefaultAPIListen)
	}
	return listenAndServe(ctx, g, listen, srv.Handler(), "ERP API")
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

// listenAndServe serves h on addr until ctx ends.
func listenAndServe(ctx context.Context, g *globals, addr string, h http.Handler, what string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("%s: listen on %s: %w", what, addr, err)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: time.Minute}
	fmt.Fprintf(g.io.Err, "%s listening on http://%s (api/openapi.yaml)\n", what, ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
		return nil
	case err := <-errc:
		return err
	}
}
