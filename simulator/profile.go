package simulator

import (
	"bufio"
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/upslab/upslab/stack/parseconf"
)

// Profile describes a model: ratings, battery, thresholds and identity.
// Built-in profiles come from Builtin; ParseProfile reads a profile file.
// Voltages are in volts, frequencies in tenths of a hertz where the field
// says so, times in seconds.
type Profile struct {
	Name string // profile name, e.g. "ellipse-eco-650"

	// Identity, as the USB strings and HID identity items give it.
	Manufacturer string // iManufacturer, "EATON"
	Product      string // iProduct, "Ellipse ECO"
	Model        string // iModel, "650" (NUT shows Product + " " + Model)
	Serial       string // iSerialNumber
	Firmware     string // iVersion
	Chemistry    string // iDeviceChemistry, "PbAc"
	Country      int    // PowerSummary.Country

	// Ratings.
	NominalVA        int   // Flow.[4].ConfigApparentPower
	NominalWatts     int   // active power rating
	NominalVoltage   int   // V, output.voltage.nominal at start
	NominalVoltages  []int // accepted output.voltage.nominal values
	NominalFrequency int   // Hz

	// Transfer to battery.
	TransferLow     int // V, input.transfer.low at start
	TransferHigh    int // V, input.transfer.high at start
	TransferLowMin  int // V, lowest accepted input.transfer.low
	TransferLowMax  int // V
	TransferHighMin int // V
	TransferHighMax int // V
	Hysteresis      int // V the input must come back inside the thresholds before retransfer
	FrequencyMin    int // tenths of Hz: below, the unit goes to battery
	FrequencyMax    int // tenths of Hz

	// Battery.
	ChargeLow       int // %, RemainingCapacityLimitSetting at start
	RuntimeLow      int // s, battery.runtime.low; 0: the unit has none (the ECO)
	RuntimeHalfLoad int // s of runtime at 50 % load, new battery fully charged
	PeukertMilli    int // runtime ∝ load^(-PeukertMilli/1000)
	IdleLoad        int // %: the unit's own draw; runtime at lower loads is as at this one
	RechargeSeconds int // s to recharge from empty to 90 % (the last 10 % at half that rate)
	ReplaceBelow    int // health (% of nominal capacity) below which NeedReplacement is set
	TestSeconds     int // length of the quick battery test
	Health          int // % of nominal capacity at start (an aged battery: < 100)
	Charge          int // % of charge at start

	// Outlets and settings.
	Outlets      [3]Outlet
	OutletPower  int   // outlet.power at start
	OutletPowers []int // accepted outlet.power values; empty: not writable
	Beeper       Beeper
}

// ecoBase is the Ellipse ECO 650 USB FR. Sources: spec eaton-hid-shut.md
// §1, §5, §6 and the fixtures (NUT issues #589, #1468, #1942, the nut-ddl
// ECO 1600 dump).
//
// Battery figures are assumptions, calibrated on what real units report:
// an ECO 650 has one 12 V 7 Ah lead-acid block (NixOS wiki,
// "Uninterruptible power supply", whose example is an Ellipse ECO 650);
// real units report 610–3000 s of
// runtime at 0–24 % load (issues #1468, #1942: 2156 s at 100 %, 1057 s at
// 94 %), and Eaton's user manual for the 650/800 says the battery gives its
// full autonomy after 8 hours of charge (manualarchiveguide.com, Eaton 650
// installation and user manual, p. 4). The ECO datasheet's runtime table
// could not be retrieved; 8 minutes at 50 % load (480 s) is the figure
// quoted for this class of unit (12 V 7 Ah, 200 W), and with a Peukert-like
// exponent of 1.2 and the unit's own draw counted as 10 % load it gives
// ≈ 3300 s at no load and ≈ 1160 s at 24 % load, inside the real range.
func ecoBase() Profile {
	return Profile{
		Name:         "ellipse-eco-650",
		Manufacturer: "EATON",
		Product:      "Ellipse ECO",
		Model:        "650",
		Serial:       "000000000", // the ECO reports zeros (#589, #1468)
		Firmware:     "00",        // ups.firmware of the nut-ddl ECO 1600 dump
		Chemistry:    "PbAc",
		// Same as bCountryCode 0x21 in the HID class descriptor (#589);
		// the PowerSummary.Country value itself was never published.
		Country: 0x21,

		NominalVA:        650,
		NominalWatts:     400,
		NominalVoltage:   230,
		NominalVoltages:  []int{220, 230, 240},
		NominalFrequency: 50,

		// 184/264 V (#1468, nut-ddl); some units show 161 V (#1942).
		TransferLow:     184,
		TransferHigh:    264,
		TransferLowMin:  150,
		TransferLowMax:  200,
		TransferHighMin: 250,
		TransferHighMax: 300,
		Hysteresis:      5,
		FrequencyMin:    450, // assumption: 50 Hz ± 5 Hz
		FrequencyMax:    550,

		ChargeLow:       20,
		RuntimeLow:      0,
		RuntimeHalfLoad: 480,
		PeukertMilli:    1200,
		IdleLoad:        10,
		RechargeSeconds: 8 * 3600,
		ReplaceBelow:    50,
		TestSeconds:     10,
		Health:          100,
		Charge:          100,

		// PowerShare outlets not switchable on the 2.8.0 dump (#1468).
		Outlets:      [3]Outlet{{ID: 1, On: true}, {ID: 2, On: true}, {ID: 3, On: true}},
		OutletPower:  25,
		OutletPowers: []int{10, 25, 60},
		Beeper:       BeeperEnabled,
	}
}

