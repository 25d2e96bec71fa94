package script

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upslab/upslab/internal/clock"
)

func events(t *testing.T, src string) string {
	t.Helper()
	s, err := Parse("t.ups", []byte(src))
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	ev, err := s.Events(0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ev {
		out = append(out, e.String())
	}
	return strings.Join(out, "; ")
}

func TestParseAndExpand(t *testing.T) {
	cases := []struct {
		name, src, want string
	}{
		{"empty", "", ""},
		{"comments only", "# nothing\n   # more\n", ""},
		{"one command", "mains off", "+0s mains off"},
		{"semicolons", "mains off ; load 40% ;", "+0s mains off; +0s load 40%"},
		{"relative", "at 0s mains on\nafter 10s mains off # cut\nafter 5m mains on",
			"+0s mains on; +10s mains off; +5m10s mains on"},
		{"absolute", "at 1m mains off\nat 2m mains on", "+1m mains off; +2m mains on"},
		{"wait", "wait 10m ; mains off", "+10m mains off"},
		{"flap", "flap 2 every 20s\nmains off",
			"+0s mains off; +10s mains on; +20s mains off; +30s mains on; +40s mains off"},
		{"flap cable", "flap cable 2 every 40s", "+0s cable unplug; +20s cable replug; +40s cable unplug; +1m cable replug"},
		{"flap mains", "flap mains 1 every 2s", "+0s mains off; +1s mains on"},
		{"flap off time", "flap 1 every 1m off 5s", "+0s mains off; +5s mains on"},
		{"sag and surge", "sag 170V for 3s ; surge 275V for 2s",
			"+0s sag-start 170V; +3s sag-end; +3s sag-start 275V; +5s sag-end"},
		{"repeat", "repeat 2 {\n after 1s cable unplug\n after 1s cable replug\n}",
			"+1s cable unplug; +2s cable replug; +3s cable unplug; +4s cable replug"},
		{"repeat one line", "repeat 2 { after 1m mains off ; after 1m mains on }",
			"+1m mains off; +2m mains on; +3m mains off; +4m mains on"},
		{"nested repeat", "repeat 2 { repeat 2 { after 1s noise 1% } }",
			"+1s noise 1%; +2s noise 1%; +3s noise 1%; +4s noise 1%"},
		{"at flap", "at 1m flap 1 every 10s", "+1m mains off; +1m5s mains on"},
		{"battery", "battery charge 35% ; battery health 60% ; battery replace ; battery new",
			"+0s battery charge 35%; +0s battery health 60%; +0s battery replace; +0s battery new"},
		{"mains settings", "mains voltage 240V ; mains frequency 49.5Hz ; mains voltage 200",
			"+0s mains voltage 240V; +0s mains frequency 49.5Hz; +0s mains voltage 200V"},
		{"fault beeper", "fault internal ; fault clear ; beeper mute ; beeper off",
			"+0s fault internal; +0s fault clear; +0s beeper mute; +0s beeper disable"},
		{"timers", "timer shutdown 20s ; timer start off ; timer start 2m ; timer shutdown 0",
			"+0s timer shutdown 20s; +0s timer start off; +0s timer start 120s; +0s timer shutdown 0s"},
		{"set", "set battery.charge.low 30% ; set input.transfer.low 170V ; set outlet.power 60",
			"+0s set battery.charge.low 30%; +0s set input.transfer.low 170V; +0s set outlet.power 60"},
		{"test", "test battery ; test stop", "+0s test battery; +0s test stop"},
		{"expect", `after 5s expect status "OB LB" # note`, "+5s expect status OB LB"},
		{"cable aliases", "cable pull ; cable plug", "+0s cable unplug; +0s cable replug"},
		{"crlf", "mains off\r\nmains on\r\n", "+0s mains off; +0s mains on"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := events(t, tc.src); got != tc.want {
				t.Errorf("%q:\n got %s\nwant %s", tc.src, got, tc.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, src, want string
	}{
		{"unknown", "mains on\n  mians off", `s.ups:2:3: unknown command "mians", expected one of after, at, battery, beeper, cable, expect, fault, flap, jitter, load, mains, noise, repeat, sag, set, surge, test, timer, wait`},
		{"unknown mains", "mains up", `s.ups:1:7: unknown mains "up", expected one of on, off, voltage, frequency`},
		{"extra word", "mains off now", `s.ups:1:11: unexpected "now" (usage: mains on|off | mains voltage VOLTS | mains frequency HZ)`},
		{"missing arg", "load", `s.ups:1:1: missing argument (usage: load PERCENT)`},
		{"bad percent", "load lots", `s.ups:1:6: a number of percent (40%) expected, found "lots"`},
		{"percent range", "load 250%", `s.ups:1:6: 250% out of range 0%..200%`},
		{"bad duration", "after 10 mains off", `s.ups:1:7: duration expected after "after" (10s, 5m, 1h30m), found "10"`},
		{"negative duration", "wait -1s", `s.ups:1:6: duration expected after "wait" (10s, 5m, 1h30m), found "-1s"`},
		{"at in the past", "at 1m mains off\nat 30s mains on", `s.ups:2:1: at 30s is earlier than the script's current time 1m (at counts from the start; use after for relative times)`},
		{"at in repeat", "repeat 2 { at 1m mains off ; wait 1s }", `s.ups:1:12: at 1m is earlier than the script's current time 1m1s`},
		{"unclosed", "repeat 2 {\nmains off\n", `s.ups:3:1: missing "}" at end of script`},
		{"stray brace", "mains off }", `s.ups:1:11: unexpected "}"`},
		{"no brace", "repeat 2 mains off", `s.ups:1:10: "{" expected after repeat 2, found "mains"`},
		{"flap every", "flap 3 each 10s", `s.ups:1:8: "every" expected, found "each" (usage: flap N every PERIOD)`},
		{"flap off", "flap 3 every 10s off 20s", `s.ups:1:18: flap off time 20s must be between 0 and the period 10s`},
		{"sag for", "sag 170V 3s", `s.ups:1:10: "for" expected, found "3s" (usage: sag VOLTS for DURATION)`},
		{"volts", "sag 170A for 3s", `s.ups:1:5: a number of volts (230V) expected, found "170A"`},
		{"hertz", "mains frequency 50.25Hz", `s.ups:1:17: a frequency expected (50Hz, 49.5Hz), found "50.25Hz"`},
		{"unterminated", `expect "OB`, `s.ups:1:8: unterminated quoted string`},
		{"at at", "at 1s after 2s mains off", `s.ups:1:7: "after" cannot follow at or after`},
		{"after wait", "after 1s wait 2s", `s.ups:1:10: "wait" cannot follow at or after`},
		{"set unknown", "set ups.delay.shutdown 20", `s.ups:1:5: unknown variable "ups.delay.shutdown"`},
		{"seed", "jitter 2s seed -4", `s.ups:1:16: seed expects a non-negative integer, found "-4"`},
		{"count", "repeat 1000001 { }", `s.ups:1:8: 1000001 out of range 0..100000`},
		{"too many events", "repeat 100000 { repeat 100 { noise 1% } }", `script expands to more than 200000 commands`},
		{"too long", "repeat 100000 { wait 365d }", `duration expected`},
		{"span", "repeat 1000 { wait 8784h }", `script runs past 8784h`},
		{"quoted command", `"mains" off`, `unknown command "mains"`},
		{"timed in command brace", "{ mains off }", `s.ups:1:1: command expected, found "{"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("s.ups", []byte(tc.src))
			if err == nil {
				t.Fatalf("Parse(%q) succeeded", tc.src)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse(%q):\n got %v\nwant %s", tc.src, err, tc.want)
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Errorf("error %T is not a *script.Error", err)
			}
		})
	}
}

func TestParseCommand(t *testing.T) {
	for _, ok := range []string{"mains off", "  load 40%  ", "expect status OB", "mains on # comment"} {
		if _, err := ParseCommand(ok); err != nil {
			t.Errorf("ParseCommand(%q): %v", ok, err)
		}
	}
	for src, want := range map[string]string{
		"":                    "1:1: empty command",
		"after 5s mains off":  `1:1: "after" needs a script`,
		"mains off; mains on": `1:10: one command expected, found ";" after it`,
		"flap 3 every 1s":     `"flap" needs a script`,
	} {
		_, err := ParseCommand(src)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseCommand(%q) = %v, want %s", src, err, want)
		}
	}
}

func TestJitterIsSeeded(t *testing.T) {
	s, err := Parse("j.ups", []byte("jitter 10s\nrepeat 5 { after 1m mains off ; after 1m mains on }"))
	if err != nil {
		t.Fatal(err)
	}
	str := func(seed uint64) string {
		ev, err := s.Events(seed)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		prev := time.Duration(-1)
		for _, e := range ev {
			if e.At <= prev {
				t.Fatalf("events out of order: %v", ev)
			}
			prev = e.At
			fmt.Fprintln(&b, e)
		}
		return b.String()
	}
	if a, b := str(1), str(1); a != b {
		t.Errorf("same seed, different events")
	}
	if str(1) == str(2) {
		t.Errorf("different seeds, same events")
	}
	// A seed in the script wins over the runner's.
	s2, _ := Parse("j.ups", []byte("jitter 10s seed 7\nafter 1m mains off"))
	a, _ := s2.Events(1)
	b, _ := s2.Events(2)
	if a[0].At != b[0].At || a[0].At < time.Minute || a[0].At > time.Minute+10*time.Second {
		t.Errorf("seeded jitter: %v %v", a[0].At, b[0].At)
	}
}

type recorder struct {
	mu   sync.Mutex
	clk  clock.Clock
	log  []string
	fail map[Op]bool
}

func (r *recorder) Apply(c Command) error {
	if r.fail[c.Op] {
		return fmt.Errorf("refused")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, fmt.Sprintf("%v %v", r.clk.Now().Sub(clock.Epoch), c))
	return nil
}

func TestRunner(t *testing.T) {
	v := clock.NewVirtual(clock.Epoch)
	rec := &recorder{clk: v}
	var expects []string
	r := &Runner{Clock: v, Target: rec, OnExpect: func(e Event) { expects = append(expects, e.Cmd.String()) }}
	s, err := Parse("r.ups", []byte("mains off\nafter 10s mains on ; expect status OL\nflap 1 every 4s"))
	if err != nil {
		t.Fatal(err)
	}
	run, err := r.Start(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rec.log, "; "); got != "0s mains off" {
		t.Fatalf("time-0 commands not applied at Start: %q", got)
	}
	v.Advance(time.Minute)
	want := "0s mains off; 10s mains on; 10s mains off; 12s mains on"
	if got := strings.Join(rec.log, "; "); got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	if len(expects) != 1 || expects[0] != "expect status OL" {
		t.Errorf("expects %v", expects)
	}
	select {
	case <-run.Done():
	default:
		t.Errorf("run not done")
	}
	if n := v.Pending(); n != 0 {
		t.Errorf("%d timers left", n)
	}

	// Stop cancels what is left.
	rec.log = nil
	run, _ = r.Start(s)
	run.Stop()
	v.Advance(time.Minute)
	if len(rec.log) != 1 || run.Remaining() != 4 {
		t.Errorf("after Stop: %v, %d remaining", rec.log, run.Remaining())
	}

	// A failing time-0 command makes Start fail with the position.
	rec.fail = map[Op]bool{OpMainsOff: true}
	if _, err := r.Start(s); err == nil || !strings.HasPrefix(err.Error(), "r.ups:1:1: refused") {
		t.Errorf("Start with a failing command: %v", err)
	}
}

type checker struct{ recorder }

func (c *checker) Check(cmd Command) error {
	if cmd.Op == OpLoad && cmd.Value > 100 {
		return fmt.Errorf("too much")
	}
	return nil
}

func TestRunnerChecksEverythingFirst(t *testing.T) {
	v := clock.NewVirtual(clock.Epoch)
	c := &checker{recorder{clk: v}}
	r := &Runner{Clock: v, Target: c}
	_, err := r.Apply("ctl", "mains off ; after 1h load 150%")
	if err == nil || err.Error() != "ctl:1:22: too much" {
		t.Fatalf("err = %v", err)
	}
	if len(c.log) != 0 {
		t.Errorf("applied before the check failed: %v", c.log)
	}
}

func TestWordsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/scripts.md")
	if err != nil {
		t.Fatalf("docs: %v", err)
	}
	for _, w := range Words() {
		if !strings.Contains(string(doc), "`"+w+" ") {
			t.Errorf("docs/scripts.md does not document %q", w)
		}
	}
	for v := range Settable {
		if !strings.Contains(string(doc), "`"+v+" ") {
			t.Errorf("docs/scripts.md does not document set %s", v)
		}
	}
}
