// Package vipshop is the sandbox of Vipshop 唯品会 VOP, MP marketplace
// (channels.md §4a), written from the platform's side: it never imports its
// connector (connectors/vipshop), nor the reverse.
//
// Gateway: POST / with the system parameters in the query string (service,
// method, version, timestamp in epoch seconds within 10 minutes, format
// json, appKey, accessToken, sign) and the business arguments as a JSON
// body keyed by the IDL's argument names. sign is checked as the official
// SDK computes it (sign.go). Answers are {"returnCode":"0","result":…} or
// {"returnCode":"vipapis.…","returnMessage":…}, all in HTTP 200
// (ErrorHTTPStatus). A wrong signature is vipapis.sign-not-match; a
// missing, unknown or expired token vipapis.oauth-invalidate-failure; over
// the QPS (or an injected rate_limit fault) vipapis.app-flow-overrun.
//
// Tokens: vipapis.oauth.OauthService.refreshToken (signed, no accessToken)
// turns the authorization's refresh token (Config.RefreshToken) into an
// access token and a new refresh token; the used one dies (RefreshRotates).
//
// Products go add → submit → review → onShelf: addProduct, editProduct and
// appendSkus leave the product a draft (audit_status 11); submitProducts
// puts it in review (12); ReviewDelay after the submission the review ends,
// approved (13) or rejected (14, with a reason in audit_remark) at
// RejectRate or as RejectNext says. onShelf needs an approved product.
// updateSkuStock sets an absolute level and reports over_sell_quantity
// when carts hold more. Orders (getOrders by modification window, pages
// 1-based, getOrderDetail, ship) are sold by the admin API and, at
// OrdersPerMinute, by themselves, with cancellations at CancelRate: a
// buyer's cancellation is an application (batchGetCancelInfo) approved
// CancelDelay later, when getOrders turns the order 97 (cancel.go).
//
// Admin: the common API of sandbox/kit under /_sandbox/.
package vipshop

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// Gateway codes (channels.md §4a) and the business codes of this sandbox
// (UNCONFIRMED: no public source lists the MP services' own codes; the
// connector keeps the same two).
const (
	CodeOK            = "0"
	CodeSignMismatch  = "vipapis.sign-not-match"
	CodeAppKeyUnknown = "vipapis.appkey-not-exist"
	CodeTokenInvalid  = "vipapis.oauth-invalidate-failure"
	CodeFlowOverrun   = "vipapis.app-flow-overrun"
	CodeMissParam     = "vipapis.miss-parameter"
	CodeParamMismatch = "vipapis.parameter-notmatch"
	CodeNoPermission  = "vipapis.api-invalidate-permission"
	CodeRequestTooBig = "vipapis.request-data-max"
	CodeSysError      = "vipapis.sys_other_error"
	CodeNotFound      = "vipapis.marketplace.not-found"
	CodeStateConflict = "vipapis.marketplace.state-conflict"
)

// ErrorHTTPStatus is the HTTP status of error answers: UNCONFIRMED (the body
// is authoritative); 200 as the other gateways of channels.md.
const ErrorHTTPStatus = http.StatusOK

// Timestamps may be this far off the gateway's clock, either way.
const MaxSkew = 10 * time.Minute

// Token lifetimes: UNCONFIRMED (refreshToken answers expires_in, which the
// connector reads).
const (
	TokenLifetime   = 24 * time.Hour
	RefreshLifetime = 30 * 24 * time.Hour
	// RefreshRotates: a refreshToken call hands out a new refresh token and
	// the used one dies (UNCONFIRMED; the strict choice).
	RefreshRotates = true
)

// Review and order generation defaults.
const (
	DefaultReviewDelay = 3 * time.Second
	DefaultCancelRate  = 0.1
)

// Config configures a sandbox.
type Config struct {
	AppKey, AppSecret string
	// RefreshToken is the refresh token of the shop's authorization, as the
	// OAuth code exchange would have handed it out.
	RefreshToken    string
	QPS             float64 // per appKey; over it answers app-flow-overrun (0 = unlimited)
	OrdersPerMinute float64 // orders sold by themselves (0 = only on request)
	CancelRate      float64 // share of generator ticks on which a buyer also cancels an order to ship
	ReviewDelay     time.Duration
	RejectRate      float64 // share of reviews that fail
	// CancelDelay is how long a buyer's cancellation application waits
	// for its audit (only batchGetCancelInfo shows it meanwhile) before it
	// is approved and getOrders turns the order 97; 0: at once.
	CancelDelay time.Duration
	Seed        int64
	Now         func() time.Time
	StateFile   string
}

// Server is a running sandbox; it is an http.Handler.
type Server struct {
	kit.Base
	cfg Config

	mu          sync.Mutex
	rnd         *rand.Rand
	nextID      int64
	access      map[string]time.Time // access token → expiry
	refresh     map[string]time.Time // refresh token → expiry
	initialUsed bool                 // Config.RefreshToken was refreshed with
	products    map[string]*product  // spu_id →
	orders      map[string]*order
	reviewDelay time.Duration
	rejectRate  float64
	rejects     map[string]string // outer_spu_id → reason of its next review
	// onlyCarriers narrows getCarriers to these codes (nil: every carrier).
	onlyCarriers map[string]bool
	cancels      []*cancelApply // buyers' cancellation applications, oldest first
	cancelDelay  time.Duration
}

