// Package lab wires a whole UPS setup in one process on one virtual clock:
// simulated Ellipse ECO units (simulator + HID view + USB device), our
// driver on each (the MGE subdriver over the simulator's USB level, with the
// same control transfers as on real hardware), upsd (in memory, the same
// dispatcher as on the network), and one or more hosts running upsmon (the
// same state machine as the daemon) with upssched as NOTIFYCMD.
//
// It records one timeline of events — device changes, ups.status changes,
// notifications, upssched timers, CMDSCRIPT runs, FSD, SHUTDOWNCMD,
// POWERDOWNFLAG, the UPS cutting and restoring its output — that the
// Gherkin steps, `upslab replay` and tests read. Its configuration is NUT's
// own files, so what is proven is what a user deploys.
//
// Time is virtual: hours of power failure run in milliseconds and give the
// same timeline on every run for the same seed. A Lab is not safe for
// concurrent use; everything runs in the goroutine that calls Run.
package lab

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/upslab/upslab/drivers/driver"
	"github.com/upslab/upslab/drivers/mge"
	"github.com/upslab/upslab/drivers/usb"
	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/simulator"
	"github.com/upslab/upslab/simulator/hidview"
	"github.com/upslab/upslab/simulator/script"
	"github.com/upslab/upslab/simulator/usbdev"
	"github.com/upslab/upslab/stack/dstate"
	"github.com/upslab/upslab/stack/upsd"
)

// UnitSpec describes one simulated UPS.
type UnitSpec struct {
	// Name is the UPS name in ups.conf and upsd ("eaton").
	Name string
	// Model is a built-in simulator profile ("ellipse-eco-650", the
	// default); Profile, if set, wins.
	Model   string
	Profile *simulator.Profile
	// Load is the load in % of the rating at start (0: the profile's).
	Load int
	// Desc is ups.conf's desc.
	Desc string
	// Setup are script commands applied before the lab starts (e.g.
	// "battery health 40%").
	Setup []string
}

// HostSpec describes a host that runs upsmon (and upssched).
type HostSpec struct {
	// Name is the host name in the timeline ("primary" for the first).
	Name string
	// Files are its NUT configuration files by name: upsmon.conf and
	// optionally upssched.conf.
	Files map[string]string
}

// Options configure a Lab.
type Options struct {
	// Seed makes the simulated devices' randomness repeatable.
	Seed int64
	// Start is the simulated wall time at the start (clock.Epoch if zero).
	Start time.Time
	// Units are the simulated UPS units; at least one.
	Units []UnitSpec
	// Hosts run upsmon; the first is the one that runs upsd too. Files
	// common to the upsd side (upsd.users, upsd.conf) are in UpsdFiles.
	Hosts []HostSpec
	// UpsdFiles are upsd.users (and upsd.conf) contents; without
	// upsd.users the lab accepts every MONITOR user/password.
	UpsdFiles map[string]string
	// SampleEvery is the plot's sampling period (10 s if zero).
	SampleEvery time.Duration
	// KillPowerAfter, when positive, makes each host that ran SHUTDOWNCMD
	// with POWERDOWNFLAG set kill the power of the UPSes it is primary for
	// this long afterwards, as the end of a real shutdown does (NUT's
	// `upsdrvctl shutdown`, i.e. the driver's -k).
	KillPowerAfter time.Duration
	// Driver tunes the drivers' loop (pollinterval, pollfreq).
	Driver driver.Options
}

// Lab is a running setup.
type Lab struct {
	// Clock is the lab's virtual clock.
	Clock *clock.Virtual
	// Upsd is the in-memory upsd all hosts talk to.
	Upsd *upsd.Server

	opts      Options
	start     time.Time
	units     []*Unit
	hosts     []*Host
	events    []Event
	listeners []func(Event)
	upsdDown  bool
	sample    clock.Timer
}

// Unit is one simulated UPS with its driver.
type Unit struct {
	Name   string
	Device *simulator.Device
	View   *hidview.View
	Driver *driver.Driver
	Table  *dstate.Table

	lab      *Lab
	status   string
	outputOn bool
	series   Series
}

