// Package shut_test runs real NUT 2.8.0 mge-shut (from the reference kit)
// against the simulated Ellipse ECO served over SHUT on a pseudo-terminal,
// and compares it with our own driver on the same simulated state.
package shut_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upslab/upslab/drivers/driver"
	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/internal/nutref"
	"github.com/upslab/upslab/internal/upslabcli"
	"github.com/upslab/upslab/simulator"
	"github.com/upslab/upslab/simulator/hidview"
	"github.com/upslab/upslab/simulator/shut"
	"github.com/upslab/upslab/simulator/usbdev"
)

// lab is one simulated ECO 650 on a frozen virtual clock (values do not
// move between two drivers' reads), served over SHUT on two
// pseudo-terminals: padded for NUT 2.8.0 (#2022), and with the real
// descriptor length for our driver.
type lab struct {
	dev       *simulator.Device
	padded    string // link for real mge-shut 2.8.0
	unpadded  string // link for our driver
	statePath string
	inst      *nutref.Instance
	kit       *nutref.Kit
	rawReal   string // last real -d output
	rawOurs   string // last of ours
}

func newLab(t *testing.T) *lab {
	k := nutref.Require(t)
	inst := k.NewInstance(t)
	dev := simulator.New(clock.NewVirtual(clock.Epoch), nil, 1)
	t.Cleanup(dev.Stop)
	l := &lab{dev: dev, inst: inst, kit: k, statePath: inst.StatePath}
	dir := t.TempDir()
	for _, c := range []struct {
		link *string
		name string
		pad  bool
	}{{&l.padded, "ttyPAD", true}, {&l.unpadded, "ttyECO", false}} {
		*c.link = filepath.Join(dir, c.name)
		p, err := shut.OpenPTY(*c.link)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		srv := shut.New(usbdev.New(hidview.New(dev)), shut.Options{Pad: c.pad})
		go srv.Serve(ctx, p.Master)
		t.Cleanup(func() { cancel(); p.Close() })
	}
	return l
}

// dump parses the "name: value" lines of a driver's -d output (variable
// names have dots; "Warning: ..." banners do not).
func dump(out string) map[string]string {
	m := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ": ")
		if ok && strings.Contains(k, ".") && !strings.Contains(k, " ") {
			m[k] = v
		}
	}
	return m
}

// realDump runs real mge-shut -d 1 on the padded line.
func (l *lab) realDump(t *testing.T) map[string]string {
	t.Helper()
	out, errOut, err := l.inst.Output(t, "mge-shut", "-s", "eco", "-x", "port="+l.padded, "-d", "1")
	if err != nil {
		t.Fatalf("real mge-shut: %v\n%s%s", err, out, errOut)
	}
	l.rawReal = out
	return dump(out)
}

var runMu sync.Mutex // RunContext uses the process environment

// ourDump runs our usbhid-ups -d 1 over SHUT on the unpadded line.
func (l *lab) ourDump(t *testing.T, prog string) map[string]string {
	t.Helper()
	runMu.Lock()
	defer runMu.Unlock()
	t.Setenv("NUT_STATEPATH", l.statePath)
	var out, errOut strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if code := driver.RunContext(ctx, prog, []string{"-s", "ours", "-x", "port=" + l.unpadded, "-d", "1"}, &out, &errOut); code != 0 {
		t.Fatalf("our %s: exit %d\n%s%s", prog, code, out.String(), errOut.String())
	}
	l.rawOurs = out.String()
	return dump(out.String())
}

func (l *lab) exec(t *testing.T, cmds ...string) {
	t.Helper()
	for _, c := range cmds {
		if err := l.dev.Exec(c); err != nil {
			t.Fatalf("%s: %v", c, err)
		}
	}
}

