package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/config"
)

func write(t *testing.T, name, body string) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSecretsComeFromEnvOrFilesOnly(t *testing.T) {
	session := write(t, "session", "sess-from-file\n")
	cfg := write(t, "c.yaml", `
shops:
  - channel: tmall
    shop: flagship
    gateway: http://127.0.0.1:8201/router/rest
    app_key: "123"
    session_file: `+session+"\n")
	t.Setenv("SYNCCTL_TMALL_FLAGSHIP_APP_SECRET", "secret-from-env")
	c, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	shops, err := c.ShopConfigs()
	if err != nil {
		t.Fatal(err)
	}
	if shops[0].AppSecret.Reveal() != "secret-from-env" || shops[0].Session.Reveal() != "sess-from-file" {
		t.Fatalf("secrets not resolved: %q %q", shops[0].AppSecret.Reveal(), shops[0].Session.Reveal())
	}
	t.Setenv("SYNCCTL_TMALL_FLAGSHIP_APP_SECRET", "")
	_, err = c.ShopConfigs()
	if err == nil || !strings.Contains(err.Error(), "shop tmall/flagship, field app_secret: env var SYNCCTL_TMALL_FLAGSHIP_APP_SECRET is not set") {
		t.Fatalf("err = %v", err)
	}
}

func TestBadConfigNamesTheField(t *testing.T) {
	cases := map[string]string{
		"shops:\n  - channel: tmall\n    shop: a\n":                                       "shops[0] (tmall/a), field gateway: required",
		"shops:\n  - shop: a\n    gateway: x\n":                                           "shops[0], field channel: required",
		"shops:\n  - channel: tmall\n    shop: a\n    gateway: x\n    app_secret: oops\n": "field app_secret not found",
		"store:\n  driver: mysql\n":                                                       "field driver",
	}
	for body, want := range cases {
		_, err := config.Load(write(t, "c.yaml", body))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", body, err, want)
		}
	}
}

func TestEnvOverridesFile(t *testing.T) {
	t.Setenv("SYNCCTL_TEMPORAL_ADDRESS", "temporal.internal:7233")
	c, err := config.Load(write(t, "c.yaml", "temporal:\n  address: 127.0.0.1:7233\n"))
	if err != nil || c.Temporal.Address != "temporal.internal:7233" {
		t.Fatalf("address %q, %v", c.Temporal.Address, err)
	}
}

// Store location: defaults < file < SYNCCTL_STORE_DSN (flags are the CLI's).
func TestStoreDSNPrecedence(t *testing.T) {
	t.Setenv("SYNCCTL_STORE_DSN", "")
	c, err := config.Load("")
	if err != nil || c.Store.DSN != config.DefaultStoreDSN {
		t.Fatalf("default dsn %q, %v", c.Store.DSN, err)
	}
	file := write(t, "c.yaml", "store:\n  dsn: /var/lib/syncctl/from-file.db\n")
	if c, err = config.Load(file); err != nil || c.Store.DSN != "/var/lib/syncctl/from-file.db" {
		t.Fatalf("file dsn %q, %v", c.Store.DSN, err)
	}
	t.Setenv("SYNCCTL_STORE_DSN", "/srv/from-env.db")
	if c, err = config.Load(file); err != nil || c.Store.DSN != "/srv/from-env.db" {
		t.Fatalf("env dsn %q, %v", c.Store.DSN, err)
	}
}

// A command's own defaults sit under the file: what the file sets wins,
// what it leaves out keeps the command's default.
func TestLoadOverKeepsCommandDefaults(t *testing.T) {
	base := config.Default()
	base.Orders.Interval, base.Orders.Lag = 15*time.Second, 2*time.Second
	c, err := config.LoadOver(base, write(t, "c.yaml", "orders:\n  interval: 3m\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Orders.Interval != 3*time.Minute || c.Orders.Lag != 2*time.Second || c.Orders.Overlap != 5*time.Minute {
		t.Fatalf("orders = %+v", c.Orders)
	}
}

func TestSecretInTwoPlacesIsAnError(t *testing.T) {
	shop := "shops:\n  - channel: tmall\n    shop: a\n    gateway: x\n"
	cases := map[string]string{
		shop + "    app_secret_env: A\n    app_secret_file: /run/a\n":       "shops[0] (tmall/a), field app_secret_file: app_secret_env is set too",
		shop + "    session_env: S\n    session_file: /run/s\n":             "shops[0] (tmall/a), field session_file: session_env is set too",
		"erp:\n  url: http://erp\n  secret_env: E\n  secret_file: /run/e\n": "config erp, field secret_file: secret_env is set too",
	}
	for body, want := range cases {
		_, err := config.Load(write(t, "c.yaml", body))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", body, err, want)
		}
	}
	// Only secret_file set: the default env var name does not count as a second place.
	secret := write(t, "erp", "whsec_from_file\n")
	c, err := config.Load(write(t, "c.yaml", "erp:\n  url: http://erp\n  secret_file: "+secret+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if b, err := c.ERPSecret(); err != nil || string(b) != "whsec_from_file" {
		t.Fatalf("erp secret %q, %v", b, err)
	}
}

// A missing or empty secret names the shop (or erp) and the field, never a value.
func TestMissingSecretsNameShopAndField(t *testing.T) {
	dir := t.TempDir()
	empty := write(t, "empty", "  \n")
	t.Setenv("SYNCCTL_TMALL_A_APP_SECRET", "app-secret-value")
	t.Setenv("SYNCCTL_ERP_SECRET", "")
	c, err := config.Load(write(t, "c.yaml", `
erp:
  url: http://erp
  secret_file: `+empty+`
shops:
  - channel: tmall
    shop: a
    gateway: x
    session_file: `+filepath.Join(dir, "missing")+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ShopConfigs()
	if err == nil || !strings.Contains(err.Error(), "shop tmall/a, field session: secret file "+filepath.Join(dir, "missing")+": no such file") {
		t.Fatalf("missing session file: %v", err)
	}
	if strings.Contains(err.Error(), "app-secret-value") {
		t.Fatalf("error leaks a secret: %v", err)
	}
	_, err = c.ERPSecret()
	if err == nil || !strings.Contains(err.Error(), "config erp, field secret: secret file "+empty+" is empty") {
		t.Fatalf("empty erp secret file: %v", err)
	}
	c.ERP.SecretFile = ""
	_, err = c.ERPSecret()
	if err == nil || !strings.Contains(err.Error(), "config erp, field secret: env var SYNCCTL_ERP_SECRET is not set") {
		t.Fatalf("unset erp secret env: %v", err)
	}
}
