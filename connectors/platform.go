package connectors

import (
	"sort"
	"strings"

	"github.com/syncctl/syncctl/domain"
)

// Platform is what a connector package declares about its platform, once:
// the channel id, its kind, the connector factory, the credentials a shop
// needs and the options it takes. The registration (package platforms)
// joins it with the platform's sandbox; configuration, dev, demo and the
// tests read it from there, so a new platform needs no edit elsewhere.
type Platform struct {
	ID         string   // channel id in configuration and workflow ids: "tmall"
	Aliases    []string // further channel ids served by the same connector ("taobao")
	Name       string   // for people: "Taobao/Tmall (TOP)"
	Kind       Kind
	DefaultQPS float64 // calls per second per shop when the configuration names none
	// Pool names the platform's promotion pool ("分销", "精选联盟",
	// "优选联盟") when its connector joins one (PromotionPool): a shop's
	// commission policy puts products there. "" for none.
	Pool        string
	Credentials []CredentialSpec
	Options     []OptionSpec
	New         Factory
}

// CredentialSpec is one credential a shop of the platform has, by the
// platform's own name (TOP app_key, app_secret, session; WeChat appid,
// secret).
type CredentialSpec struct {
	Name string
	// Secret credentials come only from an env var or a file; a public one
	// (an app key, an app id) may also be written in the configuration.
	Secret bool
	// Optional credentials may be left out.
	Optional bool
	// Minted credentials are not configured at all: the connector fetches
	// them (access tokens) and keeps them in the shop's TokenStore.
	Minted bool
	Help   string
}

// OptionSpec is one connector option. A Name ending in ':' is a family
// ("pid:" takes pid:颜色, pid:尺码 …).
type OptionSpec struct {
	Name     string
	Default  string // filled in when the shop does not set the option
	Help     string
	Validate func(value string) error // nil: any value
}

// Family reports whether the spec names a family of options.
func (o OptionSpec) Family() bool { return strings.HasSuffix(o.Name, ":") }

// Credential returns the spec of one credential.
func (p Platform) Credential(name string) (CredentialSpec, bool) {
	for _, c := range p.Credentials {
		if c.Name == name {
			return c, true
		}
	}
	return CredentialSpec{}, false
}

// CheckShop validates a shop's credentials and options against the
// declaration and returns the shop with option defaults filled in and the
// default QPS applied. Errors name the shop and the credential or option,
// never a value.
func (p Platform) CheckShop(cfg ShopConfig) (ShopConfig, error) {
	rec := "shop " + cfg.Ref().String()
	for _, c := range p.Credentials {
		if c.Minted {
			if _, set := cfg.Credentials[c.Name]; set {
				return cfg, domain.Errorf(domain.EInvalid, "%s, credential %s: is fetched by syncctl itself; remove it from the configuration", rec, c.Name)
			}
			continue
		}
		if !c.Optional && cfg.Credential(c.Name) == "" {
			return cfg, domain.Errorf(domain.EInvalid, "%s, credential %s: required", rec, c.Name)
		}
	}
	for name := range cfg.Credentials {
		if _, ok := p.Credential(name); !ok {
			return cfg, domain.Errorf(domain.EInvalid, "%s, credential %s: %s has no such credential (it has %s)", rec, name, p.ID, domain.List(p.credentialNames()))
		}
	}
	opts := make(map[string]string, len(cfg.Options)+len(p.Options))
	for _, name := range sortedKeys(cfg.Options) {
		v := cfg.Options[name]
		spec, ok := p.option(name)
		if !ok {
			// A typo ("sign_mthod") would otherwise fall back to a default silently.
			return cfg, domain.Errorf(domain.EInvalid, "%s, option %s: unknown option (%s takes %s)", rec, name, p.ID, domain.List(p.optionNames()))
		}
		if spec.Validate != nil {
			if err := spec.Validate(v); err != nil {
				return cfg, domain.Errorf(domain.EInvalid, "%s, option %s: %v", rec, name, err)
			}
		}
		opts[name] = v
	}
	for _, o := range p.Options {
		if _, set := opts[o.Name]; !set && !o.Family() && o.Default != "" {
			opts[o.Name] = o.Default
		}
	}
	cfg.Options = opts
	if cfg.QPS <= 0 {
		cfg.QPS = p.DefaultQPS
	}
	return cfg, nil
}

func (p Platform) option(name string) (OptionSpec, bool) {
	for _, o := range p.Options {
		if o.Name == name && !o.Family() {
			return o, true
		}
		if o.Family() && strings.HasPrefix(name, o.Name) && len(name) > len(o.Name) {
			return o, true
		}
	}
	return OptionSpec{}, false
}

func (p Platform) credentialNames() []string {
	var out []string
	for _, c := range p.Credentials {
		if !c.Minted {
			out = append(out, c.Name)
		}
	}
	return out
}

func (p Platform) optionNames() []string {
	var out []string
	for _, o := range p.Options {
		n := o.Name
		if o.Family() {
			n += "<name>"
		}
		out = append(out, n)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
