package platforms

import (
	"github.com/syncctl/syncctl/connectors/tmall"
	sbtmall "github.com/syncctl/syncctl/sandbox/tmall"
)

// The platforms compiled into syncctl, one line each. The order is the
// order of dev's sandboxes and ports and of the demo's rows.
func init() {
	Register(Registration{Connector: tmall.Platform, Sandbox: sbtmall.Platform})
}
