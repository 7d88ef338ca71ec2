package wechat_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/sandbox/wechat"
)

// receiver is a push receiver for the tests, checking each message the way
// the doc says a merchant must (its own code, not the connector's).
type receiver struct {
	t            *testing.T
	token, key   string
	appID        string
	answer       string
	mu           sync.Mutex
	events       []map[string]any
	failures     []string
	srv          *httptest.Server
	contentTypes []string
}

func newReceiver(t *testing.T, token, key, appID, answer string) *receiver {
	r := &receiver{t: t, token: token, key: key, appID: appID, answer: answer}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func sha1Of(parts ...string) string {
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	q := req.URL.Query()
	var env struct{ ToUserName, Encrypt string }
	msg, why := []byte(nil), ""
	switch {
	case req.Method != http.MethodPost || q.Get("encrypt_type") != "aes":
		why = "not a security-mode POST"
	case json.Unmarshal(body, &env) != nil || env.Encrypt == "" || !strings.HasPrefix(env.ToUserName, "gh_"):
		why = "body " + string(body)
	case q.Get("signature") != sha1Of(r.token, q.Get("timestamp"), q.Get("nonce")):
		why = "signature"
	case q.Get("msg_signature") != sha1Of(r.token, q.Get("timestamp"), q.Get("nonce"), env.Encrypt):
		why = "msg_signature"
	default:
		msg, why = r.open(env.Encrypt)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.contentTypes = append(r.contentTypes, req.Header.Get("Content-Type"))
	if why != "" {
		r.failures = append(r.failures, why)
		http.Error(w, why, http.StatusForbidden)
		return
	}
	var ev map[string]any
	d := json.NewDecoder(bytes.NewReader(msg))
	d.UseNumber()
	if err := d.Decode(&ev); err != nil {
		r.failures = append(r.failures, "message "+string(msg))
	}
	r.events = append(r.events, ev)
	_, _ = io.WriteString(w, r.answer)
}

func (r *receiver) open(enc string) ([]byte, string) {
	key, _ := base64.StdEncoding.DecodeString(r.key + "=")
	ct, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(ct)%32 != 0 || len(key) != 32 {
		return nil, "Encrypt is not whole 32-byte blocks"
	}
	block, _ := aes.NewCipher(key)
	cipher.NewCBCDecrypter(block, key[:16]).CryptBlocks(ct, ct)
	pad := int(ct[len(ct)-1])
	if pad < 1 || pad > 32 {
		return nil, "padding"
	}
	pt := ct[:len(ct)-pad]
	n := int(binary.BigEndian.Uint32(pt[16:20]))
	if 20+n > len(pt) || string(pt[20+n:]) != r.appID {
		return nil, "appid"
	}
	return pt[20 : 20+n], ""
}

func (r *receiver) snapshot() ([]map[string]any, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]map[string]any(nil), r.events...), append([]string(nil), r.failures...)
}

// The sandbox pushes order changes in security mode to the receiver of
// Config.PushURL; a receiver that does not answer "success" gets them again.
func TestPushOrderChanges(t *testing.T) {
	const token, key = "pushtok", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	r := newReceiver(t, token, key, "wx0123456789abcdef", "success")
	e := open(t, wechat.Config{AppID: "wx0123456789abcdef", Secret: "s3cr3t", PushToken: token, EncodingAESKey: key, PushURL: r.srv.URL})
	id := e.call("product/add", addBody(), 0)["data"].(map[string]any)["product_id"].(string)
	for range wechat.DefaultReviewGets {
		e.call("product/get", map[string]any{"product_id": id, "data_type": 3}, 0)
	}
	ids, err := e.sb.SellOrders(1, "YS-TS-001-WHT-M")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.sb.RefundOrder(ids[0]); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.sb.Pusher().Drain(ctx); err != nil {
		t.Fatal(err)
	}
	events, failures := r.snapshot()
	if len(failures) > 0 {
		t.Fatalf("refused: %v", failures)
	}
	seen := map[string]string{}
	for _, ev := range events {
		switch name := ev["Event"].(string); name {
		case "channels_ec_order_new", "channels_ec_order_pay":
			seen[name] = ev["order_info"].(map[string]any)["order_id"].(json.Number).String()
		case "channels_ec_aftersale_update":
			seen[name] = ev["finder_shop_aftersale_status_update"].(map[string]any)["order_id"].(string)
		}
	}
	for _, name := range []string{"channels_ec_order_new", "channels_ec_order_pay", "channels_ec_aftersale_update"} {
		if seen[name] != ids[0] {
			t.Errorf("%s: order %q, want %s (events %v)", name, seen[name], ids[0], events)
		}
	}
	if st := e.sb.Pusher().Stats(); st.Sent != len(events) || st.Refused != 0 || st.URL != r.srv.URL {
		t.Errorf("stats %+v for %d events", st, len(events))
	}

	wrong := newReceiver(t, token, key, "wx0123456789abcdef", "ok")
	e.sb.Pusher().SetURL(wrong.srv.URL)
	if _, err := e.sb.SellOrders(1, ""); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for e.sb.Pusher().Stats().Refused < 4 && time.Now().Before(deadline) { // two messages, each resent once
		time.Sleep(20 * time.Millisecond)
	}
	if st := e.sb.Pusher().Stats(); st.Refused < 4 {
		t.Errorf("an answer other than success was not resent: %+v", st)
	}
}

// Config.EncodingAESKey must be a real one; an empty one is made up.
func TestPushKeyChecked(t *testing.T) {
	if _, err := wechat.Open(wechat.Config{AppID: "wx1", Secret: "s", EncodingAESKey: "short"}); err == nil || strings.Contains(err.Error(), "short") {
		t.Errorf("bad key: %v", err)
	}
	if k := wechat.NewEncodingAESKey(); len(k) != 43 {
		t.Errorf("EncodingAESKey %q: want 43 characters", k)
	}
	creds := wechat.Platform.NewCredentials()
	if creds["push_token"] == "" || len(creds["encoding_aes_key"]) != 43 {
		t.Errorf("credentials %v", creds)
	}
}
