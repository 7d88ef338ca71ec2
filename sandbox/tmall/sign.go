package tmall

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"sort"
	"strings"
)

// Sign is the platform's own signature: the parameters except sign, sorted
// by name, concatenated name+value; md5 wrapped in the secret, or HMAC-MD5
// / HMAC-SHA256 keyed by it; upper-case hex. Any other method signs as md5
// (verify refuses unknown methods before it gets here).
//
// Parameters with an empty value are left out. That is what the official
// TOP SDKs do (they skip empty values when signing and when sending); what
// the real gateway does with an empty parameter that does arrive is
// UNCONFIRMED. Here the signature is checked as if it had not been sent.
func Sign(method, secret string, p map[string]string) string {
	names := make([]string, 0, len(p))
	for k, v := range p {
		if k != "sign" && v != "" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var sb strings.Builder
	for _, k := range names {
		sb.WriteString(k)
		sb.WriteString(p[k])
	}
	var h hash.Hash
	switch method {
	case "hmac":
		h = hmac.New(md5.New, []byte(secret))
		h.Write([]byte(sb.String()))
	case "hmac-sha256":
		h = hmac.New(sha256.New, []byte(secret))
		h.Write([]byte(sb.String()))
	default:
		h = md5.New()
		h.Write([]byte(secret + sb.String() + secret))
	}
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
}
