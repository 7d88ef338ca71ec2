package workflows

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/syncctl/syncctl/domain"
)

// StockReservation runs one live-stream reservation on durable timers: at
// its start it pushes the SKU's stock to every shop that sells it (the
// others now offer that much less, the reserved shop keeps it), at its end
// (or when an operator releases it early: SignalRelease) it releases what
// is left and pushes again, so every shop sees the units back. It runs on
// the reserved shop's queue and pushes each shop on that shop's own queue.
func StockReservation(ctx workflow.Context, in StockReservationInput) (*domain.StockReservation, error) {
	r := in.Reservation
	if r.ID == 0 || r.SKUCode == "" || r.Shop.Channel == "" {
		return nil, temporal.NewNonRetryableApplicationError("stock reservation: id, shop and sku are required", domain.EInvalid, nil)
	}
	if err := workflow.SetQueryHandler(ctx, QueryProgress, func() (domain.StockReservation, error) { return r, nil }); err != nil {
		return nil, err
	}
	status := func(s string) error {
		return workflow.UpsertTypedSearchAttributes(ctx, AttrChannel.ValueSet(r.Shop.Channel), AttrShop.ValueSet(r.Shop.Shop),
			AttrSyncKind.ValueSet(KindStockReservation), AttrSyncStatus.ValueSet(s))
	}
	if err := status(StatusScheduled); err != nil {
		return nil, err
	}
	released := false
	release := workflow.GetSignalChannel(ctx, SignalRelease)
	workflow.Go(ctx, func(ctx workflow.Context) {
		release.Receive(ctx, nil)
		released = true
	})
	// Until the start: the other shops may have been pushed already with
	// the reservation taken off (the allocation reads open reservations);
	// the push at the start makes sure of it.
	if wait := r.From.Sub(workflow.Now(ctx)); wait > 0 {
		if _, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return released }); err != nil {
			return &r, err
		}
	}
	if !released {
		if err := pushSKUEverywhere(ctx, r, "start"); err != nil {
			return &r, err
		}
		if err := status(StatusReserved); err != nil {
			return &r, err
		}
		if wait := r.Until.Sub(workflow.Now(ctx)); wait > 0 {
			if _, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return released }); err != nil {
				return &r, err
			}
		}
	}
	var got domain.StockReservation
	if err := workflow.ExecuteActivity(storeCtx(ctx), acts.ReleaseReservation, r.ID).Get(ctx, &got); err != nil {
		return &r, err
	}
	r = got
	if err := pushSKUEverywhere(ctx, r, "end"); err != nil {
		return &r, err
	}
	return &r, status(string(domain.ReservationReleased))
}

// pushSKUEverywhere pushes the reservation's product to every shop that
// sells it, each as a push of that one product on the shop's own queue,
// and waits for them all.
func pushSKUEverywhere(ctx workflow.Context, r domain.StockReservation, phase string) error {
	var target ReservationTarget
	if err := workflow.ExecuteActivity(storeCtx(ctx), acts.ReservationShops, r).Get(ctx, &target); err != nil {
		return err
	}
	base := BaseQueue(workflow.GetInfo(ctx).TaskQueueName, r.Shop)
	var futures []workflow.ChildWorkflowFuture
	for _, shop := range target.Shops {
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID: fmt.Sprintf("%s/%d/%s/%s", KindStockReservation, r.ID, phase, shop),
			TaskQueue:  ShopQueue(base, shop), WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		})
		futures = append(futures, workflow.ExecuteChildWorkflow(cctx, CatalogPushWorkflowName,
			CatalogPushInput{Shop: shop, Codes: []string{target.Product}}))
	}
	for _, f := range futures {
		if err := f.Get(ctx, nil); err != nil {
			return err
		}
	}
	return nil
}

// ReservationTarget is what a reservation's pushes cover.
type ReservationTarget struct {
	Product string           `json:"product"`
	Shops   []domain.ShopRef `json:"shops"`
}

// ReservationShops names the product of the reserved SKU and the shops
// that sell it (on sale there), the reserved shop first.
func (a *Activities) ReservationShops(ctx context.Context, r domain.StockReservation) (ReservationTarget, error) {
	p, err := a.Store.ProductOfSKU(ctx, r.SKUCode)
	if err != nil {
		return ReservationTarget{}, toTemporal(err)
	}
	live, err := a.Store.LivePrices(ctx, r.SKUCode)
	if err != nil {
		return ReservationTarget{}, toTemporal(err)
	}
	out := ReservationTarget{Product: p.Code, Shops: []domain.ShopRef{r.Shop}}
	var others []domain.ShopRef
	for s := range live {
		if s != r.Shop {
			others = append(others, s)
		}
	}
	sort.Slice(others, func(i, j int) bool { return others[i].String() < others[j].String() })
	out.Shops = append(out.Shops, others...)
	return out, nil
}

// ReleaseReservation ends the reservation in the store (one released
// already is returned as it is).
func (a *Activities) ReleaseReservation(ctx context.Context, id int64) (domain.StockReservation, error) {
	r, err := a.Store.ReleaseReservation(ctx, id, a.now())
	if domain.ErrorCode(err) == domain.EConflict {
		return r, nil
	}
	return r, toTemporal(err)
}

// StockReservationID is the id of a reservation's workflow:
// "stock-reservation/3".
func StockReservationID(id int64) string {
	return KindStockReservation + "/" + strconv.FormatInt(id, 10)
}

// BaseQueue is the base task queue of a shop's queue name (ShopQueue's
// inverse): "syncctl/kuaishou/live" → "syncctl".
func BaseQueue(queue string, shop domain.ShopRef) string {
	return strings.TrimSuffix(queue, "/"+shop.Channel+"/"+shop.Shop)
}

// Reserve starts the workflow of a reservation recorded in the store, on
// the reserved shop's queue under base.
func Reserve(ctx context.Context, c client.Client, base string, r domain.StockReservation) (client.WorkflowRun, error) {
	return startOnQueue(ctx, c, ShopQueue(base, r.Shop), StockReservationID(r.ID), StockReservationWorkflowName, StockReservationInput{Reservation: r})
}

// ReleaseEarly ends a running reservation now.
func ReleaseEarly(ctx context.Context, c client.Client, id int64) error {
	return c.SignalWorkflow(ctx, StockReservationID(id), "", SignalRelease, nil)
}
