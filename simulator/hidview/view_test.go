package hidview_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/upslab/upslab/drivers/hiddev"
	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/simulator"
	"github.com/upslab/upslab/simulator/hidview"
	"github.com/upslab/upslab/simulator/hidview/hidviewtest"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := "testdata/" + name
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file (run go test -update and review the diff):\n%s", path, got)
	}
}

func TestDescriptorGolden(t *testing.T) {
	d := hidview.EllipseECO650Descriptor()
	golden(t, "ellipse-eco-650.report-descriptor.hex", []byte(hex.EncodeToString(d)+"\n"))
	// NUT 2.8.0 limits (spec §2.8): at most 6144 bytes.
	if len(d) > 6144 {
		t.Errorf("descriptor is %d bytes, NUT reads at most 6144", len(d))
	}
}

func newView(t testing.TB, s simulator.State) (*hidviewtest.Model, *hidview.View) {
	t.Helper()
	m := hidviewtest.New(s)
	return m, hidview.FromModel(m, nil)
}

func TestStateRoundTrip(t *testing.T) {
	onBattery := hidviewtest.Online()
	onBattery.MainsPresent, onBattery.InputVoltage, onBattery.Charging, onBattery.Discharging = false, 0, false, true
	onBattery.Charge, onBattery.Runtime, onBattery.LowBattery = 18, 312, true
	onBattery.LoadPercent, onBattery.Overload, onBattery.TimerShutdown = 105, true, 20
	off := hidviewtest.Online()
	off.OutputOn, off.OutputVoltage, off.TimerStart, off.TimerShutdown = false, 0, 30, 0
	off.Outlets[1].On, off.Outlets[2].On, off.Outlets[2].Switchable = false, false, true
	off.NeedReplacement, off.InternalFailure, off.ShutdownImminent = true, true, true
	off.Beeper, off.OutletPower, off.NominalVoltage, off.Country = simulator.BeeperMuted, 60, 240, 2

	fields, lens, err := tParse(hidview.EllipseECO650Descriptor())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		s    simulator.State
	}{{"online", hidviewtest.Online()}, {"on battery, low", onBattery}, {"output off", off}} {
		t.Run(tc.name, func(t *testing.T) {
			m, v := newView(t, tc.s)
			s := m.State()
			reports := map[string][]byte{}
			for _, f := range fields {
				key := f.kind + hex.EncodeToString([]byte{f.id})
				r, ok := reports[key]
				if !ok {
					var err error
					switch f.kind {
					case "F":
						r, err = v.GetFeature(f.id)
					case "I":
						r, err = v.InputReport(f.id)
					}
					if err != nil {
						t.Fatalf("report %s: %v", key, err)
					}
					if len(r) != lens[key] || r[0] != f.id {
						t.Fatalf("report %s = % x: want %d bytes starting with the ID", key, r, lens[key])
					}
					reports[key] = r
				}
				want, ok := expect(f.path, &s)
				if !ok {
					t.Errorf("%s: no expectation for this path", f.path)
					continue
				}
				if got := tGet(r, f); got != want {
					t.Errorf("report %s %s = %d, want %d", key, f.path, got, want)
				}
			}
		})
	}
}

