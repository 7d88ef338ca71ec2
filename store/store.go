// Package store defines syncctl's own state: the master catalog, the listing
// map, order-pull cursors, the order index and the ERP delivery outbox.
// Implementations live in subpackages (store/sqlite, store/postgres) and
// share one test suite (store/storetest).
package store

import (
	"context"
	"errors"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
)

// Store is the connector's state. Every method is safe for concurrent use.
// Methods that write several rows do it in one transaction.
type Store interface {
	// ImportProducts inserts or replaces whole products (with their SKUs) in
	// one transaction: a replaced product's SKUs that are not in the import
	// are removed, except for products named by MergeSKUs, whose other stored
	// SKUs are kept (an import that rejected some of a product's rows must not
	// delete them). A SKU code owned by another product is a conflict and
	// nothing is written.
	ImportProducts(ctx context.Context, products []domain.Product, opts ...ImportOption) (ImportResult, error)
	// BeginImport starts an import written in batches inside one write
	// transaction (see ProductImport): the way to import a catalog of any
	// size in bounded memory with nothing half written.
	BeginImport(ctx context.Context) (ProductImport, error)
	// GetProduct returns one product with its SKUs, or ENotFound.
	GetProduct(ctx context.Context, code string) (domain.Product, error)
	// ProductOfSKU returns the product of a SKU code, or ENotFound.
	ProductOfSKU(ctx context.Context, sku string) (domain.Product, error)
	// ListProducts returns products ordered by code, after the given code.
	ListProducts(ctx context.Context, afterCode string, limit int) ([]domain.Product, error)
	// CatalogStats counts SPUs and SKUs.
	CatalogStats(ctx context.Context) (spus, skus int, err error)
	// CountProductsAfter counts the products whose code sorts after afterCode.
	CountProductsAfter(ctx context.Context, afterCode string) (int, error)

	// ChangedProducts returns, in code order after afterCode, the codes of
	// products that need a push to the shop: a SKU without a successful
	// listing, or whose content hash, price or stock differs from what was
	// last pushed; and products (removed ones too) with a listing whose SKU
	// left the catalog and that is not yet removed on the shop. An
	// unchanged catalog returns nothing. The first call for a
	// shop compares the whole catalog once; after that the store keeps the
	// shop's changed set as imports and listing saves happen, so the cost
	// grows with the change, not with the catalog.
	ChangedProducts(ctx context.Context, shop domain.ShopRef, afterCode string, limit int) ([]string, error)
	// CountChangedProducts counts what ChangedProducts would page through.
	CountChangedProducts(ctx context.Context, shop domain.ShopRef) (int, error)
	// RemoveProducts removes whole products (with their SKUs) from the
	// catalog in one transaction; an unknown code is ENotFound naming it and
	// nothing is removed. Like every way a SKU leaves the catalog (an import
	// that drops it too), it puts the SKU's listings that are not yet
	// removed into their shops' change sets: ChangedProducts returns their
	// product codes until the listings are saved as removed.
	RemoveProducts(ctx context.Context, codes []string) (RemoveResult, error)
	// ListingsInStatus pages through a shop's listings in one status (e.g.
	// in_review) by SKU code.
	ListingsInStatus(ctx context.Context, shop domain.ShopRef, status domain.ListingStatus, afterSKU string, limit int) ([]domain.ChannelListing, error)
	// Listings returns the shop's listings of one product (may be empty).
	Listings(ctx context.Context, shop domain.ShopRef, productCode string) ([]domain.ChannelListing, error)
	// ListListings pages through a shop's listings by SKU code.
	ListListings(ctx context.Context, shop domain.ShopRef, afterSKU string, limit int) ([]domain.ChannelListing, error)
	// SaveListings upserts listings keyed by shop and SKU code, in one
	// transaction. It leaves PoolRate alone: SetPoolRate writes it.
	SaveListings(ctx context.Context, listings []domain.ChannelListing) error
	// PauseShop, ResumeShop, LoadPause and ListPauses keep the operators'
	// pauses of shops (syncctl channels pause|resume); connectors/shopgate
	// reads LoadPause before calls.
	PauseShop(ctx context.Context, p domain.ShopPause) error
	ResumeShop(ctx context.Context, shop domain.ShopRef) error
	LoadPause(ctx context.Context, shop domain.ShopRef) (p domain.ShopPause, ok bool, err error)
	ListPauses(ctx context.Context) ([]domain.ShopPause, error)
	// SaveBreaker and ListBreakers keep each shop's circuit breaker as its
	// workers last saw it change (shopgate.BreakerStore); an older snapshot
	// never replaces a newer one.
	SaveBreaker(ctx context.Context, b domain.ShopBreaker) error
	ListBreakers(ctx context.Context) ([]domain.ShopBreaker, error)
	// SaveShopUsage keeps one worker process's calls to a shop in the
	// minute before at; ShopUsages sums, per shop, the processes' counts
	// taken at or after since: the shop's quota use across every worker.
	SaveShopUsage(ctx context.Context, shop domain.ShopRef, process string, calls int, at time.Time) error
	ShopUsages(ctx context.Context, since time.Time) ([]ShopUsage, error)
	// SetPoolRate records the commission (basis points) a product has in the
	// shop's promotion pool on each of its listings; 0: not in the pool.
	SetPoolRate(ctx context.Context, shop domain.ShopRef, productCode string, bp int) error

	// Price holds: the price writes the guards held (domain.PriceHold).
	// RecordHold keeps one (the same shop, SKU and price held before is
	// that hold, created false; a new one supersedes the pending holds of
	// the SKU on the shop at other prices and returns their ids);
	// SupersedeHolds ends the pending holds of a SKU whose price went out
	// without them; DecideHold answers a pending one (EConflict when
	// decided already); LivePrices is every shop's on-sale price of a SKU,
	// what the parity guard compares with.
	RecordHold(ctx context.Context, h domain.PriceHold) (out domain.PriceHold, created bool, superseded []int64, err error)
	SupersedeHolds(ctx context.Context, shop domain.ShopRef, sku string, at domain.Money) ([]int64, error)
	DecideHold(ctx context.Context, id int64, status domain.HoldStatus, by, note string, at time.Time) (domain.PriceHold, error)
	GetHold(ctx context.Context, id int64) (domain.PriceHold, error)
	ListHolds(ctx context.Context, f HoldFilter) ([]domain.PriceHold, error)
	LivePrices(ctx context.Context, sku string) (map[domain.ShopRef]domain.Money, error)

	// Live-stream reservations (domain.StockReservation): AddReservation
	// records one of a catalog SKU; OpenReservations are the open ones of
	// some SKUs (all when none named), what the stock allocation takes off
	// the other shops; ReleaseReservation ends one (EConflict when it is
	// over already). UpsertOrder consumes, in the order's transaction, the
	// open reservations of the order's shop whose window holds its
	// creation.
	AddReservation(ctx context.Context, r domain.StockReservation) (domain.StockReservation, error)
	GetReservation(ctx context.Context, id int64) (domain.StockReservation, error)
	OpenReservations(ctx context.Context, skus ...string) ([]domain.StockReservation, error)
	ListReservations(ctx context.Context, all bool, limit int) ([]domain.StockReservation, error)
	ReleaseReservation(ctx context.Context, id int64, at time.Time) (domain.StockReservation, error)

	// ClaimWrite and ReleaseWrite keep one writer per product and shop
	// across every worker: a push plans and writes a product while it holds
	// the lease (true: this holder has it; a lease past its ttl is free).
	ClaimWrite(ctx context.Context, shop domain.ShopRef, product, holder string, ttl time.Duration) (bool, error)
	ReleaseWrite(ctx context.Context, shop domain.ShopRef, product, holder string) error

	// ApplySKUChanges applies the ERP's stock and price changes and takes
	// the request id that carried them, in one transaction: nothing is
	// applied when the request id was taken already (EConflict) or a SKU is
	// unknown (ENotFound naming items[i]); a change not newer than the last
	// applied to its SKU and field (stock, price) is stale and skipped.
	// TakeRequest records a request id alone (EConflict when taken).
	ApplySKUChanges(ctx context.Context, requestID string, changes []SKUChange) (SKUChangeResult, error)
	TakeRequest(ctx context.Context, id string) error

	// RecordShipment keeps a shipment the ERP sent and the platform's answer
	// (by order and tracking number); Shipments lists an order's.
	RecordShipment(ctx context.Context, r domain.ShipmentRecord) error
	Shipments(ctx context.Context, shop domain.ShopRef, orderID string) ([]domain.ShipmentRecord, error)

	// OrderCursor returns the shop's order-pull cursor (the modification
	// time up to which orders are known to be pulled); ok is false if none.
	OrderCursor(ctx context.Context, shop domain.ShopRef) (t time.Time, ok bool, err error)
	// SetOrderCursor moves the cursor. It never moves backwards.
	SetOrderCursor(ctx context.Context, shop domain.ShopRef, t time.Time) error

	// UpsertOrder records an order in the index. If the order is new or its
	// version changed, it is stored and a pending delivery is enqueued in the
	// same transaction; otherwise nothing is written and Event is "". A
	// snapshot older than the stored one (ModifiedAt earlier: a lagging
	// platform replica) is ignored, so the ERP never hears an older state as
	// a newer revision. A stored rejection of the order is cleared.
	UpsertOrder(ctx context.Context, o domain.SalesOrder) (OrderChange, error)
	// RecordOrderRejections keeps the platform orders a pull could not map,
	// with the reason, until a later pull maps them (UpsertOrder clears them).
	RecordOrderRejections(ctx context.Context, shop domain.ShopRef, rejected []OrderRejection) error
	// OrderRejections lists a shop's unresolved rejections, newest first;
	// CountOrderRejections counts them.
	OrderRejections(ctx context.Context, shop domain.ShopRef, limit int) ([]OrderRejection, error)
	CountOrderRejections(ctx context.Context, shop domain.ShopRef) (int, error)
	// GetOrder returns an indexed order, or ENotFound.
	GetOrder(ctx context.Context, shop domain.ShopRef, platformOrderID string) (domain.SalesOrder, error)
	// UpsertAfterSale records a refund or after-sales case as UpsertOrder
	// records an order: a new case, or a changed one not older than the
	// stored one, enqueues a refund.created or refund.updated delivery in
	// the same transaction, carrying the case and the order as stored. Its
	// version ignores the case's times, and the first CreatedAt seen stays.
	UpsertAfterSale(ctx context.Context, c domain.AfterSale) (OrderChange, error)
	// AfterSales returns an order's refund and after-sales cases, oldest first.
	AfterSales(ctx context.Context, shop domain.ShopRef, platformOrderID string) ([]domain.AfterSale, error)
	// ListOrders returns indexed orders of a shop, newest modification first.
	ListOrders(ctx context.Context, shop domain.ShopRef, limit int) ([]OrderRecord, error)

	// PendingDeliveries returns deliveries not yet accepted by the ERP,
	// oldest first.
	PendingDeliveries(ctx context.Context, limit int) ([]Delivery, error)
	// OldPendingDeliveries returns the deliveries not accepted yet that were
	// created before a time (every pending one for the zero time), oldest
	// first, of one shop when shop is set (syncctl orders deliveries).
	OldPendingDeliveries(ctx context.Context, shop *domain.ShopRef, before time.Time, limit int) ([]Delivery, error)
	// PendingDeliveryRefs returns one shop's pending deliveries not
	// dispatched since the given time (never dispatched, or dispatched before
	// it), oldest first, without their order snapshots.
	PendingDeliveryRefs(ctx context.Context, shop domain.ShopRef, notDispatchedSince time.Time, limit int) ([]DeliveryRef, error)
	// MarkDispatched records that the deliveries' workflows were started.
	MarkDispatched(ctx context.Context, ids []string, at time.Time) error
	// CountPendingDeliveries counts one shop's pending deliveries.
	CountPendingDeliveries(ctx context.Context, shop domain.ShopRef) (int, error)
	// GetDelivery returns one delivery with the order snapshot it carries.
	GetDelivery(ctx context.Context, id string) (Delivery, error)
	// OlderPending returns a pending delivery of the same order with a
	// lower revision ("" when none): versions go to the ERP in order.
	OlderPending(ctx context.Context, deliveryID string) (string, error)
	// RecordDeliveryAttempt logs one attempt; accepted marks it delivered.
	RecordDeliveryAttempt(ctx context.Context, id string, accepted bool, httpStatus int, errText string) error
	// RequeueDeliveries marks a shop's deliveries (one order's if
	// platformOrderID is set) pending again for redelivery; returns how many.
	RequeueDeliveries(ctx context.Context, shop domain.ShopRef, platformOrderID string) (int, error)
	// DeliveryStats counts deliveries by status.
	DeliveryStats(ctx context.Context) (map[DeliveryStatus]int, error)

	// TokenStore keeps the shops' platform tokens and the refresh lease
	// that lets one worker at a time refresh them (connectors.TokenSource).
	connectors.TokenStore

	// SaveBan and LoadBan keep the shops' platform bans, shared by every
	// worker (shopgate.BanStore): a later ban extends the stored one, an
	// earlier one never shortens it; LoadBan returns the zero time when the
	// shop was never banned.
	SaveBan(ctx context.Context, shop domain.ShopRef, until time.Time) error
	LoadBan(ctx context.Context, shop domain.ShopRef) (until time.Time, err error)

	Close() error
}

