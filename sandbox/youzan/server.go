// Package youzan is the sandbox of Youzan 有赞云 (channels.md §2), written
// from the platform's side: it never imports its connector
// (connectors/youzan), nor the reverse.
//
// Auth: POST /auth/token with a JSON body (authorize_type "silent",
// client_id, client_secret, grant_id = the shop's kdt_id) answers
// {success, code:200, data{access_token, expires (ms epoch)}} or
// {success:false, code:1103, message}.
//
// Gateway: POST /api/{api}/{version}?access_token=… with a JSON body. The
// token counts only in the query. Gateway failures answer
// {"gw_err_resp":{trace_id, err_code, err_msg}}: 4201 no token, 4203
// unknown or expired token, 4001 no version, 4005 unknown api/version,
// 4007 not JSON, 4101 over the call quota. An API answers in the envelope
// of its version (apiVersions). Every answer is HTTP 200.
//
// Push: every change of an order is pushed to the subscribed receiver
// (push.go), signed with Event-Sign.
//
// Admin: the common API of sandbox/kit under /_sandbox/.
package youzan

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// Gateway error codes (gw_err_resp), HTTP 200.
const (
	CodeNoVersion    = 4001
	CodeUnknownAPI   = 4005
	CodeNotJSON      = 4007
	CodeNoToken      = 4201
	CodeBadToken     = 4203
	CodeThrottled    = 4101 // UNCONFIRMED: a public test plan watches for it; one constant
	CodeAuthBadApp   = 1103 // /auth/token: client unknown or secret wrong
	CodeAuthBadParam = 1000 // /auth/token: not JSON / bad authorize_type
)

// API error codes (v3 error_response.code, v4 code). UNCONFIRMED: the
// public sources show none but item delete's not-found; one table here.
const (
	CodeOK           = 200
	CodeInvalidParam = 40001
	CodeNotFound     = 122001001
	CodeInternal     = 50000
)

// envelope is the answer shape of an API version.
type envelope int

const (
	v3 envelope = iota // {"response":…} / {"error_response":{code,msg}}
	v4                 // {success, code:200, message, data, trace_id}
)

// apiVersions is every API the sandbox serves, with the version it serves
// and so its envelope. The doubt (channels.md §2.3–2.4): the item write
// APIs are documented as 3.0.x and answer v3; item.price.update 1.0.0's
// envelope is not documented — taken as v3 (< 4.0.0); the order APIs are
// 4.0.x and answer v4. The connector keeps the same table.
var apiVersions = map[string]struct {
	version string
	env     envelope
}{
	"youzan.item.create":           {"3.0.1", v3},
	"youzan.item.update":           {"3.0.1", v3},
	"youzan.item.get":              {"3.0.0", v3},
	"youzan.item.quantity.update":  {"3.0.0", v3},
	"youzan.item.price.update":     {"1.0.0", v3},
	"youzan.item.update.listing":   {"3.0.0", v3},
	"youzan.item.update.delisting": {"3.0.0", v3},
	"youzan.trades.sold.get":       {"4.0.4", v4},
	"youzan.trade.get":             {"4.0.2", v4},
	// The retried-create lookup by 商家编码 (item_no): items.custom.get 3.0.0.
	"youzan.items.custom.get":         {"3.0.0", v3},
	"youzan.logistics.online.confirm": {"3.0.0", v3},
	"youzan.salesman.trades.get":      {"3.0.1", v3},
}

// TokenLifetime is how long a token lives (UNCONFIRMED: 7 days per a
// public test plan; the connector reads expires and does not assume it).
const TokenLifetime = 7 * 24 * time.Hour

// Order query limits of youzan.trades.sold.get (SetOrderLimits changes
// the last two for tests).
const (
	MaxOrderWindow  = 92 * 24 * time.Hour // each pair ≤ 3 months
	MaxPageNo       = 100
	DefaultPageSize = 100   // the most a page_size may be
	DefaultMaxRows  = 10000 // page_no × page_size
)

// Config configures a sandbox.
type Config struct {
	ClientID, ClientSecret string
	KdtID                  string // grant_id: the shop
	QPS                    float64
	OrdersPerMinute        float64
	Seed                   int64
	Now                    func() time.Time
	StateFile              string
	// PushURL subscribes a receiver of push messages from the start (""
	// = none until POST /_sandbox/push).
	PushURL string
}

