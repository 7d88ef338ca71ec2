package wechat

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// Push messages (消息推送, channels.md §1.7), as the platform sends them to
// the URL a test or an operator subscribed (kit.Pusher): 微信小店 has the
// security mode only, so every message is JSON {"ToUserName","Encrypt"}
// POSTed with signature, timestamp, nonce, encrypt_type=aes and
// msg_signature in the query. Encrypt is AES-256-CBC (key =
// base64(EncodingAESKey+"="), IV = its first 16 bytes, PKCS#7 to 32 bytes)
// of 16 random bytes, the message length (4 bytes, big endian), the JSON
// message and the appid. The receiver acknowledges with HTTP 200 and
// "success" (or nothing); any other answer is resent.
//
// This is the platform's side, written apart from connectors/wechat: the
// two meet only at the documented format.

var _ kit.PushShop = (*Server)(nil)

// Pusher implements kit.PushShop.
func (s *Server) Pusher() *kit.Pusher { return s.pusher }

// Close stops the order generator, then pushing (a message waiting for a
// resend is dropped, as a platform stopping would), and writes the state file.
func (s *Server) Close() error {
	err := s.Base.Close()
	s.pusher.Close()
	return err
}

// wxAESKey decodes an EncodingAESKey: 43 base64 characters, 32 bytes.
func wxAESKey(encodingAESKey string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("wechat sandbox: encoding_aes_key must be 43 base64 characters (a 32-byte key)")
	}
	return key, nil
}

// NewEncodingAESKey makes an EncodingAESKey as the shop backend's 随机生成
// does: 32 random bytes, base64 without the trailing "=".
func NewEncodingAESKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return strings.TrimSuffix(base64.StdEncoding.EncodeToString(b), "=")
}

// sha1Sorted is the platform's signature: sha1 of the sorted parts joined.
func sha1Sorted(parts ...string) string {
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

// sealMessage encrypts a message for the shop's appid.
func (s *Server) sealMessage(msg []byte) string {
	var buf bytes.Buffer
	random := make([]byte, 16)
	_, _ = rand.Read(random)
	buf.Write(random)
	_ = binary.Write(&buf, binary.BigEndian, uint32(len(msg)))
	buf.Write(msg)
	buf.WriteString(s.cfg.AppID)
	pad := 32 - buf.Len()%32
	buf.Write(bytes.Repeat([]byte{byte(pad)}, pad))
	block, _ := aes.NewCipher(s.pushKey)
	out := make([]byte, buf.Len())
	cipher.NewCBCEncrypter(block, s.pushKey[:aes.BlockSize]).CryptBlocks(out, buf.Bytes())
	return base64.StdEncoding.EncodeToString(out)
}

// userName is the shop's 原始ID, the ToUserName of its messages.
func (s *Server) userName() string {
	sum := sha1.Sum([]byte(s.cfg.AppID))
	return "gh_" + hex.EncodeToString(sum[:6])
}

// pushEvent sends one event message: Event and its own fields beside the
// common ones. It is called where an order changed, under s.mu, with
// values only: the request is built from them and from the immutable
// configuration, and only when a receiver is subscribed.
func (s *Server) pushEvent(event string, fields map[string]any) {
	s.pusher.Send(func() kit.PushRequest {
		now := s.cfg.Now().Unix()
		msg := map[string]any{"ToUserName": s.userName(), "FromUserName": "oSbxShopEvents", "CreateTime": now, "MsgType": "event", "Event": event}
		for k, v := range fields {
			msg[k] = v
		}
		plain, _ := json.Marshal(msg)
		enc := s.sealMessage(plain)
		ts := strconv.FormatInt(now, 10)
		n, _ := rand.Int(rand.Reader, big.NewInt(1e10))
		nonce := n.String()
		body, _ := json.Marshal(map[string]string{"ToUserName": s.userName(), "Encrypt": enc})
		return kit.PushRequest{
			Query: url.Values{"signature": {sha1Sorted(s.cfg.PushToken, ts, nonce)}, "timestamp": {ts}, "nonce": {nonce},
				"encrypt_type": {"aes"}, "msg_signature": {sha1Sorted(s.cfg.PushToken, ts, nonce, enc)}},
			Header:   http.Header{"Content-Type": {"application/json"}},
			Body:     body,
			Accepted: acknowledged,
		}
	})
}

// acknowledged is the platform's reading of a receiver's answer: HTTP 200
// with "success" or an empty body.
func acknowledged(status int, body []byte) bool {
	b := strings.TrimSpace(string(body))
	return status == http.StatusOK && (b == "" || b == "success")
}

// pushOrder sends an order event (channels_ec_order_*) with order_info:
// order_id as a bare number, as the doc shows it, and the event's fields.
func (s *Server) pushOrder(event, orderID string, info map[string]any) {
	oi := map[string]any{"order_id": json.Number(orderID)}
	for k, v := range info {
		oi[k] = v
	}
	s.pushEvent(event, map[string]any{"order_info": oi})
}

// pushCase sends channels_ec_aftersale_update for an after-sales case.
func (s *Server) pushCase(c *afterSale) {
	s.pushEvent("channels_ec_aftersale_update", map[string]any{"finder_shop_aftersale_status_update": map[string]any{
		"status": c.Status, "after_sale_order_id": c.ID, "order_id": c.OrderID}})
}
