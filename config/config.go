// Package config loads syncctl's configuration: a YAML file, then
// SYNCCTL_* environment variables, then command-line flags (applied by the
// CLI). Secrets are never in the file or on the command line: the file names
// the env var or the file that holds each one.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/syncctl/syncctl/connectors"
)

// Config is the whole configuration.
type Config struct {
	Temporal Temporal     `yaml:"temporal"`
	Store    Store        `yaml:"store"`
	ERP      ERP          `yaml:"erp"`
	Shops    []Shop       `yaml:"shops"`
	Orders   OrderPolling `yaml:"orders"`
}

// Temporal says where the cluster is.
type Temporal struct {
	Address   string `yaml:"address"`   // host:port, default 127.0.0.1:7233
	Namespace string `yaml:"namespace"` // default "default"
}

// Store says where syncctl keeps its state.
type Store struct {
	Driver string `yaml:"driver"` // sqlite (default)
	DSN    string `yaml:"dsn"`    // sqlite: file path, default .syncctl/syncctl.db
}

// ERP is the webhook endpoint orders are delivered to.
type ERP struct {
	URL        string `yaml:"url"`
	SecretEnv  string `yaml:"secret_env"`  // env var holding the HMAC secret (default SYNCCTL_ERP_SECRET)
	SecretFile string `yaml:"secret_file"` // or a file holding it (not both)
}

// Shop is one channel shop; its credentials come from env vars or files.
type Shop struct {
	Channel       string            `yaml:"channel"`
	Shop          string            `yaml:"shop"`
	Gateway       string            `yaml:"gateway"`
	AppKey        string            `yaml:"app_key"`
	AppSecretEnv  string            `yaml:"app_secret_env"`
	AppSecretFile string            `yaml:"app_secret_file"`
	SessionEnv    string            `yaml:"session_env"`
	SessionFile   string            `yaml:"session_file"`
	QPS           float64           `yaml:"qps"`
	Options       map[string]string `yaml:"options"`
}

// OrderPolling tunes the order pull.
type OrderPolling struct {
	Interval        time.Duration `yaml:"interval"`
	Overlap         time.Duration `yaml:"overlap"`
	Lag             time.Duration `yaml:"lag"`
	Window          time.Duration `yaml:"window"`
	InitialLookback time.Duration `yaml:"initial_lookback"`
}

// Default returns the configuration used when no file is given.
func Default() Config {
	return Config{
		Temporal: Temporal{Address: "127.0.0.1:7233", Namespace: "default"},
		Store:    Store{Driver: "sqlite", DSN: DefaultStoreDSN},
		Orders: OrderPolling{Interval: time.Minute, Overlap: 5 * time.Minute, Lag: 30 * time.Second,
			Window: 30 * time.Minute, InitialLookback: 24 * time.Hour},
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
		dec := yaml.NewDecoder(strings.NewReader(string(b)))
		dec.KnownFields(true)
		if err := dec.Decode(&c); err != nil {
			return c, fmt.Errorf("config %s: %w", path, err)
		}
	}
	env := func(name string, dst *string) {
		if v := os.Getenv(name); v != "" {
			*dst = v
		}
	}
	env("SYNCCTL_TEMPORAL_ADDRESS", &c.Temporal.Address)
	env("SYNCCTL_NAMESPACE", &c.Temporal.Namespace)
	env("SYNCCTL_STORE_DSN", &c.Store.DSN)
	env("SYNCCTL_ERP_URL", &c.ERP.URL)
	return c, c.Validate()
}

// Validate checks the configuration without reading secrets.
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
		if seen[key] {
			return fmt.Errorf("config %s, field shop: %s is configured twice", rec, key)
		}
		seen[key] = true
		if s.Gateway == "" {
			return fmt.Errorf("config %s (%s), field gateway: required", rec, key)
		}
		if s.AppSecretEnv != "" && s.AppSecretFile != "" {
			return fmt.Errorf("config %s (%s), field app_secret_file: app_secret_env is set too; name one place for the secret", rec, key)
		}
		if s.SessionEnv != "" && s.SessionFile != "" {
			return fmt.Errorf("config %s (%s), field session_file: session_env is set too; name one place for the secret", rec, key)
		}
	}
	if c.ERP.SecretEnv != "" && c.ERP.SecretFile != "" {
		return fmt.Errorf("config erp, field secret_file: secret_env is set too; name one place for the secret")
	}
	if c.Store.DSN == "" {
		return fmt.Errorf("config store, field dsn: must not be empty")
	}
	if c.Store.Driver != "" && c.Store.Driver != "sqlite" {
		return fmt.Errorf("config store, field driver: %q is not supported yet (sqlite)", c.Store.Driver)
	}
	return nil
}

// ShopConfigs resolves each shop's secrets from its env vars or files.
// Unset names default to SYNCCTL_<CHANNEL>_<SHOP>_APP_SECRET / _SESSION.
func (c Config) ShopConfigs() ([]connectors.ShopConfig, error) {
	var out []connectors.ShopConfig
	for _, s := range c.Shops {
		prefix := "SYNCCTL_" + envName(s.Channel) + "_" + envName(s.Shop) + "_"
		secret, err := ReadSecret(orDefault(s.AppSecretEnv, prefix+"APP_SECRET"), s.AppSecretFile)
		if err != nil {
			return nil, fmt.Errorf("shop %s/%s, field app_secret: %w", s.Channel, s.Shop, err)
		}
		session, err := ReadSecret(orDefault(s.SessionEnv, prefix+"SESSION"), s.SessionFile)
		if err != nil {
			return nil, fmt.Errorf("shop %s/%s, field session: %w", s.Channel, s.Shop, err)
		}
		out = append(out, connectors.ShopConfig{Channel: s.Channel, Shop: s.Shop, Gateway: s.Gateway, AppKey: s.AppKey,
			AppSecret: connectors.Secret(secret), Session: connectors.Secret(session), QPS: s.QPS, Options: s.Options})
	}
	return out, nil
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
