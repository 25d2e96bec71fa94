package faithful

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upslab/upslab/features"
	"github.com/upslab/upslab/internal/nutref"
	"github.com/upslab/upslab/lab"
	"github.com/upslab/upslab/stack/upsmon"
)

// procBackend runs a features/ scenario as real processes in real time:
// our usbhid-ups (port=sim, the simulated Ellipse ECO 650, driven through
// simcontrol), our upsd, and upsmon + upssched, ours or real NUT 2.8.0's.
// The scenario's own upsmon.conf and upssched.conf are used, with the
// places mapped to the rig (mapUpsmonConf, mapUpsschedConf).
//
// What it sees: NOTIFYCMD calls (so the notifications whose NOTIFYFLAG has
// EXEC, with their message and UPSNAME), CMDSCRIPT calls, SHUTDOWNCMD,
// POWERDOWNFLAG, and ups.status as upsd serves it (polled every 100 ms:
// status changes, FSD, the output cut). What it cannot see, and the steps
// leave unchecked (features.Backend.Observes): upssched's timer
// start/cancel and its daemon's exit (internal to upssched), syslog and
// wall routing (the real daemons write to the system's syslog and
// terminals), daemon log lines. It supports one UPS and one host.
type procBackend struct {
	t    *testing.T
	kit  *nutref.Kit
	impl Impl // upsmon and upssched
	r    *Rig
	ups  string
	// unitSpec and execs are what the run did, for replayInLab.
	unitSpec lab.UnitSpec
	execs    []execAt
	// exec says which notify types go to NOTIFYCMD.
	exec map[string]bool
	// cursor is the scenario's schedule: Pass waits until Started+cursor,
	// so that waits do not add up process latency.
	cursor time.Duration

	mu     sync.Mutex
	status []lab.Event
	done   chan struct{}
}

func newProcBackend(t *testing.T, kit *nutref.Kit, impl Impl) *procBackend {
	return &procBackend{t: t, kit: kit, impl: impl, exec: map[string]bool{}}
}

// Jitter: upsmon forks one process per notification, so the
// notifications of one poll reach the recorder in either order
// (daemons.md §8.3).
func (b *procBackend) Jitter() time.Duration { return 500 * time.Millisecond }

// Logf tells the test log which assertions went unchecked.
func (b *procBackend) Logf(format string, args ...any) { b.t.Logf(format, args...) }

func (b *procBackend) Start(s features.Setup) error {
	if len(s.Units) != 1 || len(s.Hosts) != 1 {
		return fmt.Errorf("process backend: one UPS and one host only (got %d and %d)", len(s.Units), len(s.Hosts))
	}
	u := s.Units[0]
	if u.Model != "" && u.Model != "ellipse-eco-650" {
		return fmt.Errorf("process backend: port=sim simulates an ellipse-eco-650, not %s", u.Model)
	}
	b.ups, b.unitSpec = u.Name, u
	files := map[string]string{
		"ups.conf":    fmt.Sprintf("[%s]\n\tdriver = usbhid-ups\n\tport = sim\n\tsimcontrol = {SIMCTL}\n", u.Name),
		"upsd.conf":   "LISTEN 127.0.0.1 {PORT}\n",
		"upsd.users":  "[upsmon]\n\tpassword = secret\n\tupsmon primary\n",
		"upsmon.conf": b.mapUpsmonConf(s.Hosts[0].Files["upsmon.conf"]),
	}
	if c, ok := s.Hosts[0].Files["upssched.conf"]; ok {
		files["upssched.conf"] = mapUpsschedConf(c)
	}
	r := NewRig(b.t, b.kit, Setup{Name: string(b.impl) + " upsmon+upssched", UPS: u.Name,
		Driver: Ours, Upsd: Ours, Upsmon: b.impl, Upssched: b.impl, Files: files})
	b.r = r
	// A NOTIFYCMD that only records, for scenarios without upssched.
	notify := fmt.Sprintf("#!/bin/sh\nprintf '%%s\\t%%s\\t%%s\\t%%s\\t%%s\\n' \"$(date +%%s.%%N)\" notify \"$*\" \"$UPSNAME\" \"$NOTIFYTYPE\" >> %s\n", r.log)
	if err := os.WriteFile(filepath.Join(r.Dir, "bin", "notify"), []byte(notify), 0o755); err != nil {
		return err
	}
	r.StartStack("OL")
	setup := u.Setup
	if u.Load > 0 {
		setup = append([]string{fmt.Sprintf("load %d%%", u.Load)}, setup...)
	}
	for _, c := range setup {
		if err := r.Sim(c); err != nil {
			return err
		}
	}
	r.StartMonitor()
	b.done = make(chan struct{})
	stopped := make(chan struct{})
	go b.pollStatus(stopped)
	// Before the rig's own cleanup (cleanups run last first).
	b.t.Cleanup(func() { close(b.done); <-stopped })
	return nil
}

