package kuaishou

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
)

const (
	pushAppKey = "ks699183844582124027"
	pushKeyB64 = "MDEyMzQ1Njc4OWFiY2RlZg==" // "0123456789abcdef"
)

// pushChannel opens a shop with a message key (none when key is "").
func pushChannel(t testing.TB, appKey, key string) *Channel {
	t.Helper()
	creds := map[string]connectors.Secret{"appkey": connectors.Secret(appKey), "app_secret": "a", "sign_secret": "s", "refresh_token": "r"}
	if key != "" {
		creds["message_private_key"] = connectors.Secret(key)
	}
	ch, err := open(connectors.ShopConfig{Channel: "kuaishou", Shop: "p", Gateway: "http://127.0.0.1:1", Credentials: creds,
		Tokens: &connectors.MemoryTokens{}}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// sealKS encrypts a message as the doc's PlatformEventSecurityUtil would
// decode it, written apart from the connector: AES/CBC/PKCS5Padding, key =
// Base64Decode(privateKey), IV = 16 zero bytes, then Base64.
func sealKS(t testing.TB, privateKey string, msg []byte) []byte {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(privateKey)
	if err != nil {
		t.Fatal(err)
	}
	n := 16 - len(msg)%16
	pt := append(append([]byte(nil), msg...), bytes.Repeat([]byte{byte(n)}, n)...)
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	cipher.NewCBCEncrypter(block, make([]byte, 16)).CryptBlocks(pt, pt)
	return []byte(base64.StdEncoding.EncodeToString(pt))
}

func post(body []byte) connectors.PushRequest {
	return connectors.PushRequest{Method: "POST", Body: body, Now: time.Now()}
}

// Messages shaped as the doc's field table and a public SDK's sample.
func TestVerifyPushEvents(t *testing.T) {
	ch := pushChannel(t, pushAppKey, pushKeyB64)
	cases := []struct {
		msg   string
		kind  connectors.PushKind
		topic string
		order string
		id    string
	}{
		{`{"eventId":"243_4027_2375715766426","msgId":"84_2375715766425","bizId":2118200000005123457,"userId":2161524184,"openId":"f1b68e8f","appKey":"ks699183844582124027","event":"kwaishop_order_addOrder","info":"{\"oid\":2118200000005123457,\"sellerId\":2161524184,\"createTime\":1773750942425}","createTime":1773750942500,"test":false}`,
			connectors.PushOrder, "kwaishop_order_addOrder", "2118200000005123457", "243_4027_2375715766426"},
		{`{"eventId":"e2","bizId":2118200000005123458,"appKey":"ks699183844582124027","event":"kwaishop_order_paySuccess","createTime":1773750942500}`,
			connectors.PushOrder, "kwaishop_order_paySuccess", "2118200000005123458", "e2"},
		{`{"eventId":"e3","bizId":"50060000123","appKey":"ks699183844582124027","event":"kwaishop_aftersales_addRefund","info":"{\"orderId\":2118200000005123459,\"refundId\":50060000123,\"handlingWay\":10,\"status\":10}"}`,
			connectors.PushRefund, "kwaishop_aftersales_addRefund", "2118200000005123459", "e3"},
		{`{"eventId":"e4","bizId":5012345,"appKey":"ks699183844582124027","event":"kwaishop_item_statusChange","info":"{\"itemId\":5012345}"}`,
			connectors.PushProduct, "kwaishop_item_statusChange", "", "e4"},
		{`{"eventId":"e5","appKey":"ks699183844582124027","event":"kwaishop_logistics_update"}`, connectors.PushOther, "kwaishop_logistics_update", "", "e5"},
		{`{"test":true}`, connectors.PushCheck, "test", "", ""},
	}
	for _, c := range cases {
		msg, err := ch.VerifyPush(post(sealKS(t, pushKeyB64, []byte(c.msg))))
		if err != nil {
			t.Fatalf("%s: %v", c.topic, err)
		}
		want := connectors.PushEvent{Kind: c.kind, Topic: c.topic, PlatformOrderID: c.order, MessageID: c.id}
		if len(msg.Events) != 1 || msg.Events[0] != want || string(msg.Reply) != `{"result":1}` || msg.ContentType != "application/json" {
			t.Errorf("%s: %+v, want %+v", c.topic, msg, want)
		}
	}
	// The heartbeat in clear (how the doc shows it) is answered too.
	if msg, err := ch.VerifyPush(post([]byte(` {"test": true}`))); err != nil || msg.Events[0].Kind != connectors.PushCheck {
		t.Errorf("plain heartbeat: %+v %v", msg, err)
	}
}

func TestVerifyPushRefusals(t *testing.T) {
	ch := pushChannel(t, pushAppKey, pushKeyB64)
	good := []byte(`{"eventId":"e1","bizId":2118200000005123457,"appKey":"ks699183844582124027","event":"kwaishop_order_addOrder","info":"{\"oid\":2118200000005123457}"}`)
	body := sealKS(t, pushKeyB64, good)
	if _, err := ch.VerifyPush(post(body)); err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		ct, _ := base64.StdEncoding.DecodeString(string(body))
		ct[i] ^= 0x40
		return []byte(base64.StdEncoding.EncodeToString(ct))
	}
	otherKey := base64.StdEncoding.EncodeToString([]byte("fedcba9876543210"))
	cases := []struct {
		name string
		ch   *Channel
		req  connectors.PushRequest
		code string
	}{
		{"another key", pushChannel(t, pushAppKey, otherKey), post(body), domain.EAuth},
		{"another app", pushChannel(t, "ks000000000000000000", pushKeyB64), post(body), domain.EAuth},
		{"tampered first block", ch, post(flip(3)), domain.EAuth},
		{"tampered last block", ch, post(flip(len(good) - 2)), domain.EAuth},
		{"no appKey", ch, post(sealKS(t, pushKeyB64, []byte(`{"event":"kwaishop_order_addOrder","bizId":1}`))), domain.EAuth},
		{"a message in clear", ch, post(good), domain.EAuth},
		{"heartbeat of another app", ch, post(sealKS(t, pushKeyB64, []byte(`{"test":true,"appKey":"ks1"}`))), domain.EAuth},
		{"not configured", pushChannel(t, pushAppKey, ""), post(body), domain.EUnavailable},
		{"GET", ch, connectors.PushRequest{Method: "GET", Body: body}, domain.EInvalid},
		{"empty", ch, post(nil), domain.EInvalid},
		{"not base64", ch, post([]byte("%%% not base64 %%%")), domain.EInvalid},
		{"not whole blocks", ch, post([]byte(base64.StdEncoding.EncodeToString([]byte("0123456789")))), domain.EInvalid},
		{"bad JSON in clear", ch, post([]byte(`{"test":`)), domain.EInvalid},
		{"bizId a float", ch, post(sealKS(t, pushKeyB64, []byte(`{"appKey":"ks699183844582124027","event":"kwaishop_order_addOrder","bizId":2.1182e18}`))), domain.EInvalid},
		{"info not JSON", ch, post(sealKS(t, pushKeyB64, []byte(`{"appKey":"ks699183844582124027","event":"kwaishop_order_addOrder","info":"oid=1"}`))), domain.EInvalid},
		{"info not a string", ch, post(sealKS(t, pushKeyB64, []byte(`{"appKey":"ks699183844582124027","event":"kwaishop_order_addOrder","info":{"oid":1}}`))), domain.EInvalid},
	}
	for _, c := range cases {
		_, err := c.ch.VerifyPush(c.req)
		if domain.ErrorCode(err) != c.code {
			t.Errorf("%s: %v, want %s", c.name, err, c.code)
		}
		if err != nil && (strings.Contains(err.Error(), pushKeyB64) || strings.Contains(err.Error(), otherKey)) {
			t.Errorf("%s: the error shows a key: %v", c.name, err)
		}
	}
	_, err := pushChannel(t, pushAppKey, "").VerifyPush(post(body))
	if err == nil || !strings.Contains(err.Error(), "push not configured") || !strings.Contains(err.Error(), "message_private_key") {
		t.Errorf("not configured: %v", err)
	}
}

// A key that is not Base64 of an AES key is refused when the shop opens,
// naming the credential and not its value.
func TestBadMessageKey(t *testing.T) {
	for _, k := range []string{"not base64!", base64.StdEncoding.EncodeToString([]byte("short"))} {
		_, err := open(connectors.ShopConfig{Channel: "kuaishou", Shop: "p", Gateway: "http://127.0.0.1:1", Credentials: map[string]connectors.Secret{
			"appkey": "ks1", "app_secret": "a", "sign_secret": "s", "refresh_token": "r", "message_private_key": connectors.Secret(k)}}, time.Now)
		if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "message_private_key") || strings.Contains(err.Error(), k) {
			t.Errorf("key %q: %v", k, err)
		}
	}
}

