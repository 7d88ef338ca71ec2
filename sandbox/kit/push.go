package kit

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Pusher sends a sandbox's push messages (WeChat 消息推送, Youzan 消息推送,
// Douyin 消息推送, Kuaishou 消息服务) to the URL a test or an operator
// subscribed, the way the platforms do: in the background, at least once
// (a message the receiver does not accept is sent again after a delay, a
// few times), possibly late, and never in the way of the API calls. Each
// sandbox builds its platform's request (envelope, encryption, signature);
// the Pusher only carries it.
type Pusher struct {
	mu      sync.Mutex
	url     string
	retries []time.Duration
	stats   PushStats
	wg      sync.WaitGroup
	ctx     context.Context
	cancel  context.CancelFunc
	client  *http.Client
}

// PushRequest is one push message as the platform sends it. Path-less: it
// goes to the subscribed URL, with Query added to the URL's own query.
type PushRequest struct {
	Method string // "" = POST
	Query  url.Values
	Header http.Header
	Body   []byte
	// Accepted says whether the receiver's answer acknowledges the
	// message as the platform requires ("success", {"result":1}, …); nil
	// accepts any 2xx.
	Accepted func(status int, body []byte) bool
}

// PushStats counts what a Pusher did.
type PushStats struct {
	URL      string `json:"url"`
	Sent     int    `json:"sent"`     // messages the receiver acknowledged
	Refused  int    `json:"refused"`  // answers that were not an acknowledgement (each retried)
	Dropped  int    `json:"dropped"`  // messages given up after the last retry
	Inflight int    `json:"inflight"` // messages not acknowledged nor dropped yet
}

// DefaultPushRetries are the delays before each resend of a refused
// message: short, so tests see the platform's at-least-once behaviour
// without waiting the real minutes.
var DefaultPushRetries = []time.Duration{200 * time.Millisecond, time.Second, 3 * time.Second}

// NewPusher returns a Pusher with no subscriber (Send does nothing until SetURL).
func NewPusher() *Pusher {
	ctx, cancel := context.WithCancel(context.Background())
	return &Pusher{retries: DefaultPushRetries, ctx: ctx, cancel: cancel, client: &http.Client{Timeout: 5 * time.Second}}
}

// SetURL subscribes a receiver ("" stops pushing).
func (p *Pusher) SetURL(u string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.url = u
}

// URL is the subscribed receiver ("" = none).
func (p *Pusher) URL() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.url
}

// Stats reports what was pushed.
func (p *Pusher) Stats() PushStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.stats
	s.URL = p.url
	return s
}

// Send pushes a message in the background when a receiver is subscribed.
// build runs only then, so a sandbox without a subscriber pays nothing.
func (p *Pusher) Send(build func() PushRequest) {
	p.mu.Lock()
	target := p.url
	if target == "" || p.ctx.Err() != nil {
		p.mu.Unlock()
		return
	}
	p.stats.Inflight++
	p.wg.Add(1)
	p.mu.Unlock()
	req := build()
	go func() {
		defer p.wg.Done()
		p.deliver(target, req)
	}()
}

func (p *Pusher) deliver(target string, req PushRequest) {
	for attempt := 0; ; attempt++ {
		ok := p.try(target, req)
		p.mu.Lock()
		switch {
		case ok:
			p.stats.Sent++
			p.stats.Inflight--
		case attempt >= len(p.retries):
			p.stats.Refused++
			p.stats.Dropped++
			p.stats.Inflight--
		default:
			p.stats.Refused++
		}
		p.mu.Unlock()
		if ok || attempt >= len(p.retries) {
			return
		}
		select {
		case <-p.ctx.Done():
			p.mu.Lock()
			p.stats.Dropped++
			p.stats.Inflight--
			p.mu.Unlock()
			return
		case <-time.After(p.retries[attempt]):
		}
	}
}

func (p *Pusher) try(target string, req PushRequest) bool {
	u, err := url.Parse(target)
	if err != nil {
		return false
	}
	if len(req.Query) > 0 {
		q := u.Query()
		for k, vs := range req.Query {
			for _, v := range vs {
				q.Add(k, v)
			}
		}
		u.RawQuery = q.Encode()
	}
	method := req.Method
	if method == "" {
		method = http.MethodPost
	}
	hr, err := http.NewRequestWithContext(p.ctx, method, u.String(), bytes.NewReader(req.Body))
	if err != nil {
		return false
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			hr.Header.Add(k, v)
		}
	}
	resp, err := p.client.Do(hr)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if req.Accepted != nil {
		return req.Accepted(resp.StatusCode, body)
	}
	return resp.StatusCode/100 == 2
}

// Close stops pushing: messages waiting for a retry are dropped, one in
// flight ends with its request.
func (p *Pusher) Close() {
	p.cancel()
	p.wg.Wait()
}

// Drain waits until no message is in flight or ctx ends (tests).
func (p *Pusher) Drain(ctx context.Context) error {
	for {
		if p.Stats().Inflight == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// PushShop is a Shop whose platform pushes messages: the admin API
// subscribes a receiver (POST /_sandbox/push {"url":…}) and reports what
// was pushed (GET /_sandbox/push).
type PushShop interface {
	Pusher() *Pusher
}

func adminPush(mux *http.ServeMux, shop Shop) {
	mux.HandleFunc("/_sandbox/push", func(w http.ResponseWriter, r *http.Request) {
		ps, ok := shop.(PushShop)
		if !ok {
			WriteJSON(w, http.StatusNotFound, map[string]string{"error": "this platform's sandbox pushes no messages"})
			return
		}
		switch r.Method {
		case http.MethodGet:
			WriteJSON(w, http.StatusOK, ps.Pusher().Stats())
		case http.MethodPost:
			var in struct {
				URL string `json:"url"`
			}
			dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&in); err != nil {
				WriteJSON(w, http.StatusBadRequest, map[string]string{"error": `body must be {"url":"http://receiver/…"} ("" stops pushing): ` + err.Error()})
				return
			}
			if in.URL != "" {
				if u, err := url.Parse(in.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "url " + in.URL + ": must be an absolute http(s) URL"})
					return
				}
			}
			ps.Pusher().SetURL(in.URL)
			WriteJSON(w, http.StatusOK, ps.Pusher().Stats())
		default:
			WriteJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "GET or POST"})
		}
	})
}

// SubscribePush has a sandbox push its messages to receiverURL ("" stops).
func (c AdminClient) SubscribePush(ctx context.Context, receiverURL string) error {
	return c.do(ctx, http.MethodPost, "/_sandbox/push", map[string]string{"url": receiverURL}, nil)
}

// PushStats reports what a sandbox pushed.
func (c AdminClient) PushStats(ctx context.Context) (PushStats, error) {
	var out PushStats
	err := c.do(ctx, http.MethodGet, "/_sandbox/push", nil, &out)
	return out, err
}