// Builtin returns the built-in profile of that name (see Builtins).
func Builtin(name string) (*Profile, bool) {
	p := ecoBase()
	switch name {
	case "ellipse-eco-650", "":
	case "ellipse-eco-800":
		p.Name, p.Model, p.NominalVA, p.NominalWatts = name, "800", 800, 500
		p.RuntimeHalfLoad = 540 // assumption: 12 V 9 Ah block for 500 W
	case "ellipse-eco-1200":
		p.Name, p.Model, p.NominalVA, p.NominalWatts = name, "1200", 1200, 750
		p.RuntimeHalfLoad = 600 // assumption: two 12 V blocks
	case "ellipse-eco-1600":
		p.Name, p.Model, p.NominalVA, p.NominalWatts = name, "1600", 1600, 1000
		p.RuntimeHalfLoad = 660
		// nut-ddl's ECO 1600 shows 2970 s at 0 % load and 99 %.
		p.IdleLoad = 14
		p.Outlets[1].Switchable, p.Outlets[2].Switchable = true, true
	default:
		return nil, false
	}
	return &p, true
}

// Builtins lists the built-in profile names.
func Builtins() []string {
	return []string{"ellipse-eco-650", "ellipse-eco-800", "ellipse-eco-1200", "ellipse-eco-1600"}
}

type profileKey struct {
	help string
	set  func(p *Profile, v string) error
}

func str(f func(p *Profile) *string) func(*Profile, string) error {
	return func(p *Profile, v string) error { *f(p) = v; return nil }
}

func num(lo, hi int, f func(p *Profile) *int) func(*Profile, string) error {
	return func(p *Profile, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("integer expected, found %q", v)
		}
		if n < lo || n > hi {
			return fmt.Errorf("%d out of range %d..%d", n, lo, hi)
		}
		*f(p) = n
		return nil
	}
}

func list(lo, hi int, f func(p *Profile) *[]int) func(*Profile, string) error {
	return func(p *Profile, v string) error {
		var out []int
		for _, w := range strings.Fields(v) {
			n, err := strconv.Atoi(w)
			if err != nil || n < lo || n > hi {
				return fmt.Errorf("list of integers in %d..%d expected, found %q", lo, hi, v)
			}
			out = append(out, n)
		}
		*f(p) = out
		return nil
	}
}

func yesno(f func(p *Profile) *bool) func(*Profile, string) error {
	return func(p *Profile, v string) error {
		switch v {
		case "yes":
			*f(p) = true
		case "no":
			*f(p) = false
		default:
			return fmt.Errorf("yes or no expected, found %q", v)
		}
		return nil
	}
}

