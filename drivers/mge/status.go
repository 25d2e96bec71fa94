package mge

import (
	"strings"
)

// Internal status bits of usbhid-ups.c: collected from the device by the
// BOOL entries, kept until the same item is read again, and only turned
// into NUT's ups.status words by Status.
const (
	stOnline = iota
	stDischrg
	stChrg
	stLowBatt
	stOverload
	stReplaceBatt
	stShutdownImm
	stTrim
	stBoost
	stBypassAuto
	stBypassMan
	stOff
	stCal
	stOverheat
	stCommFault
	stDepleted
	stTimeLimitExp
	stFullyCharged
	stAwaitingPower
	stFanFail
	stNoBattery
	stBattVoltLo
	stBattVoltHi
	stChargerFail
	stVRange
	stFRange
)

func bit(n int) uint32 { return 1 << n }

var statusWords = map[string]int{
	"online": stOnline, "dischrg": stDischrg, "chrg": stChrg, "lowbatt": stLowBatt,
	"overload": stOverload, "replacebatt": stReplaceBatt, "shutdownimm": stShutdownImm,
	"trim": stTrim, "boost": stBoost, "bypassauto": stBypassAuto, "bypassman": stBypassMan,
	"off": stOff, "cal": stCal, "overheat": stOverheat, "commfault": stCommFault,
	"depleted": stDepleted, "timelimitexp": stTimeLimitExp, "fullycharged": stFullyCharged,
	"awaitingpower": stAwaitingPower, "fanfail": stFanFail, "nobattery": stNoBattery,
	"battvoltlo": stBattVoltLo, "battvolthi": stBattVoltHi, "chargerfail": stChargerFail,
	"vrange": stVRange, "frange": stFRange,
}

// boolean is process_boolean_info: "word" sets a bit, "!word" clears it.
func (s *Subdriver) boolean(w string) {
	clear := strings.HasPrefix(w, "!")
	w = strings.TrimPrefix(w, "!")
	n, ok := statusWords[strings.ToLower(w)]
	if !ok {
		return
	}
	if clear {
		s.status &^= bit(n)
	} else {
		s.status |= bit(n)
	}
}

// Status composes NUT's ups.status words from internal status bits, in
// usbhid-ups.c's order: OB or OL, DISCHRG, CHRG, LB, OVER, RB, TRIM,
// BOOST, BYPASS, OFF, CAL. (The "onlinedischarge" option, which turns
// OL+DISCHRG into OB, is not supported.)
func Status(bits uint32) []string {
	has := func(n int) bool { return bits&bit(n) != 0 }
	var w []string
	if !has(stOnline) {
		w = append(w, "OB")
	} else {
		w = append(w, "OL")
	}
	if has(stDischrg) && !has(stDepleted) {
		w = append(w, "DISCHRG")
	}
	if has(stChrg) && !has(stFullyCharged) {
		w = append(w, "CHRG")
	}
	if has(stLowBatt) || has(stTimeLimitExp) || has(stShutdownImm) {
		w = append(w, "LB")
	}
	if has(stOverload) {
		w = append(w, "OVER")
	}
	if has(stReplaceBatt) {
		w = append(w, "RB")
	}
	if has(stTrim) {
		w = append(w, "TRIM")
	}
	if has(stBoost) {
		w = append(w, "BOOST")
	}
	if has(stBypassAuto) || has(stBypassMan) {
		w = append(w, "BYPASS")
	}
	if has(stOff) {
		w = append(w, "OFF")
	}
	if has(stCal) {
		w = append(w, "CAL")
	}
	return w
}

// alarmTexts are the ups.alarm texts ups_alarm_set derives from status
// bits, in its order.
var alarmTexts = []struct {
	bit  int
	text string
}{
	{stReplaceBatt, "Replace battery!"},
	{stShutdownImm, "Shutdown imminent!"},
	{stFanFail, "Fan failure!"},
	{stNoBattery, "No battery installed!"},
	{stBattVoltLo, "Battery voltage too low!"},
	{stBattVoltHi, "Battery voltage too high!"},
	{stChargerFail, "Battery charger fail!"},
	{stOverheat, "Temperature too high!"},
	{stCommFault, "Internal UPS fault!"},
	{stAwaitingPower, "Awaiting power!"},
	{stBypassAuto, "Automatic bypass mode!"},
	{stBypassMan, "Manual bypass mode!"},
}

