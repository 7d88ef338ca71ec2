package douyin

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
)

// Sign methods (sign_method). The connector signs with HMAC-SHA256; md5
// is the official SDK's other choice over the same pattern.
const (
	SignHMAC = "hmac-sha256"
	SignMD5  = "md5"
)

// Sign is the official SDK's signature (channels.md §5.2): over
// secret + "app_key"+appKey + "method"+method + "param_json"+paramJSON +
// "timestamp"+timestamp + "v2" + secret, lowercase hex of HMAC-SHA256 keyed
// with the secret, or of MD5.
func Sign(signMethod, secret, appKey, method, paramJSON, timestamp string) string {
	var b strings.Builder
	b.WriteString(secret)
	for _, kv := range [][2]string{{"app_key", appKey}, {"method", method}, {"param_json", paramJSON}, {"timestamp", timestamp}, {"v", "2"}} {
		b.WriteString(kv[0])
		b.WriteString(kv[1])
	}
	b.WriteString(secret)
	if signMethod == SignMD5 {
		sum := md5.Sum([]byte(b.String()))
		return hex.EncodeToString(sum[:])
	}
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(b.String()))
	return hex.EncodeToString(h.Sum(nil))
}

// ParamJSON serialises business params as param_json: object keys sorted
// at every level, compact, no HTML escaping, numbers as written (it goes
// through json.Number, never float64). nil is "{}".
func ParamJSON(v any) (string, error) {
	if v == nil {
		return "{}", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return "", err
	}
	// encoding/json writes map keys sorted: the tree comes out canonical.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(tree); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}
