package mge_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/upslab/upslab/drivers/hid"
	"github.com/upslab/upslab/drivers/hiddev"
	"github.com/upslab/upslab/drivers/mge"
	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/stack/dstate"
)

var update = flag.Bool("update", false, "rewrite golden files")

func opts(clk clock.Clock) mge.Options {
	return mge.Options{OffDelay: -1, OnDelay: -1, LowBatt: -1, Clock: clk}
}

// dump prints a table like NUT's driver dump: variables with flags,
// string lengths and enums, then commands.
func dump(t *dstate.Table) string {
	var b strings.Builder
	for _, v := range t.Vars() {
		fmt.Fprintf(&b, "%s: %s", v.Name, v.Value)
		if w := v.Flags.Words(); len(w) > 0 {
			fmt.Fprintf(&b, "  [%s", strings.Join(w, " "))
			if v.Aux != 0 {
				fmt.Fprintf(&b, " %d", v.Aux)
			}
			b.WriteString("]")
		}
		if len(v.Enums) > 0 {
			fmt.Fprintf(&b, "  enum %s", strings.Join(v.Enums, ","))
		}
		b.WriteString("\n")
	}
	for _, c := range t.Cmds() {
		fmt.Fprintf(&b, "cmd %s\n", c)
	}
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := "testdata/" + name
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update to accept):\n%s", path, got)
	}
}

func initSession(t *testing.T) (*fakeDevice, *dstate.Table, *mge.Subdriver, *clock.Virtual) {
	t.Helper()
	s := loadSession(t)
	f := newFake(s)
	tab := &dstate.Table{}
	clk := clock.NewVirtual(clock.Epoch)
	sd := mge.New(identFake{f}, tab, opts(clk))
	if err := sd.Init(); err != nil {
		t.Fatal(err)
	}
	// NUT's first update after init is a quick one.
	if err := sd.Update(false); err != nil {
		t.Fatal(err)
	}
	return f, tab, sd, clk
}

// The values NUT 2.8.0 mge-shut decodes from the session's reports (the
// report bytes are in testdata/nut-2.8.0-mge-shut-session.txt; each value
// is worked out in the comment). Only ups.status differs: 2.8.0 says "OL"
// for Charging=1 on a unit without ABMEnable, NUT 2.8.3 and we say
// "OL CHRG".
func TestSessionValues(t *testing.T) {
	_, tab, _, _ := initSession(t)
	want := map[string]string{
		"battery.charge":           "100",                        // 06: 64
		"battery.runtime":          "1248",                       // 06: e0 04 00 00
		"battery.charge.low":       "20",                         // 22: 14 (RemainingCapacityLimitSetting)
		"battery.type":             "PbAc",                       // 10: iDeviceChemistry = 5
		"ups.firmware":             "01",                         // 10: iVersion = 6
		"ups.load":                 "24",                         // 07: PercentLoad 0x18
		"ups.power.nominal":        "850",                        // 0d: 52 03
		"ups.realpower":            "163",                        // round(24 % x 850 VA x 0.8), verified
		"ups.beeper.status":        "enabled",                    // 20: 02 (Battery.AudibleAlarmControl)
		"ups.delay.shutdown":       "20",                         // driver-side default
		"ups.delay.start":          "30",                         // driver-side default
		"ups.timer.shutdown":       "-1",                         // 09: ff ff ff ff
		"ups.timer.start":          "-1",                         // 0a: ff ff ff ff
		"ups.type":                 "offline / line interactive", // 0c: ConverterType 1
		"ups.mfr":                  "EATON",
		"ups.model":                "Ellipse ECO 650", // iProduct + iModel (string 7 = "650")
		"ups.serial":               "000000000",
		"ups.vendorid":             "0463",
		"ups.productid":            "ffff",
		"device.mfr":               "EATON",
		"device.model":             "Ellipse ECO 650",
		"device.serial":            "000000000",
		"input.transfer.high":      "264",   // 13: 08 01
		"input.transfer.low":       "184",   // 14: b8
		"output.voltage":           "230.0", // 0e: e6 00
		"output.voltage.nominal":   "230",   // 12: e6
		"output.frequency.nominal": "50",    // 0d: 32
		"outlet.id":                "1",     // 0b: Outlet.[1].OutletID
		"outlet.desc":              "Main Outlet",
		"outlet.switchable":        "no", // 0c: 00
		"outlet.1.id":              "2",
		"outlet.1.desc":            "PowerShare Outlet 1",
		"outlet.1.switchable":      "yes", // 19: 01
		"outlet.1.status":          "on",  // 02: Outlet.[2].SwitchOn/Off = 1
		"ups.status":               "OL CHRG",
	}
	for k, v := range want {
		got, ok := tab.Get(k)
		if !ok || got != v {
			t.Errorf("%s = %q (present %v), want %q", k, got, ok, v)
		}
	}
	for _, v := range tab.Vars() {
		if _, ok := want[v.Name]; !ok {
			t.Errorf("unexpected variable %s = %q", v.Name, v.Value)
		}
	}
	// Commands listed by the real 2.8.0 driver for this descriptor (spec §6.2, verified).
	wantCmds := "beeper.disable beeper.enable beeper.mute beeper.off beeper.on load.off load.off.delay load.on load.on.delay shutdown.return shutdown.stayoff shutdown.stop"
	if got := strings.Join(tab.Cmds(), " "); got != wantCmds {
		t.Errorf("commands\n got %s\nwant %s", got, wantCmds)
	}
	v, _ := tab.Var("output.voltage.nominal")
	if strings.Join(v.Enums, ",") != "220,230,240" || v.Flags != dstate.RW|dstate.String || v.Aux != 3 {
		t.Errorf("output.voltage.nominal = %+v, want RW STRING 3, enum 220/230/240 (verified)", v)
	}
}

