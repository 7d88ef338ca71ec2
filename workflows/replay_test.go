package workflows_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store/storetest"
	"github.com/syncctl/syncctl/workflows"
)

// goldenHistories are recorded from real runs by TestRecordGoldenHistories;
// catalog_push_before_pipelining is a push recorded before its chunks
// flowed across pages, kept so that such runs keep replaying.
var goldenHistories = []string{"catalog_push", "catalog_push_before_pipelining", "review_watch", "order_pull_once", "order_pull", "erp_delivery"}

// Golden histories recorded from real runs must replay on today's code: a
// non-deterministic change to a workflow fails here before it breaks running
// workflows in production. After an intended change (and before the first
// release; afterwards use workflow.GetVersion), re-record them with
//
//	SYNCCTL_UPDATE_GOLDEN=1 go test ./workflows -run TestRecordGoldenHistories
func TestReplayGoldenHistories(t *testing.T) {
	r := worker.NewWorkflowReplayer()
	r.RegisterWorkflowWithOptions(workflows.CatalogPush, workflow.RegisterOptions{Name: workflows.CatalogPushWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.OrderPull, workflow.RegisterOptions{Name: workflows.OrderPullWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.ERPDelivery, workflow.RegisterOptions{Name: workflows.ERPDeliveryWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.ReviewWatch, workflow.RegisterOptions{Name: workflows.ReviewWatchWorkflowName})
	for _, name := range goldenHistories {
		t.Run(name, func(t *testing.T) {
			f := filepath.Join("testdata", name+".json")
			if _, err := os.Stat(f); err != nil {
				t.Fatalf("golden history missing (%v): run SYNCCTL_UPDATE_GOLDEN=1 go test ./workflows -run TestRecordGoldenHistories", err)
			}
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestRecordGoldenHistories runs every workflow on a real server against the
// fake platform — a push that leaves products in review, the review watch, a
// once pull with its deliveries, and a long-running pull that receives
// pull-now and stop — and writes their histories to testdata/.
func TestRecordGoldenHistories(t *testing.T) {
	if os.Getenv("SYNCCTL_UPDATE_GOLDEN") == "" {
		t.Skip("set SYNCCTL_UPDATE_GOLDEN=1 to re-record workflows/testdata")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	r := newRig(ctx, t)
	if _, err := r.st.ImportProducts(ctx, []domain.Product{storetest.Product("P1", 2), storetest.Product("P2", 1)}); err != nil {
		t.Fatal(err)
	}
	runPush(ctx, t, r.c, r.shop)
	if err := r.c.GetWorkflow(ctx, workflows.ReviewWatchID(r.shop), "").Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Second)
	for i := 0; i < 3; i++ {
		must(t, r.sb.AddOrder(paidOrder(fmtID(i), now.Add(-time.Duration(i+1)*time.Minute))))
	}
	onceID := workflows.OrderPullOnceID(r.shop, now)
	runPull(ctx, t, r.c, r.shop, workflows.OrderPullInput{Shop: r.shop, Once: true, PullPolicy: domain.PullPolicy{InitialLookback: time.Hour}}, now)

	run, err := workflows.Start(ctx, r.c, r.shop, workflows.OrderPullID(r.shop), workflows.OrderPullWorkflowName,
		workflows.OrderPullInput{Shop: r.shop, PullPolicy: domain.PullPolicy{Interval: time.Second, InitialLookback: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	must(t, r.c.SignalWorkflow(ctx, run.GetID(), "", workflows.SignalPullNow, nil))
	time.Sleep(500 * time.Millisecond)
	must(t, r.c.SignalWorkflow(ctx, run.GetID(), "", workflows.SignalStopPull, nil))
	must(t, run.Get(ctx, nil))

	ids := map[string]string{
		"catalog_push":    workflows.CatalogPushID(r.shop),
		"review_watch":    workflows.ReviewWatchID(r.shop),
		"order_pull_once": onceID,
		"order_pull":      workflows.OrderPullID(r.shop),
	}
	// Histories of a shape runs no longer start with (catalog_push_before_pipelining:
	// a push begun before versionPipelinedPush) are kept as they were, and so
	// is erp_delivery: the pull now delivers at the first attempt itself and
	// starts an ERPDelivery only for a delivery the ERP did not accept, which
	// this run's receiver always does.
	for name, id := range ids {
		writeHistory(ctx, t, r.c, id, filepath.Join("testdata", name+".json"))
	}
}

func writeHistory(ctx context.Context, t *testing.T, c client.Client, id, path string) {
	t.Helper()
	it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", id, err)
		}
		h.Events = append(h.Events, ev)
	}
	b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	must(t, os.WriteFile(path, b, 0o644))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
