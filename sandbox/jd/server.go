// Package jd is the sandbox of JD JOS 京东宙斯 (channels.md §4), written
// from the platform's side: it never imports its connector
// (connectors/jd), nor the reverse.
//
// Gateway: /routerjson, GET or POST (form; the parameters may also be in
// the query). It checks method, app_key, timestamp (±6 min), v, format,
// sign_method, sign and access_token in that order, answering JOS's
// error_response{code, zh_desc, en_desc} in HTTP 200; then faults, then
// the QPS limit (code 2), then the method. Success is
// {"<method with dots as underscores>_responce":{"code":"0",…}}.
//
// OAuth: /oauth2/refresh_token issues an access token (TokenLifetime) and
// a new refresh token; the old refresh token dies (rotation, UNCONFIRMED:
// integrators keep whichever JD answers, so the stricter rule is served).
//
// Admin: the common API of sandbox/kit under /_sandbox/.
package jd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// Gateway and business codes the sandbox answers: its own table, written
// from JD's published system error list (see connectors/jd for how each
// is read).
const (
	CodeOK           = "0"
	CodeUnavailable  = "1"
	CodeThrottled    = "2" // 限制时间内调用失败次数 App Call Limited
	CodeNoVersion    = "4"
	CodeBadVersion   = "5"
	CodeNoTimestamp  = "7"
	CodeBadTimestamp = "8"
	CodeNoSign       = "11"
	CodeBadSign      = "12"
	CodeBadFormat    = "13"
	CodeNoMethod     = "14"
	CodeBadMethod    = "15"
	CodeNoToken      = "18"
	CodeBadToken     = "19" // invalid or expired
	CodeNoAppKey     = "20"
	CodeBadAppKey    = "21"
	CodeBadParam     = "61" // 参数[x]值不合法
	CodeBadJSON      = "63"
	CodeBackend      = "67" // 平台连接后端服务处理过程中出现未知异常信息
	CodeOrderState   = "70" // the order's state forbids it
	CodeNotOwned     = "71" // 当前的ID不属于此商家: an unknown id
	CodeAboveMarket  = "11201056"
)

var descs = map[string][2]string{
	CodeUnavailable: {"服务不可用", "Service Unavailable"}, CodeThrottled: {"限制时间内调用失败次数", "App Call Limited"},
	CodeNoVersion: {"缺少版本参数", "Missing Version"}, CodeBadVersion: {"不支持的版本号", "Unsupported Version"},
	CodeNoTimestamp: {"缺少时间戳参数", "Missing Timestamp"}, CodeBadTimestamp: {"非法的时间戳参数", "Invalid Timestamp"},
	CodeNoSign: {"缺少签名参数", "Missing Signature"}, CodeBadSign: {"无效签名", "Invalid Signature"},
	CodeBadFormat: {"无效数据格式", "Invalid Format"}, CodeNoMethod: {"缺少方法名参数", "Missing Method"},
	CodeBadMethod: {"不存在的方法名", "Invalid Method"}, CodeNoToken: {"缺少access_token参数", "Missing access_token"},
	CodeBadToken: {"无效access_token", "Invalid access_token"}, CodeNoAppKey: {"缺少app_key参数", "Missing app_key"},
	CodeBadAppKey: {"无效app_key", "Invalid app_key"}, CodeBackend: {"平台连接后端服务处理过程中出现未知异常信息", "platform connecting service process unknown exception information"},
}

// TokenLifetime is how long an access token lives (UNCONFIRMED: the OAuth
// answer's expires_in decides; integrators see from a day to 30 days).
const TokenLifetime = 24 * time.Hour

// Order query limits of pop.order.search (the connector's choice, served
// the same: UNCONFIRMED).
const (
	MaxOrderWindow = 24 * time.Hour
	OrderLifetime  = 90 * 24 * time.Hour
	MaxPageSize    = 100
)

// Config configures a sandbox.
type Config struct {
	AppKey, AppSecret string
	RefreshToken      string // the shop's OAuth grant: valid until first used
	QPS               float64
	OrdersPerMinute   float64 // paid orders sold by themselves
	CancelsPerMinute  float64 // open orders their buyers cancel by themselves
	Seed              int64
	Now               func() time.Time
	MaxSkew           time.Duration // default 6 min
	StateFile         string
}

