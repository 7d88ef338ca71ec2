package workflows

import (
	"context"
	"fmt"
	"sort"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/syncctl/syncctl/domain"
)

// Register adds every workflow and activity to a worker.
func Register(w worker.Registry, a *Activities) {
	w.RegisterWorkflowWithOptions(CatalogPush, workflow.RegisterOptions{Name: CatalogPushWorkflowName})
	w.RegisterWorkflowWithOptions(OrderPull, workflow.RegisterOptions{Name: OrderPullWorkflowName})
	w.RegisterWorkflowWithOptions(ERPDelivery, workflow.RegisterOptions{Name: ERPDeliveryWorkflowName})
	w.RegisterWorkflowWithOptions(ReviewWatch, workflow.RegisterOptions{Name: ReviewWatchWorkflowName})
	w.RegisterWorkflowWithOptions(PriceApproval, workflow.RegisterOptions{Name: PriceApprovalWorkflowName})
	w.RegisterWorkflowWithOptions(PriceSchedule, workflow.RegisterOptions{Name: PriceScheduleWorkflowName})
	w.RegisterWorkflowWithOptions(StockReservation, workflow.RegisterOptions{Name: StockReservationWorkflowName})
	w.RegisterWorkflowWithOptions(ShopSync, workflow.RegisterOptions{Name: ShopSyncWorkflowName})
	w.RegisterWorkflowWithOptions(Shipment, workflow.RegisterOptions{Name: ShipmentWorkflowName})
	w.RegisterWorkflowWithOptions(OrderBackfill, workflow.RegisterOptions{Name: OrderBackfillWorkflowName})
	w.RegisterWorkflowWithOptions(PriceCheckWorkflow, workflow.RegisterOptions{Name: PriceCheckWorkflowName})
	w.RegisterActivity(a)
}

// EnsureSearchAttributes registers syncctl's custom search attributes on the
// namespace if they are missing. Workflows upsert them, so a worker must not
// run against a namespace without them.
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string) error {
	op := c.OperatorService()
	have, err := op.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("list search attributes of namespace %s: %w", namespace, err)
	}
	missing := SearchAttributes()
	for name := range missing {
		if _, ok := have.GetCustomAttributes()[name]; ok {
			delete(missing, name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = op.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{Namespace: namespace, SearchAttributes: missing})
	if err != nil && !strings.Contains(err.Error(), "already exists") {
		return fmt.Errorf("register search attributes %s on namespace %s: %w", domain.List(keys(missing)), namespace, err)
	}
	return nil
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ShopQueue is the task queue of one shop's workflows and activities:
// "syncctl/tmall/flagship" on the base queue "syncctl". Only workers that
// serve the shop poll it, so a task of a shop never reaches a worker that
// does not have its connector or writes to another store.
func ShopQueue(base string, shop domain.ShopRef) string {
	return base + "/" + shop.Channel + "/" + shop.Shop
}

// Start starts the shop's workflow with this business id on the shop's
// queue under syncctl's base queue, or joins the run already going under
// it: a second start of the same job is a no-op. A closed id may be
// started again.
func Start(ctx context.Context, c client.Client, shop domain.ShopRef, id, workflowName string, in any) (client.WorkflowRun, error) {
	return StartOn(ctx, c, TaskQueue, shop, id, workflowName, in)
}

// StartOn is Start under another base queue (a demo's own, beside
// production workers on a shared cluster).
func StartOn(ctx context.Context, c client.Client, base string, shop domain.ShopRef, id, workflowName string, in any) (client.WorkflowRun, error) {
	return startOnQueue(ctx, c, ShopQueue(base, shop), id, workflowName, in)
}

// startOnQueue starts (or joins) a workflow on a queue named already.
func startOnQueue(ctx context.Context, c client.Client, queue, id, workflowName string, in any) (client.WorkflowRun, error) {
	return c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: id, TaskQueue: queue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	}, workflowName, in)
}
