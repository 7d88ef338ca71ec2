package stack_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/catalog/sample"
	"github.com/syncctl/syncctl/stack"
	"github.com/syncctl/syncctl/workflows"
)

// `syncctl dev` or `demo --state-dir` stopped and started again: the
// embedded Temporal, the store and the sandbox all come back from the state
// dir, the sandbox with the same credentials and listings, so the second
// demo pushes nothing (no channel calls) and still finds every SKU listed
// once and every new order delivered once.
func TestDemoTwiceOnOneStateDir(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the embedded Temporal twice")
	}
	dir := t.TempDir()
	ctx := context.Background()
	runOnce := func(round int) *stack.Summary {
		t.Helper()
		s, err := stack.Start(ctx, stack.Options{StateDir: dir, FrontendPort: 0, UIPort: -1})
		if err != nil {
			t.Fatalf("round %d: start: %v", round, err)
		}
		defer func() {
			if err := s.Close(); err != nil {
				t.Errorf("round %d: close: %v", round, err)
			}
		}()
		sum, err := stack.RunDemo(ctx, s, stack.DemoOptions{Catalog: sample.JSON(), Orders: 6, Close: 2})
		if err != nil {
			t.Fatalf("round %d: %v (summary %+v)", round, err, sum)
		}
		if !sum.OK {
			t.Fatalf("round %d: checks failed: %v", round, sum.Failures)
		}
		return sum
	}
	first := runOnce(1)
	creds := map[string][]byte{}
	for _, row := range first.Shops {
		platform, _, _ := strings.Cut(row.Shop, "/")
		b, err := os.ReadFile(filepath.Join(dir, stack.SandboxCredentialsFile(platform)))
		if err != nil {
			t.Fatal(err)
		}
		creds[platform] = b
		if _, err := os.Stat(filepath.Join(dir, stack.SandboxStateFile(platform))); err != nil {
			t.Fatalf("the %s sandbox kept no state: %v", platform, err)
		}
	}
	second := runOnce(2)
	n := len(second.Shops)
	for i, row := range second.Shops {
		p1, p2 := first.Shops[i].Push, row.Push
		if p1.Calls == 0 || p2.Calls != 0 || p2.Products != 0 {
			t.Fatalf("%s pushes: first %+v, second %+v: the second must make no channel calls", row.Shop, p1, p2)
		}
		if p2.ListedItems != first.Catalog.SPUs || p2.ListedSKUs != first.Catalog.SKUs {
			t.Fatalf("after a restart %s shows %d items / %d SKUs, want %d / %d", row.Shop, p2.ListedItems, p2.ListedSKUs, first.Catalog.SPUs, first.Catalog.SKUs)
		}
	}
	if second.OrdersCreated != 6*n || second.OrdersPulled != 6*n || second.OrderUpdates != 2*n || second.Delivered != 8*n+second.RefundCases {
		t.Fatalf("second round counts: %+v", second)
	}
	for platform, b := range creds {
		if again, _ := os.ReadFile(filepath.Join(dir, stack.SandboxCredentialsFile(platform))); !bytes.Equal(again, b) {
			t.Fatalf("the %s sandbox credentials changed across a restart", platform)
		}
	}
}

// Two stacks on one state dir: the second is refused, naming the dir and
// the holder's pid; after the first closes, the dir is free again.
func TestStateDirIsLocked(t *testing.T) {
	dir := t.TempDir()
	s := start(t, stack.Options{StateDir: dir, Platforms: agnostic})
	_, err := stack.Start(context.Background(), stack.Options{StateDir: dir, Client: s.Client, Namespace: s.Namespace, Platforms: agnostic})
	if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("second stack on %s: %v", dir, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := stack.Start(context.Background(), stack.Options{StateDir: dir, Client: s.Client, Namespace: s.Namespace, Platforms: agnostic})
	if err != nil {
		t.Fatalf("after the first closed: %v", err)
	}
	_ = s2.Close()
}

// Against a shared Temporal the demo runs on its own base queue: its
// workflows carry their shops' queues under it, so a worker on the shared
// one never sees them.
func TestDemoOnItsOwnTaskQueue(t *testing.T) {
	s := start(t, stack.Options{TaskQueue: "syncctl-demo-test", Platforms: agnostic})
	ctx := context.Background()
	sum, err := stack.RunDemo(ctx, s, stack.DemoOptions{Catalog: sample.JSON(), Orders: 2, Close: 0})
	if err != nil || !sum.OK || sum.TaskQueue != "syncctl-demo-test" {
		t.Fatalf("demo: %v %+v", err, sum)
	}
	for _, id := range sum.Workflows {
		d, err := s.Client.DescribeWorkflowExecution(ctx, id, "")
		if err != nil {
			t.Fatal(err)
		}
		shop, err := workflows.ParseShopID(id)
		if err != nil {
			t.Fatal(err)
		}
		if q := d.GetExecutionConfig().GetTaskQueue().GetName(); q != workflows.ShopQueue("syncctl-demo-test", shop) {
			t.Fatalf("%s ran on task queue %q", id, q)
		}
	}
	if workflows.TaskQueue == "syncctl-demo-test" {
		t.Fatal("test queue must differ from the shared one")
	}
}

// A demo that cannot finish still returns its summary, with the error.
func TestDemoTimeoutReturnsPartialSummary(t *testing.T) {
	s := start(t, stack.Options{Platforms: agnostic})
	sum, err := stack.RunDemo(context.Background(), s, stack.DemoOptions{Catalog: sample.JSON(), Orders: 2, Timeout: time.Nanosecond})
	if err == nil || sum == nil || sum.OK || !strings.Contains(err.Error(), "timed out after 1ns") || sum.Error != err.Error() || sum.Elapsed == "" {
		t.Fatalf("err %v, summary %+v", err, sum)
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:pass@erp.example.com/hooks?token=s3cr3t#frag": "https://erp.example.com/hooks",
		"http://erp.internal:8080/webhooks/syncctl":                 "http://erp.internal:8080/webhooks/syncctl",
		"not a url": "(unparsable URL)",
	} {
		if got := stack.RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
