package simulator

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/simulator/script"
)

func newTestDevice(t *testing.T, p *Profile) (*Device, *clock.Virtual) {
	t.Helper()
	v := clock.NewVirtual(clock.Epoch)
	d := New(v, p, 1)
	t.Cleanup(d.Stop)
	return d, v
}

func exec(t *testing.T, d *Device, cmds ...string) {
	t.Helper()
	for _, c := range cmds {
		if err := d.Exec(c); err != nil {
			t.Fatalf("Exec(%q): %v", c, err)
		}
	}
}

func TestInitialStateIsTheRealECO(t *testing.T) {
	d, v := newTestDevice(t, nil)
	s := d.State()
	// Values of a real ECO 650 on mains (issue #1468 upsc, spec §5).
	want := map[string][2]any{
		"MainsPresent":  {s.MainsPresent, true},
		"OutputOn":      {s.OutputOn, true},
		"Charge":        {s.Charge, 100},
		"ChargeLow":     {s.ChargeLow, 20},
		"TransferLow":   {s.TransferLow, 184},
		"TransferHigh":  {s.TransferHigh, 264},
		"OutputVoltage": {s.OutputVoltage, 230.0},
		"NominalVA":     {s.NominalVA, 650},
		"NominalWatts":  {s.NominalWatts, 400},
		"OutletPower":   {s.OutletPower, 25},
		"Beeper":        {s.Beeper, BeeperEnabled},
		"TimerShutdown": {s.TimerShutdown, -1},
		"TimerStart":    {s.TimerStart, -1},
		"Manufacturer":  {s.Manufacturer, "EATON"},
		"Product":       {s.Product, "Ellipse ECO"},
		"Model":         {s.Model, "650"},
		"Serial":        {s.Serial, "000000000"},
		"Chemistry":     {s.Chemistry, "PbAc"},
		"Charging":      {s.Charging, false},
		"Discharging":   {s.Discharging, false},
	}
	for name, gw := range want {
		if gw[0] != gw[1] {
			t.Errorf("%s = %v, want %v", name, gw[0], gw[1])
		}
	}
	if s.Runtime < 610 || s.Runtime > 3400 {
		t.Errorf("runtime at no load = %d s, want within the real unit's 610..3000 s (+10 %%)", s.Runtime)
	}
	// Idle on mains with a full battery: the model sets no timer.
	if n := v.Pending(); n != 0 {
		t.Errorf("idle device has %d pending timers, want 0", n)
	}
}

// outage runs the device on battery at load until the output goes off and
// returns the seconds to low battery and to empty, checking on the way that
// charge and runtime never rise.
func outage(t *testing.T, d *Device, v *clock.Virtual) (lowAt, emptyAt int) {
	t.Helper()
	exec(t, d, "mains off")
	prev := d.State()
	lowAt, emptyAt = -1, -1
	for sec := 1; sec <= 4*3600; sec++ {
		v.Advance(time.Second)
		s := d.State()
		if s.Charge > prev.Charge || s.Runtime > prev.Runtime {
			t.Fatalf("t=%ds: charge/runtime rose on battery: %d%%/%ds after %d%%/%ds", sec, s.Charge, s.Runtime, prev.Charge, prev.Runtime)
		}
		if s.LowBattery && lowAt < 0 {
			lowAt = sec
			if s.Charge != s.ChargeLow {
				t.Errorf("low battery came at charge %d%%, want exactly the threshold %d%%", s.Charge, s.ChargeLow)
			}
			if prev.Charge <= prev.ChargeLow {
				t.Errorf("previous second already at %d%% without LB", prev.Charge)
			}
		}
		if !s.OutputOn {
			emptyAt = sec
			if s.Charge != 0 {
				t.Errorf("output off at charge %d%%, want 0", s.Charge)
			}
			return
		}
		prev = s
	}
	t.Fatalf("battery never ran flat")
	return
}

