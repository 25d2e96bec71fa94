package mge

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/upslab/upslab/internal/cnum"
)

// Lookup converts between a HID value and a NUT value (NUT's info_lkp_t):
// either a list of pairs, or functions. Fun returns ok=false where NUT's
// function returns NULL ("do not publish").
type Lookup struct {
	Values []Pair
	Fun    func(s *Subdriver, v float64) (string, bool)
	Nuf    func(s *Subdriver, v string) float64
}

// Pair is one HID value and its NUT text.
type Pair struct {
	HID int64
	NUT string
}

// toNUT is NUT's hu_find_infoval: the function if there is one, else the
// pair whose HID value equals the value truncated to an integer.
func (l *Lookup) toNUT(s *Subdriver, v float64) (string, bool) {
	if l.Fun != nil {
		return l.Fun(s, v)
	}
	for _, p := range l.Values {
		if p.HID == int64(v) {
			return p.NUT, true
		}
	}
	return "", false
}

// toHID is NUT's hu_find_valinfo: the reverse function if there is one,
// else the pair whose text matches exactly (case-sensitive, as NUT's
// strcmp). ok=false is NUT's -1 "no match".
func (l *Lookup) toHID(s *Subdriver, v string) (float64, bool) {
	if l.Nuf != nil {
		return l.Nuf(s, v), true
	}
	for _, p := range l.Values {
		if p.NUT == v {
			return float64(p.HID), true
		}
	}
	return -1, false
}

func pairs(kv ...any) *Lookup {
	l := &Lookup{}
	for i := 0; i < len(kv); i += 2 {
		l.Values = append(l.Values, Pair{int64(kv[i].(int)), kv[i+1].(string)})
	}
	return l
}

// Status words of usbhid-ups.c: "x" sets an internal bit, "!x" clears it.
func statusPair(on, off string) *Lookup { return pairs(1, on, 0, off) }

