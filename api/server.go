// Package api is the HTTP API the ERP calls (`syncctl serve`, and inside
// `syncctl dev`): stock and price changes in, orders and sync status out.
// Every request is authenticated with the scheme of the outbound webhooks
// (HMAC-SHA256 over timestamp + "." + body, a 5-minute tolerance, and a
// request id that is never taken twice) or with a bearer token; bodies are
// bounded; errors are JSON with a code and the field at fault; a request
// is applied whole or not at all. An accepted change is in the store when
// the answer (202) leaves, and each shop's ShopSync workflow is signalled
// to push it. openapi.yaml describes the same routes (a test holds them
// together).
package api

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/erp"
	"github.com/syncctl/syncctl/store"
	"github.com/syncctl/syncctl/workflows"
)

// HeaderRequestID carries the caller's unique id of a request: with the
// HMAC scheme it is required and never taken twice (a replay is refused);
// with a bearer token it is optional and, when given, makes a retried
// request idempotent.
const HeaderRequestID = "X-Syncctl-Request-Id"

// Limits of a request.
const (
	MaxBody  = 1 << 20 // bytes
	MaxItems = 10000   // changes per request
)

// Server answers the ERP.
type Server struct {
	Store    store.Store
	Temporal client.Client // signals the shops' ShopSync workflows
	Queue    string        // the workers' base task queue (default workflows.TaskQueue)
	Shops    []domain.ShopRef
	Secret   []byte // HMAC scheme (the webhooks' secret); empty: not accepted
	Token    string // bearer scheme; empty: not accepted
	Logger   *slog.Logger
	Now      func() time.Time
	// Channels are the shops' connectors, for their platforms' push
	// messages (POST /v1/push/{channel}/{shop}); nil: no push route.
	Channels connectors.Shops

	pushes pushCounters
}

// Route is one route of the API (for the OpenAPI check).
type Route struct{ Method, Path string }

// Routes lists the API's routes as openapi.yaml writes them.
func Routes() []Route {
	return []Route{
		{"POST", "/v1/inventory"},
		{"POST", "/v1/prices"},
		{"POST", "/v1/catalog/products"},
		{"POST", "/v1/shipments"},
		{"GET", "/v1/orders/{channel}/{shop}/{id}"},
		{"GET", "/v1/sync/status"},
		{"GET", "/v1/push/{channel}/{shop}"},
		{"POST", "/v1/push/{channel}/{shop}"},
	}
}

// Handler returns the API's handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /v1/inventory", s.auth(s.inventory))
	mux.Handle("POST /v1/prices", s.auth(s.prices))
	mux.Handle("POST /v1/catalog/products", s.auth(s.products))
	mux.Handle("POST /v1/shipments", s.auth(s.shipment))
	mux.Handle("GET /v1/orders/{channel}/{shop}/{id}", s.auth(s.order))
	mux.Handle("GET /v1/sync/status", s.auth(s.status))
	mux.HandleFunc("GET /v1/push/{channel}/{shop}", s.push)
	mux.HandleFunc("POST /v1/push/{channel}/{shop}", s.push)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "", fmt.Sprintf("no route %s %s (see openapi.yaml)", r.Method, r.URL.Path))
	})
	return mux
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Server) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// request is an authenticated request: its body and the request id to
// take with what it applies ("" when none need be taken).
type request struct {
	*http.Request
	body      []byte
	requestID string
}

