// Package workflows holds syncctl's Temporal workflows and activities.
//
// This file is the package's contract: the task queue, workflow names, query
// names, search attributes, the input/result types, and the functions that
// build workflow ids from business keys. Ids come from business keys so that
// a second start of the same job is a no-op, and an operator can find a run
// in the Web UI by typing the shop or delivery id.
package workflows

import (
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/syncctl/syncctl/domain"
)

// TaskQueue is syncctl's base task queue. Each shop's workflows and
// activities run on the shop's own queue under it (ShopQueue):
// "syncctl/tmall/flagship".
const TaskQueue = "syncctl"

// Workflow type names (stable: they appear in histories and the Web UI).
const (
	CatalogPushWorkflowName = "CatalogPush"
	OrderPullWorkflowName   = "OrderPull"
	ERPDeliveryWorkflowName = "ERPDelivery"
	ReviewWatchWorkflowName = "ReviewWatch"
	// PriceApprovalWorkflowName waits for the answer to one held price
	// write (id PriceApprovalID).
	PriceApprovalWorkflowName = "PriceApproval"
	// PriceScheduleWorkflowName switches a shop's promotion prices on and
	// off at their times (id PriceScheduleID).
	PriceScheduleWorkflowName = "PriceSchedule"
	// StockReservationWorkflowName runs one live-stream reservation (id
	// StockReservationID).
	StockReservationWorkflowName = "StockReservation"
	// ShopSyncWorkflowName coalesces the ERP's changes for one shop (id
	// ShopSyncID).
	ShopSyncWorkflowName = "ShopSync"
	// ShipmentWorkflowName tells a platform one shipment (id ShipmentID).
	ShipmentWorkflowName = "Shipment"
	// OrderBackfillWorkflowName re-reads a range of a shop's orders (id
	// OrderBackfillID).
	OrderBackfillWorkflowName = "OrderBackfill"
	// PriceCheckWorkflowName checks one shop's prices (prices check --schedule).
	PriceCheckWorkflowName = "PriceCheck"
)

// Query and signal names.
const (
	QueryProgress  = "progress"
	SignalPullNow  = "pull-now"
	SignalStopPull = "stop"
	// UpdateDecide answers a PriceApproval (domain.HoldDecision); it
	// returns the hold as decided.
	UpdateDecide = "decide"
	// SignalSuperseded tells a PriceApproval its hold was superseded.
	SignalSuperseded = "superseded"
	// SignalReprice tells a PriceSchedule the pricing changed: push now,
	// then set the timer again.
	SignalReprice = "reprice"
	// SignalRelease ends a StockReservation early.
	SignalRelease = "release"
	// SignalProducts tells a ShopSync which products changed ([]string).
	SignalProducts = "products"
)

// SyncKind values, shown in the SyncKind search attribute.
const (
	KindCatalogPush      = "catalog-push"
	KindOrderPull        = "order-pull"
	KindERPDelivery      = "erp-delivery"
	KindReviewWatch      = "review-watch"
	KindPriceApproval    = "price-approval"
	KindPriceSchedule    = "price-schedule"
	KindStockReservation = "stock-reservation"
	KindShopSync         = "shop-sync"
	KindShipment         = "shipment"
	KindOrderBackfill    = "order-backfill"
	KindPriceCheck       = "price-check"
)

// SyncStatus values, shown in the SyncStatus search attribute.
const (
	StatusRunning         = "running"
	StatusRetrying        = "retrying"        // the last round failed; the next one retries (reason in the progress query)
	StatusRejections      = "rejected-orders" // running, but some platform orders could not be mapped (syncctl orders rejected)
	StatusWaitingReview   = "waiting-for-review"
	StatusCompleted       = "completed"
	StatusCompletedFailed = "completed-with-failures"
	StatusWaitingERP      = "waiting-for-erp"
	StatusDelivered       = "delivered"
	StatusFailed          = "failed"
	// StatusAwaitingApproval: a PriceApproval waits for an operator; it
	// ends as approved, rejected, expired or superseded (domain.HoldStatus).
	StatusAwaitingApproval = string(domain.HoldPending)
	// StatusScheduled: a PriceSchedule sleeps until the next promotion
	// switch (its progress query says when).
	StatusScheduled = "scheduled"
	// StatusReserved: a StockReservation's window is on.
	StatusReserved = "reserved"
	// StatusShipped / StatusShipRefused end a Shipment: the platform took
	// it, or refused it (the reason is on the order's shipment).
	StatusShipped     = "shipped"
	StatusShipRefused = "ship-refused"
	// StatusPriceViolations ends a PriceCheck that found violations.
	StatusPriceViolations = "price-violations"
)

