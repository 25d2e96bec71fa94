package replay

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/upslab/upslab/lab"
)

var update = flag.Bool("update", false, "rewrite testdata/*.timeline")

// TestShippedScenarios replays every scenario in scenarios/ through the
// whole stack: all expect lines hold, and the timeline is a golden file.
func TestShippedScenarios(t *testing.T) {
	files, err := filepath.Glob("../*.ups")
	if err != nil || len(files) < 6 {
		t.Fatalf("scenarios: %v %v", files, err)
	}
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Run(filepath.Base(name), src, Options{Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer res.Lab.Close()
			for _, x := range res.Expectations {
				if !x.OK {
					t.Errorf("%s: at %s: expect %s: %s", x.Pos, lab.FormatAt(x.At), x.Line, x.Why)
				}
			}
			var b strings.Builder
			for _, e := range res.Lab.Events() {
				if e.Kind != lab.KindLog {
					b.WriteString(e.String() + "\n")
				}
			}
			golden := filepath.Join("testdata", strings.TrimSuffix(filepath.Base(name), ".ups")+".timeline")
			if *update {
				os.MkdirAll("testdata", 0o755)
				if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if b.String() != string(want) {
				t.Errorf("timeline differs from %s (run with -update if intended):\n%s", golden, b.String())
			}
		})
	}
}

// TestDeterministic replays the demo twice with the same seed.
func TestDeterministic(t *testing.T) {
	src, err := os.ReadFile("../demo.ups")
	if err != nil {
		t.Fatal(err)
	}
	run := func() string {
		res, err := Run("demo.ups", src, Options{Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		defer res.Lab.Close()
		var b strings.Builder
		lab.WriteText(&b, res.Lab.Events())
		return b.String()
	}
	if a, b := run(), run(); a != b {
		t.Fatal("two replays with the same seed differ")
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Run("x.ups", []byte("mains off"), Options{ConfigDir: dir}); err == nil || !strings.Contains(err.Error(), "no upsmon.conf") {
		t.Fatalf("missing upsmon.conf: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "upsmon.conf"), []byte("POLLFREQ 5\n"), 0o600)
	if _, err := Run("x.ups", []byte("mains off"), Options{ConfigDir: dir}); err == nil || !strings.Contains(err.Error(), "no MONITOR") {
		t.Fatalf("no MONITOR: %v", err)
	}
	if _, err := Run("x.ups", []byte("mians off"), Options{}); err == nil || !strings.Contains(err.Error(), "x.ups:1:1") {
		t.Fatalf("bad script: %v", err)
	}
}

// TestEightHourOutage is the bound: a long outage replays in well
// under a second.
func TestEightHourOutage(t *testing.T) {
	res, err := Run("long.ups", []byte("load 1%\nafter 1m mains off\nafter 8h mains on\n"), Options{Seed: 1, Tail: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Lab.Close()
	if res.Simulated < 8*time.Hour {
		t.Fatalf("simulated only %s", res.Simulated)
	}
	t.Logf("%s", res.Summary())
}

// BenchmarkEightHourOutage reports simulated seconds per wall second.
func BenchmarkEightHourOutage(b *testing.B) {
	src := []byte("load 1%\nafter 1m mains off\nafter 8h mains on\n")
	var sim time.Duration
	for i := 0; i < b.N; i++ {
		res, err := Run("long.ups", src, Options{Seed: 1, Tail: time.Minute})
		if err != nil {
			b.Fatal(err)
		}
		sim += res.Simulated
		res.Lab.Close()
	}
	b.ReportMetric(sim.Seconds()/b.Elapsed().Seconds(), "sim-s/s")
}