var profileKeys = map[string]profileKey{
	"name":                    {"profile name", str(func(p *Profile) *string { return &p.Name })},
	"manufacturer":            {"USB iManufacturer", str(func(p *Profile) *string { return &p.Manufacturer })},
	"product":                 {"USB iProduct", str(func(p *Profile) *string { return &p.Product })},
	"model":                   {"iModel", str(func(p *Profile) *string { return &p.Model })},
	"serial":                  {"USB iSerialNumber", str(func(p *Profile) *string { return &p.Serial })},
	"firmware":                {"iVersion", str(func(p *Profile) *string { return &p.Firmware })},
	"chemistry":               {"iDeviceChemistry", str(func(p *Profile) *string { return &p.Chemistry })},
	"country":                 {"PowerSummary.Country", num(0, 255, func(p *Profile) *int { return &p.Country })},
	"power.nominal":           {"VA rating", num(1, 100000, func(p *Profile) *int { return &p.NominalVA })},
	"realpower.nominal":       {"W rating", num(1, 100000, func(p *Profile) *int { return &p.NominalWatts })},
	"voltage.nominal":         {"V", num(90, 260, func(p *Profile) *int { return &p.NominalVoltage })},
	"voltage.nominal.choices": {"accepted nominal voltages, space-separated", list(90, 260, func(p *Profile) *[]int { return &p.NominalVoltages })},
	"frequency.nominal":       {"Hz", num(40, 70, func(p *Profile) *int { return &p.NominalFrequency })},
	"frequency.min":           {"tenths of Hz", num(100, 1000, func(p *Profile) *int { return &p.FrequencyMin })},
	"frequency.max":           {"tenths of Hz", num(100, 1000, func(p *Profile) *int { return &p.FrequencyMax })},
	"transfer.low":            {"V", num(0, 400, func(p *Profile) *int { return &p.TransferLow })},
	"transfer.high":           {"V", num(0, 400, func(p *Profile) *int { return &p.TransferHigh })},
	"transfer.low.min":        {"V", num(0, 400, func(p *Profile) *int { return &p.TransferLowMin })},
	"transfer.low.max":        {"V", num(0, 400, func(p *Profile) *int { return &p.TransferLowMax })},
	"transfer.high.min":       {"V", num(0, 400, func(p *Profile) *int { return &p.TransferHighMin })},
	"transfer.high.max":       {"V", num(0, 400, func(p *Profile) *int { return &p.TransferHighMax })},
	"transfer.hysteresis":     {"V", num(0, 50, func(p *Profile) *int { return &p.Hysteresis })},
	"charge.low":              {"%", num(0, 100, func(p *Profile) *int { return &p.ChargeLow })},
	"runtime.low":             {"s, 0 = none", num(0, 1<<30, func(p *Profile) *int { return &p.RuntimeLow })},
	"runtime.halfload":        {"s at 50 % load, new full battery", num(1, 1<<24, func(p *Profile) *int { return &p.RuntimeHalfLoad })},
	"peukert":                 {"exponent ×1000", num(500, 2000, func(p *Profile) *int { return &p.PeukertMilli })},
	"idle.load":               {"%", num(1, 100, func(p *Profile) *int { return &p.IdleLoad })},
	"recharge":                {"s from empty to 90 %", num(1, 1<<24, func(p *Profile) *int { return &p.RechargeSeconds })},
	"replace.below":           {"health %", num(0, 100, func(p *Profile) *int { return &p.ReplaceBelow })},
	"test.seconds":            {"s", num(1, 3600, func(p *Profile) *int { return &p.TestSeconds })},
	"battery.health":          {"% of nominal capacity at start", num(1, 100, func(p *Profile) *int { return &p.Health })},
	"battery.charge":          {"% at start", num(0, 100, func(p *Profile) *int { return &p.Charge })},
	"outlet.switchable":       {"yes/no", yesno(func(p *Profile) *bool { return &p.Outlets[0].Switchable })},
	"outlet.1.switchable":     {"yes/no", yesno(func(p *Profile) *bool { return &p.Outlets[1].Switchable })},
	"outlet.2.switchable":     {"yes/no", yesno(func(p *Profile) *bool { return &p.Outlets[2].Switchable })},
	"outlet.power":            {"", num(0, 1000, func(p *Profile) *int { return &p.OutletPower })},
	"outlet.power.choices":    {"space-separated; empty: not writable", list(0, 1000, func(p *Profile) *[]int { return &p.OutletPowers })},
	"beeper":                  {"1 disabled, 2 enabled, 3 muted", num(1, 3, func(p *Profile) *int { return (*int)(&p.Beeper) })},
}

