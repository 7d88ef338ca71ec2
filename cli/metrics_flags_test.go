package cli

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestMetricsListenFlags(t *testing.T) {
	checkParse(t, newWorkerCmd, []parseCase[workerOptions]{
		{[]string{"--metrics-listen", "127.0.0.1:9090"}, &workerOptions{taskQueue: "syncctl", metricsListen: "127.0.0.1:9090"}},
	}, nil)
	checkParse(t, newDevCmd, []parseCase[devOptions]{
		{[]string{"--metrics-listen", ":9090"}, &devOptions{metricsListen: ":9090"}},
		{[]string{"--temporal-only", "--metrics-listen", ":9090"}, nil}, // no worker to watch
	}, func(a, b devOptions) bool { return a.metricsListen == b.metricsListen })

	// An address without a port is a usage error before anything listens.
	_, g := newRoot(IO{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard})
	var ue usageError
	if _, _, err := g.startMetrics(context.Background(), "localhost"); !errors.As(err, &ue) {
		t.Fatalf("--metrics-listen localhost: %v, want a usage error", err)
	}
	reg, stop, err := g.startMetrics(context.Background(), "")
	if err != nil || reg != nil {
		t.Fatalf("no --metrics-listen: %v %v", reg, err)
	}
	stop()
}
