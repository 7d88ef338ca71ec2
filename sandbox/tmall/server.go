// Package tmall is a faithful fake of the Taobao/Tmall TOP gateway, written
// from the platform's side: its own signature check, its own envelopes and
// error codes, TOP's item and trade rules, a QPS limit answered with code 7,
// generated orders, and fault injection. It never imports the connector.
//
// Gateway: POST /router/rest (form; system params may also be in the query).
// Admin:   /_sandbox/items, /_sandbox/orders, /_sandbox/orders/{tid}/close,
//
//	/_sandbox/faults, /_sandbox/stats, /_sandbox/reset (JSON, unsigned).
package tmall

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"math/rand"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// Config configures a sandbox.
type Config struct {
	AppKey, AppSecret, Session string
	QPS                        float64          // 0 = unlimited
	OrdersPerMinute            float64          // 0 = only on request
	Seed                       int64            // ids and names
	Now                        func() time.Time // nil = time.Now
	MaxSkew                    time.Duration    // default 10m
	// StateFile, when set, keeps the shop's items and trades across restarts:
	// loaded by New, written after changes and by Close ("" = memory only).
	StateFile string
}

// Server is a running sandbox; it is an http.Handler.
type Server struct {
	cfg     Config
	mux     *http.ServeMux
	faults  *kit.Faults
	limiter *kit.Limiter
	stats   *kit.Stats
	gen     *kit.Generator

	mu     sync.Mutex
	rnd    *rand.Rand
	nextID int64
	items  map[int64]*item
	trades map[int64]*trade
}

// gmt8 is TOP's clock; the sandbox needs no tz database.
var gmt8 = time.FixedZone("GMT+8", 8*3600)

const topTime = "2006-01-02 15:04:05"

// New builds a sandbox and starts its order generator.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxSkew <= 0 {
		cfg.MaxSkew = 10 * time.Minute
	}
	s := &Server{cfg: cfg, faults: kit.NewFaults(cfg.Seed, cfg.Now), limiter: kit.NewLimiter(cfg.QPS, cfg.Now), stats: kit.NewStats()}
	s.reset()
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("/router/rest", s.serveTOP)
	s.mux.HandleFunc("GET /_sandbox/items", s.adminItems)
	s.mux.HandleFunc("GET /_sandbox/orders", s.adminListOrders)
	s.mux.HandleFunc("POST /_sandbox/orders", s.adminCreateOrders)
	s.mux.HandleFunc("POST /_sandbox/orders/{tid}/close", s.adminCloseOrder)
	s.mux.HandleFunc("/_sandbox/faults", kit.AdminFaults(s.faults))
	s.mux.HandleFunc("GET /_sandbox/stats", func(w http.ResponseWriter, _ *http.Request) { kit.WriteJSON(w, 200, s.stats.Snapshot()) })
	s.mux.HandleFunc("POST /_sandbox/reset", func(w http.ResponseWriter, _ *http.Request) {
		s.reset()
		s.faults.Clear()
		kit.WriteJSON(w, 200, map[string]bool{"reset": true})
	})
	s.gen = kit.StartGenerator(cfg.OrdersPerMinute, func() { _, _ = s.CreateOrders(1, "") })
	return s
}

func (s *Server) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rnd = rand.New(rand.NewSource(s.cfg.Seed))
	s.nextID = 600000000000 + s.rnd.Int63n(1e9)
	s.items = map[int64]*item{}
	s.trades = map[int64]*trade{}
}

// Close stops the order generator.
func (s *Server) Close() { s.gen.Stop() }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

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

var platformMsgs = map[int]string{7: "App Call Limited", 15: "Remote service error", 21: "Missing Method", 22: "Invalid Method",
	23: "Invalid Format", 24: "Missing Signature", 25: "Invalid Signature", 26: "Missing Session", 27: "Invalid session",
	28: "Missing App Key", 29: "Invalid App Key", 30: "Missing Timestamp", 31: "Invalid Timestamp",
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
	}
}

