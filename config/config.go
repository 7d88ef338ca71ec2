// Package config loads syncctl's configuration: a YAML file, then
// SYNCCTL_* environment variables, then command-line flags (applied by the
// CLI). Secrets are never in the file or on the command line: the file names
// the env var or the file that holds each one.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strings"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/platforms"
	"github.com/syncctl/syncctl/store"
)

// Config is the whole configuration.
type Config struct {
	Temporal Temporal          `yaml:"temporal"`
	Store    Store             `yaml:"store"`
	ERP      ERP               `yaml:"erp"`
	Shops    []Shop            `yaml:"shops"`
	Orders   domain.PullPolicy `yaml:"orders"`
	// Pricing and Stock are the channel price rules and guards, and the
	// stock allocation (config/pricing.go); nil: list price, whole stock.
	Pricing *Pricing `yaml:"pricing"`
	Stock   *Stock   `yaml:"stock"`
	// SandboxShops are the demo shops a dev stack adds (<platform>/demo):
	// pricing and stock rules may name them. Set by the command, never by
	// the file.
	SandboxShops []domain.ShopRef `yaml:"-"`
}

// Temporal says where the cluster is.
type Temporal struct {
	Address   string `yaml:"address"`   // host:port, default 127.0.0.1:7233
	Namespace string `yaml:"namespace"` // default "default"
}

// Store says where syncctl keeps its state.
type Store struct {
	Driver string `yaml:"driver"` // sqlite (default) or postgres
	// DSN is, for sqlite, the file path (default .syncctl/syncctl.db); for
	// postgres, a connection URL or key=value pairs without a password
	// (PGPASSWORD or a passfile gives it, or SYNCCTL_STORE_DSN the whole DSN).
	DSN string `yaml:"dsn"`
}

// ERP is the webhook endpoint orders are delivered to.
type ERP struct {
	URL        string `yaml:"url"`
	SecretEnv  string `yaml:"secret_env"`  // env var holding the HMAC secret (default SYNCCTL_ERP_SECRET)
	SecretFile string `yaml:"secret_file"` // or a file holding it (not both)
	// The API the ERP calls (syncctl serve): where it listens, and the
	// bearer token it also takes (from an env var or a file; unset: the
	// HMAC scheme only, with the secret above).
	Listen    string `yaml:"listen"`     // default 127.0.0.1:8300
	TokenEnv  string `yaml:"token_env"`  // default SYNCCTL_API_TOKEN
	TokenFile string `yaml:"token_file"` // or a file holding it
}

// Shop is one channel shop. Its credentials are named by the platform's
// own names (TOP: app_key, app_secret, session) and each comes from an env
// var or a file; a public one (an app key) may be written as a value.
type Shop struct {
	Channel     string                   `yaml:"channel"`
	Shop        string                   `yaml:"shop"`
	Gateway     string                   `yaml:"gateway"`
	Credentials map[string]CredentialRef `yaml:"credentials"`
	QPS         float64                  `yaml:"qps"`
	Options     map[string]string        `yaml:"options"`
	// Commission puts the shop's listed products into its platform's
	// promotion pool (Kuaishou 分销, Douyin 精选联盟, WeChat 优选联盟).
	Commission *Commission `yaml:"commission"`

	// The TOP-shaped keys of earlier versions, refused with the new spelling.
	OldAppKey        string `yaml:"app_key"`
	OldAppSecretEnv  string `yaml:"app_secret_env"`
	OldAppSecretFile string `yaml:"app_secret_file"`
	OldSessionEnv    string `yaml:"session_env"`
	OldSessionFile   string `yaml:"session_file"`
}

// Commission is a shop's promotion-pool commission as written: "20%",
// "12.5%" or "2000bp", a default with overrides by master category (a
// path or a prefix of one) and by SPU code.
type Commission struct {
	Default    string            `yaml:"default"`
	Categories map[string]string `yaml:"categories"`
	Products   map[string]string `yaml:"products"`
}

