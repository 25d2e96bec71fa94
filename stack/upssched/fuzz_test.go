package upssched

import (
	"testing"
)

// FuzzParse: any upssched.conf parses without panicking, and matching an
// event against the result never panics either.
func FuzzParse(f *testing.F) {
	f.Add([]byte("CMDSCRIPT /usr/bin/upssched-cmd\nPIPEFN /run/nut/upssched.pipe\nLOCKFN /run/nut/upssched.lock\nAT ONBATT * START-TIMER onbattwarn 30\nAT ONLINE * CANCEL-TIMER onbattwarn\nAT ONLINE * EXECUTE ups-back-on-power\n"))
	f.Add([]byte("AT ONBATT * EXECUTE x\nCMDSCRIPT y\n"))
	f.Add([]byte("CMDSCRIPT \"a # b\"\nAT \\\n ONBATT eaton@localhost CANCEL-TIMER t \"cmd with space\" extra\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, _ := Parse("upssched.conf", data)
		for _, a := range cfg.At {
			if a.Line <= 0 {
				t.Fatalf("AT line without a line number: %+v", a)
			}
		}
		steps, _, _ := cfg.Match("eaton@localhost", "ONBATT")
		for _, s := range steps {
			if s.Kind == "" {
				t.Fatalf("step without kind: %+v", s)
			}
		}
	})
}
