package jd

import (
	"crypto/md5"
	"encoding/hex"
	"sort"
	"strings"
)

// Sign computes the JOS signature (channels.md §4): every parameter but
// "sign" and those with an empty value — 360buy_param_json and access_token
// included — sorted by name, concatenated name+value with no separators,
// wrapped in the app secret, md5, upper-case hex:
//
//	UPPER(hex(md5(secret + k1v1k2v2… + secret)))
//
// Empty values are skipped because the public JD SDKs neither sign nor
// send them (call drops them from the form as well).
func Sign(secret string, params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k, v := range params {
		if k != "sign" && v != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(secret)
	for _, k := range keys {
		b.WriteString(k)
		b.WriteString(params[k])
	}
	b.WriteString(secret)
	sum := md5.Sum([]byte(b.String()))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}