// auth reads the bounded body and checks the caller before the handler
// runs. Nothing is said of why a signature failed beyond the header at
// fault; it is logged.
func (s *Server) auth(h func(http.ResponseWriter, *request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "too_large", "body", fmt.Sprintf("the body is over %d bytes", MaxBody))
			return
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, "invalid", "body", "the body could not be read")
			return
		}
		req := &request{Request: r, body: body, requestID: strings.TrimSpace(r.Header.Get(HeaderRequestID))}
		if len(req.requestID) > 200 {
			writeError(w, http.StatusBadRequest, "invalid", "header "+HeaderRequestID, "over 200 characters")
			return
		}
		if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			if s.Token == "" || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(bearer)), []byte(s.Token)) != 1 {
				s.log().Warn("api: bearer token refused", "path", r.URL.Path, "remote", r.RemoteAddr)
				writeError(w, http.StatusUnauthorized, "unauthorized", "header Authorization", "the bearer token is not the configured one")
				return
			}
			h(w, req)
			return
		}
		if len(s.Secret) == 0 {
			writeError(w, http.StatusUnauthorized, "unauthorized", "header Authorization", "this API takes a bearer token (no signing secret is configured)")
			return
		}
		if err := erp.Verify(s.Secret, r.Header.Get(erp.HeaderTimestamp), r.Header.Get(erp.HeaderSignature), body, s.now(), erp.DefaultTolerance); err != nil {
			s.log().Warn("api: signature refused", "path", r.URL.Path, "remote", r.RemoteAddr, "error", err)
			field, _, _ := strings.Cut(err.Error(), ":")
			writeError(w, http.StatusUnauthorized, "unauthorized", field, "the request is not signed with the configured secret within the tolerance")
			return
		}
		if req.requestID == "" {
			writeError(w, http.StatusBadRequest, "invalid", "header "+HeaderRequestID, "required with a signature: a unique id per request, so a replay is refused")
			return
		}
		if r.Method == http.MethodGet {
			// A read changes nothing, but a replayed signed read is refused too.
			if err := s.Store.TakeRequest(r.Context(), req.requestID); err != nil {
				s.writeDomainError(w, err)
				return
			}
			req.requestID = ""
		}
		h(w, req)
	})
}

// InventoryItem is one stock change: an absolute stock or a delta, with
// the ERP's version (its version number, or its change time in Unix ms).
type InventoryItem struct {
	SKU     string `json:"sku"`
	Stock   *int   `json:"stock,omitempty"`
	Delta   *int   `json:"delta,omitempty"`
	Version int64  `json:"version"`
}

// PriceItem is one list price change (yuan, "59.90"), with the cost
// optionally, and the ERP's version.
type PriceItem struct {
	SKU       string `json:"sku"`
	ListPrice string `json:"list_price"`
	Cost      string `json:"cost,omitempty"`
	Version   int64  `json:"version"`
}

// ChangeAnswer is the 202 answer to an accepted change.
type ChangeAnswer struct {
	RequestID string                `json:"request_id,omitempty"`
	Applied   []store.AppliedChange `json:"applied"`
	Stale     []store.StaleChange   `json:"stale"`
	Products  []string              `json:"products"`
	// Workflows are the shops' ShopSync workflows signalled to push the
	// products (Web UI ids); Unscheduled says when signalling failed: the
	// change is stored and goes out with the shop's next push.
	Workflows   []string `json:"workflows"`
	Unscheduled string   `json:"unscheduled,omitempty"`
}

func (s *Server) inventory(w http.ResponseWriter, r *request) {
	var in struct {
		Items []InventoryItem `json:"items"`
	}
	if !decode(w, r.body, &in) || !checkCount(w, len(in.Items)) {
		return
	}
	changes := make([]store.SKUChange, len(in.Items))
	for i, it := range in.Items {
		field := fmt.Sprintf("items[%d]", i)
		switch {
		case strings.TrimSpace(it.SKU) == "":
			writeError(w, http.StatusBadRequest, "invalid", field+".sku", "required")
			return
		case (it.Stock == nil) == (it.Delta == nil):
			writeError(w, http.StatusBadRequest, "invalid", field, "give stock (an absolute level) or delta, one of the two")
			return
		case it.Stock != nil && (*it.Stock < 0 || *it.Stock > catalog.MaxStock):
			writeError(w, http.StatusBadRequest, "invalid", field+".stock", fmt.Sprintf("%d is outside the catalog's 0 to %d", *it.Stock, catalog.MaxStock))
			return
		case it.Delta != nil && (*it.Delta < -catalog.MaxStock || *it.Delta > catalog.MaxStock):
			// Beyond the catalog's stock a delta is no stock movement (and
			// near the int limits the sum would wrap).
			writeError(w, http.StatusBadRequest, "invalid", field+".delta", fmt.Sprintf("%d is outside the catalog's -%d to %d", *it.Delta, catalog.MaxStock, catalog.MaxStock))
			return
		case it.Version <= 0:
			writeError(w, http.StatusBadRequest, "invalid", field+".version", "required: the ERP's version number or change time in Unix ms, so a stale update loses")
			return
		}
		changes[i] = store.SKUChange{SKU: it.SKU, Stock: it.Stock, Delta: it.Delta, Version: it.Version}
	}
	s.apply(w, r, changes)
}

