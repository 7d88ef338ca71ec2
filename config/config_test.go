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
    credentials:
      app_key: {value: "123"}
      session: {file: `+session+"}\n")
	t.Setenv("SYNCCTL_TMALL_FLAGSHIP_APP_SECRET", "secret-from-env")
	c, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	shops, err := c.ShopConfigs()
	if err != nil {
		t.Fatal(err)
	}
	if shops[0].Credential("app_key") != "123" || shops[0].Credential("app_secret") != "secret-from-env" || shops[0].Credential("session") != "sess-from-file" {
		t.Fatal("credentials not resolved from value, default env var and file")
	}
	t.Setenv("SYNCCTL_TMALL_FLAGSHIP_APP_SECRET", "")
	_, err = c.ShopConfigs()
	if err == nil || !strings.Contains(err.Error(), "shop tmall/flagship, credential app_secret: env var SYNCCTL_TMALL_FLAGSHIP_APP_SECRET is not set") {
		t.Fatalf("err = %v", err)
	}
}

// Every credential is checked against the platform's registration: names
// it does not have, secrets written as values, two places, minted ones.
func TestCredentialsAreCheckedAgainstTheRegistration(t *testing.T) {
	shop := "shops:\n  - channel: tmall\n    shop: a\n    gateway: https://eco.taobao.com/router/rest\n    credentials:\n"
	cases := map[string]string{
		shop + "      appsecret: {env: X}\n":                              "shops[0] (tmall/a), field credentials.appsecret: tmall has no such credential (it has app_key, app_secret and session)",
		shop + "      app_secret: {value: s3cr3t}\n":                      "field credentials.app_secret.value: a secret is never written in the configuration; use credentials.app_secret.env or .file",
		shop + "      session: {env: S, file: /run/s}\n":                  "field credentials.session: name one place for it",
		"shops:\n  - channel: jd0\n    shop: a\n    gateway: https://x\n": "field channel: unknown channel \"jd0\" (this syncctl has ",
	}
	for body, want := range cases {
		_, err := config.Load(write(t, "c.yaml", body))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", body, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("the error echoes the secret: %v", err)
		}
	}
}

// The TOP-shaped keys of earlier versions fail with the new spelling.
func TestOldCredentialKeysGiveTheNewSpelling(t *testing.T) {
	shop := "shops:\n  - channel: tmall\n    shop: a\n    gateway: https://eco.taobao.com/router/rest\n"
	cases := map[string]string{
		shop + "    app_secret_env: TMALL_SECRET\n": "field app_secret_env: replaced by credentials: write `credentials: {app_secret: {env: TMALL_SECRET}}`",
		shop + "    session_file: /run/s\n":         "field session_file: replaced by credentials: write `credentials: {session: {file: /run/s}}`",
		shop + "    app_key: \"123\"\n":             "field app_key: replaced by credentials: write `credentials: {app_key: {value: …}}`",
	}
	for body, want := range cases {
		_, err := config.Load(write(t, "c.yaml", body))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", body, err, want)
		}
	}
}

func TestBadConfigNamesTheField(t *testing.T) {
	cases := map[string]string{
		"shops:\n  - channel: tmall\n    shop: a\n":                                   "shops[0] (tmall/a), field gateway: required",
		"shops:\n  - channel: tmall\n    shop: a\n    gateway: ftp://x/\n":            "shops[0] (tmall/a), field gateway: want an absolute http:// or https:// URL",
		"erp:\n  url: not a url\n":                                                    "config erp, field url: want an absolute http:// or https:// URL",
		"shops:\n  - shop: a\n    gateway: x\n":                                       "shops[0], field channel: required",
		"shops:\n  - channel: tmall\n    shop: a\n    gateway: x\n    colour: blue\n": "line 5, field shops[0].colour: not a known field",
		"store:\n  driver: mysql\n":                                                   "field driver",
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
	cases := map[string]string{
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
  url: http://erp.internal/hook
  secret_file: `+empty+`
shops:
  - channel: tmall
    shop: a
    gateway: https://eco.taobao.com/router/rest
    credentials:
      app_key: {value: "1"}
      session: {file: `+filepath.Join(dir, "missing")+"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ShopConfigs()
	if err == nil || !strings.Contains(err.Error(), "shop tmall/a, credential session: secret file "+filepath.Join(dir, "missing")+": no such file") {
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

// A value of the wrong type is reported by line, field and the type
// wanted: never the value, which may be a secret pasted in the wrong place
// (yaml.v3's own message quotes its start).
func TestWrongTypedValueIsNeverEchoed(t *testing.T) {
	const leak = "APPSECRET-0123456789"
	shop := "shops:\n  - channel: tmall\n    shop: a\n    gateway: https://eco.taobao.com/router/rest\n"
	cases := map[string]string{
		shop + "    qps: " + leak + "\n":                         "line 5, field shops[0].qps: want a number, not text",
		"orders:\n  interval: " + leak + "\n":                    "line 2, field orders.interval: want a duration such as 30s, 5m or 1h, not text",
		shop + "    options: " + leak + "\n":                     "line 5, field shops[0].options: want a mapping, not text",
		"temporal: " + leak + "\n":                               "line 1, field temporal: want a mapping, not text",
		shop + "    credentials: {app_key: " + leak + "}\n":      "line 5, field shops[0].credentials.app_key: want a mapping naming env, file or (for a public credential) value, not text",
		"shops:\n  - channel: tmall\n    shop: [" + leak + "]\n": "line 3, field shops[0].shop: want text, not a list",
	}
	for body, want := range cases {
		_, err := config.Load(write(t, "c.yaml", body))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", body, err, want)
		}
		if err != nil && (strings.Contains(err.Error(), "APPSECR") || strings.Contains(err.Error(), "!!")) {
			t.Errorf("%q: the error echoes the value or yaml's tags: %v", body, err)
		}
	}
}

// A secret written into the file, under any key that names one, gets the
// place it belongs instead (credentials.<name>.env or .file), without the value.
func TestSecretWrittenInTheFileGetsAHint(t *testing.T) {
	const leak = "s3cr3t-value-123"
	shop := "shops:\n  - channel: tmall\n    shop: a\n    gateway: https://eco.taobao.com/router/rest\n"
	cases := map[string]string{
		shop + "    app_secret: " + leak + "\n":                              "line 5, field shops[0].app_secret: a secret is never written in the configuration; use credentials.app_secret.env or credentials.app_secret.file",
		shop + "    credentials:\n      session: " + leak + "\n":             "line 6, field shops[0].credentials.session: a secret is never written in the configuration; use credentials.session.env or credentials.session.file",
		shop + "    options: {token: " + leak + "}\n":                        "line 5, field shops[0].options.token: a secret is never written",
		shop + "    options:\n      db_password: " + leak + "\n":             "line 6, field shops[0].options.db_password: a secret is never written",
		shop + "    secret: " + leak + "\n":                                  "field shops[0].secret: a secret is never written",
		"erp:\n  url: http://erp\n  secret: " + leak + "\n":                  "line 3, field erp.secret: a secret is never written in the configuration; use erp.secret_env or erp.secret_file",
		shop + "    credentials:\n      app_secret: {value: " + leak + "}\n": "field credentials.app_secret.value: a secret is never written in the configuration; use credentials.app_secret.env or .file",
	}
	for body, want := range cases {
		_, err := config.Load(write(t, "c.yaml", body))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", body, err, want)
		}
		if err != nil && strings.Contains(err.Error(), leak) {
			t.Errorf("%q: the error echoes the secret: %v", body, err)
		}
	}
	// Keys that name where a secret is, or something about it, are fine.
	ok := "erp:\n  url: http://erp\n  secret_env: ERP_SECRET\n" + shop +
		"    options: {token_url: https://x/token}\n    credentials:\n      session: {env: S}\n      app_secret: {file: /run/s}\n"
	if _, err := config.Load(write(t, "c.yaml", ok)); err != nil {
		t.Errorf("a configuration without a secret in it: %v", err)
	}
}