// Policy parses the rates, naming the field of a bad one.
func (c Commission) Policy() (domain.CommissionPolicy, error) {
	var p domain.CommissionPolicy
	var err error
	if c.Default == "" {
		return p, fmt.Errorf("field commission.default: required (\"0%%\" keeps products out unless a category or product names a rate)")
	}
	if p.Default, err = domain.ParseRate(c.Default); err != nil {
		return p, fmt.Errorf("field commission.default: %w", err)
	}
	parse := func(field string, in map[string]string) (map[string]int, error) {
		if len(in) == 0 {
			return nil, nil
		}
		out := make(map[string]int, len(in))
		for _, k := range sortedKeys(in) {
			bp, err := domain.ParseRate(in[k])
			if err != nil {
				return nil, fmt.Errorf("field commission.%s.%s: %w", field, k, err)
			}
			out[k] = bp
		}
		return out, nil
	}
	if p.ByCategory, err = parse("categories", c.Categories); err != nil {
		return p, err
	}
	if p.ByProduct, err = parse("products", c.Products); err != nil {
		return p, err
	}
	if err := p.Check(); err != nil {
		return p, fmt.Errorf("field commission.%w", err)
	}
	return p, nil
}

// CredentialRef says where one credential is: an env var, a file, or (for
// public credentials only) the value itself. With none of them set, the
// env var SYNCCTL_<CHANNEL>_<SHOP>_<NAME> is read.
type CredentialRef struct {
	Env   string `yaml:"env"`
	File  string `yaml:"file"`
	Value string `yaml:"value"`
}

// Default returns the configuration used when no file is given.
func Default() Config {
	return Config{
		Temporal: Temporal{Address: "127.0.0.1:7233", Namespace: "default"},
		Store:    Store{Driver: "sqlite", DSN: DefaultStoreDSN},
		Orders:   domain.DefaultPullPolicy(),
	}
}

// DefaultStoreDSN is the store used when neither the file, the environment
// nor a flag names one.
const DefaultStoreDSN = ".syncctl/syncctl.db"

// Load reads path (if not empty) over the defaults, then the environment.
func Load(path string) (Config, error) { return LoadOver(Default(), path) }

// LoadOver is Load with a command's own defaults: the file (if path is not
// empty) is read over base, then the SYNCCTL_* environment over that.
// Flags are the caller's to apply last (only those the user set).
func LoadOver(base Config, path string) (Config, error) {
	c := base
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("config: %w", err)
		}
		if err := decodeFile(b, &c); err != nil {
			return c, fmt.Errorf("config %s: %w", path, err)
		}
		if store.DSNHasPassword(c.Store.DSN) {
			return c, fmt.Errorf("config %s, store, field dsn: a password is never written in the configuration; "+
				"give it in PGPASSWORD or a passfile (PGPASSFILE, ~/.pgpass), or the whole DSN in SYNCCTL_STORE_DSN", path)
		}
	}
	env := func(name string, dst *string) {
		if v := os.Getenv(name); v != "" {
			*dst = v
		}
	}
	env("SYNCCTL_TEMPORAL_ADDRESS", &c.Temporal.Address)
	env("SYNCCTL_NAMESPACE", &c.Temporal.Namespace)
	env("SYNCCTL_STORE_DRIVER", &c.Store.Driver)
	env("SYNCCTL_STORE_DSN", &c.Store.DSN)
	env("SYNCCTL_ERP_URL", &c.ERP.URL)
	return c, c.Validate()
}

