package tmall

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"sort"
	"strings"
)

// Sign methods TOP accepts (channels.md §3.2).
const (
	SignMD5        = "md5"
	SignHMAC       = "hmac"
	SignHMACSHA256 = "hmac-sha256"
)

// Sign computes the TOP signature of params: every parameter but "sign"
// and those with an empty value, names sorted by ASCII, concatenated
// name+value with no separators, then
//
//	md5:         UPPER(hex(md5(secret + s + secret)))
//	hmac:        UPPER(hex(HMAC-MD5(secret, s)))
//	hmac-sha256: UPPER(hex(HMAC-SHA256(secret, s)))
//
// Empty values are skipped because the official TOP SDKs skip them both when
// signing and when sending (call drops them from the form as well), so the
// gateway never sees them. An unknown method is an error, not a silent md5.
func Sign(method, secret string, params map[string]string) (string, error) {
	keys := make([]string, 0, len(params))
	for k, v := range params {
		if k != "sign" && v != "" {
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
	case SignMD5:
		h = md5.New()
		h.Write([]byte(secret + b.String() + secret))
	case SignHMAC:
		h = hmac.New(md5.New, []byte(secret))
		h.Write([]byte(b.String()))
	case SignHMACSHA256:
		h = hmac.New(sha256.New, []byte(secret))
		h.Write([]byte(b.String()))
	default:
		return "", fmt.Errorf("sign_method %q is not md5, hmac or hmac-sha256", method)
	}
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil))), nil
}