// New builds and starts a lab: devices, drivers (init walk done), upsd and
// the hosts' upsmon, all at the start time. Nothing runs until Run.
func New(o Options) (*Lab, error) {
	if len(o.Units) == 0 {
		return nil, errors.New("lab: no UPS unit")
	}
	start := o.Start
	if start.IsZero() {
		start = clock.Epoch
	}
	if o.SampleEvery <= 0 {
		o.SampleEvery = 10 * time.Second
	}
	clk := clock.NewVirtual(start)
	l := &Lab{Clock: clk, opts: o, start: start}
	l.Upsd = upsd.New(clk)
	l.Upsd.Logf = func(f string, a ...any) { l.record(Event{Kind: KindLog, Host: "upsd", Message: fmt.Sprintf(f, a...)}) }
	for i, spec := range o.Units {
		u, err := l.newUnit(spec, o.Seed+int64(i))
		if err != nil {
			return nil, err
		}
		l.units = append(l.units, u)
	}
	if err := l.configureUpsd(); err != nil {
		return nil, err
	}
	l.Upsd.Start()
	for i, hs := range o.Hosts {
		h, err := l.newHost(hs, i == 0)
		if err != nil {
			return nil, err
		}
		l.hosts = append(l.hosts, h)
	}
	for _, h := range l.hosts {
		h.start()
	}
	l.takeSamples()
	return l, nil
}

func (l *Lab) newUnit(spec UnitSpec, seed int64) (*Unit, error) {
	if spec.Name == "" {
		return nil, errors.New("lab: a UPS unit needs a name")
	}
	p := spec.Profile
	if p == nil {
		model := spec.Model
		if model == "" {
			model = "ellipse-eco-650"
		}
		var ok bool
		if p, ok = simulator.Builtin(model); !ok {
			return nil, fmt.Errorf("lab: unknown model %q (built in: %s)", model, strings.Join(simulator.Builtins(), ", "))
		}
	}
	dev := simulator.New(l.Clock, p, seed)
	u := &Unit{Name: spec.Name, Device: dev, lab: l, Table: &dstate.Table{}}
	u.series.UPS = spec.Name
	if spec.Load > 0 {
		if err := dev.Exec(fmt.Sprintf("load %d%%", spec.Load)); err != nil {
			return nil, fmt.Errorf("lab: unit %s: %w", spec.Name, err)
		}
	}
	for _, c := range spec.Setup {
		if err := dev.Exec(c); err != nil {
			return nil, fmt.Errorf("lab: unit %s: %q: %w", spec.Name, c, err)
		}
	}
	u.View = hidview.New(dev)
	u.View.SetClock(l.Clock)
	hid, err := usb.NewHID(usbdev.New(u.View))
	if err != nil {
		return nil, fmt.Errorf("lab: unit %s: opening the simulated USB device: %w", spec.Name, err)
	}
	dev.OnChange(u.deviceChanged)
	u.outputOn = dev.State().OutputOn
	// shutdown.return pauses 125 ms between its two writes. The lab runs
	// commands inside clock callbacks, where a Sleep on the virtual clock
	// would wait for ever, so both writes happen at the same simulated
	// instant; the simulator starts each countdown from its own write, so
	// nothing observable changes.
	// PollInterval: a report read stays fresh for one driver poll, as the
	// usbhid-ups command passes it (found by tests/faithful: without it a
	// 1 s pollinterval saw a pulled cable one poll late).
	sd := mge.New(&simHID{HID: hid, view: u.View}, u.Table, mge.Options{OffDelay: -1, OnDelay: -1, LowBatt: -1, Clock: l.Clock,
		PollInterval: l.opts.Driver.PollInterval,
		Pause:        func(time.Duration) {},
		Logf: func(f string, a ...any) {
			l.record(Event{Kind: KindLog, Host: "driver", UPS: spec.Name, Message: fmt.Sprintf(f, a...)})
		}})
	dopts := l.opts.Driver
	dopts.TrackingCode = driver.MGETrackingCode
	dopts.Logf = func(f string, a ...any) {
		l.record(Event{Kind: KindLog, Host: "driver", UPS: spec.Name, Message: fmt.Sprintf(f, a...)})
	}
	u.Driver = driver.New(&simHID{HID: hid, view: u.View}, sd, u.Table, l.Clock, dopts)
	u.Table.Listen(u.tableChanged)
	if err := u.Driver.Init(); err != nil {
		return nil, fmt.Errorf("lab: unit %s: driver init: %w", spec.Name, err)
	}
	u.Driver.Start()
	l.Upsd.AttachTable(spec.Name, spec.Desc, u.Table, u.Driver)
	return u, nil
}

// simHID lets the driver hear the simulated device's interrupt reports at
// once, as drivers.SimHID does.
type simHID struct {
	*usb.HID
	view *hidview.View
}

func (s *simHID) NotifyInput(f func()) { s.view.NotifyInput(f) }

func (u *Unit) deviceChanged(s simulator.State) {
	if s.OutputOn != u.outputOn {
		u.outputOn = s.OutputOn
		k := KindOutputOff
		if s.OutputOn {
			k = KindOutputOn
		}
		u.lab.record(Event{Kind: k, UPS: u.Name})
		u.lab.sampleUnit(u)
	}
}

