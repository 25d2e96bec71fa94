// Package simulator is the virtual Eaton Ellipse ECO: a power and battery
// model on the project's clock, driven by scripts of power events. Its HID
// view (package simulator/hidview) and USB device (simulator/usbdev) encode
// the model's State into the real unit's reports; SHUT (simulator/shut)
// serves the same HID view on a pseudo-terminal.
//
// The model runs on a clock.Clock and keeps its quantities in integers
// (volts, percent, seconds, billionths of the battery's capacity), so a
// run on the virtual clock with the same script and seed gives the same
// timeline every time. It wakes once a second of simulated time while
// something evolves (battery charging or discharging, a countdown, a test)
// and not at all when the unit is idle on mains with a full battery.
//
// Power: mains is connected or not, with a voltage and a frequency; the
// unit goes to battery when the voltage leaves [input.transfer.low,
// input.transfer.high] or the frequency its range, and comes back once it
// is inside again by Profile.Hysteresis volts. On mains the output is the
// input (the ECO is an offline/standby unit); on battery it is the nominal
// voltage.
//
// Battery: runtime at load L is RuntimeHalfLoad·(50/max(L, IdleLoad))^k
// (k = PeukertMilli/1000) times the battery health, proportional to the
// charge. The charge falls at that rate on battery and recovers on mains
// from 0 to 90 % in RechargeSeconds, the last 10 % at half that rate.
// LowBattery is charge <= battery.charge.low or, when the profile has one,
// runtime <= battery.runtime.low. At 0 % the output goes off; it comes
// back when mains returns.
//
// Delays, as Eaton units do them. NUT's usbhid-ups and mge-shut manuals
// (2.8.0) say offdelay "must be lower than ondelay" and that ondelay is the
// timer "for the UPS to switch on in case the power returns after the kill
// power command had been sent but before the actual switch off": both
// countdowns start when written. Writing DelayBeforeShutdown (n >= 0) and
// DelayBeforeStartup (n >= 0) each starts its own countdown from the
// write. When the shutdown countdown ends, the output goes off. When the
// start countdown ends with the output off, the output comes back if mains
// is present, otherwise as soon as mains returns; with the output on it
// does nothing. So shutdown.return (start 30, shutdown 20) switches the
// output off at 20 s and back on at 30 s even if mains never left, and
// after an outage once mains is back; shutdown.stayoff (start -1) keeps it
// off. ShutdownImminent is set while the shutdown countdown runs
// (assumption: the real unit's behaviour is not documented).
package simulator

import (
	"fmt"
	"sync"
	"time"

	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/simulator/script"
)

// Beeper is the HID AudibleAlarmControl value.
type Beeper int

// AudibleAlarmControl values, as the real unit reports them.
const (
	BeeperDisabled Beeper = 1
	BeeperEnabled  Beeper = 2
	BeeperMuted    Beeper = 3
)

// Outlet is one outlet of the unit. Index 0 is the main outlet (HID
// Outlet.[1], NUT outlet.*), 1 and 2 the PowerShare outlets (Outlet.[2] and
// [3], NUT outlet.1.* and outlet.2.*).
type Outlet struct {
	ID         int  // OutletID as the unit reports it (1, 2, 3)
	On         bool // output present on this outlet
	Switchable bool
}

