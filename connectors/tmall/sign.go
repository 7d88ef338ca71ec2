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

// Sign computes the TOP signature of params (everything but "sign"):
// names sorted by ASCII, concatenated name+value with no separators, then
//
//	md5:         UPPER(hex(md5(secret + s + secret)))
//	hmac:        UPPER(hex(HMAC-MD5(secret, s)))
//	hmac-sha256: UPPER(hex(HMAC-SHA256(secret, s)))
func Sign(method, secret string, params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "sign" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteString(params[k])
	}
	var h hash.Hash
	switch method {
	case "hmac":
		h = hmac.New(md5.New, []byte(secret))
		h.Write([]byte(b.String()))
	case "hmac-sha256":
		h = hmac.New(sha256.New, []byte(secret))
		h.Write([]byte(b.String()))
	default: // md5
		h = md5.New()
		h.Write([]byte(secret + b.String() + secret))
	}
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
}
