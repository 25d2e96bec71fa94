package simulator

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/upslab/upslab/internal/clock"
)

// Status returns the ups.status NUT 2.8.0's usbhid-ups would publish for
// this state: OL or OB (from ACPresent), then LB (BelowRemainingCapacityLimit
// or ShutdownImminent), OVER, RB and OFF (Good = 0). NUT 2.8.0 shows no
// CHRG/DISCHRG for the ECO (spec §6.1, ABM state unknown), so neither does
// this. It is for people and logs; the stack computes its own from the HID
// reports.
func (s State) Status() string {
	w := []string{"OL"}
	if !s.MainsPresent {
		w[0] = "OB"
	}
	if s.LowBattery || s.ShutdownImminent {
		w = append(w, "LB")
	}
	if s.Overload {
		w = append(w, "OVER")
	}
	if s.NeedReplacement {
		w = append(w, "RB")
	}
	if !s.OutputOn {
		w = append(w, "OFF")
	}
	return strings.Join(w, " ")
}

// Field is one named value of a state description.
type Field struct {
	Name, Value string
}

var beeperNames = map[Beeper]string{BeeperDisabled: "disabled", BeeperEnabled: "enabled", BeeperMuted: "muted"}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// Fields describes the state with NUT's variable names where there is one
// (sim.* for the simulator's own inputs), in a fixed order; the control
// socket's status command prints them.
func (s State) Fields() []Field {
	f := []Field{
		{"ups.status", s.Status()},
		{"sim.mains", onOff(s.MainsConnected)},
		{"input.voltage", strconv.FormatFloat(s.InputVoltage, 'f', 1, 64)},
		{"input.frequency", strconv.FormatFloat(s.InputFrequency, 'f', 1, 64)},
		{"input.transfer.low", strconv.Itoa(s.TransferLow)},
		{"input.transfer.high", strconv.Itoa(s.TransferHigh)},
		{"sim.output", onOff(s.OutputOn)},
		{"output.voltage", strconv.FormatFloat(s.OutputVoltage, 'f', 1, 64)},
		{"output.voltage.nominal", strconv.Itoa(s.NominalVoltage)},
		{"ups.load", strconv.Itoa(s.LoadPercent)},
		{"battery.charge", strconv.Itoa(s.Charge)},
		{"battery.charge.low", strconv.Itoa(s.ChargeLow)},
		{"battery.runtime", strconv.Itoa(s.Runtime)},
	}
	if s.RuntimeLow > 0 {
		f = append(f, Field{"battery.runtime.low", strconv.Itoa(s.RuntimeLow)})
	}
	f = append(f,
		Field{"sim.battery.health", strconv.Itoa(s.Health)},
		Field{"ups.beeper.status", beeperNames[s.Beeper]},
		Field{"ups.timer.shutdown", strconv.Itoa(s.TimerShutdown)},
		Field{"ups.timer.start", strconv.Itoa(s.TimerStart)},
		Field{"ups.test.result", s.TestResult.String()},
		Field{"outlet.power", strconv.Itoa(s.OutletPower)},
		Field{"sim.cable", map[bool]string{false: "plugged", true: "unplugged"}[s.CommLost]},
		Field{"sim.noise", strconv.Itoa(s.Noise) + "%"},
		Field{"sim.fault", map[bool]string{false: "none", true: "internal"}[s.InternalFailure]},
		Field{"ups.model", s.Product + " " + s.Model},
	)
	return f
}

// Line is a one-line summary of the state for logs: status, charge,
// runtime, load, input and output, and the flags that are set.
func (s State) Line() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-9s charge=%d%% runtime=%ds load=%d%% in=%.0fV out=%.0fV", s.Status(), s.Charge, s.Runtime, s.LoadPercent, s.InputVoltage, s.OutputVoltage)
	if s.TimerShutdown >= 0 {
		fmt.Fprintf(&b, " timer.shutdown=%d", s.TimerShutdown)
	}
	if s.TimerStart >= 0 {
		fmt.Fprintf(&b, " timer.start=%d", s.TimerStart)
	}
	if s.CommLost {
		b.WriteString(" cable=unplugged")
	}
	if s.Noise > 0 {
		fmt.Fprintf(&b, " noise=%d%%", s.Noise)
	}
	if s.InternalFailure {
		b.WriteString(" fault=internal")
	}
	if s.TestResult == TestInProgress {
		b.WriteString(" test=running")
	}
	return b.String()
}

// lineKey is what Watch compares: the summary without the values that
// move every second (runtime, countdowns).
func (s State) lineKey() State {
	s.Time, s.Runtime = time.Time{}, 0
	if s.TimerShutdown >= 0 {
		s.TimerShutdown = 0
	}
	if s.TimerStart >= 0 {
		s.TimerStart = 0
	}
	return s
}

// Watch calls f with each state that differs from the last one passed to
// f in more than the runtime or the countdown values, and first with the
// current state. upslab sim prints these lines.
func (d *Device) Watch(f func(State)) {
	// Notifications run under opMu, so holding it here makes the first
	// call and the registration atomic.
	d.opMu.Lock()
	defer d.opMu.Unlock()
	s := d.State()
	last := s.lineKey()
	d.OnChange(func(s State) {
		if k := s.lineKey(); k != last {
			last = k
			f(s)
		}
	})
	f(s)
}

// Pace drives virtual clock v in real time (as told by real), speed times
// faster, until ctx ends: every step of real time it runs v up to
// start + speed × elapsed. It is how upslab sim runs the model on a
// virtual clock at wall-clock (or accelerated) speed, so that the model
// code is the same in tests, replays and live runs.
func Pace(ctx context.Context, v *clock.Virtual, real clock.Clock, speed float64, step time.Duration) {
	if speed <= 0 {
		speed = 1
	}
	vStart, rStart := v.Now(), real.Now()
	t := real.NewTicker(step)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
			el := real.Since(rStart)
			v.RunUntil(vStart.Add(time.Duration(float64(el) * speed)))
		}
	}
}
