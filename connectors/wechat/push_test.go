package wechat_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/wechat"
	"github.com/syncctl/syncctl/domain"
)

// The URL-check example of the platform's doc (channels.md §1.7).
func TestSignatureDocVector(t *testing.T) {
	const want = "f464b24fc39322e44b38aa78f5edd27bd1441696"
	if got := wechat.Signature("AAAAA", "1714036504", "1514711492"); got != want {
		t.Errorf("Signature = %s, want %s", got, want)
	}
	if !wechat.VerifySignature(strings.ToUpper(want), "1514711492", "AAAAA", "1714036504") {
		t.Error("VerifySignature refuses the doc's signature")
	}
	if wechat.VerifySignature(want, "AAAAB", "1714036504", "1514711492") {
		t.Error("VerifySignature accepts another token's signature")
	}
}

func TestDecrypt(t *testing.T) {
	const key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG" // 43 characters
	msg := []byte(`{"ToUserName":"gh_abc","Event":"channels_ec_order_pay","order_info":{"order_id":3704612354559743232}}`)
	enc, err := wechat.Encrypt(key, "wx0123456789abcdef", msg, [16]byte{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	got, err := wechat.Decrypt(key, "wx0123456789abcdef", enc)
	if err != nil || string(got) != string(msg) {
		t.Fatalf("Decrypt = %s, %v", got, err)
	}
	if _, err := wechat.Decrypt(key, "wxother", enc); err == nil || !strings.Contains(err.Error(), "appid") {
		t.Errorf("another appid: %v", err)
	}
	if _, err := wechat.Decrypt("BBBdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx0123456789abcdef", enc); err == nil {
		t.Error("another key decrypts")
	}
	if _, err := wechat.Decrypt(key, "wx0123456789abcdef", "not base64!"); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("garbage: %v", err)
	}
}

const (
	pushAppID = "wx0123456789abcdef"
	pushToken = "tok3nOfTheShop"
	pushKey   = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
)

// pushChannel opens a shop with push credentials (none when token is "").
func pushChannel(t testing.TB, appID, token, key string) connectors.PushReceiver {
	t.Helper()
	creds := map[string]connectors.Secret{"appid": connectors.Secret(appID), "secret": "s"}
	if token != "" {
		creds["push_token"], creds["encoding_aes_key"] = connectors.Secret(token), connectors.Secret(key)
	}
	ch, err := wechat.New(connectors.ShopConfig{Channel: "wechat_shop", Shop: "p", Gateway: "http://127.0.0.1:1", Credentials: creds, Tokens: &connectors.MemoryTokens{}})
	if err != nil {
		t.Fatal(err)
	}
	return ch.(connectors.PushReceiver)
}

// seal encrypts a message the way the doc describes it, written apart from
// the connector's Encrypt: 16 random bytes, the length (4 bytes big
// endian), the message, the appid; PKCS#7 to 32 bytes; AES-256-CBC with
// key = base64(EncodingAESKey+"="), IV = its first 16 bytes.
func seal(t testing.TB, encodingAESKey, appID string, msg []byte) string {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil {
		t.Fatal(err)
	}
	pt := append(bytes.Repeat([]byte{'r'}, 16), binary.BigEndian.AppendUint32(nil, uint32(len(msg)))...)
	pt = append(append(pt, msg...), appID...)
	n := 32 - len(pt)%32
	pt = append(pt, bytes.Repeat([]byte{byte(n)}, n)...)
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(pt, pt)
	return base64.StdEncoding.EncodeToString(pt)
}

// signed is the POST the platform sends for an Encrypt field.
func signed(token, enc string) connectors.PushRequest {
	parts := []string{token, "1714036504", "1514711492", enc}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	q := url.Values{"signature": {"ignored"}, "timestamp": {"1714036504"}, "nonce": {"1514711492"}, "encrypt_type": {"aes"},
		"msg_signature": {hex.EncodeToString(sum[:])}}
	body, _ := json.Marshal(map[string]string{"ToUserName": "gh_abc", "Encrypt": enc})
	return connectors.PushRequest{Method: "POST", Query: q, Body: body}
}

func TestVerifyPushURLCheck(t *testing.T) {
	ch := pushChannel(t, pushAppID, "AAAAA", pushKey)
	q := url.Values{"signature": {"f464b24fc39322e44b38aa78f5edd27bd1441696"}, "timestamp": {"1714036504"}, "nonce": {"1514711492"}, "echostr": {"e9c0"}}
	msg, err := ch.VerifyPush(connectors.PushRequest{Method: "GET", Query: q})
	if err != nil || string(msg.Reply) != "e9c0" || len(msg.Events) != 1 || msg.Events[0].Kind != connectors.PushCheck {
		t.Fatalf("URL check: %+v %v", msg, err)
	}
	q.Set("nonce", "1514711493")
	if _, err := ch.VerifyPush(connectors.PushRequest{Method: "GET", Query: q}); domain.ErrorCode(err) != domain.EAuth {
		t.Errorf("wrong signature: %v", err)
	}
	q.Del("echostr")
	if _, err := ch.VerifyPush(connectors.PushRequest{Method: "GET", Query: q}); domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "echostr") {
		t.Errorf("no echostr: %v", err)
	}
}

