package stack_test

// The test platform "fake" (content review, delta-only stock, cursor
// paging, a window cap) registers like a real one in test builds: every
// stack test here then runs it beside Tmall through the same stack, worker
// assembly and demo, with no other edit.
import _ "github.com/syncctl/syncctl/platforms/fakeplatform"
