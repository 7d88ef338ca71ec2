package kit

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Platform is what a sandbox package declares about itself, once: how to
// start it and what a shop on it looks like to a connector. The platform
// registration (package platforms) joins it with the connector's
// declaration; `syncctl sandbox <platform>`, dev, demo and the tests start
// sandboxes through it and drive them through the common admin API
// (AdminClient) without knowing the platform.
type Platform struct {
	ID string // the channel id it fakes: "tmall"
	// Credentials names the credentials a shop on the sandbox has, by the
	// platform's own names, each with a function that makes a fresh value.
	Credentials []Credential
	// Open builds the sandbox. It serves the platform's gateway and the
	// common admin API under /_sandbox/.
	Open func(Config) (Sandbox, error)
	// Shop says how a connector reaches a shop on a sandbox served at
	// baseURL: its gateway URL and the connector options that fit the
	// sandbox (for TOP, sale-property ids of the sample catalog's specs).
	Shop func(baseURL string) ShopSetup
	// Help is the long help of `syncctl sandbox <id>`.
	Help string
	// Options names the settings Open reads from Config.Options.
	Options []string
}

// Start checks the configuration's options against the declared ones and
// opens the sandbox: a setting meant for another sandbox (or misspelt) is
// refused, not ignored.
func (p Platform) Start(c Config) (Sandbox, error) {
	for name := range c.Options {
		if !slices.Contains(p.Options, name) {
			if len(p.Options) == 0 {
				return nil, fmt.Errorf("%s sandbox: unknown option %q (it takes none)", p.ID, name)
			}
			return nil, fmt.Errorf("%s sandbox: unknown option %q (it takes %s)", p.ID, name, strings.Join(p.Options, ", "))
		}
	}
	return p.Open(c)
}

// Credential is one credential of a sandbox shop.
type Credential struct {
	Name string
	New  func() string // a fresh value
	// Optional credentials (push message keys) are made up with New when
	// a `syncctl sandbox` run is not given them.
	Optional bool
}

// Config starts a sandbox.
type Config struct {
	Credentials     map[string]string // by the platform's own names; all of Platform.Credentials
	QPS             float64           // enforced calls per second per app, with the platform's throttle answer (0 = unlimited)
	OrdersPerMinute float64           // orders sold by themselves (0 = only on request)
	Seed            int64             // ids, names and fault ratios
	StateFile       string            // keep the shop across restarts ("" = memory only)
	Now             func() time.Time  // nil = time.Now
	// PushURL subscribes a receiver of the platform's push messages from
	// the start ("" = none until POST /_sandbox/push); sandboxes of
	// platforms that push nothing ignore it.
	PushURL string
	// Options are the sandbox's own settings by name (wechat_shop:
	// review_delay, reject_rate), as its Help lists them; a sandbox refuses
	// a name it does not know.
	Options map[string]string
}

// Sandbox is a running sandbox: an http.Handler that is closed once.
type Sandbox interface {
	http.Handler
	// Close stops its order generator and writes its state file.
	Close() error
}

// ShopSetup is how a connector reaches a shop on a sandbox.
type ShopSetup struct {
	Gateway string
	Options map[string]string
}

// NewCredentials makes fresh values for every credential of the platform.
func (p Platform) NewCredentials() map[string]string {
	out := make(map[string]string, len(p.Credentials))
	for _, c := range p.Credentials {
		out[c.Name] = c.New()
	}
	return out
}

// RandHex returns n random bytes as hex, for made-up credentials.
func RandHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