func TestVerifyPushEvents(t *testing.T) {
	ch := pushChannel(t, pushAppID, pushToken, pushKey)
	cases := []struct {
		msg   string
		kind  connectors.PushKind
		topic string
		order string
	}{
		{`{"ToUserName":"gh_abc","FromUserName":"OPENID","CreateTime":1662480000,"MsgType":"event","Event":"channels_ec_order_pay","order_info":{"order_id":3705115058471208928,"pay_time":1658509200}}`,
			connectors.PushOrder, "channels_ec_order_pay", "3705115058471208928"},
		{`{"MsgType":"event","Event":"channels_ec_order_deliver","order_info":{"order_id":"3705115058471208929","finish_delivery":1}}`,
			connectors.PushOrder, "channels_ec_order_deliver", "3705115058471208929"},
		{`{"MsgType":"event","Event":"channels_ec_order_ext_info_update","order_info":{"order_id":3705115058471208930}}`,
			connectors.PushOrder, "channels_ec_order_ext_info_update", "3705115058471208930"},
		{`{"MsgType":"event","Event":"channels_ec_aftersale_update","finder_shop_aftersale_status_update":{"status":"MERCHANT_PROCESSING","after_sale_order_id":"1234567","order_id":"3705115058471208931"}}`,
			connectors.PushRefund, "channels_ec_aftersale_update", "3705115058471208931"},
		{`{"MsgType":"event","Event":"product_spu_listing","ProductSpuListing":{"product_id":"10000029995861","status":5}}`,
			connectors.PushProduct, "product_spu_listing", ""},
		{`{"MsgType":"event","Event":"channels_ec_coupon_receive"}`, connectors.PushOther, "channels_ec_coupon_receive", ""},
	}
	for _, c := range cases {
		msg, err := ch.VerifyPush(signed(pushToken, seal(t, pushKey, pushAppID, []byte(c.msg))))
		if err != nil {
			t.Fatalf("%s: %v", c.topic, err)
		}
		want := connectors.PushEvent{Kind: c.kind, Topic: c.topic, PlatformOrderID: c.order}
		if len(msg.Events) != 1 || msg.Events[0] != want || string(msg.Reply) != "success" {
			t.Errorf("%s: %+v, want %+v", c.topic, msg, want)
		}
	}
}

