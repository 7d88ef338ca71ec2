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

	"github.com/syncctl/syncctl/catalog"
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
	creds, err := os.ReadFile(filepath.Join(dir, stack.SandboxCredentialsFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, stack.SandboxStateFile)); err != nil {
		t.Fatalf("the sandbox kept no state: %v", err)
	}
	second := runOnce(2)
	p1, p2 := first.Pushed[stack.DemoShop.String()], second.Pushed[stack.DemoShop.String()]
	if p1.Calls == 0 || p2.Calls != 0 || p2.Products != 0 {
		t.Fatalf("pushes: first %+v, second %+v: the second must make no channel calls", p1, p2)
	}
	if p2.ListedItems != first.Catalog.SPUs || p2.ListedSKUs != first.Catalog.SKUs {
		t.Fatalf("after a restart the channel shows %d items / %d SKUs, want %d / %d", p2.ListedItems, p2.ListedSKUs, first.Catalog.SPUs, first.Catalog.SKUs)
	}
	if second.OrdersCreated != 6 || second.OrdersPulled != 6 || second.OrderUpdates != 2 || second.Delivered != 8 {
		t.Fatalf("second round counts: %+v", second)
	}
	if again, _ := os.ReadFile(filepath.Join(dir, stack.SandboxCredentialsFile)); !bytes.Equal(again, creds) {
		t.Fatal("the sandbox credentials changed across a restart")
	}
}

// Two stacks on one state dir: the second is refused, naming the dir and
// the holder's pid; after the first closes, the dir is free again.
func TestStateDirIsLocked(t *testing.T) {
	dir := t.TempDir()
	s := start(t, stack.Options{StateDir: dir})
	_, err := stack.Start(context.Background(), stack.Options{StateDir: dir, Client: s.Client, Namespace: s.Namespace})
	if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("second stack on %s: %v", dir, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := stack.Start(context.Background(), stack.Options{StateDir: dir, Client: s.Client, Namespace: s.Namespace})
	if err != nil {
		t.Fatalf("after the first closed: %v", err)
	}
	_ = s2.Close()
}

// The Tmall connector needs a sale-property id for every spec name: the
// sandbox shop's options name one for each spec in the sample catalog,
// all distinct, and the sign method explicitly.
func TestSandboxShopHasAPIDForEverySampleSpec(t *testing.T) {
	res, err := catalog.Parse(bytes.NewReader(sample.JSON()), catalog.FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	opts := stack.SandboxShopOptions()
	if opts["sign_method"] == "" {
		t.Fatal("sign_method is not set")
	}
	byPID := map[string]string{}
	for k, v := range opts {
		if name, ok := strings.CutPrefix(k, "pid:"); ok {
			if _, err := strconv.ParseUint(v, 10, 64); err != nil {
				t.Errorf("pid of %s = %q, not numeric", name, v)
			}
			if other, dup := byPID[v]; dup {
				t.Errorf("pid %s is used for both %s and %s", v, other, name)
			}
			byPID[v] = name
		}
	}
	for _, p := range res.Products {
		for _, k := range p.SKUs {
			for _, sp := range k.Specs {
				if opts["pid:"+sp.Name] == "" {
					t.Fatalf("spec %q (sku %s) has no pid option", sp.Name, k.Code)
				}
			}
		}
	}
}

// Against a shared Temporal the demo runs on its own task queue: its
// workflows carry that queue, so a worker on the shared one never sees them.
func TestDemoOnItsOwnTaskQueue(t *testing.T) {
	s := start(t, stack.Options{TaskQueue: "syncctl-demo-test"})
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
		if q := d.GetExecutionConfig().GetTaskQueue().GetName(); q != "syncctl-demo-test" {
			t.Fatalf("%s ran on task queue %q", id, q)
		}
	}
	if workflows.TaskQueue == "syncctl-demo-test" {
		t.Fatal("test queue must differ from the shared one")
	}
}

// A demo that cannot finish still returns its summary, with the error.
func TestDemoTimeoutReturnsPartialSummary(t *testing.T) {
	s := start(t, stack.Options{})
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
