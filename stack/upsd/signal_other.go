//go:build !unix

package upsd

import (
	"errors"
	"os"
	"syscall"
)

// signalPID: without POSIX signals only "stop" can be delivered (as a
// kill); 0 reports whether the process exists, which Windows' FindProcess
// does not, so it always fails and the pid file alone never blocks a start.
func signalPID(pid int, sig syscall.Signal) error {
	switch sig {
	case 0:
		return errors.New("cannot probe processes on this system")
	case syscall.SIGTERM:
		p, err := os.FindProcess(pid)
		if err != nil {
			return err
		}
		return p.Kill()
	}
	return errors.New("signals are not supported on this system")
}
