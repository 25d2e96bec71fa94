package mge_test

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/upslab/upslab/drivers/mge"
	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/simulator"
	"github.com/upslab/upslab/simulator/hidview"
	"github.com/upslab/upslab/stack/dstate"
)

// The variables a real Ellipse ECO 650 shows under NUT 2.8.0 (issue 1468
// listing, minus driver.* and device.type, which the driver loop sets)
// come out of the simulator's HID view through the subdriver with the
// same values.
func TestSimulatorECO650(t *testing.T) {
	clk := clock.NewVirtual(clock.Epoch)
	view := hidview.New(simulator.New(clk, nil, 1))
	tab := &dstate.Table{}
	sd := mge.New(view, tab, opts(clk))
	if err := sd.Init(); err != nil {
		t.Fatal(err)
	}
	if err := sd.Update(false); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("testdata/nut-issue-1468-ellipse-eco-650-nut-2.8.0.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, want, ok := strings.Cut(line, ": ")
		if !ok || strings.HasPrefix(name, "driver.") || name == "device.type" {
			continue
		}
		n++
		// Values that move with the simulated battery and load are
		// checked for presence only.
		moving := map[string]bool{"battery.charge": true, "battery.runtime": true}
		got, present := tab.Get(name)
		switch {
		case !present:
			t.Errorf("%s missing (real ECO: %q)", name, want)
		case !moving[name] && got != want:
			t.Errorf("%s = %q, real ECO 650 under NUT 2.8.0: %q", name, got, want)
		}
	}
	if n < 20 {
		t.Fatalf("only %d variables read from the fixture", n)
	}
	if t.Failed() {
		t.Logf("table:\n%s", dump(tab))
	}
}
