package nutref

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// StopTimeout is how long Stop waits after SIGTERM before SIGKILL.
const StopTimeout = 5 * time.Second

// Proc is a real NUT program started by [Instance.Start].
type Proc struct {
	// Name is the program's name as given to Start.
	Name string
	// PID is the process id. The process leads its own process group, so
	// its children (upsmon's unprivileged half, NOTIFYCMD scripts) are
	// signalled with it.
	PID int
	// LogPath is the file that receives the program's stdout and stderr.
	LogPath string

	cmd  *exec.Cmd
	done chan struct{}
	err  error
	stop sync.Once
}

// Start starts a NUT program in the instance and returns at once (use
// [WaitPort], [WaitSocket] or [WaitFor] to wait until it is ready). Daemons
// (upsd, upsmon, drivers) get -F unless the arguments pick -F, -FF, -D or
// -B; programs that take -u get "-u root" when the test runs as root. The
// program's stdout and stderr go to a log file in the instance directory (a
// file, not a pipe, so a lingering child cannot hold the test up). When the
// test ends the process is stopped by PID and, if the test failed, its log
// is printed with t.Log.
func (inst *Instance) Start(t testing.TB, name string, args ...string) *Proc {
	t.Helper()
	path := inst.Kit.Bin(name)
	args = withUser(name, withForeground(name, args))

	inst.mu.Lock()
	inst.nproc++
	n := inst.nproc
	inst.mu.Unlock()
	logPath := filepath.Join(inst.Dir, "log", fmt.Sprintf("%02d-%s.log", n, name))
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatalf("nutref: %v", err)
	}
	defer logf.Close() // the child keeps its own copy

	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), inst.Env()...)
	cmd.Dir = inst.Dir
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		t.Fatalf("nutref: start %s: %v", name, err)
	}
	p := &Proc{Name: name, PID: cmd.Process.Pid, LogPath: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	cmdline := name + " " + strings.Join(args, " ")
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("nutref: %s (pid %d) exited with %v; log:\n%s", cmdline, p.PID, p.err, indent(p.Log()))
		}
	})
	return p
}

// Log returns what the program has written to stdout and stderr so far.
func (p *Proc) Log() string {
	b, err := os.ReadFile(p.LogPath)
	if err != nil {
		return fmt.Sprintf("(log unreadable: %v)", err)
	}
	return string(b)
}

// Done is closed when the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Err is the process's exit status (nil for exit code 0) once it has exited,
// and nil before.
func (p *Proc) Err() error {
	if !p.Exited() {
		return nil
	}
	return p.err
}

// Signal sends a signal to the process alone (for example SIGHUP to make
// upsd reload its configuration).
func (p *Proc) Signal(sig syscall.Signal) error {
	if p.Exited() {
		return fmt.Errorf("nutref: %s (pid %d) has already exited", p.Name, p.PID)
	}
	return syscall.Kill(p.PID, sig)
}

// Stop ends the process: SIGTERM to its process group, then SIGKILL if it has
// not exited within StopTimeout, then SIGKILL to whatever is left of the
// group. It waits for the process to exit and is safe to call more than once.
func (p *Proc) Stop() {
	p.stop.Do(func() {
		if !p.Exited() {
			if syscall.Kill(-p.PID, syscall.SIGTERM) != nil {
				_ = syscall.Kill(p.PID, syscall.SIGTERM)
			}
			timer := time.NewTimer(StopTimeout)
			select {
			case <-p.done:
				timer.Stop()
			case <-timer.C:
				_ = syscall.Kill(p.PID, syscall.SIGKILL)
				<-p.done
			}
		}
		// Leftover members of the group (children that ignored SIGTERM).
		_ = syscall.Kill(-p.PID, syscall.SIGKILL)
	})
}

func indent(s string) string {
	if s == "" {
		return "\t(empty)"
	}
	return "\t" + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n\t")
}