// mapUpsmonConf puts the scenario's upsmon.conf on the rig: MONITOR
// ups@localhost → upsd's address, NOTIFYCMD → the recording wrapper of
// upssched (or a plain recorder), SHUTDOWNCMD → the recorder (always: a
// real upsmon without one would run /sbin/shutdown), POWERDOWNFLAG → the
// rig's directory. It notes which notify types go to NOTIFYCMD.
func (b *procBackend) mapUpsmonConf(conf string) string {
	var out []string
	notifyCmd := false
	for _, line := range strings.Split(conf, "\n") {
		f := strings.Fields(line)
		if len(f) > 0 {
			switch strings.ToUpper(f[0]) {
			case "NOTIFYCMD":
				notifyCmd = true
				line = "NOTIFYCMD {BIN}/notify"
				if len(f) > 1 && filepath.Base(strings.Trim(f[1], `"`)) == "upssched" {
					line = "NOTIFYCMD {BIN}/upssched"
				}
			case "SHUTDOWNCMD":
				continue
			case "POWERDOWNFLAG":
				line = "POWERDOWNFLAG {DIR}/killpower"
			case "NOTIFYFLAG":
				if len(f) > 2 {
					fl := strings.Split(strings.ToUpper(f[2]), "+")
					b.exec[strings.ToUpper(f[1])] = contains(fl, "EXEC") && !contains(fl, "IGNORE")
				}
			}
		}
		out = append(out, strings.ReplaceAll(line, "@localhost", "@{ADDR}"))
	}
	if !notifyCmd {
		b.exec = map[string]bool{}
	}
	out = append(out, `SHUTDOWNCMD "{BIN}/shutdown"`)
	return strings.Join(out, "\n") + "\n"
}

// mapUpsschedConf puts a scenario's upssched.conf on the rig: CMDSCRIPT →
// the recorder, PIPEFN and LOCKFN → the rig's state directory, per-UPS AT
// lines → upsd's address.
func mapUpsschedConf(conf string) string {
	var out []string
	for _, line := range strings.Split(conf, "\n") {
		f := strings.Fields(line)
		if len(f) > 0 {
			switch strings.ToUpper(f[0]) {
			case "CMDSCRIPT":
				line = "CMDSCRIPT {BIN}/upssched-cmd"
			case "PIPEFN":
				line = "PIPEFN {STATE}/upssched.pipe"
			case "LOCKFN":
				line = "LOCKFN {STATE}/upssched.lock"
			}
		}
		out = append(out, strings.ReplaceAll(line, "@localhost", "@{ADDR}"))
	}
	return strings.Join(out, "\n") + "\n"
}

func contains(s []string, w string) bool {
	for _, x := range s {
		if x == w {
			return true
		}
	}
	return false
}

// pollStatus records ups.status as upsd serves it, every 100 ms, in the
// lab's terms: status changes, FSD set, the output cut and restored.
func (b *procBackend) pollStatus(stopped chan struct{}) {
	defer close(stopped)
	last := ""
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-b.done:
			return
		case <-tick.C:
		}
		st := b.r.Status()
		if st == "" || st == last {
			continue
		}
		at := time.Since(b.r.Started)
		evs := []lab.Event{{At: at, Kind: lab.KindStatus, UPS: b.ups, Type: st}}
		if hasWord(st, "FSD") && !hasWord(last, "FSD") {
			evs = append(evs, lab.Event{At: at, Kind: lab.KindFSD, Host: "primary", UPS: b.ups})
		}
		if hasWord(st, "OFF") != hasWord(last, "OFF") {
			k := lab.KindOutputOff
			if !hasWord(st, "OFF") {
				k = lab.KindOutputOn
			}
			if last != "" || k == lab.KindOutputOff {
				evs = append(evs, lab.Event{At: at, Kind: k, UPS: b.ups})
			}
		}
		b.mu.Lock()
		b.status = append(b.status, evs...)
		b.mu.Unlock()
		last = st
	}
}

func hasWord(s, w string) bool { return contains(strings.Fields(s), w) }

func (b *procBackend) unit(ups string) error {
	if ups != "" && ups != b.ups {
		return fmt.Errorf("process backend: no UPS %q", ups)
	}
	return nil
}

func (b *procBackend) Exec(ups, cmd string) error {
	if err := b.unit(ups); err != nil {
		return err
	}
	// simcontrol reads the lab's script language ("cable replug").
	b.execs = append(b.execs, execAt{b.Now(), cmd})
	return b.r.Sim(cmd)
}

func (b *procBackend) Pass(d time.Duration) error {
	if now := b.Now(); b.cursor < now-time.Second {
		b.cursor = now
	}
	b.cursor += d
	waitUntilTime(b.r.Started.Add(b.cursor))
	return nil
}

// maxRealWait bounds a RunUntil in real time (a scenario asks for up to
// 12 simulated hours).
const maxRealWait = 60 * time.Second