func (s *Server) prices(w http.ResponseWriter, r *request) {
	var in struct {
		Items []PriceItem `json:"items"`
	}
	if !decode(w, r.body, &in) || !checkCount(w, len(in.Items)) {
		return
	}
	changes := make([]store.SKUChange, len(in.Items))
	for i, it := range in.Items {
		field := fmt.Sprintf("items[%d]", i)
		if strings.TrimSpace(it.SKU) == "" {
			writeError(w, http.StatusBadRequest, "invalid", field+".sku", "required")
			return
		}
		// The catalog's limits, as an import checks them (catalog.ValidateSKU).
		price, err := domain.ParseYuan(it.ListPrice)
		if err != nil || price <= 0 || price > catalog.MaxPrice {
			writeError(w, http.StatusBadRequest, "invalid", field+".list_price", fmt.Sprintf("%q is not a price in yuan from 0.01 to %s (write \"59.90\")", it.ListPrice, catalog.MaxPrice.Yuan()))
			return
		}
		c := store.SKUChange{SKU: it.SKU, ListPrice: &price, Version: it.Version}
		if it.Cost != "" {
			cost, err := domain.ParseYuan(it.Cost)
			if err != nil || cost < 0 || cost > catalog.MaxPrice {
				writeError(w, http.StatusBadRequest, "invalid", field+".cost", fmt.Sprintf("%q is not an amount in yuan from 0 to %s", it.Cost, catalog.MaxPrice.Yuan()))
				return
			}
			c.Cost = &cost
		}
		if it.Version <= 0 {
			writeError(w, http.StatusBadRequest, "invalid", field+".version", "required: the ERP's version number or change time in Unix ms, so a stale update loses")
			return
		}
		changes[i] = c
	}
	s.apply(w, r, changes)
}

// apply stores the changes with the request id, then signals every shop's
// ShopSync with the products they touched. The new prices go through the
// price guards in the pushes (held, not sent, where one fails).
func (s *Server) apply(w http.ResponseWriter, r *request, changes []store.SKUChange) {
	res, err := s.Store.ApplySKUChanges(r.Context(), r.requestID, changes)
	if err != nil {
		s.writeDomainError(w, err)
		return
	}
	ans := ChangeAnswer{RequestID: r.requestID, Applied: res.Applied, Stale: res.Stale, Products: res.Products, Workflows: []string{}}
	if ans.Applied == nil {
		ans.Applied = []store.AppliedChange{}
	}
	if ans.Stale == nil {
		ans.Stale = []store.StaleChange{}
	}
	if ans.Products == nil {
		ans.Products = []string{}
	}
	if len(res.Products) > 0 {
		var failed error
		ans.Workflows, failed = s.schedule(r, res.Products)
		if failed != nil {
			ans.Unscheduled = "stored; not scheduled for every shop (Temporal: " + failed.Error() + "): the next push of each shop sends it"
		}
	}
	writeJSON(w, http.StatusAccepted, ans)
}