// State is a snapshot of the device, in the real unit's units and
// resolutions (volts, hertz, percent, seconds). The HID view reads it.
type State struct {
	Time time.Time

	// Mains
	MainsPresent   bool    // mains connected and within the transfer thresholds
	InputVoltage   float64 // V (0 when mains is cut)
	InputFrequency float64 // Hz
	TransferLow    int     // V, input.transfer.low (writable)
	TransferHigh   int     // V, input.transfer.high (writable)

	// Output
	OutputOn         bool    // the UPS feeds its outlets
	OutputVoltage    float64 // V
	OutputFrequency  float64 // Hz
	NominalVoltage   int     // V, output.voltage.nominal (writable: 220/230/240)
	NominalFrequency int     // Hz
	NominalVA        int     // VA rating (650)
	NominalWatts     int     // W rating (400)
	LoadPercent      int     // % of the rating
	Overload         bool
	Outlets          [3]Outlet
	OutletPower      int // outlet.power setting: 10, 25 or 60 (writable)

	// Battery
	Charge          int  // %, RemainingCapacity
	Runtime         int  // s, RunTimeToEmpty
	ChargeLow       int  // %, RemainingCapacityLimitSetting (writable)
	LowBattery      bool // BelowRemainingCapacityLimit
	Charging        bool
	Discharging     bool
	NeedReplacement bool
	Chemistry       string // "PbAc"

	// Alarms and settings
	Beeper           Beeper
	ShutdownImminent bool
	InternalFailure  bool
	CommLost         bool // the cable is pulled: transports stop answering

	// Timers (seconds; -1 when no countdown is running), as DelayBeforeShutdown
	// / DelayBeforeStartup read back from the unit.
	TimerShutdown int
	TimerStart    int

	// Additions beyond the first contract (model helper).
	MainsConnected bool       // the mains plug is live (MainsPresent also needs the thresholds)
	RuntimeLow     int        // s, battery.runtime.low; 0 when the unit has none (the ECO)
	Health         int        // % of the battery's nominal capacity (aged battery < 100)
	Noise          int        // % of serial bytes the SHUT link corrupts (see LineNoise)
	TestResult     TestResult // battery test result (HID Test), TestNone before any

	// Identity
	Manufacturer string // "EATON"
	Product      string // "Ellipse ECO"
	Model        string // "650"
	Serial       string // "000000000"
	Firmware     string
	Country      int
}

// Device is a simulated UPS on a clock. It is safe for concurrent use.
// Change listeners are called in order, one change at a time; they must not
// call the Device's setters synchronously (State is fine).
type Device struct {
	clk  clock.Clock
	prof *Profile
	seed int64

	opMu sync.Mutex // serializes operations and their notifications

	mu        sync.Mutex // guards the fields below
	m         model
	last      State
	listeners []func(State)
	wake      clock.Timer
	wakeAt    time.Time
	stopped   bool
}

// New returns a device with profile p (nil means the built-in Ellipse ECO
// 650) on clk, with seeded randomness.
func New(clk clock.Clock, p *Profile, seed int64) *Device {
	if p == nil {
		p, _ = Builtin("ellipse-eco-650")
	} else {
		cp := *p
		p = &cp
	}
	clk = clock.Or(clk) // nil means the real clock
	d := &Device{clk: clk, prof: p, seed: seed}
	d.m = newModel(p, clk.Now())
	d.last = d.m.state()
	return d
}

// Profile returns the device's profile (do not modify it).
func (d *Device) Profile() *Profile { return d.prof }

// Clock returns the device's clock.
func (d *Device) Clock() clock.Clock { return d.clk }

// Seed returns the seed the device was made with; script runs started
// with Run use it for jitter.
func (d *Device) Seed() int64 { return d.seed }

// State returns a snapshot of the device now.
func (d *Device) State() State {
	now := d.clk.Now()
	d.mu.Lock()
	m := d.m
	d.mu.Unlock()
	m.advance(now)
	return m.state()
}

// OnChange registers f, called (synchronously, on the device's clock
// callbacks or after a command) whenever the state changes in a way the
// status bits or reported values show. The HID view uses it to send
// interrupt IN reports when the status changes.
func (d *Device) OnChange(f func(State)) {
	d.mu.Lock()
	d.listeners = append(d.listeners, f)
	d.mu.Unlock()
}

// Stop cancels the device's pending wake-up; the device no longer evolves
// by itself (commands still work, and State still reads the model as of
// now). The lab calls it when it tears a scenario down.
func (d *Device) Stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stopped = true
	if d.wake != nil {
		d.wake.Stop()
		d.wake = nil
	}
}

