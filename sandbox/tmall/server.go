// Package tmall is a faithful fake of the Taobao/Tmall TOP gateway, written
// from the platform's side: its own signature check, its own envelopes and
// error codes, TOP's item and trade rules, a QPS limit answered with code 7,
// generated orders, fault injection and optional persistence. It never
// imports the connector. See sandbox/README.md.
//
// Gateway: POST /router/rest (form; system params may also be in the query).
// Admin:   the common API of sandbox/kit (items, orders, cancel, refund,
//
//	faults, stats, reset) plus TOP's own views /_sandbox/top/items and
//	GET /_sandbox/orders (JSON, unsigned).
package tmall

import (
	"crypto/hmac"
	"fmt"
	"math/rand"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// Config configures a sandbox.
type Config struct {
	AppKey, AppSecret, Session string
	QPS                        float64          // 0 = unlimited
	OrdersPerMinute            float64          // 0 = only on request
	Seed                       int64            // ids, names and fault ratios
	Now                        func() time.Time // nil = time.Now
	MaxSkew                    time.Duration    // default 10m
	// StateFile, when set, keeps the shop's items and trades across restarts:
	// loaded by Open, written after changes and by Close ("" = memory only).
	StateFile string
}

// Server is a running sandbox; it is an http.Handler.
type Server struct {
	kit.Base
	cfg      Config
	handlers map[string]handler // TOP method → its handler, built once
	bans     *kit.Bans          // a throttle answer bans the app, as TOP does
	reqSeq   atomic.Int64       // request ids: their own sequence, so they never shift the seeded ids

	mu        sync.Mutex
	rnd       *rand.Rand
	nextID    int64
	items     map[int64]*item
	trades    map[int64]*trade
	lastPrune time.Time
}

// gmt8 is TOP's clock; the sandbox needs no tz database.
var gmt8 = time.FixedZone("GMT+8", 8*3600)

const topTime = "2006-01-02 15:04:05"

// tradeLifetime is how far back TOP serves trades ("only last 3 months").
const tradeLifetime = 90 * 24 * time.Hour

// New builds a sandbox for tests; it panics where Open returns an error
// (only a StateFile that cannot be read).
func New(cfg Config) *Server { return kit.Must(Open(cfg)) }

// Open builds a sandbox, loads its StateFile if there is one, and starts
// its order generator. A state file that exists but cannot be read is an
// error naming the file.
func Open(cfg Config) (*Server, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxSkew <= 0 {
		cfg.MaxSkew = 10 * time.Minute
	}
	s := &Server{cfg: cfg, bans: kit.NewBans(cfg.Now)}
	s.Base = kit.NewBase(kit.BaseConfig{Name: "tmall sandbox", StateFile: cfg.StateFile, StateVersion: stateVersion, Snapshot: s.snapshot,
		QPS: cfg.QPS, Seed: cfg.Seed, Now: cfg.Now})
	s.reset()
	if err := s.load(); err != nil {
		return nil, err
	}
	s.handlers = s.methods()
	s.Mux.HandleFunc("/router/rest", s.serveTOP)
	s.Admin(s)
	s.Mux.HandleFunc("GET /_sandbox/top/items", s.adminTOPItems)
	s.Mux.HandleFunc("GET /_sandbox/orders", s.adminListOrders)
	s.StartGenerator(cfg.OrdersPerMinute, func() { _, _ = s.CreateOrders(1, "") })
	return s, nil
}

func (s *Server) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rnd = rand.New(rand.NewSource(s.cfg.Seed))
	s.nextID = 600000000000 + s.rnd.Int63n(1e9)
	s.items = map[int64]*item{}
	s.trades = map[int64]*trade{}
	s.bans.Clear()
}

func (s *Server) newID() int64 {
	s.nextID += 1 + s.rnd.Int63n(97)
	return s.nextID
}

// topErr is an error_response.
type topErr struct {
	Code    int    `json:"code"`
	Msg     string `json:"msg"`
	SubCode string `json:"sub_code,omitempty"`
	SubMsg  string `json:"sub_msg,omitempty"`
}

var platformMsgs = map[int]string{4: "User Call Limited", 5: "Session Call Limited", 6: "Partner Call Limited",
	7: "App Call Limited", 8: "App Call Exceeds Limited Frequency", 10: "Service Currently Unavailable",
	15: "Remote service error", 21: "Missing Method", 22: "Invalid Method",
	23: "Invalid Format", 24: "Missing Signature", 25: "Invalid Signature", 26: "Missing Session", 27: "Invalid session",
	28: "Missing App Key", 29: "Invalid App Key", 30: "Missing Timestamp", 31: "Invalid Timestamp",
	32: "Missing Version", 34: "Unsupported Version",
	40: "Missing Required Arguments", 41: "Invalid Arguments"}