// Validate checks the configuration without reading secrets: every shop
// against its platform's registration (channel, credentials it has, which
// of them are secret), URLs, the store.
func (c Config) Validate() error {
	seen := map[string]bool{}
	for i, s := range c.Shops {
		rec := fmt.Sprintf("shops[%d]", i)
		if s.Channel == "" {
			return fmt.Errorf("config %s, field channel: required", rec)
		}
		if s.Shop == "" {
			return fmt.Errorf("config %s, field shop: required", rec)
		}
		key := s.Channel + "/" + s.Shop
		rec = fmt.Sprintf("%s (%s)", rec, key)
		if seen[key] {
			return fmt.Errorf("config %s, field shop: %s is configured twice", rec, key)
		}
		seen[key] = true
		if err := s.oldKeys(); err != nil {
			return fmt.Errorf("config %s, %w", rec, err)
		}
		reg, ok := platforms.Lookup(s.Channel)
		if !ok {
			return fmt.Errorf("config %s, field channel: unknown channel %q (this syncctl has %s)", rec, s.Channel, domain.List(platforms.IDs()))
		}
		if err := CheckURL(s.Gateway); err != nil {
			return fmt.Errorf("config %s, field gateway: %w", rec, err)
		}
		for _, name := range sortedKeys(s.Credentials) {
			ref := s.Credentials[name]
			spec, ok := reg.Connector.Credential(name)
			switch {
			case !ok:
				return fmt.Errorf("config %s, field credentials.%s: %s has no such credential (it has %s)", rec, name, reg.ID(), domain.List(configurable(reg.Connector)))
			case spec.Minted:
				return fmt.Errorf("config %s, field credentials.%s: syncctl fetches it itself; remove it", rec, name)
			case spec.Secret && ref.Value != "":
				return fmt.Errorf("config %s, field credentials.%s.value: a secret is never written in the configuration; use credentials.%s.env or .file", rec, name, name)
			case countSet(ref.Env, ref.File, ref.Value) > 1:
				return fmt.Errorf("config %s, field credentials.%s: name one place for it (env, file or value)", rec, name)
			}
		}
		if s.QPS < 0 {
			return fmt.Errorf("config %s, field qps: must not be negative", rec)
		}
		if s.Commission != nil {
			if _, err := s.Commission.Policy(); err != nil {
				return fmt.Errorf("config %s, %w", rec, err)
			}
		}
	}
	if c.ERP.SecretEnv != "" && c.ERP.SecretFile != "" {
		return fmt.Errorf("config erp, field secret_file: secret_env is set too; name one place for the secret")
	}
	if c.ERP.URL != "" {
		if err := CheckURL(c.ERP.URL); err != nil {
			return fmt.Errorf("config erp, field url: %w", err)
		}
	}
	if err := c.validatePricing(); err != nil {
		return err
	}
	// The default DSN is SQLite's: with the postgres driver, a flag may
	// still name the DSN (the CLI checks the store again after its flags).
	if err := c.Store.Check(); err != nil && (c.Store.Driver != "postgres" || c.Store.DSN != DefaultStoreDSN) {
		return err
	}
	return nil
}

// Check validates the store's driver and DSN, never showing a password.
func (s Store) Check() error {
	if s.DSN == "" {
		return fmt.Errorf("config store, field dsn: must not be empty")
	}
	switch s.Driver {
	case "", "sqlite":
	case "postgres":
		if s.DSN == DefaultStoreDSN {
			return fmt.Errorf("config store, field dsn: the postgres driver needs the database's DSN (store.dsn, SYNCCTL_STORE_DSN or --store-dsn)")
		}
		if !strings.HasPrefix(s.DSN, "postgres://") && !strings.HasPrefix(s.DSN, "postgresql://") && !strings.Contains(s.DSN, "=") {
			return fmt.Errorf("config store, field dsn: the postgres driver wants a connection URL (postgres://USER@HOST:5432/DB?sslmode=…) or key=value pairs, not %q",
				store.RedactDSN(s.DSN))
		}
	default:
		return fmt.Errorf("config store, field driver: %q is not supported (sqlite or postgres)", s.Driver)
	}
	return nil
}

// oldKeys refuses the TOP-shaped credential keys of earlier versions,
// giving the new spelling.
func (s Shop) oldKeys() error {
	old := []struct{ key, value, name, how string }{
		{"app_key", s.OldAppKey, "app_key", "value: …"},
		{"app_secret_env", s.OldAppSecretEnv, "app_secret", "env: " + s.OldAppSecretEnv},
		{"app_secret_file", s.OldAppSecretFile, "app_secret", "file: " + s.OldAppSecretFile},
		{"session_env", s.OldSessionEnv, "session", "env: " + s.OldSessionEnv},
		{"session_file", s.OldSessionFile, "session", "file: " + s.OldSessionFile},
	}
	for _, o := range old {
		if o.value != "" {
			return fmt.Errorf("field %s: replaced by credentials: write `credentials: {%s: {%s}}`", o.key, o.name, o.how)
		}
	}
	return nil
}

// CheckURL accepts absolute http and https URLs (the ERP's, a gateway):
// a URL that cannot work is refused when it is given, not minutes later by
// the first delivery. The error never repeats the URL (it may carry a token).
func CheckURL(raw string) error {
	if raw == "" {
		return errors.New("required")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return errors.New("want an absolute http:// or https:// URL")
	}
	return nil
}

