//go:build !linux

package bench

import "os/exec"

// tieToThisProcess does nothing where the kernel offers no parent-death
// signal: the worker is stopped when the run ends, not if it is killed.
func tieToThisProcess(*exec.Cmd) {}
