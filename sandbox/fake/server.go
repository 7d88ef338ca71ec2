// Package fake is the sandbox of "fake", a made-up mini-program platform
// that is deliberately unlike Tmall: content review that passes or fails
// after some checks, stock that takes deltas only and that the platform's
// own sales lower, cursor paging with a small page size, a cap on the order
// window, and orders whose wire form may be malformed. It exists so the
// platform-neutral code (workflows, activities, the stack) is proven
// against a second real wire protocol. Written from the platform's side,
// it never imports its connector (connectors/fake), nor the reverse.
//
// Gateway: POST /api/<method>, a JSON object body, the shop's key as
// "Authorization: Bearer <api_key>". Every answer is HTTP 200 with a JSON
// envelope: {"code":0,"message":"ok","data":{…}} or
// {"code":N,"message":"field: reason"[,"retry_after":seconds]}. Ids are
// strings (19 digits), money is integer fen, times are unix seconds.
//
// Admin: the common API of sandbox/kit under /_sandbox/ (items, orders,
// cancel, refund, faults, stats, reset). Tests drive the rest through the
// exported hooks on *Server (hooks.go).
package fake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// Error codes of the envelope.
const (
	CodeOK            = 0
	CodeInvalidParam  = 40001 // a parameter is missing or malformed; the message names it
	CodeUnknownMethod = 40002
	CodeUnauthorized  = 40101 // Authorization missing or not the shop's key
	CodeNotFound      = 40401 // no such item, SKU or order
	CodeConflict      = 40901 // the record's state does not allow the call
	CodeThrottled     = 42901 // over the call quota: retry_after says how long to wait
	CodeInternal      = 50001
	CodeBusy          = 50301
)

// Defaults of the order query limits (SetOrderLimits changes them).
const (
	DefaultWindowMax = 24 * time.Hour // end_time − start_time of one order.list
	DefaultPageSize  = 20             // order.list page_size: the default and the most
)

// Config configures a sandbox.
type Config struct {
	APIKey          string
	QPS             float64          // per key; over it answers CodeThrottled (0 = unlimited)
	OrdersPerMinute float64          // orders sold by themselves (0 = only on request)
	Seed            int64            // ids, buyers and fault ratios
	Now             func() time.Time // nil = time.Now
	// StateFile, when set, keeps items and orders across restarts: loaded
	// by Open, written after changes and by Close ("" = memory only).
	StateFile string
}

// Server is a running sandbox; it is an http.Handler.
type Server struct {
	kit.Base
	cfg      Config
	handlers map[string]handler

	mu     sync.Mutex
	rnd    *rand.Rand
	nextID int64
	items  map[string]*item  // item id → item
	orders map[string]*Order // order id → order

	// Test knobs and records (hooks.go); runtime only.
	reviewChecks int
	rejects      map[string]string // product outer id → review rejection reason
	windowMax    time.Duration
	pageSize     int
	stockWrites  []StockWrite
}

// New builds a sandbox for tests; it panics where Open returns an error
// (only a StateFile that cannot be read).
func New(cfg Config) *Server { return kit.Must(Open(cfg)) }

// Open builds a sandbox, loads its StateFile if there is one, and starts
// its order generator.
func Open(cfg Config) (*Server, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, rejects: map[string]string{}, windowMax: DefaultWindowMax, pageSize: DefaultPageSize}
	s.Base = kit.NewBase(kit.BaseConfig{Name: "fake sandbox", StateFile: cfg.StateFile, StateVersion: stateVersion, Snapshot: s.snapshot,
		QPS: cfg.QPS, Seed: cfg.Seed, Now: cfg.Now})
	s.reset()
	if err := s.load(); err != nil {
		return nil, err
	}
	s.handlers = s.methods()
	s.Mux.HandleFunc("POST /api/{method}", s.serveAPI)
	s.Admin(s)
	s.StartGenerator(cfg.OrdersPerMinute, func() { _, _ = s.SellOrders(1, "") })
	return s, nil
}

func (s *Server) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rnd = rand.New(rand.NewSource(s.cfg.Seed))
	s.nextID = 1e9 + s.rnd.Int63n(1e9)
	s.items = map[string]*item{}
	s.orders = map[string]*Order{}
	s.ResetCalls()
	s.stockWrites = nil
}

// newID returns a fresh 19-digit id with a prefix digit per kind, beyond
// float64's exact range like the real platforms' ids.
func (s *Server) newID(prefix int64) string {
	s.nextID += 1 + s.rnd.Int63n(97)
	return strconv.FormatInt(prefix*1e18+s.nextID, 10)
}

