package workflows

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/shopgate"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/erp"
	"github.com/syncctl/syncctl/mapping"
	"github.com/syncctl/syncctl/mapping/pricing"
	"github.com/syncctl/syncctl/store"
)

// Activities are the steps that touch the outside world. Their fields are
// the dependencies, so tests build them with a real store and sandboxes.
type Activities struct {
	Store store.Store
	Shops connectors.Shops
	ERP   *erp.Client
	// Temporal starts the workflows that activities hand work to (ERP
	// deliveries, review watches) on the task queue of the calling worker.
	Temporal client.Client
	// Commission is the promotion-pool policy of each shop that has one
	// (configuration `commission:`); SyncPromotionPool follows it.
	Commission map[domain.ShopRef]domain.CommissionPolicy
	// Allocation is the stock each shop offers of a SKU (configuration
	// `stock:`); nil: every shop offers the master stock.
	Allocation mapping.Allocation
	// Pricing is the configuration's pricing policy as it stands now: the
	// price rule of each shop and the guards every price write passes
	// (config.Live re-reads a changed file). nil: list prices, no guard.
	Pricing func() pricing.Policy
	Now     func() time.Time // nil: time.Now
}

func (a *Activities) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// ShopInfo is what a workflow needs to know of a shop before it starts.
type ShopInfo struct {
	Review        bool `json:"review"`         // content goes through platform review
	ReviewTracker bool `json:"review_tracker"` // the connector can report review outcomes
	// Pool: the platform has a promotion pool and the shop a commission
	// policy, so pushes and reviews end with a SyncPromotionPool.
	Pool bool `json:"pool"`
}

// DescribeShop checks that this worker serves the shop and returns what the
// workflows need of its capabilities. A shop no worker is configured for
// fails the workflow at once (not_found), naming the configured shops.
func (a *Activities) DescribeShop(ctx context.Context, shop domain.ShopRef) (ShopInfo, error) {
	ch, err := a.Shops.Get(shop)
	if err != nil {
		return ShopInfo{}, toTemporal(err)
	}
	_, tracker := ch.(connectors.ReviewTracker)
	_, pool := ch.(connectors.PromotionPool)
	_, policy := a.Commission[shop]
	return ShopInfo{Review: ch.Capabilities().Review, ReviewTracker: tracker, Pool: pool && policy}, nil
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
	All   bool           `json:"all,omitempty"` // every catalog product, not only the changed ones
}

// NextChangedProducts returns the next page of product codes needing a push.
// Only codes cross into the workflow, never product content.
func (a *Activities) NextChangedProducts(ctx context.Context, in NextChangedInput) ([]string, error) {
	codes, err := a.Store.ChangedProducts(ctx, in.Shop, in.After, in.Limit)
	if err != nil || !in.All {
		return codes, toTemporal(err)
	}
	// A full pass: the catalog's next codes merged with the changed ones
	// (a product removed from the catalog is only among those), in order.
	products, err := a.Store.ListProducts(ctx, in.After, in.Limit)
	if err != nil {
		return nil, toTemporal(err)
	}
	seen := map[string]bool{}
	for _, c := range codes {
		seen[c] = true
	}
	for _, p := range products {
		if !seen[p.Code] {
			codes = append(codes, p.Code)
		}
	}
	sort.Strings(codes)
	return codes[:min(len(codes), in.Limit)], nil
}

// CountPushTotal is what a push will go through: the changed products, or
// with all the whole catalog.
func (a *Activities) CountPushTotal(ctx context.Context, shop domain.ShopRef, all bool) (int, error) {
	if !all {
		return a.CountChangedProducts(ctx, shop)
	}
	spus, _, err := a.Store.CatalogStats(ctx)
	return spus, toTemporal(err)
}

// PushProductsInput is one chunk of a catalog push.
type PushProductsInput struct {
	Shop  domain.ShopRef `json:"shop"`
	Codes []string       `json:"codes"`
}