// Server is a running sandbox; it is an http.Handler.
type Server struct {
	kit.Base
	cfg      Config
	handlers map[string]handler

	mu      sync.Mutex
	rnd     *rand.Rand
	nextID  int64
	wares   map[int64]*ware
	orders  map[string]*order
	access  map[string]time.Time // access_token → expiry
	refresh map[string]bool      // live refresh tokens
}

// New builds a sandbox for tests; it panics where Open returns an error.
func New(cfg Config) *Server { return kit.Must(Open(cfg)) }

// Open builds a sandbox, loads its StateFile if any and starts its
// generators.
func Open(cfg Config) (*Server, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxSkew <= 0 {
		cfg.MaxSkew = 6 * time.Minute
	}
	s := &Server{cfg: cfg, access: map[string]time.Time{}, refresh: map[string]bool{}}
	if cfg.RefreshToken != "" {
		s.refresh[cfg.RefreshToken] = true
	}
	s.Base = kit.NewBase(kit.BaseConfig{Name: "jd sandbox", StateFile: cfg.StateFile, StateVersion: stateVersion, Snapshot: s.snapshot,
		QPS: cfg.QPS, Seed: cfg.Seed, Now: cfg.Now})
	s.reset()
	if err := s.load(); err != nil {
		return nil, err
	}
	s.handlers = s.methods()
	s.Mux.HandleFunc("/routerjson", s.serveRouter)
	s.Mux.HandleFunc("/oauth2/refresh_token", s.serveRefresh)
	s.Admin(s)
	s.StartGenerator(cfg.OrdersPerMinute, func() { _, _ = s.SellOrders(1, "") })
	s.StartGenerator(cfg.CancelsPerMinute, s.cancelOne)
	return s, nil
}

func (s *Server) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rnd = rand.New(rand.NewSource(s.cfg.Seed))
	s.nextID = 10023400000 + s.rnd.Int63n(1e6)
	s.wares = map[int64]*ware{}
	s.orders = map[string]*order{}
	s.ResetCalls()
}

// Reset implements kit.Shop: no wares, no orders, no calls recorded.
// Tokens stay.
func (s *Server) Reset() {
	s.reset()
	s.mu.Lock()
	s.Persist.Changed()
	s.mu.Unlock()
}

func (s *Server) newID() int64 {
	s.nextID += 1 + s.rnd.Int63n(97)
	return s.nextID
}

// ExpireTokens makes every access token unknown, as after its expiry;
// refresh tokens stay live.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.access = map[string]time.Time{}
	s.Persist.Changed()
}

// serveRefresh answers the OAuth refresh with a new access token and a new
// refresh token; the used refresh token dies. Errors are {code, msg}
// (codes UNCONFIRMED: 401 app, 402 refresh token), HTTP 200.
func (s *Server) serveRefresh(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		kit.WriteJSON(w, http.StatusOK, map[string]any{"code": 400, "msg": "bad request: " + err.Error()})
		return
	}
	fail := func(code int, msg string) {
		s.Stats.Reject("oauth " + strconv.Itoa(code))
		kit.WriteJSON(w, http.StatusOK, map[string]any{"code": code, "msg": msg, "requestId": kit.RandHex(8)})
	}
	rt := r.Form.Get("refresh_token")
	switch {
	case r.Form.Get("grant_type") != "refresh_token":
		fail(400, "grant_type must be refresh_token")
		return
	case !kit.Equal(r.Form.Get("app_key"), s.cfg.AppKey) || !kit.Equal(r.Form.Get("app_secret"), s.cfg.AppSecret):
		fail(401, "app_key or app_secret is wrong")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.refresh[rt] {
		fail(402, "refresh_token is invalid or has been used")
		return
	}
	delete(s.refresh, rt)
	tok, next := kit.RandHex(16), kit.RandHex(16)
	s.access[tok] = s.cfg.Now().Add(TokenLifetime)
	s.refresh[next] = true
	s.Persist.Changed()
	s.Stats.Serve("oauth2.refresh_token")
	kit.WriteJSON(w, http.StatusOK, map[string]any{"access_token": tok, "expires_in": int64(TokenLifetime / time.Second),
		"refresh_token": next, "scope": "snsapi_base", "open_id": "sandbox-shop", "uid": "1234567", "time": s.cfg.Now().UnixMilli(), "token_type": "bearer"})
}

