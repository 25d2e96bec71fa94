//go:build unix

package driver

import (
	"os/exec"
	"syscall"
)

// detach puts a started driver in its own session, so that it outlives
// upsdrvctl and its terminal.
func detach(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }

// terminate asks a driver to stop (SIGTERM), as `upsdrvctl stop` does.
func terminate(pid int) error { return syscall.Kill(pid, syscall.SIGTERM) }
