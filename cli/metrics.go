package cli

import (
	"context"
	"fmt"
	"net"

	"github.com/spf13/cobra"

	"github.com/syncctl/syncctl/metrics"
)

// metricsFlag adds --metrics-listen to a command that serves metrics.
func metricsFlag(cmd *cobra.Command, addr *string) {
	cmd.Flags().StringVar(addr, "metrics-listen", "", "serve Prometheus metrics at http://HOST:PORT/metrics, e.g. 127.0.0.1:9090 (default: none)")
}

// startMetrics serves a new metrics registry on addr until ctx ends or
// stop is called. With addr "" it serves nothing: the registry is nil,
// which watches nothing and gives the Temporal client no handler.
func (g *globals) startMetrics(ctx context.Context, addr string) (reg *metrics.Registry, stop func(), err error) {
	if addr == "" {
		return nil, func() {}, nil
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, nil, usageError{fmt.Errorf("--metrics-listen %q: want HOST:PORT, e.g. 127.0.0.1:9090", addr)}
	}
	reg = metrics.New()
	s, err := reg.Listen(ctx, addr)
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(g.io.Err, "metrics on %s\n", s.URL())
	return reg, s.Close, nil
}
