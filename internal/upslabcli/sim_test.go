package upslabcli

import (
	"bytes"
	"flag"
	"strings"
	"testing"

	"github.com/upslab/upslab/simulator"
)

// A front-end registered by a test: it records what sim gave it.
var (
	frontSeen  *SimEnv
	frontValue *string
	frontStops int
)

func init() {
	RegisterSimFrontEnd(SimFrontEnd{Name: "test-front", Flags: func(fs *flag.FlagSet) func(*SimEnv) (func(), error) {
		frontValue = fs.String("test-front", "", "a front-end used by the tests")
		return func(env *SimEnv) (func(), error) {
			if *frontValue == "" {
				return nil, nil
			}
			frontSeen = env
			env.Logf("front-end %s up", *frontValue)
			return func() { frontStops++ }, nil
		}
	}})
}

func TestSimFrontEnd(t *testing.T) {
	var out, errb bytes.Buffer
	code := Main([]string{"sim", "--speed", "max", "--for", "1m", "--start", "2026-01-01T00:00:00Z", "--test-front", "x"}, nil, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if frontSeen == nil || frontSeen.Device == nil || frontSeen.Clock == nil || frontStops != 1 {
		t.Fatalf("front-end env %+v, stops %d", frontSeen, frontStops)
	}
	if !strings.Contains(out.String(), "2026-01-01T00:00:00Z front-end x up\n") {
		t.Errorf("output:\n%s", out.String())
	}
	var _ *simulator.Device = frontSeen.Device
	// Without its flag the front-end does not start.
	frontSeen = nil
	if code := Main([]string{"sim", "--speed", "max", "--for", "1s"}, nil, &out, &errb); code != 0 || frontSeen != nil {
		t.Errorf("exit %d, front-end started: %v", code, frontSeen != nil)
	}
}