func perr(code int, sub, subMsg string) *topErr {
	return &topErr{Code: code, Msg: platformMsgs[code], SubCode: sub, SubMsg: subMsg}
}

// missing and invalidArg are the two argument errors TOP answers.
func missing(name string) *topErr {
	return perr(40, "missing-parameter:"+name, "缺少必选参数 "+name)
}

func invalidArg(name, why string) *topErr {
	return perr(15, "isv.invalid-parameter:"+name, fmt.Sprintf("参数 %s 无效: %s", name, why))
}

type handler func(p params) (any, *topErr)

type params map[string]string

func (p params) get(k string) string { return p[k] }

func (s *Server) methods() map[string]handler {
	return map[string]handler{
		"taobao.item.add": s.itemAdd, "taobao.item.update": s.itemUpdate, "taobao.item.seller.get": s.itemSellerGet,
		"taobao.items.custom.get": s.itemsCustomGet, "taobao.item.sku.price.update": s.skuPriceUpdate,
		"taobao.item.quantity.update": s.quantityUpdate, "taobao.item.update.listing": s.listing,
		"taobao.item.update.delisting": s.delisting, "taobao.trades.sold.increment.get": s.incrementGet,
		"taobao.trade.fullinfo.get": s.fullinfoGet, "taobao.logistics.offline.send": s.offlineSend,
		"taobao.item.sku.delete": s.skuDelete,
	}
}

// readOnly methods change nothing, so they never dirty the state file.
var readOnly = map[string]bool{"taobao.item.seller.get": true, "taobao.items.custom.get": true,
	"taobao.trades.sold.increment.get": true, "taobao.trade.fullinfo.get": true}

// serveTOP answers one gateway call: method, then the caller's identity
// and signature, then faults (so an unauthenticated call never uses up a
// count-limited fault, and an injected fault is acted out even inside a
// ban), then the app's ban, then the QPS limit, then the method itself.
//
// A throttle answer (the QPS limit, or a rate_limit fault) bans the app as
// TOP does: for the announced seconds every call of the app_key is refused
// with code 7 and "This ban will last for N more seconds", N counting down.
// Calls that arrive inside a ban are counted (calls_during_ban).
func (s *Server) serveTOP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, perr(41, "", "form: "+err.Error()))
		return
	}
	p := params{}
	for k, v := range r.Form {
		p[k] = v[0]
	}
	method := p.get("method")
	if method == "" {
		s.fail(w, perr(21, "", ""))
		return
	}
	h, ok := s.handlers[method]
	if !ok {
		s.fail(w, perr(22, "", "unknown method "+method))
		return
	}
	if e := s.verify(p); e != nil {
		s.fail(w, e)
		return
	}
	app := p.get("app_key")
	if _, _, banned := s.bans.Check(app); banned {
		s.Stats.DuringBan()
	}
	if !s.Admit(w, r, method, kit.Gate{App: app, Truncated: []byte(`{"` + responseRoot(method) + `":{"trun`),
		Fault: func(f kit.Fault, status int) { s.answerFault(w, status, app, f) },
		Quota: func() bool {
			if left, sub, banned := s.bans.Check(app); banned {
				s.fail(w, perr(7, sub, fmt.Sprintf("This ban will last for %d more seconds", kit.Seconds(left))))
				return false
			}
			return true
		},
		Throttle: func(wait time.Duration) {
			secs := kit.Seconds(wait)
			const sub = "accesscontrol.limited-by-app-access-count"
			s.bans.Start(app, time.Duration(secs)*time.Second, sub)
			s.fail(w, perr(7, sub, fmt.Sprintf("This ban will last for %d more seconds", secs)))
		},
	}) {
		return
	}
	s.mu.Lock()
	s.prune()
	resp, e := h(p)
	if e == nil && !readOnly[method] {
		s.changed()
	}
	s.mu.Unlock()
	if e != nil {
		s.fail(w, e)
		return
	}
	s.Stats.Serve(method)
	root := responseRoot(method)
	if m, ok := resp.(map[string]any); ok {
		m["request_id"] = s.requestID()
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{root: resp})
}

// responseRoot is TOP's success wrapper: the method without "taobao.",
// dots as underscores, then "_response".
func responseRoot(method string) string {
	return strings.ReplaceAll(strings.TrimPrefix(method, "taobao."), ".", "_") + "_response"
}

