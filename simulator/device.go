// Package simulator is the virtual Eaton Ellipse ECO: a power and battery
// model on the project's clock, driven by scripts of power events. Its HID
// view (package simulator/hidview) and USB device (simulator/usbdev) encode
// the model's State into the real unit's reports; SHUT (simulator/shut)
// serves the same HID view on a pseudo-terminal.
//
// CONTRACT (written before the implementation so the HID view can be built
// in parallel): the names and signatures below are what other packages use.
// Bodies marked TODO are filled in by the model's implementation.
package simulator

import (
	"time"

	"github.com/upslab/upslab/internal/clock"
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

	// Identity
	Manufacturer string // "EATON"
	Product      string // "Ellipse ECO"
	Model        string // "650"
	Serial       string // "000000000"
	Firmware     string
	Country      int
}

// Device is a simulated UPS on a clock.
type Device struct {
	clk clock.Clock
	// TODO(model): fields
}

// New returns a device with profile p (nil means the built-in Ellipse ECO
// 650) on clk, with seeded randomness.
func New(clk clock.Clock, p *Profile, seed int64) *Device {
	// TODO(model)
	return &Device{clk: clk}
}

// Profile describes a model: ratings, battery, thresholds and identity.
type Profile struct {
	// TODO(model): fields; Name at least.
	Name string
}

// State returns a snapshot of the device now.
func (d *Device) State() State {
	// TODO(model)
	return State{}
}

// OnChange registers f, called (synchronously, on the device's clock
// callbacks or after a command) whenever the state changes in a way the
// status bits or reported values show. The HID view uses it to send
// interrupt IN reports when the status changes.
func (d *Device) OnChange(f func(State)) {
	// TODO(model)
}

// SetDelayShutdown writes DelayBeforeShutdown: seconds >= 0 starts the
// countdown to switching the output off (0 = now), -1 cancels it.
func (d *Device) SetDelayShutdown(seconds int) error { return nil } // TODO(model)

// SetDelayStart writes DelayBeforeStartup: after the output went off, the
// output comes back seconds after mains returns; -1 means stay off.
func (d *Device) SetDelayStart(seconds int) error { return nil } // TODO(model)

// SetBeeper writes AudibleAlarmControl.
func (d *Device) SetBeeper(b Beeper) error { return nil } // TODO(model)

// SetChargeLow writes RemainingCapacityLimitSetting (%).
func (d *Device) SetChargeLow(percent int) error { return nil } // TODO(model)

// SetTransfer writes the low and high transfer thresholds (V); a value of
// 0 leaves that threshold unchanged. Out-of-range values are refused.
func (d *Device) SetTransfer(low, high int) error { return nil } // TODO(model)

// SetNominalVoltage writes output.voltage.nominal (220, 230 or 240).
func (d *Device) SetNominalVoltage(v int) error { return nil } // TODO(model)

// SetOutletPower writes the outlet.power setting (10, 25 or 60).
func (d *Device) SetOutletPower(v int) error { return nil } // TODO(model)

// Exec runs one command of the script language (e.g. "mains off",
// "load 40%", "cable unplug") now, as the control socket does.
func (d *Device) Exec(cmd string) error { return nil } // TODO(model)
