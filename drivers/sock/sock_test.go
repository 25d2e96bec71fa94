package sock

import (
	"bufio"
	"flag"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upslab/upslab/stack/dstate"
	"github.com/upslab/upslab/stack/parseconf"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fakeHandler records requests and answers with fixed codes.
type fakeHandler struct {
	mu   sync.Mutex
	got  []string
	code int
}

func (h *fakeHandler) InstCmd(name, arg string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.got = append(h.got, "INSTCMD "+name+" ["+arg+"]")
	return h.code
}

func (h *fakeHandler) Set(name, value string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.got = append(h.got, "SET "+name+" ["+value+"]")
	return h.code
}

// sampleTable is a small Ellipse-like state with every kind of entry.
func sampleTable() *dstate.Table {
	t := &dstate.Table{}
	t.Set("ups.status", "OL")
	t.Set("battery.charge", "100")
	t.Set("battery.charge.low", "20")
	t.SetFlags("battery.charge.low", dstate.RW|dstate.String)
	t.SetAux("battery.charge.low", 5)
	t.Set("output.voltage.nominal", "230")
	t.SetFlags("output.voltage.nominal", dstate.RW)
	t.AddEnum("output.voltage.nominal", "220")
	t.AddEnum("output.voltage.nominal", "230")
	t.AddEnum("output.voltage.nominal", "240")
	t.Set("input.transfer.high", "264")
	t.AddRange("input.transfer.high", dstate.Range{Min: 244, Max: 284})
	t.Set("ups.mfr", `EATON "quoted" \ # x`)
	t.AddCmd("load.off")
	t.AddCmd("beeper.disable")
	return t
}

// pipe connects a client end to a server serving t.
func pipe(t *testing.T, s *Server) (net.Conn, *bufio.Reader) {
	t.Helper()
	a, b := net.Pipe()
	s.ServeConn(b)
	t.Cleanup(func() { a.Close() })
	return a, bufio.NewReader(a)
}

func readUntil(t *testing.T, r *bufio.Reader, last string) []string {
	t.Helper()
	var lines []string
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("read after %q: %v", lines, err)
		}
		lines = append(lines, l)
		if strings.TrimSuffix(l, "\n") == last {
			return lines
		}
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s mismatch:\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

func TestDumpTranscript(t *testing.T) {
	tbl := sampleTable()
	s := NewServer(tbl, nil)
	defer s.Close()
	c, r := pipe(t, s)
	if _, err := c.Write([]byte("DUMPALL\n")); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(readUntil(t, r, "DUMPDONE"), "")
	tbl.SetStale(true)
	c.Write([]byte("dumpall\n")) // keywords are case-insensitive
	got += strings.Join(readUntil(t, r, "DUMPDONE"), "")
	golden(t, "dump.golden", got)
}

func TestLiveUpdatesEscaped(t *testing.T) {
	tbl := sampleTable()
	s := NewServer(tbl, nil)
	defer s.Close()
	c, r := pipe(t, s)
	c.Write([]byte("PING\n"))
	readUntil(t, r, "PONG") // the connection is registered
	tbl.Set("ups.status", "OB DISCHRG")
	tbl.Set("ups.alarm", `a "q" b\c`) // NUT 2.8.0 sends this raw and upsd reads "a "
	tbl.AddEnum("ups.alarm", `x"y`)
	tbl.Del("ups.alarm")
	tbl.SetStale(true)
	tbl.SetStale(false)
	c.Write([]byte("PING\n"))
	got := strings.Join(readUntil(t, r, "PONG"), "")
	golden(t, "live.golden", got)
}

func TestCommandsTranscript(t *testing.T) {
	h := &fakeHandler{code: StatFailed}
	var logs []string
	var lmu sync.Mutex
	s := NewServer(sampleTable(), h)
	s.Logf = func(f string, a ...any) {
		lmu.Lock()
		logs = append(logs, strings.TrimSpace(sprintf(f, a...)))
		lmu.Unlock()
	}
	defer s.Close()
	c, r := pipe(t, s)
	in := strings.Join([]string{
		`INSTCMD load.off`,
		`INSTCMD load.off.delay 10`,
		`INSTCMD beeper.disable TRACKING 2DDC5036-F665-4D29-BE4C-0374D091D263`,
		`INSTCMD load.off.delay 10 TRACKING id-2`,
		`INSTCMD load.off.delay 10 TRACKING`,
		`INSTCMD a b c d e f`,
		`SET battery.charge.low "30"`,
		`SET ups.id "my ups" TRACKING id-3`,
		`SET ups.id "x" FOO bar`,
		`SET ups.id "x" extra`,
		`FROB x`,
		`PING`,
	}, "\n") + "\n"
	c.Write([]byte(in))
	got := strings.Join(readUntil(t, r, "PONG"), "")
	h.mu.Lock()
	got += "--- handler\n" + strings.Join(h.got, "\n") + "\n"
	h.mu.Unlock()
	lmu.Lock()
	got += "--- log\n" + strings.Join(logs, "\n") + "\n"
	lmu.Unlock()
	golden(t, "commands.golden", got)
}

func TestClientMirrors(t *testing.T) {
	tbl := sampleTable()
	s := NewServer(tbl, nil)
	defer s.Close()
	a, b := net.Pipe()
	s.ServeConn(b)
	cl := NewClient(a)
	defer cl.Close()
	mirror := &dstate.Table{}
	if err := cl.DumpAll(); err != nil {
		t.Fatal(err)
	}
	next := func() Event {
		t.Helper()
		e, err := cl.Next()
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	for e := next(); e.Op != "DUMPDONE"; e = next() {
		Apply(mirror, e)
	}
	if got, want := mirror.Dump(), tbl.Dump(); !reflect.DeepEqual(got, want) {
		t.Fatalf("mirror after dump:\n%v\nwant\n%v", got, want)
	}
	tbl.Set("ups.status", "OB")
	tbl.Set("ups.mfr", `new "one"`)
	tbl.DelCmd("load.off")
	tbl.SetStale(true)
	cl.Ping()
	for e := next(); e.Op != "PONG"; e = next() {
		Apply(mirror, e)
	}
	if got, want := mirror.Dump(), tbl.Dump(); !reflect.DeepEqual(got, want) {
		t.Fatalf("mirror after live changes:\n%v\nwant\n%v", got, want)
	}
	cl.InstCmd("load.off", "", "t1")
	if e := next(); e.String() != "TRACKING t1 1" {
		t.Errorf("no handler: got %q, want TRACKING t1 1", e)
	}
}

func TestSlowClientDropped(t *testing.T) {
	tbl := &dstate.Table{}
	s := NewServer(tbl, nil)
	s.MaxQueue = 1000
	defer s.Close()
	a, b := net.Pipe() // nobody reads a: every write on b blocks
	defer a.Close()
	s.ServeConn(b)
	a.Write([]byte("PING\n")) // registered once the server read this
	done := make(chan struct{})
	go func() {
		for i := 0; i < 10000; i++ {
			tbl.Set("x", string(rune('a'+i%26))+strings.Repeat("y", i%7))
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a client that does not read blocked the table's writer")
	}
	// The server closes the connection: reading drains what was written
	// and then ends.
	buf := make([]byte, 4096)
	for {
		if _, err := a.Read(buf); err != nil {
			break
		}
	}
	if n := s.Clients(); n != 0 {
		t.Errorf("%d clients still registered", n)
	}
}

func TestParseRequest(t *testing.T) {
	tests := []struct {
		line string
		want Request
		err  string
	}{
		{"DUMPALL", Request{Op: "DUMPALL"}, ""},
		{"ping", Request{Op: "PING"}, ""},
		{"INSTCMD load.off", Request{Op: "INSTCMD", Name: "load.off"}, ""},
		{"INSTCMD load.off 5", Request{Op: "INSTCMD", Name: "load.off", Value: "5", HasValue: true}, ""},
		{"INSTCMD load.off tracking X", Request{Op: "INSTCMD", Name: "load.off", Tracking: "X"}, ""},
		{"INSTCMD load.off 5 TRACKING X", Request{Op: "INSTCMD", Name: "load.off", Value: "5", HasValue: true, Tracking: "X"}, ""},
		{"INSTCMD load.off 5 NOPE X", Request{}, "malformed INSTCMD request"},
		{"INSTCMD", Request{}, "unknown command on socket"},
		{`SET a "b"`, Request{Op: "SET", Name: "a", Value: "b", HasValue: true}, ""},
		{`SET a "b" TRACKING t`, Request{Op: "SET", Name: "a", Value: "b", HasValue: true, Tracking: "t"}, ""},
		{`SET a "b" x`, Request{Op: "SET", Name: "a", Value: "b", HasValue: true}, ""},
		{`SET a "b" x y`, Request{}, "SET with unsupported parameters (x/y)"},
		{`SET a`, Request{}, "unknown command on socket"},
		{`LOGOUT`, Request{}, "unknown command on socket"},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			w, err := parseconf.Split(tc.line)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseRequest(w)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("ParseRequest(%q) error = %v, want %q", tc.line, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseRequest(%q) = %+v, %v; want %+v", tc.line, got, err, tc.want)
			}
			// Line gives back an equivalent request.
			w2, _ := parseconf.Split(strings.TrimSuffix(got.Line(), "\n"))
			if back, err := ParseRequest(w2); err != nil || back != got {
				t.Errorf("round trip of %q: %+v, %v", got.Line(), back, err)
			}
		})
	}
}

func TestParseEvent(t *testing.T) {
	tests := []struct {
		line string
		want string // "" = ignored
	}{
		{`SETINFO ups.status "OL"`, `SETINFO ups.status "OL"`},
		{`setinfo ups.status`, ``},
		{`SETINFO a "b" extra`, `SETINFO a "b"`},
		{`SETFLAGS a RW STRING`, `SETFLAGS a RW STRING`},
		{`SETFLAGS a`, ``},
		{`ADDRANGE a 1`, ``},
		{`ADDRANGE a 1 2`, `ADDRANGE a 1 2`},
		{`TRACKING id 0`, `TRACKING id 0`},
		{`DUMPDONE`, `DUMPDONE`},
		{`HELLO`, ``},
	}
	for _, tc := range tests {
		w, _ := parseconf.Split(tc.line)
		e, ok := ParseEvent(w)
		got := ""
		if ok {
			got = e.String()
		}
		if got != tc.want {
			t.Errorf("ParseEvent(%q) = %q, want %q", tc.line, got, tc.want)
		}
	}
}

func TestTrackingResult(t *testing.T) {
	for code, want := range map[string]string{"0": "SUCCESS", "1": "ERR UNKNOWN", "2": "ERR INVALID-ARGUMENT", "3": "ERR FAILED", "-1": "PENDING", "9": "ERR UNKNOWN", "x": "SUCCESS"} {
		if got := TrackingResult(code); got != want {
			t.Errorf("TrackingResult(%q) = %q, want %q", code, got, want)
		}
	}
}

func TestListenMode(t *testing.T) {
	dir := t.TempDir()
	path := SocketPath(dir, "usbhid-ups", "eco")
	os.WriteFile(path, nil, 0o600) // not a socket: must not be removed
	if _, err := Listen(path); err == nil {
		t.Fatal("Listen over a regular file succeeded")
	}
	os.Remove(path)
	l, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o660 {
		t.Errorf("mode %v, want 0660", fi.Mode().Perm())
	}
	s := NewServer(sampleTable(), nil)
	go s.Serve(l)
	cl, err := Dial(path)
	if err != nil {
		t.Fatal(err)
	}
	cl.Ping()
	if e, err := cl.Next(); err != nil || e.Op != "PONG" {
		t.Fatalf("got %v, %v", e, err)
	}
	s.Close()
	if _, err := cl.Next(); err == nil {
		t.Fatal("connection still open after Close")
	}
}
