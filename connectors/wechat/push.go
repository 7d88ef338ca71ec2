package wechat

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
)

// Push messages (channels.md §1.7). 微信小店 pushes only in security mode:
// JSON {"ToUserName","Encrypt"} with msg_signature in the query. The URL
// check (GET with echostr) is signed with signature.

var _ connectors.PushReceiver = (*Channel)(nil)

// Signature is sha1 of the sorted, concatenated parts: the URL check's
// signature over (token, timestamp, nonce), and a message's msg_signature
// over (token, timestamp, nonce, Encrypt).
func Signature(parts ...string) string {
	s := append([]string(nil), parts...)
	sort.Strings(s)
	sum := sha1.Sum([]byte(strings.Join(s, "")))
	return hex.EncodeToString(sum[:])
}

// VerifySignature reports whether got is the signature of parts, in
// constant time.
func VerifySignature(got string, parts ...string) bool {
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(got)), []byte(Signature(parts...))) == 1
}

// aesBlock is the PKCS#7 block size WeChat pads to (not AES's 16).
const aesBlock = 32

func aesKey(encodingAESKey string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, pushErr(domain.EInvalid, "EncodingAESKey must be 43 base64 characters (a 32-byte key)")
	}
	return key, nil
}

// Decrypt opens a message's Encrypt field: AES-256-CBC with key =
// base64(EncodingAESKey + "="), IV = key[:16], PKCS#7 padding to 32 bytes;
// the plaintext is 16 random bytes, the message length (4 bytes, big
// endian), the message and the appid, which must be the shop's.
func Decrypt(encodingAESKey, appID, encrypted string) ([]byte, error) {
	key, err := aesKey(encodingAESKey)
	if err != nil {
		return nil, err
	}
	// A malformed field is EInvalid; one that does not open with the key
	// and the appid is not the platform's (EAuth): CBC has no integrity of
	// its own, msg_signature is checked before.
	bad := func(why string) error { return pushErr(domain.EAuth, "Encrypt "+why) }
	ct, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, pushErr(domain.EInvalid, "Encrypt is not base64 of whole AES blocks")
	}
	block, _ := aes.NewCipher(key)
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, key[:aes.BlockSize]).CryptBlocks(pt, ct)
	pad := int(pt[len(pt)-1])
	if pad < 1 || pad > aesBlock || pad > len(pt) || !bytes.Equal(pt[len(pt)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		return nil, bad("has bad padding (wrong EncodingAESKey?)")
	}
	pt = pt[:len(pt)-pad]
	if len(pt) < 20 {
		return nil, bad("is too short")
	}
	n := binary.BigEndian.Uint32(pt[16:20])
	if uint64(n) > uint64(len(pt)-20) {
		return nil, bad("has a length beyond its end")
	}
	msg, tail := pt[20:20+n], pt[20+n:]
	if subtle.ConstantTimeCompare(tail, []byte(appID)) != 1 {
		return nil, bad("is for another appid")
	}
	return msg, nil
}

// Encrypt seals a message as the platform does (random is the 16-byte
// prefix): the counterpart of Decrypt, for tests and sandboxes.
func Encrypt(encodingAESKey, appID string, msg []byte, random [16]byte) (string, error) {
	key, err := aesKey(encodingAESKey)
	if err != nil {
		return "", err
	}
	var pt bytes.Buffer
	pt.Write(random[:])
	_ = binary.Write(&pt, binary.BigEndian, uint32(len(msg)))
	pt.Write(msg)
	pt.WriteString(appID)
	pad := aesBlock - pt.Len()%aesBlock
	pt.Write(bytes.Repeat([]byte{byte(pad)}, pad))
	block, _ := aes.NewCipher(key)
	ct := make([]byte, pt.Len())
	cipher.NewCBCEncrypter(block, key[:aes.BlockSize]).CryptBlocks(ct, pt.Bytes())
	return base64.StdEncoding.EncodeToString(ct), nil
}

// pushErr is a refused push request. Messages name the field that failed,
// never a credential nor the request's own values.
func pushErr(code, msg string) *domain.Error {
	return &domain.Error{Code: code, Platform: platformName, Message: "push: " + msg}
}