// expect is the test's own statement of what each item must read.
func expect(path string, s *simulator.State) (int64, bool) {
	b := func(x bool) int64 {
		if x {
			return 1
		}
		return 0
	}
	switch {
	case strings.HasPrefix(path, "UPS.ffff00e0"), strings.HasPrefix(path, "UPS.HistorySystem."):
		return 0, true
	}
	v, ok := map[string]int64{
		"UPS.BatterySystem.Battery.AudibleAlarmControl":              int64(s.Beeper),
		"UPS.PowerSummary.AudibleAlarmControl":                       int64(s.Beeper),
		"UPS.BatterySystem.Charger.PresentStatus.VoltageTooHigh":     0,
		"UPS.BatterySystem.Charger.PresentStatus.VoltageTooLow":      0,
		"UPS.PowerConverter.Inverter.PresentStatus.InternalFailure":  0,
		"UPS.PowerConverter.Output.PresentStatus.ShortCircuit":       0,
		"UPS.BatterySystem.Charger.ffff00e9":                         2,
		"UPS.OutletSystem.Outlet.[1].ffff00e9":                       2,
		"UPS.OutletSystem.Outlet.[2].ffff00e9":                       1,
		"UPS.PowerSummary.OverallAlarm.Code":                         0,
		"UPS.PowerSummary.Mode":                                      3,
		"UPS.PowerSummary.PercentLoad":                               int64(s.LoadPercent),
		"UPS.PowerSummary.ffff00e9":                                  2,
		"UPS.Flow.[4].ConfigApparentPower":                           650,
		"UPS.Flow.[4].ConfigFrequency":                               50,
		"UPS.Flow.[4].ConfigVoltage":                                 int64(s.NominalVoltage),
		"UPS.Flow.[4].FlowID":                                        4,
		"UPS.OutletSystem.Outlet.[1].FlowID":                         4,
		"UPS.OutletSystem.Outlet.[2].FlowID":                         4,
		"UPS.OutletSystem.Outlet.[3].FlowID":                         4,
		"UPS.OutletSystem.Outlet.[1].OutletID":                       1,
		"UPS.OutletSystem.Outlet.[2].OutletID":                       2,
		"UPS.OutletSystem.Outlet.[3].OutletID":                       3,
		"UPS.OutletSystem.Outlet.[1].PresentStatus.Switchable":       b(s.Outlets[0].Switchable),
		"UPS.OutletSystem.Outlet.[2].PresentStatus.Switchable":       b(s.Outlets[1].Switchable),
		"UPS.OutletSystem.Outlet.[3].PresentStatus.Switchable":       b(s.Outlets[2].Switchable),
		"UPS.OutletSystem.Outlet.[1].PresentStatus.SwitchOn/Off":     b(s.Outlets[0].On),
		"UPS.OutletSystem.Outlet.[2].PresentStatus.SwitchOn/Off":     b(s.Outlets[1].On),
		"UPS.OutletSystem.Outlet.[3].PresentStatus.SwitchOn/Off":     b(s.Outlets[2].On),
		"UPS.OutletSystem.Outlet.[1].ConfigApparentPower":            int64(s.OutletPower),
		"UPS.OutletSystem.OutletSystemID":                            1,
		"UPS.PowerConverter.ConverterType":                           0,
		"UPS.PowerConverter.Output.HighVoltageTransfer":              int64(s.TransferHigh),
		"UPS.PowerConverter.Output.LowVoltageTransfer":               int64(s.TransferLow),
		"UPS.PowerConverter.Output.OutputID":                         1,
		"UPS.PowerConverter.Output.Voltage":                          int64(s.OutputVoltage),
		"UPS.PowerConverter.PowerConverterID":                        1,
		"UPS.PowerSummary.CapacityGranularity1":                      1,
		"UPS.PowerSummary.CapacityMode":                              2,
		"UPS.PowerSummary.Country":                                   int64(s.Country),
		"UPS.PowerSummary.DelayBeforeShutdown":                       int64(s.TimerShutdown),
		"UPS.PowerSummary.DelayBeforeStartup":                        int64(s.TimerStart),
		"UPS.PowerSummary.DesignCapacity":                            100,
		"UPS.PowerSummary.FullChargeCapacity":                        100,
		"UPS.PowerSummary.FlowID":                                    4,
		"UPS.PowerSummary.PowerSummaryID":                            1,
		"UPS.PowerSummary.iDeviceChemistry":                          5,
		"UPS.PowerSummary.iManufacturer":                             1,
		"UPS.PowerSummary.iModel":                                    7,
		"UPS.PowerSummary.iProduct":                                  2,
		"UPS.PowerSummary.iReferenceNumber":                          8,
		"UPS.PowerSummary.iSerialNumber":                             4,
		"UPS.PowerSummary.iVersion":                                  6,
		"UPS.ffff00e5.ffff0005.iVersion":                             9,
		"UPS.ffff00e5.ffff0005.Mode":                                 41,
		"UPS.PowerSummary.PresentStatus.ACPresent":                   b(s.MainsPresent),
		"UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit": b(s.LowBattery),
		"UPS.PowerSummary.PresentStatus.Charging":                    b(s.Charging),
		"UPS.PowerSummary.PresentStatus.CommunicationLost":           0,
		"UPS.PowerSummary.PresentStatus.Discharging":                 b(s.Discharging),
		"UPS.PowerSummary.PresentStatus.Good":                        b(s.OutputOn),
		"UPS.PowerSummary.PresentStatus.InternalFailure":             b(s.InternalFailure),
		"UPS.PowerSummary.PresentStatus.NeedReplacement":             b(s.NeedReplacement),
		"UPS.PowerSummary.PresentStatus.Overload":                    b(s.Overload),
		"UPS.PowerSummary.PresentStatus.ShutdownImminent":            b(s.ShutdownImminent),
		"UPS.PowerSummary.RemainingCapacity":                         int64(s.Charge),
		"UPS.PowerSummary.RemainingCapacityLimit":                    int64(s.ChargeLow),
		"UPS.PowerSummary.RemainingCapacityLimitSetting":             int64(s.ChargeLow),
		"UPS.PowerSummary.RunTimeToEmpty":                            int64(s.Runtime),
		"UPS.PowerSummary.ffff00e2":                                  0,
	}[path]
	return v, ok
}