// do runs f on the model advanced to now, then re-arms the wake-up and
// tells the listeners if what the device reports changed. If f fails, the
// model is left as it was before f (but advanced to now).
func (d *Device) do(f func(m *model, now time.Time) error) error {
	d.opMu.Lock()
	defer d.opMu.Unlock()
	now := d.clk.Now()
	d.mu.Lock()
	d.m.advance(now)
	var err error
	if f != nil {
		saved := d.m
		if err = f(&d.m, now); err != nil {
			d.m = saved
		} else {
			d.m.settle(now)
		}
	}
	s := d.m.state()
	changed := !sameState(s, d.last)
	if changed {
		d.last = s
	}
	d.armLocked(now)
	ls := d.listeners
	d.mu.Unlock()
	if changed {
		for _, l := range ls {
			l(s)
		}
	}
	return err
}

func sameState(a, b State) bool {
	a.Time, b.Time = time.Time{}, time.Time{}
	return a == b
}

// armLocked sets the wake-up: in a second while something evolves, or at
// the next event if that is sooner; none when the device is idle.
func (d *Device) armLocked(now time.Time) {
	if d.stopped {
		return
	}
	m := &d.m
	var at time.Time
	if t, ok := m.nextEvent(); ok {
		at = t
	}
	if m.discharging() || m.charging() || !m.shutdownAt.IsZero() || !m.startAt.IsZero() || m.testing() {
		if t := now.Add(time.Second); at.IsZero() || t.Before(at) {
			at = t
		}
	}
	if at.Equal(d.wakeAt) && d.wake != nil {
		return
	}
	if d.wake != nil {
		d.wake.Stop()
		d.wake = nil
	}
	d.wakeAt = at
	if at.IsZero() {
		return
	}
	d.wake = d.clk.AfterFunc(at.Sub(now), func() {
		d.mu.Lock()
		d.wake = nil
		d.wakeAt = time.Time{}
		d.mu.Unlock()
		d.do(nil)
	})
}

// SetDelayShutdown writes DelayBeforeShutdown: seconds >= 0 starts the
// countdown to switching the output off (0 = now), -1 cancels it.
func (d *Device) SetDelayShutdown(seconds int) error {
	if seconds < -1 {
		return fmt.Errorf("delay before shutdown %d out of range -1..%d", seconds, maxDelay)
	}
	if seconds > maxDelay {
		return fmt.Errorf("delay before shutdown %d out of range -1..%d", seconds, maxDelay)
	}
	return d.do(func(m *model, now time.Time) error {
		if seconds < 0 {
			m.shutdownAt = time.Time{}
			return nil
		}
		m.shutdownAt = now.Add(time.Duration(seconds) * time.Second)
		if seconds == 0 {
			m.fire(now)
		}
		return nil
	})
}

// maxDelay is the largest DelayBefore* value (the HID item's LogMax).
const maxDelay = 1<<31 - 1

// SetDelayStart writes DelayBeforeStartup: after the output went off, the
// output comes back seconds after mains returns; -1 means stay off. See the
// package documentation for the exact rule.
func (d *Device) SetDelayStart(seconds int) error {
	if seconds < -1 || seconds > maxDelay {
		return fmt.Errorf("delay before startup %d out of range -1..%d", seconds, maxDelay)
	}
	return d.do(func(m *model, now time.Time) error {
		m.startPending = false
		if seconds < 0 {
			m.startAt = time.Time{}
			return nil
		}
		m.startAt = now.Add(time.Duration(seconds) * time.Second)
		if seconds == 0 {
			m.fire(now)
		}
		return nil
	})
}

// SetBeeper writes AudibleAlarmControl.
func (d *Device) SetBeeper(b Beeper) error {
	if b < BeeperDisabled || b > BeeperMuted {
		return fmt.Errorf("beeper value %d out of range 1..3", int(b))
	}
	return d.do(func(m *model, _ time.Time) error { m.beeper = b; return nil })
}

// SetChargeLow writes RemainingCapacityLimitSetting (%).
func (d *Device) SetChargeLow(percent int) error {
	if percent < 0 || percent > 100 {
		return fmt.Errorf("battery.charge.low %d out of range 0..100", percent)
	}
	return d.do(func(m *model, _ time.Time) error { m.chargeLow = percent; return nil })
}

