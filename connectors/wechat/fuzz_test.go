package wechat_test

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/connectors/wechat"
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
