// Package douyin is the sandbox of Douyin 抖店 + 精选联盟 (channels.md §5),
// written from the platform's side: it never imports its connector
// (connectors/douyin), nor the reverse.
//
// Every call is POST /<method with . → />?app_key=&method=&access_token=
// &timestamp=&v=2&sign_method=&sign= with the business params as the JSON
// body (param_json). The sandbox checks, in order: the path and method,
// app_key, timestamp (unix seconds or yyyy-MM-dd HH:mm:ss GMT+8, at most
// MaxClockSkew off), v=2, sign_method (hmac-sha256 or md5), the signature
// over secret + "app_key"…"v2" + secret with the body as param_json (which
// must be sorted, compact JSON), the access token (not for token.create
// and token.refresh), faults, the QPS (code 60000), then the method.
// Answers are HTTP 200 {code, msg, sub_code, sub_msg, data, log_id,
// err_no, message}: code 10000 and err_no 0 on success.
//
// Products are reviewed: addV2 and editV2 put the content in review
// (check_status 2); ReviewDelay later it passes (3, the content goes
// online, status 0) or is rejected (4) at RejectRate, with a reason in
// /product/auditList. Orders (normal and 精选联盟 CPS ones with ~20
// authors) are sold by the admin API and the generator. Every change of
// an order and every review's end is pushed to the subscribed receiver
// (push.go), signed with event-sign.
//
// Admin: the common API of sandbox/kit under /_sandbox/.
package douyin

import (
	"bytes"
	"cmp"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// Codes of the envelope (channels.md §5.3).
const (
	CodeOK             = 10000
	CodeUnavailable    = 20000
	CodeNoPermission   = 30001
	CodeMissingParam   = 40001 // a platform parameter is missing
	CodeMissingBizArg  = 40002
	CodeInvalidParam   = 40003 // a platform parameter (signature, timestamp, token) is invalid
	CodeInvalidBizArg  = 40004
	CodePlatformFailed = 50001
	CodeBizFailed      = 50002
	CodeThrottled      = 60000
	CodeAPIOffline     = 70000
)

// Sub codes the sandbox answers. The token ones are channels.md §5.1's;
// the business ones (not found, wrong state) were not seen in a source:
// UNCONFIRMED, and the connector keeps the same.
const (
	SubTokenExpired    = "isv.access-token-expired"
	SubTokenNoExisted  = "isv.access-token-no-existed"
	SubTokenMissing    = "isv.access-token-missing"
	SubSignature       = "isv.signature-invalid"
	SubTimestamp       = "isv.timestamp-invalid"
	SubFormat          = "isv.parameter-format-invalid"
	SubProductNotExist = "isv.business-failed:product-not-exist"
	SubSKUNotExist     = "isv.business-failed:sku-not-exist"
	SubOrderNotExist   = "isv.business-failed:order-not-exist"
	SubWrongState      = "isv.business-failed:status-not-allowed"
	SubTokenGenerate   = "dop.token-generate-failed"
)

var codeMsg = map[int]string{
	CodeOK: "success", CodeUnavailable: "服务不可用", CodeNoPermission: "无权限", CodeMissingParam: "缺少必选参数",
	CodeMissingBizArg: "缺少业务参数", CodeInvalidParam: "非法的参数", CodeInvalidBizArg: "非法的业务参数",
	CodePlatformFailed: "平台处理失败", CodeBizFailed: "业务处理失败", CodeThrottled: "触发限流，请稍后重试", CodeAPIOffline: "API已下线",
}

// Token lifetimes. UNCONFIRMED (channels.md §5.1: a sample shows
// expires_in 530808 s; nominally 7 d, refresh 14 d).
const (
	TokenLifetime   = 7 * 24 * time.Hour
	RefreshLifetime = 14 * 24 * time.Hour
)

// MaxClockSkew is how far a request's timestamp may be from the sandbox's
// clock. UNCONFIRMED: the platform's figure was not seen; TOP's is 10 min.
const MaxClockSkew = 10 * time.Minute

// Config configures a sandbox.
type Config struct {
	AppKey, AppSecret string
	ShopID            string // the shop token.create (authorization_self) grants
	QPS               float64
	OrdersPerMinute   float64
	Seed              int64
	Now               func() time.Time
	StateFile         string
	// ReviewDelay is how long a product review takes (0: DefaultReviewDelay).
	ReviewDelay time.Duration
	// RejectRate is the share of reviews that fail, 0 to 1.
	RejectRate float64
	// CPSShare is the share of sold orders promoted by a 达人 (0:
	// DefaultCPSShare; negative: none).
	CPSShare float64
	// PushURL subscribes a receiver of push messages from the start (""
	// = none until POST /_sandbox/push).
	PushURL string
}

// Defaults of Config.
const (
	DefaultReviewDelay = 2 * time.Second
	DefaultCPSShare    = 0.4
)

// Server is a running sandbox; it is an http.Handler.
type Server struct {
	kit.Base
	cfg Config

	mu          sync.Mutex
	rnd         *rand.Rand
	nextID      int64
	tokens      map[string]time.Time // access_token → expiry
	refresh     map[string]time.Time // refresh_token → expiry
	products    map[string]*product
	orders      map[string]*order
	orderList   []*order // every order, in creation order
	reviewDelay time.Duration
	rejectRate  float64
	rejects     map[string]string    // outer_product_id → reason of its next review
	idempotent  map[string]time.Time // applied syncStock idempotent_id → when
	pusher      *kit.Pusher          // push messages (push.go)
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
	if cfg.CPSShare == 0 {
		cfg.CPSShare = DefaultCPSShare
	}
	if cfg.RejectRate < 0 || cfg.RejectRate > 1 {
		return nil, fmt.Errorf("douyin sandbox: reject rate %v is outside 0 to 1", cfg.RejectRate)
	}
	s := &Server{cfg: cfg, tokens: map[string]time.Time{}, refresh: map[string]time.Time{}, reviewDelay: cfg.ReviewDelay, rejectRate: cfg.RejectRate,
		rejects: map[string]string{}, pusher: kit.NewPusher()}
	s.pusher.SetURL(cfg.PushURL)
	s.Base = kit.NewBase(kit.BaseConfig{Name: "douyin sandbox", StateFile: cfg.StateFile, StateVersion: stateVersion, Snapshot: s.snapshot,
		QPS: cfg.QPS, Seed: cfg.Seed, Now: cfg.Now})
	s.reset()
	if err := s.load(); err != nil {
		s.pusher.Close()
		return nil, err
	}
	s.Admin(s)
	s.Mux.HandleFunc("/", s.serveAPI)
	s.StartGenerator(cfg.OrdersPerMinute, s.generate)
	return s, nil
}

func (s *Server) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rnd = rand.New(rand.NewSource(s.cfg.Seed))
	s.nextID = 1e9 + s.rnd.Int63n(1e9)
	s.products = map[string]*product{}
	s.orders = map[string]*order{}
	s.orderList = nil
	s.idempotent = map[string]time.Time{}
	s.ResetCalls()
}

