package simulator

import (
	"math"
	"time"
)

// full is a full battery in charge units (billionths of the battery's
// present capacity). Integer charge keeps replays exact.
const full int64 = 1_000_000_000

// TestResult is the HID Test value of the battery test, as
// BatterySystem.Battery.Test reads back.
type TestResult int

// Battery test results (HID Power Device usage Test).
const (
	TestPassed     TestResult = 1
	TestWarning    TestResult = 2
	TestError      TestResult = 3
	TestAborted    TestResult = 4
	TestInProgress TestResult = 5
	TestNone       TestResult = 6
)

// String returns NUT's ups.test.result wording.
func (t TestResult) String() string {
	switch t {
	case TestPassed:
		return "Done and passed"
	case TestWarning:
		return "Done and warning"
	case TestError:
		return "Done and error"
	case TestAborted:
		return "Aborted"
	case TestInProgress:
		return "In progress"
	}
	return "No test initiated"
}

// model is the device's state as a plain value: Device guards it, and a
// copy can be advanced to "now" to read the state without changing
// anything.
type model struct {
	p  *Profile
	rt []int // s of runtime at each load (0..maxLoad), new battery, full

	at time.Time // time the model was last advanced to

	connected bool // mains plugged in and live
	baseV     int  // V when connected
	sagV      int  // V during a sag or surge, 0 otherwise
	freq      int  // tenths of Hz
	online    bool // on mains (within thresholds, with hysteresis)

	transferLow, transferHigh int
	nominalV                  int
	outletPower               int
	load                      int // % of the rating the loads would draw

	outputOn     bool
	exhausted    bool      // output off because the battery ran flat
	shutdownAt   time.Time // zero: no shutdown countdown
	startAt      time.Time // zero: no start countdown
	startPending bool      // the start countdown expired with the output off and no mains: start on mains return

	charge     int64
	health     int  // % of the nominal capacity
	replace    bool // battery replacement requested (script, failed test)
	chargeLow  int
	runtimeLow int

	beeper          Beeper
	internalFailure bool
	commLost        bool
	noise           int

	testEnd    time.Time
	testResult TestResult
}

const maxLoad = 200

func runtimeTable(p *Profile) []int {
	rt := make([]int, maxLoad+1)
	k := float64(p.PeukertMilli) / 1000
	for l := range rt {
		eff := max(l, p.IdleLoad)
		r := math.Round(float64(p.RuntimeHalfLoad) * math.Pow(50/float64(eff), k))
		// At most 10^7 s (115 days) so that charge × runtime fits in an
		// int64 of nanoseconds.
		rt[l] = int(max(1, min(r, 1e7)))
	}
	return rt
}

func newModel(p *Profile, now time.Time) model {
	return model{
		p:            p,
		rt:           runtimeTable(p),
		at:           now,
		connected:    true,
		baseV:        p.NominalVoltage,
		freq:         p.NominalFrequency * 10,
		online:       true,
		transferLow:  p.TransferLow,
		transferHigh: p.TransferHigh,
		nominalV:     p.NominalVoltage,
		outletPower:  p.OutletPower,
		outputOn:     true,
		charge:       int64(p.Charge) * (full / 100),
		health:       p.Health,
		chargeLow:    p.ChargeLow,
		runtimeLow:   p.RuntimeLow,
		beeper:       p.Beeper,
		testResult:   TestNone,
	}
}

func (m *model) voltage() int {
	if !m.connected {
		return 0
	}
	if m.sagV != 0 {
		return m.sagV
	}
	return m.baseV
}

func (m *model) testing() bool { return !m.testEnd.IsZero() }

// discharging: the battery feeds the output (on battery, or during a test).
func (m *model) discharging() bool { return m.outputOn && (!m.online || m.testing()) }

func (m *model) charging() bool { return m.online && !m.testing() && m.charge < full }

// fullRuntime is the runtime in seconds of this battery, fully charged, at
// the present load.
func (m *model) fullRuntime() int64 {
	l := 0
	if m.outputOn {
		l = min(m.load, maxLoad)
	}
	return max(1, int64(m.rt[l])*int64(m.health)/100)
}

// chargePercent truncates, so that 100 % means full (a real unit reports
// 99 % while it still charges).
func (m *model) chargePercent() int { return int(m.charge / (full / 100)) }

func (m *model) runtime() int { return int(m.fullRuntime() * m.charge / full) }

// integrate moves the battery to t with no event in between.
func (m *model) integrate(t time.Time) {
	dt := t.Sub(m.at)
	if dt <= 0 {
		return
	}
	m.at = t
	// Eleven days empty or fill any battery; the cap keeps the integer
	// arithmetic below from overflowing after a long idle gap.
	ns := min(int64(dt), 1e15)
	switch {
	case m.discharging():
		m.charge -= ns / m.fullRuntime()
		if m.charge < 0 {
			m.charge = 0
		}
	case m.charging():
		r := int64(m.p.RechargeSeconds)
		if m.charge < full*9/10 {
			m.charge += ns * 9 / (10 * r)
		} else {
			// Lead-acid absorption: the last 10 % go at half the rate.
			m.charge += ns * 9 / (20 * r)
		}
		m.charge = min(m.charge, full)
	}
}