// nonRetryable lists the error types no activity retries: the domain codes
// that trying again cannot fix (domain.Retryable is the one definition).
var nonRetryable = []string{domain.EInvalid, domain.ENotFound, domain.EConflict, domain.EAuth}

// Custom search attributes. They are registered on the namespace by
// `syncctl dev` and by `syncctl worker` (EnsureSearchAttributes).
var (
	AttrChannel    = temporal.NewSearchAttributeKeyKeyword("Channel")
	AttrShop       = temporal.NewSearchAttributeKeyKeyword("Shop")
	AttrSyncKind   = temporal.NewSearchAttributeKeyKeyword("SyncKind")
	AttrSyncStatus = temporal.NewSearchAttributeKeyKeyword("SyncStatus")
	AttrOrderID    = temporal.NewSearchAttributeKeyKeyword("PlatformOrderID")
)

// SearchAttributes lists every custom attribute with its type, for registration.
func SearchAttributes() map[string]enumspb.IndexedValueType {
	return map[string]enumspb.IndexedValueType{
		AttrChannel.GetName():    enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		AttrShop.GetName():       enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		AttrSyncKind.GetName():   enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		AttrSyncStatus.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		AttrOrderID.GetName():    enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	}
}

// CatalogPushID is the id of the push of the catalog to one shop:
// "catalog-push/tmall/flagship". One push per shop runs at a time.
func CatalogPushID(shop domain.ShopRef) string { return KindCatalogPush + "/" + shop.String() }

// OrderPullID is the id of the long-running order pull of one shop:
// "order-pull/tmall/flagship".
func OrderPullID(shop domain.ShopRef) string { return KindOrderPull + "/" + shop.String() }

// OrderPullOnceID is the id of a one-shot pull (CLI `orders pull --once`,
// the demo), distinct from the long-running one so both can coexist.
func OrderPullOnceID(shop domain.ShopRef, at time.Time) string {
	return KindOrderPull + "-once/" + shop.String() + "/" + at.UTC().Format("20060102T150405Z")
}

// ERPDeliveryID is the id of the delivery of one order revision:
// "erp-delivery/dlv_…". The delivery id is the webhook idempotency key.
func ERPDeliveryID(deliveryID string) string { return KindERPDelivery + "/" + deliveryID }

// ReviewWatchID is the id of the watch over a shop's products in platform
// review: "review-watch/wechat/flagship". One per shop; a push that leaves
// products in review starts it or joins the running one.
func ReviewWatchID(shop domain.ShopRef) string { return KindReviewWatch + "/" + shop.String() }

// ParseShopID returns the shop of a catalog-push, order-pull or review-watch workflow id.
func ParseShopID(workflowID string) (domain.ShopRef, error) {
	parts := strings.Split(workflowID, "/")
	if len(parts) < 3 || (parts[0] != KindCatalogPush && parts[0] != KindOrderPull && parts[0] != KindOrderPull+"-once" && parts[0] != KindReviewWatch) {
		return domain.ShopRef{}, fmt.Errorf("workflow id %q is not a syncctl shop workflow id", workflowID)
	}
	return domain.ShopRef{Channel: parts[1], Shop: parts[2]}, nil
}

// PriceApprovalInput starts the approval of one hold.
type PriceApprovalInput struct {
	Hold domain.PriceHold `json:"hold"`
	// ApproveOnExpiry approves an unanswered hold at its expiry instead of
	// expiring it (pricing.approvals.on_expiry: approve).
	ApproveOnExpiry bool `json:"approve_on_expiry,omitempty"`
}

