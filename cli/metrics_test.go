package cli_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"

	"github.com/syncctl/syncctl/catalog/sample"
	"github.com/syncctl/syncctl/cli"
)

var metricsURL = regexp.MustCompile(`metrics on (http://\S+/metrics)`)

// waitMetricsURL waits for a command's "metrics on URL" line.
func waitMetricsURL(t *testing.T, output func() string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := metricsURL.FindStringSubmatch(output()); m != nil {
			return m[1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no metrics URL in the output: %s", output())
	return ""
}

// scrapeFor scrapes url until its text has every one of wants, for up to
// 30 s, and returns the last text. Metrics come in their own time: the
// SDK's are reported on an interval, and serve's Temporal client connects
// after its metrics endpoint is up.
func scrapeFor(t *testing.T, url string, wants []string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		body := scrapeText(t, url)
		missing := slices.IndexFunc(wants, func(w string) bool { return !strings.Contains(body, w) }) >= 0
		if !missing || time.Now().After(deadline) {
			return body
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// scrapeText GETs a metrics URL and checks it parses as Prometheus text.
func scrapeText(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %s", url, resp.Status, b)
	}
	var p expfmt.TextParser
	if _, err := p.TextToMetricFamilies(strings.NewReader(string(b))); err != nil {
		t.Fatalf("GET %s: not Prometheus text: %v", url, err)
	}
	return string(b)
}

// `syncctl worker --metrics-listen` and `syncctl serve --metrics-listen`
// serve /metrics: after a push, the worker's show the shop's calls, its
// quota and breaker and the store-read gauges, and the Temporal SDK's
// worker metrics; serve's the store-read gauges and the SDK's client
// metrics. No secret is in either.
func TestWorkerAndServeServeMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	s := newExternalStack(t)
	s.importCatalog(t, "catalog.json", sample.JSON())
	workerOutput := s.startWorker(t, "--metrics-listen", "127.0.0.1:0")
	url := waitMetricsURL(t, workerOutput)

	if code, out, e := run(t, append([]string{"push", "--shop", "tmall/flagship", "-o", "json"}, s.common...)...); code != 0 {
		t.Fatalf("push: exit %d: %s %s\nworker: %s", code, out, e, workerOutput())
	}
	wants := []string{
		`syncctl_channel_calls_total{channel="tmall",outcome="ok",shop="flagship"}`,
		`syncctl_channel_calls_total{channel="tmall",outcome="throttle",shop="flagship"} 0`,
		`syncctl_channel_held_total{channel="tmall",reason="breaker",shop="flagship"} 0`,
		`syncctl_channel_ban_wait_seconds_total{channel="tmall",shop="flagship"} 0`,
		`syncctl_channel_quota_qps{channel="tmall",shop="flagship"} 100`,
		`syncctl_channel_breaker_state{channel="tmall",shop="flagship"} 0`,
		`syncctl_push_backlog_products{channel="tmall",shop="flagship"} 0`,
		`syncctl_erp_deliveries_pending{channel="tmall",shop="flagship"} 0`,
		`temporal_workflow_completed{`,
		`temporal_activity_execution_latency_bucket{`,
		`temporal_worker_task_slots_available{`,
		`task_queue="syncctl/tmall/flagship"`,
		`temporal_request{`,
	}
	body := scrapeFor(t, url, wants)
	for _, want := range wants {
		if !strings.Contains(body, want) {
			t.Errorf("worker /metrics has no %s", want)
		}
	}
	if strings.Contains(body, `syncctl_channel_calls_total{channel="tmall",outcome="ok",shop="flagship"} 0`) {
		t.Error("the push's calls are not counted")
	}

	// serve: the store-read gauges and the Temporal client's metrics.
	ctx, cancel := context.WithCancel(context.Background())
	var sout, serr syncBuffer
	done := make(chan int)
	go func() {
		done <- cli.MainContext(ctx, append([]string{"serve", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"}, s.common...),
			strings.NewReader(""), &sout, &serr)
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exit %d: %s", code, serr.String())
		}
	}()
	serveWants := []string{`syncctl_push_backlog_products{channel="tmall",shop="flagship"} 0`, `syncctl_erp_deliveries_pending{channel="tmall",shop="flagship"} 0`, `temporal_request{`}
	serveBody := scrapeFor(t, waitMetricsURL(t, serr.String), serveWants)
	for _, want := range serveWants {
		if !strings.Contains(serveBody, want) {
			t.Errorf("serve /metrics has no %s", want)
		}
	}
	for _, secret := range []string{"cli-app-secret", "cli-session", "cli-erp-secret", "23000042"} {
		if strings.Contains(body, secret) || strings.Contains(serveBody, secret) {
			t.Errorf("/metrics shows %q", secret)
		}
	}
}
