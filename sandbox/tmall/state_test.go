package tmall_test

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/sandbox/tmall"
)

func adminJSON(t *testing.T, base, path string) string {
	var v any
	getJSON(t, base+path, &v)
	b, _ := json.Marshal(v)
	return string(b)
}

// A sandbox restarted on the same state file finds its shop as it left it,
// and goes on with new ids.
func TestStateSurvivesARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "tmall.json")
	e := newEnvWith(t, tmall.Config{StateFile: path})
	id := addItem(e)
	stock(e, id, 40)
	tids, err := e.sb.CreateOrders(4, "")
	if err != nil {
		t.Fatal(err)
	}
	e.call("taobao.logistics.offline.send", map[string]string{"tid": tids[0], "out_sid": "SF1", "company_code": "SF"})
	e.call("taobao.item.update.delisting", map[string]string{"num_iid": id})
	wantItems, wantOrders := adminJSON(t, e.srv.URL, "/_sandbox/top/items"), adminJSON(t, e.srv.URL, "/_sandbox/orders")
	if err := e.sb.Close(); err != nil {
		t.Fatal(err)
	}

	sb2, err := tmall.Open(tmall.Config{AppKey: tAppKey, AppSecret: tSecret, Session: tSession, Seed: 1, Now: e.clk.now, StateFile: path})
	if err != nil {
		t.Fatal(err)
	}
	srv2 := httptest.NewServer(sb2)
	defer srv2.Close()
	defer sb2.Close()
	if got := adminJSON(t, srv2.URL, "/_sandbox/top/items"); got != wantItems {
		t.Fatalf("items after restart:\n%s\nwant\n%s", got, wantItems)
	}
	if got := adminJSON(t, srv2.URL, "/_sandbox/orders"); got != wantOrders {
		t.Fatalf("orders after restart:\n%s\nwant\n%s", got, wantOrders)
	}
	e2 := &env{t: t, srv: srv2, clk: e.clk, sb: sb2}
	if id2 := addItem(e2); id2 == id {
		t.Fatalf("a new item after restart reused num_iid %s", id)
	}
}

// Changes reach the file without a Close (debounced), written whole.
func TestStateIsWrittenAfterChanges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tmall.json")
	e := newEnvWith(t, tmall.Config{StateFile: path})
	addItem(e)
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, err := os.ReadFile(path)
		if err == nil {
			var st struct {
				Version int
				Items   []any
			}
			if err := json.Unmarshal(b, &st); err != nil {
				t.Fatalf("state file is not whole JSON: %v", err)
			}
			if len(st.Items) == 1 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("state file not written within 5s: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	matches, _ := filepath.Glob(path + ".tmp-*")
	if len(matches) != 0 {
		t.Fatalf("temporary files left: %v", matches)
	}
}

func TestCorruptStateFileIsAnError(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"truncated.json": `{"version":1,"items":[{"NumIID":`, "future.json": `{"version":99}`} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := tmall.Open(tmall.Config{AppKey: "1", AppSecret: "s", Session: "x", StateFile: path})
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Fatalf("%s: err = %v, want one naming the file", name, err)
		}
	}
	// A missing file is a new, empty shop.
	sb, err := tmall.Open(tmall.Config{AppKey: "1", AppSecret: "s", Session: "x", StateFile: filepath.Join(dir, "new.json")})
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
}
