package jd

import (
	"crypto/md5"
	"encoding/hex"
	"sort"
	"strings"
)

// Sign is the gateway's own signature check value: every parameter except
// sign, sorted by name, name+value concatenated, the app secret before and
// after, md5, upper-case hex. 360buy_param_json and access_token are
// parameters like the others. Empty values are left out, as the public
// SDKs never send them (what JD does with one that arrives is UNCONFIRMED).
func Sign(secret string, p map[string]string) string {
	names := make([]string, 0, len(p))
	for k, v := range p {
		if k != "sign" && v != "" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var sb strings.Builder
	sb.WriteString(secret)
	for _, k := range names {
		sb.WriteString(k + p[k])
	}
	sb.WriteString(secret)
	h := md5.Sum([]byte(sb.String()))
	return strings.ToUpper(hex.EncodeToString(h[:]))
}
