package mge

// Flags are the subdriver's per-entry flags (NUT's HU_FLAG_* and
// HU_TYPE_CMD, plus ST_FLAG_RW).
type Flags uint16

// Entry flags.
const (
	// Static entries are read once, at init.
	Static Flags = 1 << iota
	// Semi entries are read at init and on the full update after a SET or
	// an instant command.
	Semi
	// Absent entries are driver-side variables: created with Format as
	// their value when the HID path exists; nothing is read.
	Absent
	// Quick entries are also read on every quick update (pollinterval).
	Quick
	// Cmd entries are instant commands; Format is the value written.
	Cmd
	// EnumFlag entries publish their lookup values as enumerations (when
	// also RW).
	EnumFlag
	// RW entries are writable (NUT's ST_FLAG_RW).
	RW
)

// Entry is one line of the mapping between HID paths and NUT: a variable,
// a status bit ("BOOL"), an alarm ("ups.alarm") or an instant command.
type Entry struct {
	Name   string
	Path   string
	Flags  Flags
	StrLen int    // >0: a STRING variable of at most StrLen characters
	Format string // printf format, default value (Absent) or command value (Cmd)
	Lookup *Lookup
}

// Table is the mge_hid2nut table of NUT 2.8.0 (MGE HID 1.46), in NUT's
// order: the order matters, since the first entry of a name whose path
// exists and yields a value wins, and status items later in the table
// override earlier ones within a walk. Generated from NUT's table as data
// (spec eaton-hid-shut.md, Appendix A); Debian's build has strptime, so
// ups.date and ups.time are RW.
//
// Later NUT (MGE HID 1.47..1.59) adds entries (outlet.N.protect.status,
// outlet.N.ecocontrol, outlet.3.*, device.usb.version, battery.charger.type
// and the Charger.Status ABM path, ECO/ESS/bypass modes) and names the
// vendor usages 0xffff0005 USB, 0xffff00e5 System and 0xffff00e9 Status.
// They are deliberately not adopted: the Ellipse ECO layout has
// ffff00e9 items under Outlet.[1]/[2] and a ffff00e5.ffff0005.iVersion
// item, so the newer table would publish outlet.1.protect.status and
// device.usb.version where NUT 2.8.0 publishes nothing, and the driver
// must match 2.8.0's variable set (issue 5). The newer behaviour fixes
// that do not add variables are followed (see the package doc).
var Table = []Entry{
	{Name: "device.country", Path: "UPS.PowerSummary.Country", Flags: Static, StrLen: 20, Format: "Europe", Lookup: eatonCheckCountryInfo},
	{Name: "battery.charge", Path: "UPS.PowerSummary.RemainingCapacity", Flags: 0, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "battery.charge.low", Path: "UPS.PowerSummary.RemainingCapacityLimitSetting", Flags: Semi | RW, StrLen: 5, Format: "%.0f", Lookup: nil},
	{Name: "battery.charge.low", Path: "UPS.PowerSummary.RemainingCapacityLimit", Flags: Static, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "battery.charge.restart", Path: "UPS.PowerSummary.RestartLevel", Flags: Semi | RW, StrLen: 3, Format: "%.0f", Lookup: nil},
	{Name: "battery.capacity", Path: "UPS.BatterySystem.Battery.DesignCapacity", Flags: Static, StrLen: 0, Format: "%s", Lookup: mgeBatteryCapacity},
	{Name: "battery.runtime", Path: "UPS.PowerSummary.RunTimeToEmpty", Flags: 0, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "battery.runtime.low", Path: "UPS.PowerSummary.RemainingTimeLimit", Flags: RW, StrLen: 10, Format: "%.0f", Lookup: nil},
	{Name: "battery.runtime.elapsed", Path: "UPS.StatisticSystem.Input.[1].Statistic.[1].Time", Flags: Quick, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "battery.runtime.low", Path: "UPS.PowerSummary.RemainingTimeLimit", Flags: RW, StrLen: 10, Format: "%.0f", Lookup: nil},
	{Name: "battery.temperature", Path: "UPS.BatterySystem.Battery.Temperature", Flags: 0, StrLen: 0, Format: "%s", Lookup: kelvinCelsiusConversion},
	{Name: "battery.type", Path: "UPS.PowerSummary.iDeviceChemistry", Flags: Static, StrLen: 0, Format: "%s", Lookup: stringidConversion},
	{Name: "battery.voltage", Path: "UPS.BatterySystem.Voltage", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "battery.voltage", Path: "UPS.PowerSummary.Voltage", Flags: 0, StrLen: 0, Format: "%s", Lookup: mgeBatteryVoltage},
	{Name: "battery.voltage.nominal", Path: "UPS.BatterySystem.ConfigVoltage", Flags: Static, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "battery.voltage.nominal", Path: "UPS.PowerSummary.ConfigVoltage", Flags: Static, StrLen: 0, Format: "%s", Lookup: mgeBatteryVoltageNominal},
	{Name: "battery.protection", Path: "UPS.BatterySystem.Battery.DeepDischargeProtection", Flags: Semi | RW, StrLen: 5, Format: "%s", Lookup: yesNoInfo},
	{Name: "battery.energysave", Path: "UPS.PowerConverter.Input.[3].EnergySaving", Flags: Semi | RW, StrLen: 5, Format: "%s", Lookup: yesNoInfo},
	{Name: "battery.energysave.load", Path: "UPS.PowerConverter.Input.[3].ConfigPercentLoad", Flags: Semi | RW, StrLen: 5, Format: "%.0f", Lookup: nil},
	{Name: "battery.energysave.delay", Path: "UPS.PowerConverter.Input.[3].EnergySaving.ShutdownTimer", Flags: Semi | RW, StrLen: 5, Format: "%.0f", Lookup: nil},
	{Name: "battery.energysave.delay", Path: "UPS.PowerConverter.Input.[3].ShutdownTimer", Flags: Semi | RW, StrLen: 5, Format: "%.0f", Lookup: nil},
	{Name: "battery.energysave.realpower", Path: "UPS.PowerConverter.Input.[3].ConfigActivePower", Flags: Semi | RW, StrLen: 5, Format: "%.0f", Lookup: nil},
	{Name: "battery.charger.status", Path: "UPS.BatterySystem.Charger.ABMEnable", Flags: Quick, StrLen: 0, Format: "%.0f", Lookup: eatonAbmEnabledInfo},
	{Name: "battery.charger.status", Path: "UPS.BatterySystem.Charger.Mode", Flags: Quick, StrLen: 0, Format: "%.0f", Lookup: eatonAbmStatusInfo},
	{Name: "ups.efficiency", Path: "UPS.PowerConverter.Output.Efficiency", Flags: 0, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "ups.firmware", Path: "UPS.PowerSummary.iVersion", Flags: Static, StrLen: 0, Format: "%s", Lookup: stringidConversion},
	{Name: "ups.load", Path: "UPS.PowerSummary.PercentLoad", Flags: 0, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "ups.load.high", Path: "UPS.Flow.[4].ConfigPercentLoad", Flags: Semi | RW, StrLen: 5, Format: "%.0f", Lookup: nil},
	{Name: "ups.delay.start", Path: "UPS.PowerSummary.DelayBeforeStartup", Flags: Absent | RW, StrLen: 10, Format: "30", Lookup: nil},
	{Name: "ups.delay.shutdown", Path: "UPS.PowerSummary.DelayBeforeShutdown", Flags: Absent | RW, StrLen: 10, Format: "20", Lookup: nil},
	{Name: "ups.timer.start", Path: "UPS.PowerSummary.DelayBeforeStartup", Flags: Quick, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "ups.timer.shutdown", Path: "UPS.PowerSummary.DelayBeforeShutdown", Flags: Quick, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "ups.timer.reboot", Path: "UPS.PowerSummary.DelayBeforeReboot", Flags: Quick, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "ups.test.result", Path: "UPS.BatterySystem.Battery.Test", Flags: 0, StrLen: 0, Format: "%s", Lookup: testReadInfo},
	{Name: "ups.test.interval", Path: "UPS.BatterySystem.Battery.TestPeriod", Flags: Semi | RW, StrLen: 8, Format: "%.0f", Lookup: nil},
	{Name: "ups.beeper.status", Path: "UPS.BatterySystem.Battery.AudibleAlarmControl", Flags: Semi, StrLen: 0, Format: "%s", Lookup: beeperInfo},
	{Name: "ups.beeper.status", Path: "UPS.PowerSummary.AudibleAlarmControl", Flags: Semi, StrLen: 0, Format: "%s", Lookup: beeperInfo},
	{Name: "ups.temperature", Path: "UPS.PowerSummary.Temperature", Flags: 0, StrLen: 0, Format: "%s", Lookup: kelvinCelsiusConversion},
	{Name: "ups.power", Path: "UPS.PowerConverter.Output.ApparentPower", Flags: 0, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "ups.L1.power", Path: "UPS.PowerConverter.Output.Phase.[1].ApparentPower", Flags: 0, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "ups.L2.power", Path: "UPS.PowerConverter.Output.Phase.[2].ApparentPower", Flags: 0, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "ups.L3.power", Path: "UPS.PowerConverter.Output.Phase.[3].ApparentPower", Flags: 0, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "ups.power.nominal", Path: "UPS.Flow.[4].ConfigApparentPower", Flags: Static, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "ups.realpower", Path: "UPS.PowerConverter.Output.ActivePower", Flags: 0, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "ups.realpower", Path: "UPS.Flow.[4].ConfigApparentPower", Flags: 0, StrLen: 0, Format: "-1", Lookup: eatonComputeRealpowerInfo},
	{Name: "ups.L1.realpower", Path: "UPS.PowerConverter.Output.Phase.[1].ActivePower", Flags: 0, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "ups.L2.realpower", Path: "UPS.PowerConverter.Output.Phase.[2].ActivePower", Flags: 0, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "ups.L3.realpower", Path: "UPS.PowerConverter.Output.Phase.[3].ActivePower", Flags: 0, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "ups.realpower.nominal", Path: "UPS.Flow.[4].ConfigActivePower", Flags: Static, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "ups.start.auto", Path: "UPS.PowerConverter.Input.[1].AutomaticRestart", Flags: Semi | RW, StrLen: 5, Format: "%s", Lookup: yesNoInfo},
	{Name: "ups.start.battery", Path: "UPS.PowerConverter.Input.[3].StartOnBattery", Flags: Semi | RW, StrLen: 5, Format: "%s", Lookup: yesNoInfo},
	{Name: "ups.start.reboot", Path: "UPS.PowerConverter.Output.ForcedReboot", Flags: Semi | RW, StrLen: 5, Format: "%s", Lookup: yesNoInfo},
	{Name: "ups.shutdown", Path: "UPS.PowerSummary.PresentStatus.Switchable", Flags: Semi | EnumFlag | RW, StrLen: 10, Format: "%s", Lookup: eatonEnableDisableInfo},
	{Name: "ups.date", Path: "UPS.PowerSummary.Time", Flags: RW, StrLen: 10, Format: "%s", Lookup: mgeDateConversion},
	{Name: "ups.time", Path: "UPS.PowerSummary.Time", Flags: RW, StrLen: 10, Format: "%s", Lookup: mgeTimeConversion},
	{Name: "ups.type", Path: "UPS.PowerConverter.ConverterType", Flags: Static, StrLen: 0, Format: "%s", Lookup: mgeUpstypeConversion},
	{Name: "BOOL", Path: "UPS.PowerSummary.PresentStatus.ACPresent", Flags: Quick, StrLen: 0, Format: "", Lookup: onlineInfo},
	{Name: "BOOL", Path: "UPS.PowerConverter.Input.[3].PresentStatus.Used", Flags: 0, StrLen: 0, Format: "", Lookup: mgeOnbattInfo},
	{Name: "BOOL", Path: "UPS.PowerSummary.PresentStatus.Discharging", Flags: Quick, StrLen: 0, Format: "", Lookup: eatonDischargingInfo},
	{Name: "BOOL", Path: "UPS.PowerSummary.PresentStatus.Charging", Flags: Quick, StrLen: 0, Format: "", Lookup: eatonChargingInfo},
	{Name: "BOOL", Path: "UPS.BatterySystem.Charger.Mode", Flags: Quick, StrLen: 0, Format: "%.0f", Lookup: eatonAbmChrgDischrgInfo},
	{Name: "BOOL", Path: "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit", Flags: Quick, StrLen: 0, Format: "", Lookup: lowbattInfo},
	{Name: "BOOL", Path: "UPS.PowerConverter.Output.Overload.[1].PresentStatus.OverThreshold", Flags: 0, StrLen: 0, Format: "", Lookup: overloadInfo},
	{Name: "BOOL", Path: "UPS.PowerConverter.Output.Overload.[2].PresentStatus.OverThreshold", Flags: 0, StrLen: 0, Format: "", Lookup: overloadInfo},
	{Name: "BOOL", Path: "UPS.PowerSummary.PresentStatus.Overload", Flags: 0, StrLen: 0, Format: "", Lookup: overloadInfo},
	{Name: "BOOL", Path: "UPS.PowerSummary.PresentStatus.NeedReplacement", Flags: 0, StrLen: 0, Format: "", Lookup: replacebattInfo},
	{Name: "BOOL", Path: "UPS.LCMSystem.LCMAlarm.[2].PresentStatus.TimerExpired", Flags: 0, StrLen: 0, Format: "", Lookup: replacebattInfo},
	{Name: "BOOL", Path: "UPS.PowerConverter.Input.[1].PresentStatus.Buck", Flags: 0, StrLen: 0, Format: "", Lookup: trimInfo},
	{Name: "BOOL", Path: "UPS.PowerConverter.Input.[1].PresentStatus.Boost", Flags: 0, StrLen: 0, Format: "", Lookup: boostInfo},
	{Name: "BOOL", Path: "UPS.PowerConverter.Input.[1].PresentStatus.VoltageOutOfRange", Flags: 0, StrLen: 0, Format: "", Lookup: vrangeInfo},
	{Name: "BOOL", Path: "UPS.PowerConverter.Input.[1].PresentStatus.FrequencyOutOfRange", Flags: 0, StrLen: 0, Format: "", Lookup: frangeInfo},
	{Name: "BOOL", Path: "UPS.PowerSummary.PresentStatus.Good", Flags: 0, StrLen: 0, Format: "", Lookup: offInfo},
	{Name: "BOOL", Path: "UPS.PowerConverter.Input.[1].PresentStatus.Used", Flags: 0, StrLen: 0, Format: "", Lookup: eatonConverterOnlineInfo},
	{Name: "BOOL", Path: "UPS.PowerConverter.Input.[2].PresentStatus.Used", Flags: 0, StrLen: 0, Format: "", Lookup: bypassAutoInfo},
	{Name: "BOOL", Path: "UPS.PowerConverter.Input.[4].PresentStatus.Used", Flags: 0, StrLen: 0, Format: "", Lookup: bypassManualInfo},
	{Name: "BOOL", Path: "UPS.PowerSummary.PresentStatus.FanFailure", Flags: 0, StrLen: 0, Format: "", Lookup: fanfailInfo},
	{Name: "BOOL", Path: "UPS.BatterySystem.Battery.PresentStatus.Present", Flags: 0, StrLen: 0, Format: "", Lookup: nobatteryInfo},
	{Name: "BOOL", Path: "UPS.BatterySystem.Charger.PresentStatus.InternalFailure", Flags: 0, StrLen: 0, Format: "", Lookup: chargerfailInfo},
	{Name: "BOOL", Path: "UPS.BatterySystem.Charger.PresentStatus.VoltageTooHigh", Flags: 0, StrLen: 0, Format: "", Lookup: battvolthiInfo},
	{Name: "BOOL", Path: "UPS.PowerConverter.Input.[1].PresentStatus.VoltageTooHigh", Flags: 0, StrLen: 0, Format: "", Lookup: battvolthiInfo},
	{Name: "BOOL", Path: "UPS.BatterySystem.Battery.PresentStatus.VoltageTooHigh", Flags: 0, StrLen: 0, Format: "", Lookup: battvolthiInfo},
	{Name: "BOOL", Path: "UPS.BatterySystem.Charger.PresentStatus.VoltageTooLow", Flags: 0, StrLen: 0, Format: "", Lookup: battvoltloInfo},
	{Name: "BOOL", Path: "UPS.PowerConverter.Input.[1].PresentStatus.VoltageTooLow", Flags: 0, StrLen: 0, Format: "", Lookup: mgeOnbattInfo},
	{Name: "BOOL", Path: "UPS.PowerSummary.PresentStatus.InternalFailure", Flags: 0, StrLen: 0, Format: "", Lookup: commfaultInfo},
	{Name: "BOOL", Path: "UPS.PowerSummary.PresentStatus.OverTemperature", Flags: 0, StrLen: 0, Format: "", Lookup: overheatInfo},
	{Name: "BOOL", Path: "UPS.PowerSummary.PresentStatus.ShutdownImminent", Flags: 0, StrLen: 0, Format: "", Lookup: shutdownimmInfo},
	{Name: "ups.alarm", Path: "UPS.PowerSummary.PresentStatus.EmergencyStop", Flags: 0, StrLen: 0, Format: "", Lookup: mgeEmergencyStop},
	{Name: "ups.alarm", Path: "UPS.PowerConverter.Input.[1].PresentStatus.WiringFault", Flags: 0, StrLen: 0, Format: "", Lookup: mgeWiringFault},
	{Name: "ups.alarm", Path: "UPS.PowerSummary.PresentStatus.ConfigurationFailure", Flags: 0, StrLen: 0, Format: "", Lookup: mgeConfigFailure},
	{Name: "ups.alarm", Path: "UPS.PowerConverter.Inverter.PresentStatus.VoltageTooHigh", Flags: 0, StrLen: 0, Format: "", Lookup: mgeInverterVolthi},
	{Name: "ups.alarm", Path: "UPS.PowerConverter.Inverter.PresentStatus.VoltageTooLow", Flags: 0, StrLen: 0, Format: "", Lookup: mgeInverterVoltlo},
	{Name: "ups.alarm", Path: "UPS.PowerConverter.Output.PresentStatus.ShortCircuit", Flags: 0, StrLen: 0, Format: "", Lookup: mgeShortCircuit},
	{Name: "input.voltage", Path: "UPS.PowerConverter.Input.[1].Voltage", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "input.L1-N.voltage", Path: "UPS.PowerConverter.Input.[1].Phase.[1].Voltage", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "input.L2-N.voltage", Path: "UPS.PowerConverter.Input.[1].Phase.[2].Voltage", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "input.L3-N.voltage", Path: "UPS.PowerConverter.Input.[1].Phase.[3].Voltage", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "input.L1-L2.voltage", Path: "UPS.PowerConverter.Input.[1].Phase.[12].Voltage", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "input.L2-L3.voltage", Path: "UPS.PowerConverter.Input.[1].Phase.[23].Voltage", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "input.L3-L1.voltage", Path: "UPS.PowerConverter.Input.[1].Phase.[31].Voltage", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "input.voltage.nominal", Path: "UPS.Flow.[1].ConfigVoltage", Flags: Static, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "input.current", Path: "UPS.PowerConverter.Input.[1].Current", Flags: 0, StrLen: 0, Format: "%.2f", Lookup: nil},
	{Name: "input.L1.current", Path: "UPS.PowerConverter.Input.[1].Phase.[1].Current", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "input.L2.current", Path: "UPS.PowerConverter.Input.[1].Phase.[2].Current", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "input.L3.current", Path: "UPS.PowerConverter.Input.[1].Phase.[3].Current", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "input.current.nominal", Path: "UPS.Flow.[1].ConfigCurrent", Flags: Static, StrLen: 0, Format: "%.2f", Lookup: nil},
	{Name: "input.frequency", Path: "UPS.PowerConverter.Input.[1].Frequency", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "input.frequency.nominal", Path: "UPS.Flow.[1].ConfigFrequency", Flags: Static, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "input.transfer.low", Path: "UPS.PowerConverter.Output.LowVoltageTransfer", Flags: Semi | RW, StrLen: 5, Format: "%.0f", Lookup: nil},
	{Name: "input.transfer.boost.low", Path: "UPS.PowerConverter.Output.LowVoltageBoostTransfer", Flags: Semi | RW, StrLen: 5, Format: "%.0f", Lookup: nil},
	{Name: "input.transfer.boost.high", Path: "UPS.PowerConverter.Output.HighVoltageBoostTransfer", Flags: Semi | RW, StrLen: 5, Format: "%.0f", Lookup: nil},
	{Name: "input.transfer.trim.low", Path: "UPS.PowerConverter.Output.LowVoltageBuckTransfer", Flags: Semi | RW, StrLen: 5, Format: "%.0f", Lookup: nil},
	{Name: "input.transfer.high", Path: "UPS.PowerConverter.Output.HighVoltageTransfer", Flags: Semi | RW, StrLen: 5, Format: "%.0f", Lookup: nil},
	{Name: "input.transfer.trim.high", Path: "UPS.PowerConverter.Output.HighVoltageBuckTransfer", Flags: Semi | RW, StrLen: 5, Format: "%.0f", Lookup: nil},
	{Name: "input.sensitivity", Path: "UPS.PowerConverter.Output.SensitivityMode", Flags: Semi | RW, StrLen: 10, Format: "%s", Lookup: mgeSensitivityInfo},
	{Name: "input.voltage.extended", Path: "UPS.PowerConverter.Output.ExtendedVoltageMode", Flags: Semi | RW, StrLen: 5, Format: "%s", Lookup: yesNoInfo},
	{Name: "input.frequency.extended", Path: "UPS.PowerConverter.Output.ExtendedFrequencyMode", Flags: Semi | RW, StrLen: 5, Format: "%s", Lookup: yesNoInfo},
	{Name: "input.bypass.voltage", Path: "UPS.PowerConverter.Input.[2].Voltage", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "input.bypass.L1-N.voltage", Path: "UPS.PowerConverter.Input.[2].Phase.[1].Voltage", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "input.bypass.L2-N.voltage", Path: "UPS.PowerConverter.Input.[2].Phase.[2].Voltage", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "input.bypass.L3-N.voltage", Path: "UPS.PowerConverter.Input.[2].Phase.[3].Voltage", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "input.bypass.L1-L2.voltage", Path: "UPS.PowerConverter.Input.[2].Phase.[12].Voltage", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "input.bypass.L2-L3.voltage", Path: "UPS.PowerConverter.Input.[2].Phase.[23].Voltage", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "input.bypass.L3-L1.voltage", Path: "UPS.PowerConverter.Input.[2].Phase.[31].Voltage", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "input.bypass.voltage.nominal", Path: "UPS.Flow.[2].ConfigVoltage", Flags: Static, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "input.bypass.current", Path: "UPS.PowerConverter.Input.[2].Current", Flags: 0, StrLen: 0, Format: "%.2f", Lookup: nil},
	{Name: "input.bypass.L1.current", Path: "UPS.PowerConverter.Input.[2].Phase.[1].Current", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "input.bypass.L2.current", Path: "UPS.PowerConverter.Input.[2].Phase.[2].Current", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "input.bypass.L3.current", Path: "UPS.PowerConverter.Input.[2].Phase.[3].Current", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "input.bypass.current.nominal", Path: "UPS.Flow.[2].ConfigCurrent", Flags: Static, StrLen: 0, Format: "%.2f", Lookup: nil},
	{Name: "input.bypass.frequency", Path: "UPS.PowerConverter.Input.[2].Frequency", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "input.bypass.frequency.nominal", Path: "UPS.Flow.[2].ConfigFrequency", Flags: Static, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "output.voltage", Path: "UPS.PowerConverter.Output.Voltage", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "output.L1-N.voltage", Path: "UPS.PowerConverter.Output.Phase.[1].Voltage", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "output.L2-N.voltage", Path: "UPS.PowerConverter.Output.Phase.[2].Voltage", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "output.L3-N.voltage", Path: "UPS.PowerConverter.Output.Phase.[3].Voltage", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "output.L1-L2.voltage", Path: "UPS.PowerConverter.Output.Phase.[12].Voltage", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "output.L2-L3.voltage", Path: "UPS.PowerConverter.Output.Phase.[23].Voltage", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "output.L3-L1.voltage", Path: "UPS.PowerConverter.Output.Phase.[31].Voltage", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "output.voltage.nominal", Path: "UPS.Flow.[4].ConfigVoltage", Flags: Semi | EnumFlag | RW, StrLen: 3, Format: "%.0f", Lookup: nominalOutputVoltageInfo},
	{Name: "output.current", Path: "UPS.PowerConverter.Output.Current", Flags: 0, StrLen: 0, Format: "%.2f", Lookup: nil},
	{Name: "output.L1.current", Path: "UPS.PowerConverter.Output.Phase.[1].Current", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "output.L2.current", Path: "UPS.PowerConverter.Output.Phase.[2].Current", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "output.L3.current", Path: "UPS.PowerConverter.Output.Phase.[3].Current", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "output.current.nominal", Path: "UPS.Flow.[4].ConfigCurrent", Flags: 0, StrLen: 0, Format: "%.2f", Lookup: nil},
	{Name: "output.frequency", Path: "UPS.PowerConverter.Output.Frequency", Flags: 0, StrLen: 0, Format: "%.1f", Lookup: nil},
	{Name: "output.frequency.nominal", Path: "UPS.Flow.[4].ConfigFrequency", Flags: Static, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "output.powerfactor", Path: "UPS.PowerConverter.Output.PowerFactor", Flags: 0, StrLen: 0, Format: "%s", Lookup: mgePowerfactorConversion},
	{Name: "outlet.id", Path: "UPS.OutletSystem.Outlet.[1].OutletID", Flags: Static, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "outlet.desc", Path: "UPS.OutletSystem.Outlet.[1].OutletID", Flags: Absent | RW, StrLen: 20, Format: "Main Outlet", Lookup: nil},
	{Name: "outlet.switchable", Path: "UPS.OutletSystem.Outlet.[1].PresentStatus.Switchable", Flags: Static, StrLen: 0, Format: "%s", Lookup: yesNoInfo},
	{Name: "outlet.power", Path: "UPS.OutletSystem.Outlet.[1].ConfigApparentPower", Flags: Semi | EnumFlag | RW, StrLen: 6, Format: "%s", Lookup: pegasusThresholdInfo},
	{Name: "outlet.power", Path: "UPS.OutletSystem.Outlet.[1].ApparentPower", Flags: 0, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "outlet.realpower", Path: "UPS.OutletSystem.Outlet.[1].ActivePower", Flags: 0, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "outlet.current", Path: "UPS.OutletSystem.Outlet.[1].Current", Flags: 0, StrLen: 0, Format: "%.2f", Lookup: nil},
	{Name: "outlet.powerfactor", Path: "UPS.OutletSystem.Outlet.[1].PowerFactor", Flags: 0, StrLen: 0, Format: "%.2f", Lookup: nil},
	{Name: "outlet.1.id", Path: "UPS.OutletSystem.Outlet.[2].OutletID", Flags: Static, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "outlet.1.desc", Path: "UPS.OutletSystem.Outlet.[2].OutletID", Flags: Absent | RW, StrLen: 20, Format: "PowerShare Outlet 1", Lookup: nil},
	{Name: "outlet.1.switchable", Path: "UPS.OutletSystem.Outlet.[2].PresentStatus.Switchable", Flags: Static, StrLen: 0, Format: "%s", Lookup: yesNoInfo},
	{Name: "outlet.1.status", Path: "UPS.OutletSystem.Outlet.[2].PresentStatus.SwitchOn/Off", Flags: 0, StrLen: 0, Format: "%s", Lookup: onOffInfo},
	{Name: "outlet.1.status", Path: "UPS.PowerSummary.PresentStatus.ACPresent", Flags: 0, StrLen: 0, Format: "%s", Lookup: onOffInfo},
	{Name: "outlet.1.autoswitch.charge.low", Path: "UPS.OutletSystem.Outlet.[2].RemainingCapacityLimit", Flags: Semi | RW, StrLen: 3, Format: "%.0f", Lookup: nil},
	{Name: "outlet.1.delay.shutdown", Path: "UPS.OutletSystem.Outlet.[2].ShutdownTimer", Flags: Semi | RW, StrLen: 5, Format: "%.0f", Lookup: nil},
	{Name: "outlet.1.delay.start", Path: "UPS.OutletSystem.Outlet.[2].StartupTimer", Flags: Semi | RW, StrLen: 5, Format: "%.0f", Lookup: nil},
	{Name: "outlet.1.power", Path: "UPS.OutletSystem.Outlet.[2].ApparentPower", Flags: 0, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "outlet.1.realpower", Path: "UPS.OutletSystem.Outlet.[2].ActivePower", Flags: 0, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "outlet.1.current", Path: "UPS.OutletSystem.Outlet.[2].Current", Flags: 0, StrLen: 0, Format: "%.2f", Lookup: nil},
	{Name: "outlet.1.powerfactor", Path: "UPS.OutletSystem.Outlet.[2].PowerFactor", Flags: 0, StrLen: 0, Format: "%.2f", Lookup: nil},
	{Name: "outlet.2.id", Path: "UPS.OutletSystem.Outlet.[3].OutletID", Flags: Static, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "outlet.2.desc", Path: "UPS.OutletSystem.Outlet.[3].OutletID", Flags: Absent | RW, StrLen: 20, Format: "PowerShare Outlet 2", Lookup: nil},
	{Name: "outlet.2.switchable", Path: "UPS.OutletSystem.Outlet.[3].PresentStatus.Switchable", Flags: Semi | RW, StrLen: 3, Format: "%s", Lookup: pegasusYesNoInfo},
	{Name: "outlet.2.switchable", Path: "UPS.OutletSystem.Outlet.[3].PresentStatus.Switchable", Flags: 0, StrLen: 0, Format: "%s", Lookup: yesNoInfo},
	{Name: "outlet.2.status", Path: "UPS.OutletSystem.Outlet.[3].PresentStatus.SwitchOn/Off", Flags: 0, StrLen: 0, Format: "%s", Lookup: onOffInfo},
	{Name: "outlet.2.autoswitch.charge.low", Path: "UPS.OutletSystem.Outlet.[3].RemainingCapacityLimit", Flags: Semi | RW, StrLen: 3, Format: "%.0f", Lookup: nil},
	{Name: "outlet.2.delay.shutdown", Path: "UPS.OutletSystem.Outlet.[3].ShutdownTimer", Flags: Semi | RW, StrLen: 5, Format: "%.0f", Lookup: nil},
	{Name: "outlet.2.delay.start", Path: "UPS.OutletSystem.Outlet.[3].StartupTimer", Flags: Semi | RW, StrLen: 5, Format: "%.0f", Lookup: nil},
	{Name: "outlet.2.power", Path: "UPS.OutletSystem.Outlet.[3].ApparentPower", Flags: 0, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "outlet.2.realpower", Path: "UPS.OutletSystem.Outlet.[3].ActivePower", Flags: 0, StrLen: 0, Format: "%.0f", Lookup: nil},
	{Name: "outlet.2.current", Path: "UPS.OutletSystem.Outlet.[3].Current", Flags: 0, StrLen: 0, Format: "%.2f", Lookup: nil},
	{Name: "outlet.2.powerfactor", Path: "UPS.OutletSystem.Outlet.[3].PowerFactor", Flags: 0, StrLen: 0, Format: "%.2f", Lookup: nil},
	{Name: "test.battery.start.quick", Path: "UPS.BatterySystem.Battery.Test", Flags: Cmd, StrLen: 0, Format: "1", Lookup: nil},
	{Name: "test.battery.start.deep", Path: "UPS.BatterySystem.Battery.Test", Flags: Cmd, StrLen: 0, Format: "2", Lookup: nil},
	{Name: "test.battery.stop", Path: "UPS.BatterySystem.Battery.Test", Flags: Cmd, StrLen: 0, Format: "3", Lookup: nil},
	{Name: "load.off.delay", Path: "UPS.PowerSummary.DelayBeforeShutdown", Flags: Cmd, StrLen: 0, Format: "20", Lookup: nil},
	{Name: "load.on.delay", Path: "UPS.PowerSummary.DelayBeforeStartup", Flags: Cmd, StrLen: 0, Format: "30", Lookup: nil},
	{Name: "shutdown.stop", Path: "UPS.PowerSummary.DelayBeforeShutdown", Flags: Cmd, StrLen: 0, Format: "-1", Lookup: nil},
	{Name: "shutdown.reboot", Path: "UPS.PowerSummary.DelayBeforeReboot", Flags: Cmd, StrLen: 0, Format: "10", Lookup: nil},
	{Name: "beeper.off", Path: "UPS.PowerSummary.AudibleAlarmControl", Flags: Cmd, StrLen: 0, Format: "1", Lookup: nil},
	{Name: "beeper.on", Path: "UPS.PowerSummary.AudibleAlarmControl", Flags: Cmd, StrLen: 0, Format: "2", Lookup: nil},
	{Name: "beeper.mute", Path: "UPS.BatterySystem.Battery.AudibleAlarmControl", Flags: Cmd, StrLen: 0, Format: "3", Lookup: nil},
	{Name: "beeper.mute", Path: "UPS.PowerSummary.AudibleAlarmControl", Flags: Cmd, StrLen: 0, Format: "3", Lookup: nil},
	{Name: "beeper.disable", Path: "UPS.BatterySystem.Battery.AudibleAlarmControl", Flags: Cmd, StrLen: 0, Format: "1", Lookup: nil},
	{Name: "beeper.disable", Path: "UPS.PowerSummary.AudibleAlarmControl", Flags: Cmd, StrLen: 0, Format: "1", Lookup: nil},
	{Name: "beeper.enable", Path: "UPS.BatterySystem.Battery.AudibleAlarmControl", Flags: Cmd, StrLen: 0, Format: "2", Lookup: nil},
	{Name: "beeper.enable", Path: "UPS.PowerSummary.AudibleAlarmControl", Flags: Cmd, StrLen: 0, Format: "2", Lookup: nil},
	{Name: "outlet.1.load.off", Path: "UPS.OutletSystem.Outlet.[2].DelayBeforeShutdown", Flags: Cmd, StrLen: 0, Format: "0", Lookup: nil},
	{Name: "outlet.1.load.on", Path: "UPS.OutletSystem.Outlet.[2].DelayBeforeStartup", Flags: Cmd, StrLen: 0, Format: "0", Lookup: nil},
	{Name: "outlet.2.load.off", Path: "UPS.OutletSystem.Outlet.[3].DelayBeforeShutdown", Flags: Cmd, StrLen: 0, Format: "0", Lookup: nil},
	{Name: "outlet.2.load.on", Path: "UPS.OutletSystem.Outlet.[3].DelayBeforeStartup", Flags: Cmd, StrLen: 0, Format: "0", Lookup: nil},
}
