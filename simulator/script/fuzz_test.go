package script

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that no input makes the parser panic, hang or blow up,
// and that whatever parses expands into events in time order within the
// limits.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"mains off\nafter 5m mains on",
		"flap 5 every 20s ; sag 170V for 3s ; surge 275V for 2s",
		"repeat 3 { after 1m cable unplug ; after 10s cable replug }",
		"jitter 2s seed 42\nexpect status \"OB LB\"",
		"battery charge 35% ; battery health 60% ; battery replace",
		"set input.transfer.low 170V ; timer shutdown 20s ; timer start off",
	} {
		f.Add([]byte(s))
	}
	// The shipped scenarios are seeds too.
	files, _ := filepath.Glob("../../scenarios/*.ups")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		s, err := Parse("fuzz.ups", src)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T %v is not a *Error", err, err)
			}
			return
		}
		ev, err := s.Events(1)
		if err != nil {
			// Jitter can push an absolute "at" into the past; that is an
			// error, not a crash.
			return
		}
		if len(ev) > MaxEvents {
			t.Fatalf("%d events", len(ev))
		}
		for i := 1; i < len(ev); i++ {
			if ev[i].At < ev[i-1].At {
				t.Fatalf("events out of order at %d: %v then %v", i, ev[i-1], ev[i])
			}
		}
		for _, e := range ev {
			// Every command renders and re-parses to itself, except the
			// generated sag markers.
			if e.Cmd.Op == OpSag || e.Cmd.Op == OpSagEnd || e.Cmd.Op == OpExpect {
				continue
			}
			c, err := ParseCommand(e.Cmd.String())
			if err != nil {
				t.Fatalf("%q does not re-parse: %v", e.Cmd.String(), err)
			}
			if c.String() != e.Cmd.String() {
				t.Fatalf("round trip %q -> %q", e.Cmd.String(), c.String())
			}
		}
	})
}

// FuzzParseCommand checks the single-command parser (the control socket's).
func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"mains off", "load 40%", "set battery.charge.low 30", `expect "a b"`, "after 1s x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		c, err := ParseCommand(src)
		if err != nil {
			return
		}
		_ = c.String()
	})
}
