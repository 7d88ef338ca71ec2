package cli

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/syncctl/syncctl/app"
	"github.com/syncctl/syncctl/config"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/workflows"
)

// dialWith connects to the Temporal of a configuration already loaded.
func (g *globals) dialWith(ctx context.Context, cfg config.Config) (client.Client, string, error) {
	c, err := client.DialContext(ctx, client.Options{HostPort: cfg.Temporal.Address, Namespace: cfg.Temporal.Namespace,
		Logger: sdklog.NewStructuredLogger(g.logger())})
	if err != nil {
		return nil, "", fmt.Errorf("connect to Temporal at %s: %w", cfg.Temporal.Address, err)
	}
	return c, cfg.Temporal.Namespace, nil
}

// startWorkflow dials Temporal and starts (or joins) a shop's workflow
// with this id on the shop's queue.
func (g *globals) startWorkflow(ctx context.Context, shop domain.ShopRef, id, name string, in any) (client.Client, client.WorkflowRun, error) {
	cfg, err := g.load()
	if err != nil {
		return nil, nil, err
	}
	return g.startWorkflowWith(ctx, cfg, shop, id, name, in)
}

// startWorkflowWith is startWorkflow with a configuration already loaded.
// When no worker polls the shop's queue it says so on stderr: the workflow
// waits for one instead of failing.
func (g *globals) startWorkflowWith(ctx context.Context, cfg config.Config, shop domain.ShopRef, id, name string, in any) (client.Client, client.WorkflowRun, error) {
	c, ns, err := g.dialWith(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	queue := workflows.ShopQueue(workflows.TaskQueue, shop)
	if len(app.Pollers(ctx, c, ns, queue)) == 0 {
		fmt.Fprintf(g.io.Err, "note: no worker serves shop %s yet (task queue %s): the workflow waits until a `syncctl worker` with this shop in its config starts\n", shop, queue)
	}
	run, err := workflows.Start(ctx, c, shop, id, name, in)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	return c, run, nil
}

// started is what a command that only starts a workflow prints with -o json.
type started struct {
	WorkflowID string `json:"workflow_id"`
	RunID      string `json:"run_id"`
}

// printStarted reports a workflow that was started and left running.
func (g *globals) printStarted(id string, run client.WorkflowRun) error {
	if g.json() {
		return g.printJSON(started{WorkflowID: id, RunID: run.GetRunID()})
	}
	fmt.Fprintf(g.io.Out, "started %s (run %s)\n", id, run.GetRunID())
	return nil
}