func (s *Server) serveTOP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, "", perr(41, "", "form: "+err.Error()))
		return
	}
	p := params{}
	for k, v := range r.Form {
		p[k] = v[0]
	}
	method := p.get("method")
	if f, ok := s.faults.Match(method); ok {
		if s.applyFault(w, method, f) {
			return
		}
	}
	if method == "" {
		s.fail(w, method, perr(21, "", ""))
		return
	}
	h, ok := s.methods()[method]
	if !ok {
		s.fail(w, method, perr(22, "", "unknown method "+method))
		return
	}
	if e := s.verify(p); e != nil {
		s.fail(w, method, e)
		return
	}
	if ok, wait := s.limiter.Allow(p.get("app_key")); !ok {
		secs := int(math.Ceil(wait.Seconds()))
		s.fail(w, method, perr(7, "accesscontrol.limited-by-app-access-count", fmt.Sprintf("This ban will last for %d more seconds", max(1, secs))))
		return
	}
	s.mu.Lock()
	resp, e := h(p)
	s.mu.Unlock()
	if e != nil {
		s.fail(w, method, e)
		return
	}
	s.stats.Serve(method)
	root := strings.ReplaceAll(strings.TrimPrefix(method, "taobao."), ".", "_") + "_response"
	if m, ok := resp.(map[string]any); ok {
		m["request_id"] = s.requestID()
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{root: resp})
}

// verify checks the system parameters in TOP's order.
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
	if f := p.get("format"); f != "" && f != "json" {
		return perr(23, "", "only format=json is served by this sandbox")
	}
	if p.get("sign") == "" {
		return perr(24, "", "")
	}
	if !hmac.Equal([]byte(strings.ToUpper(p.get("sign"))), []byte(Sign(p.get("sign_method"), s.cfg.AppSecret, p))) {
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

// Sign is the platform's own signature: sorted name+value pairs, md5
// wrapped in the secret, or HMAC-MD5 / HMAC-SHA256 keyed by it.
func Sign(method, secret string, p map[string]string) string {
	names := make([]string, 0, len(p))
	for k := range p {
		if k != "sign" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var sb strings.Builder
	for _, k := range names {
		sb.WriteString(k + p[k])
	}
	var h hash.Hash
	switch method {
	case "hmac":
		h = hmac.New(md5.New, []byte(secret))
	case "hmac-sha256":
		h = hmac.New(sha256.New, []byte(secret))
	default:
		h = md5.New()
		sb2 := secret + sb.String() + secret
		h.Write([]byte(sb2))
		return strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
	}
	h.Write([]byte(sb.String()))
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
}

func (s *Server) fail(w http.ResponseWriter, method string, e *topErr) {
	s.stats.Reject(strconv.Itoa(e.Code))
	body := map[string]any{"code": e.Code, "msg": e.Msg, "request_id": s.requestID()}
	if e.SubCode != "" {
		body["sub_code"] = e.SubCode
	}
	if e.SubMsg != "" {
		body["sub_msg"] = e.SubMsg
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"error_response": body})
}

func (s *Server) requestID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strconv.FormatInt(s.rnd.Int63n(1<<40), 36)
}

// applyFault acts out a matched fault; it reports whether the request ended.
func (s *Server) applyFault(w http.ResponseWriter, method string, f kit.Fault) bool {
	s.stats.Fault()
	switch f.Kind {
	case kit.FaultLatency:
		time.Sleep(f.Delay())
		return false
	case kit.FaultOutage:
		http.Error(w, "<html><body>502/503 gateway unavailable</body></html>", http.StatusServiceUnavailable)
	case kit.FaultMalformed:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"` + strings.ReplaceAll(method, ".", "_") + `_response":{"trun`))
	case kit.FaultRateLimit:
		s.fail(w, method, perr(7, "accesscontrol.limited-by-api-access-count", "This ban will last for 1 more seconds"))
	default:
		code := f.Code
		if code == 0 {
			code = 15
		}
		e := perr(code, f.SubCode, f.Msg)
		if e.Msg == "" {
			e.Msg = "Remote service error"
		}
		s.fail(w, method, e)
	}
	return true
}