// New builds a sandbox for tests; it panics where Open returns an error.
func New(cfg Config) *Server { return kit.Must(Open(cfg)) }

// Open builds a sandbox, loads its StateFile if any and starts its order
// generator.
func Open(cfg Config) (*Server, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ReviewDelay <= 0 {
		cfg.ReviewDelay = DefaultReviewDelay
	}
	s := &Server{cfg: cfg, reviewDelay: cfg.ReviewDelay, rejectRate: cfg.RejectRate, rejects: map[string]string{}, cancelDelay: max(0, cfg.CancelDelay)}
	s.Base = kit.NewBase(kit.BaseConfig{Name: "vipshop sandbox", StateFile: cfg.StateFile, StateVersion: stateVersion, Snapshot: s.snapshot,
		QPS: cfg.QPS, Seed: cfg.Seed, Now: cfg.Now})
	s.reset()
	if err := s.load(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	if !s.initialUsed && cfg.RefreshToken != "" {
		s.refresh[cfg.RefreshToken] = cfg.Now().Add(RefreshLifetime)
	}
	s.mu.Unlock()
	s.Mux.HandleFunc("POST /{$}", s.serveGateway)
	s.Admin(s)
	s.StartGenerator(cfg.OrdersPerMinute, s.tick)
	return s, nil
}

func (s *Server) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rnd = rand.New(rand.NewSource(s.cfg.Seed))
	s.nextID = 1e9 + s.rnd.Int63n(1e9)
	s.access, s.refresh = map[string]time.Time{}, map[string]time.Time{}
	s.products, s.orders = map[string]*product{}, map[string]*order{}
	s.cancels = nil
	s.ResetCalls()
}

// newID returns a fresh numeric id string of the given prefix and width.
func (s *Server) newID(prefix, scale int64) string {
	s.nextID += 1 + s.rnd.Int63n(97)
	return strconv.FormatInt(prefix*scale+s.nextID, 10)
}

// apiErr is an error answer.
type apiErr struct {
	Code string
	Msg  string
}

