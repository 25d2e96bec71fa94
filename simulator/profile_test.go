package simulator

import (
	"strings"
	"testing"
)

func TestParseProfile(t *testing.T) {
	p, err := ParseProfile("ps.profile", []byte(`# an MGE Protection Station
base = ellipse-eco-800
name = protection-station-500
product = "Protection Station"
model = 500
power.nominal = 500
realpower.nominal = 250
transfer.low = 170
outlet.2.switchable = yes
outlet.power.choices = 10 25
runtime.low = 120
battery.health = 60
`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "protection-station-500" || p.Product != "Protection Station" || p.Model != "500" ||
		p.NominalVA != 500 || p.NominalWatts != 250 || p.TransferLow != 170 || !p.Outlets[2].Switchable ||
		len(p.OutletPowers) != 2 || p.RuntimeLow != 120 || p.Manufacturer != "EATON" {
		t.Errorf("profile %+v", p)
	}
	d := New(nil, p, 0)
	if s := d.State(); s.Health != 60 || s.Charge != 100 || s.Runtime < 2200 || s.Runtime > 2270 { // 60 % of 3725 s
		t.Errorf("aged profile: health %d charge %d runtime %d", s.Health, s.Charge, s.Runtime)
	}
	// The base's own values stay when not overridden.
	if p.RuntimeHalfLoad != 540 {
		t.Errorf("base ellipse-eco-800 runtime lost: %d", p.RuntimeHalfLoad)
	}
	empty, err := ParseProfile("empty", nil)
	if err != nil || empty.Name != "ellipse-eco-650" {
		t.Errorf("empty profile: %v %v", empty, err)
	}
}

func TestParseProfileErrors(t *testing.T) {
	for src, want := range map[string]string{
		"voltage = 230":                    `p:1: unknown key "voltage", expected one of base, battery.charge,`,
		"model 650":                        `p:1: "key = value" expected`,
		"name = a\nbase = ellipse-eco-650": `p:2: base must come first`,
		"base = smart-ups":                 `p:1: unknown base profile "smart-ups"`,
		"\n\npower.nominal = lots":         `p:3: power.nominal: integer expected, found "lots"`,
		"transfer.low = 250":               `p: transfer.low 250 outside 150..200`,
		"outlet.switchable = maybe":        `p:1: outlet.switchable: yes or no expected`,
		`product = "unterminated`:          `p:1:`,
		"frequency.nominal = 60":           `frequency range 450..550`,
	} {
		_, err := ParseProfile("p", []byte(src))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseProfile(%q) = %v, want %s", src, err, want)
		}
	}
}

func FuzzParseProfile(f *testing.F) {
	f.Add([]byte("base = ellipse-eco-1600\nmodel = 1600\n"))
	f.Add([]byte("name = x\nvoltage.nominal.choices = 220 230\nbeeper = 3\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		p, err := ParseProfile("fuzz", src)
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("accepted an invalid profile: %v", err)
		}
		d := New(nil, p, 0)
		_ = d
	})
}
