// Package replay plays a power-event scenario through the lab (simulator,
// driver, upsd, upsmon, upssched on one virtual clock) with a NUT
// configuration, and reports the timeline, a summary and the scenario's
// expectations. It is `upslab replay` and `upslab demo`.
package replay

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/upslab/upslab/lab"
	"github.com/upslab/upslab/scenarios"
	"github.com/upslab/upslab/simulator"
	"github.com/upslab/upslab/simulator/script"
	"github.com/upslab/upslab/stack/conf"
	"github.com/upslab/upslab/stack/upsmon"
)

// Options configure a replay.
type Options struct {
	// ConfigDir holds NUT files: upsmon.conf (required), upssched.conf,
	// upsd.users, ups.conf, and hosts/<name>/upsmon.conf (+ upssched.conf)
	// for secondary hosts. Empty means the shipped scenarios/config.
	ConfigDir string
	// Seed for the simulated devices and the script's jitter.
	Seed int64
	// Tail is how long the replay goes on after the script's last event
	// (5 minutes if zero).
	Tail time.Duration
	// Until, if positive, stops the replay at this simulated time.
	Until time.Duration
	// KillPowerAfter is when, after SHUTDOWNCMD with POWERDOWNFLAG, the
	// host's shutdown kills the UPS power (driver -k); 15 s if zero,
	// negative for never.
	KillPowerAfter time.Duration
	// Model is the simulator profile of the units (ellipse-eco-650).
	Model string
}

// Expectation is one `expect` line and its outcome.
type Expectation struct {
	At   time.Duration
	Line string // the expect words
	Pos  string // file:line:col
	OK   bool
	Why  string // what differed, when not OK
}

// Result is a finished replay.
type Result struct {
	Lab          *lab.Lab
	Simulated    time.Duration
	Wall         time.Duration
	Expectations []Expectation
}

// Failed reports whether an expectation failed.
func (r *Result) Failed() bool {
	for _, e := range r.Expectations {
		if !e.OK {
			return true
		}
	}
	return false
}

// Run replays the script named name (its source in src).
func Run(name string, src []byte, o Options) (*Result, error) {
	sc, err := script.Parse(name, src)
	if err != nil {
		return nil, err
	}
	files, hosts, err := loadConfig(o.ConfigDir)
	if err != nil {
		return nil, err
	}
	units, err := unitsFor(files, hosts, o.Model)
	if err != nil {
		return nil, err
	}
	kp := o.KillPowerAfter
	if kp == 0 {
		kp = 15 * time.Second
	}
	l, err := lab.New(lab.Options{Seed: o.Seed, Units: units, Hosts: hosts, UpsdFiles: files, KillPowerAfter: kp})
	if err != nil {
		return nil, err
	}
	res := &Result{Lab: l}
	target := l.Units()[0]
	events, err := sc.Events(uint64(o.Seed))
	if err != nil {
		l.Close()
		return nil, err
	}
	var end time.Duration
	if n := len(events); n > 0 {
		end = events[n-1].At
	}
	tail := o.Tail
	if tail <= 0 {
		tail = 5 * time.Minute
	}
	end += tail
	if o.Until > 0 {
		end = o.Until
	}
	r := &script.Runner{Clock: l.Clock, Target: target.Device, Seed: uint64(o.Seed),
		OnApply: func(e script.Event, err error) {
			ev := lab.Event{Kind: lab.KindDevice, UPS: target.Name, Type: e.Cmd.String()}
			if err != nil {
				ev.Message = "refused: " + err.Error()
			}
			l.Record(ev)
		},
		OnExpect: func(e script.Event) {
			x := evaluate(l, target, e.Cmd)
			x.At = l.Now()
			x.Pos = e.Cmd.Pos.String()
			res.Expectations = append(res.Expectations, x)
			msg := "ok"
			if !x.OK {
				msg = "FAILED: " + x.Why
			}
			l.Record(lab.Event{Kind: lab.KindExpect, Type: x.Line, Message: msg})
		}}
	wall := time.Now()
	if _, err := r.Start(sc); err != nil {
		l.Close()
		return nil, err
	}
	l.Run(end)
	res.Wall = time.Since(wall)
	res.Simulated = l.Now()
	return res, nil
}