// PushProductsResult counts what one attempt at a chunk did. Done is how
// many of the chunk's codes it dealt with (pushed, failed for good, or
// found up to date); when Retry or Abort is set, the codes after Done are
// still to do. Calls counts every request sent to the platform, read-backs
// and refused ones included (Throttled of them were refused by a throttle).
type PushProductsResult struct {
	Done      int           `json:"done"`
	Pushed    int           `json:"pushed"`
	InReview  int           `json:"in_review"`
	SKUs      int           `json:"skus"`
	Removed   int           `json:"removed"`             // listings ended: their SKUs left the catalog
	OverSold  int           `json:"over_sold,omitempty"` // SKUs the platform reported sold beyond the stock set
	Held      int           `json:"held,omitempty"`      // SKUs whose new price a guard held
	Holds     []HeldPrice   `json:"holds,omitempty"`     // the first of them
	Calls     int           `json:"calls"`
	Throttled int           `json:"throttled,omitempty"`
	Failures  []ItemFailure `json:"failures,omitempty"`
	// Retry is set when the platform was throttled or unavailable: the rest
	// of the chunk goes again after the wait (the workflow's backoff when
	// the platform named none), so the workflow can show it as retrying.
	Retry *ChunkStop `json:"retry,omitempty"`
	// Abort is set when the shop's credentials failed: every chunk would
	// fail alike, so the push stops.
	Abort *ChunkStop `json:"abort,omitempty"`
}

// ChunkStop is why a chunk stopped before its end.
type ChunkStop struct {
	Code   string        `json:"code"`   // domain error code
	Reason string        `json:"reason"` // the platform's answer, for people
	After  time.Duration `json:"after,omitempty"`
}

// PushProducts brings each product of the chunk up to date on the channel:
// a create or a content update when the content hash differs, otherwise only
// the prices and stocks that differ. What succeeded is recorded per product
// before the next one starts, so a chunk sent again redoes nothing. A
// product the platform refuses is recorded as failed with the reason and
// the chunk goes on. A throttled or unavailable platform ends the attempt
// with Retry and bad credentials with Abort, both with what was done so
// far, so the workflow counts every call and shows why it waits; only
// failures of syncctl's own (the store) are activity errors that Temporal
// retries.
func (a *Activities) PushProducts(ctx context.Context, in PushProductsInput) (PushProductsResult, error) {
	var res PushProductsResult
	ch, err := a.Shops.Get(in.Shop)
	if err != nil {
		return res, toTemporal(err)
	}
	ctx, calls := shopgate.WithCounter(ctx)
	count := func() { res.Calls, res.Throttled = calls.Sent(), calls.Throttled() }
	for i, code := range in.Codes {
		// A heartbeat before every platform call: a worker that dies is noticed
		// within the heartbeat timeout, and one call (bounded by connectors/httpx
		// and the shop gate) never outlasts it, so two attempts never write the
		// same product at once.
		beat := func(step string) {
			activity.RecordHeartbeat(ctx, fmt.Sprintf("%s %s (%d/%d)", code, step, i+1, len(in.Codes)))
		}
		out, err := a.pushProduct(ctx, ch, in.Shop, code, beat)
		count()
		res.Removed += out.removed // ended listings are recorded, whatever came after
		switch c := domain.ErrorCode(err); {
		case err == nil:
			res.Pushed++
			res.SKUs += out.skus
			res.OverSold += out.overSold
			res.Held += len(out.held)
			for _, h := range out.held {
				if len(res.Holds) < MaxReportedFailures {
					res.Holds = append(res.Holds, h)
				}
			}
			if out.inReview {
				res.InReview++
			}
		case c == domain.EAuth:
			res.Abort = &ChunkStop{Code: c, Reason: domain.Describe(err)}
			return res, nil
		case c == domain.ERateLimited || c == domain.EUnavailable:
			var de *domain.Error
			errors.As(err, &de)
			res.Retry = &ChunkStop{Code: c, Reason: domain.Describe(err), After: de.RetryAfter}
			return res, nil
		case domain.Retryable(c): // EInternal: a store failure or a bug; Temporal retries the attempt
			return res, toTemporal(err)
		default:
			res.Failures = append(res.Failures, ItemFailure{Product: code, Code: c, Reason: domain.Describe(err)})
		}
		res.Done = i + 1
	}
	return res, nil
}