func TestSessionGolden(t *testing.T) {
	_, tab, _, _ := initSession(t)
	golden(t, "session-init.golden", dump(tab))
}

// Init reads each feature report once (the session's walk), and the first
// quick update within pollinterval reads nothing again.
func TestSessionReportReads(t *testing.T) {
	f, _, _, _ := initSession(t)
	seen := map[byte]int{}
	for _, id := range f.gets {
		seen[id]++
		if seen[id] > 1 {
			t.Errorf("report 0x%02x read twice", id)
		}
	}
	if seen[0xfe] != 0 || seen[0xff] != 0 {
		t.Error("vendor reports 0xfe/0xff read")
	}
}

// shutdown.return sends exactly the session's two SET_REPORTs, 125 ms
// apart on the clock.
func TestKillPowerBytes(t *testing.T) {
	f, _, sd, clk := initSession(t)
	s := loadSession(t)
	start := clk.Now()
	done := make(chan error, 1)
	go func() { done <- sd.KillPower() }()
	for clk.Pending() == 0 {
		select {
		case err := <-done:
			t.Fatalf("KillPower returned before pausing: %v", err)
		default:
			runtime.Gosched()
		}
	}
	f.mu.Lock()
	if len(f.sets) != 1 {
		t.Errorf("%d SET_REPORTs before the pause, want 1", len(f.sets))
	}
	f.mu.Unlock()
	clk.Advance(125 * time.Millisecond)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(f.sets) != len(s.setReport) {
		t.Fatalf("sets %x, want %x", f.sets, s.setReport)
	}
	for i := range s.setReport {
		if !bytes.Equal(f.sets[i], s.setReport[i]) {
			t.Errorf("SET_REPORT %d = %x, want %x", i, f.sets[i], s.setReport[i])
		}
	}
	if d := clk.Since(start); d != 125*time.Millisecond {
		t.Errorf("pause %v", d)
	}
}

func TestOptionsOverride(t *testing.T) {
	s := loadSession(t)
	f := newFake(s)
	tab := &dstate.Table{}
	clk := clock.NewVirtual(clock.Epoch)
	sd := mge.New(identFake{f}, tab, mge.Options{OffDelay: 60, OnDelay: 90, LowBatt: 35, Clock: clk})
	if err := sd.Init(); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"ups.delay.shutdown": "60", "ups.delay.start": "90", "battery.charge.low": "35"} {
		if got, _ := tab.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if len(f.sets) != 0 {
		t.Error("options wrote to the UPS")
	}
}

