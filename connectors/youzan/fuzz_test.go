package youzan_test

import (
	"strings"
	"testing"

	"github.com/syncctl/syncctl/connectors/youzan"
	"github.com/syncctl/syncctl/domain"
)

// FuzzEventSign: ParsePush never panics; only the body's own Event-Sign
// (any case, spaces around) verifies; a changed body, another secret or
// another app's sign does not; a verified push is this app's.
func FuzzEventSign(f *testing.F) {
	f.Add([]byte(pushBody), pushSign, uint(3))
	f.Add([]byte(pushBody[:len(pushBody)/2]), " "+strings.ToUpper(pushSign)+" ", uint(0))
	f.Add([]byte(strings.Replace(pushBody, `"id":"E20261201103000012345678"`, `"id":["x"]`, 1)), "", uint(1))
	f.Add([]byte(strings.Replace(pushBody, `"msg":"%7B`, `"msg":"%zz`, 1)), "00", uint(2))
	f.Add([]byte(`{"client_id":"9f2e4a1c7b3d5e60","kdt_id":1e400}`), pushSign, uint(4))
	f.Fuzz(func(t *testing.T, body []byte, got string, flip uint) {
		own := youzan.EventSign(pushClientID, body, pushSecret)
		if !youzan.VerifyEventSign(" "+strings.ToUpper(own), pushClientID, body, pushSecret) {
			t.Fatal("own sign refused")
		}
		tampered := append([]byte(nil), body...)
		if len(tampered) == 0 {
			tampered = []byte{byte(flip)}
		} else {
			tampered[flip%uint(len(tampered))] ^= 1 << (flip % 8)
		}
		if youzan.VerifyEventSign(own, pushClientID, tampered, pushSecret) || youzan.VerifyEventSign(own, pushClientID, body, pushSecret+"x") ||
			youzan.VerifyEventSign(youzan.EventSign("other", body, pushSecret), pushClientID, body, pushSecret) {
			t.Fatal("a changed body, secret or app verifies")
		}
		if youzan.VerifyEventSign(got, pushClientID, body, pushSecret) && strings.ToLower(strings.TrimSpace(got)) != own {
			t.Fatalf("%q verifies, want %s", got, own)
		}
		for _, sign := range []string{got, own} {
			p, err := youzan.ParsePush(pushClientID, pushSecret, sign, body)
			switch {
			case err != nil && domain.ErrorCode(err) != domain.EInvalid && domain.ErrorCode(err) != domain.EAuth:
				t.Fatalf("err = %v", err)
			case err != nil && strings.Contains(err.Error(), pushSecret):
				t.Fatalf("the secret leaks: %v", err)
			case err == nil && (p.ClientID != pushClientID || sign != own && strings.ToLower(strings.TrimSpace(sign)) != own):
				t.Fatalf("push %+v accepted with %q", p, sign)
			}
		}
	})
}
