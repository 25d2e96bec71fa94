package simulator

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/simulator/script"
)

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
			n := 0
			r := &script.Runner{Clock: v, Target: d, Seed: 1,
				OnApply: func(e script.Event, err error) {
					if err != nil {
						t.Errorf("%v: %v: %v", e.Cmd.Pos, e.Cmd, err)
					}
				},
				OnExpect: func(e script.Event) {
					n++
					if err := Expect(d.State(), e.Cmd.Args); err != nil {
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