// SetRuntimeLow writes battery.runtime.low (s); 0 disables it. Units
// without a RemainingTimeLimit (the ECO) refuse it unless their profile
// sets one.
func (d *Device) SetRuntimeLow(seconds int) error {
	if d.prof.RuntimeLow == 0 {
		return fmt.Errorf("battery.runtime.low: %s has no RemainingTimeLimit", d.prof.Name)
	}
	if seconds < 0 || seconds > maxDelay {
		return fmt.Errorf("battery.runtime.low %d out of range 0..%d", seconds, maxDelay)
	}
	return d.do(func(m *model, _ time.Time) error { m.runtimeLow = seconds; return nil })
}

// SetTransfer writes the low and high transfer thresholds (V); a value of
// 0 leaves that threshold unchanged. Out-of-range values are refused.
func (d *Device) SetTransfer(low, high int) error {
	return d.do(func(m *model, _ time.Time) error {
		p := d.prof
		l, h := m.transferLow, m.transferHigh
		if low != 0 {
			if low < p.TransferLowMin || low > p.TransferLowMax {
				return fmt.Errorf("input.transfer.low %d out of range %d..%d", low, p.TransferLowMin, p.TransferLowMax)
			}
			l = low
		}
		if high != 0 {
			if high < p.TransferHighMin || high > p.TransferHighMax {
				return fmt.Errorf("input.transfer.high %d out of range %d..%d", high, p.TransferHighMin, p.TransferHighMax)
			}
			h = high
		}
		if l+2*p.Hysteresis >= h {
			return fmt.Errorf("input.transfer.low %d must stay below input.transfer.high %d", l, h)
		}
		m.transferLow, m.transferHigh = l, h
		return nil
	})
}

// SetNominalVoltage writes output.voltage.nominal (220, 230 or 240).
func (d *Device) SetNominalVoltage(v int) error {
	if !contains(d.prof.NominalVoltages, v) {
		return fmt.Errorf("output.voltage.nominal %d not one of %v", v, d.prof.NominalVoltages)
	}
	return d.do(func(m *model, _ time.Time) error { m.nominalV = v; return nil })
}

// SetOutletPower writes the outlet.power setting (10, 25 or 60).
func (d *Device) SetOutletPower(v int) error {
	if !contains(d.prof.OutletPowers, v) {
		return fmt.Errorf("outlet.power %d not one of %v", v, d.prof.OutletPowers)
	}
	return d.do(func(m *model, _ time.Time) error { m.outletPower = v; return nil })
}

func contains(l []int, v int) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

// StartBatteryTest starts the quick battery test (HID Test := 1). It needs
// mains and the output on. The result reads back as State.TestResult; a
// battery whose health is below the profile's ReplaceBelow fails and then
// asks for replacement. The ECO has no test item, but other profiles do.
func (d *Device) StartBatteryTest() error {
	return d.do(func(m *model, now time.Time) error {
		switch {
		case m.testing():
			return fmt.Errorf("a battery test is already running")
		case !m.online || !m.outputOn:
			return fmt.Errorf("battery test needs mains and the output on")
		}
		m.testEnd = now.Add(time.Duration(d.prof.TestSeconds) * time.Second)
		m.testResult = TestInProgress
		return nil
	})
}

// StopBatteryTest aborts a running battery test (HID Test := 3).
func (d *Device) StopBatteryTest() error {
	return d.do(func(m *model, _ time.Time) error {
		if m.testing() {
			m.testEnd = time.Time{}
			m.testResult = TestAborted
		}
		return nil
	})
}

// LineNoise returns the percentage of bytes the serial (SHUT) link should
// corrupt, as set by the script command "noise N%".
func (d *Device) LineNoise() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.m.noise
}

// Exec runs one command of the script language (e.g. "mains off",
// "load 40%", "cable unplug") now, as the control socket does. Timed
// statements (after, flap, sag...) need a script.Runner (see Run).
func (d *Device) Exec(cmd string) error {
	c, err := script.ParseCommand(cmd)
	if err != nil {
		return err
	}
	return d.Apply(c)
}

// Run starts script s on the device's clock, with the device's seed for
// jitter; see script.Runner.Start.
func (d *Device) Run(s *script.Script) (*script.Run, error) {
	r := &script.Runner{Clock: d.clk, Target: d, Seed: uint64(d.seed)}
	return r.Start(s)
}
