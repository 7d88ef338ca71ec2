package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/platforms"
	"github.com/syncctl/syncctl/stack"
	"github.com/syncctl/syncctl/store"
	"github.com/syncctl/syncctl/store/storetest"
	"github.com/syncctl/syncctl/workflows"
)

// The Temporal SDK logs every activity retry as an ERROR line; at the
// default level they are debug detail the command's own output already
// says once. With -v they show; syncctl's own warnings always do.
func TestSDKLogsShowOnlyWithVerbose(t *testing.T) {
	g, _, errOut := testGlobals(t)
	g.sdkLogger().Error("Activity error.", "Attempt", 6)
	g.sdkLogger().Warn("Failed to send heartbeat")
	if errOut.Len() != 0 {
		t.Fatalf("SDK logs at the default level: %q", errOut.String())
	}
	g.logger().Warn("the ERP receiver's port is taken")
	if !strings.Contains(errOut.String(), "level=WARN") {
		t.Fatalf("syncctl's own warning hidden: %q", errOut.String())
	}
	g, _, errOut = testGlobals(t, "-v")
	g.sdkLogger().Error("Activity error.", "Attempt", 6)
	if !strings.Contains(errOut.String(), "level=ERROR") || !strings.Contains(errOut.String(), "Activity error.") {
		t.Fatalf("-v hides the SDK's logs: %q", errOut.String())
	}
}

// Nothing answers at an address: the error says which of DNS, a refused
// connection or the address itself, and what to do.
func TestUnreachableTemporalSaysWhy(t *testing.T) {
	ctx := context.Background()
	for addr, want := range map[string]string{
		"nosuchhost.invalid:7233": "host nosuchhost.invalid is not known",
		"127.0.0.1:1":             "connection refused",
		"no-port":                 "HOST:PORT",
	} {
		why := unreachable(ctx, addr)
		if !strings.Contains(why, want) {
			t.Errorf("unreachable(%q) = %q, want %q", addr, why, want)
		}
		g, _, _ := testGlobals(t, "--temporal-address", addr)
		cfg, err := g.load()
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = g.dialWith(ctx, cfg)
		if err == nil || !strings.Contains(err.Error(), "Temporal at "+addr+" is not reachable: ") ||
			!strings.Contains(err.Error(), "is `syncctl dev` running, or pass --temporal-address") || strings.Contains(err.Error(), "no children") {
			t.Errorf("dial %s: %v", addr, err)
		}
	}
}

// A command told to stop while it connects to Temporal is stopped, not
// told Temporal is unreachable (worker and serve then exit 0;
// TestWorkerAndServeServeMetrics stops serve as it may still connect).
func TestStoppedWhileDialingIsAStop(t *testing.T) {
	g, _, _ := testGlobals(t, "--temporal-address", "127.0.0.1:1")
	cfg, err := g.load()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := g.dialWith(ctx, cfg); !errors.Is(err, errStopped) {
		t.Fatalf("dial after a stop = %v, want errStopped", err)
	}
}

