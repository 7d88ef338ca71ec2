package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/workflows"
)

// MaxPushBody bounds a platform's push message.
const MaxPushBody = 256 << 10

// PushStats counts one shop's push messages.
type PushStats struct {
	Accepted int    `json:"accepted"`         // verified messages
	Refused  int    `json:"refused"`          // not the platform's, or malformed: answered 4xx, logged
	Pulls    int    `json:"pulls"`            // order pulls they brought forward
	Last     string `json:"last,omitempty"`   // the last verified event: its topic
	Reason   string `json:"reason,omitempty"` // why the last refused one was refused
}

type pushCounters struct {
	mu   sync.Mutex
	shop map[domain.ShopRef]*PushStats
}

func (p *pushCounters) update(shop domain.ShopRef, f func(*PushStats)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shop == nil {
		p.shop = map[domain.ShopRef]*PushStats{}
	}
	st := p.shop[shop]
	if st == nil {
		st = &PushStats{}
		p.shop[shop] = st
	}
	f(st)
}

func (p *pushCounters) get(shop domain.ShopRef) *PushStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	if st, ok := p.shop[shop]; ok {
		c := *st
		return &c
	}
	return nil
}

// push receives a platform's push message for one shop: GET and POST
// /v1/push/{channel}/{shop}, the URL configured in the platform's console.
// It is not signed with the ERP's scheme: the shop's connector verifies it
// as its platform signs or encrypts it (connectors.PushReceiver). A
// verified message about orders or refunds brings the shop's order pull
// forward; the message itself is never taken for the order. Anything not
// verified is refused with 401 (or 400 when malformed) and logged, never
// acted on.
func (s *Server) push(w http.ResponseWriter, r *http.Request) {
	shop := domain.ShopRef{Channel: r.PathValue("channel"), Shop: r.PathValue("shop")}
	if !s.serves(shop) {
		writeError(w, http.StatusNotFound, "not_found", "path", "shop "+shop.String()+" is not served here")
		return
	}
	ch, err := s.Channels.Get(shop)
	if err != nil {
		writeError(w, http.StatusNotFound, "not_found", "path", "shop "+shop.String()+" has no connector here")
		return
	}
	pr, ok := ch.(connectors.PushReceiver)
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "path", shop.Channel+" pushes no messages syncctl takes")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxPushBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		s.refusePush(w, r, shop, http.StatusRequestEntityTooLarge, "too_large", "the body is over the push limit")
		return
	}
	if err != nil {
		s.refusePush(w, r, shop, http.StatusBadRequest, "invalid", "the body could not be read")
		return
	}
	msg, err := pr.VerifyPush(connectors.PushRequest{Method: r.Method, Query: r.URL.Query(), Header: r.Header, Body: body, Now: s.now()})
	if err != nil {
		switch domain.ErrorCode(err) {
		case domain.EInvalid:
			s.refusePush(w, r, shop, http.StatusBadRequest, "invalid", domain.Describe(err))
		case domain.EUnavailable:
			s.refusePush(w, r, shop, http.StatusServiceUnavailable, "unavailable", domain.Describe(err))
		default:
			s.refusePush(w, r, shop, http.StatusUnauthorized, "unauthorized", domain.Describe(err))
		}
		return
	}
	pull := false
	var last string
	for _, ev := range msg.Events {
		last = ev.Topic
		if ev.Kind == connectors.PushOrder || ev.Kind == connectors.PushRefund {
			pull = true
		}
		s.log().Info("api: push message", "shop", shop.String(), "topic", ev.Topic, "kind", string(ev.Kind), "order", ev.PlatformOrderID, "message", ev.MessageID)
	}
	pulled := false
	if pull && s.Temporal != nil {
		// The platform waits for its answer a few seconds only: the pull
		// runs in its workflow, this only wakes it.
		how, err := workflows.PullSoon(context.WithoutCancel(r.Context()), s.Temporal, s.queue(), shop, s.now())
		if err != nil {
			s.log().Warn("api: push message could not bring the pull forward; polling will find the change", "shop", shop.String(), "error", err)
		} else {
			pulled = true
			s.log().Debug("api: pull brought forward", "shop", shop.String(), "how", how)
		}
		// A pull reads up to now less its lag (and the current second is
		// never whole): the order just pushed may be after its end. Once
		// the lag is over, the pull is brought forward again.
		time.AfterFunc(domain.DefaultPullPolicy().Lag+2*time.Second, func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := workflows.PullSoon(ctx, s.Temporal, s.queue(), shop, s.now()); err != nil {
				s.log().Warn("api: a pull after a push message's lag did not start; polling will find the change", "shop", shop.String(), "error", err)
			}
		})
	}
	s.pushes.update(shop, func(st *PushStats) {
		st.Accepted++
		if pulled {
			st.Pulls++
		}
		if last != "" {
			st.Last = last
		}
	})
	ct := msg.ContentType
	if ct == "" {
		ct = "text/plain; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(msg.Reply)
}

func (s *Server) refusePush(w http.ResponseWriter, r *http.Request, shop domain.ShopRef, status int, code, reason string) {
	s.log().Warn("api: push message refused", "shop", shop.String(), "remote", r.RemoteAddr, "status", status, "reason", reason)
	s.pushes.update(shop, func(st *PushStats) { st.Refused++; st.Reason = reason })
	writeError(w, status, code, "body", reason)
}

// PushShops lists the served shops whose platform pushes messages.
func (s *Server) PushShops() []domain.ShopRef {
	var out []domain.ShopRef
	for ref, ch := range s.Channels {
		if _, ok := ch.(connectors.PushReceiver); ok && s.serves(ref) {
			out = append(out, ref)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}
