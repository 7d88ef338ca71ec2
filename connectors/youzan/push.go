package youzan

import (
	"bytes"
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	youzanmap "github.com/syncctl/syncctl/mapping/youzan"
)

// Push messages (channels.md §2.7). Youzan POSTs a JSON body to the app's
// URL with the header Event-Sign = md5(client_id + raw body +
// client_secret), lowercase hex. The body's own sign field (md5 of
// client_id + msg + client_secret) is deprecated and not checked here.
// Whether the header may come upper-case is UNCONFIRMED: it is compared
// case-insensitively.

// EventSignHeader is the header that carries a push message's signature.
const EventSignHeader = "Event-Sign"

// PushReply is the answer that acknowledges a message. UNCONFIRMED
// (channels.md §2.7: commonly {"code":0,"msg":"success"}); sandbox/youzan
// accepts the same, so a change is made in both places.
const PushReply = `{"code":0,"msg":"success"}`

// EventSign is the signature of a push body.
func EventSign(clientID string, body []byte, clientSecret string) string {
	h := md5.New()
	h.Write([]byte(clientID))
	h.Write(body)
	h.Write([]byte(clientSecret))
	return hex.EncodeToString(h.Sum(nil))
}

// VerifyEventSign reports whether got is the Event-Sign of body, in
// constant time.
func VerifyEventSign(got, clientID string, body []byte, clientSecret string) bool {
	want := EventSign(clientID, body, clientSecret)
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(strings.TrimSpace(got))), []byte(want)) == 1
}

// Push is a verified push message: Msg is the msg field URL-decoded (a
// JSON string of the event).
type Push struct {
	ClientID  string
	MsgID     string
	Type      string // trade_TradeCreate, trade_TradeBuyerPay, trade_refund_*, …
	ID        string // the tid for trade messages; a refund message's may be its refund (UNCONFIRMED)
	KdtID     string
	Status    string
	Version   string // orders messages of one type
	Test      bool
	SendCount int
	Msg       []byte
}

// ParsePush checks a push body's Event-Sign and reads it. A wrong
// signature or another app's client_id is EAuth (not the platform's
// message for this app); a body that is not the documented JSON is
// EInvalid. Either way the receiver refuses it and the platform retries.
// The signature is checked first, so nothing of a forged body is read.
func ParsePush(clientID, clientSecret, eventSign string, body []byte) (Push, error) {
	if strings.TrimSpace(eventSign) == "" {
		return Push{}, domain.Errorf(domain.EAuth, "youzan push: header %s is missing", EventSignHeader)
	}
	if !VerifyEventSign(eventSign, clientID, body, clientSecret) {
		return Push{}, domain.Errorf(domain.EAuth, "youzan push: header %s does not sign the body", EventSignHeader)
	}
	var w struct {
		ClientID  string       `json:"client_id"`
		MsgID     youzanmap.ID `json:"msg_id"`
		Type      string       `json:"type"`
		ID        youzanmap.ID `json:"id"` // a tid string, or a number for other messages
		KdtID     youzanmap.ID `json:"kdt_id"`
		Status    string       `json:"status"`
		Version   youzanmap.ID `json:"version"`
		Test      bool         `json:"test"`
		SendCount int          `json:"sendCount"`
		Msg       string       `json:"msg"`
	}
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&w); err != nil {
		return Push{}, domain.Errorf(domain.EInvalid, "youzan push: body is not a JSON message: %v", err)
	}
	if subtle.ConstantTimeCompare([]byte(w.ClientID), []byte(clientID)) != 1 {
		// The id is public; it is named so a misrouted app can be found.
		return Push{}, domain.Errorf(domain.EAuth, "youzan push, field client_id: %q is not this app's", w.ClientID)
	}
	if w.Type == "" && !w.Test {
		return Push{}, domain.Errorf(domain.EInvalid, "youzan push, field type: missing")
	}
	msg, err := url.QueryUnescape(w.Msg)
	if err != nil {
		return Push{}, domain.Errorf(domain.EInvalid, "youzan push, field msg: not URL-encoded: %v", err)
	}
	return Push{ClientID: w.ClientID, MsgID: string(w.MsgID), Type: w.Type, ID: string(w.ID), KdtID: string(w.KdtID), Status: w.Status,
		Version: string(w.Version), Test: w.Test, SendCount: w.SendCount, Msg: []byte(msg)}, nil
}

var _ connectors.PushReceiver = (*Channel)(nil)

// VerifyPush implements connectors.PushReceiver with the shop's
// client_id and client_secret: one request is one message, so one event.
func (c *Channel) VerifyPush(req connectors.PushRequest) (connectors.PushMessage, error) {
	if req.Method != "" && req.Method != http.MethodPost {
		return connectors.PushMessage{}, domain.Errorf(domain.EInvalid, "youzan push: method %s, want POST", req.Method)
	}
	p, err := ParsePush(c.clientID, c.secret.Reveal(), header(req.Header, EventSignHeader), req.Body)
	if err != nil {
		return connectors.PushMessage{}, err
	}
	return connectors.PushMessage{Events: []connectors.PushEvent{p.Event()}, Reply: []byte(PushReply), ContentType: "application/json"}, nil
}

// Event classifies a message by its type's family: trade_refund_* are
// after-sales (the order's tid is in msg), other trade_* concern the
// order of id, item_* a product; a test message is the platform's check
// of the URL, whatever its type.
func (p Push) Event() connectors.PushEvent {
	ev := connectors.PushEvent{Kind: connectors.PushOther, Topic: p.Type, MessageID: p.MsgID}
	switch {
	case p.Test:
		ev.Kind = connectors.PushCheck
	case strings.HasPrefix(p.Type, "trade_refund_"):
		ev.Kind, ev.PlatformOrderID = connectors.PushRefund, p.tid(false)
	case strings.HasPrefix(p.Type, "trade_"):
		ev.Kind, ev.PlatformOrderID = connectors.PushOrder, p.tid(true)
	case strings.HasPrefix(p.Type, "item_"):
		ev.Kind = connectors.PushProduct
	}
	return ev
}

// tid is the order a trade message is about: msg's tid, else id when id
// is the tid (always for trade_* but refunds, whose id may be the refund:
// there only an id shaped like a tid, "E…", counts).
func (p Push) tid(idIsTid bool) string {
	var m struct {
		Tid youzanmap.ID `json:"tid"`
	}
	if json.Unmarshal(p.Msg, &m) == nil && m.Tid != "" {
		return string(m.Tid)
	}
	if idIsTid || strings.HasPrefix(p.ID, "E") {
		return p.ID
	}
	return ""
}

// header reads a header whatever the case its map key was stored in (a
// receiver may build the map by hand).
func header(h http.Header, name string) string {
	if v := h.Get(name); v != "" {
		return v
	}
	for k, vs := range h {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}
