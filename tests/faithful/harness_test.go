package faithful

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/upslab/upslab/internal/nutref"
)

// Impl says whose program plays a role in a Setup.
type Impl string

const (
	// Real is NUT 2.8.0's program from the reference kit.
	Real Impl = "real"
	// Ours is upslab's program (this test binary under that name).
	Ours Impl = "ours"
)

// Setup is one set of processes playing one NUT installation.
type Setup struct {
	// Name labels the rig in failure messages.
	Name string
	// UPS is the ups.conf section name.
	UPS string
	// Driver: Real is dummy-ups (plays a .seq or .dev file), Ours is our
	// usbhid-ups (port=sim, an in-process simulated Ellipse ECO 650,
	// driven through its simcontrol socket).
	Driver Impl
	// Upsd, Upsmon and Upssched pick whose daemon plays each role.
	Upsd, Upsmon, Upssched Impl
	// Files are NUT configuration files by name (ups.conf, upsd.conf,
	// upsd.users, upsmon.conf, upssched.conf, *.seq). These placeholders
	// are replaced: {ADDR} upsd's host:port, {PORT}, {DIR} the rig's
	// directory, {STATE} NUT_STATEPATH, {SIMCTL} the simulator's control
	// socket, {BIN} the directory of the recording scripts: {BIN}/upssched
	// is the NOTIFYCMD (it records, then runs the chosen upssched),
	// {BIN}/upssched-cmd the CMDSCRIPT and {BIN}/shutdown the SHUTDOWNCMD.
	Files map[string]string
}

// Event is one recorded call of NOTIFYCMD, CMDSCRIPT or SHUTDOWNCMD.
type Event struct {
	// At is the time since the rig's upsmon started (for a lab event,
	// since the lab started).
	At time.Duration
	// Kind is "notify", "cmdscript" or "shutdown".
	Kind string
	// What is the notify type (notify), the script's arguments
	// (cmdscript), or "" (shutdown).
	What string
	// UPS and Type are $UPSNAME and $NOTIFYTYPE as the called program saw
	// them.
	UPS, Type string
	// Args are the program's arguments (the message for a notify).
	Args string
}

func (e Event) String() string {
	s := fmt.Sprintf("%6.2fs %s %s", e.At.Seconds(), e.Kind, e.What)
	if e.Kind != "notify" && (e.UPS != "" || e.Type != "") {
		s += fmt.Sprintf(" [UPSNAME=%s NOTIFYTYPE=%s]", e.UPS, e.Type)
	}
	return s
}

// Rig is one Setup running as real processes.
type Rig struct {
	Setup
	t    *testing.T
	kit  *nutref.Kit
	Dir  string
	Conf string
	// State is NUT_STATEPATH.
	State  string
	Port   int
	SimCtl string
	log    string // the recorder's output
	// Started is when upsmon was started (zero before StartMonitor).
	Started time.Time

	mu     sync.Mutex
	procs  []*proc
	upsmon *proc
}

// markerVar tags the environment of every process a rig starts, so that
// the ones that leave their process group (upssched's timer daemon, real
// and ours, calls setsid) are found and stopped at the end.
const markerVar = "UPSLAB_FAITHFUL_RIG"