// apiErr is an error envelope.
type apiErr struct {
	Code       int    `json:"code"`
	Message    string `json:"message"`
	RetryAfter int    `json:"retry_after,omitempty"` // seconds, with CodeThrottled
}

func errf(code int, format string, args ...any) *apiErr {
	return &apiErr{Code: code, Message: fmt.Sprintf(format, args...)}
}

// invalid names the parameter that is wrong.
func invalid(field, format string, args ...any) *apiErr {
	return &apiErr{Code: CodeInvalidParam, Message: field + ": " + fmt.Sprintf(format, args...)}
}

type handler func(body []byte) (any, *apiErr)

func (s *Server) methods() map[string]handler {
	return map[string]handler{
		"product.upsert": s.productUpsert, "product.get": s.productGet, "product.review_status": s.reviewStatus,
		"product.listing": s.productListing, "sku.price.update": s.priceUpdate, "sku.stock.delta": s.stockDelta,
		"order.list": s.orderList, "order.get": s.orderGet, "order.ship": s.orderShip,
	}
}

// readOnly methods change nothing, so they never dirty the state file.
var readOnly = map[string]bool{"product.get": true, "order.list": true, "order.get": true}

// serveAPI answers one call: method, then the key, then faults (so an
// unauthenticated call never uses up a count-limited fault), then the
// quota, then the method.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	h, ok := s.handlers[method]
	if !ok {
		s.fail(w, errf(CodeUnknownMethod, "unknown method %q", method))
		return
	}
	if e := s.authorize(r); e != nil {
		s.fail(w, e)
		return
	}
	if !s.Admit(w, r, method, kit.Gate{App: s.cfg.APIKey, Truncated: []byte(`{"code":0,"message":"ok","data":{"trun`),
		Fault: func(f kit.Fault, status int) { s.answerFault(w, status, f) },
		Throttle: func(wait time.Duration) {
			secs := max(1, int(math.Ceil(wait.Seconds())))
			s.fail(w, &apiErr{Code: CodeThrottled, Message: fmt.Sprintf("call quota exceeded, retry after %d s", secs), RetryAfter: secs})
		},
	}) {
		return
	}
	body, err := kit.ReadJSONObject(w, r)
	if err != nil {
		s.fail(w, invalid("(body)", "%v", err))
		return
	}
	s.mu.Lock()
	data, e := h(body)
	if e == nil && !readOnly[method] {
		s.changed()
	}
	s.mu.Unlock()
	if e != nil {
		s.fail(w, e)
		return
	}
	s.Stats.Serve(method)
	if data == nil {
		data = struct{}{}
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"code": CodeOK, "message": "ok", "data": data})
}

func (s *Server) authorize(r *http.Request) *apiErr {
	key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	switch {
	case !ok || key == "":
		return errf(CodeUnauthorized, "Authorization: want \"Bearer <api_key>\"")
	case !kit.Equal(key, s.cfg.APIKey):
		return errf(CodeUnauthorized, "Authorization: the api key is not this shop's")
	}
	return nil
}

// decode reads a method's parameters strictly: an unknown or mistyped
// parameter is refused naming it.
func decode(body []byte, v any) *apiErr {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return invalid(te.Field, "JSON %s where %s is expected", te.Value, te.Type)
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return invalid(strings.Trim(f, `"`), "unknown parameter")
		}
		return invalid("(body)", "%v", err)
	}
	return nil
}

func (s *Server) fail(w http.ResponseWriter, e *apiErr) {
	s.failWith(w, http.StatusOK, e)
}

func (s *Server) failWith(w http.ResponseWriter, status int, e *apiErr) {
	s.Stats.Reject(strconv.Itoa(e.Code))
	kit.WriteJSON(w, status, e)
}

// answerFault answers a matched error or rate_limit fault (kit.Admit).
func (s *Server) answerFault(w http.ResponseWriter, status int, f kit.Fault) {
	switch f.Kind {
	case kit.FaultRateLimit:
		code, wait := f.Code, max(f.BanSeconds, 1)
		if code == 0 {
			code = CodeThrottled
		}
		msg := strings.TrimSpace(f.Msg + " " + fmt.Sprintf("call quota exceeded, retry after %d s", wait))
		s.failWith(w, status, &apiErr{Code: code, Message: msg, RetryAfter: wait})
	default:
		code, msg := f.Code, f.Msg
		if code == 0 {
			code = CodeInternal
		}
		if msg == "" {
			msg = "internal error"
		}
		s.failWith(w, status, &apiErr{Code: code, Message: msg})
	}
}