type pushOutcome struct {
	skus     int
	removed  int
	overSold int         // SKUs the platform reported sold beyond the stock just set
	held     []HeldPrice // SKUs whose new price a guard held (mapping/pricing)
	inReview bool
}

// updateStock writes one SKU's stock, through StockReporter where the
// platform reports more than success.
func updateStock(ctx context.Context, ch connectors.Channel, u connectors.StockUpdate) (connectors.StockResult, error) {
	if sr, ok := ch.(connectors.StockReporter); ok {
		return sr.UpdateStockReport(ctx, u)
	}
	return connectors.StockResult{}, ch.UpdateStock(ctx, u)
}

func (a *Activities) pushProduct(ctx context.Context, ch connectors.Channel, shop domain.ShopRef, code string, beat func(step string)) (out pushOutcome, err error) {
	// One writer per product and shop, across workers: the plan is made
	// and written under the lease, so a plan from older catalog data never
	// writes after one from newer (a push, an approval and a reservation
	// may push the same product at once).
	release, err := a.claimWrite(ctx, shop, code, beat)
	if err != nil {
		return out, err
	}
	defer release()
	plan, err := a.planPush(ctx, shop, code)
	if err != nil {
		return out, err
	}
	if out.removed, err = a.endRemoved(ctx, ch, plan, beat); err != nil {
		return out, err
	}
	// Every price passes the guards before anything of the product is sent;
	// held ones are recorded on their listings once the rest went out.
	if out.held, err = a.guardPrices(ctx, plan); err != nil {
		return out, err
	}
	defer func() {
		if err == nil && plan.Held() {
			err = a.Store.SaveListings(ctx, plan.HeldListings())
		}
	}()
	p := plan.Product
	if plan.Upsert != nil {
		if plan.Upsert.Known == nil {
			// Record the attempt before calling: if this worker dies after the
			// platform created the item, the retry sees MayExist and looks it up.
			if err := a.Store.SaveListings(ctx, plan.PendingListings()); err != nil {
				return out, err
			}
		}
		beat("upsert")
		res, err := ch.UpsertProduct(ctx, *plan.Upsert)
		if err != nil {
			// Ids the platform gave before failing (a create whose read-back
			// failed) are kept, so the next attempt updates instead of
			// creating or looking up again.
			return out, a.recordFailure(ctx, plan, plan.Failed(err, res.IDs), err)
		}
		if plan.Relist {
			// Back in the catalog after a push delisted it. Until this call
			// succeeds the listings stay removed, so the next push does both again.
			beat("relist")
			if err := ch.SetListed(ctx, res.IDs, true); err != nil {
				return out, a.recordFailure(ctx, plan, plan.Failed(err, res.IDs), err)
			}
			if res.Status == domain.ListingDelisted {
				res.Status = domain.ListingOnSale
			}
		}
		out.skus, out.inReview = len(p.SKUs), res.Status == domain.ListingInReview
		for _, n := range res.OverSell {
			if n > 0 {
				out.overSold++
			}
		}
		return out, a.Store.SaveListings(ctx, plan.Pushed(res))
	}
	for _, u := range plan.Prices {
		beat("price " + u.SKUCode)
		if err := ch.UpdatePrice(ctx, u); err != nil {
			return out, a.recordFailure(ctx, plan, plan.Failed(err, connectors.ProductIDs{}), err)
		}
		if err := a.Store.SaveListings(ctx, plan.PriceSaved(u)); err != nil {
			return out, err
		}
		out.skus++
	}
	for _, u := range plan.Stocks {
		beat("stock " + u.SKUCode)
		r, err := updateStock(ctx, ch, u)
		if err != nil {
			return out, a.recordFailure(ctx, plan, plan.Failed(err, connectors.ProductIDs{}), err)
		}
		if err := a.Store.SaveListings(ctx, plan.StockSaved(u, r)); err != nil {
			return out, err
		}
		out.skus++
		if r.OverSell > 0 {
			out.overSold++
		}
	}
	return out, nil
}

