package upsmon_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/upslab/upslab/internal/nutref"
	"github.com/upslab/upslab/stack/upsd"
	"github.com/upslab/upslab/stack/upsmon"
	"github.com/upslab/upslab/stack/upssched"
)

// TestMain lets this test binary be our upsmon and upssched too: called
// through a link named upsmon or upssched (the upssched timer daemon
// re-runs itself that way), it runs that program.
func TestMain(m *testing.M) {
	switch filepath.Base(os.Args[0]) {
	case "upsmon":
		os.Exit(upsmon.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	case "upssched":
		os.Exit(upssched.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	case "upsd":
		os.Exit(upsd.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	// testscript's own dispatch (for testdata/script) comes next.
	testscript.Main(m, map[string]func(){
		"upsmon":   func() { os.Exit(upsmon.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
		"upssched": func() { os.Exit(upssched.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// ourBin returns a directory with upsmon and upssched links to this binary.
func ourBin(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, n := range []string{"upsmon", "upssched", "upsd"} {
		if err := os.Symlink(exe, filepath.Join(dir, n)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// side is one complete setup: real upsd + dummy-ups, and either real or
// our upsmon + upssched.
type side struct {
	name  string
	inst  *nutref.Instance
	calls string
	mon   *exec.Cmd
	done  chan error
	log   bytes.Buffer
}

// seq: upsmon polls every 5 s until it first sees OL or OB (NUT's initial
// sleepval), and dummy-ups shows WAIT at first, so OL lasts long enough to
// be seen; then a 2 s blip (shorter than the 4 s upssched timer), 2 s on
// mains, a 6 s outage (longer), and low battery.
const seq = `ups.status: OL
TIMER 1
ups.status: OL
TIMER 5
ups.status: OB DISCHRG
TIMER 2
ups.status: OL CHRG
TIMER 2
ups.status: OB DISCHRG
TIMER 6
ups.status: OB DISCHRG LB
TIMER 60
`

// newSide starts one setup; upsdPath "" means real upsd.
func newSide(t *testing.T, k *nutref.Kit, name, upsdPath, upsmonPath, upsschedPath string) *side {
	s := &side{name: name, inst: k.NewInstance(t), done: make(chan error, 1)}
	inst := s.inst
	s.calls = filepath.Join(inst.Dir, "calls.log")
	inst.WriteFile("ups.conf", "[dummy]\n\tdriver = dummy-ups\n\tport = power.seq\n\tpollinterval = 1\n")
	inst.WriteFile("power.seq", seq)
	inst.WriteFile("upsd.conf", inst.Listen())
	inst.WriteFile("upsd.users", "[admin]\n\tpassword = pass\n\tupsmon primary\n")
	notify := filepath.Join(inst.ConfPath, "notify.sh")
	inst.WriteFile("notify.sh", fmt.Sprintf("#!/bin/sh\necho \"notify $NOTIFYTYPE $UPSNAME\" >> %s\nexec %s \"$@\"\n", s.calls, upsschedPath))
	inst.WriteFile("cmd.sh", fmt.Sprintf("#!/bin/sh\necho \"cmdscript $*\" >> %s\n", s.calls))
	for _, f := range []string{"notify.sh", "cmd.sh"} {
		if err := os.Chmod(inst.Path(f), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	inst.WriteFile("upsmon.conf", fmt.Sprintf(`MONITOR %s 1 admin pass primary
MINSUPPLIES 1
POLLFREQ 1
POLLFREQALERT 1
HOSTSYNC 2
DEADTIME 5
FINALDELAY 1
NOTIFYCMD %s
SHUTDOWNCMD "echo shutdowncmd >> %s"
POWERDOWNFLAG %s
NOTIFYFLAG ONLINE SYSLOG+EXEC
NOTIFYFLAG ONBATT SYSLOG+EXEC
NOTIFYFLAG LOWBATT SYSLOG+EXEC
NOTIFYFLAG FSD SYSLOG+EXEC
NOTIFYFLAG COMMOK SYSLOG+EXEC
NOTIFYFLAG COMMBAD SYSLOG+EXEC
NOTIFYFLAG SHUTDOWN SYSLOG+EXEC
NOTIFYFLAG NOCOMM SYSLOG+EXEC
`, inst.Target("dummy"), notify, s.calls, filepath.Join(inst.Dir, "killpower")))
	inst.WriteFile("upssched.conf", fmt.Sprintf(`CMDSCRIPT %s
PIPEFN %s
LOCKFN %s
AT ONBATT * START-TIMER onbattwarn 4
AT ONLINE * CANCEL-TIMER onbattwarn
AT ONLINE * EXECUTE back-on-line
AT LOWBATT * EXECUTE lowbatt
AT COMMBAD * START-TIMER commbad 10
AT COMMOK * CANCEL-TIMER commbad
`, inst.Path("cmd.sh"), filepath.Join(inst.StatePath, "upssched.pipe"), filepath.Join(inst.StatePath, "upssched.lock")))
	inst.Start(t, "dummy-ups", "-a", "dummy")
	nutref.WaitSocket(t, inst.DriverSocket("dummy-ups", "dummy"), 10*time.Second)
	if upsdPath == "" {
		inst.Start(t, "upsd")
	} else {
		var log bytes.Buffer
		c := exec.Command(upsdPath, "-F")
		c.Env = append(os.Environ(), inst.Env()...)
		c.Stdout, c.Stderr = &log, &log
		c.WaitDelay = time.Second
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = c.Process.Kill()
			_ = c.Wait()
			if t.Failed() {
				t.Logf("%s: our upsd log:\n%s", name, log.String())
			}
		})
	}
	nutref.WaitPort(t, inst.Addr(), 10*time.Second)

	args := []string{"-F", "-D"}
	if os.Geteuid() == 0 {
		args = append(args, "-u", "root")
	}
	s.mon = exec.Command(upsmonPath, args...)
	s.mon.Env = append(os.Environ(), inst.Env()...)
	s.mon.Stdout, s.mon.Stderr = &s.log, &s.log
	s.mon.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.mon.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.mon.Wait() }()
	t.Cleanup(func() {
		_ = syscall.Kill(-s.mon.Process.Pid, syscall.SIGKILL)
		if t.Failed() {
			t.Logf("%s upsmon log:\n%s", s.name, s.log.String())
		}
	})
	return s
}

func (s *side) lines(t *testing.T) []string {
	b, _ := os.ReadFile(s.calls)
	out := strings.ReplaceAll(string(b), s.inst.Addr(), "ADDR")
	return strings.Split(strings.TrimSpace(out), "\n")
}

// TestInteropSequence: a power sequence played by dummy-ups (a short blip,
// a longer outage, low battery) seen by real upsmon + upssched and by ours,
// each against its own real upsd. The notifications, CMDSCRIPT calls and
// SHUTDOWNCMD must match, except for what NUT fixed after 2.8.0:
//   - "primary-fsd-notify": our primary notifies FSD after setting it (2.8.5).
func TestInteropSequence(t *testing.T) {
	if testing.Short() {
		t.Skip("real-time interop test (~18 s)")
	}
	t.Parallel()
	k := nutref.Require(t)
	ours := ourBin(t)
	var wg sync.WaitGroup
	var real, our, ourUpsd *side
	wg.Add(3)
	go func() { defer wg.Done(); real = newSide(t, k, "real", "", k.Bin("upsmon"), k.Bin("upssched")) }()
	go func() {
		defer wg.Done()
		our = newSide(t, k, "ours", "", filepath.Join(ours, "upsmon"), filepath.Join(ours, "upssched"))
	}()
	// Real upsmon + upssched against our upsd: the same as against real upsd.
	go func() {
		defer wg.Done()
		ourUpsd = newSide(t, k, "real upsmon, our upsd", filepath.Join(ours, "upsd"), k.Bin("upsmon"), k.Bin("upssched"))
	}()
	wg.Wait()
	for _, s := range []*side{real, our, ourUpsd} {
		select {
		case <-s.done:
		case <-time.After(25 * time.Second):
			t.Fatalf("%s upsmon did not shut down", s.name)
		}
	}
	want := real.lines(t)
	for _, other := range []*side{our, ourUpsd} {
		got := other.lines(t)
		// NOTIFYCMD runs in its own process per notification (NUT forks), so
		// what one poll notifies (LOWBATT, SHUTDOWN, their CMDSCRIPT calls)
		// arrives in any order: compare each kind of line as a multiset, and
		// the mains transitions (seconds apart) in order.
		pick := func(lines []string, keep func(string) bool, sorted bool) string {
			var out []string
			for _, l := range lines {
				// Exclusion by name: primary-fsd-notify (NUT 2.8.5 behaviour).
				if keep(l) && !strings.HasPrefix(l, "notify FSD ") {
					out = append(out, l)
				}
			}
			if sorted {
				slices.Sort(out)
			}
			return strings.Join(out, "\n")
		}
		for _, kind := range []string{"notify ", "cmdscript ", "shutdowncmd"} {
			keep := func(l string) bool { return strings.HasPrefix(l, kind) }
			if g, w := pick(got, keep, true), pick(want, keep, true); g != w {
				t.Errorf("%s: %s calls differ\nours:\n%s\nreal NUT:\n%s", other.name, kind, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
		mains := func(l string) bool {
			return strings.HasPrefix(l, "notify ONBATT") || strings.HasPrefix(l, "notify ONLINE")
		}
		if g, w := pick(got, mains, false), pick(want, mains, false); g != w {
			t.Errorf("%s: ONBATT/ONLINE order differs\nours:\n%s\nreal NUT:\n%s", other.name, g, w)
		}
	}
	for _, s := range []*side{real, our, ourUpsd} {
		b, err := os.ReadFile(filepath.Join(s.inst.Dir, "killpower"))
		if err != nil || string(b) != "upsmon-shutdown-file" {
			t.Errorf("%s: POWERDOWNFLAG holds %q (%v)", s.name, b, err)
		}
	}
	t.Logf("real NUT calls:\n%s", strings.Join(want, "\n"))
}

// TestInteropBadConfig: an unknown UPS, a wrong password and an unreachable
// upsd give the same log lines from our upsmon as from real upsmon, and
// neither exits.
func TestInteropBadConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("real-time interop test (~8 s)")
	}
	t.Parallel()
	k := nutref.Require(t)
	ours := ourBin(t)
	inst := k.NewInstance(t)
	inst.WriteFile("ups.conf", "[dummy]\n\tdriver = dummy-ups\n\tport = ok.dev\n")
	inst.WriteFile("ok.dev", "ups.status: OL\n")
	inst.WriteFile("upsd.conf", inst.Listen())
	inst.WriteFile("upsd.users", "[admin]\n\tpassword = pass\n\tupsmon primary\n")
	inst.Start(t, "dummy-ups", "-a", "dummy")
	nutref.WaitSocket(t, inst.DriverSocket("dummy-ups", "dummy"), 10*time.Second)
	inst.Start(t, "upsd")
	nutref.WaitPort(t, inst.Addr(), 10*time.Second)
	inst.WriteFile("upsmon.conf", fmt.Sprintf(`MONITOR %s 0 admin pass secondary
MONITOR %s 0 admin wrong secondary
MONITOR far@127.0.0.1:1 0 admin pass secondary
MINSUPPLIES 0
NOCOMMWARNTIME 1
SHUTDOWNCMD "true"
`, inst.Target("nosuch"), inst.Target("dummy")))

	run := func(path string, alt string) (*exec.Cmd, *bytes.Buffer) {
		var log bytes.Buffer
		args := []string{"-F", "-D"}
		if os.Geteuid() == 0 {
			args = append(args, "-u", "root")
		}
		c := exec.Command(path, args...)
		// Separate PID files so the two do not see each other.
		c.Env = append(append(os.Environ(), inst.Env()...), "NUT_ALTPIDPATH="+alt, "NUT_STATEPATH="+alt)
		c.Stdout, c.Stderr = &log, &log
		c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		c.WaitDelay = 2 * time.Second
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = syscall.Kill(-c.Process.Pid, syscall.SIGKILL) })
		return c, &log
	}
	realCmd, realLog := run(k.Bin("upsmon"), t.TempDir())
	ourCmd, ourLog := run(filepath.Join(ours, "upsmon"), t.TempDir())
	// Two loops: the first (login failures, COMMBAD) and, 5 s later, the
	// second (polls of the unauthenticated connections, NOCOMM).
	time.Sleep(6500 * time.Millisecond)
	for _, c := range []*exec.Cmd{realCmd, ourCmd} {
		if c.ProcessState != nil {
			t.Fatalf("%s exited", c.Path)
		}
		// Real upsmon is two processes (root parent, monitoring child):
		// signal the group.
		_ = syscall.Kill(-c.Process.Pid, syscall.SIGTERM)
		_ = c.Wait()
	}
	addr := inst.Addr()
	want := []string{
		"Login on UPS [nosuch@ADDR] failed - got [ERR UNKNOWN-UPS]",
		"Poll UPS [nosuch@ADDR] failed - [nosuch] does not exist on server 127.0.0.1",
		"Communications with UPS nosuch@ADDR lost",
		"Login on UPS [dummy@ADDR] failed - got [ERR ACCESS-DENIED]",
		"UPS [far@127.0.0.1:1]: connect failed: Connection failure: Connection refused",
		"Communications with UPS far@127.0.0.1:1 lost",
		"UPS far@127.0.0.1:1 is unavailable",
		"Signal 15: exiting",
	}
	for name, log := range map[string]*bytes.Buffer{"real upsmon": realLog, "our upsmon": ourLog} {
		text := strings.ReplaceAll(log.String(), addr, "ADDR")
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: no line %q in\n%s", name, w, text)
			}
		}
	}
}

// TestInteropSecondaries: real primary upsmon, one real and one of our
// secondaries on the same real upsd. On low battery the primary sets FSD;
// both secondaries see it, notify FSD, shut down and log out, and the
// primary stops waiting before HOSTSYNC runs out.
func TestInteropSecondaries(t *testing.T) {
	if testing.Short() {
		t.Skip("real-time interop test (~12 s)")
	}
	t.Parallel()
	k := nutref.Require(t)
	ours := ourBin(t)
	inst := k.NewInstance(t)
	inst.WriteFile("ups.conf", "[dummy]\n\tdriver = dummy-ups\n\tport = power.seq\n\tpollinterval = 1\n")
	inst.WriteFile("power.seq", "ups.status: OL\nTIMER 1\nups.status: OL\nTIMER 6\nups.status: OB DISCHRG LB\nTIMER 60\n")
	inst.WriteFile("upsd.conf", inst.Listen())
	inst.WriteFile("upsd.users", "[admin]\n\tpassword = pass\n\tupsmon primary\n[mon]\n\tpassword = pass\n\tupsmon secondary\n")
	inst.Start(t, "dummy-ups", "-a", "dummy")
	nutref.WaitSocket(t, inst.DriverSocket("dummy-ups", "dummy"), 10*time.Second)
	inst.Start(t, "upsd")
	nutref.WaitPort(t, inst.Addr(), 10*time.Second)

	type mon struct {
		name, dir string
		cmd       *exec.Cmd
		log       bytes.Buffer
		done      chan error
	}
	start := func(name, bin, role string) *mon {
		m := &mon{name: name, dir: t.TempDir(), done: make(chan error, 1)}
		calls := filepath.Join(m.dir, "calls.log")
		notify := filepath.Join(m.dir, "notify.sh")
		if err := os.WriteFile(notify, []byte(fmt.Sprintf("#!/bin/sh\necho \"notify $NOTIFYTYPE\" >> %s\n", calls)), 0o755); err != nil {
			t.Fatal(err)
		}
		user := "mon"
		if role == "primary" {
			user = "admin"
		}
		cfg := fmt.Sprintf(`MONITOR %s 1 %s pass %s
POLLFREQ 1
POLLFREQALERT 1
HOSTSYNC 10
FINALDELAY 1
NOTIFYCMD %s
SHUTDOWNCMD "echo shutdowncmd >> %s"
POWERDOWNFLAG %s
NOTIFYFLAG ONBATT EXEC
NOTIFYFLAG LOWBATT EXEC
NOTIFYFLAG FSD EXEC
NOTIFYFLAG SHUTDOWN EXEC
`, inst.Target("dummy"), user, role, notify, calls, filepath.Join(m.dir, "killpower"))
		if err := os.WriteFile(filepath.Join(m.dir, "upsmon.conf"), []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		args := []string{"-F", "-D"}
		if os.Geteuid() == 0 {
			args = append(args, "-u", "root")
		}
		m.cmd = exec.Command(bin, args...)
		m.cmd.Env = append(append(os.Environ(), inst.Env()...), "NUT_CONFPATH="+m.dir, "NUT_STATEPATH="+m.dir, "NUT_ALTPIDPATH="+m.dir)
		m.cmd.Stdout, m.cmd.Stderr = &m.log, &m.log
		m.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		m.cmd.WaitDelay = 2 * time.Second
		if err := m.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { m.done <- m.cmd.Wait() }()
		t.Cleanup(func() {
			_ = syscall.Kill(-m.cmd.Process.Pid, syscall.SIGKILL)
			if t.Failed() {
				t.Logf("%s log:\n%s", m.name, m.log.String())
			}
		})
		return m
	}
	primary := start("real primary", k.Bin("upsmon"), "primary")
	realSec := start("real secondary", k.Bin("upsmon"), "secondary")
	ourSec := start("our secondary", filepath.Join(ours, "upsmon"), "secondary")
	for _, m := range []*mon{ourSec, realSec, primary} {
		select {
		case <-m.done:
		case <-time.After(25 * time.Second):
			t.Fatalf("%s did not shut down", m.name)
		}
	}
	read := func(m *mon) string {
		b, _ := os.ReadFile(filepath.Join(m.dir, "calls.log"))
		l := strings.Split(strings.TrimSpace(string(b)), "\n")
		slices.Sort(l)
		return strings.Join(l, "\n")
	}
	if g, w := read(ourSec), read(realSec); g != w {
		t.Errorf("secondaries differ\nours:\n%s\nreal:\n%s", g, w)
	}
	if !strings.Contains(read(ourSec), "notify FSD") || !strings.Contains(read(ourSec), "shutdowncmd") {
		t.Errorf("our secondary did not follow the FSD:\n%s", read(ourSec))
	}
	if strings.Contains(primary.log.String(), "Host sync timer expired") {
		t.Errorf("the primary waited out HOSTSYNC: a secondary did not log out")
	}
	for _, m := range []*mon{ourSec, realSec} {
		if b, err := os.ReadFile(filepath.Join(m.dir, "killpower")); err != nil || string(b) != "upsmon-shutdown-file" {
			t.Errorf("%s: POWERDOWNFLAG %q %v", m.name, b, err)
		}
	}
	t.Logf("secondary calls:\n%s", read(realSec))
}