// products upserts whole products, in the catalog file's JSON format
// (catalog/FORMAT.md) and with the same validation as `catalog import`:
// any rejected row refuses the whole request (each problem listed), else
// every product is stored at once and every shop's ShopSync pushes it.
func (s *Server) products(w http.ResponseWriter, r *request) {
	res, err := catalog.Parse(bytes.NewReader(r.body), catalog.FormatJSON)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid", "body", domain.Describe(err))
		return
	}
	if len(res.Rejected) > 0 {
		writeRejected(w, res.Rejected)
		return
	}
	if len(res.Products) == 0 {
		writeError(w, http.StatusBadRequest, "invalid", "body", "no product")
		return
	}
	// A SKU of another product is the request's problem, found before its
	// request id is taken (the import would refuse it as a conflict).
	owned, err := s.ownedElsewhere(r.Context(), res.Products)
	if err != nil {
		s.writeDomainError(w, err)
		return
	}
	if len(owned) > 0 {
		writeRejected(w, owned)
		return
	}
	// The request id is taken in the import's own transaction: an import
	// that fails leaves it free for the ERP's retry.
	imp, err := s.Store.ImportProducts(r.Context(), res.Products, store.WithRequestID(r.requestID))
	if errors.Is(err, store.ErrReplayed) {
		s.writeDomainError(w, err)
		return
	}
	if domain.ErrorCode(err) == domain.EConflict {
		// A SKU another request gave another product meanwhile: not a replay.
		writeError(w, http.StatusBadRequest, "invalid", "body", domain.Describe(err))
		return
	}
	if err != nil {
		s.writeDomainError(w, err)
		return
	}
	codes := make([]string, len(res.Products))
	for i, p := range res.Products {
		codes[i] = p.Code
	}
	ans := map[string]any{"request_id": r.requestID, "created": imp.Created, "updated": imp.Updated, "unchanged": imp.Unchanged, "skus": imp.SKUs}
	ans["workflows"], _ = s.schedule(r, codes)
	writeJSON(w, http.StatusAccepted, ans)
}

// ownedElsewhere lists the SKUs of products that belong to another
// product, as the file import reports them.
func (s *Server) ownedElsewhere(ctx context.Context, products []domain.Product) ([]domain.FieldError, error) {
	var out []domain.FieldError
	for _, p := range products {
		for j, k := range p.SKUs {
			owner, err := s.Store.ProductOfSKU(ctx, k.Code)
			if domain.ErrorCode(err) == domain.ENotFound {
				continue
			}
			if err != nil {
				return nil, err
			}
			if owner.Code != p.Code {
				out = append(out, domain.FieldError{Record: "product " + p.Code, Field: fmt.Sprintf("skus[%d].code", j+1),
					Reason: fmt.Sprintf("sku %s already belongs to product %s", k.Code, owner.Code)})
			}
		}
	}
	return out, nil
}

// writeRejected answers a catalog request with problems: 400, the first
// in the error, every one listed; nothing was applied.
func writeRejected(w http.ResponseWriter, rejected []domain.FieldError) {
	probs := make([]map[string]string, len(rejected))
	for i, e := range rejected {
		probs[i] = map[string]string{"record": e.Record, "field": e.Field, "reason": e.Reason}
	}
	first := rejected[0]
	writeJSON(w, http.StatusBadRequest, map[string]any{
		"error":    Error{Code: "invalid", Field: first.Record + ", " + first.Field, Message: fmt.Sprintf("%d problems; nothing was applied: %s", len(rejected), first.Reason)},
		"rejected": probs,
	})
}

// schedule signals every shop's ShopSync with the changed products and
// returns the workflow ids it reached, and the last failure (the change is
// stored; the shop's next push sends it).
func (s *Server) schedule(r *request, codes []string) (reached []string, failed error) {
	reached = []string{}
	ctx := context.WithoutCancel(r.Context())
	for _, shop := range s.Shops {
		if err := workflows.SyncProducts(ctx, s.Temporal, s.queue(), shop, codes); err != nil {
			s.log().Error("api: a stored change could not be scheduled; the shop's next push sends it", "shop", shop.String(), "error", err)
			failed = err
			continue
		}
		reached = append(reached, workflows.ShopSyncID(shop))
	}
	return reached, failed
}

// ShipmentRequest is the body of POST /v1/shipments.
type ShipmentRequest struct {
	Shop       string                `json:"shop"`     // "tmall/flagship"
	OrderID    string                `json:"order_id"` // the platform order id
	Carrier    string                `json:"carrier"`  // syncctl's carrier code: SF, ZTO, YTO, STO, YUNDA, JD, EMS…
	TrackingNo string                `json:"tracking_no"`
	Lines      []domain.ShipmentLine `json:"lines,omitempty"` // a split shipment; none: the whole order
}

