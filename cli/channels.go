package cli

import (
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/syncctl/syncctl/platforms"
)

// channelInfo is one platform as `syncctl channels` shows it.
type channelInfo struct {
	ID          string            `json:"id"`
	Aliases     []string          `json:"aliases,omitempty"`
	Name        string            `json:"name"`
	Kind        string            `json:"kind"`
	DefaultQPS  float64           `json:"default_qps"`
	Pool        string            `json:"promotion_pool,omitempty"` // the pool a shop's commission policy joins
	Credentials []credentialInfo  `json:"credentials"`
	Options     map[string]string `json:"options"` // name → default ("" when none)
}

type credentialInfo struct {
	Name     string `json:"name"`
	Secret   bool   `json:"secret"`
	Optional bool   `json:"optional,omitempty"`
	Minted   bool   `json:"minted,omitempty"` // fetched by syncctl, not configured
	Help     string `json:"help,omitempty"`
}

func newChannelsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "channels",
		Short: "List the platforms this syncctl speaks, with the credentials and options a shop of each takes",
		Args:  cobra.NoArgs,
		RunE:  func(*cobra.Command, []string) error { return channelsRun(g, platforms.All()) },
	}
	cmd.AddCommand(newChannelsPauseCmd(g, false, nil), newChannelsPauseCmd(g, true, nil), &cobra.Command{
		Use:   "status",
		Short: "Show per shop whether its calls go (pause, platform ban, circuit breaker), its quota and its backlog",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return channelsStatusRun(cmd.Context(), g) },
	})
	return cmd
}

// channelsRun lists the registered platforms (the command has no flags).
func channelsRun(g *globals, regs []platforms.Registration) error {
	out := channelInfos(regs)
	if g.json() {
		return g.printJSON(out)
	}
	tw := newTable(g.io.Out)
	tw.row("CHANNEL", "KIND", "NAME", "CREDENTIALS", "DEFAULT QPS", "POOL")
	for _, c := range out {
		var creds []string
		for _, cr := range c.Credentials {
			n := cr.Name
			switch {
			case cr.Minted:
				n += " (fetched)"
			case cr.Optional:
				n += " (optional)"
			case cr.Secret:
				n += " (secret)"
			}
			creds = append(creds, n)
		}
		id := c.ID
		if len(c.Aliases) > 0 {
			id += " (" + strings.Join(c.Aliases, ", ") + ")"
		}
		pool := c.Pool
		if pool == "" {
			pool = "-"
		}
		tw.row(id, c.Kind, c.Name, strings.Join(creds, ", "), strconv.FormatFloat(c.DefaultQPS, 'g', -1, 64), pool)
	}
	return tw.flush()
}

// channelInfos describes registrations as `syncctl channels` shows them.
func channelInfos(regs []platforms.Registration) []channelInfo {
	out := []channelInfo{}
	for _, r := range regs {
		c := r.Connector
		info := channelInfo{ID: c.ID, Aliases: c.Aliases, Name: c.Name, Kind: string(c.Kind), DefaultQPS: c.DefaultQPS, Pool: c.Pool,
			Credentials: []credentialInfo{}, Options: map[string]string{}}
		for _, cr := range c.Credentials {
			info.Credentials = append(info.Credentials, credentialInfo{cr.Name, cr.Secret, cr.Optional, cr.Minted, cr.Help})
		}
		for _, o := range c.Options {
			name := o.Name
			if o.Family() {
				name += "<name>"
			}
			info.Options[name] = o.Default
		}
		out = append(out, info)
	}
	return out
}
