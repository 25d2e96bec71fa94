package driver

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/upslab/upslab/drivers/sock"
	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/simulator"
	"github.com/upslab/upslab/stack/dstate"
)

// simDriver wires the real subdriver to the simulated Ellipse ECO over
// the in-memory USB device, all on one virtual clock: what the lab does.
func simDriver(t testing.TB) (*clock.Virtual, *SimHID, *dstate.Table, *Driver) {
	t.Helper()
	clk := clock.NewVirtual(clock.Epoch)
	s, err := NewSim(clk)
	if err != nil {
		t.Fatal(err)
	}
	tbl := &dstate.Table{}
	sd, err := NewMGE(s, tbl, SubOptions{OffDelay: -1, OnDelay: -1, LowBatt: -1, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	d := New(s, sd, tbl, clk, Options{TrackingCode: MGECode})
	if err := d.Init(); err != nil {
		t.Fatal(err)
	}
	d.Start()
	t.Cleanup(func() { d.Stop(); s.Device.Stop() })
	return clk, s, tbl, d
}

func TestSimMainsOffReachesStatusAtOnce(t *testing.T) {
	clk, s, tbl, _ := simDriver(t)
	clk.Advance(10 * time.Second)
	if v, _ := tbl.Get("ups.status"); v != "OL" {
		t.Fatalf("ups.status = %q, want OL", v)
	}
	var when time.Duration = -1
	tbl.Listen(func(c dstate.Change) {
		if c.Op == "SETINFO" && c.Args[0] == "ups.status" && strings.HasPrefix(c.Args[1], "OB") && when < 0 {
			when = clk.Since(clock.Epoch)
		}
	})
	clk.AfterFunc(500*time.Millisecond, func() {
		if err := s.Device.Exec("mains off"); err != nil {
			t.Error(err)
		}
	})
	clk.Advance(2 * time.Second)
	// The interrupt report reaches the driver at 10.5 s, before the next
	// poll at 12 s.
	if when < 0 || when >= 12*time.Second {
		t.Fatalf("OB seen at %v, want before the 12 s poll", when)
	}
}

func TestSimBeeperCommand(t *testing.T) {
	clk, s, tbl, d := simDriver(t)
	if code := d.InstCmd("beeper.disable", ""); code != sock.StatHandled {
		t.Fatalf("beeper.disable: code %d", code)
	}
	if b := s.Device.State().Beeper; b != simulator.BeeperDisabled {
		t.Fatalf("simulated beeper %v, want disabled", b)
	}
	clk.Advance(2 * time.Second)
	if v, _ := tbl.Get("ups.beeper.status"); v != "disabled" {
		t.Errorf("ups.beeper.status = %q after the next poll", v)
	}
	if code := d.InstCmd("no.such.command", ""); code == sock.StatHandled {
		t.Errorf("unknown command handled")
	}
}

func TestSimCableUnplugStale(t *testing.T) {
	clk, s, tbl, _ := simDriver(t)
	var log []string
	tbl.Listen(func(c dstate.Change) {
		if c.Op == "DATASTALE" || c.Op == "DATAOK" {
			log = append(log, fmt.Sprintf("%v %s", clk.Since(clock.Epoch), c.Op))
		}
	})
	clk.Advance(5 * time.Second)
	s.Device.Exec("cable unplug")
	clk.Advance(10 * time.Second)
	s.Device.Exec("cable replug")
	clk.Advance(5 * time.Second)
	want := "8s DATASTALE\n16s DATAOK"
	if got := strings.Join(log, "\n"); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// BenchmarkFullRefresh measures one full poll of the simulated ECO over
// the in-memory USB device. Each iteration moves the virtual clock to the
// next poll, so the subdriver's report cache (NUT reuses a report for one
// poll interval) has expired and every report is read again through
// control transfers.
func BenchmarkFullRefresh(b *testing.B) {
	clk, _, _, d := simDriver(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.mu.Lock()
		d.changed = true // the next poll is a full one
		d.mu.Unlock()
		clk.Advance(DefaultPollInterval)
	}
}