// NewRig makes the rig's directory and writes its files; nothing runs
// yet. kit may be nil when every role is Ours.
func NewRig(t *testing.T, kit *nutref.Kit, s Setup) *Rig {
	t.Helper()
	skipShort(t)
	if kit == nil && (s.Driver == Real || s.Upsd == Real || s.Upsmon == Real || s.Upssched == Real) {
		t.Fatalf("rig %s: a real NUT program needs the kit", s.Name)
	}
	// Short: driver sockets live in State, and Unix socket paths are
	// limited to about 100 bytes (testing's TempDir can be longer).
	dir, err := os.MkdirTemp("/tmp", "faithful")
	if err != nil {
		t.Fatal(err)
	}
	r := &Rig{Setup: s, t: t, kit: kit, Dir: dir, Conf: filepath.Join(dir, "etc"), State: filepath.Join(dir, "state")}
	r.SimCtl = filepath.Join(r.State, "simctl")
	r.log = filepath.Join(dir, "calls.log")
	t.Cleanup(func() { os.RemoveAll(dir) })
	t.Cleanup(r.stopAll)
	for _, d := range []string{r.Conf, r.State, filepath.Join(dir, "bin"), filepath.Join(dir, "log")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.Port = l.Addr().(*net.TCPAddr).Port
	l.Close()

	sched := ""
	switch s.Upssched {
	case Real:
		sched = kit.Bin("upssched")
	case Ours:
		sched = filepath.Join(ourBin, "upssched")
	}
	rec := func(kind string) string {
		return fmt.Sprintf("printf '%%s\\t%%s\\t%%s\\t%%s\\t%%s\\n' \"$(date +%%s.%%N)\" %s \"$*\" \"$UPSNAME\" \"$NOTIFYTYPE\" >> %s\n", kind, r.log)
	}
	scripts := map[string]string{
		"upssched":     rec("notify"),
		"upssched-cmd": rec("cmdscript"),
		"shutdown":     rec("shutdown"),
	}
	switch s.Upssched {
	case Real:
		// NUT 2.8.0's timer daemon spins at ~95 % CPU while a timer is
		// pending (#1964, fixed in 2.8.1); at nice 10 (inherited by the
		// daemon it forks) it does not starve the processes of the other
		// tests running at once on a small machine.
		scripts["upssched"] += "exec nice -n 10 " + sched + " \"$@\"\n"
	case Ours:
		scripts["upssched"] += "exec " + sched + " \"$@\"\n"
	}
	for name, body := range scripts {
		if err := os.WriteFile(filepath.Join(dir, "bin", name), []byte("#!/bin/sh\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range s.Files {
		if err := os.WriteFile(filepath.Join(r.Conf, name), []byte(r.Expand(content)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// Addr is upsd's address.
func (r *Rig) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(r.Port)) }

// Expand replaces the placeholders of Setup.Files.
func (r *Rig) Expand(s string) string {
	return strings.NewReplacer("{ADDR}", r.Addr(), "{PORT}", strconv.Itoa(r.Port), "{DIR}", r.Dir,
		"{STATE}", r.State, "{SIMCTL}", r.SimCtl, "{BIN}", filepath.Join(r.Dir, "bin")).Replace(s)
}

// proc is one started program.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *proc) output() string {
	b, _ := os.ReadFile(p.log)
	return string(b)
}

func (r *Rig) env() []string {
	env := append(os.Environ(), "NUT_CONFPATH="+r.Conf, "NUT_STATEPATH="+r.State, "NUT_ALTPIDPATH="+r.State,
		markerVar+"="+r.Dir)
	if r.kit != nil {
		lp := r.kit.LibraryPath()
		if old := os.Getenv("LD_LIBRARY_PATH"); old != "" {
			lp += ":" + old
		}
		env = append(env, "LD_LIBRARY_PATH="+lp)
	}
	return env
}

// spawn starts a program (real NUT's or ours) in the rig, in its own
// process group, with output to a log file.
func (r *Rig) spawn(role string, impl Impl, name string, args ...string) *proc {
	r.t.Helper()
	path := filepath.Join(ourBin, name)
	if impl == Real {
		path = r.kit.Bin(name)
	}
	if os.Geteuid() == 0 {
		// Stay root: both NUT and ours would switch to the "nut" user.
		args = append(args, "-u", "root")
	}
	r.mu.Lock()
	n := len(r.procs)
	r.mu.Unlock()
	p := &proc{name: fmt.Sprintf("%s %s (%s)", role, name, impl), log: filepath.Join(r.Dir, "log", fmt.Sprintf("%02d-%s.log", n, name)), done: make(chan struct{})}
	f, err := os.Create(p.log)
	if err != nil {
		r.fail("%v", err)
	}
	defer f.Close()
	p.cmd = exec.Command(path, args...)
	p.cmd.Env = r.env()
	p.cmd.Dir = r.Dir
	p.cmd.Stdout, p.cmd.Stderr = f, f
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		r.fail("start %s: %v", p.name, err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	r.mu.Lock()
	r.procs = append(r.procs, p)
	r.mu.Unlock()
	return p
}

// stopAll stops every process the rig started, by PID: each process
// group gets SIGTERM, then SIGKILL; then whatever still carries the rig's
// marker (a upssched timer daemon) gets SIGKILL. On failure it logs the
// programs' output.
func (r *Rig) stopAll() {
	r.mu.Lock()
	procs := append([]*proc(nil), r.procs...)
	r.mu.Unlock()
	for i := len(procs) - 1; i >= 0; i-- {
		p := procs[i]
		if !p.exited() {
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
			t := time.NewTimer(3 * time.Second)
			select {
			case <-p.done:
			case <-t.C:
				_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
				<-p.done
			}
			t.Stop()
		}
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	}
	reapMarked(r.Dir)
	if r.t.Failed() {
		for _, p := range procs {
			r.t.Logf("rig %s: %s exited with %v; log:\n%s", r.Name, p.name, p.err, indent(p.output()))
		}
		b, _ := os.ReadFile(r.log)
		r.t.Logf("rig %s: recorded calls:\n%s", r.Name, indent(string(b)))
	}
}

func indent(s string) string {
	return "\t" + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n\t")
}

// reapMarked kills, by PID, the processes whose environment has the
// rig's marker (Linux /proc; elsewhere it finds nothing).
func reapMarked(dir string) {
	want := []byte("\x00" + markerVar + "=" + dir + "\x00")
	envs, _ := filepath.Glob("/proc/[0-9]*/environ")
	for _, e := range envs {
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(e)))
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile(e)
		if err != nil || !bytes.Contains(append(append([]byte{0}, b...), 0), want) {
			continue
		}
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// StartStack starts the driver and upsd and waits until upsd serves
// a ups.status whose first word is wantStatus ("OL" matches "OL CHRG").
func (r *Rig) StartStack(wantStatus string) {
	r.t.Helper()
	var drv *proc
	var sock string
	switch r.Driver {
	case Real:
		drv = r.spawn("driver", Real, "dummy-ups", "-a", r.UPS, "-F")
		sock = filepath.Join(r.State, "dummy-ups-"+r.UPS)
	case Ours:
		drv = r.spawn("driver", Ours, "usbhid-ups", "-a", r.UPS, "-F")
		sock = filepath.Join(r.State, "usbhid-ups-"+r.UPS)
	}
	// Wait for the socket file, without connecting: a client that
	// connects to dummy-ups 2.8.0's socket and leaves makes the next
	// update fail for every client ("send_to_all: write ... Broken pipe"):
	// upsd then kept serving WAIT through the whole first phase of a .seq.
	r.waitUntil("driver socket", 10*time.Second, func() bool {
		_, err := os.Stat(sock)
		return err == nil
	}, drv)
	up := r.spawn("upsd", r.Upsd, "upsd", "-F")
	r.waitDial("upsd port", "tcp", r.Addr(), up)
	var last string
	r.waitUntil("upsd serves ups.status "+wantStatus, 10*time.Second, func() bool {
		last = r.Status()
		return last == wantStatus || strings.HasPrefix(last, wantStatus+" ")
	}, drv, up)
}

// StartMonitor starts upsmon; Started is set and the recorded events'
// times count from here.
func (r *Rig) StartMonitor() {
	r.t.Helper()
	r.Started = time.Now()
	r.upsmon = r.spawn("upsmon", r.Upsmon, "upsmon", "-F", "-D")
}

// Status asks upsd for ups.status ("" on any failure).
func (r *Rig) Status() string {
	c, err := net.DialTimeout("tcp", r.Addr(), time.Second)
	if err != nil {
		return ""
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	fmt.Fprintf(c, "GET VAR %s ups.status\n", r.UPS)
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return ""
	}
	prefix := fmt.Sprintf("VAR %s ups.status ", r.UPS)
	v, ok := strings.CutPrefix(strings.TrimSpace(line), prefix)
	if !ok {
		return ""
	}
	return strings.Trim(v, `"`)
}

// Sim sends one command to the simulated UPS's control socket.
func (r *Rig) Sim(cmd string) error {
	c, err := net.DialTimeout("unix", r.SimCtl, time.Second)
	if err != nil {
		return fmt.Errorf("simcontrol: %w", err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	fmt.Fprintln(c, cmd)
	reply, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return fmt.Errorf("simcontrol %q: %w", cmd, err)
	}
	if reply = strings.TrimSpace(reply); reply != "OK" {
		return fmt.Errorf("simcontrol %q: %s", cmd, reply)
	}
	return nil
}

// Events returns what the recording scripts saw so far, in time order.
func (r *Rig) Events() []Event {
	b, _ := os.ReadFile(r.log)
	var out []Event
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 5 {
			continue
		}
		ts, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			continue
		}
		at := time.Unix(0, int64(ts*1e9)).Sub(r.Started)
		e := Event{At: at, Kind: f[1], Args: f[2], UPS: f[3], Type: f[4]}
		switch e.Kind {
		case "notify":
			e.What = e.Type
		case "cmdscript":
			e.What = e.Args
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At < out[j].At })
	return out
}

// WaitShutdown waits until SHUTDOWNCMD was called and upsmon exited.
func (r *Rig) WaitShutdown(timeout time.Duration) {
	r.t.Helper()
	r.waitUntil("SHUTDOWNCMD and upsmon's exit", timeout, func() bool {
		return r.upsmon.exited() && len(pick(r.Events(), "shutdown")) > 0
	})
}

// waitUntil polls cond with a short backoff until it holds, and fails the
// test after timeout, or at once when a watched process exits.
func (r *Rig) waitUntil(what string, timeout time.Duration, cond func() bool, watch ...*proc) {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	delay := time.Millisecond
	for !cond() {
		for _, p := range watch {
			if p.exited() {
				r.fail("waiting for %s: %s exited (%v)", what, p.name, p.err)
			}
		}
		if time.Now().After(deadline) {
			r.fail("no %s within %v", what, timeout)
		}
		// Wall-clock polling on purpose, with a backoff from 1 ms to
		// 50 ms (as nutref.WaitFor): the other side is a real process.
		time.Sleep(delay)
		if delay < 50*time.Millisecond {
			delay *= 2
		}
	}
}

// fail marks the test failed and ends the calling goroutine: the test's
// own (as t.Fatal) or one of StartAll's.
func (r *Rig) fail(format string, args ...any) {
	r.t.Helper()
	r.t.Errorf("rig %s: %s", r.Name, fmt.Sprintf(format, args...))
	runtime.Goexit()
}

// StartAll starts the rigs at once, each StartStack then StartMonitor as
// soon as its upsd serves wantStatus, so that every upsmon starts at the
// same point of its own power sequence.
func StartAll(t *testing.T, wantStatus string, rigs ...*Rig) {
	t.Helper()
	var wg sync.WaitGroup
	for _, r := range rigs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.StartStack(wantStatus)
			r.StartMonitor()
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
}

func (r *Rig) waitDial(what, network, addr string, p *proc) {
	r.t.Helper()
	r.waitUntil(what, 10*time.Second, func() bool {
		c, err := net.DialTimeout(network, addr, 200*time.Millisecond)
		if err != nil {
			return false
		}
		c.Close()
		return true
	}, p)
}

// pick returns the events of one kind.
func pick(evs []Event, kind string) []Event {
	var out []Event
	for _, e := range evs {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// skipShort skips a real-time test under -short.
func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("real-time test (seconds of wall time); skipped with -short")
	}
}