// orders list shows where each order's webhooks stand with the ERP, in
// the table and in the JSON.
func TestOrdersListShowsTheERPDeliveryState(t *testing.T) {
	ctx := context.Background()
	dsn := ordersStore(t, 0)
	st, err := store.Open(ctx, "sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	upsert := func(id string) string {
		o := storetest.Order(id, domain.OrderPaid)
		o.ModifiedAt = o.ModifiedAt.Add(time.Duration(len(id)) * time.Second)
		ch, err := st.UpsertOrder(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		return ch.DeliveryID
	}
	if err := st.RecordDeliveryAttempt(ctx, upsert("1001"), true, 204, ""); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordDeliveryAttempt(ctx, upsert("10002"), false, 503, "erp unavailable: delivery dlv_0123456789abcdef01234567: erp answered HTTP 503: erp maintenance [503]"); err != nil {
		t.Fatal(err)
	}
	upsert("100003")
	st.Close()

	g, out, _ := testGlobals(t, "--store-dsn", dsn)
	if err := ordersListRun(ctx, g, &ordersListOptions{shop: flagship}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if !strings.HasSuffix(lines[0], "DELIVERY") {
		t.Fatalf("header %q has no DELIVERY column", lines[0])
	}
	want := map[string]string{"1001": "delivered v1", "10002": "failing (HTTP 503: erp maintenance)", "100003": "pending (1 version)"}
	for _, l := range lines[1:] {
		id := strings.Fields(l)[0]
		if !strings.HasSuffix(l, want[id]) {
			t.Errorf("order %s: %q, want it to end in %q", id, l, want[id])
		}
	}
	g, out, _ = testGlobals(t, "--store-dsn", dsn, "-o", "json")
	if err := ordersListRun(ctx, g, &ordersListOptions{shop: flagship}); err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Order struct {
			PlatformOrderID string `json:"platform_order_id"`
		} `json:"order"`
		Delivery struct {
			State             string `json:"state"`
			DeliveredRevision int    `json:"delivered_revision"`
			Pending           int    `json:"pending"`
			LastError         string `json:"last_error"`
		} `json:"delivery"`
	}
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil || len(rows) != 3 {
		t.Fatalf("%v: %s", err, out.String())
	}
	states := map[string]string{"1001": "delivered", "10002": "failing", "100003": "pending"}
	for _, r := range rows {
		if r.Delivery.State != states[r.Order.PlatformOrderID] {
			t.Errorf("order %s: delivery %+v, want state %s", r.Order.PlatformOrderID, r.Delivery, states[r.Order.PlatformOrderID])
		}
	}
}

// A listing that was never pushed shows no price or stock (they are not
// the channel's): "-" in the table, "pushed": false in the JSON.
func TestNeverPushedListingsShowThatNothingWasPushed(t *testing.T) {
	ctx := context.Background()
	dsn := ordersStore(t, 0)
	st, err := store.Open(ctx, "sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportProducts(ctx, []domain.Product{storetest.Product("A", 2)}); err != nil {
		t.Fatal(err)
	}
	err = st.SaveListings(ctx, []domain.ChannelListing{
		{Shop: flagship, SKUCode: "A-0", ProductCode: "A", Status: domain.ListingFailed, LastError: "tmall: invalid title"},
		{Shop: flagship, SKUCode: "A-1", ProductCode: "A", ItemID: "6001", Price: 5990, Stock: 11, Status: domain.ListingOnSale, PushedAt: time.Now()},
	})
	if err == nil {
		err = st.SetPoolRate(ctx, flagship, "A", 1250)
	}
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	g, out, _ := testGlobals(t, "--store-dsn", dsn)
	if err := listingsRun(ctx, g, &listingsOptions{shop: flagship, limit: 10}); err != nil {
		t.Fatal(err)
	}
	var failed, onSale []string
	for _, l := range strings.Split(out.String(), "\n") {
		switch {
		case strings.HasPrefix(l, "A-0"):
			failed = strings.Fields(l)
		case strings.HasPrefix(l, "A-1"):
			onSale = strings.Fields(l)
		}
	}
	// SKU PRODUCT PRICE STOCK STATUS …: the never-pushed one has no ids either.
	if len(failed) < 5 || failed[2] != "-" || failed[3] != "-" || strings.Contains(out.String(), "0.00") {
		t.Fatalf("never pushed shown as %q:\n%s", failed, out.String())
	}
	// (no platform SKU id: the columns after the item id shift left in Fields)
	if len(onSale) < 7 || onSale[3] != "59.90" || onSale[4] != "11" || onSale[6] != "12.5%" {
		t.Fatalf("pushed shown as %q (want its price, stock and pool commission)", onSale)
	}
	g, out, _ = testGlobals(t, "--store-dsn", dsn, "-o", "json")
	if err := listingsRun(ctx, g, &listingsOptions{shop: flagship, limit: 10}); err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		SKU    string `json:"sku_code"`
		Price  int    `json:"price"`
		Pushed *bool  `json:"pushed"`
	}
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil || len(rows) != 2 {
		t.Fatalf("%v: %s", err, out.String())
	}
	if rows[0].Pushed == nil || *rows[0].Pushed || rows[1].Pushed == nil || !*rows[1].Pushed || rows[1].Price != 5990 {
		t.Fatalf("json = %s", out.String())
	}
}

// While a chunk waits for a throttled channel the progress line says so:
// when it goes again and the channel's own words (escaped, cut to the line).
func TestPushProgressLineSaysItIsRetrying(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	next := now.Add(12 * time.Second)
	p := workflows.PushProgress{Total: 65, Pushed: 20, Failed: 1, LastError: "tmall: App Call Limited [7]: This ban will last for 12 more seconds", NextAttempt: &next}
	line := progressLine(p, now, 200)
	if !strings.Contains(line, "21/65 products, 1 failed — retrying in 12s: tmall: App Call Limited [7]: This ban will last") {
		t.Fatalf("line = %q", line)
	}
	if line := progressLine(workflows.PushProgress{Total: 65, Pushed: 20}, now, 200); strings.Contains(line, "retrying") {
		t.Fatalf("not retrying, yet %q", line)
	}
	p.LastError = "tmall: \x1b[2Jbusy"
	if line := progressLine(p, now, 200); strings.ContainsRune(line, 0x1b) || !strings.Contains(line, `\x1b[2J`) {
		t.Fatalf("control characters reach the terminal: %q", line)
	}
	p.LastError = strings.Repeat("很长的错误", 40)
	if line := progressLine(p, now, 80); displayWidth(line) > 80 || !strings.HasSuffix(line, "…") {
		t.Fatalf("line of width %d: %q", displayWidth(line), line)
	}
}