func TestDischargeCurves(t *testing.T) {
	prevEmpty := 1 << 30
	for _, load := range []int{0, 10, 24, 40, 50, 70, 100} {
		t.Run(fmt.Sprintf("load %d%%", load), func(t *testing.T) {
			d, v := newTestDevice(t, nil)
			exec(t, d, fmt.Sprintf("load %d%%", load))
			start := d.State().Runtime
			lowAt, emptyAt := outage(t, d, v)
			t.Logf("load %3d%%: runtime %4ds reported, low battery after %4ds, empty after %4ds", load, start, lowAt, emptyAt)
			if emptyAt > prevEmpty {
				t.Errorf("empty after %ds, longer than at a lower load (%ds)", emptyAt, prevEmpty)
			}
			prevEmpty = emptyAt
			// The reported runtime is the real one, to a second.
			if diff := emptyAt - start; diff < -2 || diff > 2 {
				t.Errorf("reported runtime %ds but the battery lasted %ds", start, emptyAt)
			}
			if load == 50 {
				// Datasheet-class figure for a 12 V 7 Ah unit at 200 W:
				// 5 to 10 minutes (see ecoBase).
				if emptyAt < 300 || emptyAt > 600 {
					t.Errorf("runtime at 50%% load = %ds, want 300..600 s", emptyAt)
				}
			}
			if load <= 24 && (start < 610 || start > 3400) {
				t.Errorf("runtime at %d%% = %ds, want in the real unit's 610..3000 s (+10%%)", load, start)
			}
		})
	}
}

func TestAgedBatteryRunsLowSooner(t *testing.T) {
	d, v := newTestDevice(t, nil)
	exec(t, d, "load 40%")
	newLow, _ := outage(t, d, v)
	d2, v2 := newTestDevice(t, nil)
	exec(t, d2, "load 40%", "battery health 40%")
	if !d2.State().NeedReplacement {
		t.Errorf("health 40%% below ReplaceBelow 50%%: NeedReplacement not set")
	}
	agedLow, _ := outage(t, d2, v2)
	if agedLow*2 > newLow {
		t.Errorf("aged battery low after %ds, new one after %ds: want less than half", agedLow, newLow)
	}
	// The Gherkin runbooks expect LB 4..15 min (new) and 1..6 min (40 %) after
	// an outage at 40 % load.
	if newLow < 4*60 || newLow > 15*60 {
		t.Errorf("new battery at 40%%: low after %ds, want 4..15 min", newLow)
	}
	if agedLow < 60 || agedLow > 6*60 {
		t.Errorf("40%% battery at 40%%: low after %ds, want 1..6 min", agedLow)
	}
}

func TestRechargeIsMonotonicAndSlowerThanDischarge(t *testing.T) {
	d, v := newTestDevice(t, nil)
	exec(t, d, "load 50%", "battery charge 0%", "mains on")
	s := d.State()
	if !s.Charging || s.Discharging {
		t.Fatalf("empty battery on mains: charging=%v discharging=%v", s.Charging, s.Discharging)
	}
	prev := s.Charge
	var at90, at100 time.Duration
	for el := time.Duration(0); el < 24*time.Hour; el += time.Minute {
		v.Advance(time.Minute)
		c := d.State().Charge
		if c < prev {
			t.Fatalf("after %v: charge fell on mains from %d to %d", el, prev, c)
		}
		prev = c
		if c >= 90 && at90 == 0 {
			at90 = el + time.Minute
		}
		if c == 100 {
			at100 = el + time.Minute
			break
		}
	}
	t.Logf("recharge: 90%% after %v, 100%% after %v", at90, at100)
	if at90 < 7*time.Hour || at90 > 9*time.Hour {
		t.Errorf("90%% after %v, want about 8 h (Eaton: full autonomy after 8 h of charge)", at90)
	}
	if at100 <= at90 {
		t.Errorf("100%% after %v, not after 90%% (%v)", at100, at90)
	}
	if s := d.State(); s.Charging {
		t.Errorf("still charging at 100%%")
	}
	if n := v.Pending(); n != 0 {
		t.Errorf("full battery on mains: %d pending timers, want 0", n)
	}
}

