//go:build !unix

package driver

import (
	"os"
	"os/exec"
)

// detach: no sessions here; the driver simply keeps running.
func detach(*exec.Cmd) {}

// terminate kills the driver: there is no SIGTERM to ask it politely.
func terminate(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}
