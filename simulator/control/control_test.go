package control

import (
	"bufio"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/simulator"
)

// transcript feeds lines to a server and returns its whole answer.
func transcript(t *testing.T, d *simulator.Device, in string, opts *Options) string {
	t.Helper()
	var out strings.Builder
	ServeConn(strings.NewReader(in), &out, d, opts)
	return out.String()
}

func TestTranscript(t *testing.T) {
	v := clock.NewVirtual(clock.Epoch)
	d := simulator.New(v, nil, 1)
	defer d.Stop()
	got := transcript(t, d, "mains off\nload 40% ; battery health 80%\nmians on\nload 900%\nset input.transfer.low 100V\nmains on ; load 500%\n\nafter 1m mains on\n", nil)
	want := `OK
OK
ERR 1:1: unknown command "mians", expected one of after, at, battery, beeper, cable, expect, fault, flap, jitter, load, mains, noise, repeat, sag, set, surge, test, timer, wait
ERR 1:6: 900% out of range 0%..200%
ERR 1:1: input.transfer.low 100 out of range 150..200
ERR 1:17: 500% out of range 0%..200%
OK
OK
`
	if got != want {
		t.Errorf("transcript:\n%s\nwant:\n%s", got, want)
	}
	s := d.State()
	// The refused "mains on ; load 500%" applied nothing.
	if s.MainsPresent || s.LoadPercent != 40 || s.Health != 80 {
		t.Errorf("state after transcript: mains=%v load=%d health=%d", s.MainsPresent, s.LoadPercent, s.Health)
	}
	v.Advance(time.Minute)
	if !d.State().MainsPresent {
		t.Errorf("scheduled mains on did not run")
	}
}

func TestStatusHelpQuit(t *testing.T) {
	d := simulator.New(clock.NewVirtual(clock.Epoch), nil, 1)
	got := transcript(t, d, "status\nhelp\nquit\nmains off\n", nil)
	for _, w := range []string{"ups.status: OL\n", "battery.charge: 100\n", "input.transfer.low: 184\n", "statements: after, at,", "\nOK\n"} {
		if !strings.Contains(got, w) {
			t.Errorf("answer lacks %q:\n%s", w, got)
		}
	}
	if !d.State().MainsPresent {
		t.Errorf("command after quit was run")
	}
	if strings.Count(got, "OK\n") != 3 {
		t.Errorf("want 3 OKs:\n%s", got)
	}
}

func TestLongLine(t *testing.T) {
	d := simulator.New(clock.NewVirtual(clock.Epoch), nil, 1)
	got := transcript(t, d, strings.Repeat("x", 10000)+"\nmains off\n", &Options{MaxLine: 100})
	if got != "ERR line too long (limit 100 bytes)\n" {
		t.Errorf("got %q", got)
	}
	if !d.State().MainsPresent {
		t.Errorf("ran a command after a too long line")
	}
}

func TestLaterFailureIsLogged(t *testing.T) {
	v := clock.NewVirtual(clock.Epoch)
	d := simulator.New(v, nil, 1)
	var logs []string
	got := transcript(t, d, "mains off ; after 10s test battery\n", &Options{Log: func(m string) { logs = append(logs, m) }})
	if got != "OK\n" {
		t.Fatalf("got %q", got)
	}
	v.Advance(time.Minute)
	if len(logs) != 1 || !strings.Contains(logs[0], "battery test needs mains") {
		t.Errorf("logs %q", logs)
	}
}

func TestServeUnixSocket(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s")
	if len(path) > 100 {
		path = filepath.Join("/tmp", filepath.Base(dir)+".sock")
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Skipf("unix sockets: %v", err)
	}
	d := simulator.New(clock.NewVirtual(clock.Epoch), nil, 1)
	done := make(chan error)
	go func() { done <- Serve(l, d, nil) }()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	c.Write([]byte("mains off\n"))
	if line, _ := br.ReadString('\n'); line != "OK\n" {
		t.Errorf("answer %q", line)
	}
	if d.State().MainsPresent {
		t.Errorf("mains still on")
	}
	// Closing the listener hangs up on the open client and Serve returns.
	l.Close()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if _, err := br.ReadString('\n'); err == nil {
		t.Errorf("connection still open after Serve returned")
	}
}

func TestExpectAnswers(t *testing.T) {
	d := simulator.New(clock.NewVirtual(clock.Epoch), nil, 1)
	got := transcript(t, d, "expect status OL\nexpect status OB\nmains off ; expect status OB\nexpect battery.charge < 50\n", nil)
	want := "OK\nERR status is \"OL\", want \"OB\"\nOK\nERR battery.charge is 100, want < 50\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