// OrderBackfillInput starts or continues a backfill of [From, To).
type OrderBackfillInput struct {
	Shop     domain.ShopRef    `json:"shop"`
	From     time.Time         `json:"from"`
	To       time.Time         `json:"to"`
	Window   time.Duration     `json:"window,omitempty"` // one platform query (default the pull's; capped at the platform's)
	Progress *BackfillProgress `json:"progress,omitempty"`
}

// BackfillProgress is a backfill's progress query and result.
type BackfillProgress struct {
	Shop       domain.ShopRef `json:"shop"`
	From       time.Time      `json:"from"`
	To         time.Time      `json:"to"`
	At         time.Time      `json:"at"` // read up to here
	Windows    int            `json:"windows"`
	Seen       int            `json:"seen"`
	Created    int            `json:"created"` // orders the pulls had missed
	Updated    int            `json:"updated"` // newer versions the pulls had missed
	Rejected   int            `json:"rejected"`
	Dispatched int            `json:"dispatched"`
	Calls      int            `json:"calls"`
	Done       bool           `json:"done"`
}

// ShopSyncInput starts or continues a shop's ShopSync.
type ShopSyncInput struct {
	Shop     domain.ShopRef `json:"shop"`
	Quiet    time.Duration  `json:"quiet,omitempty"`     // a pause in the changes this long ends a round (default DefaultSyncQuiet)
	MaxDelay time.Duration  `json:"max_delay,omitempty"` // a round pushes once its oldest change is this old (default DefaultSyncMaxDelay)
	Pending  []string       `json:"pending,omitempty"`
	State    *ShopSyncState `json:"state,omitempty"`
}

// ShopSyncState is what a ShopSync's progress query says.
type ShopSyncState struct {
	Changes  int `json:"changes"`  // signals taken
	Pushes   int `json:"pushes"`   // pushes this run started
	Base     int `json:"base"`     // pushes earlier runs started
	Products int `json:"products"` // products pushed
	Calls    int `json:"calls"`    // channel calls those pushes made
	Held     int `json:"held"`     // prices the guards held
	Failed   int `json:"failed"`   // products that failed
	// LastError is why the last push failed as a whole ("": none did).
	LastError string `json:"last_error,omitempty"`
}

// StockReservationInput starts the workflow of a stored reservation.
type StockReservationInput struct {
	Reservation domain.StockReservation `json:"reservation"`
}

// PriceScheduleInput starts or continues a shop's price schedule.
type PriceScheduleInput struct {
	Shop  domain.ShopRef      `json:"shop"`
	Due   bool                `json:"due,omitempty"` // push at once (a change came in)
	State *PriceScheduleState `json:"state,omitempty"`
}

// PriceScheduleState is what the progress query of a PriceSchedule says.
type PriceScheduleState struct {
	Next     time.Time `json:"next,omitzero"`      // the next promotion start or end it waits for
	Pushes   int       `json:"pushes"`             // pushes it started
	LastPush time.Time `json:"last_push,omitzero"` // when it started the last
	// LastError is why the last push failed ("": it did not); the next
	// switch pushes again.
	LastError string `json:"last_error,omitempty"`
}

// CatalogPushInput starts or continues a catalog push. Cursor and Progress
// carry the state across continue-as-new.
type CatalogPushInput struct {
	Shop      domain.ShopRef `json:"shop"`
	BatchSize int            `json:"batch_size,omitempty"` // products per page read from the store (default 100)
	ChunkSize int            `json:"chunk_size,omitempty"` // products per push activity (default DefaultPushChunk)
	Parallel  int            `json:"parallel,omitempty"`   // push activities in flight (default DefaultPushParallel)
	// ReviewPoll is how often the ReviewWatch this push starts checks the
	// products left in platform review (default 5m).
	ReviewPoll time.Duration `json:"review_poll,omitempty"`
	// All pushes every catalog product, not only the changed ones: after a
	// change of the stock policy or of a platform's state made outside
	// syncctl. Up-to-date products still cost no call.
	All bool `json:"all,omitempty"`
	// Codes pushes these products only (a reservation's start or end), in
	// one page: the change set is not read.
	Codes    []string      `json:"codes,omitempty"`
	Cursor   string        `json:"cursor,omitempty"` // last product code handed out
	Progress *PushProgress `json:"progress,omitempty"`
}

