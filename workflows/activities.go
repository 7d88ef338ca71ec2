package workflows

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/erp"
	"github.com/syncctl/syncctl/mapping"
	"github.com/syncctl/syncctl/store"
)

// Activities are the steps that touch the outside world. Their fields are
// the dependencies, so tests build them with a real store and sandboxes.
type Activities struct {
	Store store.Store
	Shops connectors.Shops
	ERP   *erp.Client
	Now   func() time.Time // nil: time.Now
}

func (a *Activities) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// CountChangedProducts counts the products a push to the shop would send.
func (a *Activities) CountChangedProducts(ctx context.Context, shop domain.ShopRef) (int, error) {
	n, err := a.Store.CountChangedProducts(ctx, shop)
	return n, toTemporal(err)
}

// NextChangedInput pages through changed products.
type NextChangedInput struct {
	Shop  domain.ShopRef `json:"shop"`
	After string         `json:"after"`
	Limit int            `json:"limit"`
}

// NextChangedProducts returns the next page of product codes needing a push.
// Only codes cross into the workflow, never product content.
func (a *Activities) NextChangedProducts(ctx context.Context, in NextChangedInput) ([]string, error) {
	codes, err := a.Store.ChangedProducts(ctx, in.Shop, in.After, in.Limit)
	return codes, toTemporal(err)
}

// PushProductsInput is one chunk of a catalog push.
type PushProductsInput struct {
	Shop  domain.ShopRef `json:"shop"`
	Codes []string       `json:"codes"`
}

// PushProductsResult counts one chunk.
type PushProductsResult struct {
	Pushed   int           `json:"pushed"`
	SKUs     int           `json:"skus"`
	Calls    int           `json:"calls"`
	Failures []ItemFailure `json:"failures,omitempty"`
}

// PushProducts brings each product of the chunk up to date on the channel:
// a create or a content update when the content hash differs, otherwise only
// the prices and stocks that differ. What succeeded is recorded per product
// before the next one starts, so a retried chunk redoes nothing. A product
// the platform refuses is recorded as failed with the reason and the chunk
// goes on; a throttled or unavailable platform fails the chunk with a
// retryable error (with the platform's wait) and Temporal retries it.
func (a *Activities) PushProducts(ctx context.Context, in PushProductsInput) (PushProductsResult, error) {
	var res PushProductsResult
	ch, err := a.Shops.Get(in.Shop)
	if err != nil {
		return res, toTemporal(err)
	}
	for i, code := range in.Codes {
		activity.RecordHeartbeat(ctx, i)
		skus, calls, err := a.pushProduct(ctx, ch, in.Shop, code)
		res.Calls += calls
		switch c := domain.ErrorCode(err); {
		case err == nil:
			res.Pushed++
			res.SKUs += skus
		case c == domain.EAuth:
			// Credentials are shop-wide: every further call would fail the same way.
			return res, toTemporal(err)
		case domain.Retryable(c):
			return res, toTemporal(err)
		default:
			res.Failures = append(res.Failures, ItemFailure{Product: code, Code: c, Reason: err.Error()})
		}
	}
	return res, nil
}

func (a *Activities) pushProduct(ctx context.Context, ch connectors.Channel, shop domain.ShopRef, code string) (skus, calls int, err error) {
	p, err := a.Store.GetProduct(ctx, code)
	if err != nil {
		return 0, 0, err
	}
	existing, err := a.Store.Listings(ctx, shop, code)
	if err != nil {
		return 0, 0, err
	}
	plan := mapping.PlanProductPush(shop, p, existing, a.now())
	if plan.Upsert != nil {
		if plan.Upsert.Known == nil {
			// Record the attempt before calling: if this worker dies after the
			// platform created the item, the retry sees MayExist and looks it up.
			if err := a.Store.SaveListings(ctx, plan.PendingListings()); err != nil {
				return 0, 0, err
			}
		}
		res, err := ch.UpsertProduct(ctx, *plan.Upsert)
		if err != nil {
			return 0, 1, a.recordFailure(ctx, plan, err)
		}
		return len(p.SKUs), max(1, res.Calls), a.Store.SaveListings(ctx, plan.Pushed(res))
	}
	for _, u := range plan.Prices {
		calls++
		if err := ch.UpdatePrice(ctx, u); err != nil {
			return skus, calls, a.recordFailure(ctx, plan, err)
		}
		if err := a.Store.SaveListings(ctx, plan.PriceSaved(u)); err != nil {
			return skus, calls, err
		}
		skus++
	}
	for _, u := range plan.Stocks {
		calls++
		if err := ch.UpdateStock(ctx, u); err != nil {
			return skus, calls, a.recordFailure(ctx, plan, err)
		}
		if err := a.Store.SaveListings(ctx, plan.StockSaved(u)); err != nil {
			return skus, calls, err
		}
		skus++
	}
	return skus, calls, nil
}

// recordFailure keeps the reason on every SKU listing of the product and
// returns the original error. A throttle is not a failure of the product.
func (a *Activities) recordFailure(ctx context.Context, plan *mapping.PushPlan, cause error) error {
	if domain.ErrorCode(cause) == domain.ERateLimited {
		return cause
	}
	if err := a.Store.SaveListings(ctx, plan.Failed(cause)); err != nil {
		return errors.Join(cause, err)
	}
	return cause
}

