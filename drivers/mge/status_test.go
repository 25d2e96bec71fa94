package mge

import (
	"strings"
	"testing"
)

// ups.status words in usbhid-ups.c's order, from the internal bits.
func TestStatusComposition(t *testing.T) {
	cases := []struct {
		name string
		bits []int
		want string
	}{
		{"on line", []int{stOnline}, "OL"},
		{"on battery", nil, "OB"},
		{"charging", []int{stOnline, stChrg}, "OL CHRG"},
		{"fully charged hides CHRG", []int{stOnline, stChrg, stFullyCharged}, "OL"},
		{"discharging low", []int{stDischrg, stLowBatt}, "OB DISCHRG LB"},
		{"depleted hides DISCHRG", []int{stDischrg, stDepleted}, "OB"},
		{"shutdown imminent is LB", []int{stShutdownImm}, "OB LB"},
		{"time limit expired is LB", []int{stTimeLimitExp}, "OB LB"},
		{"everything, in order", []int{stOnline, stDischrg, stChrg, stLowBatt, stOverload, stReplaceBatt, stTrim, stBoost, stBypassAuto, stOff, stCal}, "OL DISCHRG CHRG LB OVER RB TRIM BOOST BYPASS OFF CAL"},
		{"manual bypass", []int{stOnline, stBypassMan}, "OL BYPASS"},
		{"alarm-only bits add no word", []int{stOnline, stFanFail, stNoBattery, stOverheat}, "OL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b uint32
			for _, n := range c.bits {
				b |= bit(n)
			}
			if got := strings.Join(Status(b), " "); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

// CHRG/DISCHRG from PresentStatus follow NUT 2.8.3: shown while ABM is
// unknown or disabled, cleared while ABM is enabled (then Charger.Mode
// decides).
func TestABM(t *testing.T) {
	cases := []struct {
		abm          int
		charging     float64
		wantCharging string
		mode         float64
		wantMode     string
		wantModeOK   bool
	}{
		{abmUnknown, 1, "chrg", 1, "", false},
		{abmDisabled, 1, "chrg", 1, "", false},
		{abmEnabled, 1, "!chrg", 1, "chrg", true},
		{abmEnabled, 0, "!chrg", 2, "dischrg", true},
		{abmEnabled, 0, "!chrg", 3, "chrg", true},
		{abmEnabled, 0, "!chrg", 4, "", false},
		{abmUnknown, 0, "!chrg", 2, "", false},
	}
	for _, c := range cases {
		s := &Subdriver{abm: c.abm}
		if got, _ := eatonChargingInfo.toNUT(s, c.charging); got != c.wantCharging {
			t.Errorf("abm %d charging %v: %q, want %q", c.abm, c.charging, got, c.wantCharging)
		}
		got, ok := eatonAbmChrgDischrgInfo.toNUT(s, c.mode)
		if got != c.wantMode || ok != c.wantModeOK {
			t.Errorf("abm %d mode %v: %q %v, want %q %v", c.abm, c.mode, got, ok, c.wantMode, c.wantModeOK)
		}
	}
	s := &Subdriver{abm: abmUnknown}
	for v, want := range map[float64]int{0: abmDisabled, 1: abmEnabled, 7: abmUnknown} {
		eatonAbmEnabledInfo.toNUT(s, v)
		if s.abm != want {
			t.Errorf("ABMEnable %v: abm %d, want %d", v, s.abm, want)
		}
	}
}

func TestNominalOutputVoltage(t *testing.T) {
	offline := &Subdriver{mgeType: typePegasus, nominal: -1}
	online := &Subdriver{mgeType: typeDefault, nominal: -1}
	nominalOutputVoltage(offline, 230)
	nominalOutputVoltage(online, 230)
	for _, c := range []struct {
		s    *Subdriver
		v    float64
		want bool
	}{
		{offline, 220, true}, {offline, 240, true}, {offline, 208, false}, {offline, 120, false},
		{online, 208, true}, {online, 200, true}, {online, 110, false},
	} {
		if _, ok := nominalOutputVoltage(c.s, c.v); ok != c.want {
			t.Errorf("type %x, %v: %v, want %v", c.s.mgeType, c.v, ok, c.want)
		}
	}
}

func TestTableShape(t *testing.T) {
	if len(Table) != 198 {
		t.Errorf("%d entries, NUT 2.8.0's mge_hid2nut has 198", len(Table))
	}
	for _, e := range Table {
		if e.Flags&Cmd == 0 && e.Lookup == nil && !strings.Contains(e.Format, "%") && e.Flags&Absent == 0 {
			t.Errorf("%s: format %q without a lookup", e.Name, e.Format)
		}
	}
}