func TestRealReportsAsLogged(t *testing.T) {
	// Byte-exact reports of a real Ellipse ECO 650 (NUT issue #1942).
	s := hidviewtest.Online()
	s.Charge, s.Runtime = 92, 610
	m, v := newView(t, s)
	_ = m
	for _, tc := range []struct {
		name string
		get  func() ([]byte, error)
		want string
	}{
		{"0x06 input", func() ([]byte, error) { return v.InputReport(0x06) }, "065c6202000000"[:12]},
		{"0x09 feature", func() ([]byte, error) { return v.GetFeature(0x09) }, "09ffffffff"},
		{"0x0a feature", func() ([]byte, error) { return v.GetFeature(0x0a) }, "0affffffff"},
	} {
		got, err := tc.get()
		if err != nil || hex.EncodeToString(got) != tc.want {
			t.Errorf("%s = %x, %v; want %s", tc.name, got, err, tc.want)
		}
	}
}

func TestSetFeature(t *testing.T) {
	fields, _, err := tParse(hidview.EllipseECO650Descriptor())
	if err != nil {
		t.Fatal(err)
	}
	field := func(path string) tfield {
		for _, f := range fields {
			if f.kind == "F" && f.path == path {
				return f
			}
		}
		t.Fatalf("no feature %s", path)
		return tfield{}
	}
	// with returns the current feature report with path set to x, as NUT
	// builds a SET_REPORT.
	with := func(v *hidview.View, path string, x int64) []byte {
		f := field(path)
		r, err := v.GetFeature(f.id)
		if err != nil {
			t.Fatal(err)
		}
		tSet(r, f, x)
		return r
	}
	for _, tc := range []struct {
		name      string
		report    func(v *hidview.View) []byte
		wantErr   error
		wantCalls string
		check     func(s simulator.State) bool
	}{
		{"load.off.delay 20", func(v *hidview.View) []byte { return with(v, "UPS.PowerSummary.DelayBeforeShutdown", 20) },
			nil, "SetDelayShutdown(20)", func(s simulator.State) bool { return s.TimerShutdown == 20 }},
		{"shutdown.return start 30 (bytes from the NUT 2.8.0 session)", func(v *hidview.View) []byte { return []byte{0x0a, 0x1e, 0, 0, 0} },
			nil, "SetDelayStart(30)", func(s simulator.State) bool { return s.TimerStart == 30 }},
		{"shutdown.stop -1", func(v *hidview.View) []byte { return []byte{0x09, 0xff, 0xff, 0xff, 0xff} },
			nil, "SetDelayShutdown(-1)", nil},
		{"delay below LogMin", func(v *hidview.View) []byte { return []byte{0x09, 0xfe, 0xff, 0xff, 0xff} },
			hiddev.ErrNotSupported, "", nil},
		{"beeper.disable (PowerSummary)", func(v *hidview.View) []byte { return with(v, "UPS.PowerSummary.AudibleAlarmControl", 1) },
			nil, "SetBeeper(1)", func(s simulator.State) bool { return s.Beeper == simulator.BeeperDisabled }},
		{"beeper.mute (Battery)", func(v *hidview.View) []byte { return with(v, "UPS.BatterySystem.Battery.AudibleAlarmControl", 3) },
			nil, "SetBeeper(3)", nil},
		{"beeper value the model refuses", func(v *hidview.View) []byte { return with(v, "UPS.PowerSummary.AudibleAlarmControl", 7) },
			hiddev.ErrNotSupported, "SetBeeper(7)", nil},
		{"battery.charge.low 30", func(v *hidview.View) []byte { return with(v, "UPS.PowerSummary.RemainingCapacityLimitSetting", 30) },
			nil, "SetChargeLow(30)", func(s simulator.State) bool { return s.ChargeLow == 30 }},
		{"input.transfer.high 270", func(v *hidview.View) []byte { return with(v, "UPS.PowerConverter.Output.HighVoltageTransfer", 270) },
			nil, "SetTransfer(0,270)", func(s simulator.State) bool { return s.TransferHigh == 270 && s.TransferLow == 184 }},
		{"input.transfer.low 170", func(v *hidview.View) []byte { return with(v, "UPS.PowerConverter.Output.LowVoltageTransfer", 170) },
			nil, "SetTransfer(170,0)", func(s simulator.State) bool { return s.TransferLow == 170 }},
		{"output.voltage.nominal 240", func(v *hidview.View) []byte { return with(v, "UPS.Flow.[4].ConfigVoltage", 240) },
			nil, "SetNominalVoltage(240)", func(s simulator.State) bool { return s.NominalVoltage == 240 }},
		{"outlet.power 60", func(v *hidview.View) []byte { return with(v, "UPS.OutletSystem.Outlet.[1].ConfigApparentPower", 60) },
			nil, "SetOutletPower(60)", func(s simulator.State) bool { return s.OutletPower == 60 }},
		{"rewrite read-only report unchanged (vendor 0xfd is writable)", func(v *hidview.View) []byte { r, _ := v.GetFeature(0xfd); return r },
			nil, "", nil},
		{"read-only item changed", func(v *hidview.View) []byte { return with(v, "UPS.PowerSummary.RemainingCapacity", 50) },
			hiddev.ErrNotSupported, "", nil},
		{"outlet.2.switchable (constant on the unit)", func(v *hidview.View) []byte {
			return with(v, "UPS.OutletSystem.Outlet.[3].PresentStatus.Switchable", 1)
		}, hiddev.ErrNotSupported, "", nil},
		{"unknown report", func(v *hidview.View) []byte { return []byte{0x42, 0} }, hiddev.ErrNotSupported, "", nil},
		{"short report", func(v *hidview.View) []byte { return []byte{0x09, 0x14, 0} }, hiddev.ErrNotSupported, "", nil},
		{"long report", func(v *hidview.View) []byte { return []byte{0x1f, 2, 0} }, hiddev.ErrNotSupported, "", nil},
		{"empty", func(v *hidview.View) []byte { return nil }, hiddev.ErrNotSupported, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, v := newView(t, hidviewtest.Online())
			before := m.State()
			err := v.SetFeature(tc.report(v))
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("SetFeature: %v, want %v", err, tc.wantErr)
			}
			if got := strings.Join(m.Calls(), " "); got != tc.wantCalls {
				t.Errorf("calls %q, want %q", got, tc.wantCalls)
			}
			if tc.check != nil && !tc.check(m.State()) {
				t.Errorf("state after: %+v", m.State())
			}
			if err != nil && m.State() != before {
				t.Errorf("refused SET changed the state")
			}
		})
	}
}

