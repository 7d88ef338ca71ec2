package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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