func TestCommandsAndSet(t *testing.T) {
	type want struct {
		err error
		set string // hex of the SET_REPORT, "" for none
	}
	cases := []struct {
		name string
		do   func(sd *mge.Subdriver) error
		want want
	}{
		{"beeper.disable on Battery.AudibleAlarmControl", func(sd *mge.Subdriver) error { return sd.InstCmd("beeper.disable", "") }, want{nil, "2001"}},
		{"beeper.off is beeper.disable", func(sd *mge.Subdriver) error { return sd.InstCmd("beeper.off", "") }, want{nil, "2001"}},
		{"beeper.mute", func(sd *mge.Subdriver) error { return sd.InstCmd("beeper.mute", "") }, want{nil, "2003"}},
		{"load.off.delay with argument", func(sd *mge.Subdriver) error { return sd.InstCmd("load.off.delay", "45") }, want{nil, "092d000000"}},
		{"load.off is load.off.delay 0", func(sd *mge.Subdriver) error { return sd.InstCmd("load.off", "") }, want{nil, "0900000000"}},
		{"shutdown.stop", func(sd *mge.Subdriver) error { return sd.InstCmd("shutdown.stop", "") }, want{nil, "09ffffffff"}},
		{"no test item on the ECO", func(sd *mge.Subdriver) error { return sd.InstCmd("test.battery.start.quick", "") }, want{mge.ErrInvalid, ""}},
		{"unknown command", func(sd *mge.Subdriver) error { return sd.InstCmd("no.such", "") }, want{mge.ErrInvalid, ""}},
		{"bad argument", func(sd *mge.Subdriver) error { return sd.InstCmd("load.off.delay", "soon") }, want{mge.ErrInvalid, ""}},
		{"atol: trailing garbage ignored", func(sd *mge.Subdriver) error { return sd.Set("input.transfer.low", "170.9") }, want{nil, "14aa"}},
		{"set transfer low", func(sd *mge.Subdriver) error { return sd.Set("input.transfer.low", "170") }, want{nil, "14aa"}},
		{"set transfer high (16 bit)", func(sd *mge.Subdriver) error { return sd.Set("input.transfer.high", "270") }, want{nil, "130e01"}},
		{"set nominal voltage enum", func(sd *mge.Subdriver) error { return sd.Set("output.voltage.nominal", "240") }, want{nil, "12f0"}},
		{"set charge low", func(sd *mge.Subdriver) error { return sd.Set("battery.charge.low", "30") }, want{nil, "221e"}},
		{"set nominal voltage not in enum", func(sd *mge.Subdriver) error { return sd.Set("output.voltage.nominal", "abc") }, want{mge.ErrInvalid, ""}},
		{"set driver-side delay", func(sd *mge.Subdriver) error { return sd.Set("ups.delay.shutdown", "120") }, want{nil, ""}},
		{"set read-only", func(sd *mge.Subdriver) error { return sd.Set("battery.charge", "50") }, want{mge.ErrUnknown, ""}},
		{"set unknown", func(sd *mge.Subdriver) error { return sd.Set("ups.nothing", "1") }, want{mge.ErrUnknown, ""}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, _, sd, _ := initSession(t)
			err := c.do(sd)
			if !errors.Is(err, c.want.err) || (c.want.err == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, c.want.err)
			}
			got := ""
			if len(f.sets) > 0 {
				got = hex.EncodeToString(f.sets[len(f.sets)-1])
			}
			if got != c.want.set {
				t.Errorf("SET_REPORT %q, want %q", got, c.want.set)
			}
		})
	}
}

// After a SET, semi-static variables are re-read on the next update.
func TestSetRefreshesSemiStatic(t *testing.T) {
	_, tab, sd, _ := initSession(t)
	if err := sd.Set("input.transfer.low", "170"); err != nil {
		t.Fatal(err)
	}
	if err := sd.Update(false); err != nil { // forced full
		t.Fatal(err)
	}
	if v, _ := tab.Get("input.transfer.low"); v != "170" {
		t.Errorf("input.transfer.low = %q after set", v)
	}
}

func TestUpdateStatus(t *testing.T) {
	cases := []struct {
		name   string
		report string // report 0x01: ACPresent, BelowRCL, Charging, CommLost, Discharging, Good, InternalFailure, NeedReplacement; Overload; ShutdownImminent
		full   bool
		status string
		alarm  string
	}{
		{"on line charging", "01250000", false, "OL CHRG", ""},
		{"on battery", "01300000", false, "OB DISCHRG", ""},
		{"on battery low", "01320000", false, "OB DISCHRG LB", ""},
		{"overload seen on full poll", "01210100", true, "OL OVER", ""},
		{"replace battery", "01a10000", true, "ALARM OL RB", "Replace battery!"},
		{"shutdown imminent", "01300001", true, "ALARM OB DISCHRG LB", "Shutdown imminent!"},
		{"off (Good = 0)", "01010000", true, "OL OFF", ""},
		{"internal failure", "01610000", true, "ALARM OL", "Internal UPS fault!"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, tab, sd, clk := initSession(t)
			f.set(0x01, c.report)
			clk.Advance(3 * time.Second) // cached reports expire
			if err := sd.Update(c.full); err != nil {
				t.Fatal(err)
			}
			if got, _ := tab.Get("ups.status"); got != c.status {
				t.Errorf("ups.status = %q, want %q", got, c.status)
			}
			got, _ := tab.Get("ups.alarm")
			if got != c.alarm {
				t.Errorf("ups.alarm = %q, want %q", got, c.alarm)
			}
		})
	}
}