func TestVerifyPushRefusals(t *testing.T) {
	ch := pushChannel(t, pushAppID, pushToken, pushKey)
	good := []byte(`{"MsgType":"event","Event":"channels_ec_order_new","order_info":{"order_id":3705115058471208928}}`)
	enc := seal(t, pushKey, pushAppID, good)
	if _, err := ch.VerifyPush(signed(pushToken, enc)); err != nil {
		t.Fatal(err)
	}
	with := func(f func(*connectors.PushRequest)) connectors.PushRequest {
		r := signed(pushToken, enc)
		f(&r)
		return r
	}
	tampered := []byte(enc)
	tampered[10] ^= 1
	cases := []struct {
		name string
		ch   connectors.PushReceiver
		req  connectors.PushRequest
		code string
	}{
		{"tampered msg_signature", ch, with(func(r *connectors.PushRequest) { r.Query.Set("msg_signature", wechat.Signature("x")) }), domain.EAuth},
		{"tampered Encrypt", ch, with(func(r *connectors.PushRequest) { r.Body = bytes.Replace(r.Body, []byte(enc), tampered, 1) }), domain.EAuth},
		{"another token", ch, signed("another", enc), domain.EAuth},
		{"another appid", pushChannel(t, "wxffffffffffffffff", pushToken, pushKey), signed(pushToken, enc), domain.EAuth},
		{"another key", pushChannel(t, pushAppID, pushToken, "BBBdefghijklmnopqrstuvwxyz0123456789ABCDEFG"), signed(pushToken, enc), domain.EAuth},
		{"not configured", pushChannel(t, pushAppID, "", ""), signed(pushToken, enc), domain.EUnavailable},
		{"method", ch, with(func(r *connectors.PushRequest) { r.Method = "PUT" }), domain.EInvalid},
		{"plain mode", ch, with(func(r *connectors.PushRequest) { r.Query.Del("encrypt_type") }), domain.EInvalid},
		{"no msg_signature", ch, with(func(r *connectors.PushRequest) { r.Query.Del("msg_signature") }), domain.EInvalid},
		{"body not JSON", ch, with(func(r *connectors.PushRequest) { r.Body = []byte("<xml>") }), domain.EInvalid},
		{"no Encrypt", ch, with(func(r *connectors.PushRequest) { r.Body = []byte(`{"ToUserName":"gh_abc"}`) }), domain.EInvalid},
		{"Encrypt not base64", ch, signed(pushToken, "%%%not base64"), domain.EInvalid},
		{"Encrypt not whole blocks", ch, signed(pushToken, base64.StdEncoding.EncodeToString([]byte("short"))), domain.EInvalid},
		{"message not JSON", ch, signed(pushToken, seal(t, pushKey, pushAppID, []byte("<xml/>"))), domain.EInvalid},
		{"order_id a float", ch, signed(pushToken, seal(t, pushKey, pushAppID, []byte(`{"Event":"channels_ec_order_pay","order_info":{"order_id":3.7e18}}`))), domain.EInvalid},
	}
	for _, c := range cases {
		_, err := c.ch.VerifyPush(c.req)
		if domain.ErrorCode(err) != c.code {
			t.Errorf("%s: %v, want %s", c.name, err, c.code)
		}
		if err != nil && (strings.Contains(err.Error(), pushToken) || strings.Contains(err.Error(), pushKey)) {
			t.Errorf("%s: the error shows a secret: %v", c.name, err)
		}
	}
	_, err := pushChannel(t, pushAppID, "", "").VerifyPush(signed(pushToken, enc))
	if err == nil || !strings.Contains(err.Error(), "push not configured") || !strings.Contains(err.Error(), "push_token") {
		t.Errorf("not configured: %v", err)
	}
}

// A key that is not 43 base64 characters is refused when the shop opens,
// naming the credential and not its value.
func TestBadEncodingAESKey(t *testing.T) {
	_, err := wechat.New(connectors.ShopConfig{Channel: "wechat_shop", Shop: "p", Gateway: "http://127.0.0.1:1",
		Credentials: map[string]connectors.Secret{"appid": "wx1", "secret": "s", "push_token": "t", "encoding_aes_key": "short-key"}})
	if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "encoding_aes_key") || strings.Contains(err.Error(), "short-key") {
		t.Errorf("bad key: %v", err)
	}
}