// A URL that cannot work is refused when the configuration loads, not by
// the first delivery minutes later; the error does not repeat the URL.
func TestCheckURL(t *testing.T) {
	for _, bad := range []string{"", "not a url", "ftp://erp/x?token=t0k3n", "/webhooks", "http://"} {
		if err := config.CheckURL(bad); err == nil || strings.Contains(err.Error(), "t0k3n") {
			t.Errorf("CheckURL(%q) = %v", bad, err)
		}
	}
	if err := config.CheckURL("https://erp.example.com/hooks?token=x"); err != nil {
		t.Error(err)
	}
}

func TestCommissionPolicyFromTheConfiguration(t *testing.T) {
	shop := `
shops:
  - channel: kuaishou
    shop: live
    gateway: http://127.0.0.1:8206
    commission:
      default: 20%
      categories: {"食品": "15%", "食品/咖啡": 2500bp}
      products: {"SPU-9": "12.5%"}
`
	for _, name := range []string{"APPKEY", "APP_SECRET", "SIGN_SECRET", "REFRESH_TOKEN"} {
		t.Setenv("SYNCCTL_KUAISHOU_LIVE_"+name, "x")
	}
	c, err := config.Load(write(t, "c.yaml", shop))
	if err != nil {
		t.Fatal(err)
	}
	shops, err := c.ShopConfigs()
	if err != nil {
		t.Fatal(err)
	}
	p := shops[0].Commission
	if p == nil || p.Default != 2000 || p.ByCategory["食品"] != 1500 || p.ByCategory["食品/咖啡"] != 2500 || p.ByProduct["SPU-9"] != 1250 {
		t.Fatalf("policy = %+v", p)
	}
	for bad, field := range map[string]string{
		strings.Replace(shop, `"15%"`, `"15"`, 1):            "field commission.categories.食品",
		strings.Replace(shop, `20%`, `20.125%`, 1):           "field commission.default",
		strings.Replace(shop, `"12.5%"`, `"120%"`, 1):        "field commission.products.SPU-9",
		strings.Replace(shop, "      default: 20%\n", "", 1): "field commission.default: required",
	} {
		_, err := config.Load(write(t, "c.yaml", bad))
		if err == nil || !strings.Contains(err.Error(), "shops[0] (kuaishou/live), "+field) {
			t.Errorf("want %q, got %v", field, err)
		}
	}
}