var (
	onlineInfo       = statusPair("online", "!online")
	lowbattInfo      = statusPair("lowbatt", "!lowbatt")
	overloadInfo     = statusPair("overload", "!overload")
	replacebattInfo  = statusPair("replacebatt", "!replacebatt")
	trimInfo         = statusPair("trim", "!trim")
	boostInfo        = statusPair("boost", "!boost")
	bypassAutoInfo   = statusPair("bypassauto", "!bypassauto")
	bypassManualInfo = statusPair("bypassman", "!bypassman")
	fanfailInfo      = statusPair("fanfail", "!fanfail")
	shutdownimmInfo  = statusPair("shutdownimm", "!shutdownimm")
	overheatInfo     = statusPair("overheat", "!overheat")
	commfaultInfo    = statusPair("commfault", "!commfault")
	battvoltloInfo   = statusPair("battvoltlo", "!battvoltlo")
	battvolthiInfo   = statusPair("battvolthi", "!battvolthi")
	chargerfailInfo  = statusPair("chargerfail", "!chargerfail")
	vrangeInfo       = pairs(0, "!vrange", 1, "vrange")
	frangeInfo       = pairs(0, "!frange", 1, "frange")
	// Reverted: we report "being off" so devices without the item are on.
	offInfo = pairs(0, "off", 1, "!off")
	// Reverted: "no battery" so devices without the item have one.
	nobatteryInfo = pairs(1, "!nobattery", 0, "nobattery")
	mgeOnbattInfo = pairs(1, "!online", 0, "online")

	testReadInfo = pairs(1, "Done and passed", 2, "Done and warning", 3, "Done and error",
		4, "Aborted", 5, "In progress", 6, "No test initiated", 7, "Test scheduled")
	beeperInfo             = pairs(1, "disabled", 2, "enabled", 3, "muted")
	yesNoInfo              = pairs(0, "no", 1, "yes")
	onOffInfo              = pairs(0, "off", 1, "on")
	eatonEnableDisableInfo = pairs(0, "disabled", 1, "enabled")
	mgeUpstypeConversion   = pairs(1, "offline / line interactive", 2, "online",
		3, "online - unitary/parallel", 4, "online - parallel with hot standy", 5, "online - hot standby redundancy")
	mgeSensitivityInfo = pairs(0, "normal", 1, "high", 2, "low")

	mgeEmergencyStop        = pairs(1, "Emergency stop!")
	mgeWiringFault          = pairs(1, "Wiring fault!")
	mgeConfigFailure        = pairs(1, "Fatal EEPROM fault!")
	mgeInverterVolthi       = pairs(1, "Inverter AC voltage too high!")
	mgeInverterVoltlo       = pairs(1, "Inverter AC voltage too low!")
	mgeShortCircuit         = pairs(1, "Output short circuit!")
	kelvinCelsiusConversion = &Lookup{Fun: func(_ *Subdriver, v float64) (string, bool) {
		// Some firmware (HP) already reports Celsius: convert only
		// values that look like kelvin.
		if v >= 273 && v <= 373 {
			return fmt.Sprintf("%.1f", v-273.15), true
		}
		return fmt.Sprintf("%.1f", v), true
	}}
	stringidConversion = &Lookup{Fun: func(s *Subdriver, v float64) (string, bool) {
		// NUT reads the string into a 20-byte buffer.
		return truncate(s.indexString(int(v)), 19), true
	}}
	mgePowerfactorConversion = &Lookup{Fun: func(_ *Subdriver, v float64) (string, bool) {
		return fmt.Sprintf("%.2f", v/100), true
	}}
	mgeBatteryCapacity = &Lookup{Fun: func(_ *Subdriver, v float64) (string, bool) {
		return fmt.Sprintf("%.2f", v/3600), true
	}}
	mgeBatteryVoltageNominal = &Lookup{Fun: func(s *Subdriver, v float64) (string, bool) {
		switch s.mgeType & 0xFF00 {
		case typeEvolution:
			if s.mgeType == typeEvolution650 {
				v = 12
			}
		case typePulsarM, typeEaton5P:
		default:
			return "", false
		}
		return fmt.Sprintf("%.0f", v), true
	}}
	mgeBatteryVoltage = &Lookup{Fun: func(s *Subdriver, v float64) (string, bool) {
		switch s.mgeType & 0xFF00 {
		case typeEvolution, typePulsarM, typeEaton5P:
			return fmt.Sprintf("%.1f", v), true
		}
		return "", false
	}}
	eatonCheckCountryInfo = &Lookup{Fun: func(s *Subdriver, v float64) (string, bool) {
		s.country = int(v)
		return "", false // stored, not published
	}}
	eatonComputeRealpowerInfo = &Lookup{Fun: func(s *Subdriver, _ float64) (string, bool) {
		load, ok1 := s.t.Get("ups.load")
		nominal, ok2 := s.t.Get("ups.power.nominal")
		if !ok1 || !ok2 {
			return "", false
		}
		// NUT keeps the power factor in a C float (0.80 is
		// 0.800000011920929 there). NUT 2.8.0 read output.powerfactor with
		// atoi, so "0.80" gave 0 and a real power of 0; NUT 2.8.1+ uses
		// atof, which we follow.
		pf := float64(float32(0.80))
		if spf, ok := s.t.Get("output.powerfactor"); ok {
			pf = float64(float32(atof(spf)))
		}
		rp := math.Round(float64(cnum.Atoi(load)) * 0.01 * float64(cnum.Atoi(nominal)) * pf)
		return fmt.Sprintf("%.0f", rp), true
	}}
	eatonConverterOnlineInfo = &Lookup{Fun: func(s *Subdriver, v float64) (string, bool) {
		// Only meaningful while the UPS is not off.
		if s.status&bit(stOff) != 0 {
			return "", false
		}
		if v == 0 {
			return "!online", true
		}
		return "online", true
	}}
	pegasusThresholdInfo = &Lookup{
		Values: []Pair{{10, "10"}, {25, "25"}, {60, "60"}},
		Fun: func(s *Subdriver, v float64) (string, bool) {
			if !s.pegasus() {
				return "", false
			}
			return fmt.Sprintf("%.0f", v), true
		},
	}
	pegasusYesNoInfo = &Lookup{
		Values: []Pair{{0, "no"}, {1, "yes"}},
		Fun: func(s *Subdriver, v float64) (string, bool) {
			if !s.pegasus() {
				return "", false
			}
			if v == 0 {
				return "no", true
			}
			return "yes", true
		},
		Nuf: func(s *Subdriver, v string) float64 {
			if s.pegasus() && strings.HasPrefix(v, "yes") {
				return 1
			}
			return 0
		},
	}
	nominalOutputVoltageInfo = &Lookup{
		Values: []Pair{{200, "200"}, {208, "208"}, {220, "220"}, {230, "230"}, {240, "240"},
			{100, "100"}, {110, "110"}, {120, "120"}, {127, "127"}},
		Fun: nominalOutputVoltage,
	}
	mgeDateConversion = &Lookup{
		Fun: func(s *Subdriver, v float64) (string, bool) {
			return time.Unix(int64(v), 0).In(s.loc()).Format("2006/01/02"), true
		},
		Nuf: func(s *Subdriver, v string) float64 {
			tm, _ := s.t.Get("ups.time")
			return s.parseDateTime(v + " " + tm)
		},
	}
	mgeTimeConversion = &Lookup{
		Fun: func(s *Subdriver, v float64) (string, bool) {
			return time.Unix(int64(v), 0).In(s.loc()).Format("15:04:05"), true
		},
		Nuf: func(s *Subdriver, v string) float64 {
			d, _ := s.t.Get("ups.date")
			return s.parseDateTime(d + " " + v)
		},
	}
)