// Server is a running sandbox; it is an http.Handler.
type Server struct {
	kit.Base
	cfg Config

	mu       sync.Mutex
	rnd      *rand.Rand
	nextID   int64
	tokens   map[string]time.Time // access_token → expiry
	items    map[int64]*item
	orders   map[string]*order // tid → order
	pageSize int
	maxRows  int
	burstSec int64 // the second the last order was sold in, and how many it holds
	burstN   int
	pusher   *kit.Pusher // push messages (push.go)
}

// New builds a sandbox for tests; it panics where Open returns an error.
func New(cfg Config) *Server { return kit.Must(Open(cfg)) }

// Open builds a sandbox, loads its StateFile if any and starts its order
// generator.
func Open(cfg Config) (*Server, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, tokens: map[string]time.Time{}, pageSize: DefaultPageSize, maxRows: DefaultMaxRows, pusher: kit.NewPusher()}
	s.pusher.SetURL(cfg.PushURL)
	s.Base = kit.NewBase(kit.BaseConfig{Name: "youzan sandbox", StateFile: cfg.StateFile, StateVersion: stateVersion, Snapshot: s.snapshot,
		QPS: cfg.QPS, Seed: cfg.Seed, Now: cfg.Now})
	s.reset()
	if err := s.load(); err != nil {
		s.pusher.Close()
		return nil, err
	}
	s.Mux.HandleFunc("POST /auth/token", s.serveToken)
	s.Mux.HandleFunc("POST /api/{api}/{version}", s.serveAPI)
	s.Mux.HandleFunc("POST /api/{api}", s.serveAPI)
	s.Mux.HandleFunc("POST /api/{api}/", s.serveAPI)
	s.Admin(s)
	s.Mux.HandleFunc("POST /_sandbox/youzan/orders", s.adminSell)
	s.Mux.HandleFunc("POST /_sandbox/youzan/orders/{id}/refund-request", s.adminAskRefund)
	s.StartGenerator(cfg.OrdersPerMinute, s.generate)
	return s, nil
}

func (s *Server) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rnd = rand.New(rand.NewSource(s.cfg.Seed))
	s.nextID = 1e9 + s.rnd.Int63n(1e9)
	s.items = map[int64]*item{}
	s.orders = map[string]*order{}
	s.ResetCalls()
}

func (s *Server) newID() int64 {
	s.nextID += 1 + s.rnd.Int63n(97)
	return s.nextID
}

// serveToken answers /auth/token.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	fail := func(code int, msg string) {
		s.Stats.Reject(strconv.Itoa(code))
		kit.WriteJSON(w, http.StatusOK, map[string]any{"success": false, "code": code, "data": nil, "message": msg})
	}
	if !isJSON(r) {
		fail(CodeAuthBadParam, "Content type '"+r.Header.Get("Content-Type")+"' not supported")
		return
	}
	var in struct {
		ClientID      string          `json:"client_id"`
		ClientSecret  string          `json:"client_secret"`
		AuthorizeType string          `json:"authorize_type"`
		GrantID       json.RawMessage `json:"grant_id"`
		Refresh       bool            `json:"refresh"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&in); err != nil {
		fail(CodeAuthBadParam, "body: "+err.Error())
		return
	}
	grant := strings.Trim(string(in.GrantID), `"`)
	switch {
	case in.AuthorizeType != "silent":
		fail(CodeAuthBadParam, "authorize_type: only silent (自用型) is served")
	case !kit.Equal(in.ClientID, s.cfg.ClientID) || !kit.Equal(in.ClientSecret, s.cfg.ClientSecret):
		fail(CodeAuthBadApp, "Client 不存在")
	case grant != s.cfg.KdtID:
		fail(CodeAuthBadApp, "grant_id: the app is not authorized for this shop")
	default:
		s.mu.Lock()
		tok := kit.RandHex(16)
		exp := s.cfg.Now().Add(TokenLifetime)
		s.tokens[tok] = exp
		s.mu.Unlock()
		s.Stats.Serve("auth.token")
		kit.WriteJSON(w, http.StatusOK, map[string]any{"success": true, "code": 200, "message": "",
			"data": map[string]any{"access_token": tok, "expires": exp.UnixMilli(), "scope": "item trade", "authority_id": s.cfg.KdtID}})
	}
}

func isJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

// apiErr is a failure of an API, answered in its version's envelope.
type apiErr struct {
	Code int
	Msg  string
}

func errf(code int, format string, args ...any) *apiErr {
	return &apiErr{Code: code, Msg: fmt.Sprintf(format, args...)}
}

func invalid(field, format string, args ...any) *apiErr {
	return &apiErr{Code: CodeInvalidParam, Msg: field + ": " + fmt.Sprintf(format, args...)}
}

type handler func(body []byte) (any, *apiErr)

