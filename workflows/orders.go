package workflows

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/shopgate"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping"
	"github.com/syncctl/syncctl/store"
)

// PullOrdersInput is one pull of a shop's orders.
type PullOrdersInput struct {
	Shop              domain.ShopRef `json:"shop"`
	domain.PullPolicy                // the pull's overlap, lag, window and initial lookback
	MaxWindows        int            `json:"max_windows"` // bound one activity's work; the workflow loops
}

// maxSampleRejections bounds the reasons a pull returns (all are in the store).
const maxSampleRejections = 5

// PullOrdersResult counts one pull.
type PullOrdersResult struct {
	Seen       int       `json:"seen"`
	Created    int       `json:"created"`
	Updated    int       `json:"updated"`
	Rejected   int       `json:"rejected"`
	Refunds    int       `json:"refunds,omitempty"` // refund case versions queued for the ERP
	Unresolved int       `json:"unresolved"`        // the shop's rejected orders not mapped since
	Sample     []string  `json:"sample,omitempty"`  // "order <id>: reason", at most maxSampleRejections
	Cursor     time.Time `json:"cursor"`
	CaughtUp   bool      `json:"caught_up"`
	Calls      int       `json:"calls"`
	Newest     time.Time `json:"newest,omitempty"` // latest modification time among the orders read
}

// PullOrders walks the shop's orders modified in [cursor − overlap,
// now − lag] in windows the platform accepts, pages each window, stores
// every order in the index (which dedupes and enqueues a delivery for each
// new version), keeps the orders it cannot map with their reason, and moves
// the cursor after each complete window. The platform's window cap shortens
// the overlap, never the progress: each window ends after the cursor.
func (a *Activities) PullOrders(ctx context.Context, in PullOrdersInput) (res PullOrdersResult, _ error) {
	ctx, calls := shopgate.WithCounter(ctx)
	defer func() { res.Calls = calls.Sent() }() // every request, detail fetches and failed ones too
	ch, err := a.Shops.Get(in.Shop)
	if err != nil {
		return res, toTemporal(err)
	}
	caps := ch.Capabilities()
	now := a.now()
	end := now.Add(-in.Lag).Truncate(time.Second)
	oldest := now.Add(-caps.OrderLookback)
	cursor, ok, err := a.Store.OrderCursor(ctx, in.Shop)
	if err != nil {
		return res, toTemporal(err)
	}
	if !ok {
		cursor = now.Add(-max(in.InitialLookback, 0))
	}
	if caps.OrderLookback > 0 && cursor.Before(oldest) {
		cursor = oldest
	}
	window := in.Window
	if window <= 0 {
		window = domain.DefaultPullPolicy().Window
	}
	if caps.OrderWindowMax > 0 && window > caps.OrderWindowMax {
		window = caps.OrderWindowMax
	}
	for w := 0; cursor.Before(end) && (in.MaxWindows <= 0 || w < in.MaxWindows); w++ {
		to := cursor.Add(window)
		if to.After(end) {
			to = end
		}
		from := cursor.Add(-max(in.Overlap, 0))
		if caps.OrderWindowMax > 0 && to.Sub(from) > caps.OrderWindowMax {
			from = to.Add(-caps.OrderWindowMax)
		}
		if caps.OrderLookback > 0 && from.Before(oldest) {
			from = oldest
		}
		if err := a.pullWindow(ctx, ch, in.Shop, from, to, &res); err != nil {
			res.Cursor = cursor
			return res, toTemporal(err)
		}
		if as, ok := ch.(connectors.AfterSales); ok {
			if err := a.pullAfterSales(ctx, ch, as, from, to, &res); err != nil {
				res.Cursor = cursor
				return res, toTemporal(err)
			}
		}
		if err := a.Store.SetOrderCursor(ctx, in.Shop, to); err != nil {
			return res, toTemporal(err)
		}
		cursor = to
		activity.RecordHeartbeat(ctx, cursor)
	}
	if res.Unresolved, err = a.Store.CountOrderRejections(ctx, in.Shop); err != nil {
		return res, toTemporal(err)
	}
	res.Cursor = cursor
	res.CaughtUp = !cursor.Before(end)
	return res, nil
}

