// Package integration_test runs syncctl across process boundaries: the
// FROM-scratch syncctl image is built, its Tmall sandbox runs in a container,
// and an in-process worker on a real Temporal server pushes to it over HTTP.
package integration_test

import (
	"bytes"
	"context"
	"flag"
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
	"github.com/syncctl/syncctl/platforms"
	"github.com/syncctl/syncctl/stack"
)

func TestMain(m *testing.M) {
	// No registry here: nothing may be pulled, and Ryuk is an image.
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") == "" {
		os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	flag.Parse()
	setChaosParallel()
	code := m.Run()
	printReport(os.Stdout)
	removeSuiteImages()
	os.Exit(code)
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

// Every registered platform's sandbox runs as its own container, built
// FROM scratch from syncctl's static binary; the stack pushes to and pulls
// from all of them through their published ports.
func TestPushAndPullAgainstContainerizedSandboxes(t *testing.T) {
	requireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	image := buildImageContext(t)
	// Registered first, so it runs after every container is removed (an
	// image in use is not removed, even forced).
	t.Cleanup(func() { removeImage("syncctl:it") })
	external := map[string]stack.ExternalSandbox{}
	var containers []testcontainers.Container
	var secrets []secretValue
	for i, reg := range platforms.All() {
		creds := reg.Sandbox.NewCredentials()
		env := map[string]string{}
		for name, v := range creds {
			// Secrets reach the container through its environment, never its command line.
			env["SYNCCTL_SANDBOX_"+strings.ToUpper(name)] = v
			if spec, _ := reg.Connector.Credential(name); spec.Secret {
				secrets = append(secrets, secretValue{Kind: reg.ID() + " credential " + name, Value: v})
			}
		}
		var buildLog bytes.Buffer
		req := testcontainers.ContainerRequest{
			Cmd:          []string{"sandbox", reg.ID(), "--listen", "0.0.0.0:8201"},
			Env:          env,
			ExposedPorts: []string{"8201/tcp"},
			WaitingFor:   wait.ForLog(reg.ID() + " sandbox: gateway").WithStartupTimeout(time.Minute),
		}
		if i == 0 {
			req.FromDockerfile = testcontainers.FromDockerfile{Context: image, Repo: "syncctl", Tag: "it", KeepImage: true, BuildLogWriter: &buildLog}
		} else {
			req.Image = "syncctl:it"
		}
		ctr, err := testcontainers.GenericContainer(ctx, testcontainers.GenericContainerRequest{ContainerRequest: req, Started: true})
		testcontainers.CleanupContainer(t, ctr)
		if err != nil {
			t.Fatalf("start %s sandbox container: %v\nbuild log:\n%s", reg.ID(), err, buildLog.String())
		}
		containers = append(containers, ctr)
		// Docker publishes the port on this machine's loopback; the host name
		// testcontainers infers here is not loopback, so name it explicitly.
		port, err := ctr.MappedPort(ctx, "8201/tcp")
		if err != nil {
			t.Fatal(err)
		}
		url := "http://127.0.0.1:" + port.Port()
		waitHTTP(t, url+"/_sandbox/stats")
		external[reg.ID()] = stack.ExternalSandbox{URL: url, Credentials: creds}
	}

	ts := temporaltest.NewServer(temporaltest.WithT(t))
	s, err := stack.Start(ctx, stack.Options{StateDir: t.TempDir(), Client: ts.GetDefaultClient(), External: external, Namespace: ts.GetDefaultNamespace()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sum, err := stack.RunDemo(ctx, s, stack.DemoOptions{Catalog: sample.JSON(), Orders: 15, Close: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !sum.OK {
		t.Fatalf("demo against the containers failed: %v", sum.Failures)
	}
	if len(sum.Shops) != len(external) {
		t.Fatalf("%d shop rows for %d containers", len(sum.Shops), len(external))
	}
	for _, row := range sum.Shops {
		p := row.Push
		if p.ListedSKUs != sum.Catalog.SKUs || p.ListedItems != sum.Catalog.SPUs || sum.Catalog.SKUs < 200 {
			t.Fatalf("%s lists %d items / %d SKUs, catalog has %d / %d", row.Shop, p.ListedItems, p.ListedSKUs, sum.Catalog.SPUs, sum.Catalog.SKUs)
		}
		if row.OrdersPulled != 15 || row.OrderUpdates != 2 || !row.OK {
			t.Fatalf("%s: %+v; want 15 orders pulled, 2 updates", row.Shop, row)
		}
	}
	// Every order version, and the refund cases some buyers asked for.
	if want := 17*len(external) + sum.RefundCases; sum.Delivered != want {
		t.Fatalf("delivered %d, want %d (%d refund cases among them)", sum.Delivered, want, sum.RefundCases)
	}
	// No secret reaches a workflow's history (inputs, results, errors).
	assertNoSecretsInHistory(ctx, t, s, secrets...)

	// No container's own log carries a secret it was given.
	for _, ctr := range containers {
		if logs, err := ctr.Logs(ctx); err == nil {
			var b bytes.Buffer
			_, _ = b.ReadFrom(logs)
			for _, l := range findLeaks(secrets, []place{{Where: "the log of container " + ctr.GetContainerID()[:12], Texts: [][]byte{b.Bytes()}}}) {
				t.Errorf("secret leak: %s appears in %s", l.Kind, l.Where)
			}
		}
	}
}

// removeImage deletes the image the test built (Ryuk is off here).
func removeImage(ref string) {
	_ = exec.Command("docker", "image", "rm", "-f", ref).Run()
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

// assertNoSecretsInHistory scans every event of every workflow listed (as
// the chaos suite's secret scan does) for the secrets.
func assertNoSecretsInHistory(ctx context.Context, t *testing.T, s *stack.Stack, secrets ...secretValue) {
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
			for _, l := range findLeaks(secrets, []place{eventPlace(e.Execution.WorkflowId, e.Execution.RunId, ev)}) {
				t.Errorf("secret leak: %s appears in %s", l.Kind, l.Where)
			}
		}
	}
}