// SKUChange is one ERP change of a SKU: an absolute Stock, a stock Delta,
// or a ListPrice (with its Cost optionally), with the ERP's Version (its
// own version number, or its change time in Unix ms): a change not newer
// than the last applied one of the same field loses.
type SKUChange struct {
	SKU       string
	Stock     *int
	Delta     *int
	ListPrice *domain.Money
	Cost      *domain.Money
	Version   int64
}

// StockAfter is the stock of c's SKU after c, from stock (i: c's index in
// its request): an absolute stock as given, or stock plus the delta, never
// below 0. A delta that would take the stock beyond domain.MaxStock is
// EInvalid naming items[i].delta: the catalog could not hold the result.
func (c SKUChange) StockAfter(i, stock int) (int, error) {
	switch {
	case c.Stock != nil:
		return *c.Stock, nil
	case c.Delta != nil:
		if *c.Delta > domain.MaxStock-stock {
			return stock, domain.Errorf(domain.EInvalid, "items[%d].delta: %+d would take SKU %s's stock from %d beyond the catalog's %d",
				i, *c.Delta, c.SKU, stock, domain.MaxStock)
		}
		return max(stock+*c.Delta, 0), nil
	}
	return stock, nil
}

// SKUChangeResult says what ApplySKUChanges did: the changes applied (with
// the resulting values), the stale ones skipped, the products changed.
type SKUChangeResult struct {
	Applied  []AppliedChange `json:"applied"`
	Stale    []StaleChange   `json:"stale"`
	Products []string        `json:"products"`
}

