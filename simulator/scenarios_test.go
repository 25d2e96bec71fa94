package simulator

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/simulator/script"
)

var update = flag.Bool("update", false, "rewrite the golden timelines in testdata/timelines")

// TestScenarios runs every script in scenarios/ on the device and checks
// its expect lines against the device state.
func TestScenarios(t *testing.T) {
	files, err := filepath.Glob("../scenarios/*.ups")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			s, err := script.Parse(filepath.Base(name), src)
			if err != nil {
				t.Fatal(err)
			}
			v := clock.NewVirtual(clock.Epoch)
			d := New(v, nil, 1)
			defer d.Stop()
			var tl strings.Builder
			d.Watch(func(s State) { fmt.Fprintf(&tl, "%8v %s\n", s.Time.Sub(clock.Epoch), s.Line()) })
			n := 0
			r := &script.Runner{Clock: v, Target: d, Seed: 1,
				OnApply: func(e script.Event, err error) {
					if err != nil {
						t.Errorf("%v: %v: %v", e.Cmd.Pos, e.Cmd, err)
					}
				},
				OnExpect: func(e script.Event) {
					n++
					if err := Expect(d.State(), e.Cmd.Args); err != nil && !errors.Is(err, ErrHostLevel) {
						t.Errorf("%v: at +%v: %v", e.Cmd.Pos, e.At, err)
					}
				}}
			run, err := r.Start(s)
			if err != nil {
				t.Fatal(err)
			}
			v.Advance(run.Length() + time.Second)
			if n == 0 {
				t.Errorf("scenario has no expect line")
			}
			// The device's timeline is a golden file: a change in the
			// model shows up here as a readable diff.
			golden := filepath.Join("testdata", "timelines", strings.TrimSuffix(filepath.Base(name), ".ups")+".txt")
			if *update {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, []byte(tl.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if tl.String() != string(want) {
				t.Errorf("timeline differs from %s (run with -update if the change is intended):\n%s", golden, tl.String())
			}
		})
	}
}

func TestExpect(t *testing.T) {
	d := New(clock.NewVirtual(clock.Epoch), nil, 1)
	exec(t, d, "mains off", "battery charge 15%")
	s := d.State()
	for _, ok := range [][]string{
		{"status", "LB", "OB"}, {"battery.charge", "15"}, {"battery.charge", "<=", "20"},
		{"sim.mains", "off"}, {"sim.cable", "!=", "unplugged"}, {"sim.noise", "0%"},
	} {
		if err := Expect(s, ok); err != nil {
			t.Errorf("Expect(%q): %v", ok, err)
		}
	}
	for _, bad := range [][]string{
		{"status", "OB"}, {"battery.charge", ">", "20"}, {"nope", "1"}, {"sim.mains", "<", "x"}, {}, {"a", "b", "c", "d"},
	} {
		if err := Expect(s, bad); err == nil {
			t.Errorf("Expect(%q) passed", bad)
		}
	}
}
