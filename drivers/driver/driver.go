// Package driver is the UPS driver program around a HID subdriver: the
// polling loop (NUT's main.c and usbhid-ups.c upsdrv_updateinfo), the
// command line (NUT's driver flags and ups.conf), the driver socket, and
// the transports behind port= (USB, the in-process simulator, SHUT).
//
// The loop is a Driver on a clock.Clock: Start schedules its polls with
// AfterFunc, so on a virtual clock the whole driver runs inside the
// goroutine that advances the clock, one callback at a time, and a replay
// gives the same timeline every run. The lab does:
//
//	t := &dstate.Table{}
//	sd := mge.New(dev, t, mge.Options{Clock: clk, ...})
//	d := driver.New(dev, sd, t, clk, driver.Options{TrackingCode: driver.MGECode})
//	if err := d.Init(); err != nil { ... } // init walk + first update
//	d.Start()                               // polls every 2 s, full every 30 s
//	clk.Advance(10 * time.Minute)           // the driver polls inside Advance
//	code := d.InstCmd("beeper.disable", "") // same as INSTCMD over the socket
//
// Interrupt reports: when the device can notify (hiddev.InputNotifier, as
// the simulator's USB device does), the driver reads them in a clock
// callback scheduled at once; otherwise (real USB, SHUT) a goroutine waits
// on ReadInput. Both hand the report to the subdriver under the same lock
// as polls and commands, so the subdriver never runs twice at once.
package driver

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/upslab/upslab/drivers/hiddev"
	"github.com/upslab/upslab/drivers/sock"
	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/stack/dstate"
)

// Subdriver is what the loop needs from a HID subdriver (drivers/mge is
// one): it owns the mapping between reports and the state table.
type Subdriver interface {
	// Init walks the device once, publishing every variable and command.
	Init() error
	// Update reads the quick-poll items, or all of them when full; an
	// error wrapping hiddev.ErrGone means the device stopped answering.
	Update(full bool) error
	// Input applies one interrupt report (report ID first).
	Input(report []byte) error
	// InstCmd and Set carry out upsd's requests; see Options.TrackingCode.
	InstCmd(name, arg string) error
	Set(name, value string) error
	// KillPower is `driver -k`: shutdown.return, else shutdown.reboot,
	// else load.off.delay.
	KillPower() error
	// Version is driver.version.data, e.g. "MGE HID 1.46".
	Version() string
}

// Defaults of NUT 2.8.0 (main.c, usbhid-ups.c).
const (
	DefaultPollInterval = 2 * time.Second
	DefaultPollFreq     = 30 * time.Second
)

// Options tune the loop. The zero value is NUT's defaults.
type Options struct {
	// PollInterval is the quick-poll period (NUT pollinterval, 2 s).
	PollInterval time.Duration
	// PollFreq is the full-refresh period (NUT pollfreq, 30 s). As in NUT
	// a full poll happens at the first quick poll more than PollFreq after
	// the previous full one (so every 32 s with the defaults), and at the
	// poll after a successful SET or INSTCMD.
	PollFreq time.Duration
	// PollOnly ignores the interrupt pipe (NUT's pollonly flag).
	PollOnly bool
	// TrackingCode turns a subdriver error into a tracking code; nil uses
	// DefaultCode.
	TrackingCode func(error) int
	// Reopen, if set, opens the device again after it went away (NUT
	// reconnects); nil probes the same device with a full update.
	Reopen func() (hiddev.Device, Subdriver, error)
	// Logf logs (NUT's upslogx); nil discards.
	Logf func(format string, args ...any)
	// Debugf logs debug messages at a level (NUT's upsdebugx); nil
	// discards.
	Debugf func(level int, format string, args ...any)
}

// Coder is implemented by errors that carry their tracking code.
type Coder interface{ TrackingCode() int }

// DefaultCode maps nil to sock.StatHandled, an error implementing Coder to
// its code, and any other error to sock.StatFailed.
func DefaultCode(err error) int {
	if err == nil {
		return sock.StatHandled
	}
	var c Coder
	if errors.As(err, &c) {
		return c.TrackingCode()
	}
	return sock.StatFailed
}

