package workflows_test

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/syncctl/syncctl/workflows"
)

// Golden histories recorded from a real run (see stack.TestRecordGoldenHistories)
// must replay on today's code: a non-deterministic change to a workflow fails here
// before it breaks running workflows in production.
func TestReplayGoldenHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) < 3 {
		t.Fatalf("golden histories missing (%v): run SYNCCTL_UPDATE_GOLDEN=1 go test ./stack -run TestRecordGoldenHistories", files)
	}
	r := worker.NewWorkflowReplayer()
	r.RegisterWorkflowWithOptions(workflows.CatalogPush, workflow.RegisterOptions{Name: workflows.CatalogPushWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.OrderPull, workflow.RegisterOptions{Name: workflows.OrderPullWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.ERPDelivery, workflow.RegisterOptions{Name: workflows.ERPDeliveryWorkflowName})
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatal(err)
			}
		})
	}
}