// FuzzVerifyPush: whatever the body, VerifyPush never panics, refuses with
// EInvalid or EAuth only, never shows the key, and acknowledges with
// {"result":1} what it accepts.
func FuzzVerifyPush(f *testing.F) {
	ch := pushChannel(f, pushAppKey, pushKeyB64)
	for _, m := range []string{
		`{"eventId":"e1","bizId":2118200000005123457,"appKey":"ks699183844582124027","event":"kwaishop_order_addOrder","info":"{\"oid\":2118200000005123457}"}`,
		`{"test":true}`, `{"appKey":"ks699183844582124027","event":"kwaishop_aftersales_addRefund","info":"{\"orderId\":\"x\"}"}`,
		`[]`, `null`, "", `{"appKey":"ks699183844582124027","info":"{"}`,
	} {
		f.Add(sealKS(f, pushKeyB64, []byte(m)))
		f.Add([]byte(m))
	}
	f.Add([]byte("AAAAAAAAAAAAAAAAAAAAAA=="))
	f.Add([]byte("AAAAAAAAAAAAAAAAAAAAAA"))
	f.Fuzz(func(t *testing.T, body []byte) {
		msg, err := ch.VerifyPush(post(body))
		if err != nil {
			if c := domain.ErrorCode(err); c != domain.EInvalid && c != domain.EAuth {
				t.Fatalf("error of kind %s: %v", c, err)
			}
			if strings.Contains(err.Error(), pushKeyB64) || strings.Contains(err.Error(), "0123456789abcdef") {
				t.Fatalf("the error shows the key: %v", err)
			}
			return
		}
		if len(msg.Events) != 1 || string(msg.Reply) != `{"result":1}` {
			t.Fatalf("accepted: %+v", msg)
		}
	})
}
