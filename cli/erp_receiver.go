package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/syncctl/syncctl/config"
	"github.com/syncctl/syncctl/erp"
)

// erpReceiverOptions are the flags of `syncctl erp-receiver`.
type erpReceiverOptions struct {
	listen     string
	stateFile  string
	secretEnv  string
	secretFile string
}

// newERPReceiverCmd runs the reference ERP receiver on its own, as `dev`
// runs it in-process: for a separately run worker, a container, a drill.
func newERPReceiverCmd(g *globals) *cobra.Command {
	o := &erpReceiverOptions{}
	cmd := &cobra.Command{
		Use:   "erp-receiver",
		Short: "Run the reference ERP receiver: verifies syncctl's signed webhooks and applies each delivery once",
		Long: `erp-receiver serves the reference ERP endpoint that 'syncctl dev' runs in-process:
POST /webhooks/syncctl verifies each webhook's HMAC signature with the secret (from the env var
--secret-env, default SYNCCTL_ERP_SECRET, or --secret-file; never a flag) and applies it once
per delivery id, an older revision never over a newer one; GET /orders, /refunds and /stats
show what it applied. With --state-file it keeps what it applied across restarts (JSON, mode
0600, written before each webhook is acknowledged), so a redelivery after a restart is a
duplicate, not a second order. Point a worker's erp.url at http://HOST:PORT/webhooks/syncctl.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return erpReceiverRun(cmd.Context(), g, o) },
	}
	fl := cmd.Flags()
	fl.StringVar(&o.listen, "listen", fmt.Sprintf("127.0.0.1:%d", DefaultERPPort), "address to listen on")
	fl.StringVar(&o.stateFile, "state-file", "", "keep the applied deliveries (and the secret) in this file across restarts (empty = memory only)")
	fl.StringVar(&o.secretEnv, "secret-env", "SYNCCTL_ERP_SECRET", "env var holding the webhook signing secret")
	fl.StringVar(&o.secretFile, "secret-file", "", "file holding the webhook signing secret (instead of the env var)")
	return cmd
}

func erpReceiverRun(ctx context.Context, g *globals, o *erpReceiverOptions) error {
	s, err := config.ReadSecret(o.secretEnv, o.secretFile)
	if err != nil {
		return usageError{fmt.Errorf("the webhook signing secret: %w", err)}
	}
	secret := []byte(s)
	var opts []erp.ReceiverOption
	if o.stateFile != "" {
		opts = append(opts, erp.WithStateFile(o.stateFile))
	}
	rcv, err := erp.OpenReceiver(secret, g.logger(), opts...)
	if err != nil {
		return err
	}
	if !bytes.Equal(rcv.Secret(), secret) {
		// A receiver keeps one secret for the state it applied: another
		// one would refuse every webhook the workers sign.
		return usageError{errors.New("the state file " + o.stateFile + " was kept with another secret: give that one, or another --state-file")}
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("ERP receiver: listen on %s: %w", o.listen, err)
	}
	fmt.Fprintf(g.io.Err, "ERP receiver listening on http://%s/webhooks/syncctl (GET /orders, /refunds, /stats)\n", ln.Addr())
	hs := &http.Server{Handler: rcv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return hs.Shutdown(sctx)
	case err := <-errc:
		return err
	}
}