func (u *Unit) tableChanged(c dstate.Change) {
	switch {
	case c.Op == "SETINFO" && len(c.Args) == 2 && c.Args[0] == "ups.status":
		if c.Args[1] != u.status {
			u.status = c.Args[1]
			u.lab.record(Event{Kind: KindStatus, UPS: u.Name, Type: c.Args[1]})
			u.lab.sampleUnit(u)
		}
	case c.Op == "DATASTALE":
		u.lab.record(Event{Kind: KindDriverStale, UPS: u.Name})
	case c.Op == "DATAOK":
		u.lab.record(Event{Kind: KindDriverFresh, UPS: u.Name})
	}
}

// Status returns ups.status as the driver publishes it.
func (u *Unit) Status() string { s, _ := u.Table.Get("ups.status"); return s }

// Unit returns the unit with that name, or nil.
func (l *Lab) Unit(name string) *Unit {
	for _, u := range l.units {
		if u.Name == name {
			return u
		}
	}
	return nil
}

// Units returns the units in order.
func (l *Lab) Units() []*Unit { return l.units }

// Hosts returns the hosts in order; the first is the primary (upsd) host.
func (l *Lab) Hosts() []*Host { return l.hosts }

// Host returns the host with that name, or nil.
func (l *Lab) Host(name string) *Host {
	for _, h := range l.hosts {
		if h.Name == name {
			return h
		}
	}
	return nil
}

// Exec runs a piece of simulator script on a unit, from now: single
// commands ("mains off", "load 60%") apply at once, timed statements
// ("flap 3 every 20s", "after 1m mains on") are scheduled on the lab's
// clock. Every command applied shows in the timeline.
func (l *Lab) Exec(unit, cmd string) error {
	u := l.Unit(unit)
	if u == nil {
		return fmt.Errorf("lab: no UPS %q", unit)
	}
	r := &script.Runner{Clock: l.Clock, Target: u.Device, Seed: uint64(u.Device.Seed()),
		OnApply: func(e script.Event, err error) {
			ev := Event{Kind: KindDevice, UPS: unit, Type: e.Cmd.String()}
			if err != nil {
				ev.Message = "refused: " + err.Error()
			}
			l.record(ev)
		}}
	_, err := r.Apply(unit, cmd)
	return err
}

// Now returns the simulated time since the start.
func (l *Lab) Now() time.Duration { return l.Clock.Now().Sub(l.start) }

// Run advances the lab by d.
func (l *Lab) Run(d time.Duration) { l.Clock.Advance(d) }

// RunUntil advances the lab until cond holds (checked after every clock
// event) or limit has passed; it reports whether cond held.
func (l *Lab) RunUntil(cond func() bool, limit time.Duration) bool {
	end := l.Clock.Now().Add(limit)
	for !cond() {
		next, ok := l.Clock.Next()
		if !ok || next.After(end) {
			l.Clock.RunUntil(end)
			return cond()
		}
		l.Clock.Step()
	}
	return true
}

// Events returns the timeline so far.
func (l *Lab) Events() []Event { return l.events }

// Listen registers f to see each event as it is recorded.
func (l *Lab) Listen(f func(Event)) { l.listeners = append(l.listeners, f) }

// Record adds an event from outside the lab (a script runner, a test) to
// the timeline at the current time.
func (l *Lab) Record(e Event) { l.record(e) }

func (l *Lab) record(e Event) {
	e.At = l.Now()
	l.events = append(l.events, e)
	for _, f := range l.listeners {
		f(e)
	}
}

// Series returns the sampled state of every unit, for the plot.
func (l *Lab) Series() []Series {
	out := make([]Series, len(l.units))
	for i, u := range l.units {
		out[i] = u.series
	}
	return out
}

func (l *Lab) takeSamples() {
	for _, u := range l.units {
		l.sampleUnit(u)
	}
	l.sample = l.Clock.AfterFunc(l.opts.SampleEvery, l.takeSamples)
}

func (l *Lab) sampleUnit(u *Unit) {
	s := u.Device.State()
	u.series.Samples = append(u.series.Samples, Sample{At: l.Now(), Charge: s.Charge, Load: s.LoadPercent,
		Runtime: s.Runtime, Status: u.Status(), OutputOn: s.OutputOn})
}

// Close stops the lab's devices and timers.
func (l *Lab) Close() {
	if l.sample != nil {
		l.sample.Stop()
	}
	for _, u := range l.units {
		u.Driver.Stop()
		u.Device.Stop()
	}
	for _, h := range l.hosts {
		h.stop()
	}
	l.Upsd.Close()
}
