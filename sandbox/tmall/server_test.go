package tmall_test

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/sandbox/tmall"
)

// docParams are the worked example of channels.md §3.2.
func docParams() map[string]string {
	return map[string]string{"app_key": "12345678", "fields": "num_iid,title,nick,price,num", "format": "json",
		"method": "taobao.item.seller.get", "num_iid": "11223344", "session": "test", "sign_method": "md5",
		"timestamp": "2016-01-01 12:00:00", "v": "2.0"}
}

// Vectors: md5 from the TOP doc; hmac and hmac-sha256 computed in
// channels.md and re-checked with python3 hmac/hashlib; the empty-parameter
// ones computed with python3 skipping the empty value, as the SDKs do.
func TestSignVectors(t *testing.T) {
	p := docParams()
	check := func(method, want string) {
		t.Helper()
		p["sign_method"] = method
		if got := tmall.Sign(method, "helloworld", p); got != want {
			t.Errorf("%s = %s, want %s", method, got, want)
		}
	}
	check("md5", "66987CB115214E59E6EC978214934FB8")
	check("hmac", "D56D7858309C31B6251083A874D48273")
	check("hmac-sha256", "04DB15AD0774D5CFCE2C837DE43E3FCEA9011ED74F3038FB6AB5F3C4CEA119E8")
	p["title"], p["outer_id"] = "纯棉T恤", ""
	check("md5", "C965F72D5FC3B6C6D46A783CD06F56C3") // with outer_id included it would be 4175DA64…
	check("hmac-sha256", "21FCE6F3EF0D917D1DE8322C1C3879B376156B4908B7C9615287FDB9F9D14259")
	p["sign"] = "ignored"
	check("hmac-sha256", "21FCE6F3EF0D917D1DE8322C1C3879B376156B4908B7C9615287FDB9F9D14259")
}

// The doc's request, sent as is at the doc's time with its signature,
// passes the checks (and reaches the method: item 11223344 is unknown).
// No signer is involved: the vectors alone decide.
func TestAcceptsTheDocumentedRequests(t *testing.T) {
	clk := &clock{t: time.Date(2016, 1, 1, 12, 3, 0, 0, gmt8)}
	sb := tmall.New(tmall.Config{AppKey: "12345678", AppSecret: "helloworld", Session: "test", Now: clk.now})
	srv := httptest.NewServer(sb)
	defer srv.Close()
	cases := []struct {
		method, sign string
		extra        map[string]string
	}{
		{"md5", "66987CB115214E59E6EC978214934FB8", nil},
		{"hmac", "D56D7858309C31B6251083A874D48273", nil},
		{"hmac-sha256", "04DB15AD0774D5CFCE2C837DE43E3FCEA9011ED74F3038FB6AB5F3C4CEA119E8", nil},
		{"md5", "C965F72D5FC3B6C6D46A783CD06F56C3", map[string]string{"title": "纯棉T恤", "outer_id": ""}},
		{"hmac-sha256", "21FCE6F3EF0D917D1DE8322C1C3879B376156B4908B7C9615287FDB9F9D14259", map[string]string{"title": "纯棉T恤", "outer_id": ""}},
	}
	for _, c := range cases {
		form := url.Values{}
		for k, v := range docParams() {
			form.Set(k, v)
		}
		for k, v := range c.extra {
			form.Set(k, v) // outer_id arrives empty: checked as if it had not been sent
		}
		form.Set("sign_method", c.method)
		form.Set("sign", c.sign)
		out := postForm(t, srv.URL, form)
		if got := errCode(out); got != "15/isv.item-not-exist" {
			t.Errorf("%s %v: %s, want the method's own answer", c.method, c.extra, got)
		}
	}
}

// clientSign is the tests' own TOP signer, independent of tmall.Sign and
// pinned to the same vectors, so a bug in the sandbox's signing cannot
// cancel out in its tests.
func clientSign(method, secret string, p map[string]string) string {
	var keys []string
	for k, v := range p {
		if k != "sign" && v != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	s := ""
	for _, k := range keys {
		s += k + p[k]
	}
	var sum []byte
	switch method {
	case "hmac":
		m := hmac.New(md5.New, []byte(secret))
		m.Write([]byte(s))
		sum = m.Sum(nil)
	case "hmac-sha256":
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(s))
		sum = m.Sum(nil)
	default:
		x := md5.Sum([]byte(secret + s + secret))
		sum = x[:]
	}
	return strings.ToUpper(hex.EncodeToString(sum))
}