// shipment starts the Shipment workflow of a known order of a served shop
// (a repeated request joins it): 202 with the workflow id.
func (s *Server) shipment(w http.ResponseWriter, r *request) {
	var in ShipmentRequest
	if !decode(w, r.body, &in) {
		return
	}
	shop, err := domain.ParseShopRef(in.Shop)
	switch {
	case err != nil:
		writeError(w, http.StatusBadRequest, "invalid", "shop", `write "channel/shop", e.g. "tmall/flagship"`)
		return
	case !s.serves(shop):
		writeError(w, http.StatusNotFound, "not_found", "shop", fmt.Sprintf("%s is not a shop this syncctl serves", shop))
		return
	case strings.TrimSpace(in.OrderID) == "":
		writeError(w, http.StatusBadRequest, "invalid", "order_id", "required")
		return
	case domain.Carriers[strings.ToUpper(in.Carrier)] == "":
		writeError(w, http.StatusBadRequest, "invalid", "carrier", fmt.Sprintf("%q is not a carrier code syncctl maps (SF, ZTO, YTO, STO, YUNDA, JD, EMS…)", in.Carrier))
		return
	case strings.TrimSpace(in.TrackingNo) == "" || len(in.TrackingNo) > 64:
		writeError(w, http.StatusBadRequest, "invalid", "tracking_no", "required, at most 64 characters")
		return
	}
	for i, l := range in.Lines {
		if l.PlatformLineID == "" && l.SKUCode == "" {
			writeError(w, http.StatusBadRequest, "invalid", fmt.Sprintf("lines[%d]", i), "name the platform_line_id or the sku_code")
			return
		}
		if l.Quantity < 0 {
			writeError(w, http.StatusBadRequest, "invalid", fmt.Sprintf("lines[%d].quantity", i), "must not be negative")
			return
		}
	}
	if _, err := s.Store.GetOrder(r.Context(), shop, in.OrderID); err != nil {
		if domain.ErrorCode(err) == domain.ENotFound {
			writeError(w, http.StatusNotFound, "not_found", "order_id", fmt.Sprintf("no order %s of %s: syncctl ships orders it pulled", in.OrderID, shop))
			return
		}
		s.writeDomainError(w, err)
		return
	}
	if r.requestID != "" {
		if err := s.Store.TakeRequest(r.Context(), r.requestID); err != nil {
			s.writeDomainError(w, err)
			return
		}
	}
	sh := domain.Shipment{Shop: shop, PlatformOrderID: in.OrderID, Carrier: strings.ToUpper(in.Carrier), TrackingNo: strings.TrimSpace(in.TrackingNo), Lines: in.Lines}
	if _, err := workflows.Ship(context.WithoutCancel(r.Context()), s.Temporal, s.queue(), sh); err != nil {
		msg := "the shipment could not be started on Temporal; send it again"
		if r.requestID != "" {
			// Taken before the start, so that a replay never ships twice.
			msg += " with a new request id (this one is taken)"
		}
		writeError(w, http.StatusServiceUnavailable, "unavailable", "", msg)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"workflow": workflows.ShipmentID(sh), "request_id": r.requestID})
}

func (s *Server) serves(shop domain.ShopRef) bool {
	for _, x := range s.Shops {
		if x == shop {
			return true
		}
	}
	return false
}

func (s *Server) queue() string {
	if s.Queue == "" {
		return workflows.TaskQueue
	}
	return s.Queue
}

// OrderAnswer is GET /v1/orders/…: the order as the webhooks carry it, with
// the shipments the ERP sent and the platform's answers, and its refund
// and after-sales cases as the refund webhooks carry them.
type OrderAnswer struct {
	domain.SalesOrder
	Shipments []domain.ShipmentRecord `json:"shipments"`
	Refunds   []domain.AfterSale      `json:"refunds"`
}

