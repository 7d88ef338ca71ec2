package kuaishou

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// Push messages (消息服务, channels.md §6.7), as the platform sends them to
// the URL a test or an operator subscribed (kit.Pusher): a POST whose
// text/plain body is the Base64 of the JSON message encrypted with
// AES/CBC/PKCS5Padding under the app's message privateKey (Base64-decoded)
// and a zero IV. The message is {eventId, msgId, bizId, userId, openId,
// appKey, event, info (a JSON string), createTime (ms), test}. A receiver
// acknowledges with HTTP 200 and {"result":1}; anything else is resent.
//
// This is the platform's side, written apart from connectors/kuaishou: the
// two meet only at the documented format.

var _ kit.PushShop = (*Server)(nil)

// pushSellerID is the shop's userId in its messages.
const pushSellerID = 1000777001

// Pusher implements kit.PushShop.
func (s *Server) Pusher() *kit.Pusher { return s.pusher }

// Close stops the order generator, then pushing (a message waiting for a
// resend is dropped), and writes the state file.
func (s *Server) Close() error {
	err := s.Base.Close()
	s.pusher.Close()
	return err
}

// NewMessageKey makes an app's message privateKey: the Base64 of a random
// 16-byte AES key.
func NewMessageKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// openPusher reads the configuration's privateKey (Base64 of an AES-128,
// -192 or -256 key; made up when empty) and subscribes Config.PushURL.
func openPusher(cfg *Config) (*kit.Pusher, []byte, error) {
	if cfg.MessagePrivateKey == "" {
		cfg.MessagePrivateKey = NewMessageKey()
	}
	key, err := base64.StdEncoding.DecodeString(cfg.MessagePrivateKey)
	if err != nil || (len(key) != 16 && len(key) != 24 && len(key) != 32) {
		return nil, nil, fmt.Errorf("kuaishou sandbox: message_private_key must be the Base64 of a 16-, 24- or 32-byte AES key")
	}
	p := kit.NewPusher()
	p.SetURL(cfg.PushURL)
	return p, key, nil
}

// encrypt seals a message as the platform does.
func (s *Server) encrypt(msg []byte) []byte {
	n := aes.BlockSize - len(msg)%aes.BlockSize
	pt := append(append([]byte(nil), msg...), bytes.Repeat([]byte{byte(n)}, n)...)
	block, _ := aes.NewCipher(s.msgKey)
	cipher.NewCBCEncrypter(block, make([]byte, aes.BlockSize)).CryptBlocks(pt, pt)
	return []byte(base64.StdEncoding.EncodeToString(pt))
}

// send pushes one message built from plain values (called under s.mu where
// an order changed: the closure reads only those and the immutable
// configuration, and runs only when a receiver is subscribed).
func (s *Server) send(msg func() map[string]any) {
	s.pusher.Send(func() kit.PushRequest {
		plain, _ := json.Marshal(msg())
		return kit.PushRequest{Header: http.Header{"Content-Type": {"text/plain;charset=utf-8"}}, Body: s.encrypt(plain), Accepted: acknowledged}
	})
}

// acknowledged is the platform's reading of an answer: HTTP 200 and a JSON
// body whose result is 1.
func acknowledged(status int, body []byte) bool {
	var r struct {
		Result json.Number `json:"result"`
	}
	return status == http.StatusOK && json.Unmarshal(body, &r) == nil && r.Result == "1"
}

// Heartbeat sends the {"test":true} message the platform sends when a URL
// is saved and then now and again; Open sends one to Config.PushURL.
func (s *Server) Heartbeat() {
	s.send(func() map[string]any { return map[string]any{"test": true} })
}

// pushEvent sends an event about bizID with info, the event's own fields.
func (s *Server) pushEvent(event string, bizID int64, info map[string]any) {
	seq := s.pushSeq.Add(1)
	s.send(func() map[string]any {
		now := s.cfg.Now().UnixMilli()
		b, _ := json.Marshal(info)
		return map[string]any{"eventId": fmt.Sprintf("%d_%d_%d", pushSellerID%1000, seq, now),
			"msgId": strconv.FormatInt(seq, 10) + "_" + strconv.FormatInt(now, 10), "bizId": bizID, "userId": pushSellerID,
			"openId": "seller", "appKey": s.cfg.AppKey, "event": event, "info": string(b), "createTime": now, "test": false}
	})
}

// pushOrder sends an order event (kwaishop_order_*): bizId and info.oid
// are the order.
func (s *Server) pushOrder(event string, o *order) {
	s.pushEvent(event, o.Oid, map[string]any{"oid": o.Oid, "sellerId": pushSellerID, "status": o.Status, "buyerOpenId": o.Buyer,
		"createTime": o.Created, "updateTime": o.Updated})
}

// pushRefund sends an after-sales event (kwaishop_aftersales_*): bizId is
// the refund, info.orderId the order.
func (s *Server) pushRefund(event string, o *order) {
	s.pushEvent(event, o.Refund.ID, map[string]any{"orderId": o.Oid, "refundId": o.Refund.ID, "handlingWay": 10, "specialRefundType": 0,
		"status": o.Refund.Status, "createTime": o.Updated})
}

// pushSold sends what the platform would have sent while the order came
// to be as sold: created, paid unless closed unpaid, refund requested.
func (s *Server) pushSold(o *order) {
	s.pushOrder("kwaishop_order_addOrder", o)
	switch {
	case o.Status == StatusClosed:
		s.pushOrder("kwaishop_order_orderFail", o)
		return
	case o.Paid != 0:
		s.pushOrder("kwaishop_order_paySuccess", o)
	}
	if o.Refund != nil {
		s.pushRefund("kwaishop_aftersales_addRefund", o)
	}
}