func (s *Server) handlers() map[string]handler {
	return map[string]handler{
		"youzan.item.create": s.itemCreate, "youzan.item.update": s.itemUpdate, "youzan.item.get": s.itemGet,
		"youzan.item.quantity.update": s.quantityUpdate, "youzan.item.price.update": s.priceUpdate,
		"youzan.item.update.listing":   func(b []byte) (any, *apiErr) { return s.setListed(b, true) },
		"youzan.item.update.delisting": func(b []byte) (any, *apiErr) { return s.setListed(b, false) },
		"youzan.trades.sold.get":       s.tradesSoldGet, "youzan.trade.get": s.tradeGet,
		"youzan.items.custom.get": s.itemsCustomGet, "youzan.logistics.online.confirm": s.logisticsConfirm,
		"youzan.salesman.trades.get": s.salesmanTradesGet,
	}
}

var readOnly = map[string]bool{"youzan.item.get": true, "youzan.trades.sold.get": true, "youzan.trade.get": true,
	"youzan.items.custom.get": true, "youzan.salesman.trades.get": true}

// serveAPI: path, then token, then faults, then quota, then the API.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	api, version := r.PathValue("api"), r.PathValue("version")
	if version == "" {
		s.gwFail(w, http.StatusOK, CodeNoVersion, "缺少版本号")
		return
	}
	spec, ok := apiVersions[api]
	if !ok || spec.version != version {
		s.gwFail(w, http.StatusOK, CodeUnknownAPI, fmt.Sprintf("api %s/%s 不存在", api, version))
		return
	}
	tok := r.URL.Query().Get("access_token")
	if tok == "" {
		s.gwFail(w, http.StatusOK, CodeNoToken, "非法的请求凭证")
		return
	}
	s.mu.Lock()
	exp, known := s.tokens[tok]
	s.mu.Unlock()
	if !known || !s.cfg.Now().Before(exp) {
		s.gwFail(w, http.StatusOK, CodeBadToken, "Token 不存在")
		return
	}
	if !isJSON(r) {
		s.gwFail(w, http.StatusOK, CodeNotJSON, "非法的请求姿势")
		return
	}
	if !s.Admit(w, r, api, kit.Gate{App: s.cfg.ClientID, Truncated: []byte(`{"success":true,"code":200,"data":{"tru`),
		Fault: func(f kit.Fault, status int) {
			if f.Kind == kit.FaultRateLimit {
				s.gwFail(w, status, cmp.Or(f.Code, CodeThrottled), strings.TrimSpace(f.Msg+" 调用频率超限"))
				return
			}
			s.fail(w, status, spec.env, &apiErr{Code: cmp.Or(f.Code, CodeInternal), Msg: cmp.Or(f.Msg, "系统异常")})
		},
		Throttle: func(time.Duration) { s.gwFail(w, http.StatusOK, CodeThrottled, "调用频率超限") },
	}) {
		return
	}
	var raw json.RawMessage
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&raw); err != nil || len(raw) == 0 || raw[0] != '{' {
		s.fail(w, http.StatusOK, spec.env, invalid("(body)", "want a JSON object"))
		return
	}
	s.mu.Lock()
	data, e := s.handlers()[api](raw)
	if e == nil && !readOnly[api] {
		s.Persist.Changed()
	}
	s.mu.Unlock()
	if e != nil {
		s.fail(w, http.StatusOK, spec.env, e)
		return
	}
	s.Stats.Serve(api)
	if spec.env == v3 {
		kit.WriteJSON(w, http.StatusOK, map[string]any{"response": data})
		return
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"success": true, "code": CodeOK, "message": "successful", "data": data, "trace_id": s.traceID()})
}

func (s *Server) traceID() string { return "yz7-0a" + kit.RandHex(8) }

func (s *Server) gwFail(w http.ResponseWriter, status, code int, msg string) {
	s.Stats.Reject(strconv.Itoa(code))
	kit.WriteJSON(w, status, map[string]any{"gw_err_resp": map[string]any{"trace_id": s.traceID(), "err_code": code, "err_msg": msg}})
}

func (s *Server) fail(w http.ResponseWriter, status int, env envelope, e *apiErr) {
	s.Stats.Reject(strconv.Itoa(e.Code))
	if env == v3 {
		kit.WriteJSON(w, status, map[string]any{"error_response": map[string]any{"code": e.Code, "msg": e.Msg}})
		return
	}
	kit.WriteJSON(w, status, map[string]any{"success": false, "code": e.Code, "message": e.Msg, "data": nil, "trace_id": s.traceID()})
}

// decode reads an API's params strictly, naming an unknown or mistyped one.
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