func TestInputReport(t *testing.T) {
	_, tab, sd, _ := initSession(t)
	// Real interrupt report of an Ellipse ECO 650 (NUT issue 1942).
	rep, _ := hex.DecodeString("065c62020000")
	if err := sd.Input(rep); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"battery.charge": "92", "battery.runtime": "610"} {
		if got, _ := tab.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	// Mains lost: report 0x01 by interrupt updates ups.status at once.
	rep, _ = hex.DecodeString("01300000")
	if err := sd.Input(rep); err != nil {
		t.Fatal(err)
	}
	if got, _ := tab.Get("ups.status"); got != "OB DISCHRG" {
		t.Errorf("ups.status = %q", got)
	}
}

func TestDeviceGone(t *testing.T) {
	f, _, sd, clk := initSession(t)
	f.gone = true
	clk.Advance(3 * time.Second)
	err := sd.Update(false)
	if !errors.Is(err, hiddev.ErrGone) {
		t.Fatalf("err = %v, want ErrGone", err)
	}
}

func TestNotMGE(t *testing.T) {
	f := &fakeDevice{desc: []byte{0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0x75, 0x08, 0x95, 0x01, 0x81, 0x02, 0x09, 0x30, 0x81, 0x02, 0xc0}}
	sd := mge.New(f, &dstate.Table{}, opts(clock.NewVirtual(clock.Epoch)))
	if err := sd.Init(); err == nil {
		t.Fatal("a mouse descriptor was accepted")
	}
	f.desc = f.desc[:3]
	if err := sd.Init(); err == nil || !strings.Contains(err.Error(), "byte 2") {
		t.Fatalf("truncated descriptor: %v", err)
	}
}

func TestVersion(t *testing.T) {
	if got := mge.New(&fakeDevice{}, &dstate.Table{}, opts(nil)).Version(); got != "MGE HID 1.46" {
		t.Errorf("Version = %q", got)
	}
}

// With Options.Pause the command runs on the caller's goroutine without
// waiting for the clock (the lab's callbacks).
func TestShutdownReturnPause(t *testing.T) {
	s := loadSession(t)
	f := newFake(s)
	o := opts(clock.NewVirtual(clock.Epoch))
	var paused []time.Duration
	o.Pause = func(d time.Duration) { paused = append(paused, d) }
	sd := mge.New(identFake{f}, &dstate.Table{}, o)
	if err := sd.Init(); err != nil {
		t.Fatal(err)
	}
	if err := sd.InstCmd("shutdown.stayoff", ""); err != nil {
		t.Fatal(err)
	}
	if len(paused) != 1 || paused[0] != 125*time.Millisecond {
		t.Errorf("paused %v", paused)
	}
	want := []string{"0affffffff", "0914000000"}
	for i, w := range want {
		if i >= len(f.sets) || hex.EncodeToString(f.sets[i]) != w {
			t.Errorf("sets %x, want %v", f.sets, want)
			break
		}
	}
}

// Report lengths: NUT 2.8.0 asks GET_REPORT for exactly the parsed report
// length (ID byte included); ours must agree for every report it read.
func TestSessionReportLengths(t *testing.T) {
	s := loadSession(t)
	sd := mge.New(identFake{newFake(s)}, &dstate.Table{}, opts(clock.NewVirtual(clock.Epoch)))
	if err := sd.Init(); err != nil {
		t.Fatal(err)
	}
	if len(s.wLength) < 20 {
		t.Fatalf("only %d GET_REPORTs in the session", len(s.wLength))
	}
	for id, n := range s.wLength {
		if got := sd.Descriptor().ReportLen(id, hid.Feature); got != n {
			t.Errorf("report 0x%02x: length %d, NUT 2.8.0 asked for %d", id, got, n)
		}
	}
}

// The reports a quick and a full update read, in order (spec §2.9: quick
// 0a 09 01, full 06 07 0a 09 0d 01 03 0e 02 for this layout).
func TestPollOrder(t *testing.T) {
	f, _, sd, clk := initSession(t)
	read := func(full bool) string {
		f.mu.Lock()
		f.gets = nil
		f.mu.Unlock()
		clk.Advance(3 * time.Second)
		if err := sd.Update(full); err != nil {
			t.Fatal(err)
		}
		return hex.EncodeToString(f.gets)
	}
	if got, want := read(false), "0a0901"; got != want {
		t.Errorf("quick update read %s, want %s", got, want)
	}
	if got, want := read(true), "06070a090d01030e02"; got != want {
		t.Errorf("full update read %s, want %s", got, want)
	}
}
