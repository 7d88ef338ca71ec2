package wechat_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/wechat"
	"github.com/syncctl/syncctl/domain"
)

const (
	fuzzKey   = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	fuzzAppID = "wx0123456789abcdef"
)

// FuzzDecrypt: Decrypt never panics on any Encrypt field; what Encrypt
// sealed opens to the same message, for this appid and key only; a
// push whose Encrypt was changed on the way fails its msg_signature.
func FuzzDecrypt(f *testing.F) {
	msg := []byte(`{"ToUserName":"gh_abc","Event":"channels_ec_order_pay","order_info":{"order_id":3704612354559743232}}`)
	enc, err := wechat.Encrypt(fuzzKey, fuzzAppID, msg, [16]byte{1, 2, 3})
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range []string{enc, enc[:len(enc)/2], enc[:len(enc)-4], "not base64!", "", "AAAAAAAAAAAAAAAAAAAAAA=="} {
		f.Add(e, msg, uint(5))
	}
	f.Add(enc, []byte{}, uint(0))
	f.Fuzz(func(t *testing.T, encrypted string, msg []byte, flip uint) {
		if out, err := wechat.Decrypt(fuzzKey, fuzzAppID, encrypted); err == nil && len(out) >= len(encrypted) {
			t.Fatalf("Decrypt(%q) = %d bytes out of %d", encrypted, len(out), len(encrypted))
		}
		sealed, err := wechat.Encrypt(fuzzKey, fuzzAppID, msg, [16]byte{byte(flip)})
		if err != nil {
			t.Fatal(err)
		}
		if out, err := wechat.Decrypt(fuzzKey, fuzzAppID, sealed); err != nil || !bytes.Equal(out, msg) {
			t.Fatalf("round trip: %q, %v", out, err)
		}
		if _, err := wechat.Decrypt(fuzzKey, fuzzAppID+"x", sealed); err == nil {
			t.Fatal("another appid opens it")
		}
		if _, err := wechat.Decrypt("BBBdefghijklmnopqrstuvwxyz0123456789ABCDEFG", fuzzAppID, sealed); err == nil {
			t.Fatal("another key opens it")
		}
		ct, _ := base64.StdEncoding.DecodeString(sealed)
		ct[flip%uint(len(ct))] ^= 1 << (flip % 8)
		tampered := base64.StdEncoding.EncodeToString(ct)
		sig := wechat.Signature("tok", "1714036504", "1514711492", sealed)
		if wechat.VerifySignature(sig, "tok", "1714036504", "1514711492", tampered) {
			t.Fatal("a changed Encrypt passes msg_signature")
		}
		_, _ = wechat.Decrypt(fuzzKey, fuzzAppID, tampered) // CBC has no integrity: the signature is the check
	})
}

// FuzzSignature: only the signature of the same parts verifies.
func FuzzSignature(f *testing.F) {
	f.Add("AAAAA", "1714036504", "1514711492", "", "f464b24fc39322e44b38aa78f5edd27bd1441696")
	f.Add("tok", "1714036504", "1514711492", "c2VjcmV0", "F464B24FC39322E44B38AA78F5EDD27BD1441696")
	f.Fuzz(func(t *testing.T, token, ts, nonce, enc, got string) {
		want := wechat.Signature(token, ts, nonce, enc)
		if !wechat.VerifySignature(want, token, ts, nonce, enc) || !wechat.VerifySignature(strings.ToUpper(want), enc, nonce, ts, token) {
			t.Fatal("own signature refused")
		}
		if wechat.VerifySignature(want, token+"x", ts, nonce, enc) || wechat.VerifySignature(want, token, ts, nonce, enc+"=") {
			t.Fatal("changed parts verify")
		}
		if wechat.VerifySignature(got, token, ts, nonce, enc) && strings.ToLower(got) != want {
			t.Fatalf("%q verifies, want %s", got, want)
		}
	})
}

// FuzzVerifyPush: whatever reaches the receiver, VerifyPush never panics,
// refuses with EInvalid or EAuth only, never shows a secret, and accepts
// nothing but a message signed with the shop's token and sealed for its
// appid with its key.
func FuzzVerifyPush(f *testing.F) {
	ch := pushChannel(f, pushAppID, pushToken, pushKey)
	good := seal(f, pushKey, pushAppID, []byte(`{"MsgType":"event","Event":"channels_ec_order_pay","order_info":{"order_id":3705115058471208928}}`))
	sig := signed(pushToken, good).Query.Get("msg_signature")
	body := signed(pushToken, good).Body
	f.Add("POST", body, sig, "1714036504", "1514711492", "aes")
	f.Add("POST", body[:len(body)/2], sig, "1714036504", "1514711492", "aes")
	f.Add("POST", []byte(`{"Encrypt":"AAAA"}`), sig, "1714036504", "1514711492", "aes")
	f.Add("POST", []byte(`{"Encrypt":""}`), "", "", "", "")
	f.Add("GET", []byte{}, "f464b24fc39322e44b38aa78f5edd27bd1441696", "1714036504", "1514711492", "")
	for _, plain := range []string{`{}`, `[]`, `{"order_info":{"order_id":{}}}`, `{"order_info":{"order_id":"12a"}}`, "\x00"} {
		r := signed(pushToken, seal(f, pushKey, pushAppID, []byte(plain)))
		f.Add("POST", r.Body, r.Query.Get("msg_signature"), "1714036504", "1514711492", "aes")
	}
	f.Fuzz(func(t *testing.T, method string, body []byte, msgSig, ts, nonce, encType string) {
		q := url.Values{"msg_signature": {msgSig}, "signature": {msgSig}, "timestamp": {ts}, "nonce": {nonce}, "encrypt_type": {encType}, "echostr": {"e"}}
		msg, err := ch.VerifyPush(connectors.PushRequest{Method: method, Query: q, Body: body})
		if err != nil {
			if c := domain.ErrorCode(err); c != domain.EInvalid && c != domain.EAuth {
				t.Fatalf("error of kind %s: %v", c, err)
			}
			if strings.Contains(err.Error(), pushToken) || strings.Contains(err.Error(), pushKey) {
				t.Fatalf("the error shows a secret: %v", err)
			}
			return
		}
		if len(msg.Events) != 1 {
			t.Fatalf("accepted with %d events", len(msg.Events))
		}
		if method == "POST" && (string(msg.Reply) != "success" || !wechat.VerifySignature(msgSig, pushToken, ts, nonce, envelopeEncrypt(body))) {
			t.Fatalf("accepted a message not signed with the shop's token: %q", body)
		}
	})
}

func envelopeEncrypt(body []byte) string {
	var env struct{ Encrypt string }
	_ = json.Unmarshal(body, &env)
	return env.Encrypt
}