// modelValues is what the dump must show for the model's state.
func modelValues(s simulator.State) map[string]string {
	onOff := func(b bool) string {
		if b {
			return "on"
		}
		return "off"
	}
	beeper := map[simulator.Beeper]string{simulator.BeeperDisabled: "disabled", simulator.BeeperEnabled: "enabled", simulator.BeeperMuted: "muted"}
	return map[string]string{
		"battery.charge":         strconv.Itoa(s.Charge),
		"battery.charge.low":     strconv.Itoa(s.ChargeLow),
		"battery.runtime":        strconv.Itoa(s.Runtime),
		"battery.type":           s.Chemistry,
		"device.mfr":             "EATON",
		"device.model":           "Ellipse ECO 650",
		"device.serial":          s.Serial,
		"device.type":            "ups",
		"input.transfer.high":    strconv.Itoa(s.TransferHigh),
		"input.transfer.low":     strconv.Itoa(s.TransferLow),
		"outlet.1.desc":          "PowerShare Outlet 1",
		"outlet.1.id":            "2",
		"outlet.1.status":        onOff(s.Outlets[1].On),
		"outlet.1.switchable":    "no",
		"outlet.2.desc":          "PowerShare Outlet 2",
		"outlet.2.id":            "3",
		"outlet.2.status":        onOff(s.Outlets[2].On),
		"outlet.2.switchable":    "no",
		"outlet.desc":            "Main Outlet",
		"outlet.id":              "1",
		"outlet.power":           strconv.Itoa(s.OutletPower),
		"outlet.switchable":      "no",
		"output.voltage.nominal": strconv.Itoa(s.NominalVoltage),
		"ups.beeper.status":      beeper[s.Beeper],
		"ups.delay.shutdown":     "20",
		"ups.delay.start":        "30",
		"ups.load":               strconv.Itoa(s.LoadPercent),
		"ups.mfr":                "EATON",
		"ups.model":              "Ellipse ECO 650",
		"ups.power.nominal":      strconv.Itoa(s.NominalVA),
		"ups.productid":          "ffff",
		"ups.serial":             s.Serial,
		"ups.vendorid":           "0463",
	}
}

// withoutChrg drops CHRG and DISCHRG: 2.8.0 shows neither for this family,
// we do (as NUT >= 2.8.3).
func withoutChrg(st string) string {
	var keep []string
	for _, w := range strings.Fields(st) {
		if w != "CHRG" && w != "DISCHRG" {
			keep = append(keep, w)
		}
	}
	return strings.Join(keep, " ")
}

// TestRealMgeShut: real mge-shut 2.8.0 reads the model's values over SHUT
// (with --pad-descriptor) on mains, on battery and at low battery, and an
// instant command sent to it reaches the model.
func TestRealMgeShut(t *testing.T) {
	l := newLab(t)
	for _, c := range []struct {
		name   string
		cmds   []string
		status string
	}{
		{"on line", nil, "OL"},
		{"on battery", []string{"mains off"}, "OB"},
		{"low battery", []string{"battery charge 10%"}, "OB LB"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l.exec(t, c.cmds...)
			got := l.realDump(t)
			if got["ups.status"] != c.status {
				t.Errorf("ups.status %q, want %q", got["ups.status"], c.status)
			}
			for k, want := range modelValues(l.dev.State()) {
				if got[k] != want {
					t.Errorf("%s: mge-shut shows %q, the model holds %q", k, got[k], want)
				}
			}
		})
	}
	l.exec(t, "mains on", "battery charge 100%")

	t.Run("instcmd beeper.disable", func(t *testing.T) {
		if l.dev.State().Beeper != simulator.BeeperEnabled {
			t.Fatal("beeper not enabled at start")
		}
		p := l.inst.Start(t, "mge-shut", "-s", "eco", "-x", "port="+l.padded)
		sock := l.inst.DriverSocket("mge-shut", "eco")
		nutref.WaitSocket(t, sock, 10*time.Second, p)
		c, err := net.Dial("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := fmt.Fprintf(c, "INSTCMD beeper.disable\n"); err != nil {
			t.Fatal(err)
		}
		nutref.WaitFor(t, 10*time.Second, func() bool { return l.dev.State().Beeper == simulator.BeeperDisabled }, p)
	})
}