// newID returns a fresh id of prefix followed by digits up to scale: 19
// digits for products and orders (beyond float64), 16 for SKUs.
func (s *Server) newID(prefix, scale int64) string {
	s.nextID += 1 + s.rnd.Int63n(97)
	return strconv.FormatInt(prefix*scale+s.nextID, 10)
}

// apiErr is a failure answer.
type apiErr struct {
	Code    int
	SubCode string
	SubMsg  string
}

func errf(code int, sub, format string, args ...any) *apiErr {
	return &apiErr{Code: code, SubCode: sub, SubMsg: fmt.Sprintf(format, args...)}
}

func missing(field string) *apiErr {
	return errf(CodeMissingBizArg, "isv.missing-parameter:"+field, "%s 不能为空", field)
}

func invalid(field, format string, args ...any) *apiErr {
	return &apiErr{Code: CodeInvalidBizArg, SubCode: "isv.parameter-invalid:" + field, SubMsg: field + ": " + fmt.Sprintf(format, args...)}
}

func (s *Server) logID() string {
	return s.cfg.Now().In(china).Format("20060102150405") + strings.ToUpper(kit.RandHex(10))
}

func (s *Server) fail(w http.ResponseWriter, status int, e *apiErr) {
	s.Stats.Reject(strconv.Itoa(e.Code))
	kit.WriteJSON(w, status, map[string]any{"code": e.Code, "msg": codeMsg[e.Code], "sub_code": e.SubCode, "sub_msg": e.SubMsg,
		"data": map[string]any{}, "log_id": s.logID(), "err_no": e.Code, "message": e.SubMsg})
}

func (s *Server) ok(w http.ResponseWriter, method string, data any) {
	s.Stats.Serve(method)
	if data == nil {
		data = map[string]any{}
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"code": CodeOK, "msg": "success", "sub_code": "", "sub_msg": "", "data": data,
		"log_id": s.logID(), "err_no": 0, "message": "success"})
}

// Sign computes a request's signature as the platform does: the pattern
// secret + "app_key"+k + "method"+m + "param_json"+pj + "timestamp"+ts +
// "v"+v + secret, as lowercase hex of HMAC-SHA256 (key = secret) or MD5.
func Sign(signMethod, secret, appKey, method, paramJSON, timestamp, v string) string {
	pattern := secret + "app_key" + appKey + "method" + method + "param_json" + paramJSON + "timestamp" + timestamp + "v" + v + secret
	if signMethod == "md5" {
		sum := md5.Sum([]byte(pattern))
		return hex.EncodeToString(sum[:])
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(pattern))
	return hex.EncodeToString(m.Sum(nil))
}

