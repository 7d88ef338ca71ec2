package wechat_test

import (
	"strings"
	"testing"

	"github.com/syncctl/syncctl/connectors/wechat"
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
	sig := wechat.Signature("tok", "1714036504", "1514711492", enc)
	if !wechat.VerifySignature(sig, "tok", "1714036504", "1514711492", enc) {
		t.Error("msg_signature not verified")
	}
	if _, err := wechat.Decrypt(key, "wxother", enc); err == nil || !strings.Contains(err.Error(), "appid") {
		t.Errorf("another appid: %v", err)
	}
	if _, err := wechat.Decrypt("BBBdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx0123456789abcdef", enc); err == nil {
		t.Error("another key decrypts")
	}
	if _, err := wechat.Decrypt(key, "wx0123456789abcdef", "not base64!"); err == nil {
		t.Error("garbage decrypts")
	}
}