// commitAlarms is ups_alarm_set + alarm_commit (full updates only).
func (s *Subdriver) commitAlarms() {
	for _, a := range alarmTexts {
		if s.status&bit(a.bit) != 0 {
			s.alarms = append(s.alarms, a.text)
		}
	}
	if len(s.alarms) > 0 {
		s.t.Set("ups.alarm", strings.Join(s.alarms, " "))
		s.alarmActive = true
	} else {
		s.t.Del("ups.alarm")
		s.alarmActive = false
	}
}

// commitStatus is ups_status_set + status_commit: input.transfer.reason,
// then ups.status, prefixed "ALARM " while an alarm is published (NUT
// 2.8.0's dstate).
func (s *Subdriver) commitStatus() {
	switch {
	case s.status&bit(stVRange) != 0:
		s.t.Set("input.transfer.reason", "input voltage out of range")
	case s.status&bit(stFRange) != 0:
		s.t.Set("input.transfer.reason", "input frequency out of range")
	default:
		s.t.Del("input.transfer.reason")
	}
	if s.status&bit(stOnline) != 0 && s.status&bit(stDischrg) != 0 && s.status&bit(stCal) == 0 {
		s.logf("seems that UPS is in OL+DISCHRG state now. Is it calibrating or do you perhaps want to set 'onlinedischarge' option?")
	}
	st := strings.Join(Status(s.status), " ")
	if s.alarmActive {
		st = "ALARM " + st
	}
	s.t.Set("ups.status", st)
}

type modelName struct {
	product, model string
	typ            int
	name           string // "" = product + " " + model
}