// The postgres driver takes a connection URL or key=value pairs; a
// password is never in the file (only SYNCCTL_STORE_DSN, PGPASSWORD or a
// passfile give one), and no error shows it.
func TestPostgresStore(t *testing.T) {
	t.Setenv("SYNCCTL_STORE_DSN", "")
	c, err := config.Load(write(t, "c.yaml", "store:\n  driver: postgres\n  dsn: postgres://syncctl@db.internal:5432/syncctl?sslmode=require\n"))
	if err != nil || c.Store.Driver != "postgres" || c.Store.DSN != "postgres://syncctl@db.internal:5432/syncctl?sslmode=require" {
		t.Fatalf("postgres store = %+v, %v", c.Store, err)
	}
	if _, err := config.Load(write(t, "c.yaml", "store:\n  driver: postgres\n  dsn: host=db.internal dbname=syncctl\n")); err != nil {
		t.Fatalf("key=value DSN: %v", err)
	}
	for body, want := range map[string]string{
		"store:\n  driver: postgres\n  dsn: postgres://syncctl:s3cr3t@db/syncctl\n":   "field dsn: a password is never written in the configuration",
		"store:\n  driver: postgres\n  dsn: host=db password=s3cr3t dbname=syncctl\n": "field dsn: a password is never written in the configuration",
		"store:\n  driver: postgres\n  dsn: /var/lib/syncctl/syncctl.db\n":            "field dsn: the postgres driver wants a connection URL",
	} {
		_, err := config.Load(write(t, "c.yaml", body))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", body, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
	// Without a DSN the file loads (a flag may give it), but the store does not check.
	c, err = config.Load(write(t, "c.yaml", "store:\n  driver: postgres\n"))
	if err != nil || c.Store.Check() == nil || !strings.Contains(c.Store.Check().Error(), "needs the database's DSN") {
		t.Fatalf("postgres without a DSN: %v, check %v", err, c.Store.Check())
	}
	t.Setenv("SYNCCTL_STORE_DSN", "postgres://syncctl:s3cr3t@db/syncctl")
	t.Setenv("SYNCCTL_STORE_DRIVER", "postgres")
	if c, err := config.Load(""); err != nil || c.Store.DSN != "postgres://syncctl:s3cr3t@db/syncctl" || c.Store.Driver != "postgres" || c.Store.Check() != nil {
		t.Fatalf("the store from the environment, password included = %+v, %v", c.Store, err)
	}
}