// ProfileKeys lists the keys a profile file accepts, sorted.
func ProfileKeys() []string {
	k := []string{"base"}
	for n := range profileKeys {
		k = append(k, n)
	}
	sort.Strings(k)
	return k
}

// ParseProfile reads a profile file: "key = value" lines, NUT-style
// tokens (quotes and backslash escapes as in ups.conf, # comments). An
// optional first key "base" names the built-in profile to start from
// (default ellipse-eco-650); every other key overrides one field. name is
// used in errors (file:line: message).
//
//	base = ellipse-eco-650
//	name = protection-station-500
//	product = "Protection Station"
//	model = 500
//	power.nominal = 500
//	realpower.nominal = 250
func ParseProfile(name string, src []byte) (*Profile, error) {
	var p *Profile
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 4096), 1<<16)
	n := 0
	for sc.Scan() {
		n++
		words, err := parseconf.Split(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		if len(words) == 0 {
			continue
		}
		if len(words) < 2 || words[1] != "=" {
			return nil, fmt.Errorf("%s:%d: \"key = value\" expected", name, n)
		}
		key, val := words[0], strings.Join(words[2:], " ")
		if key == "base" {
			if p != nil {
				return nil, fmt.Errorf("%s:%d: base must come first", name, n)
			}
			b, ok := Builtin(val)
			if !ok {
				return nil, fmt.Errorf("%s:%d: unknown base profile %q, expected one of %s", name, n, val, strings.Join(Builtins(), ", "))
			}
			p = b
			continue
		}
		if p == nil {
			p, _ = Builtin("ellipse-eco-650")
		}
		k, ok := profileKeys[key]
		if !ok {
			return nil, fmt.Errorf("%s:%d: unknown key %q, expected one of %s", name, n, key, strings.Join(ProfileKeys(), ", "))
		}
		if err := k.set(p, val); err != nil {
			return nil, fmt.Errorf("%s:%d: %s: %w", name, n, key, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if p == nil {
		p, _ = Builtin("ellipse-eco-650")
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}

// Validate checks that the profile is consistent.
func (p *Profile) Validate() error {
	switch {
	case p.TransferLowMin > p.TransferLow || p.TransferLow > p.TransferLowMax:
		return fmt.Errorf("transfer.low %d outside %d..%d", p.TransferLow, p.TransferLowMin, p.TransferLowMax)
	case p.TransferHighMin > p.TransferHigh || p.TransferHigh > p.TransferHighMax:
		return fmt.Errorf("transfer.high %d outside %d..%d", p.TransferHigh, p.TransferHighMin, p.TransferHighMax)
	case p.TransferLow+2*p.Hysteresis >= p.TransferHigh:
		return fmt.Errorf("transfer.low %d and transfer.high %d too close for hysteresis %d", p.TransferLow, p.TransferHigh, p.Hysteresis)
	case p.FrequencyMin >= p.NominalFrequency*10 || p.FrequencyMax <= p.NominalFrequency*10:
		return fmt.Errorf("frequency range %d..%d (tenths of Hz) does not hold the nominal %d Hz", p.FrequencyMin, p.FrequencyMax, p.NominalFrequency)
	case p.RuntimeHalfLoad <= 0 || p.RechargeSeconds <= 0 || p.PeukertMilli <= 0 || p.IdleLoad <= 0:
		return fmt.Errorf("battery figures must be positive")
	case p.TestSeconds <= 0:
		return fmt.Errorf("test.seconds must be positive")
	case p.Health < 1 || p.Health > 100 || p.Charge < 0 || p.Charge > 100:
		return fmt.Errorf("battery.health %d (1..100) or battery.charge %d (0..100) out of range", p.Health, p.Charge)
	}
	return nil
}

// RechargeTime returns the time from empty to 90 %.
func (p *Profile) RechargeTime() time.Duration { return time.Duration(p.RechargeSeconds) * time.Second }
