// Package erp is syncctl's side of the ERP contract: signed order webhooks
// out (Client), their verification (Verify), and a reference receiver that
// an ERP engineer can read as a working example (Receiver).
//
// Contract (also in the README):
//
//	POST <erp url>
//	Content-Type: application/json
//	X-Syncctl-Event: order.created | order.updated | refund.created | refund.updated
//	X-Syncctl-Delivery: <delivery id>   stable across retries: the idempotency key
//	X-Syncctl-Timestamp: <unix seconds>
//	X-Syncctl-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>
//
// Any 2xx accepts the delivery; anything else (or no answer) is retried with
// backoff until it is accepted.
package erp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

// Header names of the webhook contract.
const (
	HeaderEvent     = "X-Syncctl-Event"
	HeaderDelivery  = "X-Syncctl-Delivery"
	HeaderTimestamp = "X-Syncctl-Timestamp"
	HeaderSignature = "X-Syncctl-Signature"
)

// DefaultTolerance is how far a webhook timestamp may be from the
// receiver's clock before Verify refuses it (replay protection).
const DefaultTolerance = 5 * time.Minute

// Envelope is the JSON body of every webhook. Refund events carry the
// case in Refund and the order as syncctl had it then in Order; their
// revisions order the case's versions (and interleave with the order's:
// both are the platform's modification times in Unix ms).
type Envelope struct {
	ID       string            `json:"id"`       // = X-Syncctl-Delivery
	Event    string            `json:"event"`    // = X-Syncctl-Event
	Revision int               `json:"revision"` // the platform's modification time, Unix ms: higher is newer
	Order    domain.SalesOrder `json:"order"`
	Refund   *domain.AfterSale `json:"refund,omitempty"`
}

// EnvelopeFor builds the body of a delivery. The same delivery always
// yields the same bytes, so a retry carries an identical body.
func EnvelopeFor(d store.Delivery) ([]byte, error) {
	return json.Marshal(Envelope{ID: d.ID, Event: string(d.Event), Revision: d.Revision, Order: d.Order, Refund: d.Refund})
}

// Sign returns the X-Syncctl-Signature value for a body sent at ts.
func Sign(secret []byte, ts int64, body []byte) string {
	return "v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts int64, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte("."))
	m.Write(body)
	return m.Sum(nil)
}

// ErrNoSecret is Verify's answer when it is given no secret: an empty key
// would make any signature an attacker computes "valid", so it fails closed.
var ErrNoSecret = errors.New("no signing secret configured")

// Verify checks a webhook's timestamp and signature header against the
// body. The header may carry several comma-separated v1= values (sent
// while a secret is rotated); one match is enough. It compares in constant time.
func Verify(secret []byte, timestampHeader, signatureHeader string, body []byte, now time.Time, tolerance time.Duration) error {
	if len(secret) == 0 {
		return ErrNoSecret
	}
	ts, err := strconv.ParseInt(strings.TrimSpace(timestampHeader), 10, 64)
	if err != nil {
		return fmt.Errorf("header %s: not unix seconds: %q", HeaderTimestamp, timestampHeader)
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("header %s: %d is %s away from now (tolerance %s)", HeaderTimestamp, ts, d.Round(time.Second), tolerance)
	}
	want := mac(secret, ts, body)
	found := false
	for _, part := range strings.Split(signatureHeader, ",") {
		scheme, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || scheme != "v1" {
			continue
		}
		found = true
		got, err := hex.DecodeString(value)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	if !found {
		return fmt.Errorf("header %s: no v1= signature", HeaderSignature)
	}
	return fmt.Errorf("header %s: signature does not match the body", HeaderSignature)
}