// loadConfig reads the NUT files of the primary host and the secondary
// hosts.
func loadConfig(dir string) (map[string]string, []lab.HostSpec, error) {
	var fsys fs.FS
	if dir == "" {
		sub, err := fs.Sub(scenarios.FS, "config")
		if err != nil {
			return nil, nil, err
		}
		fsys = sub
	} else {
		fsys = os.DirFS(dir)
	}
	read := func(name string) (string, bool, error) {
		b, err := fs.ReadFile(fsys, name)
		if errors.Is(err, fs.ErrNotExist) {
			return "", false, nil
		}
		if err != nil {
			return "", false, err
		}
		return string(b), true, nil
	}
	files := map[string]string{}
	for _, n := range []string{"upsmon.conf", "upssched.conf", "upsd.users", "ups.conf", "upsd.conf"} {
		s, ok, err := read(n)
		if err != nil {
			return nil, nil, err
		}
		if ok {
			files[n] = s
		}
	}
	if _, ok := files["upsmon.conf"]; !ok {
		return nil, nil, fmt.Errorf("%s: no upsmon.conf", filepath.Join(dir, "upsmon.conf"))
	}
	primary := map[string]string{"upsmon.conf": files["upsmon.conf"]}
	if s, ok := files["upssched.conf"]; ok {
		primary["upssched.conf"] = s
	}
	hosts := []lab.HostSpec{{Name: "primary", Files: primary}}
	entries, _ := fs.ReadDir(fsys, "hosts")
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		f := map[string]string{}
		for _, n := range []string{"upsmon.conf", "upssched.conf"} {
			s, ok, err := read("hosts/" + e.Name() + "/" + n)
			if err != nil {
				return nil, nil, err
			}
			if ok {
				f[n] = s
			}
		}
		if _, ok := f["upsmon.conf"]; ok {
			hosts = append(hosts, lab.HostSpec{Name: e.Name(), Files: f})
		}
	}
	return files, hosts, nil
}

// unitsFor names the simulated units: the sections of ups.conf, else the
// UPS names of the MONITOR lines.
func unitsFor(files map[string]string, hosts []lab.HostSpec, model string) ([]lab.UnitSpec, error) {
	var units []lab.UnitSpec
	if s, ok := files["ups.conf"]; ok {
		uc, _, err := conf.ParseUPSConf(strings.NewReader(s), "ups.conf")
		if err != nil {
			return nil, err
		}
		for _, u := range uc.UPS {
			units = append(units, lab.UnitSpec{Name: u.Name, Model: model, Desc: u.Desc})
		}
	}
	if len(units) > 0 {
		return units, nil
	}
	seen := map[string]bool{}
	for _, h := range hosts {
		cfg, _, err := upsmon.Parse("upsmon.conf", []byte(h.Files["upsmon.conf"]))
		if err != nil {
			return nil, fmt.Errorf("host %s: %w", h.Name, err)
		}
		for _, m := range cfg.Monitors {
			if !seen[m.UPS] {
				seen[m.UPS] = true
				units = append(units, lab.UnitSpec{Name: m.UPS, Model: model})
			}
		}
	}
	if len(units) == 0 {
		return nil, errors.New("no UPS: upsmon.conf has no MONITOR line and there is no ups.conf")
	}
	return units, nil
}