// AppliedChange is one change applied, with the SKU's values after it.
type AppliedChange struct {
	Index     int          `json:"index"`
	SKU       string       `json:"sku"`
	Stock     int          `json:"stock"`
	ListPrice domain.Money `json:"list_price"`
}

// StaleChange is one change that lost to a newer one applied before.
type StaleChange struct {
	Index   int    `json:"index"`
	SKU     string `json:"sku"`
	Version int64  `json:"version"`
	Applied int64  `json:"applied_version"` // the version in force
}

// HoldFilter selects price holds for ListHolds; zero fields select all.
type HoldFilter struct {
	Shop   *domain.ShopRef
	SKU    string
	Status []domain.HoldStatus
	Limit  int // default 100
}

// ImportOption changes how ImportProducts writes.
type ImportOption func(*ImportOptions)

// ImportOptions are the options of one import.
type ImportOptions struct {
	Merge map[string]bool // product codes whose stored SKUs missing from the import are kept
	// RequestID is taken in the import's transaction ("": none): a request
	// id taken already is EConflict wrapping ErrReplayed and nothing is
	// written, and an import that fails does not use its id up.
	RequestID string
}

// WithRequestID has the import take the ERP request id that carried it in
// the same transaction (ImportOptions.RequestID).
func WithRequestID(id string) ImportOption {
	return func(o *ImportOptions) { o.RequestID = id }
}

