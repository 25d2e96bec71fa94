package hidview

import "fmt"

// usageNames names the usages the Eaton ECO descriptor uses, as NUT 2.8.0
// spells them (libhid.c's standard table and mge-hid.c's mge_usage_lkp),
// so paths built from them match NUT's mapping strings. Usages NUT has no
// name for print as 8 hex digits, as NUT does ("ffff00e9").
var usageNames = map[uint32]string{
	// Power Device page (0x84).
	0x00840002: "PresentStatus",
	0x00840004: "UPS",
	0x00840010: "BatterySystem",
	0x00840012: "Battery",
	0x00840014: "Charger",
	0x00840016: "PowerConverter",
	0x00840017: "PowerConverterID",
	0x00840018: "OutletSystem",
	0x00840019: "OutletSystemID",
	0x0084001a: "Input",
	0x0084001c: "Output",
	0x0084001d: "OutputID",
	0x0084001e: "Flow",
	0x0084001f: "FlowID",
	0x00840020: "Outlet",
	0x00840021: "OutletID",
	0x00840024: "PowerSummary",
	0x00840025: "PowerSummaryID",
	0x00840030: "Voltage",
	0x00840035: "PercentLoad",
	0x00840040: "ConfigVoltage",
	0x00840042: "ConfigFrequency",
	0x00840043: "ConfigApparentPower",
	0x00840053: "LowVoltageTransfer",
	0x00840054: "HighVoltageTransfer",
	0x00840056: "DelayBeforeStartup",
	0x00840057: "DelayBeforeShutdown",
	0x0084005a: "AudibleAlarmControl",
	0x00840061: "Good",
	0x00840062: "InternalFailure",
	0x00840065: "Overload",
	0x00840069: "ShutdownImminent",
	0x0084006b: "SwitchOn/Off",
	0x0084006c: "Switchable",
	0x00840073: "CommunicationLost",
	0x008400fd: "iManufacturer",
	0x008400fe: "iProduct",
	0x008400ff: "iSerialNumber",

	// Battery System page (0x85).
	0x00850029: "RemainingCapacityLimit",
	0x0085002c: "CapacityMode",
	0x00850042: "BelowRemainingCapacityLimit",
	0x00850044: "Charging",
	0x00850045: "Discharging",
	0x0085004b: "NeedReplacement",
	0x00850066: "RemainingCapacity",
	0x00850067: "FullChargeCapacity",
	0x00850068: "RunTimeToEmpty",
	0x00850083: "DesignCapacity",
	0x00850089: "iDeviceChemistry",
	0x0085008d: "CapacityGranularity1",
	0x008500d0: "ACPresent",

	// MGE/Eaton vendor page (0xffff).
	0xffff0014: "Inverter",
	0xffff001c: "HistorySystem",
	0xffff001e: "Event",
	0xffff001f: "EventID",
	0xffff0022: "OverallAlarm",
	0xffff0041: "ConverterType",
	0xffff004a: "ShortCircuit",
	0xffff004d: "RemainingCapacityLimitSetting",
	0xffff0074: "VoltageTooHigh",
	0xffff0075: "VoltageTooLow",
	0xffff0094: "Mode",
	0xffff0095: "Country",
	0xffff0098: "Code",
	0xffff00f0: "iModel",
	0xffff00f1: "iVersion",
	0xffff00f4: "iReferenceNumber",
}

var namesByPage = func() map[uint16]map[string]uint32 {
	m := map[uint16]map[string]uint32{}
	for u, n := range usageNames {
		p := uint16(u >> 16)
		if m[p] == nil {
			m[p] = map[string]uint32{}
		}
		m[p][n] = u
	}
	return m
}()

func usageByName(page uint16, name string) (uint32, bool) {
	u, ok := namesByPage[page][name]
	return u, ok
}

// usageName prints one path node the way NUT does: a name, "[n]" for an
// Eaton instance collection, or 8 hex digits.
func usageName(u uint32) string {
	if u&0xffffff00 == 0x00ff0000 {
		return fmt.Sprintf("[%d]", u&0xff)
	}
	if n, ok := usageNames[u]; ok {
		return n
	}
	return fmt.Sprintf("%08x", u)
}
