package bench

import (
	"os/exec"
	"syscall"
)

// tieToThisProcess has the kernel stop cmd (SIGTERM) if this process dies
// before it, killed or crashed, so a scale run never leaves a worker
// behind. Pdeathsig fires when the thread that started the child ends:
// startWorker starts it from a thread locked for the child's lifetime.
func tieToThisProcess(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