func countSet(vs ...string) int {
	n := 0
	for _, v := range vs {
		if v != "" {
			n++
		}
	}
	return n
}

func configurable(p connectors.Platform) []string {
	var out []string
	for _, c := range p.Credentials {
		if !c.Minted {
			out = append(out, c.Name)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ShopConfigs resolves each shop's credentials, by the names its platform
// declares: from the file or env var the configuration names, a public
// value written in it, or else the env var SYNCCTL_<CHANNEL>_<SHOP>_<NAME>.
// A missing required credential names the shop, the credential and where
// it was looked for, never a value.
func (c Config) ShopConfigs() ([]connectors.ShopConfig, error) {
	var out []connectors.ShopConfig
	for _, s := range c.Shops {
		reg, ok := platforms.Lookup(s.Channel)
		if !ok {
			return nil, fmt.Errorf("shop %s/%s, field channel: unknown channel %q", s.Channel, s.Shop, s.Channel)
		}
		creds := map[string]connectors.Secret{}
		for _, spec := range reg.Connector.Credentials {
			if spec.Minted {
				continue
			}
			ref := s.Credentials[spec.Name]
			if ref.Value != "" {
				creds[spec.Name] = connectors.Secret(ref.Value)
				continue
			}
			env := ref.Env
			if env == "" {
				env = CredentialEnv(s.Channel, s.Shop, spec.Name)
			}
			v, err := ReadSecret(env, ref.File)
			if err != nil {
				if spec.Optional && ref.Env == "" && ref.File == "" {
					continue
				}
				return nil, fmt.Errorf("shop %s/%s, credential %s: %w", s.Channel, s.Shop, spec.Name, err)
			}
			creds[spec.Name] = connectors.Secret(v)
		}
		sc := connectors.ShopConfig{Channel: s.Channel, Shop: s.Shop, Gateway: s.Gateway,
			Credentials: creds, QPS: s.QPS, Options: s.Options}
		if s.Commission != nil {
			p, err := s.Commission.Policy()
			if err != nil {
				return nil, fmt.Errorf("shop %s/%s, %w", s.Channel, s.Shop, err)
			}
			sc.Commission = &p
		}
		out = append(out, sc)
	}
	return out, nil
}

// CredentialEnv is the env var read for a credential the configuration
// does not place: SYNCCTL_<CHANNEL>_<SHOP>_<NAME>.
func CredentialEnv(channel, shop, name string) string {
	return "SYNCCTL_" + envName(channel) + "_" + envName(shop) + "_" + envName(name)
}

// ERPSecret reads the webhook signing secret (secret_file, else the env var
// secret_env names, default SYNCCTL_ERP_SECRET).
func (c Config) ERPSecret() ([]byte, error) {
	s, err := ReadSecret(orDefault(c.ERP.SecretEnv, "SYNCCTL_ERP_SECRET"), c.ERP.SecretFile)
	if err != nil {
		return nil, fmt.Errorf("config erp, field secret: %w", err)
	}
	return []byte(s), nil
}

// APIToken is the bearer token of the ERP API: "" when neither its env var
// (default SYNCCTL_API_TOKEN) nor its file is set; an error names where it
// looked, never a value.
func (c Config) APIToken() (string, error) {
	env := orDefault(c.ERP.TokenEnv, "SYNCCTL_API_TOKEN")
	if c.ERP.TokenFile == "" && os.Getenv(env) == "" {
		return "", nil
	}
	t, err := ReadSecret(env, c.ERP.TokenFile)
	if err != nil {
		return "", fmt.Errorf("config erp, field token: %w", err)
	}
	return t, nil
}

// ReadSecret returns the file's content (trimmed) when file is set,
// otherwise the env var's value. The error names where it looked, never a value.
func ReadSecret(envVar, file string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err // the path is named below, once
			}
			return "", fmt.Errorf("secret file %s: %w", file, err)
		}
		if v := strings.TrimSpace(string(b)); v != "" {
			return v, nil
		}
		return "", fmt.Errorf("secret file %s is empty", file)
	}
	if v := os.Getenv(envVar); v != "" {
		return v, nil
	}
	return "", fmt.Errorf("env var %s is not set (or name a secret file)", envVar)
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

func envName(s string) string {
	return strings.ToUpper(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, s))
}
