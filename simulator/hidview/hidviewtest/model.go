// Package hidviewtest provides a scriptable stand-in for the device model,
// so the HID view, the USB device and the transports above them can be
// tested without the power and battery simulation: a test sets the State it
// wants and sees which setters a host called.
package hidviewtest

import (
	"errors"
	"fmt"
	"sync"

	"github.com/upslab/upslab/simulator"
)

// ErrRefused is returned by the fake's setters for values the real unit
// refuses; tests can tell it from errors of the code under test.
var ErrRefused = errors.New("hidviewtest: value refused")

// Model is a fake device model. It is safe for concurrent use.
type Model struct {
	mu    sync.Mutex
	s     simulator.State
	subs  []func(simulator.State)
	calls []string
}

// Online returns a State of an Ellipse ECO 650 on mains, charged, lightly
// loaded, with the values real units show (NUT issues #1468, #1942).
func Online() simulator.State {
	return simulator.State{
		MainsPresent: true, InputVoltage: 230, InputFrequency: 50,
		TransferLow: 184, TransferHigh: 264,
		OutputOn: true, OutputVoltage: 230, OutputFrequency: 50,
		NominalVoltage: 230, NominalFrequency: 50, NominalVA: 650, NominalWatts: 400,
		LoadPercent: 12,
		Outlets: [3]simulator.Outlet{
			{ID: 1, On: true, Switchable: false},
			{ID: 2, On: true, Switchable: false},
			{ID: 3, On: true, Switchable: false},
		},
		OutletPower: 25,
		Charge:      100, Runtime: 2156, ChargeLow: 20, Charging: true,
		Chemistry: "PbAc", Beeper: simulator.BeeperEnabled,
		TimerShutdown: -1, TimerStart: -1,
		Manufacturer: "EATON", Product: "Ellipse ECO", Model: "650", Serial: "000000000",
		Firmware: "01", Country: 0,
	}
}

// New returns a fake model in state s.
func New(s simulator.State) *Model { return &Model{s: s} }

// State returns the current state.
func (m *Model) State() simulator.State {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.s
}

// OnChange registers f, called after every change.
func (m *Model) OnChange(f func(simulator.State)) {
	m.mu.Lock()
	m.subs = append(m.subs, f)
	m.mu.Unlock()
}

// Update changes the state with f and notifies the listeners, as the real
// model does after a clock tick or a script command.
func (m *Model) Update(f func(s *simulator.State)) {
	m.mu.Lock()
	f(&m.s)
	s := m.s
	subs := append([]func(simulator.State){}, m.subs...)
	m.mu.Unlock()
	for _, g := range subs {
		g(s)
	}
}

// Calls returns the setter calls so far, as "SetBeeper(1)" strings.
func (m *Model) Calls() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.calls...)
}

func (m *Model) set(call string, ok bool, f func(s *simulator.State)) error {
	m.mu.Lock()
	m.calls = append(m.calls, call)
	m.mu.Unlock()
	if !ok {
		return fmt.Errorf("%s: %w", call, ErrRefused)
	}
	m.Update(f)
	return nil
}

// SetDelayShutdown sets the shutdown timer (-1 cancels).
func (m *Model) SetDelayShutdown(sec int) error {
	return m.set(fmt.Sprintf("SetDelayShutdown(%d)", sec), sec >= -1, func(s *simulator.State) { s.TimerShutdown = sec })
}

// SetDelayStart sets the start timer (-1 = stay off).
func (m *Model) SetDelayStart(sec int) error {
	return m.set(fmt.Sprintf("SetDelayStart(%d)", sec), sec >= -1, func(s *simulator.State) { s.TimerStart = sec })
}

// SetBeeper sets the beeper (1, 2 or 3).
func (m *Model) SetBeeper(b simulator.Beeper) error {
	return m.set(fmt.Sprintf("SetBeeper(%d)", b), b >= 1 && b <= 3, func(s *simulator.State) { s.Beeper = b })
}

// SetChargeLow sets the low-battery charge (%).
func (m *Model) SetChargeLow(p int) error {
	return m.set(fmt.Sprintf("SetChargeLow(%d)", p), p >= 0 && p <= 100, func(s *simulator.State) { s.ChargeLow = p })
}

// SetTransfer sets the transfer thresholds (0 = unchanged).
func (m *Model) SetTransfer(low, high int) error {
	ok := (low == 0 || low >= 150 && low <= 200) && (high == 0 || high >= 250 && high <= 300)
	return m.set(fmt.Sprintf("SetTransfer(%d,%d)", low, high), ok, func(s *simulator.State) {
		if low != 0 {
			s.TransferLow = low
		}
		if high != 0 {
			s.TransferHigh = high
		}
	})
}

// SetNominalVoltage sets output.voltage.nominal (220, 230, 240).
func (m *Model) SetNominalVoltage(v int) error {
	return m.set(fmt.Sprintf("SetNominalVoltage(%d)", v), v == 220 || v == 230 || v == 240, func(s *simulator.State) { s.NominalVoltage = v })
}

// SetOutletPower sets outlet.power (10, 25, 60).
func (m *Model) SetOutletPower(v int) error {
	return m.set(fmt.Sprintf("SetOutletPower(%d)", v), v == 10 || v == 25 || v == 60, func(s *simulator.State) { s.OutletPower = v })
}
