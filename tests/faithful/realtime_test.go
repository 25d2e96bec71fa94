package faithful

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cucumber/godog"

	"github.com/upslab/upslab/internal/nutref"
)

// realtimeFeature holds the runbooks that run both in the lab and as real
// processes. They are Gherkin, like the lab-only suite in features/, and
// tagged @realtime.
const realtimeFeature = "testdata/realtime.feature"

// TestRealtimeRunbooks runs each scenario of realtimeFeature with godog in
// its own parallel subtest (selected by path:line), so that the steps can
// use the subtest's *testing.T for the processes they start and the
// scenarios, which take real time, run at once. Steps run in the
// subtest's goroutine (godog's concurrency 1), so a t.Fatal in the
// harness ends that scenario as it ends a test.
func TestRealtimeRunbooks(t *testing.T) {
	skipShort(t)
	scenarios, err := scenarioLines(realtimeFeature)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			suite := godog.TestSuite{
				Name:                "realtime",
				ScenarioInitializer: func(s *godog.ScenarioContext) { (&runbookWorld{t: t}).register(s) },
				Options: &godog.Options{
					Format:   "pretty",
					Paths:    []string{fmt.Sprintf("%s:%d", realtimeFeature, sc.line)},
					Tags:     "@realtime",
					NoColors: true,
					Strict:   true,
					Output:   &out,
				},
			}
			status := suite.Run()
			t.Logf("godog:\n%s", out.String())
			if status != 0 {
				t.Fatalf("scenario %q failed", sc.name)
			}
		})
	}
}

type scenarioLine struct {
	name string
	line int
}

// scenarioLines finds the scenarios of a feature file and their lines.
func scenarioLines(path string) ([]scenarioLine, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []scenarioLine
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if name, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "Scenario:"); ok {
			out = append(out, scenarioLine{strings.TrimSpace(name), n})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no scenarios", path)
	}
	return out, sc.Err()
}

// runbookWorld is one scenario: Given/When steps build a Runbook, the
// "runs" step plays it in real time and in the lab, Then steps check both.
type runbookWorld struct {
	t     *testing.T
	kit   *nutref.Kit
	setup Setup
	real  bool // real NUT upsmon and upssched
	rb    Runbook
	rig   *Rig
	lab   []Event
}

func (w *runbookWorld) register(s *godog.ScenarioContext) {
	s.Step(`^our binaries play every role$`, func() { w.setup = ourStack })
	s.Step(`^real NUT upsmon and upssched watch our upsd and driver$`, func() {
		w.kit = nutref.Require(w.t) // skips the subtest without the kit
		w.real = true
		w.setup = Setup{Name: "real upsmon+upssched on our upsd+driver", Upsd: Ours, Upsmon: Real, Upssched: Real}
	})
	s.Step(`^the battery is at (\d+)% with a (\d+)% load$`, func(charge, load int) {
		w.rb.Setup = append(w.rb.Setup, fmt.Sprintf("battery charge %d%%", charge), fmt.Sprintf("load %d%%", load))
	})
	s.Step(`^at ([0-9.]+) s: (.+)$`, func(at, cmd string) error {
		d, err := seconds(at)
		w.rb.Steps = append(w.rb.Steps, Step{d, cmd})
		return err
	})
	s.Step(`^the runbook runs for (\d+) seconds$`, func(n int) {
		w.rb.Until = time.Duration(n) * time.Second
		w.play()
	})
	s.Step(`^the runbook runs until the host shuts down, at most (\d+) seconds$`, func(n int) {
		w.rb.Until, w.rb.ShutsDown = time.Duration(n)*time.Second, true
		w.play()
	})
	s.Step(`^the lab and the processes made the same calls within ([0-9.]+) s$`, func(tol string) error {
		d, err := seconds(tol)
		if err != nil {
			return err
		}
		var ex []Exclusion
		if w.real {
			ex = append(ex, primaryFSDNotify)
		}
		return labAgrees(w.t, w.rig, w.lab, d, ex...)
	})
	s.Step(`^both notified ([A-Z]+) (\d+) times?$`, func(typ string, n int) error {
		return w.both("notify", typ, n)
	})
	s.Step(`^both ran CMDSCRIPT "([^"]+)" (\d+) times?$`, func(arg string, n int) error {
		return w.both("cmdscript", arg, n)
	})
	s.Step(`^both ran SHUTDOWNCMD$`, func() error { return w.both("shutdown", "", 1) })
	s.Step(`^the processes wrote POWERDOWNFLAG$`, func() error {
		b, err := os.ReadFile(filepath.Join(w.rig.Dir, "killpower"))
		if err != nil || string(b) != "upsmon-shutdown-file" {
			return fmt.Errorf("POWERDOWNFLAG holds %q (%v)", b, err)
		}
		return nil
	})
	s.Step(`^our upsd logged "([^"]+)"$`, func(text string) error {
		if !strings.Contains(w.rig.upsdLog(), text) {
			return fmt.Errorf("our upsd did not log %q:\n%s", text, w.rig.upsdLog())
		}
		return nil
	})
}

// play runs the runbook as processes, then in the lab.
func (w *runbookWorld) play() {
	w.rb.Upssched = stormSched
	w.rig = playReal(w.t, w.kit, w.setup, w.rb)
	w.lab = playLab(w.t, w.rb, w.rig)
}

// both checks that the lab and the processes made n calls of a kind.
func (w *runbookWorld) both(kind, what string, n int) error {
	count := func(evs []Event) int {
		if kind == "shutdown" {
			return len(pick(evs, kind))
		}
		return len(matching(evs, kind, what))
	}
	inLab, inReal := count(w.lab), count(w.rig.Events())
	if inLab != n || inReal != n {
		return fmt.Errorf("%s %s: the lab made %d calls and the processes %d, want %d", kind, what, inLab, inReal, n)
	}
	return nil
}

// seconds parses "2.5" as 2.5 s.
func seconds(s string) (time.Duration, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("bad number of seconds %q: %w", s, err)
	}
	return time.Duration(f * float64(time.Second)), nil
}
