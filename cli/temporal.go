package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/syncctl/syncctl/app"
	"github.com/syncctl/syncctl/config"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/workflows"
)

// dialWith connects to the Temporal of a configuration already loaded. A
// cluster that cannot be reached is said so, with what to do, instead of
// gRPC's words ("no children to pick from").
func (g *globals) dialWith(ctx context.Context, cfg config.Config) (client.Client, string, error) {
	return g.dialMetrics(ctx, cfg, nil)
}

// dialMetrics is dialWith reporting the SDK's metrics to h (nil: none).
func (g *globals) dialMetrics(ctx context.Context, cfg config.Config, h client.MetricsHandler) (client.Client, string, error) {
	c, err := client.DialContext(ctx, client.Options{HostPort: cfg.Temporal.Address, Namespace: cfg.Temporal.Namespace,
		Logger: sdklog.NewStructuredLogger(g.sdkLogger()), MetricsHandler: h})
	if err != nil {
		if ctx.Err() != nil {
			return nil, "", errStopped // told to stop while it connected: not Temporal's fault
		}
		if why := unreachable(ctx, cfg.Temporal.Address); why != "" {
			return nil, "", temporalUnreachable(cfg.Temporal.Address, why)
		}
		return nil, "", fmt.Errorf("connect to Temporal at %s: %w", cfg.Temporal.Address, err)
	}
	return c, cfg.Temporal.Namespace, nil
}

// errStopped is a command stopped (SIGINT, SIGTERM) before it began its
// work: worker and serve exit 0 on it, as on any stop.
var errStopped = errors.New("stopped before it began")

// temporalUnreachable is the error for a Temporal address nothing answers at.
func temporalUnreachable(addr, why string) error {
	//lint:ignore ST1005 Temporal is a name
	return fmt.Errorf("Temporal at %s is not reachable: %s; is `syncctl dev` running, or pass --temporal-address", addr, why)
}

// unreachable says why nothing answers at a host:port ("" when something
// does: the error is then Temporal's own). A name that does not resolve,
// a refused connection and no answer are told apart.
func unreachable(ctx context.Context, addr string) string {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return "the address must be HOST:PORT"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err == nil {
		conn.Close()
		return ""
	}
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr):
		if dnsErr.IsNotFound {
			return fmt.Sprintf("host %s is not known (DNS: no such host)", dnsErr.Name)
		}
		return fmt.Sprintf("host %s could not be resolved (DNS: %s)", dnsErr.Name, dnsErr.Err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused (nothing listens on that port)"
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer within 3s"
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Err != nil {
		return opErr.Err.Error()
	}
	return err.Error()
}

// startWorkflow dials Temporal and starts (or joins) a shop's workflow
// with this id on the shop's queue.
func (g *globals) startWorkflow(ctx context.Context, shop domain.ShopRef, id, name string, in any) (client.Client, workflowRun, error) {
	cfg, err := g.load()
	if err != nil {
		return nil, workflowRun{}, err
	}
	return g.startWorkflowWith(ctx, cfg, shop, id, name, in)
}

// workflowRun is a run a command started, or joined: a run already going
// under the workflow id (Joined, with the time it started).
type workflowRun struct {
	client.WorkflowRun
	Joined    bool
	StartedAt time.Time
}

// startWorkflowWith is startWorkflow with a configuration already loaded.
// When no worker polls the shop's queue it says so on stderr: the workflow
// waits for one instead of failing.
func (g *globals) startWorkflowWith(ctx context.Context, cfg config.Config, shop domain.ShopRef, id, name string, in any) (client.Client, workflowRun, error) {
	c, ns, err := g.dialWith(ctx, cfg)
	if err != nil {
		return nil, workflowRun{}, err
	}
	queue := workflows.ShopQueue(workflows.TaskQueue, shop)
	if len(app.Pollers(ctx, c, ns, queue)) == 0 {
		fmt.Fprintf(g.io.Err, "note: no worker serves shop %s yet (task queue %s): the workflow waits until a `syncctl worker` with this shop in its config starts\n", shop, queue)
	}
	// Start joins a run already going under the id; which one it was is
	// told by the run id of the one running before.
	runningID, runningSince := runningRun(ctx, c, id)
	run, err := workflows.Start(ctx, c, shop, id, name, in)
	if err != nil {
		c.Close()
		return nil, workflowRun{}, err
	}
	wr := workflowRun{WorkflowRun: run, StartedAt: time.Now()}
	if runningID != "" && run.GetRunID() == runningID {
		wr.Joined, wr.StartedAt = true, runningSince
	}
	return c, wr, nil
}

// runningRun is the run id and start time of the run going under id ("":
// none, or it could not be told).
func runningRun(ctx context.Context, c client.Client, id string) (string, time.Time) {
	d, err := c.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		return "", time.Time{}
	}
	info := d.GetWorkflowExecutionInfo()
	if info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return "", time.Time{}
	}
	return info.GetExecution().GetRunId(), info.GetStartTime().AsTime()
}

// started is what a command that only starts a workflow prints with -o json.
type started struct {
	WorkflowID string    `json:"workflow_id"`
	RunID      string    `json:"run_id"`
	Joined     bool      `json:"joined"` // the run was already going
	StartedAt  time.Time `json:"started_at"`
}

// printStarted reports a workflow that was started, or joined, and left
// running; what names it ("pull", "push").
func (g *globals) printStarted(id, what string, run workflowRun) error {
	if g.json() {
		return g.printJSON(started{WorkflowID: id, RunID: run.GetRunID(), Joined: run.Joined, StartedAt: run.StartedAt.UTC()})
	}
	if run.Joined {
		fmt.Fprintf(g.io.Out, "joined the running %s %s (run %s, started %s, %s ago)\n", what, id, run.GetRunID(),
			run.StartedAt.UTC().Format(time.RFC3339), time.Since(run.StartedAt).Round(time.Second))
		return nil
	}
	fmt.Fprintf(g.io.Out, "started %s (run %s)\n", id, run.GetRunID())
	return nil
}
