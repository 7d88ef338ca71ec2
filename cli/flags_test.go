package cli

import (
	"bytes"
	"context"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/platforms"
)

// parse runs one command as main would, under a root with the global
// flags, with a run function that only records the options it is given.
// The options are nil when parsing failed (the run function was not called).
func parse[O any](t *testing.T, build func(*globals, runFunc[O]) *cobra.Command, args ...string) (*O, int, string) {
	t.Helper()
	var got *O
	var errb bytes.Buffer
	root, g := newRoot(IO{In: strings.NewReader(""), Out: io.Discard, Err: &errb})
	cmd := build(g, func(_ context.Context, _ *globals, o *O) error { got = o; return nil })
	root.AddCommand(cmd)
	code := execute(context.Background(), root, g, append([]string{cmd.Name()}, args...), &errb)
	return got, code, errb.String()
}

// parseCase is one command line and the options it must parse into (nil:
// a usage error, exit 2, and the run function not called).
type parseCase[O any] struct {
	args []string
	want *O
}

func checkParse[O any](t *testing.T, build func(*globals, runFunc[O]) *cobra.Command, cases []parseCase[O], cmp func(a, b O) bool) {
	t.Helper()
	if cmp == nil {
		cmp = func(a, b O) bool { return reflect.DeepEqual(a, b) }
	}
	for _, c := range cases {
		got, code, errOut := parse(t, build, c.args...)
		switch {
		case c.want == nil && (code != ExitUsage || got != nil):
			t.Errorf("%v: exit %d, options %+v; want a usage error (%s)", c.args, code, got, errOut)
		case c.want != nil && (code != ExitOK || got == nil):
			t.Errorf("%v: exit %d: %s", c.args, code, errOut)
		case c.want != nil && !cmp(*got, *c.want):
			t.Errorf("%v: options %+v, want %+v", c.args, *got, *c.want)
		}
	}
}

var flagship = domain.ShopRef{Channel: "tmall", Shop: "flagship"}

func TestPushFlags(t *testing.T) {
	checkParse(t, newPushCmd, []parseCase[pushOptions]{
		{[]string{"--shop", "tmall/flagship"}, &pushOptions{shop: flagship, wait: true}},
		{[]string{"--shop", "tmall/flagship", "--wait=false"}, &pushOptions{shop: flagship}},
		{[]string{}, nil},
		{[]string{"--shop", "no-slash"}, nil},
		{[]string{"--shop", "tmall/"}, nil},
		{[]string{"--shop", "tmall/flagship", "extra"}, nil},
		{[]string{"--shop", "tmall/flagship", "-o", "yaml"}, nil},
	}, nil)
}

func TestOrdersFlags(t *testing.T) {
	checkParse(t, newOrdersPullCmd, []parseCase[ordersPullOptions]{
		{[]string{"--shop", "tmall/flagship"}, &ordersPullOptions{shop: flagship}},
		{[]string{"--shop", "tmall/flagship", "--once", "--timeout", "8s", "--interval", "30s"},
			&ordersPullOptions{shop: flagship, once: true, timeout: 8 * time.Second, interval: 30 * time.Second}},
		{[]string{"--shop", "tmall/flagship", "--interval", "-1s"}, nil},
		{[]string{"--shop", "tmall/flagship", "--interval", "0s"}, nil},
		{[]string{"--shop", "tmall/flagship", "--timeout", "soon"}, nil},
		{[]string{"--once"}, nil},
	}, nil)
	checkParse(t, newOrdersListCmd, []parseCase[ordersListOptions]{
		{[]string{"--shop", "tmall/flagship"}, &ordersListOptions{shop: flagship, limit: 50}},
		{[]string{"--shop", "tmall/flagship", "--limit", "0"}, &ordersListOptions{shop: flagship}},
		{[]string{"--shop", "tmall/flagship", "--limit", "ten"}, nil},
		{[]string{"--shop", "flagship"}, nil},
	}, nil)
	checkParse(t, newOrdersRejectedCmd, []parseCase[ordersRejectedOptions]{
		{[]string{"--shop", "tmall/flagship"}, &ordersRejectedOptions{shop: flagship}},
		{[]string{}, nil},
	}, nil)
	checkParse(t, newOrdersRedeliverCmd, []parseCase[ordersRedeliverOptions]{
		{[]string{"--shop", "tmall/flagship"}, &ordersRedeliverOptions{shop: flagship, after: DefaultFailedAfter}},
		{[]string{"--shop", "tmall/flagship", "--order", "3504329923814120471"}, &ordersRedeliverOptions{shop: flagship, orderID: "3504329923814120471", after: DefaultFailedAfter}},
		{[]string{"--order", "1"}, nil},
		{[]string{"--failed", "--shop", "tmall/flagship"}, nil},
		{[]string{"--failed", "--delivery", "dlv_1"}, nil},
	}, nil)
}

