package hidview_test

import (
	"errors"
	"testing"
	"time"

	"github.com/upslab/upslab/drivers/hiddev"
	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/simulator"
	"github.com/upslab/upslab/simulator/hidview"
)

// TestWithTheDeviceModel runs the view on the real power and battery model
// (package simulator) on a virtual clock: reports follow the model,
// SET_REPORT drives its timers, and status changes queue input reports.
func TestWithTheDeviceModel(t *testing.T) {
	clk := clock.NewVirtual(clock.Epoch)
	d := simulator.New(clk, nil, 1)
	t.Cleanup(d.Stop)
	v := hidview.New(d)
	fields, _, err := tParse(hidview.EllipseECO650Descriptor())
	if err != nil {
		t.Fatal(err)
	}
	read := func(path string) int64 {
		t.Helper()
		for _, f := range fields {
			if f.kind == "F" && f.path == path {
				r, err := v.GetFeature(f.id)
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				return tGet(r, f)
			}
		}
		t.Fatalf("no %s", path)
		return 0
	}
	// Every bound item reads what the model's State says.
	s := d.State()
	for _, f := range fields {
		if f.kind != "F" {
			continue
		}
		want, ok := expect(f.path, &s)
		if !ok || f.path == "UPS.Flow.[4].ConfigApparentPower" || f.path == "UPS.Flow.[4].ConfigFrequency" {
			continue
		}
		if got := read(f.path); got != want {
			t.Errorf("%s = %d, state says %d", f.path, got, want)
		}
	}
	if got := read("UPS.Flow.[4].ConfigApparentPower"); got != int64(s.NominalVA) || got != 650 {
		t.Errorf("ups.power.nominal %d, want 650", got)
	}
	if !s.MainsPresent || read("UPS.PowerSummary.PresentStatus.ACPresent") != 1 {
		t.Fatalf("a new device should be on mains: %+v", s)
	}

	// Mains fails: the unit sends its status on the interrupt endpoint.
	if err := d.Exec("mains off"); err != nil {
		t.Fatal(err)
	}
	r, err := v.ReadInput(0)
	if err != nil || r[0] != 0x01 || r[1]&1 != 0 {
		t.Fatalf("after mains off: % x, %v (want report 0x01, ACPresent 0)", r, err)
	}

	// load.off.delay 20 through SET_REPORT 0x09 (NUT's bytes): the output
	// goes off 20 s later.
	if err := v.SetFeature([]byte{0x09, 0x14, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	if got := read("UPS.PowerSummary.DelayBeforeShutdown"); got != 20 {
		t.Errorf("ups.timer.shutdown %d after writing 20", got)
	}
	clk.Advance(21 * time.Second)
	if read("UPS.PowerSummary.PresentStatus.Good") != 0 {
		t.Errorf("output still on 21 s after load.off.delay 20: %+v", d.State())
	}

	// Values the unit refuses are a STALL and change nothing.
	if err := v.SetFeature([]byte{0x12, 100}); !errors.Is(err, hiddev.ErrNotSupported) {
		t.Errorf("output.voltage.nominal 100: %v", err)
	}
	if got := read("UPS.Flow.[4].ConfigVoltage"); got != 230 {
		t.Errorf("output.voltage.nominal %d after a refused write", got)
	}

	// The cable: everything goes, then comes back.
	if err := d.Exec("cable unplug"); err != nil {
		t.Fatal(err)
	}
	if _, err := v.GetFeature(0x01); !errors.Is(err, hiddev.ErrGone) {
		t.Errorf("unplugged: %v", err)
	}
	if err := d.Exec("cable replug"); err != nil {
		t.Fatal(err)
	}
	if _, err := v.GetFeature(0x01); err != nil {
		t.Errorf("replugged: %v", err)
	}
}

func TestECO1600SharesTheDescriptor(t *testing.T) {
	p, ok := simulator.Builtin("ellipse-eco-1600")
	if !ok {
		t.Skip("no ellipse-eco-1600 profile in the model")
	}
	d := simulator.New(clock.NewVirtual(clock.Epoch), p, 1)
	t.Cleanup(d.Stop)
	v := hidview.New(d)
	if v.Profile().Name != "ellipse-eco-1600" {
		t.Errorf("profile name %q", v.Profile().Name)
	}
	r, err := v.GetFeature(0x0d)
	if err != nil || int(r[1])|int(r[2])<<8 != d.State().NominalVA || d.State().NominalVA != 1600 {
		t.Errorf("ConfigApparentPower % x, %v, model %d VA", r, err, d.State().NominalVA)
	}
	if m, _ := v.String(7); m != d.State().Model || m != "1600" {
		t.Errorf("iModel %q", m)
	}
}
