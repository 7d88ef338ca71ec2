// Package wechat is the sandbox of WeChat 微信小店 (channels/ec), written
// from the platform's side: it never imports its connector
// (connectors/wechat). It serves
//
//   - POST /cgi-bin/stable_token {"grant_type":"client_credential","appid","secret","force_refresh"}
//     → {"access_token","expires_in"} (7200 s; the same token until 5 min
//     before it expires, a new one with force_refresh);
//   - POST /channels/ec/<module>/<action>?access_token=… with a JSON body,
//     answering HTTP 200 and {"errcode":0,"errmsg":"ok",…payload…} or
//     {"errcode":N,"errmsg":"… rid: …"}.
//
// Products are a draft (edit_status) and an online copy (status): add and
// update write the draft and put it in review (edit_status 2). The review
// ends at the first product/get that finds both a number of gets
// (DefaultReviewGets, SetReviewGets) and Config.ReviewDelay since the
// submission (by Config.Now) behind it: it passes (4: the draft goes
// online, listed, status 5) or fails (3, with the reason set by RejectNext,
// or drawn at Config.RejectRate from realistic reasons). Stock changes only
// by product/stock/update deltas and by the shop's own sales. Orders are
// listed by update_time_range (unix seconds, at most 7 days) as id strings
// with next_key/has_more, and read one by one with order/get, whose
// order_id is a bare 19-digit number. order/delivery/send takes the
// delivery_id codes of its own company list (deliverycompanylist/get) and
// split shipments. 优选联盟 (league/item/*) keeps a pool of listed products;
// their orders carry a 达人's commission. After-sales cases
// (aftersale/getaftersalelist by update time, ≤ 24 h, and
// getaftersaleorder) come from cancellations, refunds and OpenAfterSale.
// Each order change is pushed (消息推送 in security mode, push.go) to the
// receiver subscribed through the admin API or Config.PushURL.
//
// Admin: the common API of sandbox/kit under /_sandbox/.
package wechat

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

// Error codes (channels.md §1).
const (
	CodeOK              = 0
	CodeBusy            = -1
	CodeInvalidToken    = 40001
	CodeInvalidAppID    = 40013
	CodeInvalidArgs     = 40097 // a parameter is missing or malformed; errmsg names it
	CodeInvalidSecret   = 40125
	CodeMissingToken    = 41001
	CodeExpiredToken    = 42001
	CodeDailyQuota      = 45009
	CodeMinuteQuota     = 45011
	CodeSKUStockFreq    = 10020112
	CodeNotFound        = 10020052 // no such product or SKU
	CodeDelistInAudit   = 10020047
	CodeNotListed       = 10020065
	CodeStockInAudit    = 10020217
	CodeStockZeroDelta  = 10020218
	CodeStockShort      = 10020219
	CodeNeverListed     = 10020289
	CodeOrderNotFound   = 10021001 // UNCONFIRMED: the order-not-found code was not seen in a source
	CodeOrderNotShipped = 10021002 // UNCONFIRMED: shipping an order that is not waiting to ship
	// UNCONFIRMED for order/delivery/send: the platform answers it for an
	// unknown delivery_id on its ewaybill APIs ("快递公司ID错误,请检查delivery_id").
	CodeBadDeliveryID = 10025012
	// aftersale/getaftersalelist: a window over 24 h (doc).
	CodeAfterSaleSpan = 10020004
	// UNCONFIRMED: getaftersaleorder's code for an unknown case was not seen.
	CodeAfterSaleNotFound = 10021003
	// 优选联盟 (league/item/*, doc error tables).
	CodeLeagueArgs       = 10023000 // 参数错误
	CodeLeagueType       = 10023100 // type类型错误
	CodeLeagueDupProduct = 10023101 // 不允许相同product_id
	CodeLeagueTooMany    = 10023102 // 操作数量超过限制
	CodeLeagueNoProduct  = 10023103 // 不存在该商品
	CodeLeagueNotListed  = 10023104 // 该小店商品未上架
)

// Token lifetime, and how long before expiry stable_token hands out a new one.
const (
	TokenLifetime = 7200 * time.Second
	TokenRotate   = 5 * time.Minute
)

// DefaultReviewGets is how many product/get calls a review takes: the
// read-back right after a push still sees the draft in review.
const DefaultReviewGets = 2

// Limits of order/list/get.
const (
	MaxOrderSpan = 7 * 24 * time.Hour
	MaxPageSize  = 100
)

// Config configures a sandbox.
type Config struct {
	AppID, Secret   string
	QPS             float64          // per appid; over it answers 45011 (0 = unlimited)
	OrdersPerMinute float64          // orders sold by themselves (0 = only on request)
	Seed            int64            // ids, buyers and fault ratios
	Now             func() time.Time // nil = time.Now
	StateFile       string           // keep products and orders across restarts ("" = memory only)
	// ReviewDelay is the least time a review takes from its submission
	// (product/add or update), by Now; 0: only the product/get count counts.
	ReviewDelay time.Duration
	// RejectRate is the share of reviews that fail with one of
	// RejectReasons, drawn from Seed (0: none but RejectNext's; the demo's).
	RejectRate float64
	// PushToken and EncodingAESKey are the shop's 消息推送 settings (push.go);
	// Open makes them up when empty, as the backend's 随机生成 would.
	PushToken, EncodingAESKey string
	// PushURL subscribes a receiver from the start ("" = none until POST /_sandbox/push).
	PushURL string
}

