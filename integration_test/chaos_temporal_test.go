package integration_test

import (
	"context"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/syncctl/syncctl/workflows"
)

// Scenario 4: the Temporal server (syncctl dev --temporal-only, its
// SQLite on a volume) restarts in the middle of pushes, order pulls and
// deliveries: the running workflows resume and finish.
func chaosTemporalRestart(t *testing.T) {
	o := topoOptions{Platforms: []string{"youzan", "jd", "douyin"}}
	scenario(t, "4. Temporal server restarted mid-run", o, func(ctx context.Context, tp *topology, c *tally) {
		tp.importCatalog(ctx, genCatalog("TMP", 600))
		s := sold{}
		tp.startPulls(ctx)
		tp.pushAll(ctx)
		tp.waitFor(ctx, 2*time.Minute, "a fifth of the catalog listed", func() bool { return tp.listed(ctx) >= 300*len(tp.shops)/5 })
		tp.sell(ctx, 4, s)
		tp.stop(tp.temporal)
		tp.sell(ctx, 4, s)
		time.Sleep(3 * time.Second)
		tp.start(tp.temporal)
		tp.waitTemporal(ctx)
		tp.sell(ctx, 2, s)
		tp.awaitPushes(ctx, c)
		tp.awaitOrders(ctx, s)
		// The long-running pulls came back too, still running.
		for _, sh := range tp.shops {
			d, err := tp.Client.DescribeWorkflowExecution(ctx, workflows.OrderPullID(sh.ref), "")
			if err != nil {
				t.Fatal(err)
			}
			if st := d.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
				c.problem("%s: the order pull is %s after the restart", sh.ref, st)
			}
		}
		tp.checkListings(ctx, c, nil, true)
		tp.checkOrders(ctx, c, s)
	})
}
