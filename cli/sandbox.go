package cli

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	sbtmall "github.com/syncctl/syncctl/sandbox/tmall"
	"github.com/syncctl/syncctl/stack"
)

const sandboxTmallLong = `Run the Taobao/Tmall TOP sandbox: a fake of the TOP gateway written from the
platform's side (see sandbox/README.md).

It serves POST /router/rest like the real gateway: it checks app_key,
timestamp (±10 min), v=2.0, the md5 / hmac / hmac-sha256 signature and the
session, answering TOP's error codes (25 bad signature, 27 bad session,
31 bad timestamp, 7 over the QPS limit with "This ban will last for N more
seconds"), and keeps items, SKUs and trades with TOP's rules.

Admin endpoints (unsigned JSON):
  GET  /_sandbox/items                  every item with outer ids, prices, stock, status
  GET  /_sandbox/orders                 every trade
  POST /_sandbox/orders                 {"count":N,"sku_outer_id":"optional"} sells N paid orders
  POST /_sandbox/orders/{tid}/close     the buyer cancels a trade
  POST /_sandbox/faults                 inject errors, latency, rate limits, outages, malformed bodies
  GET  /_sandbox/stats                  calls served and rejected
  POST /_sandbox/reset                  empty shop, no faults, zeroed stats

Credentials come from the environment, never from flags:
  SYNCCTL_SANDBOX_APP_KEY (default 12345678), SYNCCTL_SANDBOX_APP_SECRET, SYNCCTL_SANDBOX_SESSION.`

func newSandboxCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "sandbox", Short: "Run a platform sandbox: a faithful fake of its open API"}
	var listen, stateFile string
	var qps, opm float64
	var seed int64
	tm := &cobra.Command{
		Use:   "tmall",
		Short: "Run the Taobao/Tmall TOP sandbox (credentials from SYNCCTL_SANDBOX_APP_KEY/_APP_SECRET/_SESSION)",
		Long:  sandboxTmallLong,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env := func(name, def string) string {
				if v := lookupEnv(name); v != "" {
					return v
				}
				return def
			}
			secret := lookupEnv("SYNCCTL_SANDBOX_APP_SECRET")
			session := lookupEnv("SYNCCTL_SANDBOX_SESSION")
			if secret == "" || session == "" {
				return usageError{errors.New("set SYNCCTL_SANDBOX_APP_SECRET and SYNCCTL_SANDBOX_SESSION (secrets are never taken from flags)")}
			}
			if seed == 0 {
				seed = time.Now().UnixNano()
			}
			sb, err := sbtmall.Open(sbtmall.Config{AppKey: env("SYNCCTL_SANDBOX_APP_KEY", "12345678"), AppSecret: secret, Session: session,
				QPS: qps, OrdersPerMinute: opm, Seed: seed, StateFile: stateFile})
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return errors.Join(err, sb.Close())
			}
			fmt.Fprintf(g.io.Err, "tmall sandbox on http://%s/router/rest (admin /_sandbox/, seed %d)\n", ln.Addr(), seed)
			srv := &http.Server{Handler: sb, ReadHeaderTimeout: 10 * time.Second}
			go func() { <-cmd.Context().Done(); _ = srv.Close() }()
			serveErr := srv.Serve(ln)
			if errors.Is(serveErr, http.ErrServerClosed) {
				serveErr = nil
			}
			// Close after the listener: the last changes reach the state file.
			return errors.Join(serveErr, sb.Close())
		},
	}
	tm.Flags().StringVar(&listen, "listen", fmt.Sprintf("127.0.0.1:%d", stack.DefaultSandboxPort), "address to listen on")
	tm.Flags().Float64Var(&qps, "qps", 0, "calls per second per app before TOP code 7 (0 = unlimited)")
	tm.Flags().Float64Var(&opm, "orders-per-minute", 0, "paid orders generated per minute for listed SKUs")
	tm.Flags().Int64Var(&seed, "seed", 0, "seed for ids, names and fault ratios: the same seed and calls make the same shop (0 = time-based)")
	tm.Flags().StringVar(&stateFile, "state-file", "", "keep items and trades in this JSON file across restarts (empty = memory only)")
	cmd.AddCommand(tm)
	return cmd
}