// Driver is the polling loop of one UPS.
type Driver struct {
	clk  clock.Clock
	t    *dstate.Table
	opts Options

	mu       sync.Mutex
	dev      hiddev.Device
	sd       Subdriver
	gone     bool // the device stopped answering; reconnect at the next poll
	changed  bool // a SET or INSTCMD succeeded: the next poll is full
	lastFull time.Time
	polls    int
	timer    clock.Timer
	started  bool
	stopped  bool
	reader   bool
	// drainAtPoll: read queued input reports at each poll.
	drainAtPoll bool
}

// New returns a driver for sd on dev, publishing into t. Call Init, then
// Start.
func New(dev hiddev.Device, sd Subdriver, t *dstate.Table, clk clock.Clock, opts Options) *Driver {
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.PollFreq <= 0 {
		opts.PollFreq = DefaultPollFreq
	}
	if opts.TrackingCode == nil {
		opts.TrackingCode = DefaultCode
	}
	return &Driver{clk: clk, t: t, opts: opts, dev: dev, sd: sd}
}

func (d *Driver) logf(format string, args ...any) {
	if d.opts.Logf != nil {
		d.opts.Logf(format, args...)
	}
}

func (d *Driver) debugf(level int, format string, args ...any) {
	if d.opts.Debugf != nil {
		d.opts.Debugf(level, format, args...)
	}
}

// Init runs the subdriver's init walk, publishes driver.version.data and
// driver.parameter.pollfreq, and does the first (quick) update, as NUT's
// upsdrv_initups, upsdrv_initinfo and the first upsdrv_updateinfo do.
func (d *Driver) Init() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.sd.Init(); err != nil {
		return fmt.Errorf("can't initialize data from HID UPS: %w", err)
	}
	d.t.Set("driver.version.data", d.sd.Version())
	d.t.Set("driver.parameter.pollfreq", fmt.Sprint(int(d.opts.PollFreq/time.Second)))
	d.lastFull = d.clk.Now()
	d.poll()
	return nil
}

// Start schedules the polls on the clock and starts listening for
// interrupt reports.
func (d *Driver) Start() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.started || d.stopped {
		return
	}
	d.started = true
	d.timer = d.clk.AfterFunc(d.opts.PollInterval, d.tick)
	d.watchInput(d.dev)
}

// Stop cancels the polls; the input goroutine, if any, ends after its
// current read.
func (d *Driver) Stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stopped = true
	if d.timer != nil {
		d.timer.Stop()
	}
}

// Polls returns the number of polls done (Init's first update included).
func (d *Driver) Polls() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.polls
}

// Poll runs one loop iteration now: reconnect if the device went away,
// then a full or quick update. Start calls it every PollInterval; the
// dump mode (-d) calls it directly.
func (d *Driver) Poll() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.poll()
}

func (d *Driver) tick() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped {
		return
	}
	if d.drainAtPoll && !d.gone {
		d.drainInput()
	}
	d.poll()
	d.timer = d.clk.AfterFunc(d.opts.PollInterval, d.tick)
}

// poll is upsdrv_updateinfo. The caller holds d.mu.
func (d *Driver) poll() {
	d.polls++
	now := d.clk.Now()
	full := d.changed || now.Sub(d.lastFull) > d.opts.PollFreq
	if d.gone {
		// NUT marks the data stale when the reconnect after a failed walk
		// fails, one poll interval after the failure.
		if !d.reconnect() {
			d.t.SetStale(true)
			return
		}
		full = true
	}
	if full {
		d.debugf(1, "Full update...")
	} else {
		d.debugf(1, "Quick update...")
	}
	if err := d.sd.Update(full); err != nil {
		if errors.Is(err, hiddev.ErrGone) {
			d.debugf(1, "Got to reconnect! (%v)", err)
			d.gone = true
			return
		}
		d.debugf(1, "update: %v", err)
		return
	}
	if full {
		d.lastFull = now
		d.changed = false
	}
	d.t.SetStale(false)
}

// reconnect opens the device again (Options.Reopen) and runs the init
// walk, or without Reopen probes the same device; the caller holds d.mu.
func (d *Driver) reconnect() bool {
	d.debugf(1, "Got to reconnect!")
	if d.opts.Reopen == nil {
		if err := d.sd.Update(true); err != nil {
			return false
		}
	} else {
		dev, sd, err := d.opts.Reopen()
		if err != nil {
			d.debugf(1, "reconnect: %v", err)
			return false
		}
		if err := sd.Init(); err != nil {
			d.debugf(1, "reconnect: init: %v", err)
			return false
		}
		d.dev, d.sd = dev, sd
		if d.started {
			d.watchInput(dev)
		}
	}
	d.gone = false
	d.logf("Communications with UPS re-established")
	return true
}