func TestTransferThresholds(t *testing.T) {
	d, _ := newTestDevice(t, nil)
	steps := []struct {
		cmd    string
		online bool
	}{
		{"mains voltage 185V", true},  // inside 184..264
		{"mains voltage 183V", false}, // below low: battery
		{"mains voltage 186V", false}, // hysteresis: needs 189
		{"mains voltage 189V", true},  // back
		{"mains voltage 270V", false}, // surge
		{"mains voltage 260V", false}, // needs 259
		{"mains voltage 230V", true},  //
		{"set input.transfer.low 200V", true},
		{"mains voltage 195V", false},   // new threshold applies at once
		{"mains voltage 230V", true},    //
		{"mains frequency 44Hz", false}, // out of frequency range
		{"mains frequency 50Hz", true},  //
		{"mains off", false},
		{"mains on", true},
	}
	for _, st := range steps {
		exec(t, d, st.cmd)
		s := d.State()
		if s.MainsPresent != st.online {
			t.Errorf("after %q: MainsPresent=%v, want %v (input %.0f V)", st.cmd, s.MainsPresent, st.online, s.InputVoltage)
		}
		if !s.MainsPresent && s.OutputVoltage != 230 {
			t.Errorf("after %q: on battery output %.0f V, want nominal 230", st.cmd, s.OutputVoltage)
		}
	}
}

func TestSagScriptGoesToBatteryAndBack(t *testing.T) {
	d, v := newTestDevice(t, nil)
	s, err := script.Parse("sag.ups", []byte("after 10s sag 170V for 3s\nsurge 280V for 2s\n"))
	if err != nil {
		t.Fatal(err)
	}
	var log []string
	d.OnChange(func(s State) {
		log = append(log, fmt.Sprintf("%v online=%v in=%.0f", s.Time.Sub(clock.Epoch), s.MainsPresent, s.InputVoltage))
	})
	if _, err := d.Run(s); err != nil {
		t.Fatal(err)
	}
	v.Advance(time.Minute)
	got := strings.Join(log, "\n")
	for _, w := range []string{"10s online=false in=170", "13s online=true in=230", "13s online=false in=280", "15s online=true in=230"} {
		if !strings.Contains(got, w) {
			t.Errorf("timeline lacks %q:\n%s", w, got)
		}
	}
}

func TestOverload(t *testing.T) {
	d, _ := newTestDevice(t, nil)
	exec(t, d, "load 100%")
	if d.State().Overload {
		t.Errorf("overload at 100%%")
	}
	exec(t, d, "load 101%")
	if !d.State().Overload {
		t.Errorf("no overload at 101%%")
	}
}

// TestShutdownReturn follows NUT's shutdown.return on an ECO: DelayBeforeStartup
// := 30, then DelayBeforeShutdown := 20.
func TestShutdownReturn(t *testing.T) {
	type check struct {
		at                time.Duration
		on                bool
		timerOff, timerOn int
		imminent          bool
	}
	cases := []struct {
		name   string
		setup  []string
		events map[time.Duration]string // script commands at times
		checks []check
	}{
		{
			name: "mains present all along: off at 20 s, back at 30 s",
			checks: []check{
				{0, true, 20, 30, true},
				{10 * time.Second, true, 10, 20, true},
				{20 * time.Second, false, -1, 10, false},
				{29 * time.Second, false, -1, 1, false},
				{30 * time.Second, true, -1, -1, false},
			},
		},
		{
			name:   "on battery: stays off until mains returns",
			setup:  []string{"mains off"},
			events: map[time.Duration]string{2 * time.Minute: "mains on"},
			checks: []check{
				{0, true, 20, 30, true},
				{20 * time.Second, false, -1, 10, false},
				{30 * time.Second, false, -1, 0, false},
				{time.Minute, false, -1, 0, false},
				{2 * time.Minute, true, -1, -1, false},
			},
		},
		{
			name:   "mains back before the start delay: back at 30 s",
			setup:  []string{"mains off"},
			events: map[time.Duration]string{25 * time.Second: "mains on"},
			checks: []check{
				{25 * time.Second, false, -1, 5, false},
				{30 * time.Second, true, -1, -1, false},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, v := newTestDevice(t, nil)
			exec(t, d, tc.setup...)
			start := v.Now()
			for at, cmd := range tc.events {
				v.AfterFunc(at, func() { exec(t, d, cmd) })
			}
			if err := d.SetDelayStart(30); err != nil {
				t.Fatal(err)
			}
			if err := d.SetDelayShutdown(20); err != nil {
				t.Fatal(err)
			}
			for _, c := range tc.checks {
				v.RunUntil(start.Add(c.at))
				s := d.State()
				if s.OutputOn != c.on || s.TimerShutdown != c.timerOff || s.TimerStart != c.timerOn || s.ShutdownImminent != c.imminent {
					t.Errorf("at %v: on=%v timer.shutdown=%d timer.start=%d imminent=%v; want %v %d %d %v",
						c.at, s.OutputOn, s.TimerShutdown, s.TimerStart, s.ShutdownImminent, c.on, c.timerOff, c.timerOn, c.imminent)
				}
			}
		})
	}
}