// evaluate checks one expect line against what NUT reports (the driver's
// state as upsd serves it) and what upsmon did.
func evaluate(l *lab.Lab, u *lab.Unit, c script.Command) Expectation {
	x := Expectation{Line: strings.Join(c.Args, " ")}
	fail := func(f string, a ...any) Expectation { x.Why = fmt.Sprintf(f, a...); return x }
	a := c.Args
	if len(a) == 0 {
		return fail("empty expectation")
	}
	primary := l.Hosts()[0]
	switch strings.ToLower(a[0]) {
	case "status":
		if u.Table.Stale() {
			return fail("the driver's data is stale: upsd answers ERR DATA-STALE (use sim.status for the device's own status)")
		}
		got := u.Status()
		if !sameStatus(got, a[1:]) {
			return fail("ups.status is %q", got)
		}
	case "shutdown":
		if !primary.ShutDown {
			return fail("the host has not shut down")
		}
	case "no":
		if len(a) == 2 && a[1] == "shutdown" {
			if primary.ShutDown {
				return fail("the host shut down at %s", lab.FormatAt(primary.ShutdownAt))
			}
			break
		}
		return fail("unknown expectation")
	case "notify", "cmdscript", "timer":
		kind := map[string]lab.Kind{"notify": lab.KindNotify, "cmdscript": lab.KindCmdScript, "timer": lab.KindTimerFire}[strings.ToLower(a[0])]
		if len(a) < 2 {
			return fail("expected %s NAME [COUNT]", a[0])
		}
		n := len(lab.Filter(l.Events(), kind, primary.Name, "", a[1]))
		if len(a) == 2 {
			if n == 0 {
				return fail("no %s %s so far", a[0], a[1])
			}
			break
		}
		want, err := strconv.Atoi(a[2])
		if err != nil {
			return fail("bad count %q", a[2])
		}
		if n != want {
			return fail("%d × %s %s so far", n, a[0], a[1])
		}
	case "output":
		if err := simulator.Expect(u.Device.State(), a); err != nil {
			return fail("%v", err)
		}
	default:
		// The simulator's own quantities, and variables the driver does
		// not publish (the ECO reports no input.voltage), are read from
		// the device.
		if _, published := u.Table.Get(a[0]); strings.HasPrefix(a[0], "sim.") || !published {
			if err := simulator.Expect(u.Device.State(), a); err != nil {
				return fail("%v", err)
			}
			break
		}
		op, want := "=", ""
		switch len(a) {
		case 2:
			want = a[1]
		case 3:
			op, want = a[1], a[2]
		default:
			return fail("expected NAME [OP] VALUE")
		}
		if u.Table.Stale() {
			return fail("the driver's data is stale: upsd answers ERR DATA-STALE")
		}
		got, _ := u.Table.Get(a[0])
		if !compare(got, op, want) {
			return fail("%s is %s", a[0], got)
		}
	}
	x.OK = true
	return x
}

// sameStatus compares status words as sets. CHRG and DISCHRG, which NUT
// 2.8.0 does not show for the ECO and we do (as NUT ≥ 2.8.3), and the
// ALARM prefix count only when the expectation names them.
func sameStatus(got string, want []string) bool {
	g := strings.Fields(got)
	optional := []string{"CHRG", "DISCHRG", "ALARM"}
	for _, w := range g {
		if !slices.Contains(want, w) && !slices.Contains(optional, w) {
			return false
		}
	}
	for _, w := range want {
		if !slices.Contains(g, w) {
			return false
		}
	}
	return true
}

func compare(got, op, want string) bool {
	gf, err1 := strconv.ParseFloat(got, 64)
	wf, err2 := strconv.ParseFloat(strings.TrimRight(want, "%sVW"), 64)
	if err1 == nil && err2 == nil {
		switch op {
		case "=":
			return gf == wf
		case "!=":
			return gf != wf
		case "<":
			return gf < wf
		case "<=":
			return gf <= wf
		case ">":
			return gf > wf
		case ">=":
			return gf >= wf
		}
		return false
	}
	switch op {
	case "=":
		return got == want
	case "!=":
		return got != want
	}
	return false
}

// Summary is the one-line summary: simulated and wall time, the
// notifications, the timers fired and whether and when the host shut down.
func (r *Result) Summary() string {
	l := r.Lab
	count := func(kind lab.Kind) string {
		n := map[string]int{}
		var order []string
		for _, e := range l.Events() {
			if e.Kind == kind {
				if n[e.Type] == 0 {
					order = append(order, e.Type)
				}
				n[e.Type]++
			}
		}
		if len(order) == 0 {
			return "none"
		}
		var parts []string
		for _, t := range order {
			parts = append(parts, fmt.Sprintf("%s×%d", t, n[t]))
		}
		return strings.Join(parts, " ")
	}
	shut := "the host did not shut down"
	var down []string
	for _, h := range l.Hosts() {
		if h.ShutDown {
			down = append(down, fmt.Sprintf("%s at %s", h.Name, lab.FormatAt(h.ShutdownAt)))
		}
	}
	sort.Strings(down)
	if len(down) > 0 {
		shut = "shut down: " + strings.Join(down, ", ")
	}
	exp := ""
	if n := len(r.Expectations); n > 0 {
		failed := 0
		for _, e := range r.Expectations {
			if !e.OK {
				failed++
			}
		}
		exp = fmt.Sprintf("; expectations: %d/%d ok", n-failed, n)
	}
	return fmt.Sprintf("simulated %s in %s: notifications %s; timers fired: %s; %s%s",
		r.Simulated, r.Wall.Round(time.Microsecond), count(lab.KindNotify), count(lab.KindTimerFire), shut, exp)
}