func TestClientSignMatchesTheVectors(t *testing.T) {
	p := docParams()
	if got := clientSign("md5", "helloworld", p); got != "66987CB115214E59E6EC978214934FB8" {
		t.Fatal(got)
	}
	p["sign_method"] = "hmac-sha256"
	if got := clientSign("hmac-sha256", "helloworld", p); got != "04DB15AD0774D5CFCE2C837DE43E3FCEA9011ED74F3038FB6AB5F3C4CEA119E8" {
		t.Fatal(got)
	}
}

// clock is a settable fake time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var gmt8 = time.FixedZone("GMT+8", 8*3600)

type env struct {
	t   *testing.T
	srv *httptest.Server
	clk *clock
	sb  *tmall.Server
}

const (
	tAppKey  = "12345678"
	tSecret  = "secret"
	tSession = "sess"
)

func newEnvWith(t *testing.T, cfg tmall.Config) *env {
	clk := &clock{t: time.Date(2026, 11, 24, 10, 0, 0, 0, gmt8)}
	cfg.AppKey, cfg.AppSecret, cfg.Session, cfg.Now = tAppKey, tSecret, tSession, clk.now
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	sb, err := tmall.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { srv.Close(); _ = sb.Close() })
	return &env{t: t, srv: srv, clk: clk, sb: sb}
}

func newEnv(t *testing.T, qps float64) *env { return newEnvWith(t, tmall.Config{QPS: qps}) }

// params builds a signed request; mutate runs after signing (to break it)
// unless it re-signs with resign.
func (e *env) params(method string, biz map[string]string, mutate ...func(map[string]string)) url.Values {
	p := map[string]string{"method": method, "app_key": tAppKey, "session": tSession, "format": "json", "v": "2.0",
		"sign_method": "hmac-sha256", "timestamp": e.clk.now().In(gmt8).Format("2006-01-02 15:04:05")}
	for k, v := range biz {
		p[k] = v
	}
	p["sign"] = clientSign(p["sign_method"], tSecret, p)
	for _, m := range mutate {
		m(p)
	}
	form := url.Values{}
	for k, v := range p {
		form.Set(k, v)
	}
	return form
}

func resign(p map[string]string) { p["sign"] = clientSign(p["sign_method"], tSecret, p) }

// call signs like a client would and returns the decoded envelope.
func (e *env) call(method string, biz map[string]string, mutate ...func(map[string]string)) map[string]any {
	e.t.Helper()
	return postForm(e.t, e.srv.URL, e.params(method, biz, mutate...))
}

func (e *env) raw(method string, biz map[string]string) *http.Response {
	e.t.Helper()
	resp, err := http.PostForm(e.srv.URL+"/router/rest", e.params(method, biz))
	if err != nil {
		e.t.Fatal(err)
	}
	return resp
}

func postForm(t *testing.T, base string, form url.Values) map[string]any {
	t.Helper()
	resp, err := http.PostForm(base+"/router/rest", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("%s: %v", form.Get("method"), err)
	}
	return out
}

func errCode(out map[string]any) string {
	er, ok := out["error_response"].(map[string]any)
	if !ok {
		return ""
	}
	return fmt.Sprint(er["code"], "/", er["sub_code"])
}

func subMsg(out map[string]any) string {
	er, _ := out["error_response"].(map[string]any)
	return fmt.Sprint(er["sub_msg"])
}

