package cli_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// An operator's whole loop with the price guards, as a new user runs it:
// dev with a configuration whose pricing section is edited while it runs
// (no restart), a push whose cut is held, `approvals list|show`, `prices
// explain`, then `approvals approve` sending the price to the Tmall sandbox
// and `approvals reject` keeping the other one out.
func TestApprovalsFromTheCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the embedded Temporal")
	}
	dir := t.TempDir()
	csv := filepath.Join(dir, "c.csv")
	row := "TS-1,山野集 纯棉T恤,山野集,服装/男装/T恤,精梳长绒棉，四季可穿。,https://img.example.com/ts-1/1.jpg,"
	writeFile(t, csv, "spu_code,title,brand,category,description,images,sku_code,specs,weight_g,cost,list_price,stock\n"+
		row+"TS-1-W,颜色:白色,220,20.00,59.90,10\n"+
		row+"TS-1-B,颜色:黑色,220,20.00,59.90,10\n")
	if code, out, errOut := run(t, "catalog", "import", csv, "--state-dir", dir); code != 0 {
		t.Fatalf("import: exit %d: %s%s", code, out, errOut)
	}
	cfg := filepath.Join(dir, "syncctl.yaml")
	policy := func(adjust string) string {
		return "pricing:\n" +
			"  rules:\n    - shops: tmall/demo\n      adjust: \"" + adjust + "\"\n" +
			"  floor:\n    margin: \"50%\"\n" +
			"  changes:\n    - shops: \"*\"\n      down: \"30%\"\n" +
			"  approvals:\n    expire: 2h\n"
	}
	writeFile(t, cfg, policy("+0%"))
	t.Setenv("SYNCCTL_API_TOKEN", "tok-dev")
	banner, stop := startDev(t, dir, "--config", cfg)
	defer func() {
		if code, errOut := stop(); code != 0 {
			t.Errorf("dev exit %d: %s", code, errOut)
		}
	}()
	at := []string{"--config", cfg, "--state-dir", dir, "--temporal-address", banner["temporal_address"]}
	cmd := func(args ...string) (int, string, string) { return run(t, append(args, at...)...) }

	if code, out, errOut := cmd("push", "--shop", "tmall/demo"); code != 0 || !strings.Contains(out, "1/1 products pushed, 2 SKUs") {
		t.Fatalf("first push: exit %d: %s%s", code, out, errOut)
	}
	// The file changes under the running worker: 40 % off, a step beyond the 30 % limit.
	time.Sleep(1100 * time.Millisecond) // the worker looks at the file at most once a second
	writeFile(t, cfg, policy("-40%"))
	time.Sleep(1100 * time.Millisecond)
	code, out, errOut := cmd("push", "--shop", "tmall/demo", "--all")
	if code != 0 || !strings.Contains(out, "2 SKU prices held by the price guards, not sent") {
		t.Fatalf("push of the cut: exit %d: %s%s", code, out, errOut)
	}
	if got := tmallPrices(t, banner); got["TS-1-W"] != 5990 || got["TS-1-B"] != 5990 {
		t.Fatalf("the sandbox shows %v while the cut is held", got)
	}

	code, out, _ = cmd("approvals", "list")
	ids := regexp.MustCompile(`(?m)^(\d+)\s+tmall/demo\s+(TS-1-[WB])\s+59\.90\s+35\.94\s+change_size\s+awaiting-approval`).FindAllStringSubmatch(out, -1)
	if code != 0 || len(ids) != 2 {
		t.Fatalf("approvals list: exit %d:\n%s", code, out)
	}
	holdOf := map[string]string{ids[0][2]: ids[0][1], ids[1][2]: ids[1][1]}
	code, out, _ = cmd("approvals", "show", holdOf["TS-1-W"])
	if code != 0 || !strings.Contains(out, "59.90 → 35.94 (held, not sent)") || !strings.Contains(out, "change_size (needs approval): pricing.changes[0]") {
		t.Fatalf("approvals show: exit %d:\n%s", code, out)
	}
	code, out, _ = cmd("prices", "explain", "TS-1-W")
	if code != 0 || !regexp.MustCompile(`tmall/demo\s+35\.94\s+59\.90\s+needs approval\s+list price 59\.90 → -40% 35\.94`).MatchString(out) ||
		!strings.Contains(out, "floor 30.00 (floor.margin)") {
		t.Fatalf("prices explain: exit %d:\n%s", code, out)
	}

	code, out, errOut = cmd("approvals", "approve", holdOf["TS-1-W"], "--by", "王经理")
	if code != 0 || !strings.Contains(out, "approved by 王经理: TS-1-W on tmall/demo now 35.94") {
		t.Fatalf("approve: exit %d: %s%s", code, out, errOut)
	}
	if code, _, errOut = cmd("approvals", "reject", holdOf["TS-1-B"]); code != 2 || !strings.Contains(errOut, "--reason is required") {
		t.Fatalf("reject without a reason: exit %d: %s", code, errOut)
	}
	code, out, errOut = cmd("approvals", "reject", holdOf["TS-1-B"], "--reason", "达人价保期内", "-o", "json")
	var rejected struct {
		Status, DecidedBy, Note string `json:",omitempty"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &rejected) != nil || rejected.Status != "rejected" || rejected.Note != "达人价保期内" {
		t.Fatalf("reject: exit %d: %s%s", code, out, errOut)
	}
	if got := tmallPrices(t, banner); got["TS-1-W"] != 3594 || got["TS-1-B"] != 5990 {
		t.Fatalf("the sandbox shows %v, want the approved cut only", got)
	}
	if code, _, errOut = cmd("approvals", "approve", holdOf["TS-1-B"]); code == 0 || !strings.Contains(errOut, "rejected already") {
		t.Fatalf("approving a rejected hold: exit %d: %s", code, errOut)
	}
	if code, out, _ = cmd("approvals", "list"); code != 0 || !strings.Contains(out, "no price write awaits approval") {
		t.Fatalf("approvals list after both answers: exit %d:\n%s", code, out)
	}

	// A live stream on Kuaishou reserves 4 black T-shirts for two hours:
	// Tmall offers 4 fewer at once, and all of them again after the release.
	if code, _, errOut = cmd("stock", "reserve", "--shop", "kuaishou/demo", "--sku", "TS-1-B", "--qty", "0", "--until", "2099-01-01 00:00"); code != 2 || !strings.Contains(errOut, "--qty must be more than 0") {
		t.Fatalf("reserve 0: exit %d: %s", code, errOut)
	}
	until := time.Now().Add(2 * time.Hour).Format(time.RFC3339)
	code, out, errOut = cmd("stock", "reserve", "--shop", "kuaishou/demo", "--sku", "TS-1-B", "--qty", "4", "--until", until)
	id := regexp.MustCompile(`reservation #(\d+): 4 × TS-1-B for kuaishou/demo`).FindStringSubmatch(out)
	if code != 0 || id == nil {
		t.Fatalf("reserve: exit %d: %s%s", code, out, errOut)
	}
	waitTmallStock(t, banner, "TS-1-B", 6)
	if code, out, _ = cmd("stock", "reservations"); code != 0 || !regexp.MustCompile(`(?m)^`+id[1]+`\s+kuaishou/demo\s+TS-1-B\s+4\s+0\s+4`).MatchString(out) {
		t.Fatalf("stock reservations: exit %d:\n%s", code, out)
	}
	if code, out, errOut = cmd("stock", "release", id[1]); code != 0 || !strings.Contains(out, "released") {
		t.Fatalf("release: exit %d: %s%s", code, out, errOut)
	}
	waitTmallStock(t, banner, "TS-1-B", 10)

	// The ERP raises TS-1-B's list price through dev's API: the shop's rule
	// (-40 %) prices it, the guards pass it, and it reaches Tmall by itself.
	req, _ := http.NewRequest("POST", banner["erp_api"]+"/v1/prices", strings.NewReader(`{"items":[{"sku":"TS-1-B","list_price":"99.90","version":1}]}`))
	req.Header.Set("Authorization", "Bearer tok-dev")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /v1/prices: %v %v", resp, err)
	}
	resp.Body.Close()
	// Orders no pull has read (dev runs with --no-order-pull here) reach
	// the ERP through a backfill of their range.
	admin := kit.AdminClient{BaseURL: strings.TrimSuffix(banner["sandbox_tmall_admin"], "/_sandbox/")}
	if _, err := admin.SellOrders(context.Background(), 3, "TS-1-W"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // the range ends at the current second
	code, out, errOut = cmd("orders", "backfill", "--shop", "tmall/demo", "--from", time.Now().Add(-time.Hour).Format(time.RFC3339))
	if code != 0 || !strings.Contains(out, "3 the pulls had missed") {
		t.Fatalf("backfill: exit %d: %s%s", code, out, errOut)
	}
	// Order pulls as a Temporal Schedule: it starts pulls by itself, pauses,
	// resumes and goes away.
	if code, out, errOut = cmd("schedules", "create", "--shop", "tmall/demo", "--every", "2s"); code != 0 || !strings.Contains(out, "every 2s") {
		t.Fatalf("schedules create: exit %d: %s%s", code, out, errOut)
	}
	var scheds []struct {
		ID     string `json:"id"`
		Runs   int    `json:"runs"`
		Paused bool   `json:"paused"`
	}
	listed := func() {
		t.Helper()
		code, out, errOut := cmd("schedules", "list", "--shop", "tmall/demo", "-o", "json")
		if code != 0 || json.Unmarshal([]byte(out), &scheds) != nil {
			t.Fatalf("schedules list: exit %d: %s%s", code, out, errOut)
		}
	}
	for deadline := time.Now().Add(time.Minute); ; {
		listed()
		if len(scheds) == 1 && scheds[0].Runs > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the schedule started no pull: %+v", scheds)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if code, _, errOut = cmd("schedules", "pause", "--shop", "tmall/demo", "--note", "双11 盘点"); code != 0 {
		t.Fatalf("schedules pause: exit %d: %s", code, errOut)
	}
	if listed(); !scheds[0].Paused {
		t.Fatalf("after pause: %+v", scheds)
	}
	if code, _, errOut = cmd("prices", "check", "--schedule", "1h"); code != 2 || !strings.Contains(errOut, "name it with --shop") {
		t.Fatalf("prices check --schedule without a shop: exit %d: %s", code, errOut)
	}
	if code, out, errOut = cmd("prices", "check", "--shop", "tmall/demo", "--schedule", "1h"); code != 0 || !strings.Contains(out, "price-check-schedule/tmall/demo: a price check of tmall/demo every 1h0m0s") {
		t.Fatalf("prices check --schedule: exit %d: %s%s", code, out, errOut)
	}
	if code, _, errOut = cmd("schedules", "delete", "--shop", "tmall/demo"); code != 0 {
		t.Fatalf("schedules delete: exit %d: %s", code, errOut)
	}
	if listed(); len(scheds) != 0 {
		t.Fatalf("after delete: %+v", scheds)
	}

	deadline := time.Now().Add(time.Minute)
	for tmallPrices(t, banner)["TS-1-B"] != 5994 {
		if time.Now().After(deadline) {
			t.Fatalf("tmall shows %v after the ERP's price change, want TS-1-B at 59.94", tmallPrices(t, banner))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func waitTmallStock(t *testing.T, banner map[string]string, sku string, want int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		items, err := kit.AdminClient{BaseURL: strings.TrimSuffix(banner["sandbox_tmall_admin"], "/_sandbox/")}.Items(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got := -1
		for _, it := range items {
			for _, s := range it.SKUs {
				if s.OuterID == sku {
					got = s.Stock
				}
			}
		}
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("tmall offers %d of %s, want %d", got, sku, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// tmallPrices reads what the Tmall sandbox shows, by SKU code, in fen.
func tmallPrices(t *testing.T, banner map[string]string) map[string]int64 {
	t.Helper()
	items, err := kit.AdminClient{BaseURL: strings.TrimSuffix(banner["sandbox_tmall_admin"], "/_sandbox/")}.Items(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, it := range items {
		for _, s := range it.SKUs {
			out[s.OuterID] = s.PriceFen
		}
	}
	return out
}