// DefaultPushParallel is how many push activities of one shop are in
// flight at a time when the input says nothing.
const DefaultPushParallel = 4

// DefaultPushChunk is how many products one push activity takes when the
// input says nothing. Each activity costs a few round trips through
// Temporal (schedule, start, complete, the workflow task that starts the
// next); 25 products spread them thinly and still keep an attempt short
// (a few seconds at a quota of 20 calls a second). Pushes started before
// it was 25 keep their 10 (versionPipelinedPush).
const DefaultPushChunk = 25

// PushProgress is the push's state, answered by the progress query and
// returned as the result.
type PushProgress struct {
	Shop     domain.ShopRef `json:"shop"`
	Total    int            `json:"total"`     // products that needed a push when it started
	Pushed   int            `json:"pushed"`    // products now on the channel as the catalog says
	Failed   int            `json:"failed"`    // products that failed (reasons in Failures)
	InReview int            `json:"in_review"` // pushed products the platform is still reviewing (ReviewWatch follows them)
	SKUs     int            `json:"skus"`      // SKUs written
	Removed  int            `json:"removed"`   // listings ended on the channel: their SKUs (or products) left the catalog
	// OverSold counts SKUs whose platform reported, at the stock write, units
	// sold beyond the stock just set (Vipshop over_sell_quantity; each
	// listing keeps the number): the channel sold more than it is now offered.
	OverSold int `json:"over_sold,omitempty"`
	// Held counts SKUs whose new price a guard held (floor, parity, change
	// size): not sent; `syncctl approvals list` shows each hold and why.
	Held int `json:"held,omitempty"`
	// Holds are the first held writes (MaxReportedFailures of them), with
	// the hold to answer and why.
	Holds     []HeldPrice `json:"holds,omitempty"`
	Calls     int         `json:"calls"`     // requests sent to the channel, read-backs and refused ones included
	Throttled int         `json:"throttled"` // of those, refused by the platform's throttle
	Retries   int         `json:"retries"`   // times a chunk waited for the channel (throttled or unavailable) and went again
	// LastError and NextAttempt are set while a chunk waits to go again:
	// why (the platform's answer) and when (SyncStatus is then "retrying").
	LastError   string        `json:"last_error,omitempty"`
	NextAttempt *time.Time    `json:"next_attempt,omitempty"`
	Failures    []ItemFailure `json:"failures,omitempty"`
	// Pool is the promotion-pool pass at the end of the push (shops with a
	// commission policy on a CPS platform).
	Pool      *PoolSync `json:"pool,omitempty"`
	Done      bool      `json:"done"`
	Runs      int       `json:"runs"` // continue-as-new generations
	StartedAt time.Time `json:"started_at"`
}

// ItemFailure is the reason one product was not pushed.
type ItemFailure struct {
	Product string `json:"product"`
	Code    string `json:"code"` // domain error code
	Reason  string `json:"reason"`
}

// HeldPrice is one price write a guard held, as the push reports it (the
// Web UI shows it in the progress query and the result).
type HeldPrice struct {
	SKU    string            `json:"sku"`
	Price  domain.Money      `json:"price"`
	Hold   int64             `json:"hold"` // syncctl approvals show HOLD
	Status domain.HoldStatus `json:"status"`
	Reason string            `json:"reason"`
}

// MaxReportedFailures bounds the failures kept in workflow state; the full
// list is in the store's listing map (last_error per SKU).
const MaxReportedFailures = 50

