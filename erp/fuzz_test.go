package erp_test

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/erp"
)

// webhookSeeds are bodies syncctl sends and ones it never would.
func webhookSeeds(f *testing.F) [][]byte {
	env, err := erp.EnvelopeFor(delivery("dlv_1", 2, domain.OrderShipped))
	if err != nil {
		f.Fatal(err)
	}
	return [][]byte{env, env[:len(env)/2], bytes.Replace(env, []byte(`"revision":2`), []byte(`"revision":"2"`), 1),
		bytes.Replace(env, []byte(`"revision":2`), []byte(`"revision":0`), 1), []byte(`{"id":"dlv_1"}`), []byte(`null`), nil}
}

// FuzzVerify: Verify never panics; a body's own signature verifies, and
// nothing else does: not another body, not another secret, not another
// timestamp; headers that verify carry the body's signature for their
// timestamp.
func FuzzVerify(f *testing.F) {
	for _, b := range webhookSeeds(f) {
		f.Add(b, "1700000000", erp.Sign(secret, 1700000000, b), uint(7))
		f.Add(b, " 1700000030 ", "v0=1,v1="+strings.ToUpper(erp.Sign(secret, 1700000030, b)[3:])+", v1=zz", uint(0))
		f.Add(b, "+1700000000", "v1=", uint(3))
	}
	now := time.Unix(1700000000, 0)
	f.Fuzz(func(t *testing.T, body []byte, tsHeader, sigHeader string, flip uint) {
		const ts = 1700000000
		sig := erp.Sign(secret, ts, body)
		if err := erp.Verify(secret, "1700000000", sig, body, now, 0); err != nil {
			t.Fatalf("own signature refused: %v", err)
		}
		tampered := append([]byte(nil), body...)
		if len(tampered) == 0 {
			tampered = []byte{byte(flip)}
		} else {
			tampered[flip%uint(len(tampered))] ^= 1 << (flip % 8)
		}
		if erp.Verify(secret, "1700000000", sig, tampered, now, 0) == nil {
			t.Fatalf("tampered body %q verifies", tampered)
		}
		if erp.Verify([]byte("other secret"), "1700000000", sig, body, now, 0) == nil {
			t.Fatal("another secret verifies")
		}
		if erp.Verify(nil, "1700000000", sig, body, now, 0) == nil {
			t.Fatal("no secret verifies")
		}
		if erp.Verify(secret, strconv.Itoa(ts-1-int(flip%60)), sig, body, now, 0) == nil {
			t.Fatal("another timestamp verifies")
		}
		if err := erp.Verify(secret, tsHeader, sigHeader, body, now, 0); err == nil {
			at, perr := strconv.ParseInt(strings.TrimSpace(tsHeader), 10, 64)
			if perr != nil || !strings.Contains(strings.ToLower(sigHeader), erp.Sign(secret, at, body)[3:]) {
				t.Fatalf("headers %q %q verify without the body's signature", tsHeader, sigHeader)
			}
		}
	})
}

// FuzzReceiver: whatever arrives, the reference receiver never panics; a
// correctly signed body is applied (204) or refused as malformed (400); a
// tampered body, a wrong signature or no signature is 401.
func FuzzReceiver(f *testing.F) {
	for _, b := range webhookSeeds(f) {
		f.Add(b, "", uint(1))
		f.Add(b, "v1=00", uint(9))
	}
	rcv := erp.NewReceiver(secret, nil)
	h := rcv.Handler()
	f.Fuzz(func(t *testing.T, body []byte, sigHeader string, flip uint) {
		hdr := signed(body, "dlv_1", "order.updated", time.Now())
		switch code := post(t, h, body, hdr); code {
		case http.StatusNoContent, http.StatusBadRequest:
		default:
			t.Fatalf("signed body: %d", code)
		}
		tampered := append([]byte(nil), body...)
		if len(tampered) == 0 {
			tampered = []byte{byte(flip)}
		} else {
			tampered[flip%uint(len(tampered))] ^= 1 << (flip % 8)
		}
		if code := post(t, h, tampered, hdr); code != http.StatusUnauthorized {
			t.Fatalf("tampered body: %d", code)
		}
		want := hdr[erp.HeaderSignature][3:]
		hdr[erp.HeaderSignature] = sigHeader
		if code := post(t, h, body, hdr); code < 300 && !strings.Contains(strings.ToLower(sigHeader), want) {
			t.Fatalf("signature %q accepted: %d", sigHeader, code)
		}
	})
}
