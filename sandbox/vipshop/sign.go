package vipshop

import (
	"crypto/hmac"
	"crypto/md5"
	"encoding/hex"
	"sort"
	"strings"
)

// Sign is the signature as the gateway computes it: the system parameters
// but sign, sorted by name, each name followed by its value, then the raw
// body; HMAC-MD5 keyed with the app secret, upper-case hex.
func Sign(secret string, params map[string]string, body []byte) string {
	return signHMAC(secret, canonical(params), body)
}

func canonical(params map[string]string) string {
	names := make([]string, 0, len(params))
	for k := range params {
		if k != "sign" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		b.WriteString(k)
		b.WriteString(params[k])
	}
	return b.String()
}

// signHMAC is HMAC-MD5(secret, canonical + body) in upper-case hex.
func signHMAC(secret, canonical string, body []byte) string {
	m := hmac.New(md5.New, []byte(secret))
	m.Write([]byte(canonical))
	m.Write(body)
	return strings.ToUpper(hex.EncodeToString(m.Sum(nil)))
}
