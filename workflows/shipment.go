package workflows

import (
	"context"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/syncctl/syncctl/domain"
)

// Shipment tells the platform that an order (or some of its lines) left
// the warehouse, as the ERP said (POST /v1/shipments): the connector maps
// the carrier code and sends it, waiting out throttles and outages; the
// platform's refusal (an order already shipped, a line it does not know)
// is recorded on the order with its words and ends the workflow as
// ship-refused. One per order and tracking number (ShipmentID).
func Shipment(ctx workflow.Context, s domain.Shipment) (*domain.ShipmentRecord, error) {
	if s.Shop.Channel == "" || s.PlatformOrderID == "" || s.TrackingNo == "" {
		return nil, temporal.NewNonRetryableApplicationError("shipment: shop, order id and tracking number are required", domain.EInvalid, nil)
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, AttrChannel.ValueSet(s.Shop.Channel), AttrShop.ValueSet(s.Shop.Shop),
		AttrSyncKind.ValueSet(KindShipment), AttrSyncStatus.ValueSet(StatusRunning), AttrOrderID.ValueSet(s.PlatformOrderID)); err != nil {
		return nil, err
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Minute, ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute,
			NonRetryableErrorTypes: nonRetryable},
	})
	var rec domain.ShipmentRecord
	if err := workflow.ExecuteActivity(actx, acts.ShipOrder, s).Get(ctx, &rec); err != nil {
		_ = workflow.UpsertTypedSearchAttributes(ctx, AttrSyncStatus.ValueSet(StatusFailed))
		return nil, err
	}
	status := StatusShipped
	if rec.Status == domain.ShipmentRefused {
		status = StatusShipRefused
	}
	return &rec, workflow.UpsertTypedSearchAttributes(ctx, AttrSyncStatus.ValueSet(status))
}

// ShipOrder sends a shipment to the platform and records the answer. A
// refusal (invalid, conflict, not found) is an answer, recorded as
// refused; a throttle or an outage is retried.
func (a *Activities) ShipOrder(ctx context.Context, s domain.Shipment) (domain.ShipmentRecord, error) {
	ch, err := a.Shops.Get(s.Shop)
	if err != nil {
		return domain.ShipmentRecord{}, toTemporal(err)
	}
	rec := domain.ShipmentRecord{Shipment: s, Status: domain.ShipmentSent}
	err = ch.Ship(ctx, s)
	switch c := domain.ErrorCode(err); {
	case err == nil:
	case c == domain.EInvalid || c == domain.EConflict || c == domain.ENotFound:
		rec.Status, rec.Error = domain.ShipmentRefused, domain.Describe(err)
	default:
		return rec, toTemporal(err)
	}
	rec.UpdatedAt = a.now()
	return rec, toTemporal(a.Store.RecordShipment(ctx, rec))
}

// ShipmentID is the id of one shipment's workflow:
// "shipment/tmall/flagship/<order id>/<tracking no>".
func ShipmentID(s domain.Shipment) string {
	return KindShipment + "/" + s.Shop.String() + "/" + s.PlatformOrderID + "/" + strings.ReplaceAll(s.TrackingNo, "/", "_")
}

// Ship starts a shipment's workflow on the shop's queue under base (a
// second start of the same shipment joins the first).
func Ship(ctx context.Context, c client.Client, base string, s domain.Shipment) (client.WorkflowRun, error) {
	return startOnQueue(ctx, c, ShopQueue(base, s.Shop), ShipmentID(s), ShipmentWorkflowName, s)
}
