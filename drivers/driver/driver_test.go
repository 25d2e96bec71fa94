package driver

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/upslab/upslab/drivers/hiddev"
	"github.com/upslab/upslab/drivers/sock"
	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/stack/dstate"
)

// fakeDev is a notifying device whose input queue the test fills.
type fakeDev struct {
	inputs [][]byte
	notify func()
}

func (f *fakeDev) ReportDescriptor() ([]byte, error)  { return nil, nil }
func (f *fakeDev) GetFeature(id byte) ([]byte, error) { return []byte{id}, nil }
func (f *fakeDev) SetFeature(r []byte) error          { return nil }
func (f *fakeDev) ReadInput(time.Duration) ([]byte, error) {
	if len(f.inputs) == 0 {
		return nil, hiddev.ErrTimeout
	}
	r := f.inputs[0]
	f.inputs = f.inputs[1:]
	return r, nil
}
func (f *fakeDev) NotifyInput(fn func()) { f.notify = fn }

func (f *fakeDev) push(r []byte) {
	f.inputs = append(f.inputs, r)
	if f.notify != nil {
		f.notify()
	}
}

// codeErr carries a tracking code, as Coder.
type codeErr int

func (c codeErr) Error() string     { return fmt.Sprintf("code %d", int(c)) }
func (c codeErr) TrackingCode() int { return int(c) }

// fakeSD logs every call with the virtual time since the start.
type fakeSD struct {
	clk   clock.Clock
	start time.Time
	t     *dstate.Table
	log   []string
	gone  bool
}

func (s *fakeSD) rec(f string, a ...any) {
	s.log = append(s.log, fmt.Sprintf("%4.1fs ", s.clk.Since(s.start).Seconds())+fmt.Sprintf(f, a...))
}
func (s *fakeSD) Init() error { s.rec("init"); s.t.Set("ups.status", "OL"); return nil }
func (s *fakeSD) Update(full bool) error {
	if s.gone {
		s.rec("update(%v): gone", full)
		return fmt.Errorf("report 0x01: %w", hiddev.ErrGone)
	}
	s.rec("update(%v)", full)
	return nil
}
func (s *fakeSD) Input(r []byte) error { s.rec("input % x", r); return nil }
func (s *fakeSD) InstCmd(name, arg string) error {
	s.rec("instcmd %s %s", name, arg)
	switch name {
	case "beeper.disable":
		return nil
	case "bad.arg":
		return codeErr(sock.StatInvalid)
	}
	return codeErr(sock.StatUnknown)
}
func (s *fakeSD) Set(name, value string) error { s.rec("set %s %s", name, value); return nil }
func (s *fakeSD) KillPower() error             { s.rec("killpower"); return nil }
func (s *fakeSD) Version() string              { return "FAKE HID 0.1" }

func setup(t *testing.T) (*clock.Virtual, *fakeDev, *fakeSD, *dstate.Table, *Driver) {
	clk := clock.NewVirtual(clock.Epoch)
	tbl := &dstate.Table{}
	dev := &fakeDev{}
	sd := &fakeSD{clk: clk, start: clk.Now(), t: tbl}
	d := New(dev, sd, tbl, clk, Options{})
	if err := d.Init(); err != nil {
		t.Fatal(err)
	}
	d.Start()
	t.Cleanup(d.Stop)
	return clk, dev, sd, tbl, d
}

func check(t *testing.T, got []string, want string) {
	t.Helper()
	w := strings.Split(strings.TrimSpace(want), "\n")
	for i := range w {
		w[i] = strings.TrimSpace(w[i])
	}
	g := make([]string, len(got))
	for i := range got {
		g[i] = strings.TrimSpace(got[i])
	}
	if strings.Join(g, "\n") != strings.Join(w, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
	}
}

func TestPollCadence(t *testing.T) {
	clk, _, sd, tbl, _ := setup(t)
	clk.Advance(66 * time.Second)
	var full []string
	for _, l := range sd.log {
		if strings.Contains(l, "true") || strings.Contains(l, "init") {
			full = append(full, l)
		}
	}
	// NUT: full when more than pollfreq (30 s) passed since the last full
	// one, i.e. at 32 s and 64 s with a 2 s poll interval.
	check(t, full, `
		  0.0s init
		 32.0s update(true)
		 64.0s update(true)`)
	if n := len(sd.log); n != 1+1+33 {
		t.Errorf("%d calls, want 35 (init, first update, 33 polls)", n)
	}
	if v, _ := tbl.Get("driver.version.data"); v != "FAKE HID 0.1" {
		t.Errorf("driver.version.data = %q", v)
	}
	if v, _ := tbl.Get("driver.parameter.pollfreq"); v != "30" {
		t.Errorf("driver.parameter.pollfreq = %q", v)
	}
}

