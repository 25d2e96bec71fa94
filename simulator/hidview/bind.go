package hidview

import (
	"math"

	"github.com/upslab/upslab/simulator"
)

// Model is what the view needs from the device model; *simulator.Device
// implements it. Tests and other front ends may give their own.
type Model interface {
	State() simulator.State
	OnChange(f func(simulator.State))
	SetDelayShutdown(seconds int) error
	SetDelayStart(seconds int) error
	SetBeeper(b simulator.Beeper) error
	SetChargeLow(percent int) error
	SetTransfer(low, high int) error
	SetNominalVoltage(v int) error
	SetOutletPower(v int) error
}

var _ Model = (*simulator.Device)(nil)

// binding ties a HID path to the model: get reads the value from a State;
// set, for writable items, is what a SET_REPORT of that item calls.
type binding struct {
	get func(s *simulator.State) int64
	set func(m Model, v int64) error
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func round(f float64) int64 { return int64(math.Round(f)) }

func outletOn(i int) func(s *simulator.State) int64 {
	return func(s *simulator.State) int64 { return b2i(s.Outlets[i].On) }
}

func outletSwitchable(i int) func(s *simulator.State) int64 {
	return func(s *simulator.State) int64 { return b2i(s.Outlets[i].Switchable) }
}

func outletID(i int) func(s *simulator.State) int64 {
	return func(s *simulator.State) int64 {
		if s.Outlets[i].ID == 0 {
			return int64(i + 1)
		}
		return int64(s.Outlets[i].ID)
	}
}

// bindings maps the paths of the ECO family to the model's State. Feature
// and Input items with the same path share a binding. Paths not listed
// take the profile's constants.
var bindings = map[string]binding{
	// Report 0x01: PresentStatus bits (input on every change).
	"UPS.PowerSummary.PresentStatus.ACPresent":                   {get: func(s *simulator.State) int64 { return b2i(s.MainsPresent) }},
	"UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit": {get: func(s *simulator.State) int64 { return b2i(s.LowBattery) }},
	"UPS.PowerSummary.PresentStatus.Charging":                    {get: func(s *simulator.State) int64 { return b2i(s.Charging) }},
	// CommunicationLost is the UPS's own internal link; the cable being
	// pulled is State.CommLost, which silences the whole device instead.
	"UPS.PowerSummary.PresentStatus.CommunicationLost": {get: func(s *simulator.State) int64 { return 0 }},
	"UPS.PowerSummary.PresentStatus.Discharging":       {get: func(s *simulator.State) int64 { return b2i(s.Discharging) }},
	// NUT: Good = 0 means OFF (the output is not powered).
	"UPS.PowerSummary.PresentStatus.Good":             {get: func(s *simulator.State) int64 { return b2i(s.OutputOn) }},
	"UPS.PowerSummary.PresentStatus.InternalFailure":  {get: func(s *simulator.State) int64 { return b2i(s.InternalFailure) }},
	"UPS.PowerSummary.PresentStatus.NeedReplacement":  {get: func(s *simulator.State) int64 { return b2i(s.NeedReplacement) }},
	"UPS.PowerSummary.PresentStatus.Overload":         {get: func(s *simulator.State) int64 { return b2i(s.Overload) }},
	"UPS.PowerSummary.PresentStatus.ShutdownImminent": {get: func(s *simulator.State) int64 { return b2i(s.ShutdownImminent) }},

	// Report 0x02: outlet switches (input on every change).
	"UPS.OutletSystem.Outlet.[1].PresentStatus.SwitchOn/Off": {get: outletOn(0)},
	"UPS.OutletSystem.Outlet.[2].PresentStatus.SwitchOn/Off": {get: outletOn(1)},
	"UPS.OutletSystem.Outlet.[3].PresentStatus.SwitchOn/Off": {get: outletOn(2)},

	// Report 0x06: charge and runtime (input on every change).
	"UPS.PowerSummary.RemainingCapacity": {get: func(s *simulator.State) int64 { return int64(s.Charge) }},
	"UPS.PowerSummary.RunTimeToEmpty":    {get: func(s *simulator.State) int64 { return int64(s.Runtime) }},

	// Report 0x07.
	"UPS.PowerSummary.PercentLoad": {get: func(s *simulator.State) int64 { return int64(s.LoadPercent) }},

	// Reports 0x08 and 0x22: the low-battery threshold, read-only and
	// writable copies.
	"UPS.PowerSummary.RemainingCapacityLimit": {get: func(s *simulator.State) int64 { return int64(s.ChargeLow) }},
	"UPS.PowerSummary.RemainingCapacityLimitSetting": {
		get: func(s *simulator.State) int64 { return int64(s.ChargeLow) },
		set: func(m Model, v int64) error { return m.SetChargeLow(int(v)) },
	},

	// Reports 0x09 and 0x0a: the timers; -1 = no countdown.
	"UPS.PowerSummary.DelayBeforeShutdown": {
		get: func(s *simulator.State) int64 { return int64(s.TimerShutdown) },
		set: func(m Model, v int64) error { return m.SetDelayShutdown(int(v)) },
	},
	"UPS.PowerSummary.DelayBeforeStartup": {
		get: func(s *simulator.State) int64 { return int64(s.TimerStart) },
		set: func(m Model, v int64) error { return m.SetDelayStart(int(v)) },
	},

	// Report 0x0b: outlet IDs (1, 2, 3 on the ECO: NUT outlet.id, outlet.N.id).
	"UPS.OutletSystem.Outlet.[1].OutletID": {get: outletID(0)},
	"UPS.OutletSystem.Outlet.[2].OutletID": {get: outletID(1)},
	"UPS.OutletSystem.Outlet.[3].OutletID": {get: outletID(2)},

	// Reports 0x0c, 0x19, 0x1a: switchability.
	"UPS.OutletSystem.Outlet.[1].PresentStatus.Switchable": {get: outletSwitchable(0)},
	"UPS.OutletSystem.Outlet.[2].PresentStatus.Switchable": {get: outletSwitchable(1)},
	"UPS.OutletSystem.Outlet.[3].PresentStatus.Switchable": {get: outletSwitchable(2)},

	// Report 0x0d: ratings.
	"UPS.Flow.[4].ConfigApparentPower": {get: func(s *simulator.State) int64 { return int64(s.NominalVA) }},
	"UPS.Flow.[4].ConfigFrequency":     {get: func(s *simulator.State) int64 { return int64(s.NominalFrequency) }},
	// Report 0x12: output.voltage.nominal.
	"UPS.Flow.[4].ConfigVoltage": {
		get: func(s *simulator.State) int64 { return int64(s.NominalVoltage) },
		set: func(m Model, v int64) error { return m.SetNominalVoltage(int(v)) },
	},
	// Report 0x0e.
	"UPS.PowerConverter.Output.Voltage": {get: func(s *simulator.State) int64 { return round(s.OutputVoltage) }},
	// Reports 0x13 and 0x14: transfer thresholds.
	"UPS.PowerConverter.Output.HighVoltageTransfer": {
		get: func(s *simulator.State) int64 { return int64(s.TransferHigh) },
		set: func(m Model, v int64) error { return m.SetTransfer(0, int(v)) },
	},
	"UPS.PowerConverter.Output.LowVoltageTransfer": {
		get: func(s *simulator.State) int64 { return int64(s.TransferLow) },
		set: func(m Model, v int64) error { return m.SetTransfer(int(v), 0) },
	},
	// Report 0x15.
	"UPS.PowerSummary.Country": {get: func(s *simulator.State) int64 { return int64(s.Country) }},
	// Reports 0x1f and 0x20: the beeper, two copies of one setting.
	"UPS.PowerSummary.AudibleAlarmControl": {
		get: func(s *simulator.State) int64 { return int64(s.Beeper) },
		set: func(m Model, v int64) error { return m.SetBeeper(simulator.Beeper(v)) },
	},
	"UPS.BatterySystem.Battery.AudibleAlarmControl": {
		get: func(s *simulator.State) int64 { return int64(s.Beeper) },
		set: func(m Model, v int64) error { return m.SetBeeper(simulator.Beeper(v)) },
	},
	// Report 0x1b (ECO): outlet.power.
	"UPS.OutletSystem.Outlet.[1].ConfigApparentPower": {
		get: func(s *simulator.State) int64 { return int64(s.OutletPower) },
		set: func(m Model, v int64) error { return m.SetOutletPower(int(v)) },
	},
	// Report 0x03: alarms the model does not produce.
	"UPS.BatterySystem.Charger.PresentStatus.VoltageTooHigh":    {get: func(s *simulator.State) int64 { return 0 }},
	"UPS.BatterySystem.Charger.PresentStatus.VoltageTooLow":     {get: func(s *simulator.State) int64 { return 0 }},
	"UPS.PowerConverter.Inverter.PresentStatus.InternalFailure": {get: func(s *simulator.State) int64 { return 0 }},
	"UPS.PowerConverter.Output.PresentStatus.ShortCircuit":      {get: func(s *simulator.State) int64 { return 0 }},
}
