package simulator

import (
	"fmt"
	"time"

	"github.com/upslab/upslab/simulator/script"
)

// Check tells whether Apply would accept c, without changing anything
// (script.Checker): values within the profile's limits, commands the unit
// has.
func (d *Device) Check(c script.Command) error {
	p := d.prof
	switch c.Op {
	case script.OpSet:
		switch c.Name {
		case "battery.charge.low":
			if c.Value < 0 || c.Value > 100 {
				return fmt.Errorf("battery.charge.low %d out of range 0..100", c.Value)
			}
		case "battery.runtime.low":
			if p.RuntimeLow == 0 {
				return fmt.Errorf("battery.runtime.low: %s has no RemainingTimeLimit", p.Name)
			}
		case "input.transfer.low":
			if c.Value < p.TransferLowMin || c.Value > p.TransferLowMax {
				return fmt.Errorf("input.transfer.low %d out of range %d..%d", c.Value, p.TransferLowMin, p.TransferLowMax)
			}
		case "input.transfer.high":
			if c.Value < p.TransferHighMin || c.Value > p.TransferHighMax {
				return fmt.Errorf("input.transfer.high %d out of range %d..%d", c.Value, p.TransferHighMin, p.TransferHighMax)
			}
		case "output.voltage.nominal":
			if !contains(p.NominalVoltages, c.Value) {
				return fmt.Errorf("output.voltage.nominal %d not one of %v", c.Value, p.NominalVoltages)
			}
		case "outlet.power":
			if !contains(p.OutletPowers, c.Value) {
				return fmt.Errorf("outlet.power %d not one of %v", c.Value, p.OutletPowers)
			}
		default:
			return fmt.Errorf("unknown variable %q", c.Name)
		}
	case script.OpBeeper:
		if c.Value < 1 || c.Value > 3 {
			return fmt.Errorf("beeper value %d out of range 1..3", c.Value)
		}
	case script.OpMainsVoltage, script.OpSag:
		if c.Value < 0 || c.Value > 400 {
			return fmt.Errorf("voltage %d out of range 0..400", c.Value)
		}
	case script.OpLoad:
		if c.Value < 0 || c.Value > maxLoad {
			return fmt.Errorf("load %d%% out of range 0..%d%%", c.Value, maxLoad)
		}
	case script.OpBatteryCharge, script.OpNoise:
		if c.Value < 0 || c.Value > 100 {
			return fmt.Errorf("%d%% out of range 0..100%%", c.Value)
		}
	case script.OpBatteryHealth:
		if c.Value < 1 || c.Value > 100 {
			return fmt.Errorf("battery health %d%% out of range 1..100%%", c.Value)
		}
	case script.OpFault:
		if c.Name != "internal" {
			return fmt.Errorf("unknown fault %q", c.Name)
		}
	case script.OpTimerShutdown, script.OpTimerStart:
		if c.Value < -1 || c.Value > maxDelay {
			return fmt.Errorf("delay %d out of range -1..%d", c.Value, maxDelay)
		}
	case script.OpMainsFrequency, script.OpMainsOn, script.OpMainsOff, script.OpSagEnd,
		script.OpBatteryReplace, script.OpBatteryNew, script.OpCableUnplug, script.OpCableReplug,
		script.OpFaultClear, script.OpTestBattery, script.OpTestStop, script.OpExpect:
	default:
		return fmt.Errorf("unknown command %v", c.Op)
	}
	return nil
}

// Apply carries out one script command now (script.Target). A command
// that fails changes nothing. An expect command is evaluated against the
// device (see Expect) and fails when it does not hold; script runners
// route expect lines to their OnExpect hook instead of here.
func (d *Device) Apply(c script.Command) error {
	if err := d.Check(c); err != nil {
		return err
	}
	switch c.Op {
	case script.OpSet:
		switch c.Name {
		case "battery.charge.low":
			return d.SetChargeLow(c.Value)
		case "battery.runtime.low":
			return d.SetRuntimeLow(c.Value)
		case "input.transfer.low":
			return d.SetTransfer(c.Value, 0)
		case "input.transfer.high":
			return d.SetTransfer(0, c.Value)
		case "output.voltage.nominal":
			return d.SetNominalVoltage(c.Value)
		case "outlet.power":
			return d.SetOutletPower(c.Value)
		}
	case script.OpBeeper:
		return d.SetBeeper(Beeper(c.Value))
	case script.OpTimerShutdown:
		return d.SetDelayShutdown(c.Value)
	case script.OpTimerStart:
		return d.SetDelayStart(c.Value)
	case script.OpTestBattery:
		return d.StartBatteryTest()
	case script.OpTestStop:
		return d.StopBatteryTest()
	case script.OpExpect:
		return Expect(d.State(), c.Args)
	}
	return d.do(func(m *model, _ time.Time) error {
		switch c.Op {
		case script.OpMainsOn:
			m.connected = true
		case script.OpMainsOff:
			m.connected = false
		case script.OpMainsVoltage:
			m.baseV = c.Value
		case script.OpMainsFrequency:
			m.freq = c.Value
		case script.OpSag:
			m.sagV = c.Value
		case script.OpSagEnd:
			m.sagV = 0
		case script.OpLoad:
			m.load = c.Value
		case script.OpBatteryCharge:
			m.charge = int64(c.Value) * (full / 100)
		case script.OpBatteryHealth:
			m.health = c.Value
		case script.OpBatteryReplace:
			m.replace = true
		case script.OpBatteryNew:
			m.replace = false
			m.health = 100
			if m.testResult == TestError {
				m.testResult = TestNone
			}
		case script.OpCableUnplug:
			m.commLost = true
		case script.OpCableReplug:
			m.commLost = false
		case script.OpNoise:
			m.noise = c.Value
		case script.OpFault:
			m.internalFailure = true
		case script.OpFaultClear:
			m.internalFailure = false
		default:
			return fmt.Errorf("unknown command %v", c.Op)
		}
		return nil
	})
}