// OrderPullInput starts or continues the order pull of one shop. Its
// policy's zero interval, window and initial lookback take the defaults of
// domain.DefaultPullPolicy; a zero overlap or lag means none.
type OrderPullInput struct {
	Shop              domain.ShopRef `json:"shop"`
	domain.PullPolicy                // interval, overlap, lag, window, initial_lookback
	Once              bool           `json:"once,omitempty"` // pull until caught up, wait for the deliveries, finish
	Stats             *PullStats     `json:"stats,omitempty"`
}

const (
	// RedispatchAfter is how long a dispatched delivery that is still
	// pending waits before the pull starts its workflow again (a no-op while
	// it runs; a restart if an operator terminated it).
	RedispatchAfter = time.Hour
)

// PullStats are the counters of an order pull.
type PullStats struct {
	Pulls      int       `json:"pulls"`
	Seen       int       `json:"seen"`       // orders read from the platform (with overlap re-reads)
	Created    int       `json:"created"`    // new orders
	Updated    int       `json:"updated"`    // new versions of known orders
	Rejected   int       `json:"rejected"`   // platform orders that could not be mapped (re-reads included)
	Unresolved int       `json:"unresolved"` // rejected orders no later pull has mapped yet (syncctl orders rejected)
	Dispatched int       `json:"dispatched"` // deliveries handed out: sent at once, or to an ERPDelivery workflow when the ERP did not accept them
	Pending    int       `json:"pending"`    // the shop's deliveries the ERP has not accepted yet
	Delivered  int       `json:"delivered"`  // versions this pull recorded that the ERP has accepted (recorded minus still pending)
	Cursor     time.Time `json:"cursor"`
	Calls      int       `json:"calls"` // requests the pull sent to the platform (lists, details, refused ones)
	// NewestOrder is the latest modification time among the orders read,
	// and Lag how far it was behind the clock when the last round ended: in
	// a live stream's burst, how far the pull trails the sales.
	NewestOrder time.Time     `json:"newest_order,omitempty"`
	Lag         time.Duration `json:"lag,omitempty"`
	// LastError is why the last round failed; NextAttempt when the next
	// round tries again (SyncStatus is then "retrying").
	LastError   string     `json:"last_error,omitempty"`
	NextAttempt *time.Time `json:"next_attempt,omitempty"`
	Recent      []string   `json:"recent_rejections,omitempty"` // the latest few reasons
	// Runs counts the earlier runs of this pull: a long-running pull starts
	// afresh (continue-as-new) every few hundred rounds, carrying these
	// counters; 0 in its first run.
	Runs int `json:"runs"`
}

// ReviewWatchInput starts or continues the watch over a shop's products in
// platform review.
type ReviewWatchInput struct {
	Shop domain.ShopRef `json:"shop"`
	Poll time.Duration  `json:"poll,omitempty"` // between checks (default 5m)
	// Pool: the shop has a promotion pool to bring in line after each
	// check that approved or rejected products (SyncPromotionPool).
	Pool  bool         `json:"pool,omitempty"`
	Stats *ReviewStats `json:"stats,omitempty"`
}

// ReviewStats count what a review watch saw.
type ReviewStats struct {
	Checks   int `json:"checks"`
	Approved int `json:"approved"`  // SKUs whose product went on sale
	Rejected int `json:"rejected"`  // SKUs whose product the platform refused (reason in the listing's last_error)
	InReview int `json:"in_review"` // SKUs still in review at the last check
	Runs     int `json:"runs"`
	// PoolJoined counts products that joined the promotion pool once approved.
	PoolJoined int `json:"pool_joined,omitempty"`
}

// ERPDeliveryInput names one delivery in the store's outbox.
type ERPDeliveryInput struct {
	DeliveryID string         `json:"delivery_id"`
	Shop       domain.ShopRef `json:"shop"`
	OrderID    string         `json:"platform_order_id"`
}

// ERPDeliveryResult reports the accepted delivery.
type ERPDeliveryResult struct {
	DeliveryID string `json:"delivery_id"`
	Attempts   int    `json:"attempts"`
	HTTPStatus int    `json:"http_status"`
}
