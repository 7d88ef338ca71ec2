package kuaishou

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
)

// Push messages (消息服务, channels.md §6.7). The platform POSTs each message
// as text/plain: the Base64 of AES/CBC/PKCS5Padding ciphertext under the
// app's message privateKey (Base64-decoded) with a zero IV. There is no
// signature: a body that decrypts to a message of the shop's appKey is the
// platform's. The receiver answers {"result":1} within 3 s.

// pushReply is the acknowledgement the platform waits for.
var pushReply = []byte(`{"result":1}`)

// messageKey decodes the message_private_key credential: an AES key of
// 16, 24 or 32 bytes in Base64 (the console shows 16 bytes).
func messageKey(v string) ([]byte, error) {
	key, err := decodeBase64(v)
	if err != nil || (len(key) != 16 && len(key) != 24 && len(key) != 32) {
		return nil, errors.New("must be the Base64 of a 16-, 24- or 32-byte AES key")
	}
	return key, nil
}

// decodeBase64 takes standard Base64 with or without padding: the
// platform's Java sample decodes leniently (commons-codec), so a receiver
// should not be stricter than the sender's reference.
func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}

// pushErr is a refused push request. Messages name what failed, never a
// credential nor the body.
func pushErr(code, msg string) *domain.Error {
	return &domain.Error{Code: code, Platform: platformName, Message: "push: " + msg}
}

// pushMessage is a decrypted message (§6.7). bizId is the order, refund or
// item id the event is about (a Long: read as digits, never float64).
type pushMessage struct {
	EventID    string  `json:"eventId"`
	BizID      flexNum `json:"bizId"`
	AppKey     string  `json:"appKey"`
	Event      string  `json:"event"`
	Info       string  `json:"info"`
	CreateTime flexNum `json:"createTime"`
	Test       bool    `json:"test"`
}

// flexNum is a whole number sent as a JSON number or string.
type flexNum string

func (f *flexNum) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	if s != "" && !domain.Digits(s) {
		return errors.New("not a whole number")
	}
	*f = flexNum(s)
	return nil
}

// VerifyPush implements connectors.PushReceiver for the app's message
// service (credential message_private_key): it decrypts the body, checks
// that the message is for the shop's appKey and decodes its event. The
// {"test":true} heartbeat the platform sends when the URL is saved and
// then regularly is a PushCheck, answered like any message, whether it
// comes encrypted or (UNCONFIRMED: the doc shows it bare) as plain JSON:
// refusing it would make the platform pause the pushes.
func (c *Channel) VerifyPush(req connectors.PushRequest) (connectors.PushMessage, error) {
	if c.messageKey == nil {
		return connectors.PushMessage{}, &domain.Error{Code: domain.EUnavailable, Platform: platformName,
			Message: "push not configured for shop " + c.shop.String() + ": set credential message_private_key (the app's 消息服务 privateKey)"}
	}
	if req.Method != http.MethodPost {
		return connectors.PushMessage{}, pushErr(domain.EInvalid, "method: the platform POSTs its messages")
	}
	body := bytes.TrimSpace(req.Body)
	if len(body) == 0 {
		return connectors.PushMessage{}, pushErr(domain.EInvalid, "body is empty")
	}
	if body[0] == '{' {
		return plainHeartbeat(body)
	}
	ct, err := decodeBase64(string(body))
	if err != nil {
		return connectors.PushMessage{}, pushErr(domain.EInvalid, "body is not Base64")
	}
	if len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return connectors.PushMessage{}, pushErr(domain.EInvalid, "body is not whole AES blocks")
	}
	block, _ := aes.NewCipher(c.messageKey)
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, make([]byte, aes.BlockSize)).CryptBlocks(pt, ct)
	pad := int(pt[len(pt)-1])
	if pad < 1 || pad > aes.BlockSize || !bytes.Equal(pt[len(pt)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		return connectors.PushMessage{}, pushErr(domain.EAuth, "body does not decrypt with the shop's message_private_key")
	}
	plain := pt[:len(pt)-pad]
	if !json.Valid(plain) {
		// With no signature, a body that does not decrypt to JSON was
		// sealed with another key as far as the receiver can tell.
		return connectors.PushMessage{}, pushErr(domain.EAuth, "body does not decrypt to a message with the shop's message_private_key")
	}
	var m pushMessage
	if err := json.Unmarshal(plain, &m); err != nil {
		return connectors.PushMessage{}, pushErr(domain.EInvalid, "message: not an object of eventId, bizId, appKey, event, info (a string), createTime, test")
	}
	switch {
	case m.Test && (m.AppKey == "" || m.AppKey == c.appKey):
		return check(), nil // the heartbeat may name no app
	case m.AppKey != c.appKey:
		return connectors.PushMessage{}, pushErr(domain.EAuth, "message appKey is not the shop's appkey")
	}
	ev, err := decodeEvent(m)
	if err != nil {
		return connectors.PushMessage{}, err
	}
	return connectors.PushMessage{Events: []connectors.PushEvent{ev}, Reply: pushReply, ContentType: "application/json"}, nil
}

func check() connectors.PushMessage {
	return connectors.PushMessage{Events: []connectors.PushEvent{{Kind: connectors.PushCheck, Topic: "test"}}, Reply: pushReply, ContentType: "application/json"}
}

// plainHeartbeat takes a body in clear: only {"test":true} is accepted
// (it says nothing and changes nothing); any other message must be
// encrypted, or it is not the platform's.
func plainHeartbeat(body []byte) (connectors.PushMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return connectors.PushMessage{}, pushErr(domain.EInvalid, "body is neither Base64 nor a JSON heartbeat")
	}
	if len(m) == 1 && string(bytes.TrimSpace(m["test"])) == "true" {
		return check(), nil
	}
	return connectors.PushMessage{}, pushErr(domain.EAuth, "body is a message in clear: the platform encrypts its messages")
}

// decodeEvent classifies a message by its event (kwaishop_order_*,
// kwaishop_aftersales_*, kwaishop_item_*) and finds the order it is about:
// an order event's bizId is the order (info.oid says it too), an
// after-sales event's bizId is the refund and info.orderId the order.
func decodeEvent(m pushMessage) (connectors.PushEvent, error) {
	ev := connectors.PushEvent{Kind: connectors.PushOther, Topic: m.Event, MessageID: m.EventID}
	var info struct {
		Oid     flexNum `json:"oid"`
		OrderID flexNum `json:"orderId"`
	}
	if strings.TrimSpace(m.Info) != "" {
		if err := json.Unmarshal([]byte(m.Info), &info); err != nil {
			return ev, pushErr(domain.EInvalid, "message field info: not a JSON object with whole-number ids")
		}
	}
	first := func(ids ...flexNum) string {
		for _, id := range ids {
			if id != "" && id != "0" {
				return string(id)
			}
		}
		return ""
	}
	switch {
	case strings.HasPrefix(m.Event, "kwaishop_order_"):
		ev.Kind, ev.PlatformOrderID = connectors.PushOrder, first(info.Oid, m.BizID)
	case strings.HasPrefix(m.Event, "kwaishop_aftersales_"):
		ev.Kind, ev.PlatformOrderID = connectors.PushRefund, first(info.OrderID, info.Oid)
	case strings.HasPrefix(m.Event, "kwaishop_item_"):
		ev.Kind = connectors.PushProduct
	}
	return ev, nil
}