func (a *Activities) pullWindow(ctx context.Context, ch connectors.Channel, shop domain.ShopRef, from, to time.Time, res *PullOrdersResult) error {
	token := ""
	for {
		page, err := ch.ListOrders(ctx, connectors.OrderQuery{From: from, To: to, PageToken: token})
		if err != nil {
			return err
		}
		var rejected []store.OrderRejection
		for _, r := range page.Rejected {
			rejected = append(rejected, store.OrderRejection{PlatformOrderID: r.PlatformOrderID, Reason: r.Reason})
		}
		_, listsCases := ch.(connectors.AfterSales)
		for _, o := range page.Orders {
			res.Seen++
			if o.ModifiedAt.After(res.Newest) {
				res.Newest = o.ModifiedAt
			}
			if err := a.storeOrder(ctx, o, !listsCases, res); err != nil {
				if domain.ErrorCode(err) == domain.EInvalid {
					rejected = append(rejected, store.OrderRejection{PlatformOrderID: o.PlatformOrderID, Reason: err.Error()})
					continue
				}
				return err
			}
		}
		// Kept before the cursor moves past them: a rejected order is never
		// only in this activity's memory.
		if err := a.Store.RecordOrderRejections(ctx, shop, rejected); err != nil {
			return err
		}
		res.Rejected += len(rejected)
		for _, r := range rejected {
			if len(res.Sample) < maxSampleRejections {
				res.Sample = append(res.Sample, fmt.Sprintf("order %s: %s", r.PlatformOrderID, r.Reason))
			}
		}
		activity.RecordHeartbeat(ctx, token)
		if page.NextPageToken == "" {
			return nil
		}
		token = page.NextPageToken
	}
}

// storeOrder indexes one pulled order: its status from its lines' refunds,
// then the order (a new version queues its delivery), then, for platforms
// whose refunds are read off the order, the refund cases its lines show
// (after the order, so the ERP hears of the order first).
func (a *Activities) storeOrder(ctx context.Context, o domain.SalesOrder, casesFromLines bool, res *PullOrdersResult) error {
	mapping.ApplyRefunds(&o)
	change, err := a.Store.UpsertOrder(ctx, o)
	if err != nil {
		return err
	}
	switch change.Event {
	case store.OrderCreated:
		res.Created++
	case store.OrderUpdated:
		res.Updated++
	}
	if !casesFromLines {
		return nil
	}
	for _, c := range mapping.RefundCasesFromLines(o) {
		ch, err := a.Store.UpsertAfterSale(ctx, c)
		if err != nil {
			return err
		}
		if ch.Event != "" {
			res.Refunds++
		}
	}
	return nil
}

// pullAfterSales reads the after-sales cases modified in the window, for
// platforms that list them (connectors.AfterSales), and queues each new
// version for the ERP. A case whose order is not indexed yet (the order
// changed after the order list was read) brings its order first.
func (a *Activities) pullAfterSales(ctx context.Context, ch connectors.Channel, as connectors.AfterSales, from, to time.Time, res *PullOrdersResult) error {
	shop := ch.Shop()
	token := ""
	for {
		page, err := as.ListAfterSales(ctx, connectors.OrderQuery{From: from, To: to, PageToken: token})
		if err != nil {
			return err
		}
		var rejected []store.OrderRejection
		for _, r := range page.Rejected {
			rejected = append(rejected, store.OrderRejection{PlatformOrderID: r.PlatformOrderID, Reason: "after-sale case: " + r.Reason})
		}
		for _, c := range page.Cases {
			if _, err := a.Store.GetOrder(ctx, shop, c.PlatformOrderID); domain.ErrorCode(err) == domain.ENotFound {
				o, err := ch.GetOrder(ctx, c.PlatformOrderID)
				if err != nil {
					return err
				}
				if err := a.storeOrder(ctx, o, false, res); err != nil {
					return err
				}
			} else if err != nil {
				return err
			}
			change, err := a.Store.UpsertAfterSale(ctx, c)
			if err != nil {
				if domain.ErrorCode(err) == domain.EInvalid {
					rejected = append(rejected, store.OrderRejection{PlatformOrderID: c.PlatformOrderID, Reason: err.Error()})
					continue
				}
				return err
			}
			if change.Event != "" {
				res.Refunds++
			}
		}
		if err := a.Store.RecordOrderRejections(ctx, shop, rejected); err != nil {
			return err
		}
		res.Rejected += len(rejected)
		activity.RecordHeartbeat(ctx, token)
		if page.NextPageToken == "" {
			return nil
		}
		token = page.NextPageToken
	}
}

