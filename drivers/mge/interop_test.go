package mge_test

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf16"

	"github.com/creack/pty"

	"github.com/upslab/upslab/drivers/hid"
	"github.com/upslab/upslab/drivers/mge"
	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/internal/nutref"
	"github.com/upslab/upslab/simulator"
	"github.com/upslab/upslab/simulator/hidview"
	"github.com/upslab/upslab/stack/dstate"
)

// shutDevice answers NUT's SHUT host on a pty with the session's data: a
// minimal device side of the protocol (spec eaton-hid-shut.md §2), enough
// for mge-shut's start-up, dump walk and first update.
type shutDevice struct {
	s   *session
	rw  io.ReadWriter
	br  *bufio.Reader
	mu  sync.Mutex
	log []string
}

func (d *shutDevice) logf(format string, args ...any) {
	d.mu.Lock()
	d.log = append(d.log, fmt.Sprintf(format, args...))
	d.mu.Unlock()
}

func (d *shutDevice) serve() {
	var setup []byte
	for {
		b, err := d.br.ReadByte()
		if err != nil {
			return
		}
		switch {
		case b == 0x16 || b == 0x17 || b == 0x18:
			d.rw.Write([]byte{b}) // sync: echo
			continue
		case b == 0x06 || b == 0x15:
			continue
		case b != 0x81 && b != 0x01:
			d.logf("unexpected byte %02x", b)
			continue
		}
		l, err := d.br.ReadByte()
		if err != nil {
			return
		}
		n := int(l & 0x0f)
		frame := make([]byte, n+1)
		if _, err := io.ReadFull(d.br, frame); err != nil {
			return
		}
		var x byte
		for _, c := range frame[:n] {
			x ^= c
		}
		if x != frame[n] {
			d.rw.Write([]byte{0x15})
			continue
		}
		d.rw.Write([]byte{0x06})
		data := frame[:n]
		if b == 0x01 { // setup of a SET_REPORT; the data frame follows
			setup = append([]byte(nil), data...)
			continue
		}
		if setup != nil {
			d.logf("SET_REPORT %x", data)
			setup = nil
			continue
		}
		d.answer(data)
	}
}

func (d *shutDevice) answer(setup []byte) {
	if len(setup) < 8 {
		return
	}
	typ, req := setup[0], setup[1]
	wValue := int(setup[2]) | int(setup[3])<<8
	wLength := int(setup[6]) | int(setup[7])<<8
	var out []byte
	switch {
	case typ == 0x80 && req == 6 && wValue == 0x0100:
		out = d.s.device
	case typ == 0x80 && req == 6 && wValue>>8 == 3:
		str := d.s.strings[wValue&0xff]
		u := utf16.Encode([]rune(str))
		out = []byte{byte(2 + 2*len(u)), 3}
		for _, c := range u {
			out = append(out, byte(c), byte(c>>8))
		}
	case typ == 0x81 && req == 6 && wValue>>8 == 0x21:
		out = d.s.hidDesc
	case typ == 0x81 && req == 6 && wValue>>8 == 0x22:
		out = d.s.desc
	case typ == 0xa1 && req == 1 && wValue>>8 == 3:
		out = d.s.features[byte(wValue)]
	}
	if len(out) > wLength {
		out = out[:wLength]
	}
	if len(out) == 0 {
		out = []byte{0}
	}
	for len(out) > 0 {
		n := min(len(out), 8)
		t := byte(0x04)
		if n == len(out) {
			t = 0x84
		}
		frame := []byte{t, byte(n | n<<4)}
		var x byte
		for _, c := range out[:n] {
			frame = append(frame, c)
			x ^= c
		}
		frame = append(frame, x)
		for {
			d.rw.Write(frame)
			ack, err := d.br.ReadByte()
			if err != nil {
				return
			}
			if ack == 0x06 {
				break
			}
		}
		out = out[n:]
	}
}

// nutDump is what real NUT 2.8.0 mge-shut printed for the session device:
// its HID dump-tree lines (path, type, ID, offset, size, value) and its -d
// dump of variables.
type nutDump struct {
	items []string          // "Path: ..., Type: ..., ReportID: 0x.., Offset: n, Size: n"
	value map[string]string // same key -> NUT's %g value
	vars  map[string]string
}

