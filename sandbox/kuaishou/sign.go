package kuaishou

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"sort"
	"strings"
)

// Sign methods the gateway accepts (signMethod).
const (
	SignMD5        = "MD5"
	SignHMACSHA256 = "HMAC_SHA256"
)

// signedParams are the parameters the signature covers (channels.md §6.2).
var signedParams = []string{"access_token", "appkey", "method", "param", "signMethod", "timestamp", "version"}

// Sign is the gateway's own signature of a request: the signed parameters
// the request carries, sorted by name, joined as k=v with &, then
// "&signSecret=<secret>"; MD5 gives lower-case hex, HMAC_SHA256 (keyed by
// the secret) Base64. Values are taken before URL encoding. ok is false for
// another method.
func Sign(method, secret string, params map[string]string) (sign string, ok bool) {
	names := make([]string, 0, len(signedParams))
	for _, k := range signedParams {
		if _, has := params[k]; has {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for i, k := range names {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k + "=" + params[k])
	}
	b.WriteString("&signSecret=" + secret)
	switch method {
	case SignMD5:
		sum := md5.Sum([]byte(b.String()))
		return hex.EncodeToString(sum[:]), true
	case SignHMACSHA256:
		h := hmac.New(sha256.New, []byte(secret))
		h.Write([]byte(b.String()))
		return base64.StdEncoding.EncodeToString(h.Sum(nil)), true
	}
	return "", false
}