func TestVendorRegisterKeepsWrite(t *testing.T) {
	_, v := newView(t, hidviewtest.Online())
	if err := v.SetFeature([]byte{0xfd, 7}); err != nil {
		t.Fatal(err)
	}
	if r, _ := v.GetFeature(0xfd); !bytes.Equal(r, []byte{0xfd, 7}) {
		t.Errorf("0xfd reads % x after writing 7", r)
	}
}

func TestInputReports(t *testing.T) {
	m, v := newView(t, hidviewtest.Online())
	notified := 0
	v.NotifyInput(func() { notified++ })
	if _, err := v.ReadInput(time.Second); !errors.Is(err, hiddev.ErrTimeout) {
		t.Fatalf("idle device: %v, want ErrTimeout", err)
	}
	// Mains fails: status report 0x01 first, then charge/runtime 0x06.
	m.Update(func(s *simulator.State) {
		s.MainsPresent, s.Charging, s.Discharging, s.Runtime = false, false, true, 2000
	})
	var got []string
	for {
		r, err := v.ReadInput(0)
		if errors.Is(err, hiddev.ErrTimeout) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, hex.EncodeToString(r))
	}
	// 0x01: ACPresent 0, Charging 0, Discharging 1 (bit 4), Good 1 (bit 5) = 0x30.
	want := []string{"01300000", "0664d0070000"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("input reports %v, want %v", got, want)
	}
	if notified != 1 {
		t.Errorf("NotifyInput called %d times, want 1", notified)
	}
	// A change that no input report shows queues nothing.
	m.Update(func(s *simulator.State) { s.TransferLow = 170 })
	if v.Pending() != 0 {
		t.Errorf("%d reports queued for a feature-only change", v.Pending())
	}
	// A host that stops reading loses the oldest, never blocks the model.
	for i := 0; i < 2*hidview.MaxQueue; i++ {
		m.Update(func(s *simulator.State) { s.Runtime-- })
	}
	if v.Pending() != hidview.MaxQueue {
		t.Errorf("queue holds %d, want %d", v.Pending(), hidview.MaxQueue)
	}
}