// dev's "try:" lines are complete: another shell finds this dev's Temporal
// and store (--store-dsn when the store is not the state dir's own).
func TestDevTryLinesNameTheStore(t *testing.T) {
	reg, _ := platforms.Lookup("tmall")
	sb := &stack.Sandbox{Platform: reg, Shop: domain.ShopRef{Channel: "tmall", Shop: "demo"}}
	for _, c := range []struct{ dsn, want string }{
		{"/srv/state/syncctl.db", "--state-dir /srv/state"},
		{"/var/lib/other.db", "--store-dsn /var/lib/other.db"},
	} {
		g, out, _ := testGlobals(t, "--temporal-address", "127.0.0.1:7233")
		s := &stack.Stack{StateDir: "/srv/state", StoreDSN: c.dsn, Sandboxes: []*stack.Sandbox{sb}}
		if err := printDevBanner(g, s, ""); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "try: syncctl push --shop tmall/demo --temporal-address 127.0.0.1:7233 "+c.want+"\n") ||
			!strings.Contains(out.String(), "syncctl listings --shop tmall/demo "+c.want+"\n") {
			t.Errorf("store %s: banner\n%s", c.dsn, out.String())
		}
	}
}

// Every command that only reads the store is marked so and opens it
// read-only; a path in readCommands that names no command fails here.
func TestReadCommandsAreMarked(t *testing.T) {
	root, _ := newTree(IO{In: strings.NewReader(""), Out: &bytes.Buffer{}, Err: &bytes.Buffer{}})
	for _, path := range readCommands {
		c, _, err := root.Find(strings.Fields(path))
		if err != nil || c == root || c.Annotations[annotationStore] != "read" {
			t.Errorf("%q: not a marked command (%v)", path, err)
		}
	}
}

// Tables align by display width (a Chinese character takes two columns)
// and show control characters from data as escapes.
func TestTableAlignsCJKAndEscapesControlCharacters(t *testing.T) {
	var b bytes.Buffer
	tw := newTable(&b)
	tw.row("SPU", "TITLE", "PRICE")
	tw.row("TS-1", "纯棉T恤", "59.90")
	tw.row("TS-22", "plain tee", "9.90")
	tw.row("X\x1b[2J", "bad\ttitle\nnext", "1.00")
	if err := tw.flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines:\n%s", len(lines), b.String())
	}
	col := func(l, cell string) int { return displayWidth(l[:strings.Index(l, cell)]) }
	price := col(lines[0], "PRICE")
	for i, cell := range []string{"59.90", "9.90", "1.00"} {
		if got := col(lines[i+1], cell); got != price {
			t.Errorf("row %d: price at column %d, header at %d:\n%s", i+1, got, price, b.String())
		}
	}
	if strings.ContainsAny(b.String(), "\x1b\t\r") || !strings.Contains(b.String(), `X\x1b[2J`) || !strings.Contains(b.String(), `bad\ttitle\nnext`) {
		t.Fatalf("control characters not escaped: %q", b.String())
	}
	// Written like to a tabwriter (what code written for one does).
	b.Reset()
	tw = newTable(&b)
	_, _ = tw.Write([]byte("A\t纯棉\tz\nBB\tx\tz\n"))
	_ = tw.Flush()
	if want := "A   纯棉  z\nBB  x     z\n"; b.String() != want {
		t.Fatalf("tabwriter-style:\n%q\nwant\n%q", b.String(), want)
	}
	if w := displayWidth("纯棉T恤"); w != 7 {
		t.Fatalf("displayWidth = %d, want 7", w)
	}
}

// Output to a terminal never carries control characters from data, even
// where a command prints without a table; newlines and tabs pass.
func TestTerminalOutputEscapesControlCharacters(t *testing.T) {
	var b bytes.Buffer
	w := &terminalSafe{w: &b}
	in := "title \x1b]0;pwned\x07 ok\t\n中文 \xc2\x9b c1\n"
	// Written a byte at a time: a rune cut between writes stays whole.
	for i := range len(in) {
		_, _ = w.Write([]byte{in[i]})
	}
	want := "title \\x1b]0;pwned\\x07 ok\t\n中文 \\x9b c1\n"
	if b.String() != want {
		t.Fatalf("got %q, want %q", b.String(), want)
	}
	if got := safeText("a\u202eb\rc"); got != `a\u202eb\rc` {
		t.Fatalf("safeText = %q", got)
	}
}

// The one error line main prints escapes control characters too (a
// platform's error text reaches it).
func TestErrorLineEscapesControlCharacters(t *testing.T) {
	var errb bytes.Buffer
	root, g := newRoot(IO{In: strings.NewReader(""), Out: &bytes.Buffer{}, Err: &errb})
	root.AddCommand(&cobraCommandThatFails)
	code := execute(context.Background(), root, g, []string{"fail"}, &errb)
	if code != ExitError || strings.ContainsRune(errb.String(), 0x1b) || !strings.Contains(errb.String(), `\x1b[31m`) {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
}

var cobraCommandThatFails = cobra.Command{Use: "fail", RunE: func(*cobra.Command, []string) error {
	return errors.New("tmall: \x1b[31mred alert")
}}