// DispatchInput asks for a shop's pending deliveries to be started.
type DispatchInput struct {
	Shop  domain.ShopRef `json:"shop"`
	Limit int            `json:"limit"` // deliveries started per call (default 500)
}

// DispatchResult counts one dispatch.
type DispatchResult struct {
	// Started counts the deliveries handed out: Sent of them were accepted
	// at the first attempt, the rest went to ERPDelivery workflows (started
	// or found running).
	Started int  `json:"started"`
	Sent    int  `json:"sent,omitempty"`
	Pending int  `json:"pending"` // the shop's deliveries the ERP has not accepted, after this call
	More    bool `json:"more"`    // more undispatched deliveries wait than Limit allowed
}

// dispatchParallel bounds the first attempts one dispatch sends at once.
const dispatchParallel = 8

// DispatchDeliveries hands out the shop's pending deliveries not dispatched
// lately. Each is first sent here, dispatchParallel at a time, with its
// idempotency key and signature: a delivery the ERP accepts needs nothing
// more, so a live stream's thousands of orders cost one activity, not a
// workflow each. A delivery the ERP does not accept goes to an ERPDelivery
// workflow, which retries with backoff until it is accepted (and shows in
// the Web UI); after the first refusal the rest of the batch goes there too
// without an attempt here, for the ERP is not well. Each start is
// idempotent: the workflow id is the delivery's idempotency key, a running
// one is joined, and a closed one (delivered, then requeued by an operator)
// starts again. Starting them from here, rather than as children, keeps the
// pull's history the same size however many orders arrive.
func (a *Activities) DispatchDeliveries(ctx context.Context, in DispatchInput) (DispatchResult, error) {
	var res DispatchResult
	if a.Temporal == nil {
		return res, toTemporal(domain.Errorf(domain.EInternal, "dispatch: this worker has no Temporal client to start deliveries with"))
	}
	limit := in.Limit
	if limit <= 0 {
		limit = 500
	}
	now := a.now()
	refs, err := a.Store.PendingDeliveryRefs(ctx, in.Shop, now.Add(-RedispatchAfter), limit+1)
	if err != nil {
		return res, toTemporal(err)
	}
	if len(refs) > limit {
		refs, res.More = refs[:limit], true
	}
	retry, sent, err := a.sendFirstAttempts(ctx, refs)
	if err != nil {
		return res, toTemporal(err)
	}
	queue := activity.GetInfo(ctx).TaskQueue
	var started []string
	for i, r := range retry {
		_, err := a.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: ERPDeliveryID(r.ID), TaskQueue: queue,
			WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
			WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		}, ERPDeliveryWorkflowName, ERPDeliveryInput{DeliveryID: r.ID, Shop: in.Shop, OrderID: r.PlatformOrderID})
		if err != nil {
			if mErr := a.Store.MarkDispatched(ctx, started, now); mErr != nil {
				return res, toTemporal(mErr)
			}
			return res, toTemporal(domain.Errorf(domain.EUnavailable, "start delivery %s: %v", r.ID, err))
		}
		started = append(started, r.ID)
		if i%50 == 49 {
			activity.RecordHeartbeat(ctx, i)
		}
	}
	if err := a.Store.MarkDispatched(ctx, started, now); err != nil {
		return res, toTemporal(err)
	}
	res.Sent, res.Started = sent, sent+len(started)
	res.Pending, err = a.Store.CountPendingDeliveries(ctx, in.Shop)
	return res, toTemporal(err)
}