// ABM (Advanced Battery Monitoring) state: unknown until
// Charger.ABMEnable is read.
const (
	abmUnknown  = -1
	abmDisabled = 0
	abmEnabled  = 1
)

// abmOff reports whether CHRG/DISCHRG come from PresentStatus.Charging /
// Discharging. NUT 2.8.0 to 2.8.2 did that only when ABM was explicitly
// disabled, so units without ABMEnable (the Ellipse ECO) never showed
// CHRG/DISCHRG; NUT 2.8.3 (commit e4f263171 "treat ABM unknown as
// disabled") also does it when ABM is unknown. We follow 2.8.3. (An
// unreleased master change, c09521677, further hides CHRG at 100 %
// charge; not followed.)
func (s *Subdriver) abmOff() bool {
	return s.abm == abmUnknown || s.abm == abmDisabled
}

var (
	eatonAbmEnabledInfo = &Lookup{Fun: func(s *Subdriver, v float64) (string, bool) {
		// NUT 2.8.3: only 0 and 1 are meaningful; anything else is unknown.
		switch int(v) {
		case 0:
			s.abm = abmDisabled
		case 1:
			s.abm = abmEnabled
		default:
			s.abm = abmUnknown
		}
		return "", false
	}}
	eatonAbmStatusInfo = &Lookup{Fun: func(s *Subdriver, v float64) (string, bool) {
		if s.abmOff() {
			s.t.Del("battery.charger.status")
			return "", false
		}
		switch int64(v) {
		case 1:
			return "charging", true
		case 2:
			return "discharging", true
		case 3:
			return "floating", true
		case 4:
			return "resting", true
		case 6:
			return "off", true
		}
		return "", false
	}}
	eatonAbmChrgDischrgInfo = &Lookup{Fun: func(s *Subdriver, v float64) (string, bool) {
		if s.abmOff() {
			return "", false
		}
		switch int64(v) {
		case 1, 3:
			return "chrg", true
		case 2:
			return "dischrg", true
		}
		return "", false
	}}
	eatonDischargingInfo = &Lookup{Fun: func(s *Subdriver, v float64) (string, bool) {
		if s.abmOff() && v == 1 {
			return "dischrg", true
		}
		return "!dischrg", true
	}}
	eatonChargingInfo = &Lookup{Fun: func(s *Subdriver, v float64) (string, bool) {
		if s.abmOff() && v == 1 {
			return "chrg", true
		}
		return "!chrg", true
	}}
)

// nominalOutputVoltage limits output.voltage.nominal (and its enum) to the
// voltages of the unit's class; the class is latched from the first value
// read, as NUT's static variable does.
func nominalOutputVoltage(s *Subdriver, v float64) (string, bool) {
	if s.nominal < 0 {
		s.nominal = int64(v)
	}
	val := int64(v)
	offline := s.mgeType&0xFF00 < typeDefault
	switch s.nominal {
	case 100, 110, 120, 127:
		switch val {
		case 100, 110, 120, 127:
		default:
			return "", false
		}
	case 200, 208:
		switch val {
		case 200, 208:
		case 220, 230, 240:
			if offline {
				return "", false
			}
		default:
			return "", false
		}
	case 220, 230, 240:
		switch val {
		case 200, 208:
			if offline {
				return "", false
			}
		case 220, 230, 240:
		default:
			return "", false
		}
	}
	return fmt.Sprintf("%.0f", v), true
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// atof is C's atof for the plain decimals NUT publishes (0 on garbage).
func atof(s string) float64 {
	s = strings.TrimSpace(s)
	end := 0
	for end < len(s) && strings.IndexByte("+-.0123456789eE", s[end]) >= 0 {
		end++
	}
	for ; end > 0; end-- {
		if f, err := strconv.ParseFloat(s[:end], 64); err == nil {
			return f
		}
	}
	return 0
}