// PullOrdersInput is one pull of a shop's orders.
type PullOrdersInput struct {
	Shop            domain.ShopRef `json:"shop"`
	Overlap         time.Duration  `json:"overlap"`
	Lag             time.Duration  `json:"lag"`
	Window          time.Duration  `json:"window"`
	InitialLookback time.Duration  `json:"initial_lookback"`
	MaxWindows      int            `json:"max_windows"` // bound one activity's work; the workflow loops
}

// PullOrdersResult counts one pull.
type PullOrdersResult struct {
	Seen     int       `json:"seen"`
	Created  int       `json:"created"`
	Updated  int       `json:"updated"`
	Rejected []string  `json:"rejected,omitempty"` // "order <id>: reason"
	Cursor   time.Time `json:"cursor"`
	CaughtUp bool      `json:"caught_up"`
	Calls    int       `json:"calls"`
}

// PullOrders walks the shop's orders modified in [cursor − overlap,
// now − lag] in windows the platform accepts, pages each window, stores
// every order in the index (which dedupes and enqueues a delivery for each
// new version) and moves the cursor after each complete window.
func (a *Activities) PullOrders(ctx context.Context, in PullOrdersInput) (PullOrdersResult, error) {
	var res PullOrdersResult
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
		cursor = now.Add(-in.InitialLookback)
	}
	if caps.OrderLookback > 0 && cursor.Before(oldest) {
		cursor = oldest
	}
	window := in.Window
	if caps.OrderWindowMax > 0 && (window <= 0 || window > caps.OrderWindowMax) {
		window = caps.OrderWindowMax
	}
	for w := 0; cursor.Before(end) && (in.MaxWindows <= 0 || w < in.MaxWindows); w++ {
		from := cursor.Add(-in.Overlap)
		if caps.OrderLookback > 0 && from.Before(oldest) {
			from = oldest
		}
		to := cursor.Add(window)
		if maxTo := from.Add(window); caps.OrderWindowMax > 0 && to.After(maxTo) {
			to = maxTo // the overlap eats into the platform's window cap
		}
		if to.After(end) {
			to = end
		}
		if err := a.pullWindow(ctx, ch, in.Shop, from, to, &res); err != nil {
			res.Cursor = cursor
			return res, toTemporal(err)
		}
		if err := a.Store.SetOrderCursor(ctx, in.Shop, to); err != nil {
			return res, toTemporal(err)
		}
		cursor = to
		activity.RecordHeartbeat(ctx, cursor)
	}
	res.Cursor = cursor
	res.CaughtUp = !cursor.Before(end)
	return res, nil
}

func (a *Activities) pullWindow(ctx context.Context, ch connectors.Channel, shop domain.ShopRef, from, to time.Time, res *PullOrdersResult) error {
	token := ""
	for {
		page, err := ch.ListOrders(ctx, connectors.OrderQuery{From: from, To: to, PageToken: token})
		res.Calls += page.Calls
		if err != nil {
			return err
		}
		for _, r := range page.Rejected {
			res.Rejected = append(res.Rejected, fmt.Sprintf("order %s: %s", r.PlatformOrderID, r.Reason))
		}
		for _, o := range page.Orders {
			res.Seen++
			change, err := a.Store.UpsertOrder(ctx, o)
			if err != nil {
				if domain.ErrorCode(err) == domain.EInvalid {
					res.Rejected = append(res.Rejected, fmt.Sprintf("order %s: %v", o.PlatformOrderID, err))
					continue
				}
				return err
			}
			switch change.Event {
			case store.OrderCreated:
				res.Created++
			case store.OrderUpdated:
				res.Updated++
			}
		}
		activity.RecordHeartbeat(ctx, token)
		if page.NextPageToken == "" {
			return nil
		}
		token = page.NextPageToken
	}
}

// DeliveryRef names a pending delivery.
type DeliveryRef struct {
	ID      string         `json:"id"`
	Shop    domain.ShopRef `json:"shop"`
	OrderID string         `json:"order_id"`
}

// PendingDeliveriesInput filters the outbox by shop.
type PendingDeliveriesInput struct {
	Shop  domain.ShopRef `json:"shop"`
	Limit int            `json:"limit"`
}

// PendingDeliveries returns the shop's deliveries not yet accepted by the ERP.
func (a *Activities) PendingDeliveries(ctx context.Context, in PendingDeliveriesInput) ([]DeliveryRef, error) {
	ds, err := a.Store.PendingDeliveries(ctx, 0)
	if err != nil {
		return nil, toTemporal(err)
	}
	var out []DeliveryRef
	for _, d := range ds {
		if d.Shop == in.Shop {
			out = append(out, DeliveryRef{ID: d.ID, Shop: d.Shop, OrderID: d.PlatformOrderID})
			if in.Limit > 0 && len(out) >= in.Limit {
				break
			}
		}
	}
	return out, nil
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

// toTemporal translates a coded domain error into a Temporal application
// error once, at the edge: its type is the domain code, invalid/auth/
// not-found/conflict are not retried, and a platform's requested wait
// becomes the next retry delay, so a throttled channel waits durably.
func toTemporal(err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if !errors.As(err, &de) {
		return err
	}
	return temporal.NewApplicationErrorWithOptions(err.Error(), de.Code, temporal.ApplicationErrorOptions{
		NonRetryable:   !domain.Retryable(de.Code),
		NextRetryDelay: de.RetryAfter,
	})
}