func TestListingsFlags(t *testing.T) {
	checkParse(t, newListingsCmd, []parseCase[listingsOptions]{
		{[]string{"--shop", "tmall/flagship"}, &listingsOptions{shop: flagship, limit: 100}},
		{[]string{"--shop", "tmall/flagship", "--status", "failed", "--after", "P-1", "--limit", "5"},
			&listingsOptions{shop: flagship, status: domain.ListingFailed, after: "P-1", limit: 5}},
		{[]string{"--shop", "tmall/flagship", "--status", "broken"}, nil},
		{[]string{"--status", "failed"}, nil},
	}, nil)
}

func TestCatalogFlags(t *testing.T) {
	checkParse(t, newCatalogImportCmd, []parseCase[catalogImportOptions]{
		{[]string{"c.csv"}, &catalogImportOptions{path: "c.csv", format: catalog.FormatCSV}},
		{[]string{"C.JSON"}, &catalogImportOptions{path: "C.JSON", format: catalog.FormatJSON}},
		{[]string{"export.txt", "--format", "csv"}, &catalogImportOptions{path: "export.txt", format: catalog.FormatCSV}},
		{[]string{"c.xml"}, nil},
		{[]string{"c.csv", "--format", "xml"}, nil},
		{[]string{}, nil},
		{[]string{"a.csv", "b.csv"}, nil},
	}, nil)
	checkParse(t, newCatalogShowCmd, []parseCase[catalogShowOptions]{
		{[]string{}, &catalogShowOptions{limit: 50}},
		{[]string{"P-1"}, &catalogShowOptions{code: "P-1", limit: 50}},
		{[]string{"--after", "B-1", "--limit", "0"}, &catalogShowOptions{after: "B-1"}},
		{[]string{"--limit", "-1"}, nil},
		{[]string{"P-1", "--after", "B-1"}, nil},
		{[]string{"P-1", "P-2"}, nil},
	}, nil)
	checkParse(t, newCatalogExportCmd, []parseCase[catalogExportOptions]{
		{[]string{}, &catalogExportOptions{format: catalog.FormatJSON}},
		{[]string{"--format", "csv"}, &catalogExportOptions{format: catalog.FormatCSV}},
		{[]string{"--format", "xml"}, nil},
	}, nil)
}

func TestWorkerFlags(t *testing.T) {
	checkParse(t, newWorkerCmd, []parseCase[workerOptions]{
		{[]string{}, &workerOptions{taskQueue: "syncctl"}},
		{[]string{"--task-queue", "blue"}, &workerOptions{taskQueue: "blue"}},
		{[]string{"extra"}, nil},
	}, nil)
}

