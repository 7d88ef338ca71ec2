package youzan

import (
	"bytes"
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strings"

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
	Type      string // trade_TradeCreate, trade_TradeBuyerPay, trade_refund_*, …
	ID        string // the tid for trade messages
	KdtID     string
	Status    string
	Version   string // orders messages of one type
	Test      bool
	SendCount int
	Msg       []byte
}

// ParsePush checks a push body's Event-Sign and reads it. A wrong
// signature, another app's client_id or a body that is not JSON is
// EInvalid (the receiver answers it with an error; the platform retries).
func ParsePush(clientID, clientSecret, eventSign string, body []byte) (Push, error) {
	if !VerifyEventSign(eventSign, clientID, body, clientSecret) {
		return Push{}, domain.Errorf(domain.EInvalid, "youzan push: header %s does not sign the body", EventSignHeader)
	}
	var w struct {
		ClientID  string       `json:"client_id"`
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
	if w.ClientID != clientID {
		return Push{}, domain.Errorf(domain.EInvalid, "youzan push, field client_id: %q is not this app's", w.ClientID)
	}
	msg, err := url.QueryUnescape(w.Msg)
	if err != nil {
		return Push{}, domain.Errorf(domain.EInvalid, "youzan push, field msg: not URL-encoded: %v", err)
	}
	return Push{ClientID: w.ClientID, Type: w.Type, ID: string(w.ID), KdtID: string(w.KdtID), Status: w.Status,
		Version: string(w.Version), Test: w.Test, SendCount: w.SendCount, Msg: []byte(msg)}, nil
}