// Write leases: how long one lasts (a product's push is a few calls, each
// bounded), and how long a writer waits for another's before its attempt
// goes again later.
const (
	writeLeaseTTL  = 5 * time.Minute
	writeLeaseWait = 10 * time.Second
)

// claimWrite takes the lease on writing the product to the shop, waiting
// a little for another writer to finish; it returns the release.
func (a *Activities) claimWrite(ctx context.Context, shop domain.ShopRef, code string, beat func(string)) (func(), error) {
	holder := fmt.Sprintf("pid %d %p", os.Getpid(), &code) // this call, unless an activity names it
	if activity.IsActivity(ctx) {
		info := activity.GetInfo(ctx)
		// A retried attempt takes back its own lease at once.
		holder = info.WorkflowExecution.RunID + "/" + info.ActivityID
	}
	deadline := time.Now().Add(writeLeaseWait)
	for {
		ok, err := a.Store.ClaimWrite(ctx, shop, code, holder, writeLeaseTTL)
		if err != nil {
			return nil, err
		}
		if ok {
			return func() { _ = a.Store.ReleaseWrite(context.WithoutCancel(ctx), shop, code, holder) }, nil
		}
		if time.Now().After(deadline) {
			return nil, &domain.Error{Code: domain.EUnavailable, RetryAfter: 2 * time.Second,
				Message: fmt.Sprintf("product %s on %s: another push is writing it; this one goes again after it", code, shop)}
		}
		beat("waiting for another writer of " + code)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// planPush compares a product of the catalog with its listings on the
// shop. A product no longer in the catalog is its code without SKUs: the
// plan ends its listings.
func (a *Activities) planPush(ctx context.Context, shop domain.ShopRef, code string) (*mapping.PushPlan, error) {
	p, err := a.Store.GetProduct(ctx, code)
	if domain.ErrorCode(err) == domain.ENotFound {
		p, err = domain.Product{Code: code}, nil
	}
	if err != nil {
		return nil, err
	}
	existing, err := a.Store.Listings(ctx, shop, code)
	if err != nil {
		return nil, err
	}
	at := a.now()
	offer := a.offer(at)
	if len(p.SKUs) > 0 {
		skus := make([]string, len(p.SKUs))
		for i, s := range p.SKUs {
			skus[i] = s.Code
		}
		rs, err := a.Store.OpenReservations(ctx, skus...)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			offer.Reserved = append(offer.Reserved, pricing.Reservation{SKU: r.SKUCode, Shop: r.Shop, Units: r.Remaining(), From: r.From, Until: r.Until})
		}
	}
	return mapping.PlanProductPushWith(shop, p, existing, at, offer), nil
}

// endRemoved ends on the channel the listings whose SKUs left the catalog,
// before anything else of the product is pushed: the item of a removed
// product is delisted; a SKU that left a product is removed where the
// platform can (connectors.SKURemover), else its stock set to 0. Each end
// is recorded (status removed, stock 0) as soon as it succeeded; a platform
// that no longer has the item or the SKU has ended it already. It returns
// how many listings it ended.
func (a *Activities) endRemoved(ctx context.Context, ch connectors.Channel, plan *mapping.PushPlan, beat func(step string)) (int, error) {
	ended := 0
	save := func(ls []domain.ChannelListing) error {
		ended += len(ls)
		return a.Store.SaveListings(ctx, ls)
	}
	if ls := plan.Unlisted(); len(ls) > 0 {
		if err := save(ls); err != nil {
			return ended, err
		}
	}
	for _, ids := range plan.Delist {
		beat("delist item " + ids.ItemID)
		if err := ch.SetListed(ctx, ids, false); err != nil && domain.ErrorCode(err) != domain.ENotFound {
			return ended, a.recordFailure(ctx, plan, plan.Failed(err, connectors.ProductIDs{}), err)
		}
		if err := save(plan.Delisted(ids)); err != nil {
			return ended, err
		}
	}
	remover, canRemove := ch.(connectors.SKURemover)
	for _, r := range plan.Removals {
		beat("remove " + r.SKUCode)
		var err error
		if canRemove {
			err = remover.RemoveSKU(ctx, r.IDs, r.SKUCode)
		} else {
			err = ch.UpdateStock(ctx, connectors.StockUpdate{SKUCode: r.SKUCode, IDs: r.IDs, Quantity: 0})
		}
		if err != nil && domain.ErrorCode(err) != domain.ENotFound {
			return ended, a.recordFailure(ctx, plan, plan.Failed(err, connectors.ProductIDs{}), err)
		}
		if err := save(plan.SKURemoved(r)); err != nil {
			return ended, err
		}
	}
	return ended, nil
}

// recordFailure keeps the failed listings (the reason on every SKU, and
// any ids the platform gave) and returns the original error. A throttle is
// not a failure of the product: the chunk goes again (SettleFailedChunk
// records it if the retries run out) — but ids it gave are kept.
func (a *Activities) recordFailure(ctx context.Context, plan *mapping.PushPlan, failed []domain.ChannelListing, cause error) error {
	if domain.ErrorCode(cause) == domain.ERateLimited && !plan.GotIDs(failed) {
		return cause
	}
	if err := a.Store.SaveListings(ctx, failed); err != nil {
		return errors.Join(cause, err)
	}
	return cause
}

// SettleChunkInput names a chunk whose push activity gave up.
type SettleChunkInput struct {
	Shop   domain.ShopRef `json:"shop"`
	Codes  []string       `json:"codes"`
	Code   string         `json:"code"`   // the error type the chunk failed with
	Reason string         `json:"reason"` // its message
}

// SettleFailedChunk accounts for a chunk whose activity ran out of retries:
// products the shop already shows as the catalog has them were pushed by an
// earlier attempt; the others are failures, and the reason goes on their
// listings so `syncctl listings` and the next push show why.
func (a *Activities) SettleFailedChunk(ctx context.Context, in SettleChunkInput) (PushProductsResult, error) {
	var res PushProductsResult
	for _, code := range in.Codes {
		// A product gone from the catalog meanwhile is up to date once its
		// listings are ended; until then the reason goes on them.
		plan, err := a.planPush(ctx, in.Shop, code)
		if err != nil {
			return res, toTemporal(err)
		}
		if plan.UpToDate() {
			res.Pushed++
			continue
		}
		res.Failures = append(res.Failures, ItemFailure{Product: code, Code: in.Code, Reason: in.Reason})
		if err := a.Store.SaveListings(ctx, plan.Failed(errors.New(in.Reason), connectors.ProductIDs{})); err != nil {
			return res, toTemporal(err)
		}
	}
	return res, nil
}

// toTemporal translates a coded domain error into a Temporal application
// error once, at the edge: the message is the text for people, the type is
// the domain code (never part of the message), invalid/auth/not-found/
// conflict are not retried, and a platform's requested wait becomes the
// next retry delay, so a throttled channel waits durably.
func toTemporal(err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if !errors.As(err, &de) {
		return err
	}
	msg := domain.Describe(err) // context wrapped around the coded error ("push P1: …") stays
	opts := temporal.ApplicationErrorOptions{NonRetryable: !domain.Retryable(de.Code), NextRetryDelay: de.RetryAfter}
	if de.Code == domain.ERateLimited {
		// A throttle is the platform pacing us, not a failure: the SDK logs
		// benign errors at debug level instead of "Activity error" at ERROR.
		opts.Category = temporal.ApplicationErrorCategoryBenign
	}
	return temporal.NewApplicationErrorWithOptions(msg, de.Code, opts)
}