func runRealMGEShut(t *testing.T, s *session, extra ...string) nutDump {
	k := nutref.Require(t)
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	// Raw mode on both sides: NUT sets its end raw; ours must not echo or
	// translate either.
	dev := &shutDevice{s: s, rw: ptmx, br: bufio.NewReader(ptmx)}
	go dev.serve()

	inst := k.NewInstance(t)
	inst.WriteFile("ups.conf", fmt.Sprintf("[eco]\n\tdriver = mge-shut\n\tport = %s\n", tty.Name()))
	stdout, stderr, err := inst.Output(t, "mge-shut", append([]string{"-a", "eco", "-D", "-d", "1"}, extra...)...)
	if err != nil {
		t.Fatalf("mge-shut: %v\nstdout:\n%s\nstderr:\n%s\ndevice: %v", err, stdout, stderr, dev.log)
	}
	if os.Getenv("SHOWNUT") != "" {
		t.Logf("NUT stderr:\n%s", stderr)
	}
	d := nutDump{value: map[string]string{}, vars: map[string]string{}}
	for _, line := range strings.Split(stderr+"\n"+stdout, "\n") {
		if i := strings.Index(line, "Path: "); i >= 0 && strings.Contains(line, "ReportID:") {
			l := line[i:]
			key, val, _ := strings.Cut(l, ", Value: ")
			d.items = append(d.items, key)
			if val != "" {
				d.value[key] = val
			}
		}
	}
	for _, line := range strings.Split(stdout, "\n") {
		if name, val, ok := strings.Cut(line, ": "); ok && strings.Contains(name, ".") && !strings.Contains(name, " ") {
			d.vars[name] = val
		}
	}
	if len(d.items) == 0 || len(d.vars) == 0 {
		t.Fatalf("nothing parsed from mge-shut\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	return d
}

// TestRealNUTAgrees runs Debian's NUT 2.8.0 mge-shut against the session
// device on a pty and checks that our parser finds the same items with the
// same report IDs, offsets and sizes and decodes the same values, and that
// our subdriver publishes the same variables (except driver.*,
// device.type, and ups.status, where we add CHRG as NUT 2.8.3 does).
func TestRealNUTAgrees(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real NUT")
	}
	s := loadSession(t)
	nd := runRealMGEShut(t, s)
	desc, err := hid.Parse(s.desc)
	if err != nil {
		t.Fatal(err)
	}
	desc.Names = mge.Usages

	// Items: NUT's dump tree skips reports 254/255 for Eaton.
	var ours []string
	vals := map[string]string{}
	for _, it := range desc.Items {
		if it.ReportID >= 0xfe {
			continue
		}
		key := fmt.Sprintf("Path: %s, Type: %s, ReportID: 0x%02x, Offset: %d, Size: %d", it.Path.Format(desc.Names), it.Type, it.ReportID, it.Offset, it.Size)
		ours = append(ours, key)
		// NUT reads Input items from the same report buffer as the
		// Feature report of that ID.
		if r, ok := s.features[it.ReportID]; ok {
			v, err := it.Decode(r)
			if err == nil {
				vals[key] = strconv.FormatFloat(v, 'g', 6, 64)
			}
		}
	}
	if len(nd.items) != 93 || len(nd.value) < 80 {
		t.Errorf("NUT dumped %d items (%d with values), want 93 (95 minus the vendor reports 0xfe/0xff)", len(nd.items), len(nd.value))
	}
	if strings.Join(ours, "\n") != strings.Join(nd.items, "\n") {
		t.Errorf("items differ from NUT 2.8.0's dump tree\n ours:\n%s\n NUT:\n%s", strings.Join(ours, "\n"), strings.Join(nd.items, "\n"))
	}
	for k, v := range nd.value {
		if vals[k] != v {
			t.Errorf("%s: value %q, NUT %q", k, vals[k], v)
		}
	}

	compareVars(t, s, nd, opts(clock.NewVirtual(clock.Epoch)))
	if t.Failed() {
		t.Logf("NUT vars: %v", nd.vars)
	}
}

// compareVars runs our subdriver on the session device (init and the
// first, quick, update, as mge-shut -d 1 does) and compares its variables
// with NUT's dump. ups.status is compared without CHRG/DISCHRG, which NUT
// 2.8.0 never shows for this family and we show as NUT 2.8.3 does.
func compareVars(t *testing.T, s *session, nd nutDump, o mge.Options) {
	t.Helper()
	f := newFake(s)
	tab := &dstate.Table{}
	sd := mge.New(identFake{f}, tab, o)
	if err := sd.Init(); err != nil {
		t.Fatal(err)
	}
	if err := sd.Update(false); err != nil {
		t.Fatal(err)
	}
	skip := func(n string) bool { return strings.HasPrefix(n, "driver.") || n == "device.type" }
	for n, want := range nd.vars {
		if skip(n) {
			continue
		}
		got, ok := tab.Get(n)
		if n == "ups.status" {
			var w []string
			for _, x := range strings.Fields(got) {
				if x != "CHRG" && x != "DISCHRG" {
					w = append(w, x)
				}
			}
			got = strings.Join(w, " ")
		}
		if !ok || got != want {
			t.Errorf("%s = %q (present %v), NUT 2.8.0: %q", n, got, ok, want)
		}
	}
	for _, v := range tab.Vars() {
		if _, ok := nd.vars[v.Name]; !ok {
			t.Errorf("we publish %s = %q, NUT 2.8.0 does not", v.Name, v.Value)
		}
	}
	if t.Failed() {
		t.Logf("NUT vars: %v", nd.vars)
	}
}

// The same comparison in the states issue 5 lists, made by changing the
// session device's reports.
func TestRealNUTStates(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real NUT")
	}
	cases := []struct {
		name    string
		reports map[byte]string
		status  string // NUT 2.8.0's ups.status
	}{
		{"on battery", map[byte]string{0x01: "01300000", 0x06: "063258020000"}, "OB"},
		{"low battery", map[byte]string{0x01: "01320000", 0x06: "060a3c000000"}, "OB LB"},
		{"overload", map[byte]string{0x01: "01250100", 0x07: "0702020100037802"}, "OL OVER"},
		{"replace battery", map[byte]string{0x01: "01a50000"}, "OL RB"},
		{"shutdown imminent", map[byte]string{0x01: "01300001"}, "OB LB"},
		{"off", map[byte]string{0x01: "01050000"}, "OL OFF"},
		{"shutdown timer running", map[byte]string{0x09: "0914000000", 0x0a: "0a1e000000"}, "OL"},
		{"settings changed", map[byte]string{0x20: "2001", 0x14: "14aa", 0x13: "130e01", 0x22: "221e", 0x12: "12f0"}, "OL"},
		{"outlets off", map[byte]string{0x02: "020000", 0x19: "1900"}, "OL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := loadSession(t)
			for id, hx := range c.reports {
				b, err := hex.DecodeString(hx)
				if err != nil {
					t.Fatal(err)
				}
				if len(b) != len(s.features[id]) {
					t.Fatalf("report 0x%02x: %d bytes, the device's is %d", id, len(b), len(s.features[id]))
				}
				s.features[id] = b
			}
			nd := runRealMGEShut(t, s)
			if nd.vars["ups.status"] != c.status {
				t.Errorf("NUT 2.8.0 ups.status %q, case expects %q", nd.vars["ups.status"], c.status)
			}
			compareVars(t, s, nd, opts(clock.NewVirtual(clock.Epoch)))
		})
	}
}