func TestReadInputWaitsOnRealClockOnly(t *testing.T) {
	m, v := newView(t, hidviewtest.Online())
	v.SetClock(clock.NewVirtual(clock.Epoch))
	if _, err := v.ReadInput(time.Hour); !errors.Is(err, hiddev.ErrTimeout) {
		t.Fatalf("virtual clock: %v, want ErrTimeout at once", err)
	}
	v.SetClock(clock.Real())
	done := make(chan []byte)
	go func() {
		r, _ := v.ReadInput(time.Minute)
		done <- r
	}()
	m.Update(func(s *simulator.State) { s.MainsPresent = false })
	if r := <-done; len(r) == 0 || r[0] != 0x01 {
		t.Errorf("waiting reader got % x", r)
	}
	if _, err := v.ReadInput(time.Millisecond); !errors.Is(err, hiddev.ErrTimeout) {
		t.Errorf("real clock, nothing queued: %v", err)
	}
}

func TestCableUnplugged(t *testing.T) {
	m, v := newView(t, hidviewtest.Online())
	m.Update(func(s *simulator.State) { s.MainsPresent = false })
	m.Update(func(s *simulator.State) { s.CommLost = true })
	if _, err := v.ReportDescriptor(); !errors.Is(err, hiddev.ErrGone) {
		t.Errorf("ReportDescriptor: %v", err)
	}
	if _, err := v.GetFeature(0x01); !errors.Is(err, hiddev.ErrGone) {
		t.Errorf("GetFeature: %v", err)
	}
	if err := v.SetFeature([]byte{0x09, 0, 0, 0, 0}); !errors.Is(err, hiddev.ErrGone) {
		t.Errorf("SetFeature: %v", err)
	}
	if _, err := v.ReadInput(0); !errors.Is(err, hiddev.ErrGone) {
		t.Errorf("ReadInput: %v", err)
	}
	if _, err := v.Identity(); !errors.Is(err, hiddev.ErrGone) {
		t.Errorf("Identity: %v", err)
	}
	m.Update(func(s *simulator.State) { s.CommLost = false })
	if v.Plugs() != 1 || v.Pending() != 0 {
		t.Errorf("after replug: plugs %d, pending %d; want 1, 0", v.Plugs(), v.Pending())
	}
	if r, err := v.GetFeature(0x01); err != nil || r[1]&1 != 0 {
		t.Errorf("after replug 0x01 = % x, %v", r, err)
	}
}

func TestIdentityAndStrings(t *testing.T) {
	s := hidviewtest.Online()
	s.Manufacturer, s.Firmware = "", ""
	_, v := newView(t, s)
	info, err := v.Identity()
	if err != nil {
		t.Fatal(err)
	}
	want := hiddev.Info{VendorID: 0x0463, ProductID: 0xffff, Manufacturer: "EATON", Product: "Ellipse ECO", Serial: "000000000", BCDDevice: 0x0100, Bus: "sim"}
	if info != want {
		t.Errorf("Identity %+v, want %+v", info, want)
	}
	for i, w := range map[uint8]string{1: "EATON", 2: "Ellipse ECO", 4: "000000000", 5: "PbAc", 6: "00", 7: "650", 8: "EL650USBFR"} {
		if got, ok := v.String(i); !ok || got != w {
			t.Errorf("String(%d) = %q, %v; want %q", i, got, ok, w)
		}
		// NUT 2.8.0 reads battery.type and ups.firmware with wLength 20:
		// at most 9 characters survive (spec §2.8 item 3).
		if (i == 5 || i == 6) && len(w) > 9 {
			t.Errorf("string %d too long for NUT", i)
		}
	}
	for _, i := range []uint8{0, 3, 10, 255} {
		if _, ok := v.String(i); ok {
			t.Errorf("String(%d) exists", i)
		}
	}
}
