package cli

import (
	"sort"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/platforms"
)

// flagCompletions are the values shell completion offers for a flag, by
// the flag's name, on every command that has a flag of that name.
func flagCompletions(g *globals) map[string]cobra.CompletionFunc {
	fixed := func(vals ...string) cobra.CompletionFunc {
		return cobra.FixedCompletions(vals, cobra.ShellCompDirectiveNoFileComp)
	}
	statuses := make([]string, len(listingStatuses))
	for i, s := range listingStatuses {
		statuses[i] = string(s)
	}
	return map[string]cobra.CompletionFunc{
		"shop": func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return completeShops(g), cobra.ShellCompDirectiveNoFileComp
		},
		"status": fixed(statuses...),
		"format": fixed("json", "csv"),
		"output": fixed("table", "json"),
	}
}

// completeShops are the shops of the configuration, then the demo shop of
// every registered platform (<platform>/demo, what dev and demo run).
func completeShops(g *globals) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	if cfg, err := g.load(); err == nil {
		var conf []string
		for _, s := range cfg.Shops {
			conf = append(conf, domain.ShopRef{Channel: s.Channel, Shop: s.Shop}.String())
		}
		sort.Strings(conf)
		for _, s := range conf {
			add(s)
		}
	}
	for _, r := range platforms.All() {
		add(r.ID() + "/demo")
	}
	return out
}

// registerCompletions walks the tree and gives every flag named in
// flagCompletions its values, so a new command with a --shop flag
// completes it without a line of its own.
func registerCompletions(g *globals, cmd *cobra.Command) {
	funcs := flagCompletions(g)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			fn, ok := funcs[f.Name]
			if !ok {
				return
			}
			if _, done := c.GetFlagCompletionFunc(f.Name); !done {
				_ = c.RegisterFlagCompletionFunc(f.Name, fn)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(cmd)
}
