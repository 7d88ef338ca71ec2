// Package kuaishou is the sandbox of Kuaishou 快手电商开放平台 + 分销
// (channels.md §6), written from the platform's side: it never imports its
// connector (connectors/kuaishou), nor the reverse.
//
// OAuth: POST /oauth2/refresh_token (form: app_id, app_secret,
// grant_type=refresh_token, refresh_token) answers {result:1, access_token,
// expires_in:172800, refresh_token, refresh_token_expires_in, scopes}. The
// refresh token rotates: the new one inherits the old one's expiry, and the
// old one dies RefreshGrace after the rotation (then 100200102
// refreshToken.discarded). Access tokens live 48 h each, old and new alike.
//
// Gateway: GET or POST /open/<method with . → /> with appkey, method,
// version=1, param (the business JSON), access_token, timestamp (ms),
// signMethod (MD5 | HMAC_SHA256) and sign, form-encoded (POST bodies must be
// application/x-www-form-urlencoded). Every answer is HTTP 200: {"result":1,
// "data":…} or an error body whose result is not 1. Throttles answer the
// platform's text ("Exceed qps limit, KEY […]", "Exceed quota limit, KEY
// […]", "[1017] exceed quota limit,[…]").
//
// Push: each order change is pushed (消息服务, push.go) to the receiver
// subscribed through the admin API or Config.PushURL.
//
// Admin: the common API of sandbox/kit under /_sandbox/.
package kuaishou

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
	"sync/atomic"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// Result codes. 1 and 24 are documented (channels.md §6.1, §6.3), as are
// the 3000xx order-query codes; the numbers of the others are UNCONFIRMED
// (the platform's text is what is documented) and are kept here, in one
// table, with the connector making the same choice.
const (
	CodeOK           = 1
	CodeSystem       = 2    // 系统繁忙: retry
	CodeRevoked      = 24   // AUTHORIZATION_REVOKED
	CodeSignInvalid  = 27   // 签名校验失败 / appkey / timestamp / version / signMethod
	CodeTokenInvalid = 28   // 鉴权失败 / TOKEN过期
	CodeThrottled    = 1017 // every throttle: the text tells which
	CodeBadRequest   = 2001 // a parameter is wrong: subMsg names it
	CodeNotFound     = 2002
	CodeConflict     = 2003 // the record's state forbids it (stock, status, duplicate relItemId)

	CodeEndBeforeBegin = 300003
	CodeRangeOver7Days = 300004
	CodeBefore90Days   = 300005
)

// OAuth result codes (APP授权说明.md).
const (
	OAuthInvalidRequest   = 100200100
	OAuthUnauthorized     = 100200101
	OAuthAccessDenied     = 100200102
	OAuthUnsupportedGrant = 100200104
)

// Token lifetimes (channels.md §6.1).
const (
	AccessLifetime      = 48 * time.Hour
	RefreshLifetime     = 180 * 24 * time.Hour
	DefaultRefreshGrace = 5 * time.Minute // "旧的refresh_token随即在5分钟内失效"
)

// MaxClockSkew is how far a request's timestamp may be from the gateway's
// clock (UNCONFIRMED: no source states it; TOP's 10 minutes).
const MaxClockSkew = 10 * time.Minute

// Config configures a sandbox.
type Config struct {
	AppKey, AppSecret, SignSecret string
	// RefreshToken is the shop's first refresh token (from its
	// authorization), valid for RefreshLifetime from the sandbox's first start.
	RefreshToken string
	QPS          float64 // per app, then "Exceed qps limit" (0 = unlimited)
	DailyQuota   int     // calls per app and GMT+8 day, then "Exceed quota limit" (0 = unlimited)
	// RefreshGrace is how long a rotated refresh token still refreshes (0:
	// DefaultRefreshGrace; negative: not at all, as a used one is
	// "refreshToken.discarded" at once).
	RefreshGrace    time.Duration
	OrdersPerMinute float64
	Seed            int64
	Now             func() time.Time
	StateFile       string
	// MessagePrivateKey is the app's 消息服务 privateKey (push.go): the
	// Base64 of an AES key; Open makes one up when empty.
	MessagePrivateKey string
	// PushURL subscribes a receiver from the start ("" = none until POST
	// /_sandbox/push); it gets a {"test":true} heartbeat at once.
	PushURL string
}