func (b *procBackend) RunUntil(cond func() bool, limit time.Duration) (bool, error) {
	limit = min(limit, maxRealWait)
	deadline := time.Now().Add(limit)
	ok := cond()
	for !ok && time.Now().Before(deadline) {
		waitUntilTime(time.Now().Add(50 * time.Millisecond))
		ok = cond()
	}
	b.cursor = b.Now()
	return ok, nil
}

func (b *procBackend) Now() time.Duration { return time.Since(b.r.Started) }

// Events converts the recorded calls into the lab's terms, with upsd's
// address put back as "localhost".
func (b *procBackend) Events() []lab.Event {
	unmap := func(s string) string { return strings.ReplaceAll(s, b.r.Addr(), "localhost") }
	var out []lab.Event
	for _, e := range b.r.Events() {
		switch e.Kind {
		case "notify":
			out = append(out,
				lab.Event{At: e.At, Kind: lab.KindNotify, Host: "primary", UPS: unmap(e.UPS), Type: e.Type, Message: unmap(e.Args), Flags: "EXEC"},
				lab.Event{At: e.At, Kind: lab.KindNotifyCmd, Host: "primary", UPS: unmap(e.UPS), Type: e.Type, Message: unmap(e.Args)})
		case "cmdscript":
			out = append(out, lab.Event{At: e.At, Kind: lab.KindCmdScript, Host: "primary", UPS: unmap(e.UPS), Type: e.Args})
		case "shutdown":
			out = append(out, lab.Event{At: e.At, Kind: lab.KindShutdown, Host: "primary"})
		}
	}
	b.mu.Lock()
	out = append(out, b.status...)
	b.mu.Unlock()
	sort.SliceStable(out, func(i, j int) bool { return out[i].At < out[j].At })
	return out
}

func (b *procBackend) Host(name string) (features.HostState, error) {
	if name != "primary" {
		return features.HostState{}, fmt.Errorf("process backend: no host %q", name)
	}
	var h features.HostState
	if sd := pick(b.r.Events(), "shutdown"); len(sd) > 0 {
		h.ShutDown, h.ShutdownAt = true, sd[0].At
	}
	_, err := os.Stat(filepath.Join(b.r.Dir, "killpower"))
	h.PowerDownFlag = err == nil
	return h, nil
}

func (b *procBackend) Charge(ups string) (int, error) {
	if err := b.unit(ups); err != nil {
		return 0, err
	}
	v, err := b.getVar("battery.charge")
	if err != nil {
		return 0, err
	}
	var c int
	_, err = fmt.Sscanf(v, "%d", &c)
	return c, err
}

func (b *procBackend) OutputOn(ups string) (bool, error) {
	if err := b.unit(ups); err != nil {
		return false, err
	}
	return !hasWord(b.r.Status(), "OFF"), nil
}

// KillPower and Command would need upsdrvctl shutdown and upsmon -c on the
// processes; no @realtime scenario uses them.
func (b *procBackend) KillPower(string) error {
	return fmt.Errorf("process backend: killing UPS power is not supported")
}

func (b *procBackend) Command(string, upsmon.CommandKind) error {
	return fmt.Errorf("process backend: upsmon -c is not supported")
}

func (b *procBackend) Observes(kind lab.Kind, typ string) bool {
	switch kind {
	case lab.KindNotify:
		return typ == "" || b.exec[typ]
	case lab.KindNotifyCmd, lab.KindCmdScript, lab.KindShutdown, lab.KindStatus, lab.KindFSD,
		lab.KindOutputOff, lab.KindOutputOn, lab.KindPowerdown:
		return true
	}
	return false
}

// Close replays the run in the lab and compares the calls (replayInLab);
// the rig stops its processes at the test's cleanup.
func (b *procBackend) Close() {
	if b.r == nil || b.t.Failed() {
		return
	}
	if err := b.replayInLab(b.Now()); err != nil {
		b.t.Errorf("the lab replay of this run disagrees: %v", err)
	}
}

// getVar asks upsd for one variable of the UPS.
func (b *procBackend) getVar(name string) (string, error) {
	c, err := net.DialTimeout("tcp", b.r.Addr(), time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	fmt.Fprintf(c, "GET VAR %s %s\n", b.ups, name)
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "", err
	}
	v, ok := strings.CutPrefix(strings.TrimSpace(line), fmt.Sprintf("VAR %s %s ", b.ups, name))
	if !ok {
		return "", fmt.Errorf("GET VAR %s: %s", name, strings.TrimSpace(line))
	}
	return strings.Trim(v, `"`), nil
}

// waitUntilTime waits for a moment of the scenario's own schedule:
// wall-clock time is what a real-time run is about, not a guess at how
// long something takes.
func waitUntilTime(at time.Time) {
	if d := time.Until(at); d > 0 {
		<-time.After(d)
	}
}