// -x offdelay, ondelay and lowbatt only change the published variables.
func TestRealNUTOptions(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real NUT")
	}
	s := loadSession(t)
	nd := runRealMGEShut(t, s, "-x", "offdelay=60", "-x", "ondelay=90", "-x", "lowbatt=35")
	if nd.vars["ups.delay.shutdown"] != "60" || nd.vars["battery.charge.low"] != "35" {
		t.Fatalf("NUT ignored the options: %v", nd.vars)
	}
	o := opts(clock.NewVirtual(clock.Epoch))
	o.OffDelay, o.OnDelay, o.LowBatt = 60, 90, 35
	compareVars(t, s, nd, o)
}

// sessionFromView builds a session device out of the simulator's HID view:
// its descriptor (zero-padded to 1028 bytes for mge-shut 2.8.0's length
// bug), strings and current feature reports.
func sessionFromView(t *testing.T, v *hidview.View) *session {
	t.Helper()
	base := loadSession(t) // USB device and HID descriptors
	desc, err := v.ReportDescriptor()
	if err != nil {
		t.Fatal(err)
	}
	if len(desc) > 1028 {
		t.Skipf("simulator descriptor is %d bytes, over mge-shut 2.8.0's 1028", len(desc))
	}
	s := &session{
		device:   base.device,
		hidDesc:  base.hidDesc,
		desc:     append(append([]byte(nil), desc...), make([]byte, 1028-len(desc))...),
		strings:  map[int]string{},
		features: map[byte][]byte{},
	}
	for i := 1; i < 32; i++ {
		if str, ok := v.String(uint8(i)); ok {
			s.strings[i] = str
		}
	}
	d, err := hid.Parse(desc)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range d.ReportIDs(hid.Feature) {
		if r, err := v.GetFeature(id); err == nil {
			s.features[id] = r
		}
	}
	return s
}