// sendFirstAttempts sends each delivery once and returns those the ERP did
// not accept, with every one after the first refusal (not attempted), in
// their order. An order's versions go one after the other, oldest first
// (refs come oldest first); different orders go in parallel. Only a store
// failure is an error.
func (a *Activities) sendFirstAttempts(ctx context.Context, refs []store.DeliveryRef) (retry []store.DeliveryRef, sent int, _ error) {
	if a.ERP == nil {
		return refs, 0, nil // the workflows say why nothing can be delivered
	}
	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		refused  bool
		storeErr error
		accepted = make([]bool, len(refs))
	)
	var orders [][]int // indexes into refs, one list per order, in order of first appearance
	seen := map[string]int{}
	for i, r := range refs {
		j, ok := seen[r.PlatformOrderID]
		if !ok {
			j = len(orders)
			seen[r.PlatformOrderID] = j
			orders = append(orders, nil)
		}
		orders[j] = append(orders[j], i)
	}
	stopped := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return refused || storeErr != nil
	}
	slots := make(chan struct{}, dispatchParallel)
	for n, versions := range orders {
		if stopped() {
			break
		}
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			for _, i := range versions {
				if stopped() {
					return
				}
				ok, held, err := a.sendOnce(ctx, refs[i].ID)
				mu.Lock()
				switch {
				case err != nil:
					storeErr = errors.Join(storeErr, err)
				case ok:
					accepted[i] = true
				case !held:
					refused = true
				}
				mu.Unlock()
				if !ok {
					return // the order's later versions wait for this one (their workflows)
				}
			}
		}()
		if n%50 == 49 {
			activity.RecordHeartbeat(ctx, n)
		}
	}
	wg.Wait()
	if storeErr != nil {
		return nil, 0, storeErr
	}
	for i, r := range refs {
		if accepted[i] {
			sent++
		} else {
			retry = append(retry, r)
		}
	}
	return retry, sent, nil
}

// inVersionOrder holds a version while an earlier version of the same
// order waits for the ERP: the ERP gets an order's versions in order. The
// error is retryable; the delivery's workflow tries again.
func (a *Activities) inVersionOrder(ctx context.Context, d store.Delivery) error {
	older, err := a.Store.OlderPending(ctx, d.ID)
	if err != nil {
		return err
	}
	if older != "" {
		// The activity's own backoff (1 s doubling to 5 min) paces the wait,
		// so a long ERP outage costs a query every few minutes, not seconds.
		return &domain.Error{Code: domain.EUnavailable,
			Message: fmt.Sprintf("delivery %s (revision %d of order %s) waits for %s, an earlier version, to be accepted first", d.ID, d.Revision, d.PlatformOrderID, older)}
	}
	return nil
}

// sendOnce is one attempt at a delivery, recorded like the workflow's:
// ok when the ERP accepted it (or had already); held when an earlier
// version of the order still waits (its workflow sends it after that
// one); an error only when the store failed.
func (a *Activities) sendOnce(ctx context.Context, id string) (ok, held bool, _ error) {
	d, err := a.Store.GetDelivery(ctx, id)
	if err != nil {
		return false, false, err
	}
	if d.Status == store.DeliveryDelivered {
		return true, false, nil
	}
	if older, err := a.Store.OlderPending(ctx, d.ID); err != nil || older != "" {
		return false, older != "", err
	}
	res, sendErr := a.ERP.Deliver(ctx, d)
	errText := ""
	if sendErr != nil {
		errText = sendErr.Error()
	}
	if err := a.Store.RecordDeliveryAttempt(ctx, d.ID, res.Accepted, res.HTTPStatus, errText); err != nil {
		return false, false, err
	}
	return sendErr == nil && res.Accepted, false, nil
}

// DeliverToERP sends one delivery and records the attempt. A delivery the
// ERP already accepted is not sent again.
func (a *Activities) DeliverToERP(ctx context.Context, deliveryID string) (ERPDeliveryResult, error) {
	d, err := a.Store.GetDelivery(ctx, deliveryID)
	if err != nil {
		return ERPDeliveryResult{}, toTemporal(err)
	}
	if d.Status == store.DeliveryDelivered {
		return ERPDeliveryResult{DeliveryID: d.ID, Attempts: d.Attempts, HTTPStatus: d.LastHTTPStatus}, nil
	}
	if a.ERP == nil {
		return ERPDeliveryResult{}, toTemporal(domain.Errorf(domain.EUnavailable, "delivery %s: no ERP endpoint is configured on this worker", d.ID))
	}
	if err := a.inVersionOrder(ctx, d); err != nil {
		return ERPDeliveryResult{}, toTemporal(err)
	}
	res, sendErr := a.ERP.Deliver(ctx, d)
	errText := ""
	if sendErr != nil {
		errText = sendErr.Error()
	}
	if err := a.Store.RecordDeliveryAttempt(ctx, d.ID, res.Accepted, res.HTTPStatus, errText); err != nil {
		return ERPDeliveryResult{}, toTemporal(err)
	}
	if sendErr != nil {
		return ERPDeliveryResult{}, toTemporal(sendErr)
	}
	return ERPDeliveryResult{DeliveryID: d.ID, Attempts: d.Attempts + 1, HTTPStatus: res.HTTPStatus}, nil
}