// Server is a running sandbox; it is an http.Handler.
type Server struct {
	kit.Base
	cfg   Config
	grace time.Duration

	mu        sync.Mutex
	rnd       *rand.Rand
	nextID    int64
	access    map[string]time.Time // access_token → expiry
	refresh   map[string]*refreshToken
	items     map[int64]*item
	orders    map[int64]*order
	plans     map[int64]*plan
	mix       Mix
	quotaDay  string // GMT+8 date of quotaUsed
	quotaUsed int
	refreshes int // successful refreshes
	reuses    int // refreshes with a token already rotated (inside the grace)

	pusher  *kit.Pusher  // 消息服务 (push.go); has its own lock
	msgKey  []byte       // the decoded MessagePrivateKey
	pushSeq atomic.Int64 // message ids
}

// New builds a sandbox for tests; it panics where Open returns an error.
func New(cfg Config) *Server { return kit.Must(Open(cfg)) }

// Open builds a sandbox, loads its StateFile if any, seeds the configured
// refresh token unless the state knows it already (it may have been
// rotated), and starts its order generator.
func Open(cfg Config) (*Server, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	grace := cfg.RefreshGrace
	switch {
	case grace == 0:
		grace = DefaultRefreshGrace
	case grace < 0:
		grace = 0
	}
	pusher, key, err := openPusher(&cfg)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, grace: grace, access: map[string]time.Time{}, refresh: map[string]*refreshToken{}, mix: DefaultMix,
		pusher: pusher, msgKey: key}
	s.Base = kit.NewBase(kit.BaseConfig{Name: "kuaishou sandbox", StateFile: cfg.StateFile, StateVersion: stateVersion, Snapshot: s.snapshot,
		QPS: cfg.QPS, Seed: cfg.Seed, Now: cfg.Now})
	s.reset()
	if err := s.load(); err != nil {
		s.pusher.Close()
		return nil, err
	}
	s.mu.Lock()
	if cfg.RefreshToken != "" && s.refresh[cfg.RefreshToken] == nil {
		s.refresh[cfg.RefreshToken] = &refreshToken{Expires: cfg.Now().Add(RefreshLifetime)}
		s.Persist.Changed()
	}
	s.mu.Unlock()
	s.Mux.HandleFunc("POST /oauth2/refresh_token", s.serveRefresh)
	s.Mux.HandleFunc("/open/", s.serveAPI)
	s.Admin(s)
	s.StartGenerator(cfg.OrdersPerMinute, func() { _, _ = s.SellOrders(1, "") })
	s.Heartbeat() // to Config.PushURL, as saving a URL in the console does
	return s, nil
}

func (s *Server) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rnd = rand.New(rand.NewSource(s.cfg.Seed))
	s.nextID = 5e6 + s.rnd.Int63n(1e6)
	s.items = map[int64]*item{}
	s.orders = map[int64]*order{}
	s.plans = map[int64]*plan{}
	s.ResetCalls()
}

func (s *Server) newID() int64 {
	s.nextID += 1 + s.rnd.Int63n(97)
	return s.nextID
}

// apiErr is a refused call: Code is its result.
type apiErr struct {
	Code int
	Msg  string
}

func errf(code int, format string, args ...any) *apiErr {
	return &apiErr{Code: code, Msg: fmt.Sprintf(format, args...)}
}

func invalid(field, format string, args ...any) *apiErr {
	return &apiErr{Code: CodeBadRequest, Msg: field + ": " + fmt.Sprintf(format, args...)}
}

type handler func(param []byte) (any, *apiErr)

