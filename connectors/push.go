package connectors

import (
	"net/http"
	"net/url"
	"time"
)

// PushReceiver is implemented by platforms that push messages to a URL of
// the merchant's (WeChat 消息推送 in security mode, Youzan Event-Sign,
// Douyin event-sign, Kuaishou AES-encrypted 消息服务). A message only says
// that something changed: syncctl never trusts its content as the order,
// it makes the shop's order pull run now, and polling stays the backstop
// for messages the platform drops.
//
// VerifyPush checks that the request comes from the platform, as
// channels.md describes for each one (signature, decryption, app id), and
// decodes its events. Any failure is an error of kind
// domain.EInvalid (malformed) or domain.EAuth (not the platform's) naming
// what failed, never echoing a secret; the receiver refuses the request.
// It needs the shop's push credentials; without them it answers an
// error of kind domain.EUnavailable ("push not configured").
type PushReceiver interface {
	VerifyPush(req PushRequest) (PushMessage, error)
}

// PushRequest is one request as it reached syncctl's receiver.
type PushRequest struct {
	Method string
	Query  url.Values
	Header http.Header
	Body   []byte
	Now    time.Time // for timestamp tolerance where the platform sends one
}

// PushMessage is a verified request: its events and the answer the
// platform expects ("success", {"result":1}, {"code":0,"msg":"success"},
// the echostr of a URL check).
type PushMessage struct {
	Events      []PushEvent
	Reply       []byte
	ContentType string // of Reply; "" = text/plain
}

// PushKind is what a push event is about.
type PushKind string

const (
	PushOrder   PushKind = "order"   // an order was created, paid, shipped, closed …
	PushRefund  PushKind = "refund"  // an after-sales case or refund changed
	PushProduct PushKind = "product" // a product's review or listing changed
	PushCheck   PushKind = "check"   // the platform's URL check, test or heartbeat message
	PushOther   PushKind = "other"   // anything else the platform sends
)

// PushEvent is one event of a push message.
type PushEvent struct {
	Kind            PushKind `json:"kind"`
	Topic           string   `json:"topic"`                       // the platform's event name: channels_ec_order_pay, trade_TradeCreate, 100, kwaishop_order_addOrder
	MessageID       string   `json:"message_id,omitempty"`        // the platform's message id, for logs
	PlatformOrderID string   `json:"platform_order_id,omitempty"` // the order it is about, when it says
}
