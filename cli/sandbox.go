package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/syncctl/syncctl/config"
	"github.com/syncctl/syncctl/platforms"
	"github.com/syncctl/syncctl/sandbox/kit"
	"github.com/syncctl/syncctl/stack"
)

// sandboxOptions are the flags of `syncctl sandbox <platform>`.
type sandboxOptions struct {
	platform  platforms.Registration
	listen    string
	stateFile string
	pushURL   string
	qps, opm  float64
	seed      int64
	options   map[string]string
}

// newSandboxCmd has one subcommand per registered platform.
func newSandboxCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "sandbox", Short: "Run a platform sandbox: a faithful fake of its open API"}
	for i, reg := range platforms.All() {
		cmd.AddCommand(newSandboxPlatformCmd(g, reg, stack.DefaultSandboxPort+i, nil))
	}
	return cmd
}

func newSandboxPlatformCmd(g *globals, reg platforms.Registration, port int, runF runFunc[sandboxOptions]) *cobra.Command {
	if runF == nil {
		runF = sandboxRun
	}
	o := &sandboxOptions{platform: reg}
	id := reg.ID()
	var envs []string
	for _, c := range reg.Sandbox.Credentials {
		envs = append(envs, sandboxEnv(c.Name))
	}
	cmd := &cobra.Command{
		Use:   id,
		Short: fmt.Sprintf("Run the %s sandbox (its shop's credentials from %s)", reg.Connector.Name, strings.Join(envs, ", ")),
		Long: reg.Sandbox.Help + "\n\nCredentials come from the environment, never from flags: " + strings.Join(envs, ", ") +
			".\nThe common admin API (every sandbox): GET /_sandbox/items, POST /_sandbox/orders {\"count\":N},\n" +
			"POST /_sandbox/orders/{id}/cancel and /refund, /_sandbox/faults, GET /_sandbox/stats, POST /_sandbox/reset.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.qps < 0 || o.opm < 0 {
				return usageError{errors.New("--qps and --orders-per-minute must not be negative")}
			}
			return runF(cmd.Context(), g, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.listen, "listen", fmt.Sprintf("127.0.0.1:%d", port), "address to listen on")
	fl.Float64Var(&o.qps, "qps", 0, "calls per second per app before the platform's throttle answer (0 = unlimited)")
	fl.Float64Var(&o.opm, "orders-per-minute", 0, "paid orders generated per minute for listed SKUs")
	fl.Int64Var(&o.seed, "seed", 0, "seed for ids, names and fault ratios: the same seed and calls make the same shop (0 = time-based)")
	fl.StringVar(&o.stateFile, "state-file", "", "keep the shop in this JSON file across restarts (empty = memory only)")
	fl.StringVar(&o.pushURL, "push-url", "", "push the platform's messages to this receiver (platforms that push: wechat_shop, youzan, douyin, kuaishou); also POST /_sandbox/push")
	fl.StringToStringVar(&o.options, "option", nil, "a setting of this sandbox, name=value (its help lists them); repeatable")
	return cmd
}

// sandboxEnv is the env var a sandbox credential is read from:
// SYNCCTL_SANDBOX_APP_SECRET for app_secret.
func sandboxEnv(name string) string {
	return "SYNCCTL_SANDBOX_" + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(name))
}

func sandboxRun(ctx context.Context, g *globals, o *sandboxOptions) error {
	reg := o.platform
	creds := map[string]string{}
	var missing, madeUp []string
	for _, c := range reg.Sandbox.Credentials {
		v, err := config.ReadSecret(sandboxEnv(c.Name), "")
		switch {
		case err == nil:
			creds[c.Name] = v
		case c.Optional:
			// A push key the operator did not set: made up, so the sandbox
			// runs; a receiver that must verify its messages needs it set.
			creds[c.Name] = c.New()
			madeUp = append(madeUp, sandboxEnv(c.Name))
		default:
			missing = append(missing, sandboxEnv(c.Name))
		}
	}
	if len(missing) > 0 {
		return usageError{fmt.Errorf("set %s (credentials are never taken from flags)", strings.Join(missing, " and "))}
	}
	if len(madeUp) > 0 {
		fmt.Fprintf(g.io.Err, "%s not set: made up (the sandbox's push messages verify only with keys you set)\n", strings.Join(madeUp, " and "))
	}
	if o.seed == 0 {
		o.seed = time.Now().UnixNano()
	}
	sb, err := reg.Sandbox.Start(kit.Config{Credentials: creds, QPS: o.qps, OrdersPerMinute: o.opm, Seed: o.seed, StateFile: o.stateFile, Options: o.options, PushURL: o.pushURL})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return errors.Join(err, sb.Close())
	}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(g.io.Err, "%s sandbox: gateway %s (admin %s/_sandbox/, seed %d)\n", reg.ID(), reg.Sandbox.Shop(base).Gateway, base, o.seed)
	srv := &http.Server{Handler: sb, ReadHeaderTimeout: 10 * time.Second}
	go func() { <-ctx.Done(); _ = srv.Close() }()
	serveErr := srv.Serve(ln)
	if errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil
	}
	// Close after the listener: the last changes reach the state file.
	return errors.Join(serveErr, sb.Close())
}