// modelNames is mge-hid.c's model table (the entries that change a name
// or a type). The Ellipse ECO and Protection Station are "Pegasus":
// offline units whose outlet.power threshold and outlet.2.switchable are
// writable.
var modelNames = []modelName{
	{"ELLIPSE", "300", typeDefaultOffline, "ellipse 300"},
	{"ELLIPSE", "500", typeDefaultOffline, "ellipse 500"},
	{"ELLIPSE", "650", typeDefaultOffline, "ellipse 650"},
	{"ELLIPSE", "800", typeDefaultOffline, "ellipse 800"},
	{"ELLIPSE", "1200", typeDefaultOffline, "ellipse 1200"},
	{"ellipse", "PR500", typeDefaultOffline, "ellipse premium 500"},
	{"ellipse", "PR650", typeDefaultOffline, "ellipse premium 650"},
	{"ellipse", "PR800", typeDefaultOffline, "ellipse premium 800"},
	{"ellipse", "PR1200", typeDefaultOffline, "ellipse premium 1200"},
	{"ELLIPSE", "600", typeDefaultOffline, "Ellipse 600"},
	{"ELLIPSE", "750", typeDefaultOffline, "Ellipse 750"},
	{"ELLIPSE", "1000", typeDefaultOffline, "Ellipse 1000"},
	{"ELLIPSE", "1500", typeDefaultOffline, "Ellipse 1500"},
	{"Ellipse MAX", "600", typeDefaultOffline, ""},
	{"Ellipse MAX", "850", typeDefaultOffline, ""},
	{"Ellipse MAX", "1100", typeDefaultOffline, ""},
	{"Ellipse MAX", "1500", typeDefaultOffline, ""},
	{"PROTECTIONCENTER", "420", typeDefaultOffline, "Protection Center 420"},
	{"PROTECTIONCENTER", "500", typeDefaultOffline, "Protection Center 500"},
	{"PROTECTIONCENTER", "675", typeDefaultOffline, "Protection Center 675"},
	{"Protection Station", "500", typePegasus, ""},
	{"Protection Station", "650", typePegasus, ""},
	{"Protection Station", "800", typePegasus, ""},
	{"Ellipse ECO", "650", typePegasus, ""},
	{"Ellipse ECO", "800", typePegasus, ""},
	{"Ellipse ECO", "1200", typePegasus, ""},
	{"Ellipse ECO", "1600", typePegasus, ""},
	{"3S", "450", typeDefaultOffline, ""},
	{"3S", "550", typeDefaultOffline, ""},
	{"3S", "700", type3S, ""},
	{"3S", "750", type3S, ""},
	{"Evolution", "500", typeDefault, "Pulsar Evolution 500"},
	{"Evolution", "800", typeDefault, "Pulsar Evolution 800"},
	{"Evolution", "1100", typeDefault, "Pulsar Evolution 1100"},
	{"Evolution", "1500", typeDefault, "Pulsar Evolution 1500"},
	{"Evolution", "2200", typeDefault, "Pulsar Evolution 2200"},
	{"Evolution", "3000", typeDefault, "Pulsar Evolution 3000"},
	{"Evolution", "3000XL", typeDefault, "Pulsar Evolution 3000 XL"},
	{"Evolution", "650", typeEvolution650, ""},
	{"Evolution", "850", typeEvolution + 2, ""},
	{"Evolution", "1150", typeEvolution + 3, ""},
	{"Evolution", "S 1250", typeEvolution + 4, ""},
	{"Evolution", "1550", typeEvolution + 5, ""},
	{"Evolution", "S 1750", typeEvolution + 6, ""},
	{"Evolution", "2000", typeEvolution + 7, ""},
	{"Evolution", "S 2500", typeEvolution + 8, ""},
	{"Evolution", "S 3000", typeEvolution + 9, ""},
	{"Eaton 5P", "650", typeEaton5P, "5P 650"},
	{"Eaton 5P", "850", typeEaton5P, "5P 850"},
	{"Eaton 5P", "1150", typeEaton5P, "5P 1150"},
	{"Eaton 5P", "1550", typeEaton5P, "5P 1550"},
	{"PULSAR M", "2200", typePulsarM + 1, ""},
	{"PULSAR M", "3000", typePulsarM + 2, ""},
	{"PULSAR M", "3000 XL", typePulsarM + 3, ""},
	{"EX", "2200", typePulsarM + 1, ""},
	{"EX", "3000", typePulsarM + 2, ""},
	{"EX", "3000 XL", typePulsarM + 2, ""},
	{"PULSAR", "MX4000", typeDefault, "Pulsar MX 4000 RT"},
	{"PULSAR", "MX5000", typeDefault, "Pulsar MX 5000 RT"},
	{"NOVA AVR", "500", typeDefault, "Nova 500 AVR"},
	{"NOVA AVR", "600", typeDefault, "Nova 600 AVR"},
	{"NOVA AVR", "625", typeDefault, "Nova 625 AVR"},
	{"NOVA AVR", "1100", typeDefault, "Nova 1100 AVR"},
	{"NOVA AVR", "1250", typeDefault, "Nova 1250 AVR"},
	{"EXtreme", "700C", typeDefault, "Pulsar EXtreme 700C"},
	{"EXtreme", "1000C", typeDefault, "Pulsar EXtreme 1000C"},
	{"EXtreme", "1500C", typeDefault, "Pulsar EXtreme 1500C"},
	{"EXtreme", "1500CCLA", typeDefault, "Pulsar EXtreme 1500C CLA"},
	{"EXtreme", "2200C", typeDefault, "Pulsar EXtreme 2200C"},
	{"EXtreme", "3200C", typeDefault, "Pulsar EXtreme 3200C"},
	{"EX", "700RT", typeDefault, "Pulsar EX 700 RT"},
	{"EX", "1000RT", typeDefault, "Pulsar EX 1000 RT"},
	{"EX", "1500RT", typeDefault, "Pulsar EX 1500 RT"},
	{"EX", "2200RT", typeDefault, "Pulsar EX 2200 RT"},
	{"EX", "3200RT", typeDefault, "Pulsar EX 3200 RT"},
	{"EX", "5RT31", typeDefault, "EX 5 RT 3:1"},
	{"EX", "7RT31", typeDefault, "EX 7 RT 3:1"},
	{"EX", "11RT31", typeDefault, "EX 11 RT 3:1"},
	{"EX", "5RT", typeDefault, "EX 5 RT"},
	{"EX", "7RT", typeDefault, "EX 7 RT"},
	{"EX", "11RT", typeDefault, "EX 11 RT"},
	{"GALAXY", "3000_10", typeDefault, "Galaxy 3000 10 kVA"},
	{"GALAXY", "3000_15", typeDefault, "Galaxy 3000 15 kVA"},
	{"GALAXY", "3000_20", typeDefault, "Galaxy 3000 20 kVA"},
	{"GALAXY", "3000_30", typeDefault, "Galaxy 3000 30 kVA"},
}