// watchInput arranges for interrupt reports of dev to reach the subdriver;
// the caller holds d.mu. A device that can notify gets a callback; on a
// virtual clock a device that cannot is read at each poll (a goroutine
// waiting on it would spin: nothing arrives while virtual time stands
// still); otherwise a goroutine waits on the interrupt pipe.
func (d *Driver) watchInput(dev hiddev.Device) {
	d.drainAtPoll = false
	if d.opts.PollOnly {
		return
	}
	n, _ := dev.(hiddev.InputNotifier)
	if nf, ok := dev.(interface{ Notifier() hiddev.InputNotifier }); ok && n == nil {
		n = nf.Notifier() // a usb.HID whose Conn can notify
	}
	if n != nil {
		n.NotifyInput(func() { d.clk.AfterFunc(0, d.HandleInput) })
		return
	}
	if _, virtual := d.clk.(*clock.Virtual); virtual {
		d.drainAtPoll = true
		return
	}
	if !d.reader {
		d.reader = true
		go d.readLoop()
	}
}

// HandleInput reads every queued interrupt report (without waiting) and
// hands each to the subdriver. Notifying devices trigger it; the lab may
// call it directly.
func (d *Driver) HandleInput() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped || d.gone {
		return
	}
	d.drainInput()
}

// drainInput reads the queued input reports; the caller holds d.mu.
func (d *Driver) drainInput() {
	for i := 0; i < 64; i++ { // NUT takes at most one report per loop; bound ours
		r, err := d.dev.ReadInput(0)
		if err != nil {
			if errors.Is(err, hiddev.ErrGone) {
				d.gone = true
			}
			return
		}
		d.input(r)
	}
}

func (d *Driver) input(r []byte) {
	d.debugf(2, "interrupt report % x", r)
	if err := d.sd.Input(r); err != nil {
		d.debugf(1, "interrupt report % x: %v", r, err)
	}
}

// readLoop waits for interrupt reports on devices that cannot notify
// (real USB, SHUT), with a timeout of one poll interval so Stop and a
// reconnect are noticed.
func (d *Driver) readLoop() {
	for {
		d.mu.Lock()
		dev, stopped, gone := d.dev, d.stopped, d.gone
		d.mu.Unlock()
		if stopped {
			return
		}
		if gone {
			d.clk.Sleep(d.opts.PollInterval)
			continue
		}
		start := d.clk.Now()
		r, err := dev.ReadInput(d.opts.PollInterval)
		switch {
		case errors.Is(err, hiddev.ErrTimeout) && d.clk.Since(start) < d.opts.PollInterval/2:
			// A device that does not wait (or a clock it does not
			// share): wait here instead of spinning.
			d.clk.Sleep(d.opts.PollInterval - d.clk.Since(start))
		case err == nil:
			d.mu.Lock()
			if !d.stopped && d.dev == dev {
				d.input(r)
			}
			d.mu.Unlock()
		case errors.Is(err, hiddev.ErrTimeout):
		default:
			// The poll will notice a gone device; do not spin meanwhile.
			d.clk.Sleep(d.opts.PollInterval)
		}
	}
}

// InstCmd runs an instant command and returns its tracking code; it
// implements sock.Handler.
func (d *Driver) InstCmd(name, arg string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.debugf(1, "instcmd(%s, %s)", name, arg)
	code := d.opts.TrackingCode(d.sd.InstCmd(name, arg))
	if code == sock.StatHandled {
		d.changed = true
	}
	return code
}

// Set writes a variable and returns its tracking code; it implements
// sock.Handler.
func (d *Driver) Set(name, value string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.debugf(1, "setvar(%s, %s)", name, value)
	code := d.opts.TrackingCode(d.sd.Set(name, value))
	if code == sock.StatHandled {
		d.changed = true
	}
	return code
}

// KillPower is `-k`: it asks the subdriver to cut the load after
// ups.delay.shutdown and restore it when mains returns.
func (d *Driver) KillPower() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.logf("Initiating UPS shutdown")
	return d.sd.KillPower()
}