// Server is a running sandbox; it is an http.Handler.
type Server struct {
	kit.Base
	cfg Config

	mu       sync.Mutex
	rnd      *rand.Rand
	nextID   int64
	tokens   map[string]time.Time // access token → expiry
	current  string               // the token stable_token hands out
	products map[string]*product
	orders   map[string]*order
	pool     map[string]*leagueItem // 优选联盟 products by product_id
	cases    map[string]*afterSale  // after-sales cases by id

	// Test knobs (hooks.go); runtime only.
	reviewGets int               // product/get calls a review takes
	rejects    map[string]string // out_product_id → reason its next review fails with
	casePage   int               // ids per getaftersalelist page

	pusher  *kit.Pusher // 消息推送 (push.go); has its own lock
	pushKey []byte      // the decoded EncodingAESKey
}

// New builds a sandbox for tests; it panics where Open returns an error.
func New(cfg Config) *Server { return kit.Must(Open(cfg)) }

// Open builds a sandbox, loads its StateFile if any and starts its order
// generator.
func Open(cfg Config) (*Server, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ReviewDelay < 0 || !(cfg.RejectRate >= 0 && cfg.RejectRate <= 1) {
		return nil, fmt.Errorf("wechat sandbox: review delay %s must not be negative and reject rate %v must be 0 to 1", cfg.ReviewDelay, cfg.RejectRate)
	}
	if cfg.PushToken == "" {
		cfg.PushToken = kit.RandHex(16)
	}
	if cfg.EncodingAESKey == "" {
		cfg.EncodingAESKey = NewEncodingAESKey()
	}
	key, err := wxAESKey(cfg.EncodingAESKey)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, reviewGets: DefaultReviewGets, rejects: map[string]string{}, casePage: DefaultAfterSalePage,
		pusher: kit.NewPusher(), pushKey: key}
	s.pusher.SetURL(cfg.PushURL)
	s.Base = kit.NewBase(kit.BaseConfig{Name: "wechat sandbox", StateFile: cfg.StateFile, StateVersion: stateVersion, Snapshot: s.snapshot,
		QPS: cfg.QPS, Seed: cfg.Seed, Now: cfg.Now})
	s.reset()
	if err := s.load(); err != nil {
		s.pusher.Close()
		return nil, err
	}
	s.Mux.HandleFunc("POST /cgi-bin/stable_token", s.stableToken)
	s.Mux.HandleFunc("POST /channels/ec/", s.serveAPI)
	s.Admin(s)
	s.StartGenerator(cfg.OrdersPerMinute, func() { _, _ = s.SellOrders(1, "") })
	return s, nil
}

func (s *Server) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rnd = rand.New(rand.NewSource(s.cfg.Seed))
	s.nextID = 1e9 + s.rnd.Int63n(1e9)
	s.tokens = map[string]time.Time{}
	s.current = ""
	s.products = map[string]*product{}
	s.orders = map[string]*order{}
	s.pool = map[string]*leagueItem{}
	s.cases = map[string]*afterSale{}
	s.ResetCalls()
}

// newID returns a fresh id: 19 digits for orders (beyond float64), shorter
// for products and SKUs as the platform's are.
func (s *Server) newID(prefix, scale int64) string {
	s.nextID += 1 + s.rnd.Int63n(97)
	return strconv.FormatInt(prefix*scale+s.nextID, 10)
}

// apiErr is an error envelope.
type apiErr struct {
	Code int    `json:"errcode"`
	Msg  string `json:"errmsg"`
}

func errf(code int, format string, args ...any) *apiErr {
	return &apiErr{Code: code, Msg: fmt.Sprintf(format, args...)}
}

func invalidArg(field, format string, args ...any) *apiErr {
	return &apiErr{Code: CodeInvalidArgs, Msg: "invalid args: " + field + ": " + fmt.Sprintf(format, args...)}
}

func (s *Server) fail(w http.ResponseWriter, status int, e *apiErr) {
	s.Stats.Reject(strconv.Itoa(e.Code))
	out := *e
	out.Msg += " rid: " + kit.RandHex(4) + "-" + kit.RandHex(4)
	kit.WriteJSON(w, status, out)
}