func (s *Server) handlers() map[string]handler {
	return map[string]handler{
		"open.item.new": s.itemNew, "open.item.edit": s.itemEdit, "open.item.get": s.itemGet, "open.item.list.get": s.itemList,
		"open.item.autopass.edit": s.autopassEdit, "open.item.sku.stock.update": s.stockUpdate,
		"open.item.shelf.status.update": s.shelfUpdate,
		"open.order.cursor.list":        s.cursorList, "open.order.detail": s.orderDetail,
		"open.seller.order.goods.deliver": s.deliver,
		"open.distribution.plan.create":   s.planCreate, "open.distribution.plan.update": s.planUpdate,
		"open.distribution.plan.query": s.planQuery,
	}
}

var readOnly = map[string]bool{"open.item.get": true, "open.item.list.get": true, "open.order.cursor.list": true,
	"open.order.detail": true, "open.distribution.plan.query": true}

// serveAPI checks, in order: form, method and path, appkey, version,
// timestamp, signMethod, sign, token; then faults, the daily quota, the
// QPS; then the param and the API.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
			s.fail(w, http.StatusOK, errf(CodeBadRequest, "Content-Type: only application/x-www-form-urlencoded is supported"))
			return
		}
	} else if r.Method != http.MethodGet {
		s.fail(w, http.StatusOK, errf(CodeBadRequest, "HTTP method %s: GET or POST", r.Method))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, kit.MaxRequestBody)
	if err := r.ParseForm(); err != nil {
		s.fail(w, http.StatusOK, errf(CodeBadRequest, "form: %v", err))
		return
	}
	p := map[string]string{}
	for _, k := range append(signedParams, "sign") {
		if vs, ok := r.Form[k]; ok {
			p[k] = vs[0]
		}
	}
	method := p["method"]
	if _, ok := s.handlers()[method]; !ok || r.URL.Path != "/open/"+strings.ReplaceAll(method, ".", "/") {
		s.fail(w, http.StatusOK, errf(CodeBadRequest, "method %q does not exist at %s", method, r.URL.Path))
		return
	}
	if e := s.verify(p); e != nil {
		s.fail(w, http.StatusOK, e)
		return
	}
	if !s.Admit(w, r, method, kit.Gate{App: s.cfg.AppKey, Truncated: []byte(`{"result":1,"data":{"tru`),
		Fault: func(f kit.Fault, status int) {
			if f.Kind == kit.FaultRateLimit {
				s.fail(w, status, s.throttle(f.SubCode, method, f.Msg))
				return
			}
			s.fail(w, status, &apiErr{Code: cmp.Or(f.Code, CodeSystem), Msg: cmp.Or(f.Msg, "系统繁忙，请稍后重试")})
		},
		Quota: func() bool {
			if e := s.takeQuota(); e != nil {
				s.fail(w, http.StatusOK, e)
				return false
			}
			return true
		},
		Throttle: func(time.Duration) { s.fail(w, http.StatusOK, s.throttle(ThrottleQPS, method, "")) },
	}) {
		return
	}
	param := []byte(p["param"])
	if len(bytes.TrimSpace(param)) == 0 {
		param = []byte("{}")
	}
	s.mu.Lock()
	data, e := s.handlers()[method](param)
	if e == nil && !readOnly[method] {
		s.Persist.Changed()
	}
	s.mu.Unlock()
	if e != nil {
		s.fail(w, http.StatusOK, e)
		return
	}
	s.Stats.Serve(method)
	kit.WriteJSON(w, http.StatusOK, map[string]any{"result": CodeOK, "data": data})
}