// apiErr is a failure of a method. inResponce answers it inside the
// method's _responce (code ≠ "0") instead of error_response.
type apiErr struct {
	Code, Zh, En string
	inResponce   bool
}

func errOf(code string) *apiErr {
	d := descs[code]
	return &apiErr{Code: code, Zh: d[0], En: d[1]}
}

// badParam is JD's 61 naming the parameter.
func badParam(name, format string, args ...any) *apiErr {
	return &apiErr{Code: CodeBadParam, Zh: fmt.Sprintf("参数[%s]值不合法，请参照帮助文档确认！", name) + " " + fmt.Sprintf(format, args...),
		En: "parameter [" + name + "] is not valid"}
}

// notOwned is 71 inside the _responce: the id is not this shop's.
func notOwned(what string, id any) *apiErr {
	return &apiErr{Code: CodeNotOwned, Zh: fmt.Sprintf("当前的ID不属于此商家: %s %v", what, id), En: "Id is not belong to the special vender", inResponce: true}
}

type handler func(p json.RawMessage) (map[string]any, *apiErr)

// readOnly methods change nothing, so they never dirty the state file.
var readOnly = map[string]bool{"jingdong.ware.read.searchWare4Valid": true, "jingdong.sku.read.searchSkuList": true,
	"jingdong.pop.order.search": true, "jingdong.pop.order.get": true}

func (s *Server) methods() map[string]handler {
	return map[string]handler{
		"jingdong.ware.write.add": s.wareAdd, "jingdong.ware.write.updateWare": s.wareUpdate,
		"jingdong.ware.write.upOrDown": s.upOrDown, "jingdong.ware.read.searchWare4Valid": s.searchWares,
		"jingdong.sku.write.updateSkus": s.updateSkus, "jingdong.sku.read.searchSkuList": s.searchSkus,
		"jingdong.price.write.updateSkuJdPrice": s.updatePrice, "jingdong.stock.write.updateSkuStock": s.updateStock,
		"jingdong.pop.order.search": s.orderSearch, "jingdong.pop.order.get": s.orderGet,
		"jingdong.pop.order.shipment": s.orderShipment,
	}
}

// serveRouter answers one gateway call.
func (s *Server) serveRouter(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, http.StatusOK, &apiErr{Code: CodeBadFormat, Zh: "无效数据格式: " + err.Error(), En: "Invalid Format"})
		return
	}
	p := map[string]string{}
	for k, v := range r.Form {
		p[k] = v[0]
	}
	method := p["method"]
	h, known := s.handlers[method]
	if e := s.verify(p, method, known); e != nil {
		s.fail(w, http.StatusOK, e)
		return
	}
	if !s.Admit(w, r, method, kit.Gate{App: s.cfg.AppKey, Truncated: []byte(`{"` + responseRoot(method) + `":{"code":"0","trun`),
		Fault: func(f kit.Fault, status int) {
			if f.Kind == kit.FaultRateLimit {
				s.fail(w, status, withCode(errOf(CodeThrottled), f.Code, f.Msg))
				return
			}
			s.fail(w, status, withCode(errOf(CodeBackend), f.Code, f.Msg))
		},
		Throttle: func(time.Duration) { s.fail(w, http.StatusOK, errOf(CodeThrottled)) },
	}) {
		return
	}
	pj := p["360buy_param_json"]
	if pj == "" {
		pj = "{}"
	}
	if !json.Valid([]byte(pj)) || strings.TrimSpace(pj)[0] != '{' {
		s.fail(w, http.StatusOK, &apiErr{Code: CodeBadJSON, Zh: "json格式不合法: 360buy_param_json", En: "360buy_param_json is not a JSON object"})
		return
	}
	s.mu.Lock()
	data, e := h(json.RawMessage(pj))
	if e == nil && !readOnly[method] {
		s.Persist.Changed()
	}
	s.mu.Unlock()
	if e != nil {
		s.fail(w, http.StatusOK, e, method)
		return
	}
	s.Stats.Serve(method)
	data["code"] = CodeOK
	kit.WriteJSON(w, http.StatusOK, map[string]any{responseRoot(method): data})
}

