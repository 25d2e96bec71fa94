package nutref

import (
	"fmt"
	"net"
	"os"
	"testing"
	"time"
)

// WaitFor polls cond until it returns true, and fails the test if that has
// not happened within timeout. It is for waiting on real processes (a socket
// appearing, upsc seeing a status): it polls with a backoff from 1 ms to
// 50 ms instead of sleeping blindly, so a fast process costs almost nothing.
// If one of the watched processes exits meanwhile, it fails at once with
// that process's log instead of waiting out the timeout. Call it from the
// test's goroutine.
func WaitFor(t testing.TB, timeout time.Duration, cond func() bool, watch ...*Proc) {
	t.Helper()
	if err := poll(timeout, cond, watch); err != nil {
		t.Fatalf("nutref: condition not met: %v", err)
	}
}

// WaitPort waits until a TCP connection to addr (such as [Instance.Addr])
// succeeds, and fails the test after timeout or when a watched process
// exits.
func WaitPort(t testing.TB, addr string, timeout time.Duration, watch ...*Proc) {
	t.Helper()
	if err := poll(timeout, func() bool { return dialOK("tcp", addr) }, watch); err != nil {
		t.Fatalf("nutref: nothing listening on %s: %v", addr, err)
	}
}

// WaitSocket waits until the Unix socket at path (such as
// [Instance.DriverSocket]) exists, and fails the test after timeout or
// when a watched process exits. It does not connect (see isSocket).
func WaitSocket(t testing.TB, path string, timeout time.Duration, watch ...*Proc) {
	t.Helper()
	if err := poll(timeout, func() bool { return isSocket(path) }, watch); err != nil {
		t.Fatalf("nutref: no socket at %s: %v", path, err)
	}
}

// isSocket reports whether path is a Unix socket. It does not connect: a
// NUT 2.8.0 driver whose client hangs up aborts at its next broadcast
// ("*** bit out of range 0 - FD_SETSIZE on fd_set ***", daemons.md §6.4),
// so probing a real driver's socket by connecting would kill it as soon as
// a value changes. The file appears at bind(), a moment before listen();
// upsd retries its connection every loop pass, so that gap does no harm.
func isSocket(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode()&os.ModeSocket != 0
}

func dialOK(network, addr string) bool {
	c, err := net.DialTimeout(network, addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// poll is wall-clock waiting on purpose: the other side is a real process,
// not code on upslab's clock.
func poll(timeout time.Duration, cond func() bool, watch []*Proc) error {
	deadline := time.Now().Add(timeout)
	delay := time.Millisecond
	for {
		if cond() {
			return nil
		}
		for _, p := range watch {
			if p.Exited() {
				return fmt.Errorf("%s (pid %d) exited (%v); log:\n%s", p.Name, p.PID, p.err, indent(p.Log()))
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %v", timeout)
		}
		time.Sleep(delay)
		if delay < 50*time.Millisecond {
			delay *= 2
		}
	}
}
