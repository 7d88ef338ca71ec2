package cli

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	sbtmall "github.com/syncctl/syncctl/sandbox/tmall"
)

func newSandboxCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "sandbox", Short: "Run a platform sandbox: a faithful fake of its open API"}
	var listen string
	var qps, opm float64
	tm := &cobra.Command{
		Use:   "tmall",
		Short: "Run the Taobao/Tmall TOP sandbox (credentials from SYNCCTL_SANDBOX_APP_KEY/_APP_SECRET/_SESSION)",
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
			sb := sbtmall.New(sbtmall.Config{AppKey: env("SYNCCTL_SANDBOX_APP_KEY", "12345678"), AppSecret: secret, Session: session,
				QPS: qps, OrdersPerMinute: opm, Seed: time.Now().UnixNano()})
			defer sb.Close()
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.io.Err, "tmall sandbox on http://%s/router/rest (admin /_sandbox/)\n", ln.Addr())
			srv := &http.Server{Handler: sb, ReadHeaderTimeout: 10 * time.Second}
			go func() { <-cmd.Context().Done(); _ = srv.Close() }()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	tm.Flags().StringVar(&listen, "listen", "127.0.0.1:8201", "address to listen on")
	tm.Flags().Float64Var(&qps, "qps", 0, "calls per second before TOP code 7 (0 = unlimited)")
	tm.Flags().Float64Var(&opm, "orders-per-minute", 0, "paid orders generated per minute for listed SKUs")
	cmd.AddCommand(tm)
	return cmd
}
