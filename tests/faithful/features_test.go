package faithful

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cucumber/godog"

	"github.com/upslab/upslab/features"
	"github.com/upslab/upslab/internal/nutref"
)

// featuresDir holds the Gherkin suite; its scenarios tagged @realtime are
// short enough to run in real time (POLLFREQ 1–5 s, timers of seconds).
const featuresDir = "../../features"

// TestFeaturesRealtime runs the @realtime scenarios of features/ — the
// same .feature files and steps as `go test ./features` runs on the lab —
// on real processes in real time (procBackend): our usbhid-ups on the
// simulated ECO 650, our upsd, and upsmon + upssched either ours or real
// NUT 2.8.0's. Each scenario and variant is its own parallel subtest,
// selected by path:line, so that the steps use the subtest's *testing.T
// for the processes they start; steps run in the subtest's goroutine
// (godog's concurrency 1), so the rig's t.Fatal ends that scenario.
func TestFeaturesRealtime(t *testing.T) {
	skipShort(t)
	scenarios, err := realtimeScenarios(featuresDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, impl := range []Impl{Ours, Real} {
		for _, sc := range scenarios {
			t.Run(fmt.Sprintf("%s/%s", impl, sc.name), func(t *testing.T) {
				t.Parallel()
				var kit *nutref.Kit
				if impl == Real {
					kit = nutref.Require(t) // skips without the kit
				}
				var out bytes.Buffer
				suite := godog.TestSuite{
					Name: "realtime-" + string(impl),
					ScenarioInitializer: features.InitializeScenarioWith(func() features.Backend {
						return newProcBackend(t, kit, impl)
					}),
					Options: &godog.Options{
						Format:   "pretty",
						Paths:    []string{fmt.Sprintf("%s:%d", sc.path, sc.line)},
						Tags:     "@realtime",
						NoColors: true,
						Strict:   true,
						Output:   &out,
					},
				}
				status := suite.Run()
				t.Logf("godog:\n%s", out.String())
				if status != 0 {
					t.Fatalf("scenario %q failed on %s upsmon+upssched", sc.name, impl)
				}
			})
		}
	}
}

type scenarioLine struct {
	path string
	name string
	line int
}

// realtimeScenarios finds the scenarios tagged @realtime (on the scenario
// or its feature) in a directory's .feature files, with their lines.
func realtimeScenarios(dir string) ([]scenarioLine, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.feature"))
	if err != nil {
		return nil, err
	}
	var out []scenarioLine
	for _, p := range paths {
		s, err := taggedScenarios(p, "@realtime")
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no @realtime scenarios", dir)
	}
	return out, nil
}

func taggedScenarios(path, tag string) ([]scenarioLine, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []scenarioLine
	var pending, featureTags []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "@"):
			pending = append(pending, strings.Fields(line)...)
		case strings.HasPrefix(line, "Feature:"):
			featureTags, pending = pending, nil
		case strings.HasPrefix(line, "Scenario:") || strings.HasPrefix(line, "Scenario Outline:"):
			if contains(featureTags, tag) || contains(pending, tag) {
				_, name, _ := strings.Cut(line, ":")
				out = append(out, scenarioLine{path, strings.TrimSpace(name), n})
			}
			pending = nil
		default:
			pending = nil
		}
	}
	return out, sc.Err()
}
