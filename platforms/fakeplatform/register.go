// Package fakeplatform registers "fake", the test platform (connectors/fake,
// sandbox/fake, mapping/fake). Only tests import it,
//
//	import _ "github.com/syncctl/syncctl/platforms/fakeplatform"
//
// so the fake is registered in test builds and never in syncctl itself.
package fakeplatform

import (
	"github.com/syncctl/syncctl/connectors/fake"
	"github.com/syncctl/syncctl/platforms"
	sbfake "github.com/syncctl/syncctl/sandbox/fake"
)

func init() {
	platforms.Register(platforms.Registration{Connector: fake.Platform, Sandbox: sbfake.Platform})
}