// nextEvent returns the earliest moment something happens by itself.
func (m *model) nextEvent() (time.Time, bool) {
	var t time.Time
	ok := false
	consider := func(c time.Time) {
		if !c.IsZero() && (!ok || c.Before(t)) {
			t, ok = c, true
		}
	}
	consider(m.shutdownAt)
	consider(m.startAt)
	consider(m.testEnd)
	if m.discharging() && m.charge > 0 {
		consider(m.at.Add(time.Duration(m.charge * m.fullRuntime())))
	}
	return t, ok
}

// advance moves the model to now, handling the events on the way in time
// order.
func (m *model) advance(now time.Time) {
	for {
		t, ok := m.nextEvent()
		if !ok || t.After(now) {
			break
		}
		m.integrate(t)
		m.at = t
		m.fire(t)
	}
	m.integrate(now)
	m.settle(now)
}

// fire handles what falls due at t.
func (m *model) fire(t time.Time) {
	if !m.shutdownAt.IsZero() && !m.shutdownAt.After(t) {
		m.shutdownAt = time.Time{}
		m.outputOn = false
	}
	if !m.startAt.IsZero() && !m.startAt.After(t) {
		m.startAt = time.Time{}
		if !m.outputOn {
			if m.online {
				m.outputOn = true
			} else {
				m.startPending = true
			}
		}
	}
	if m.testing() && !m.testEnd.After(t) {
		m.testEnd = time.Time{}
		if m.health < m.p.ReplaceBelow {
			m.testResult = TestError
			m.replace = true
		} else {
			m.testResult = TestPassed
		}
	}
	m.settle(t)
}

// settle applies the rules that follow from the present inputs: transfer
// to and from battery, battery exhaustion, restart on mains return.
func (m *model) settle(now time.Time) {
	v := m.voltage()
	h := m.p.Hysteresis
	fOK := m.freq >= m.p.FrequencyMin && m.freq <= m.p.FrequencyMax
	switch {
	case !m.connected:
		m.online = false
	case m.online:
		m.online = fOK && v >= m.transferLow && v <= m.transferHigh
	default:
		m.online = fOK && v >= m.transferLow+h && v <= m.transferHigh-h
	}
	if m.testing() && !m.online {
		m.testEnd = time.Time{}
		m.testResult = TestAborted
	}
	if m.outputOn && !m.online && m.charge <= 0 {
		m.outputOn = false
		m.exhausted = true
	}
	if !m.outputOn && m.online && (m.exhausted || m.startPending) {
		// Back on mains after the battery ran flat, or after a start
		// delay that expired during the outage: the unit restarts.
		m.outputOn = true
	}
	if m.outputOn {
		m.exhausted = false
		m.startPending = false
	}
}

func ceilSeconds(d time.Duration) int {
	return int((d + time.Second - 1) / time.Second)
}

// state renders the model as the device reports it.
func (m *model) state() State {
	p := m.p
	s := State{
		Time:             m.at,
		MainsPresent:     m.online,
		InputVoltage:     float64(m.voltage()),
		TransferLow:      m.transferLow,
		TransferHigh:     m.transferHigh,
		OutputOn:         m.outputOn,
		NominalVoltage:   m.nominalV,
		NominalFrequency: p.NominalFrequency,
		NominalVA:        p.NominalVA,
		NominalWatts:     p.NominalWatts,
		Outlets:          p.Outlets,
		OutletPower:      m.outletPower,
		Charge:           m.chargePercent(),
		Runtime:          m.runtime(),
		ChargeLow:        m.chargeLow,
		RuntimeLow:       m.runtimeLow,
		Charging:         m.charging(),
		Discharging:      m.discharging(),
		NeedReplacement:  m.replace || m.health < p.ReplaceBelow,
		Chemistry:        p.Chemistry,
		Health:           m.health,
		Beeper:           m.beeper,
		ShutdownImminent: !m.shutdownAt.IsZero() && m.outputOn,
		InternalFailure:  m.internalFailure,
		CommLost:         m.commLost,
		Noise:            m.noise,
		TimerShutdown:    -1,
		TimerStart:       -1,
		TestResult:       m.testResult,
		Manufacturer:     p.Manufacturer,
		Product:          p.Product,
		Model:            p.Model,
		Serial:           p.Serial,
		Firmware:         p.Firmware,
		Country:          p.Country,
		MainsConnected:   m.connected,
	}
	if m.connected {
		s.InputFrequency = float64(m.freq) / 10
	}
	if m.outputOn {
		s.LoadPercent = m.load
		s.Overload = m.load > 100
		if m.online && !m.testing() {
			// The ECO is an offline (standby) unit: on mains the
			// output is the input.
			s.OutputVoltage = float64(m.voltage())
			s.OutputFrequency = float64(m.freq) / 10
		} else {
			s.OutputVoltage = float64(m.nominalV)
			s.OutputFrequency = float64(p.NominalFrequency)
		}
	}
	for i := range s.Outlets {
		s.Outlets[i].On = m.outputOn
	}
	s.LowBattery = s.Charge <= m.chargeLow || (m.runtimeLow > 0 && s.Runtime <= m.runtimeLow)
	if !m.shutdownAt.IsZero() {
		s.TimerShutdown = ceilSeconds(m.shutdownAt.Sub(m.at))
	}
	switch {
	case !m.startAt.IsZero():
		s.TimerStart = ceilSeconds(m.startAt.Sub(m.at))
	case m.startPending:
		s.TimerStart = 0
	}
	return s
}