func TestStayOffAndLoadOn(t *testing.T) {
	d, v := newTestDevice(t, nil)
	// shutdown.stayoff
	exec(t, d, "timer start off", "timer shutdown 20s")
	v.Advance(21 * time.Second)
	if d.State().OutputOn {
		t.Fatal("output on after shutdown.stayoff countdown")
	}
	v.Advance(time.Hour)
	if d.State().OutputOn {
		t.Fatal("output came back after shutdown.stayoff")
	}
	// load.on
	exec(t, d, "timer start 0")
	if !d.State().OutputOn {
		t.Fatal("load.on did not switch the output on")
	}
	// load.off then shutdown.stop semantics: cancel a countdown.
	exec(t, d, "timer shutdown 20", "timer shutdown off")
	v.Advance(time.Minute)
	if !d.State().OutputOn {
		t.Fatal("cancelled countdown switched the output off")
	}
	// load.on while on leaves nothing pending: a later load.off stays off.
	exec(t, d, "timer start 0", "timer shutdown 0")
	v.Advance(time.Minute)
	if d.State().OutputOn {
		t.Fatal("load.off after a load.on while on: output came back")
	}
}

func TestExhaustionAndRestart(t *testing.T) {
	d, v := newTestDevice(t, nil)
	exec(t, d, "load 50%", "battery charge 5%", "mains off")
	v.Advance(time.Minute)
	s := d.State()
	if s.OutputOn || s.Charge != 0 {
		t.Fatalf("after a minute on 5%%: on=%v charge=%d", s.OutputOn, s.Charge)
	}
	exec(t, d, "mains on")
	if !d.State().OutputOn {
		t.Fatalf("output did not come back with mains after the battery ran flat")
	}
}

func TestLowBatteryThresholds(t *testing.T) {
	d, _ := newTestDevice(t, nil)
	for _, c := range []struct {
		cmd string
		lb  bool
	}{
		{"battery charge 21%", false},
		{"battery charge 20%", true},
		{"set battery.charge.low 10%", false},
		{"battery charge 10%", true},
	} {
		exec(t, d, c.cmd)
		if got := d.State().LowBattery; got != c.lb {
			t.Errorf("after %q: LowBattery=%v, want %v", c.cmd, got, c.lb)
		}
	}
	// The ECO has no RemainingTimeLimit.
	if err := d.Exec("set battery.runtime.low 120"); err == nil {
		t.Errorf("ECO accepted battery.runtime.low")
	}
	// A profile with one.
	p, _ := Builtin("ellipse-eco-650")
	p.RuntimeLow = 120
	d2, _ := newTestDevice(t, p)
	exec(t, d2, "load 100%", "battery charge 60%")
	s := d2.State()
	if s.LowBattery != (s.Runtime <= 120) {
		t.Errorf("runtime %d s, runtime.low 120: LowBattery=%v", s.Runtime, s.LowBattery)
	}
	exec(t, d2, "set battery.runtime.low 3000s")
	if !d2.State().LowBattery {
		t.Errorf("runtime below battery.runtime.low 3000 s: no LowBattery")
	}
}

func TestBatteryTest(t *testing.T) {
	d, v := newTestDevice(t, nil)
	exec(t, d, "test battery")
	if s := d.State(); s.TestResult != TestInProgress || !s.Discharging {
		t.Fatalf("test started: result %v discharging %v", s.TestResult, s.Discharging)
	}
	v.Advance(11 * time.Second)
	if r := d.State().TestResult; r != TestPassed {
		t.Fatalf("healthy battery: %v", r)
	}
	exec(t, d, "battery health 30%", "test battery")
	v.Advance(11 * time.Second)
	if s := d.State(); s.TestResult != TestError || !s.NeedReplacement {
		t.Fatalf("worn battery: %v, replace=%v", s.TestResult, s.NeedReplacement)
	}
	exec(t, d, "battery new", "test battery", "mains off")
	if r := d.State().TestResult; r != TestAborted {
		t.Fatalf("mains lost during test: %v", r)
	}
	if err := d.Exec("test battery"); err == nil {
		t.Fatalf("test accepted on battery")
	}
}