func TestRejectsLikeTOP(t *testing.T) {
	e := newEnv(t, 0)
	get := map[string]string{"num_iid": "1", "fields": "num_iid"}
	set := func(k, v string) func(map[string]string) {
		return func(p map[string]string) {
			if v == "" {
				delete(p, k)
			} else {
				p[k] = v
			}
		}
	}
	cases := []struct {
		name   string
		method string
		mutate []func(map[string]string)
		want   string
	}{
		{"missing method", "", nil, "21/<nil>"},
		{"unknown method", "taobao.nope", nil, "22/<nil>"},
		{"xml format", "taobao.item.seller.get", []func(map[string]string){set("format", "xml"), resign}, "23/<nil>"},
		{"missing app key", "taobao.item.seller.get", []func(map[string]string){set("app_key", ""), resign}, "28/<nil>"},
		{"wrong app key", "taobao.item.seller.get", []func(map[string]string){set("app_key", "999"), resign}, "29/<nil>"},
		{"missing timestamp", "taobao.item.seller.get", []func(map[string]string){set("timestamp", ""), resign}, "30/<nil>"},
		{"stale timestamp", "taobao.item.seller.get", []func(map[string]string){set("timestamp", "2026-11-24 09:40:00"), resign}, "31/<nil>"},
		{"future timestamp", "taobao.item.seller.get", []func(map[string]string){set("timestamp", "2026-11-24 10:20:00"), resign}, "31/<nil>"},
		{"bad timestamp", "taobao.item.seller.get", []func(map[string]string){set("timestamp", "yesterday"), resign}, "31/<nil>"},
		{"missing version", "taobao.item.seller.get", []func(map[string]string){set("v", ""), resign}, "32/<nil>"},
		{"version 1.0", "taobao.item.seller.get", []func(map[string]string){set("v", "1.0"), resign}, "34/<nil>"},
		{"unknown sign method", "taobao.item.seller.get", []func(map[string]string){set("sign_method", "sha1"), resign}, "25/<nil>"},
		{"missing sign", "taobao.item.seller.get", []func(map[string]string){set("sign", "")}, "24/<nil>"},
		{"wrong sign", "taobao.item.seller.get", []func(map[string]string){set("sign", strings.Repeat("A", 64))}, "25/<nil>"},
		{"signed with another secret", "taobao.item.seller.get", []func(map[string]string){func(p map[string]string) {
			p["sign"] = clientSign("hmac-sha256", "other", p)
		}}, "25/<nil>"},
		{"md5 signature claimed as hmac-sha256", "taobao.item.seller.get", []func(map[string]string){func(p map[string]string) {
			p["sign"] = clientSign("md5", tSecret, p)
		}}, "25/<nil>"},
		{"missing session", "taobao.item.seller.get", []func(map[string]string){set("session", ""), resign}, "26/<nil>"},
		{"wrong session", "taobao.item.seller.get", []func(map[string]string){set("session", "stolen"), resign}, "27/invalid-sessionkey"},
		{"unknown item", "taobao.item.seller.get", nil, "15/isv.item-not-exist"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := errCode(e.call(c.method, get, c.mutate...)); got != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
		})
	}
	// Epoch milliseconds are accepted too (the official Python SDK sends them),
	// and within the skew in both directions.
	for _, d := range []time.Duration{0, -9 * time.Minute, 9 * time.Minute} {
		out := e.call("taobao.item.seller.get", get, set("timestamp", fmt.Sprint(e.clk.now().Add(d).UnixMilli())), resign)
		if got := errCode(out); got != "15/isv.item-not-exist" {
			t.Fatalf("epoch-ms timestamp %s off: %s", d, got)
		}
	}
	// Each rejection answers a request id.
	if er := e.call("taobao.nope", nil)["error_response"].(map[string]any); er["request_id"] == "" || er["request_id"] == nil {
		t.Fatalf("no request_id in %v", er)
	}
}

func TestQPSLimitAnswersCode7WithBan(t *testing.T) {
	e := newEnv(t, 2)
	get := map[string]string{"num_iid": "1", "fields": "num_iid"}
	e.call("taobao.item.seller.get", get)
	e.call("taobao.item.seller.get", get)
	out := e.call("taobao.item.seller.get", get)
	if errCode(out) != "7/accesscontrol.limited-by-app-access-count" || !strings.Contains(subMsg(out), "This ban will last for 1 more seconds") {
		t.Fatalf("third call in a second = %v", out)
	}
	e.clk.add(time.Second)
	if got := errCode(e.call("taobao.item.seller.get", get)); strings.HasPrefix(got, "7/") {
		t.Fatal("still throttled after the ban")
	}
}

func getJSON(t *testing.T, u string, out any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("GET %s: %v in %s", u, err, b)
	}
}

func postJSON(t *testing.T, u, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(u, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}