// Sign methods the gateway accepts.
var signMethods = map[string]bool{"md5": true, "hmac": true, "hmac-sha256": true}

// verify checks the system parameters in TOP's order. The version codes
// are channels.md's "32/33/34 version"; which of 33/34 TOP answers for a
// wrong v is UNCONFIRMED (34 "Unsupported Version" here).
func (s *Server) verify(p params) *topErr {
	switch {
	case p.get("app_key") == "":
		return perr(28, "", "")
	case p.get("app_key") != s.cfg.AppKey:
		return perr(29, "", "")
	case p.get("timestamp") == "":
		return perr(30, "", "")
	}
	ts, err := parseTimestamp(p.get("timestamp"))
	if err != nil {
		return perr(31, "", "timestamp 格式错误: "+p.get("timestamp"))
	}
	if d := s.cfg.Now().Sub(ts); d > s.cfg.MaxSkew || d < -s.cfg.MaxSkew {
		return perr(31, "", fmt.Sprintf("timestamp 与服务器时间相差 %s，超过 %s", d.Round(time.Second), s.cfg.MaxSkew))
	}
	switch v := p.get("v"); {
	case v == "":
		return perr(32, "", "")
	case v != "2.0":
		return perr(34, "", "version "+v+" is not supported, use 2.0")
	}
	if f := p.get("format"); f != "" && f != "json" {
		return perr(23, "", "only format=json is served by this sandbox")
	}
	sm := p.get("sign_method")
	if sm == "" {
		sm = "md5" // the old TOP doc's default
	}
	if !signMethods[sm] {
		return perr(25, "", "sign_method "+sm+" is not md5, hmac or hmac-sha256")
	}
	if p.get("sign") == "" {
		return perr(24, "", "")
	}
	if !hmac.Equal([]byte(strings.ToUpper(p.get("sign"))), []byte(Sign(sm, s.cfg.AppSecret, p))) {
		return perr(25, "", "")
	}
	switch {
	case p.get("session") == "":
		return perr(26, "", "")
	case p.get("session") != s.cfg.Session:
		return perr(27, "invalid-sessionkey", "SessionKey非法")
	}
	return nil
}

func parseTimestamp(v string) (time.Time, error) {
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.UnixMilli(ms), nil
	}
	return time.ParseInLocation(topTime, v, gmt8)
}

func (s *Server) fail(w http.ResponseWriter, e *topErr) {
	s.failWith(w, http.StatusOK, e, 0)
}

// failWith writes an error_response with an HTTP status (TOP itself always
// answers 200; faults may not) and, when retryAfter > 0, a Retry-After.
func (s *Server) failWith(w http.ResponseWriter, status int, e *topErr, retryAfter int) {
	s.Stats.Reject(strconv.Itoa(e.Code))
	body := map[string]any{"code": e.Code, "msg": e.Msg, "request_id": s.requestID()}
	if e.SubCode != "" {
		body["sub_code"] = e.SubCode
	}
	if e.SubMsg != "" {
		body["sub_msg"] = e.SubMsg
	}
	if retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	}
	kit.WriteJSON(w, status, map[string]any{"error_response": body})
}

// requestID draws from its own counter: a seeded run makes the same ids and
// orders however many calls (and failed calls) happen in between.
func (s *Server) requestID() string {
	return strconv.FormatInt(1<<40+s.reqSeq.Add(1), 36)
}

// answerFault answers a matched error or rate_limit fault (kit.Admit). A
// rate_limit fault bans the app.
func (s *Server) answerFault(w http.ResponseWriter, status int, app string, f kit.Fault) {
	switch f.Kind {
	case kit.FaultRateLimit:
		code, sub, ban := f.Code, f.SubCode, max(f.BanSeconds, 1)
		if code == 0 {
			code = 7
		}
		if sub == "" {
			sub = "accesscontrol.limited-by-api-access-count"
		}
		e := perr(code, sub, strings.TrimSpace(f.Msg+" "+fmt.Sprintf("This ban will last for %d more seconds", ban)))
		s.bans.Start(app, time.Duration(ban)*time.Second, sub)
		s.failWith(w, status, e, 0)
	default:
		code := f.Code
		if code == 0 {
			code = 15
		}
		e := perr(code, f.SubCode, f.Msg)
		if e.Msg == "" {
			e.Msg = "Remote service error"
		}
		s.failWith(w, status, e, 0)
	}
}