// ErrReplayed is wrapped by the EConflict of a request id taken already
// (TakeRequest, ApplySKUChanges, ImportProducts with WithRequestID).
var ErrReplayed = errors.New("request id taken already")

// MergeSKUs keeps the stored SKUs of these products that the import does not
// carry: an import that rejected some of a product's rows updates the rows it
// accepted and leaves the rest as they were.
func MergeSKUs(productCodes ...string) ImportOption {
	return func(o *ImportOptions) {
		if o.Merge == nil {
			o.Merge = map[string]bool{}
		}
		for _, c := range productCodes {
			o.Merge[c] = true
		}
	}
}

// OrderRejection is a platform order a pull could not map, kept with its
// reason until a later pull maps it.
type OrderRejection struct {
	PlatformOrderID string    `json:"platform_order_id"`
	Reason          string    `json:"reason"` // names the field
	FirstSeen       time.Time `json:"first_seen"`
	LastSeen        time.Time `json:"last_seen"`
	Seen            int       `json:"seen"` // pulls that read it
}

// DeliveryRef names a pending delivery without its order snapshot.
type DeliveryRef struct {
	ID              string `json:"id"`
	PlatformOrderID string `json:"order_id"`
}

// ImportResult counts what an import did.
type ImportResult struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	SKUs      int `json:"skus"`
}