func TestBadCommandsChangeNothing(t *testing.T) {
	d, _ := newTestDevice(t, nil)
	before := d.State()
	for _, c := range []string{
		"mians off", "load 300%", "set input.transfer.low 100V", "set output.voltage.nominal 200",
		"set outlet.power 30", "battery charge", "after 5s mains off", "mains off extra", "",
		"set battery.runtime.low 10", "timer shutdown -5",
	} {
		if err := d.Exec(c); err == nil {
			t.Errorf("Exec(%q) accepted", c)
		}
	}
	if after := d.State(); !sameState(before, after) {
		t.Errorf("state changed by refused commands:\n%+v\n%+v", before, after)
	}
}

func TestCableNoiseFault(t *testing.T) {
	d, _ := newTestDevice(t, nil)
	var n int
	d.OnChange(func(State) { n++ })
	exec(t, d, "cable unplug", "noise 2%", "fault internal")
	s := d.State()
	if !s.CommLost || s.Noise != 2 || d.LineNoise() != 2 || !s.InternalFailure {
		t.Errorf("state %+v", s)
	}
	if err := d.Exec("expect sim.cable unplugged"); err != nil {
		t.Errorf("expect: %v", err)
	}
	if err := d.Exec("expect status OB"); err == nil {
		t.Errorf("expect status OB held on mains")
	}
	exec(t, d, "cable replug", "fault clear")
	if s := d.State(); s.CommLost || s.InternalFailure {
		t.Errorf("not cleared: %+v", s)
	}
	if n != 5 {
		t.Errorf("OnChange called %d times, want 5", n)
	}
	exec(t, d, "noise 0%", "noise 0%")
	if n != 6 {
		t.Errorf("repeating a value notified again: %d", n)
	}
}

// timeline runs src on a fresh device with seed and returns every change.
func timeline(t *testing.T, src string, seed int64) string {
	t.Helper()
	v := clock.NewVirtual(clock.Epoch)
	d := New(v, nil, seed)
	defer d.Stop()
	var b strings.Builder
	d.OnChange(func(s State) {
		fmt.Fprintf(&b, "%v on=%v mains=%v charge=%d runtime=%d lb=%v\n", s.Time.Sub(clock.Epoch), s.OutputOn, s.MainsPresent, s.Charge, s.Runtime, s.LowBattery)
	})
	s, err := script.Parse("t.ups", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Run(s); err != nil {
		t.Fatal(err)
	}
	v.Advance(2 * time.Hour)
	return b.String()
}

func TestDeterminism(t *testing.T) {
	const src = `load 35%
jitter 3s
flap 4 every 20s
after 1m mains off
after 4m mains on
after 30s sag 175V for 2s
after 1m mains off
wait 20m
mains on
`
	a, b := timeline(t, src, 42), timeline(t, src, 42)
	if a != b {
		t.Fatalf("same seed, different timelines")
	}
	if c := timeline(t, src, 43); c == a {
		t.Errorf("different seeds gave the same jittered timeline")
	}
	if !strings.Contains(a, "lb=true") {
		t.Errorf("20 minutes on battery at 35%% never reached low battery:\n%s", a)
	}
}

func TestBuiltins(t *testing.T) {
	for _, n := range Builtins() {
		p, ok := Builtin(n)
		if !ok || p.Name != n {
			t.Fatalf("Builtin(%q) = %v, %v", n, p, ok)
		}
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", n, err)
		}
		d, _ := newTestDevice(t, p)
		if s := d.State(); s.Runtime < 600 || s.Runtime > 5000 {
			t.Errorf("%s: no-load runtime %d s", n, s.Runtime)
		}
	}
	p, _ := Builtin("ellipse-eco-1600")
	d, _ := newTestDevice(t, p)
	// nut-ddl ECO 1600: 2970 s at 99 %, 0 % load.
	exec(t, d, "battery charge 99%")
	if r := d.State().Runtime; r < 2700 || r > 3300 {
		t.Errorf("ECO 1600 at 99%%, no load: %d s, want about 2970", r)
	}
	if _, ok := Builtin("nope"); ok {
		t.Errorf("unknown profile found")
	}
}