// VerifyPush implements connectors.PushReceiver for the shop's 消息推送
// settings (credentials push_token and encoding_aes_key):
//
//   - GET is the URL check: signature over (token, timestamp, nonce); the
//     reply is echostr.
//   - POST is a message in security mode (the only mode 微信小店 has):
//     msg_signature over (token, timestamp, nonce, Encrypt), then Encrypt
//     decrypted and its appid compared with the shop's; the reply is
//     "success".
//
// The timestamp is not held to a window: the platform resends a message
// for hours (channels.md §1.7) and whether a resend is signed anew is
// UNCONFIRMED; a replayed genuine message only makes an order pull run.
func (c *Channel) VerifyPush(req connectors.PushRequest) (connectors.PushMessage, error) {
	token := c.pushToken.Reveal()
	if token == "" || (req.Method != http.MethodGet && c.pushAESKey == "") {
		return connectors.PushMessage{}, &domain.Error{Code: domain.EUnavailable, Platform: platformName,
			Message: "push not configured for shop " + c.shop.String() + ": set credential push_token and encoding_aes_key (the shop's 消息推送 Token and EncodingAESKey)"}
	}
	q := req.Query
	need := func(names ...string) error {
		for _, n := range names {
			if q.Get(n) == "" {
				return pushErr(domain.EInvalid, "query parameter "+n+" is missing")
			}
		}
		return nil
	}
	switch req.Method {
	case http.MethodGet:
		if err := need("signature", "timestamp", "nonce", "echostr"); err != nil {
			return connectors.PushMessage{}, err
		}
		if !VerifySignature(q.Get("signature"), token, q.Get("timestamp"), q.Get("nonce")) {
			return connectors.PushMessage{}, pushErr(domain.EAuth, "URL check: signature does not match the shop's push_token")
		}
		return connectors.PushMessage{Events: []connectors.PushEvent{{Kind: connectors.PushCheck, Topic: "url_check"}},
			Reply: []byte(q.Get("echostr")), ContentType: "text/plain"}, nil
	case http.MethodPost:
	default:
		return connectors.PushMessage{}, pushErr(domain.EInvalid, "method: want GET (URL check) or POST (message)")
	}
	if err := need("msg_signature", "timestamp", "nonce"); err != nil {
		return connectors.PushMessage{}, err
	}
	if q.Get("encrypt_type") != "aes" {
		return connectors.PushMessage{}, pushErr(domain.EInvalid, "query parameter encrypt_type: want aes (微信小店 pushes in security mode only)")
	}
	var env struct {
		ToUserName string `json:"ToUserName"`
		Encrypt    string `json:"Encrypt"`
	}
	if err := json.Unmarshal(req.Body, &env); err != nil {
		return connectors.PushMessage{}, pushErr(domain.EInvalid, `body: not the JSON {"ToUserName","Encrypt"} of security mode`)
	}
	if env.Encrypt == "" {
		return connectors.PushMessage{}, pushErr(domain.EInvalid, "body field Encrypt is missing")
	}
	if !VerifySignature(q.Get("msg_signature"), token, q.Get("timestamp"), q.Get("nonce"), env.Encrypt) {
		return connectors.PushMessage{}, pushErr(domain.EAuth, "msg_signature does not match the shop's push_token and the body")
	}
	plain, err := Decrypt(c.pushAESKey.Reveal(), c.appID, env.Encrypt)
	if err != nil {
		return connectors.PushMessage{}, err
	}
	ev, err := decodePushEvent(plain)
	if err != nil {
		return connectors.PushMessage{}, err
	}
	return connectors.PushMessage{Events: []connectors.PushEvent{ev}, Reply: []byte("success"), ContentType: "text/plain"}, nil
}

// pushID is an id a message carries as a JSON number or string: order ids
// are 19 digits, beyond float64, and the docs show both forms.
type pushID string

func (p *pushID) UnmarshalJSON(b []byte) error {
	s := string(b)
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	if s != "" && s != "null" && !domain.Digits(s) {
		return pushErr(domain.EInvalid, "an id is not a whole number")
	}
	if s != "null" {
		*p = pushID(s)
	}
	return nil
}

// decodePushEvent reads a decrypted message (channels.md §1.7): order
// events carry order_info.order_id, after-sales ones (the case changed)
// finder_shop_aftersale_status_update.order_id; product ones
// (product_spu_audit, _listing, _update) only say a product changed.
// Anything else is PushOther: a message the shop subscribed to that
// syncctl has no use for is still acknowledged.
func decodePushEvent(plain []byte) (connectors.PushEvent, error) {
	var m struct {
		MsgType   string `json:"MsgType"`
		Event     string `json:"Event"`
		OrderInfo *struct {
			OrderID pushID `json:"order_id"`
		} `json:"order_info"`
		AfterSale *struct {
			OrderID pushID `json:"order_id"`
		} `json:"finder_shop_aftersale_status_update"`
	}
	if err := json.Unmarshal(plain, &m); err != nil {
		var de *domain.Error
		if errors.As(err, &de) {
			return connectors.PushEvent{}, pushErr(domain.EInvalid, "message: an order_id is not a whole number")
		}
		return connectors.PushEvent{}, pushErr(domain.EInvalid, "message: not a JSON object")
	}
	ev := connectors.PushEvent{Kind: connectors.PushOther, Topic: m.Event}
	if ev.Topic == "" {
		ev.Topic = m.MsgType
	}
	switch {
	case strings.HasPrefix(m.Event, "channels_ec_order_"):
		ev.Kind = connectors.PushOrder
		if m.OrderInfo != nil {
			ev.PlatformOrderID = string(m.OrderInfo.OrderID)
		}
	case strings.HasPrefix(m.Event, "channels_ec_aftersale_"):
		ev.Kind = connectors.PushRefund
		if m.AfterSale != nil {
			ev.PlatformOrderID = string(m.AfterSale.OrderID)
		}
	case strings.HasPrefix(m.Event, "product_spu_"):
		ev.Kind = connectors.PushProduct
	}
	return ev, nil
}
