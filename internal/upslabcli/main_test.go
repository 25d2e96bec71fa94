package upslabcli

import (
	"flag"
	"net"
	"os"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain registers the upslab binary for the testscript scripts in
// testdata/script: "exec upslab ..." runs Main in a subprocess.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"upslab": func() { os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

var update = flag.Bool("update", false, "rewrite the cmp golden files in testdata/script from the actual output")

// scriptCmds are the custom testscript commands; other files of this
// package's tests may add theirs in an init function.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"waitsock": cmdWaitSock,
}

// scriptConds are custom conditions ([name] in scripts); other test files
// may add theirs in an init function.
var scriptConds = map[string]func() (bool, error){}

// TestScript runs testdata/script/*.txtar. Each script gets $SOCKDIR, a
// short temporary directory for Unix sockets (a socket path must fit in
// 108 bytes, and $WORK is often longer).
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		UpdateScripts:       *update,
		Cmds:                scriptCmds,
		Condition: func(cond string) (bool, error) {
			if f, ok := scriptConds[cond]; ok {
				return f()
			}
			return false, errUnknownCond(cond)
		},
		Setup: func(env *testscript.Env) error {
			dir, err := os.MkdirTemp("", "ul")
			if err != nil {
				return err
			}
			env.Defer(func() { os.RemoveAll(dir) })
			env.Setenv("SOCKDIR", dir)
			return nil
		},
	})
}

type errUnknownCond string

func (e errUnknownCond) Error() string { return "unknown condition " + string(e) }

// cmdWaitSock waits (up to 10 s of real time) until a Unix socket accepts
// connections: "waitsock $SOCKDIR/sim.sock". It polls, because the process
// that will listen is a separate program; it returns as soon as the socket
// answers.
func cmdWaitSock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitsock PATH")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("unix", ts.MkAbs(args[0]))
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("socket %s not ready after 10s: %v", args[0], err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