// The simulator's Ellipse ECO 650, read by real NUT 2.8.0 mge-shut and by
// our subdriver, gives the same variables.
func TestRealNUTSimulator(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real NUT")
	}
	clk := clock.NewVirtual(clock.Epoch)
	s := sessionFromView(t, hidview.New(simulator.New(clk, nil, 1)))
	nd := runRealMGEShut(t, s)
	compareVars(t, s, nd, opts(clock.NewVirtual(clock.Epoch)))
}

// After full updates: ups.alarm and the ALARM status prefix, the alarm
// items of report 0x03, compared with real NUT 2.8.0. NUT 2.8.0 takes
// pollfreq with atoi and runs a full update when now > lastpoll+pollfreq,
// so pollfreq=-1 makes every update of its dump mode a full one.
func TestRealNUTFullUpdate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real NUT")
	}
	cases := []struct {
		name    string
		reports map[byte]string
		alarm   string
	}{
		{"normal", nil, ""},
		{"replace battery", map[byte]string{0x01: "01a50000"}, "Replace battery!"},
		{"shutdown imminent", map[byte]string{0x01: "01300001"}, "Shutdown imminent!"},
		{"internal failure", map[byte]string{0x01: "01650000"}, "Internal UPS fault!"},
		{"short circuit and charger voltage", map[byte]string{0x03: "0301000001"}, "Output short circuit! Battery voltage too high!"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := loadSession(t)
			for id, hx := range c.reports {
				b, _ := hex.DecodeString(hx)
				s.features[id] = b
			}
			nd := runRealMGEShut(t, s, "-x", "pollfreq=-1", "-d", "1")
			if nd.vars["ups.alarm"] != c.alarm {
				t.Errorf("NUT ups.alarm %q, case expects %q", nd.vars["ups.alarm"], c.alarm)
			}
			f := newFake(s)
			tab := &dstate.Table{}
			clk := clock.NewVirtual(clock.Epoch)
			sd := mge.New(identFake{f}, tab, opts(clk))
			if err := sd.Init(); err != nil {
				t.Fatal(err)
			}
			if err := sd.Update(false); err != nil {
				t.Fatal(err)
			}
			clk.Advance(3e9)
			if err := sd.Update(true); err != nil {
				t.Fatal(err)
			}
			for n, want := range nd.vars {
				if strings.HasPrefix(n, "driver.") || n == "device.type" {
					continue
				}
				got, ok := tab.Get(n)
				if n == "ups.status" {
					got = strings.Join(strings.FieldsFunc(got, func(r rune) bool { return r == ' ' }), " ")
					var w []string
					for _, x := range strings.Fields(got) {
						if x != "CHRG" && x != "DISCHRG" {
							w = append(w, x)
						}
					}
					got = strings.Join(w, " ")
				}
				if !ok || got != want {
					t.Errorf("%s = %q (present %v), NUT 2.8.0: %q", n, got, ok, want)
				}
			}
			for _, v := range tab.Vars() {
				if _, ok := nd.vars[v.Name]; !ok {
					t.Errorf("we publish %s = %q, NUT 2.8.0 does not", v.Name, v.Value)
				}
			}
		})
	}
}
