package simulator

import (
	"testing"
	"time"

	"github.com/upslab/upslab/internal/clock"
)

// FuzzExec checks that a command line either applies or changes nothing,
// and never panics, whatever the device's state.
func FuzzExec(f *testing.F) {
	for _, s := range []string{
		"mains off", "load 40%", "set input.transfer.low 170V", "set input.transfer.high 255",
		"timer shutdown 0", "timer start 5s", "battery charge 0%", "mains voltage 0V",
		"mains frequency 10Hz", "battery health 1%", "test battery", "set battery.charge.low 100",
		"load 200%", "set outlet.power 60", "beeper mute", "mians off", "load -1%",
	} {
		f.Add("mains off", s)
		f.Add("load 100%", s)
	}
	f.Fuzz(func(t *testing.T, setup, cmd string) {
		v := clock.NewVirtual(clock.Epoch)
		d := New(v, nil, 1)
		defer d.Stop()
		_ = d.Exec(setup)
		v.Advance(90 * time.Second)
		before := d.State()
		if err := d.Exec(cmd); err != nil {
			if after := d.State(); !sameState(before, after) {
				t.Fatalf("refused %q changed the state:\n%+v\n%+v", cmd, before, after)
			}
		}
		v.Advance(10 * time.Minute)
		s := d.State()
		if s.Charge < 0 || s.Charge > 100 || s.Runtime < 0 {
			t.Fatalf("after %q, %q: charge %d runtime %d", setup, cmd, s.Charge, s.Runtime)
		}
	})
}