func withCode(e *apiErr, code int, msg string) *apiErr {
	if code != 0 {
		e.Code = strconv.Itoa(code)
	}
	if msg != "" {
		e.Zh = msg
	}
	return e
}

// responseRoot is JOS's success key: dots as underscores, then "_responce".
func responseRoot(method string) string { return strings.ReplaceAll(method, ".", "_") + "_responce" }

// verify checks the system parameters in the gateway's order.
func (s *Server) verify(p map[string]string, method string, known bool) *apiErr {
	switch {
	case method == "":
		return errOf(CodeNoMethod)
	case !known:
		return withCode(errOf(CodeBadMethod), 0, "不存在的方法名: "+method)
	case p["app_key"] == "":
		return errOf(CodeNoAppKey)
	case !kit.Equal(p["app_key"], s.cfg.AppKey):
		return errOf(CodeBadAppKey)
	case p["timestamp"] == "":
		return errOf(CodeNoTimestamp)
	}
	ts, err := time.ParseInLocation("2006-01-02 15:04:05", p["timestamp"], china)
	if err != nil {
		return withCode(errOf(CodeBadTimestamp), 0, "非法的时间戳参数: "+p["timestamp"])
	}
	if d := s.cfg.Now().Sub(ts); d > s.cfg.MaxSkew || d < -s.cfg.MaxSkew {
		return withCode(errOf(CodeBadTimestamp), 0, fmt.Sprintf("非法的时间戳参数: 与服务器时间相差 %s", d.Round(time.Second)))
	}
	switch v := p["v"]; {
	case v == "":
		return errOf(CodeNoVersion)
	case v != "2.0":
		return errOf(CodeBadVersion)
	}
	if f := p["format"]; f != "" && f != "json" {
		return errOf(CodeBadFormat)
	}
	if sm := p["sign_method"]; sm != "" && sm != "md5" {
		return withCode(errOf(CodeBadSign), 0, "无效签名: sign_method "+sm+" is not md5")
	}
	switch {
	case p["sign"] == "":
		return errOf(CodeNoSign)
	case !kit.Equal(strings.ToUpper(p["sign"]), Sign(s.cfg.AppSecret, p)):
		return errOf(CodeBadSign)
	case p["access_token"] == "":
		return errOf(CodeNoToken)
	}
	s.mu.Lock()
	exp, ok := s.access[p["access_token"]]
	s.mu.Unlock()
	if !ok || !s.cfg.Now().Before(exp) {
		return errOf(CodeBadToken)
	}
	return nil
}

// fail answers an error: in error_response, or inside the method's
// _responce when the error says so.
func (s *Server) fail(w http.ResponseWriter, status int, e *apiErr, method ...string) {
	s.Stats.Reject(e.Code)
	body := map[string]any{"code": e.Code, "zh_desc": e.Zh, "en_desc": e.En}
	if e.inResponce && len(method) > 0 {
		kit.WriteJSON(w, status, map[string]any{responseRoot(method[0]): body})
		return
	}
	kit.WriteJSON(w, status, map[string]any{"error_response": body})
}

// decode reads a method's parameters with numbers kept exact; a value of
// the wrong JSON type is a 61 naming the parameter.
func decode(p json.RawMessage, v any) *apiErr {
	dec := json.NewDecoder(bytes.NewReader(p))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		if te, ok := err.(*json.UnmarshalTypeError); ok && te.Field != "" {
			return badParam(te.Field, "JSON %s where %s is expected", te.Value, te.Type)
		}
		return &apiErr{Code: "62", Zh: "json转换时错误，错误的请求参数: " + err.Error(), En: "bad 360buy_param_json"}
	}
	return nil
}