func TestInterruptImmediate(t *testing.T) {
	clk, dev, sd, _, _ := setup(t)
	clk.Advance(3 * time.Second)
	sd.log = nil
	clk.AfterFunc(500*time.Millisecond, func() { dev.push([]byte{0x06, 0x5c, 0x62, 0x02, 0x00, 0x00}) })
	clk.Advance(1 * time.Second)
	check(t, sd.log, `
		  3.5s input 06 5c 62 02 00 00
		  4.0s update(false)`)
	if got := clk.Now().Sub(clock.Epoch); got != 4*time.Second {
		t.Fatalf("now %v", got)
	}
}

func TestStaleAndFresh(t *testing.T) {
	clk, _, sd, tbl, _ := setup(t)
	var changes []string
	tbl.Listen(func(c dstate.Change) {
		if c.Op == "DATASTALE" || c.Op == "DATAOK" {
			changes = append(changes, fmt.Sprintf("%4.1fs %s", clk.Since(clock.Epoch).Seconds(), c.Op))
		}
	})
	clk.Advance(10 * time.Second)
	sd.gone = true
	clk.Advance(6 * time.Second) // polls at 12, 14, 16
	sd.gone = false
	clk.Advance(4 * time.Second) // 18, 20
	// Failed walk at 12; the reconnect at 14 fails: DATASTALE (as NUT);
	// at 18 the device answers again: a full update and DATAOK.
	check(t, changes, `
		 14.0s DATASTALE
		 18.0s DATAOK`)
	check(t, sd.log[len(sd.log)-5:], `
		 14.0s update(true): gone
		 16.0s update(true): gone
		 18.0s update(true)
		 18.0s update(true)
		 20.0s update(false)`)
}

func TestCommands(t *testing.T) {
	clk, _, sd, _, d := setup(t)
	clk.Advance(1 * time.Second)
	sd.log = nil
	for _, tc := range []struct {
		name, arg string
		want      int
	}{
		{"beeper.disable", "", sock.StatHandled},
		{"bad.arg", "x", sock.StatInvalid},
		{"no.such", "", sock.StatUnknown},
	} {
		if got := d.InstCmd(tc.name, tc.arg); got != tc.want {
			t.Errorf("InstCmd(%s) = %d, want %d", tc.name, got, tc.want)
		}
	}
	if got := d.Set("battery.charge.low", "30"); got != sock.StatHandled {
		t.Errorf("Set = %d", got)
	}
	clk.Advance(1 * time.Second)
	// After a successful command the next poll is a full one (NUT's
	// data_has_changed).
	check(t, sd.log, `
		  1.0s instcmd beeper.disable 
		  1.0s instcmd bad.arg x
		  1.0s instcmd no.such 
		  1.0s set battery.charge.low 30
		  2.0s update(true)`)
}

func TestOverSocket(t *testing.T) {
	clk, _, sd, tbl, d := setup(t)
	_ = clk
	srv := sock.NewServer(tbl, d)
	defer srv.Close()
	a, b := netPipe()
	srv.ServeConn(b)
	cl := sock.NewClient(a)
	defer cl.Close()
	cl.InstCmd("beeper.disable", "", "T1")
	e, err := cl.Next()
	if err != nil || e.String() != "TRACKING T1 0" {
		t.Fatalf("got %v, %v", e, err)
	}
	if !strings.Contains(strings.Join(sd.log, "\n"), "instcmd beeper.disable") {
		t.Errorf("subdriver did not see the command: %q", sd.log)
	}
}

func TestDefaultCode(t *testing.T) {
	if DefaultCode(nil) != 0 || DefaultCode(errors.New("x")) != 3 || DefaultCode(fmt.Errorf("w: %w", codeErr(2))) != 2 {
		t.Error("DefaultCode mapping")
	}
}

// plainDev cannot notify (like usb.HID over real hardware).
type plainDev struct{ fakeDev }

func (p *plainDev) NotifyInput() {} // not hiddev.InputNotifier: wrong signature on purpose

func TestInputWithoutNotifierOnVirtualClock(t *testing.T) {
	clk := clock.NewVirtual(clock.Epoch)
	tbl := &dstate.Table{}
	dev := &plainDev{}
	sd := &fakeSD{clk: clk, start: clk.Now(), t: tbl}
	d := New(dev, sd, tbl, clk, Options{})
	if err := d.Init(); err != nil {
		t.Fatal(err)
	}
	d.Start()
	defer d.Stop()
	sd.log = nil
	dev.inputs = append(dev.inputs, []byte{0x01, 0x02})
	clk.Advance(2 * time.Second)
	// No goroutine spins on the device: the report is read at the poll.
	check(t, sd.log, `
		2.0s input 01 02
		2.0s update(false)`)
}
