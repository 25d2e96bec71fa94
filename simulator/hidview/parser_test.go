package hidview_test

// An independent, deliberately plain HID report descriptor parser for the
// tests (it shares no code with layout.go): items are decoded into a flat
// list first, then walked with NUT's path rules. It checks what the view
// builds, so a bug in ParseLayout cannot hide itself.

import (
	"fmt"
	"strings"
)

type titem struct {
	tag  byte // prefix & 0xfc
	u    uint32
	s    int64
	size int
}

func tItems(b []byte) ([]titem, error) {
	var out []titem
	for i := 0; i < len(b); {
		p := b[i]
		n := int(p & 3)
		if n == 3 {
			n = 4
		}
		if i+1+n > len(b) {
			return nil, fmt.Errorf("truncated item at %d", i)
		}
		it := titem{tag: p & 0xfc, size: n}
		for k := 0; k < n; k++ {
			it.u |= uint32(b[i+1+k]) << (8 * k)
		}
		switch n {
		case 1:
			it.s = int64(int8(it.u))
		case 2:
			it.s = int64(int16(it.u))
		case 4:
			it.s = int64(int32(it.u))
		}
		out = append(out, it)
		i += 1 + n
	}
	return out, nil
}

// tfield is one report field as the test parser sees it.
type tfield struct {
	kind   string // "F", "I", "O"
	id     byte
	off    int
	size   int
	path   string
	attr   byte
	logMin int64
	logMax int64
	unit   uint32
	exp    int64
}

// tNames is the test's own name table (page<<16|id → NUT name).
var tNames = map[uint32]string{}

func init() {
	for _, line := range strings.Split(`
840002 PresentStatus|840004 UPS|840010 BatterySystem|840012 Battery|840014 Charger|840016 PowerConverter
840017 PowerConverterID|840018 OutletSystem|840019 OutletSystemID|84001c Output|84001d OutputID|84001e Flow
84001f FlowID|840020 Outlet|840021 OutletID|840024 PowerSummary|840025 PowerSummaryID|840030 Voltage
840035 PercentLoad|840040 ConfigVoltage|840042 ConfigFrequency|840043 ConfigApparentPower
840053 LowVoltageTransfer|840054 HighVoltageTransfer|840056 DelayBeforeStartup|840057 DelayBeforeShutdown
84005a AudibleAlarmControl|840061 Good|840062 InternalFailure|840065 Overload|840069 ShutdownImminent
84006b SwitchOn/Off|84006c Switchable|840073 CommunicationLost|8400fd iManufacturer|8400fe iProduct
8400ff iSerialNumber|850029 RemainingCapacityLimit|85002c CapacityMode|850042 BelowRemainingCapacityLimit
850044 Charging|850045 Discharging|85004b NeedReplacement|850066 RemainingCapacity|850067 FullChargeCapacity
850068 RunTimeToEmpty|850083 DesignCapacity|850089 iDeviceChemistry|85008d CapacityGranularity1
8500d0 ACPresent|ffff0014 Inverter|ffff001c HistorySystem|ffff001e Event|ffff001f EventID
ffff0022 OverallAlarm|ffff0041 ConverterType|ffff004a ShortCircuit|ffff004d RemainingCapacityLimitSetting
ffff0074 VoltageTooHigh|ffff0075 VoltageTooLow|ffff0094 Mode|ffff0095 Country|ffff0098 Code
ffff00f0 iModel|ffff00f1 iVersion|ffff00f4 iReferenceNumber`, "\n") {
		for _, e := range strings.Split(line, "|") {
			var u uint32
			var name string
			if _, err := fmt.Sscanf(strings.TrimSpace(e), "%x %s", &u, &name); err == nil {
				tNames[u] = name
			}
		}
	}
}

func tName(u uint32) string {
	if n, ok := tNames[u]; ok {
		return n
	}
	return fmt.Sprintf("%08x", u)
}

// tParse walks the items: one field per Report Count element that has a
// usage (NUT's rule: the rest is padding).
func tParse(b []byte) (fields []tfield, lens map[string]int, err error) {
	items, err := tItems(b)
	if err != nil {
		return nil, nil, err
	}
	var (
		page                 uint32
		id                   byte
		size, count          int
		logMin, logMax, uexp int64
		unit                 uint32
		usages               []uint32
		path                 []string
		marks                []int
	)
	bits := map[string]int{}
	lens = map[string]int{}
	for _, it := range items {
		switch it.tag {
		case 0x04:
			page = it.u
		case 0x08:
			usages = append(usages, page<<16|it.u)
		case 0x14:
			logMin = it.s
		case 0x24:
			logMax = it.s
		case 0x54:
			uexp = it.s
		case 0x64:
			unit = it.u
		case 0x74:
			size = int(it.u)
		case 0x84:
			id = byte(it.u)
		case 0x94:
			count = int(it.u)
		case 0xa0:
			marks = append(marks, len(path))
			if len(usages) > 0 {
				path = append(path, tName(usages[0]))
			}
			if it.u&0x80 != 0 {
				path = append(path, fmt.Sprintf("[%d]", it.u&0x7f))
			}
			usages = nil
		case 0xc0:
			if len(marks) == 0 {
				return nil, nil, fmt.Errorf("unbalanced end collection")
			}
			path = path[:marks[len(marks)-1]]
			marks = marks[:len(marks)-1]
			usages = nil
		case 0x80, 0x90, 0xb0:
			kind := map[byte]string{0x80: "I", 0x90: "O", 0xb0: "F"}[it.tag]
			key := fmt.Sprintf("%s%02x", kind, id)
			for c := 0; c < count; c++ {
				if c < len(usages) {
					fields = append(fields, tfield{kind: kind, id: id, off: bits[key], size: size,
						path: strings.Join(append(append([]string{}, path...), tName(usages[c])), "."),
						attr: byte(it.u), logMin: logMin, logMax: logMax, unit: unit, exp: uexp})
				}
				bits[key] += size
			}
			lens[key] = 1 + (bits[key]+7)/8
			usages = nil
		}
	}
	if len(marks) != 0 {
		return nil, nil, fmt.Errorf("%d collections left open", len(marks))
	}
	return fields, lens, nil
}

// tGet reads a field from a report (report[0] is the ID).
func tGet(report []byte, f tfield) int64 {
	var x uint64
	for i := 0; i < f.size; i++ {
		bit := 8 + f.off + i
		if report[bit/8]&(1<<(bit%8)) != 0 {
			x |= 1 << i
		}
	}
	if f.logMin < 0 && x&(1<<(f.size-1)) != 0 {
		return int64(x) - 1<<f.size
	}
	return int64(x)
}

// tSet writes a field into a report.
func tSet(report []byte, f tfield, v int64) {
	for i := 0; i < f.size; i++ {
		bit := 8 + f.off + i
		if uint64(v)&(1<<i) != 0 {
			report[bit/8] |= 1 << (bit % 8)
		} else {
			report[bit/8] &^= 1 << (bit % 8)
		}
	}
}
