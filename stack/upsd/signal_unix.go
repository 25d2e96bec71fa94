//go:build unix

package upsd

import "syscall"

// signalPID sends sig to pid (0 only checks that it exists), for
// `upsd -c reload|stop` and the already-running check.
func signalPID(pid int, sig syscall.Signal) error { return syscall.Kill(pid, sig) }
