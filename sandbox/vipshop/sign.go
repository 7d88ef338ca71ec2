package vipshop

import (
	"crypto/hmac"
	"crypto/md5"
	"encoding/hex"
	"sort"
	"strings"
)

// signHMAC is HMAC-MD5(secret, canonical + body) in upper-case hex.
func signHMAC(secret, canonical string, body []byte) string {
	m := hmac.New(md5.New, []byte(secret))
	m.Write([]byte(canonical))
	m.Write(body)
	return strings.ToUpper(hex.EncodeToString(m.Sum(nil)))
}

func sortStrings(s []string) { sort.Strings(s) }
