package cli_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/cli"
)

// channels lists every registered platform with the credentials a shop of
// it takes, saying which are secret.
func TestChannelsListsTmallWithItsCredentials(t *testing.T) {
	code, out, errOut := run(t, "channels")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var row string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "tmall ") {
			row = l
		}
	}
	if !strings.HasPrefix(out, "CHANNEL") || !strings.Contains(row, "tmall (taobao)") || !strings.Contains(row, "marketplace") ||
		!strings.Contains(row, "app_key, app_secret (secret), session (secret)") {
		t.Fatalf("channels:\n%s", out)
	}

	code, out, _ = run(t, "channels", "-o", "json")
	var list []struct {
		ID          string   `json:"id"`
		Aliases     []string `json:"aliases"`
		Kind        string   `json:"kind"`
		DefaultQPS  float64  `json:"default_qps"`
		Credentials []struct {
			Name   string `json:"name"`
			Secret bool   `json:"secret"`
		} `json:"credentials"`
		Options map[string]string `json:"options"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || code != 0 {
		t.Fatalf("json: exit %d, %v: %s", code, err, out)
	}
	for _, c := range list {
		if c.ID != "tmall" {
			continue
		}
		secret := map[string]bool{}
		for _, cr := range c.Credentials {
			secret[cr.Name] = cr.Secret
		}
		want := map[string]bool{"app_key": false, "app_secret": true, "session": true}
		if len(secret) != len(want) || secret["app_key"] || !secret["app_secret"] || !secret["session"] {
			t.Errorf("tmall credentials %v, want %v", secret, want)
		}
		if c.Kind != "marketplace" || c.DefaultQPS <= 0 || len(c.Aliases) != 1 || c.Aliases[0] != "taobao" {
			t.Errorf("tmall = %+v", c)
		}
		if _, ok := c.Options["sign_method"]; !ok {
			t.Errorf("tmall options %v lack sign_method", c.Options)
		}
		return
	}
	t.Fatalf("no tmall in %s", out)
}

func TestChannelsTakesNoArguments(t *testing.T) {
	if code, _, errOut := run(t, "channels", "tmall"); code != cli.ExitUsage {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}
