package nutref

import "syscall"

// procAttr puts the program in its own process group (so Stop reaches its
// children too) and asks Linux to kill it if the test binary dies without
// running its cleanups (go test's -timeout panics past them). Pdeathsig
// follows the thread that started the child; test goroutines are not locked
// to threads, so the runtime keeps that thread alive.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