// OrderEvent is the webhook event an order change causes.
type OrderEvent string

const (
	OrderCreated  OrderEvent = "order.created"
	OrderUpdated  OrderEvent = "order.updated"
	RefundCreated OrderEvent = "refund.created"
	RefundUpdated OrderEvent = "refund.updated"
)

// IsRefund reports whether the event is about a refund case.
func (e OrderEvent) IsRefund() bool { return e == RefundCreated || e == RefundUpdated }

// OrderChange says what UpsertOrder did.
type OrderChange struct {
	Event OrderEvent // "" when the order was already known at this version
	// Revision orders the versions of the order: the platform's
	// modification time in Unix ms (one more than the previous revision
	// when two versions share a millisecond), so a store rebuilt from
	// scratch gives a version the same revision and delivery id.
	Revision   int
	DeliveryID string // the enqueued delivery, "" when Event is ""
}

// OrderRecord is an indexed order with its bookkeeping.
type OrderRecord struct {
	Order     domain.SalesOrder
	Version   string
	Revision  int // of the current version (OrderChange.Revision)
	Versions  int // versions this store recorded: 1, then +1 per change
	FirstSeen time.Time
	UpdatedAt time.Time
	Delivery  OrderDelivery // where its webhooks stand with the ERP
}

// OrderDelivery is where an order's webhooks stand with the ERP.
type OrderDelivery struct {
	// DeliveredRevision is the latest revision the ERP accepted (0: none yet).
	DeliveredRevision int `json:"delivered_revision"`
	// DeliveredVersion is which of the versions that is (1 the first).
	DeliveredVersion int `json:"delivered_version"`
	// Pending counts its revisions the ERP has not accepted yet; LastError
	// is the ERP's last answer to the oldest of them.
	Pending   int    `json:"pending"`
	LastError string `json:"last_error,omitempty"`
}

// State is the delivery in a word: "delivered", "pending" or "failing"
// (pending with an error from the ERP).
func (d OrderDelivery) State() string {
	switch {
	case d.Pending > 0 && d.LastError != "":
		return "failing"
	case d.Pending > 0:
		return "pending"
	case d.DeliveredRevision > 0:
		return "delivered"
	}
	return "none"
}

// DeliveryStatus is where one webhook delivery stands.
type DeliveryStatus string

const (
	DeliveryPending   DeliveryStatus = "pending"
	DeliveryDelivered DeliveryStatus = "delivered"
)

// Delivery is one order version owed to the ERP. ID is the idempotency key
// sent as X-Syncctl-Delivery: stable across retries and redeliveries.
type Delivery struct {
	ID              string            `json:"id"`
	Event           OrderEvent        `json:"event"`
	Shop            domain.ShopRef    `json:"shop"`
	PlatformOrderID string            `json:"platform_order_id"`
	Revision        int               `json:"revision"`
	Order           domain.SalesOrder `json:"order"` // snapshot at this revision
	// CaseID and Refund are set on refund events: the case and its
	// snapshot at this revision (Order is then the order as stored).
	CaseID         string            `json:"case_id,omitempty"`
	Refund         *domain.AfterSale `json:"refund,omitempty"`
	Status         DeliveryStatus    `json:"status"`
	Attempts       int               `json:"attempts"`
	LastHTTPStatus int               `json:"last_http_status,omitempty"`
	LastError      string            `json:"last_error,omitempty"`
	CreatedAt      time.Time         `json:"created_at"`
	DeliveredAt    *time.Time        `json:"delivered_at,omitempty"`
}

// ShopUsage is a shop's calls across the worker processes that counted lately.
type ShopUsage struct {
	Shop           domain.ShopRef `json:"shop"`
	CallsPerMinute int            `json:"calls_per_minute"`
	Processes      int            `json:"processes"`
	At             time.Time      `json:"at"` // the freshest count
}