func TestDevAndDemoFlags(t *testing.T) {
	checkParse(t, newDevCmd, []parseCase[devOptions]{
		{[]string{"--port", "0", "--ui-port", "-1", "--sandbox-port", "0", "--no-order-pull", "--interval", "5s", "--config-shops"},
			&devOptions{stack: stackFlags{uiPort: -1, erpPort: DefaultERPPort}, apiPort: DefaultAPIPort, noPull: true, interval: 5 * time.Second, configShops: true}},
		{[]string{"--temporal-only"}, &devOptions{stack: stackFlags{frontendPort: 7233, uiPort: 8233, sandboxPort: 8201, erpPort: 8299}, apiPort: DefaultAPIPort, temporalOnly: true}},
		{[]string{"--erp-port", "0"}, &devOptions{stack: stackFlags{frontendPort: 7233, uiPort: 8233, sandboxPort: 8201}, apiPort: DefaultAPIPort}},
		{[]string{"--erp-port", "7233"}, nil},
		{[]string{"--erp-port", "8201"}, nil},
		{[]string{"--erp-port", "-1"}, nil},
		{[]string{"--port", "7399", "--ui-port", "7399"}, nil},
		{[]string{"--port", "7399", "--sandbox-port", "7399"}, nil},
		{[]string{"--ui-port", "-2"}, nil},
		{[]string{"--sandbox-port", "70000"}, nil},
		{[]string{"--sandbox-qps", "-1"}, nil},
		{[]string{"--interval", "-1s"}, nil},
	}, nil)
	checkParse(t, newDemoCmd, []parseCase[demoOptions]{
		{[]string{}, &demoOptions{orders: 40, close: 3, erpSecretEnv: "SYNCCTL_ERP_SECRET", timeout: 5 * time.Minute}},
		{[]string{"--orders", "10", "--cancel", "2", "--keep-running", "--erp-url", "https://erp.example.com/hook", "--erp-secret-file", "/run/s"},
			&demoOptions{orders: 10, close: 2, keep: true, erpURL: "https://erp.example.com/hook", erpSecretEnv: "SYNCCTL_ERP_SECRET", erpSecretFile: "/run/s", timeout: 5 * time.Minute}},
		{[]string{"--orders", "0"}, nil},
		{[]string{"--orders", "3", "--cancel", "4"}, nil},
		{[]string{"--cancel", "-1"}, nil},
		{[]string{"--timeout", "0s"}, nil},
		{[]string{"--erp-url", "https://erp.example.com/hook", "--erp-secret-env", "E", "--erp-secret-file", "/run/s"}, nil},
		// A URL that cannot work is refused now, not by the first delivery minutes later.
		{[]string{"--erp-url", "not a url"}, nil},
		{[]string{"--erp-url", "ftp://erp.example.com/hook"}, nil},
		{[]string{"--erp-url", ""}, nil},
		{[]string{"--port", "7399", "--ui-port", "7399"}, nil},
	}, nil)
}

func TestSandboxFlags(t *testing.T) {
	reg, ok := platforms.Lookup("tmall")
	if !ok {
		t.Fatal("tmall is not registered")
	}
	build := func(g *globals, runF runFunc[sandboxOptions]) *cobra.Command {
		return newSandboxPlatformCmd(g, reg, 8201, runF)
	}
	// Registrations hold functions: compare the platform by id.
	same := func(a, b sandboxOptions) bool {
		if a.platform.ID() != b.platform.ID() {
			return false
		}
		a.platform, b.platform = platforms.Registration{}, platforms.Registration{}
		return reflect.DeepEqual(a, b)
	}
	checkParse(t, build, []parseCase[sandboxOptions]{
		{[]string{}, &sandboxOptions{platform: reg, listen: "127.0.0.1:8201"}},
		{[]string{"--listen", "127.0.0.1:0", "--qps", "5", "--orders-per-minute", "2", "--seed", "7", "--state-file", "shop.json"},
			&sandboxOptions{platform: reg, listen: "127.0.0.1:0", qps: 5, opm: 2, seed: 7, stateFile: "shop.json"}},
		{[]string{"--qps", "-1"}, nil},
		{[]string{"--orders-per-minute", "-1"}, nil},
		{[]string{"extra"}, nil},
	}, same)
}