func errf(code, format string, args ...any) *apiErr {
	return &apiErr{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// badParam names the argument that does not match.
func badParam(field, format string, args ...any) *apiErr {
	return &apiErr{Code: CodeParamMismatch, Msg: "parameter " + field + ": " + fmt.Sprintf(format, args...)}
}

func (s *Server) fail(w http.ResponseWriter, status int, e *apiErr) {
	s.Stats.Reject(e.Code)
	kit.WriteJSON(w, status, map[string]string{"returnCode": e.Code, "returnMessage": e.Msg})
}

type handler func(body []byte) (any, *apiErr)

// handlers is every method served, by service and method.
func (s *Server) handlers() map[string]handler {
	return map[string]handler{
		svcOauth + ".refreshToken":          s.refreshToken,
		svcProduct + ".addProduct":          s.addProduct,
		svcProduct + ".editProduct":         s.editProduct,
		svcProduct + ".appendSkus":          s.appendSkus,
		svcProduct + ".getProductById":      s.getProductByID,
		svcProduct + ".getProducts":         s.getProducts,
		svcProduct + ".submitProducts":      s.submitProducts,
		svcProduct + ".onShelf":             func(b []byte) (any, *apiErr) { return s.setShelf(b, true) },
		svcProduct + ".offShelf":            func(b []byte) (any, *apiErr) { return s.setShelf(b, false) },
		svcPrice + ".updateSkuPrice":        s.updateSkuPrice,
		svcInventory + ".updateSkuStock":    s.updateSkuStock,
		svcInventory + ".getSkuStock":       s.getSkuStock,
		svcDelivery + ".getOrders":          s.getOrders,
		svcDelivery + ".getOrderDetail":     s.getOrderDetail,
		svcDelivery + ".ship":               s.ship,
		svcDelivery + ".getCarriers":        s.getCarriers,
		svcDelivery + ".batchGetCancelInfo": s.batchGetCancelInfo,
	}
}

// Services.
const (
	svcOauth     = "vipapis.oauth.OauthService"
	svcProduct   = "vipapis.marketplace.product.ProductService"
	svcPrice     = "vipapis.marketplace.price.PriceService"
	svcInventory = "vipapis.marketplace.inventory.InventoryService"
	svcDelivery  = "vipapis.marketplace.delivery.SovDeliveryService"
)

var readOnly = map[string]bool{"getProductById": true, "getProducts": true, "getSkuStock": true, "getOrders": true,
	"getOrderDetail": true, "getCarriers": true, "batchGetCancelInfo": true}

// systemParams must each be in the query string; accessToken too, except
// for refreshToken.
var systemParams = []string{"service", "method", "version", "timestamp", "format", "appKey", "sign"}

// serveGateway checks, in order: system parameters, app key, format,
// version, timestamp, body, signature, method, token, faults, quota; then
// runs the method.
func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for _, name := range systemParams {
		if q.Get(name) == "" {
			s.fail(w, ErrorHTTPStatus, errf(CodeMissParam, "missing system parameter %s", name))
			return
		}
	}
	service, method := q.Get("service"), q.Get("method")
	switch {
	case !kit.Equal(q.Get("appKey"), s.cfg.AppKey):
		s.fail(w, ErrorHTTPStatus, errf(CodeAppKeyUnknown, "appKey does not exist"))
		return
	case q.Get("format") != "json": // format=JSON equivalence is UNCONFIRMED: lower case only
		s.fail(w, ErrorHTTPStatus, badParam("format", "want json"))
		return
	case q.Get("version") != "1.0.0":
		s.fail(w, ErrorHTTPStatus, badParam("version", "%s %s has version 1.0.0", service, method))
		return
	}
	ts, err := strconv.ParseInt(q.Get("timestamp"), 10, 64)
	if d := s.cfg.Now().Sub(time.Unix(ts, 0)); err != nil || d > MaxSkew || d < -MaxSkew {
		s.fail(w, ErrorHTTPStatus, badParam("timestamp", "want epoch seconds within %s of the gateway's clock", MaxSkew))
		return
	}
	body, e := readBody(w, r)
	if e != nil {
		s.fail(w, ErrorHTTPStatus, e)
		return
	}
	params := map[string]string{}
	for k := range q {
		params[k] = q.Get(k)
	}
	if want := Sign(s.cfg.AppSecret, params, body); !kit.Equal(want, q.Get("sign")) {
		s.fail(w, ErrorHTTPStatus, errf(CodeSignMismatch, "sign not match"))
		return
	}
	h, ok := s.handlers()[service+"."+method]
	if !ok {
		s.fail(w, ErrorHTTPStatus, errf(CodeNoPermission, "no api %s.%s for this app", service, method))
		return
	}
	if service != svcOauth {
		if e := s.authorize(q.Get("accessToken")); e != nil {
			s.fail(w, ErrorHTTPStatus, e)
			return
		}
	}
	if !s.Admit(w, r, method, kit.Gate{App: s.cfg.AppKey, Truncated: []byte(`{"returnCode":"0","result":{"tot`),
		Fault: func(f kit.Fault, status int) {
			if f.Kind == kit.FaultRateLimit {
				s.fail(w, status, errf(cmp.Or(f.SubCode, CodeFlowOverrun), "%s", cmp.Or(f.Msg, "app flow overrun")))
				return
			}
			s.fail(w, status, errf(cmp.Or(f.SubCode, CodeSysError), "%s", cmp.Or(f.Msg, "system error")))
		},
		Throttle: func(time.Duration) { s.fail(w, ErrorHTTPStatus, errf(CodeFlowOverrun, "app flow overrun")) },
	}) {
		return
	}
	s.mu.Lock()
	result, e := h(body)
	if e == nil && !readOnly[method] {
		s.Persist.Changed()
	}
	s.mu.Unlock()
	if e != nil {
		s.fail(w, ErrorHTTPStatus, e)
		return
	}
	s.Stats.Serve(method)
	kit.WriteJSON(w, http.StatusOK, map[string]any{"returnCode": CodeOK, "result": result})
}

// MaxBody bounds a request body (vipapis.request-data-max beyond).
const MaxBody = 1 << 20

// readBody reads the raw body, which must be one JSON object.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, *apiErr) {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, MaxBody)); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, errf(CodeRequestTooBig, "request data exceeds %d bytes", MaxBody)
		}
		return nil, errf(CodeParamMismatch, "body: %v", err)
	}
	b := buf.Bytes()
	if t := bytes.TrimSpace(b); len(t) == 0 || t[0] != '{' || !json.Valid(t) {
		return nil, badParam("(body)", "want a JSON object keyed by argument names")
	}
	return b, nil
}

// decode reads a method's arguments; a mistyped one is refused naming it.
func decode(body []byte, v any) *apiErr {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return badParam(te.Field, "JSON %s where %s is expected", te.Value, te.Type)
		}
		return badParam("(body)", "%v", err)
	}
	return nil
}

// authorize checks an access token.
func (s *Server) authorize(tok string) *apiErr {
	if tok == "" {
		return errf(CodeTokenInvalid, "accessToken missing: the api needs the shop's authorization")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.access[tok]
	if !ok || !s.cfg.Now().Before(exp) {
		return errf(CodeTokenInvalid, "oauth invalidate failure: accessToken invalid or expired")
	}
	return nil
}

// tick is one step of the order generator: one order sold, and at
// CancelRate a buyer cancelling an order to ship.
func (s *Server) tick() {
	_, _ = s.SellOrders(1, "")
	s.mu.Lock()
	cancel := s.rnd.Float64() < s.cfg.CancelRate
	var id string
	if cancel {
		for _, oid := range s.sortedOrderIDs() {
			if s.orders[oid].Status == statusToShip {
				id = oid
				break
			}
		}
	}
	s.mu.Unlock()
	if id != "" {
		_ = s.CancelOrder(id)
	}
}
