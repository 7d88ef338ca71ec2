package kuaishou

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
)

// Sign methods (signMethod).
const (
	SignMD5        = "MD5"
	SignHMACSHA256 = "HMAC_SHA256"
)

// Sign computes the signature of a call (channels.md §6.2): the system
// parameters access_token, appkey, method, param, signMethod, timestamp and
// version (never sign), sorted by name, joined k=v with '&', then
// "&signSecret=<secret>" appended; MD5 → lower-case hex, HMAC_SHA256 (key =
// the secret, over the same string) → Base64. Values are signed before URL
// encoding. An unknown method is an error, not a silent MD5.
func Sign(method, secret string, params map[string]string) (string, error) {
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
		b.WriteByte('=')
		b.WriteString(params[k])
		b.WriteByte('&')
	}
	b.WriteString("signSecret=")
	b.WriteString(secret)
	switch method {
	case SignMD5:
		sum := md5.Sum([]byte(b.String()))
		return hex.EncodeToString(sum[:]), nil
	case SignHMACSHA256:
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(b.String()))
		return base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
	}
	return "", fmt.Errorf("signMethod %q is not MD5 or HMAC_SHA256", method)
}