// TestDifferential: our usbhid-ups (and mge-shut) over SHUT, reading the
// real descriptor length, and real mge-shut 2.8.0 on the padded line
// agree variable for variable in several states, except driver.* and
// CHRG/DISCHRG (the clock is frozen, so nothing moves with time).
func TestDifferential(t *testing.T) {
	l := newLab(t)
	for _, c := range []struct {
		name string
		cmds []string
	}{
		{"on line", nil},
		{"on battery", []string{"mains off"}},
		{"low battery", []string{"battery charge 10%"}},
		{"overload", []string{"mains on", "battery charge 100%", "load 120%"}},
		{"replace battery", []string{"load 30%", "battery replace"}},
		{"shutdown timer running", []string{"battery new", "timer shutdown 60s"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			l.exec(t, c.cmds...)
			real := l.realDump(t)
			for _, prog := range []string{"usbhid-ups", "mge-shut"} {
				ours := l.ourDump(t, prog)
				keys := map[string]bool{}
				for k := range real {
					keys[k] = true
				}
				for k := range ours {
					keys[k] = true
				}
				var diffs []string
				for k := range keys {
					if strings.HasPrefix(k, "driver.") {
						continue
					}
					r, o := real[k], ours[k]
					if k == "ups.status" {
						r, o = withoutChrg(r), withoutChrg(o)
					}
					if r != o {
						diffs = append(diffs, fmt.Sprintf("%s: real %q, ours %q", k, r, o))
					}
				}
				sort.Strings(diffs)
				if len(diffs) > 0 {
					t.Errorf("our %s differs from real mge-shut 2.8.0 (%s):\n%s", prog, l.dev.State().Line(), strings.Join(diffs, "\n"))
				}
				if real["ups.status"] == "" {
					t.Error("no ups.status")
				}
				if prog == "mge-shut" {
					// The banner, but for the version ("2.8.0-upslab").
					head := func(s string) string {
						lines := strings.SplitN(s, "\n", 6)
						return strings.Join(lines[1:5], "\n")
					}
					if head(l.rawOurs) != head(l.rawReal) {
						t.Errorf("banner:\n%s\nreal:\n%s", head(l.rawOurs), head(l.rawReal))
					}
				}
			}
		})
	}
}

// TestUpslabSimSerial: the command itself, upslab sim --serial LINK
// --pad-descriptor (in this process), read by real mge-shut 2.8.0; a
// control command (upslab ctl mains off) shows up as OB.
func TestUpslabSimSerial(t *testing.T) {
	k := nutref.Require(t)
	inst := k.NewInstance(t)
	dir := t.TempDir()
	link := filepath.Join(dir, "ttyS9")
	ctl := filepath.Join(dir, "ctl")
	var out, errOut syncBuffer
	go upslabcli.Main([]string{"sim", "--serial", link, "--pad-descriptor", "--control", ctl, "--for", "1m"}, strings.NewReader(""), &out, &errOut)
	nutref.WaitFor(t, 10*time.Second, func() bool {
		_, e1 := os.Stat(link)
		_, e2 := os.Stat(ctl)
		return e1 == nil && e2 == nil
	})
	status := func() string {
		o, e, err := inst.Output(t, "mge-shut", "-s", "eco", "-x", "port="+link, "-d", "1")
		if err != nil {
			t.Fatalf("real mge-shut: %v\n%s%s\nsim: %s%s", err, o, e, out.String(), errOut.String())
		}
		return dump(o)["ups.status"]
	}
	if st := status(); st != "OL" {
		t.Errorf("ups.status %q, want OL", st)
	}
	var co, ce strings.Builder
	if code := upslabcli.Main([]string{"ctl", ctl, "mains off"}, strings.NewReader(""), &co, &ce); code != 0 {
		t.Fatalf("upslab ctl: %d %s", code, ce.String())
	}
	if st := status(); st != "OB" {
		t.Errorf("after mains off: ups.status %q, want OB", st)
	}
	if !strings.Contains(out.String(), "SHUT on "+link) {
		t.Errorf("sim output lacks the SHUT line:\n%s", out.String())
	}
}

// syncBuffer is a strings.Builder safe for the sim's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestOurDriverOnSimSerial needs no reference kit: upslab sim --serial
// (real descriptor length, no padding) read by our mge-shut and
// usbhid-ups over the pseudo-terminal; upslab ctl mains off shows as OB.
func TestOurDriverOnSimSerial(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "ttyS8")
	ctl := filepath.Join(dir, "ctl")
	var out, errOut syncBuffer
	go upslabcli.Main([]string{"sim", "--serial", link, "--control", ctl, "--for", "1m"}, strings.NewReader(""), &out, &errOut)
	nutref.WaitFor(t, 10*time.Second, func() bool {
		_, e1 := os.Stat(link)
		_, e2 := os.Stat(ctl)
		return e1 == nil && e2 == nil
	})
	l := &lab{unpadded: link, statePath: t.TempDir()}
	for _, prog := range []string{"mge-shut", "usbhid-ups"} {
		if st := l.ourDump(t, prog)["ups.status"]; withoutChrg(st) != "OL" {
			t.Errorf("our %s: ups.status %q, want OL", prog, st)
		}
	}
	var co, ce strings.Builder
	if code := upslabcli.Main([]string{"ctl", ctl, "mains off"}, strings.NewReader(""), &co, &ce); code != 0 {
		t.Fatalf("upslab ctl: %d %s", code, ce.String())
	}
	if st := l.ourDump(t, "mge-shut")["ups.status"]; withoutChrg(st) != "OB" {
		t.Errorf("after mains off: ups.status %q, want OB", st)
	}
}
