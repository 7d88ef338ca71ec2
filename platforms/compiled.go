package platforms

import (
	"github.com/syncctl/syncctl/connectors/douyin"
	"github.com/syncctl/syncctl/connectors/jd"
	"github.com/syncctl/syncctl/connectors/kuaishou"
	"github.com/syncctl/syncctl/connectors/tmall"
	"github.com/syncctl/syncctl/connectors/vipshop"
	"github.com/syncctl/syncctl/connectors/wechat"
	"github.com/syncctl/syncctl/connectors/youzan"
	sbdouyin "github.com/syncctl/syncctl/sandbox/douyin"
	sbjd "github.com/syncctl/syncctl/sandbox/jd"
	sbkuaishou "github.com/syncctl/syncctl/sandbox/kuaishou"
	sbtmall "github.com/syncctl/syncctl/sandbox/tmall"
	sbvipshop "github.com/syncctl/syncctl/sandbox/vipshop"
	sbwechat "github.com/syncctl/syncctl/sandbox/wechat"
	sbyouzan "github.com/syncctl/syncctl/sandbox/youzan"
)

// The platforms compiled into syncctl, one line each. The order is the
// order of dev's sandboxes and ports and of the demo's rows.
func init() {
	Register(Registration{Connector: tmall.Platform, Sandbox: sbtmall.Platform})
	Register(Registration{Connector: wechat.Platform, Sandbox: sbwechat.Platform})
	Register(Registration{Connector: youzan.Platform, Sandbox: sbyouzan.Platform})
	Register(Registration{Connector: jd.Platform, Sandbox: sbjd.Platform})
	Register(Registration{Connector: vipshop.Platform, Sandbox: sbvipshop.Platform})
	Register(Registration{Connector: kuaishou.Platform, Sandbox: sbkuaishou.Platform})
	Register(Registration{Connector: douyin.Platform, Sandbox: sbdouyin.Platform})
}
