package upssched

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"upssched": func() { os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the real upssched binary (client, and the timer daemon
// it starts) in real time: timers of a second or two.
func TestScripts(t *testing.T) {
	if testing.Short() {
		t.Skip("real processes and real timers (~5 s)")
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			e.Setenv("NUT_CONFPATH", e.WorkDir)
			e.Setenv(envLinger, "1s")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// waitfor file text [seconds]: wait until file holds text.
			"waitfor": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) < 2 {
					ts.Fatalf("usage: waitfor file text [seconds]")
				}
				limit := 10 * time.Second
				if len(args) > 2 {
					var s float64
					fmt.Sscan(args[2], &s)
					limit = time.Duration(s * float64(time.Second))
				}
				deadline := time.Now().Add(limit)
				for {
					b, _ := os.ReadFile(ts.MkAbs(args[0]))
					found := strings.Contains(string(b), args[1])
					if found != neg {
						return
					}
					if time.Now().After(deadline) {
						ts.Fatalf("waitfor %s %q: not after %v; file holds:\n%s", args[0], args[1], limit, b)
					}
					time.Sleep(50 * time.Millisecond)
				}
			},
			// gone path [seconds]: wait until path no longer exists.
			"gone": func(ts *testscript.TestScript, neg bool, args []string) {
				deadline := time.Now().Add(10 * time.Second)
				for {
					if _, err := os.Stat(ts.MkAbs(args[0])); err != nil {
						return
					}
					if time.Now().After(deadline) {
						ts.Fatalf("%s still there", args[0])
					}
					time.Sleep(50 * time.Millisecond)
				}
			},
		},
	})
}