// Canonical re-encodes a JSON object with sorted keys, compact, without
// HTML escaping and with numbers as written: the form of param_json.
func Canonical(body []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	if _, ok := v.(map[string]any); !ok {
		return "", errors.New("not a JSON object")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

var china = time.FixedZone("GMT+8", 8*3600)

func (s *Server) checkTimestamp(ts string) bool {
	var t time.Time
	if n, err := strconv.ParseInt(ts, 10, 64); err == nil {
		t = time.Unix(n, 0)
	} else if p, err := time.ParseInLocation("2006-01-02 15:04:05", ts, china); err == nil {
		t = p
	} else {
		return false
	}
	d := s.cfg.Now().Sub(t)
	return d <= MaxClockSkew && d >= -MaxClockSkew
}

type handler func(body []byte) (any, *apiErr)

func (s *Server) handlers() map[string]handler {
	return map[string]handler{
		"token.create": s.tokenCreate, "token.refresh": s.tokenRefresh,
		"product.addV2": s.productAdd, "product.editV2": s.productEdit, "product.detail": s.productDetail,
		"product.listV2": s.productList, "product.auditList": s.auditList,
		"product.setOnline": s.setOnline, "product.setOffline": s.setOffline,
		"sku.syncStock": s.syncStock, "sku.editPrice": s.editPrice, "buyin.simplePlan": s.simplePlan,
		"order.searchList": s.searchList, "order.orderDetail": s.orderDetail, "order.logisticsAdd": s.logisticsAdd,
		"alliance.getOrderList": s.allianceOrders,
	}
}

var readOnly = map[string]bool{"product.detail": true, "product.listV2": true, "product.auditList": true,
	"order.searchList": true, "order.orderDetail": true, "alliance.getOrderList": true}

// serveAPI answers one gateway call.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		s.fail(w, http.StatusOK, errf(CodeInvalidParam, "isv.http-method-invalid", "only POST is served"))
		return
	}
	q := r.URL.Query()
	method := q.Get("method")
	for _, p := range []string{"app_key", "method", "timestamp", "v", "sign"} {
		if q.Get(p) == "" {
			s.fail(w, http.StatusOK, errf(CodeMissingParam, "isv.missing-parameter:"+p, "缺少参数 %s", p))
			return
		}
	}
	h, known := s.handlers()[method]
	switch {
	case r.URL.Path != "/"+strings.ReplaceAll(method, ".", "/"):
		s.fail(w, http.StatusOK, errf(CodeInvalidParam, "isv.parameter-invalid:method", "method %s does not match the path %s", method, r.URL.Path))
		return
	case !known:
		s.fail(w, http.StatusOK, errf(CodeAPIOffline, "isp.api-service-off", "api %s 不存在或已下线", method))
		return
	case !kit.Equal(q.Get("app_key"), s.cfg.AppKey):
		s.fail(w, http.StatusOK, errf(CodeInvalidParam, "isv.app-key-invalid", "app_key 不存在"))
		return
	case !s.checkTimestamp(q.Get("timestamp")):
		s.fail(w, http.StatusOK, errf(CodeInvalidParam, SubTimestamp, "timestamp %s 不合法或与服务器时间相差过大", q.Get("timestamp")))
		return
	case q.Get("v") != "2":
		s.fail(w, http.StatusOK, errf(CodeInvalidParam, "isv.parameter-invalid:v", "v must be 2"))
		return
	}
	signMethod := q.Get("sign_method")
	if signMethod == "" {
		signMethod = "md5"
	}
	if signMethod != "md5" && signMethod != "hmac-sha256" {
		s.fail(w, http.StatusOK, errf(CodeInvalidParam, "isv.parameter-invalid:sign_method", "sign_method %s: want md5 or hmac-sha256", signMethod))
		return
	}
	body, err := kit.ReadJSONObject(w, r)
	if err != nil {
		s.fail(w, http.StatusOK, errf(CodeInvalidParam, SubFormat, "param_json: %v", err))
		return
	}
	want := Sign(signMethod, s.cfg.AppSecret, q.Get("app_key"), method, string(body), q.Get("timestamp"), "2")
	if !kit.Equal(q.Get("sign"), want) {
		s.fail(w, http.StatusOK, errf(CodeInvalidParam, SubSignature, "签名校验失败"))
		return
	}
	if c, err := Canonical(body); err != nil || c != string(body) {
		s.fail(w, http.StatusOK, errf(CodeInvalidParam, SubFormat, "param_json must be compact JSON with sorted keys"))
		return
	}
	if method != "token.create" && method != "token.refresh" {
		if e := s.authorize(q.Get("access_token")); e != nil {
			s.fail(w, http.StatusOK, e)
			return
		}
	}
	if !s.Admit(w, r, method, kit.Gate{App: s.cfg.AppKey, Truncated: []byte(`{"code":10000,"msg":"success","data":{"tru`),
		Fault: func(f kit.Fault, status int) {
			if f.Kind == kit.FaultRateLimit {
				s.fail(w, status, &apiErr{Code: cmp.Or(f.Code, CodeThrottled), SubCode: f.SubCode, SubMsg: cmp.Or(f.Msg, codeMsg[CodeThrottled])})
				return
			}
			s.fail(w, status, &apiErr{Code: cmp.Or(f.Code, CodeUnavailable), SubCode: cmp.Or(f.SubCode, "isp.service-error"), SubMsg: cmp.Or(f.Msg, "服务暂不可用")})
		},
		Throttle: func(time.Duration) { s.fail(w, http.StatusOK, errf(CodeThrottled, "", "%s", codeMsg[CodeThrottled])) },
	}) {
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
	s.ok(w, method, data)
}

func (s *Server) authorize(tok string) *apiErr {
	if tok == "" {
		return errf(CodeMissingParam, SubTokenMissing, "access_token 不能为空")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.tokens[tok]
	switch {
	case !ok:
		return errf(CodeInvalidParam, SubTokenNoExisted, "access_token 不存在")
	case !s.cfg.Now().Before(exp):
		return errf(CodeInvalidParam, SubTokenExpired, "access_token 已过期")
	}
	return nil
}

// decode reads a method's params; a mistyped one is refused naming it.
// Unknown params are ignored, as the platform ignores what it does not use.
func decode(body []byte, v any) *apiErr {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return invalid(te.Field, "JSON %s where %s is expected", te.Value, te.Type)
		}
		return errf(CodeInvalidParam, SubFormat, "param_json: %v", err)
	}
	return nil
}