func (s *Server) order(w http.ResponseWriter, r *request) {
	shop := domain.ShopRef{Channel: r.PathValue("channel"), Shop: r.PathValue("shop")}
	o, err := s.Store.GetOrder(r.Context(), shop, r.PathValue("id"))
	if err != nil {
		s.writeDomainError(w, err)
		return
	}
	ships, err := s.Store.Shipments(r.Context(), shop, o.PlatformOrderID)
	if err != nil {
		s.writeDomainError(w, err)
		return
	}
	if ships == nil {
		ships = []domain.ShipmentRecord{}
	}
	refunds, err := s.Store.AfterSales(r.Context(), shop, o.PlatformOrderID)
	if err != nil {
		s.writeDomainError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, OrderAnswer{SalesOrder: o, Shipments: ships, Refunds: refunds})
}

// ShopStatus is one shop's line of GET /v1/sync/status.
type ShopStatus struct {
	Shop       domain.ShopRef      `json:"shop"`
	Paused     *domain.ShopPause   `json:"paused,omitempty"`
	Breaker    *domain.ShopBreaker `json:"breaker,omitempty"`
	ERPPending int                 `json:"erp_pending"`    // order versions the ERP has not accepted yet
	Push       *PushStats          `json:"push,omitempty"` // platform push messages this server received
}

func (s *Server) status(w http.ResponseWriter, r *request) {
	ctx := r.Context()
	pauses, err := s.Store.ListPauses(ctx)
	if err != nil {
		s.writeDomainError(w, err)
		return
	}
	breakers, err := s.Store.ListBreakers(ctx)
	if err != nil {
		s.writeDomainError(w, err)
		return
	}
	out := make([]ShopStatus, 0, len(s.Shops))
	for _, shop := range s.Shops {
		st := ShopStatus{Shop: shop}
		for _, p := range pauses {
			if p.Shop == shop {
				st.Paused = &p
			}
		}
		for _, b := range breakers {
			if b.Shop == shop {
				st.Breaker = &b
			}
		}
		st.Push = s.pushes.get(shop)
		if st.ERPPending, err = s.Store.CountPendingDeliveries(ctx, shop); err != nil {
			s.writeDomainError(w, err)
			return
		}
		out = append(out, st)
	}
	writeJSON(w, http.StatusOK, map[string]any{"shops": out})
}

func decode(w http.ResponseWriter, body []byte, into any) bool {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		writeError(w, http.StatusBadRequest, "invalid", "body", "not the JSON this route takes: "+err.Error())
		return false
	}
	if dec.More() {
		writeError(w, http.StatusBadRequest, "invalid", "body", "one JSON object, nothing after it")
		return false
	}
	return true
}

func checkCount(w http.ResponseWriter, n int) bool {
	switch {
	case n == 0:
		writeError(w, http.StatusBadRequest, "invalid", "items", "at least one item")
		return false
	case n > MaxItems:
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", "items", fmt.Sprintf("%d items; at most %d per request", n, MaxItems))
		return false
	}
	return true
}

// Error is the body of every error answer.
type Error struct {
	Code    string `json:"code"`            // invalid, not_found, replayed, unauthorized, too_large, unavailable, internal
	Field   string `json:"field,omitempty"` // the field at fault: "items[3].stock", "header X-Syncctl-Signature"
	Message string `json:"message"`
}

func writeError(w http.ResponseWriter, status int, code, field, msg string) {
	writeJSON(w, status, map[string]Error{"error": {Code: code, Field: field, Message: msg}})
}

// writeDomainError answers a store error by its domain code; the field is
// the part of the message before ": " when it names one.
func (s *Server) writeDomainError(w http.ResponseWriter, err error) {
	msg := domain.Describe(err)
	field := ""
	if f, rest, ok := strings.Cut(msg, ": "); ok && strings.HasPrefix(f, "items[") {
		field, msg = f, rest
	}
	switch domain.ErrorCode(err) {
	case domain.ENotFound:
		writeError(w, http.StatusNotFound, "not_found", field, msg)
	case domain.EConflict:
		writeError(w, http.StatusConflict, "replayed", "header "+HeaderRequestID, msg)
	case domain.EInvalid:
		writeError(w, http.StatusBadRequest, "invalid", field, msg)
	case domain.EUnavailable:
		writeError(w, http.StatusServiceUnavailable, "unavailable", "", msg)
	default:
		s.log().Error("api: internal error", "error", err)
		writeError(w, http.StatusInternalServerError, "internal", "", "syncctl could not do it; nothing was applied")
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
