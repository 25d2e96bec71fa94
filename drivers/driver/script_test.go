package driver

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/upslab/upslab/drivers/sock"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"usbhid-ups": func() { os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
		"mge-shut":   func() { os.Exit(MainAs("mge-shut", os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
		"upsdrvctl":  func() { os.Exit(CtlMain(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			state := filepath.Join(e.WorkDir, "state")
			e.Setenv("NUT_STATEPATH", state)
			e.Setenv("NUT_CONFPATH", e.WorkDir)
			return os.MkdirAll(state, 0o755)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitfile": cmdWaitFile,
			"waitgone": cmdWaitGone,
			"sock":     cmdSock,
			"sockwait": cmdSockWait,
			"simctl":   cmdSimctl,
		},
	})
}

// deadline bounds the waits of the script commands (real processes, real
// time: outside what a virtual clock can drive).
const deadline = 10 * time.Second

// waitfile path: wait until path exists.
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	p := ts.MkAbs(args[0])
	for end := time.Now().Add(deadline); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(p); err == nil {
			return
		}
	}
	ts.Fatalf("%s did not appear", p)
}

// waitgone path: wait until path no longer exists.
func cmdWaitGone(ts *testscript.TestScript, neg bool, args []string) {
	p := ts.MkAbs(args[0])
	for end := time.Now().Add(deadline); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(p); err != nil {
			return
		}
	}
	ts.Fatalf("%s is still there", p)
}

// sock path line [last]: send line to the driver socket and print what
// comes back up to a line starting with last (default DUMPDONE).
func cmdSock(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: sock path line [last]")
	}
	last := "DUMPDONE"
	if len(args) > 2 {
		last = args[2]
	}
	c, err := net.Dial("unix", ts.MkAbs(args[0]))
	ts.Check(err)
	defer c.Close()
	c.SetDeadline(time.Now().Add(deadline))
	_, err = c.Write([]byte(args[1] + "\n"))
	ts.Check(err)
	r := bufio.NewReader(c)
	var out strings.Builder
	for {
		l, err := r.ReadString('\n')
		ts.Check(err)
		out.WriteString(l)
		if strings.HasPrefix(l, last) {
			break
		}
	}
	ts.Stdout().Write([]byte(out.String()))
}

// sockwait path var value: dump until var has value.
func cmdSockWait(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: sockwait path var value")
	}
	for end := time.Now().Add(deadline); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		cl, err := sock.Dial(ts.MkAbs(args[0]))
		ts.Check(err)
		cl.Conn().SetDeadline(time.Now().Add(deadline))
		cl.DumpAll()
		for {
			e, err := cl.Next()
			ts.Check(err)
			if e.Op == "DUMPDONE" {
				break
			}
			if e.Op == "SETINFO" && e.Args[0] == args[1] && e.Args[1] == args[2] {
				cl.Close()
				return
			}
		}
		cl.Close()
	}
	ts.Fatalf("%s never became %q", args[1], args[2])
}

// simctl path command...: send one command to the simulator control
// socket and expect OK.
func cmdSimctl(ts *testscript.TestScript, neg bool, args []string) {
	c, err := net.Dial("unix", ts.MkAbs(args[0]))
	ts.Check(err)
	defer c.Close()
	c.SetDeadline(time.Now().Add(deadline))
	_, err = c.Write([]byte(strings.Join(args[1:], " ") + "\n"))
	ts.Check(err)
	l, err := bufio.NewReader(c).ReadString('\n')
	ts.Check(err)
	if (strings.TrimSpace(l) == "OK") == neg {
		ts.Fatalf("simctl %s: %s", strings.Join(args[1:], " "), l)
	}
}
