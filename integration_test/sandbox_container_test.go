// Package integration_test runs syncctl across process boundaries: the
// FROM-scratch syncctl image is built, its Tmall sandbox runs in a container,
// and an in-process worker on a real Temporal server pushes to it over HTTP.
package integration_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/server/temporaltest"

	"github.com/syncctl/syncctl/catalog/sample"
	"github.com/syncctl/syncctl/stack"
)

func TestMain(m *testing.M) {
	// No registry here: nothing may be pulled, and Ryuk is an image.
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") == "" {
		os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	os.Exit(m.Run())
}

// requireDocker skips only where Docker is truly absent, loudly; in CI a
// missing Docker is a failure, because this suite must run there.
func requireDocker(t *testing.T) {
	t.Helper()
	out, err := exec.Command("docker", "version", "--format", "{{.Server.Version}}").CombinedOutput()
	if err == nil {
		return
	}
	msg := "DOCKER IS NOT AVAILABLE: the integration suite did NOT run (" + strings.TrimSpace(string(out)) + ")"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip("\n\n*** " + msg + " ***\n")
}

func repoRoot(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// buildImageContext compiles the static binary and lays out a build context
// with the repository's Dockerfile. It builds with the flags `make test` uses
// (CGO_ENABLED=0, no -trimpath) so the packages the tests already compiled
// are reused: a -trimpath build would compile the Temporal server again.
func buildImageContext(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	root := repoRoot(t)
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "syncctl"), "./cmd/syncctl")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build static syncctl: %v\n%s", err, out)
	}
	df, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), df, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestPushAndPullAgainstContainerizedSandbox(t *testing.T) {
	requireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	creds := stack.ExternalSandbox{AppKey: "12345678", AppSecret: "it-secret-" + time.Now().Format("150405.000"), Session: "it-session-6100"}
	var buildLog bytes.Buffer
	ctr, err := testcontainers.GenericContainer(ctx, testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			FromDockerfile: testcontainers.FromDockerfile{Context: buildImageContext(t), Repo: "syncctl", Tag: "it", KeepImage: false, BuildLogWriter: &buildLog},
			Cmd:            []string{"sandbox", "tmall", "--listen", "0.0.0.0:8201"},
			// Secrets reach the container through its environment, never its command line.
			Env:          map[string]string{"SYNCCTL_SANDBOX_APP_KEY": creds.AppKey, "SYNCCTL_SANDBOX_APP_SECRET": creds.AppSecret, "SYNCCTL_SANDBOX_SESSION": creds.Session},
			ExposedPorts: []string{"8201/tcp"},
			WaitingFor:   wait.ForLog("tmall sandbox on").WithStartupTimeout(time.Minute),
		},
		Started: true,
	})
	testcontainers.CleanupContainer(t, ctr)
	if err != nil {
		t.Fatalf("start sandbox container: %v\nbuild log:\n%s", err, buildLog.String())
	}
	// Docker publishes the port on this machine's loopback; the host name
	// testcontainers infers here is not loopback, so name it explicitly.
	port, err := ctr.MappedPort(ctx, "8201/tcp")
	if err != nil {
		t.Fatal(err)
	}
	creds.URL = "http://127.0.0.1:" + port.Port()
	waitHTTP(t, creds.URL+"/_sandbox/stats")

	ts := temporaltest.NewServer(temporaltest.WithT(t))
	s, err := stack.Start(ctx, stack.Options{StateDir: t.TempDir(), Client: ts.GetDefaultClient(), TmallSandbox: &creds, Namespace: ts.GetDefaultNamespace()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sum, err := stack.RunDemo(ctx, s, stack.DemoOptions{Catalog: sample.JSON(), Orders: 15, Close: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !sum.OK {
		t.Fatalf("demo against the container failed: %v", sum.Failures)
	}
	p := sum.Pushed[stack.DemoShop.String()]
	if p.ListedSKUs != sum.Catalog.SKUs || p.ListedItems != sum.Catalog.SPUs || sum.Catalog.SKUs < 200 {
		t.Fatalf("container lists %d items / %d SKUs, catalog has %d / %d", p.ListedItems, p.ListedSKUs, sum.Catalog.SPUs, sum.Catalog.SKUs)
	}
	if sum.OrdersPulled != 15 || sum.OrderUpdates != 2 || sum.Delivered != 17 {
		t.Fatalf("orders pulled %d, updates %d, delivered %d; want 15, 2, 17", sum.OrdersPulled, sum.OrderUpdates, sum.Delivered)
	}
	// No secret reaches a workflow's history (inputs, results, errors).
	assertNoSecretsInHistory(ctx, t, s, creds.AppSecret, creds.Session)

	// The container's own log must not carry the secret it was given.
	logs, err := ctr.Logs(ctx)
	if err == nil {
		var b bytes.Buffer
		_, _ = b.ReadFrom(logs)
		if strings.Contains(b.String(), creds.AppSecret) || strings.Contains(b.String(), creds.Session) {
			t.Fatal("the sandbox container logged a secret")
		}
	}
}

// waitHTTP polls url until it answers 200 (bounded).
func waitHTTP(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("sandbox container at %s never answered: %v", url, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func assertNoSecretsInHistory(ctx context.Context, t *testing.T, s *stack.Stack, secrets ...string) {
	t.Helper()
	resp, err := s.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: s.Namespace, PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Executions) == 0 {
		t.Fatal("no workflows listed")
	}
	for _, e := range resp.Executions {
		it := s.Client.GetWorkflowHistory(ctx, e.Execution.WorkflowId, e.Execution.RunId, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			text := ev.String()
			for _, sec := range secrets {
				if strings.Contains(text, sec) {
					t.Fatalf("workflow %s history carries a secret", e.Execution.WorkflowId)
				}
			}
		}
	}
}