func (s *Server) stableToken(w http.ResponseWriter, r *http.Request) {
	var in struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	body, err := kit.ReadJSONObject(w, r)
	if err == nil {
		err = json.Unmarshal(body, &in)
	}
	switch {
	case err != nil:
		s.fail(w, http.StatusOK, invalidArg("(body)", "%v", err))
		return
	case in.GrantType != "client_credential":
		s.fail(w, http.StatusOK, errf(40002, "invalid grant_type"))
		return
	case !kit.Equal(in.AppID, s.cfg.AppID):
		s.fail(w, http.StatusOK, errf(CodeInvalidAppID, "invalid appid"))
		return
	case !kit.Equal(in.Secret, s.cfg.Secret):
		s.fail(w, http.StatusOK, errf(CodeInvalidSecret, "invalid appsecret"))
		return
	}
	s.mu.Lock()
	now := s.cfg.Now()
	exp, ok := s.tokens[s.current]
	if in.ForceRefresh || !ok || exp.Sub(now) < TokenRotate {
		if in.ForceRefresh {
			delete(s.tokens, s.current) // force_refresh invalidates the previous token
		}
		s.current = "sbx_" + kit.RandHex(24)
		exp = now.Add(TokenLifetime)
		s.tokens[s.current] = exp
	}
	tok, left := s.current, int(math.Floor(exp.Sub(now).Seconds()))
	s.mu.Unlock()
	s.Stats.Serve("stable_token")
	kit.WriteJSON(w, http.StatusOK, map[string]any{"access_token": tok, "expires_in": left})
}

type handler func(body []byte) (map[string]any, *apiErr)

func (s *Server) handlers() map[string]handler {
	return map[string]handler{
		"product/add": s.productAdd, "product/update": s.productUpdate, "product/get": s.productGet, "product/list/get": s.productList,
		"product/listing": s.productListing, "product/delisting": s.productDelisting,
		"product/stock/update": s.stockUpdate, "product/auditfree": s.auditFree,
		"order/list/get": s.orderList, "order/get": s.orderGet, "order/delivery/send": s.deliverySend,
		"order/deliverycompanylist/get": s.companyList, "order/deliverycompanylist/new/get": s.companyList,
		"league/item/batchadd": s.leagueAdd, "league/item/get": s.leagueGet, "league/item/upd": s.leagueUpdate, "league/item/delete": s.leagueDelete,
		"aftersale/getaftersalelist": s.afterSaleList, "aftersale/getaftersaleorder": s.afterSaleGet,
	}
}

var readOnly = map[string]bool{"product/list/get": true, "order/list/get": true, "order/get": true, "league/item/get": true,
	"order/deliverycompanylist/get": true, "order/deliverycompanylist/new/get": true, "aftersale/getaftersalelist": true, "aftersale/getaftersaleorder": true}

// serveAPI answers one channels/ec call: path, token, faults, quota, method.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/channels/ec/")
	h, ok := s.handlers()[method]
	if !ok {
		s.fail(w, http.StatusOK, errf(48001, "api unauthorized: unknown api channels/ec/%s", method))
		return
	}
	if e := s.authorize(r); e != nil {
		s.fail(w, http.StatusOK, e)
		return
	}
	if !s.Admit(w, r, method, kit.Gate{App: s.cfg.AppID, Truncated: []byte(`{"errcode":0,"errmsg":"ok","order":{"trun`),
		Fault: func(f kit.Fault, status int) { s.answerFault(w, status, f) },
		Throttle: func(time.Duration) {
			s.fail(w, http.StatusOK, errf(CodeMinuteQuota, "api minute-quota reach limit  mustslower  retry next minute"))
		},
	}) {
		return
	}
	body, err := kit.ReadJSONObject(w, r)
	if err != nil {
		s.fail(w, http.StatusOK, invalidArg("(body)", "%v", err))
		return
	}
	s.mu.Lock()
	data, e := h(body)
	if e == nil && !readOnly[method] {
		s.Persist.Changed()
	}
	s.mu.Unlock()
	if e != nil {
		s.fail(w, http.StatusOK, e)
		return
	}
	s.Stats.Serve(method)
	out := map[string]any{"errcode": CodeOK, "errmsg": "ok"}
	for k, v := range data {
		out[k] = v
	}
	kit.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) authorize(r *http.Request) *apiErr {
	tok := r.URL.Query().Get("access_token")
	if tok == "" {
		return errf(CodeMissingToken, "access_token missing")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.tokens[tok]
	switch {
	case !ok:
		return errf(CodeInvalidToken, "invalid credential, access_token is invalid or not latest")
	case !s.cfg.Now().Before(exp):
		return errf(CodeExpiredToken, "access_token expired")
	}
	return nil
}

// decode reads a method's parameters; a mistyped one is refused naming it.
// Unknown fields are accepted: the platform ignores what it does not use.
func decode(body []byte, v any) *apiErr {
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return invalidArg(te.Field, "JSON %s where %s is expected", te.Value, te.Type)
		}
		return invalidArg("(body)", "%v", err)
	}
	return nil
}

// answerFault answers a matched error or rate_limit fault (kit.Admit).
func (s *Server) answerFault(w http.ResponseWriter, status int, f kit.Fault) {
	code, msg := f.Code, f.Msg
	switch {
	case f.Kind == kit.FaultRateLimit && code == 0:
		code, msg = CodeMinuteQuota, "api minute-quota reach limit  mustslower  retry next minute"
	case code == 0:
		code, msg = CodeBusy, "system error"
	case msg == "":
		msg = "error"
	}
	s.fail(w, status, &apiErr{Code: code, Msg: msg})
}
