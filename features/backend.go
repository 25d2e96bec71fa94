package features

import (
	"fmt"
	"time"

	"github.com/upslab/upslab/lab"
	"github.com/upslab/upslab/stack/upsmon"
)

// Setup is what a scenario's Given steps built: the UPS units and the
// monitoring hosts with their NUT files. The backend gets it at the first
// When or Then step.
type Setup struct {
	// Units are the simulated UPSes (name, model, load, setup commands
	// such as "battery health 40%").
	Units []lab.UnitSpec
	// Hosts run upsmon; the first, "primary", also runs upsd. Files holds
	// upsmon.conf and, if the scenario has one, upssched.conf, as the
	// scenario wrote them (MONITOR ups@localhost, CMDSCRIPT upssched-cmd,
	// PIPEFN /run/nut/...: a backend that runs real programs maps them to
	// its own places).
	Hosts []lab.HostSpec
}

// HostState is what a step can ask about a monitoring host.
type HostState struct {
	// ShutDown is set once upsmon ran SHUTDOWNCMD (and, in the lab,
	// finished its shutdown sequence); ShutdownAt is when, since the start.
	ShutDown   bool
	ShutdownAt time.Duration
	// PowerDownFlag says upsmon wrote POWERDOWNFLAG.
	PowerDownFlag bool
}

// Backend is what the steps run on: the lab on its virtual clock (the
// default, NewLabBackend), or real processes in real time (tests/faithful).
// Times are durations since Start. Events are in the lab's terms
// (lab.Event): a backend records the kinds it can observe (Observes) and
// steps that need another kind pass unchecked on it, noted in its log
// when it implements Logger (see the step code). A backend whose
// same-moment events may be recorded out of order says by how much
// (Jitterer).
type Backend interface {
	// Start builds and starts the setup; called once, at the first When
	// or Then step.
	Start(Setup) error
	// Exec runs a simulator command ("mains off", "cable unplug",
	// "battery replace") on a unit ("" is the first unit).
	Exec(ups, cmd string) error
	// Pass lets d pass.
	Pass(d time.Duration) error
	// RunUntil lets time pass until cond holds or limit has passed, and
	// reports whether cond held.
	RunUntil(cond func() bool, limit time.Duration) (bool, error)
	// Now is the time since Start.
	Now() time.Duration
	// Events is the timeline recorded so far.
	Events() []lab.Event
	// Host is the state of a monitoring host ("primary" is the first).
	Host(name string) (HostState, error)
	// Charge is a unit's battery charge in %, OutputOn whether it feeds
	// its load ("" is the first unit).
	Charge(ups string) (int, error)
	OutputOn(ups string) (bool, error)
	// KillPower does what a host's shutdown script does with
	// POWERDOWNFLAG present (`upsdrvctl shutdown`).
	KillPower(host string) error
	// Command sends `upsmon -c fsd|stop|reload` to a host's upsmon.
	Command(host string, kind upsmon.CommandKind) error
	// Observes reports whether the backend sees events of a kind (for
	// notifications, of a notify type: a process backend sees only those
	// that go to NOTIFYCMD).
	Observes(kind lab.Kind, typ string) bool
	// Close stops everything.
	Close()
}

// NewLabBackend is the default backend: the whole stack in one lab on a
// virtual clock (every scenario in milliseconds).
func NewLabBackend() Backend { return &labBackend{} }

type labBackend struct{ l *lab.Lab }

func (b *labBackend) Start(s Setup) error {
	l, err := lab.New(lab.Options{Seed: 1, Units: s.Units, Hosts: s.Hosts})
	if err != nil {
		return err
	}
	b.l = l
	return nil
}

func (b *labBackend) unit(ups string) (*lab.Unit, error) {
	if ups == "" {
		return b.l.Units()[0], nil
	}
	if u := b.l.Unit(ups); u != nil {
		return u, nil
	}
	return nil, fmt.Errorf("no UPS %q", ups)
}

func (b *labBackend) host(name string) (*lab.Host, error) {
	if h := b.l.Host(name); h != nil {
		return h, nil
	}
	return nil, fmt.Errorf("no host %q", name)
}

func (b *labBackend) Exec(ups, cmd string) error {
	u, err := b.unit(ups)
	if err != nil {
		return err
	}
	return b.l.Exec(u.Name, cmd)
}

func (b *labBackend) Pass(d time.Duration) error { b.l.Run(d); return nil }

func (b *labBackend) RunUntil(cond func() bool, limit time.Duration) (bool, error) {
	return b.l.RunUntil(cond, limit), nil
}

func (b *labBackend) Now() time.Duration  { return b.l.Now() }
func (b *labBackend) Events() []lab.Event { return b.l.Events() }

func (b *labBackend) Host(name string) (HostState, error) {
	h, err := b.host(name)
	if err != nil {
		return HostState{}, err
	}
	return HostState{ShutDown: h.ShutDown, ShutdownAt: h.ShutdownAt, PowerDownFlag: h.PowerDownFlag}, nil
}

func (b *labBackend) Charge(ups string) (int, error) {
	u, err := b.unit(ups)
	if err != nil {
		return 0, err
	}
	return u.Device.State().Charge, nil
}

func (b *labBackend) OutputOn(ups string) (bool, error) {
	u, err := b.unit(ups)
	if err != nil {
		return false, err
	}
	return u.Device.State().OutputOn, nil
}

func (b *labBackend) KillPower(host string) error {
	h, err := b.host(host)
	if err != nil {
		return err
	}
	h.KillPower()
	return nil
}

func (b *labBackend) Command(host string, kind upsmon.CommandKind) error {
	h, err := b.host(host)
	if err != nil {
		return err
	}
	h.Command(kind)
	return nil
}

// Observes: the lab sees everything.
func (b *labBackend) Observes(lab.Kind, string) bool { return true }

func (b *labBackend) Close() {
	if b.l != nil {
		b.l.Close()
	}
}
