package upsmon_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestScripts runs the upsmon program: flags, files, signals.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			e.Setenv("NUT_CONFPATH", e.WorkDir)
			e.Setenv("NUT_STATEPATH", e.WorkDir)
			e.Setenv("NUT_ALTPIDPATH", e.WorkDir)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// waitfor file [text]: wait (10 s at most) until file exists and
			// holds text.
			"waitfor": func(ts *testscript.TestScript, neg bool, args []string) {
				deadline := time.Now().Add(10 * time.Second)
				for {
					b, err := os.ReadFile(ts.MkAbs(args[0]))
					if err == nil && (len(args) < 2 || strings.Contains(string(b), args[1])) {
						return
					}
					if time.Now().After(deadline) {
						ts.Fatalf("waitfor %v: timed out (file holds %q)", args, b)
					}
					time.Sleep(20 * time.Millisecond)
				}
			},
		},
	})
}