// verify checks the system parameters, the signature and the token.
func (s *Server) verify(p map[string]string) *apiErr {
	switch {
	case !kit.Equal(p["appkey"], s.cfg.AppKey):
		return errf(CodeSignInvalid, "appkey 不存在")
	case p["version"] != "1":
		return errf(CodeSignInvalid, "version: only 1")
	}
	ms, err := strconv.ParseInt(p["timestamp"], 10, 64)
	if err != nil {
		return errf(CodeSignInvalid, "timestamp: want ms since the epoch")
	}
	if d := s.cfg.Now().Sub(time.UnixMilli(ms)); d > MaxClockSkew || d < -MaxClockSkew {
		return errf(CodeSignInvalid, "timestamp 已过期: more than %s off", MaxClockSkew)
	}
	want, ok := Sign(p["signMethod"], s.cfg.SignSecret, p)
	if !ok {
		return errf(CodeSignInvalid, "signMethod: MD5 or HMAC_SHA256")
	}
	if p["sign"] == "" || !kit.Equal(p["sign"], want) {
		return errf(CodeSignInvalid, "签名校验失败")
	}
	s.mu.Lock()
	exp, known := s.access[p["access_token"]]
	s.mu.Unlock()
	if !known || !s.cfg.Now().Before(exp) {
		return errf(CodeTokenInvalid, "鉴权失败: TOKEN过期或无效")
	}
	return nil
}

// Throttle kinds: the sub_code of a rate_limit fault picks one.
const (
	ThrottleQPS       = "qps"        // per app × API, retry after a pause
	ThrottleQuota     = "quota"      // the app's daily quota
	ThrottleUserQuota = "user_quota" // a test user's 2000 calls a day
	ThrottleAPIQuota  = "api_quota"  // [1017]: one API's daily quota per user
)

// testUser is the primaryUserId the gateway names in per-user throttles.
const testUser = "2000998884"

// throttle is the platform's text for a throttle (K1008).
func (s *Server) throttle(kind, method, extra string) *apiErr {
	var msg string
	switch kind {
	case ThrottleQuota:
		msg = fmt.Sprintf("Exceed quota limit, KEY [appkey:%s]", s.cfg.AppKey)
	case ThrottleUserQuota:
		msg = fmt.Sprintf("Exceed quota limit, KEY [appkey:%s;primaryUserId:%s]", s.cfg.AppKey, testUser)
	case ThrottleAPIQuota:
		msg = fmt.Sprintf("[1017] exceed quota limit,[apiId:%s;primaryUserId:%s]", method, testUser)
	default:
		msg = fmt.Sprintf("Exceed qps limit, KEY [apiId:%s;appkey:%s], MAX_QPS [%.1f]", method, s.cfg.AppKey, max(s.cfg.QPS, 1))
	}
	return &apiErr{Code: CodeThrottled, Msg: strings.TrimSpace(msg + " " + extra)}
}

var china = time.FixedZone("GMT+8", 8*3600)

// takeQuota counts a call against the app's daily quota.
func (s *Server) takeQuota() *apiErr {
	if s.cfg.DailyQuota <= 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	day := s.cfg.Now().In(china).Format("2006-01-02")
	if day != s.quotaDay {
		s.quotaDay, s.quotaUsed = day, 0
	}
	if s.quotaUsed >= s.cfg.DailyQuota {
		return s.throttle(ThrottleQuota, "", "")
	}
	s.quotaUsed++
	return nil
}

// fail answers an error. Gateway errors (sign, token, throttle) carry
// result and error_msg; business errors also the code/msg/subCode/subMsg
// shape of the documented 2001 example.
func (s *Server) fail(w http.ResponseWriter, status int, e *apiErr) {
	s.Stats.Reject(strconv.Itoa(e.Code))
	body := map[string]any{"result": e.Code, "error_msg": e.Msg}
	if e.Code >= CodeBadRequest {
		body = map[string]any{"result": e.Code, "code": "807000", "msg": "业务处理失败", "subCode": strconv.Itoa(e.Code),
			"subMsg": e.Msg, "errorMsg": e.Msg, "success": false, "data": nil}
	}
	kit.WriteJSON(w, status, body)
}

// decode reads an API's param strictly, naming an unknown or mistyped one.
func decode(param []byte, v any) *apiErr {
	dec := json.NewDecoder(bytes.NewReader(param))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return invalid(te.Field, "JSON %s where %s is expected", te.Value, te.Type)
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return invalid(strings.Trim(f, `"`), "unknown parameter")
		}
		return invalid("param", "not a JSON object: %v", err)
	}
	return nil
}
