//go:build !linux

package nutref

import "syscall"

// procAttr puts the program in its own process group, so Stop reaches its
// children too. (The kit only runs on Linux; this keeps cross-builds going.)
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