// tokenCreate answers token.create for a 自用型 app (authorization_self
// with the shop's id) or a tool app's authorization_code (the sandbox
// grants any non-empty code for its shop).
func (s *Server) tokenCreate(body []byte) (any, *apiErr) {
	var in struct {
		Code      string `json:"code"`
		GrantType string `json:"grant_type"`
		ShopID    flexID `json:"shop_id"`
		TestShop  string `json:"test_shop"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	switch in.GrantType {
	case "authorization_self":
		if string(in.ShopID) != s.cfg.ShopID && in.TestShop != "1" {
			return nil, errf(CodePlatformFailed, SubTokenGenerate+":shop-id-invalid", "shop_id %s 未授权该应用", in.ShopID)
		}
	case "authorization_code":
		if in.Code == "" {
			return nil, errf(CodePlatformFailed, SubTokenGenerate+":code-invalid", "code 不合法")
		}
	default:
		return nil, errf(CodePlatformFailed, SubTokenGenerate+":grant-type-invalid", "grant_type %q 不合法", in.GrantType)
	}
	return s.issue(), nil
}

func (s *Server) tokenRefresh(body []byte) (any, *apiErr) {
	var in struct {
		GrantType    string `json:"grant_type"`
		RefreshToken string `json:"refresh_token"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if in.GrantType != "refresh_token" {
		return nil, errf(CodePlatformFailed, SubTokenGenerate+":grant-type-invalid", "grant_type %q 不合法", in.GrantType)
	}
	exp, ok := s.refresh[in.RefreshToken]
	switch {
	case !ok:
		return nil, errf(CodePlatformFailed, SubTokenGenerate+":refresh-token-invalid", "refresh_token 不合法")
	case !s.cfg.Now().Before(exp):
		return nil, errf(CodePlatformFailed, SubTokenGenerate+":token-expired", "refresh_token 已过期")
	}
	delete(s.refresh, in.RefreshToken) // a refresh token is used once: the answer carries the next
	return s.issue(), nil
}

// issue mints an access and refresh token pair (under s.mu).
func (s *Server) issue() map[string]any {
	now := s.cfg.Now()
	at, rt := "sbx-"+kit.RandHex(16), "sbxr-"+kit.RandHex(16)
	s.tokens[at], s.refresh[rt] = now.Add(TokenLifetime), now.Add(RefreshLifetime)
	shop, _ := strconv.ParseInt(s.cfg.ShopID, 10, 64)
	return map[string]any{"access_token": at, "expires_in": int64(TokenLifetime / time.Second), "refresh_token": rt,
		"scope": "SCOPE", "shop_id": shop, "shop_name": "抖店沙箱店铺", "authority_id": s.cfg.ShopID}
}

// flexID is an id sent as a JSON number or string.
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexID(s)
		return nil
	}
	if string(b) == "null" {
		*f = ""
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexID(n)
	return nil
}
