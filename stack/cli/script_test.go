// Package cli_test runs NUT's command-line tools as programs against our
// upsd with our usbhid-ups (port=sim, the in-process simulated Ellipse
// ECO) behind it: testscript scripts in testdata/script.
package cli_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/upslab/upslab/drivers/driver"
	"github.com/upslab/upslab/drivers/sock"
	"github.com/upslab/upslab/stack/cli/upsc"
	"github.com/upslab/upslab/stack/cli/upscmd"
	"github.com/upslab/upslab/stack/cli/upsrw"
	"github.com/upslab/upslab/stack/client"
	"github.com/upslab/upslab/stack/upsd"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"upsc":       func() { os.Exit(upsc.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
		"upsrw":      func() { os.Exit(upsrw.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
		"upscmd":     func() { os.Exit(upscmd.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
		"upsd":       func() { os.Exit(upsd.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
		"usbhid-ups": func() { os.Exit(driver.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts: each script gets NUT_CONFPATH=$WORK, NUT_STATEPATH=$WORK/state
// (mode 0700, as upsd wants it), a free loopback port in $PORT (also
// written, with $WORK, over those words in the script's upsd.conf, which
// testscript does not expand), and upsd.conf and upsd.users at mode 0600.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup:               setup,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitfile":  cmdWaitFile,
			"waitups":   cmdWaitUPS,
			"waitreply": cmdWaitReply,
			"gencert":   cmdGenCert,
			"starttls":  cmdStartTLS,
		},
	})
}

func setup(e *testscript.Env) error {
	state := filepath.Join(e.WorkDir, "state")
	if err := os.Mkdir(state, 0o700); err != nil {
		return err
	}
	e.Setenv("NUT_STATEPATH", state)
	e.Setenv("NUT_CONFPATH", e.WorkDir)
	port, err := freePort()
	if err != nil {
		return err
	}
	e.Setenv("PORT", port)
	p := filepath.Join(e.WorkDir, "upsd.conf")
	if b, err := os.ReadFile(p); err == nil {
		if err := os.WriteFile(p, []byte(strings.NewReplacer("$PORT", port, "$WORK", e.WorkDir).Replace(string(b))), 0o600); err != nil {
			return err
		}
	}
	for _, name := range []string{"upsd.conf", "upsd.users"} {
		if err := os.Chmod(filepath.Join(e.WorkDir, name), 0o600); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}

// freePort asks the kernel for a free loopback port (released at once:
// upsd binds it a moment later).
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}

// deadline bounds the waits below: real processes on the real clock, so
// they poll with a short backoff rather than sleep a fixed time.
const deadline = 5 * time.Second

// poll reports whether cond became true within deadline.
func poll(cond func() bool) bool {
	d := 5 * time.Millisecond
	for end := time.Now().Add(deadline); time.Now().Before(end); d = min(2*d, 100*time.Millisecond) {
		if cond() {
			return true
		}
		time.Sleep(d)
	}
	return false
}

// waitfile path: wait until path exists (a driver's socket).
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: waitfile path")
	}
	p := ts.MkAbs(args[0])
	if !poll(func() bool { _, err := os.Stat(p); return err == nil }) {
		ts.Fatalf("timed out waiting for %s", p)
	}
}

// waitups ups: wait until our upsd on 127.0.0.1:$PORT has the whole
// dump of the usbhid-ups driver of ups. The driver socket tells how many
// variables and commands there are; upsd, like NUT's, answers from a
// partial dump while it streams in, and the commands come last, so upsd is
// ready when it lists as many (LIST VAR when the UPS has no commands).
func cmdWaitUPS(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: waitups ups")
	}
	ups := args[0]
	nvars, ncmds := driverCounts(ts, filepath.Join(ts.Getenv("NUT_STATEPATH"), "usbhid-ups-"+ups))
	addr := "127.0.0.1:" + ts.Getenv("PORT")
	last := "no answer"
	ok := poll(func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		c, err := client.Dial(ctx, addr)
		if err != nil {
			last = err.Error()
			return false
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(time.Second))
		if ncmds > 0 {
			cmds, err := c.ListCmd(ups)
			last = fmt.Sprintf("%d of %d commands (%v)", len(cmds), ncmds, err)
			return err == nil && len(cmds) >= ncmds
		}
		vars, err := c.ListVar(ups)
		last = fmt.Sprintf("%d of %d variables (%v)", len(vars), nvars, err)
		return err == nil && len(vars) >= nvars
	})
	if !ok {
		ts.Fatalf("upsd at %s never had all of %s: %s", addr, ups, last)
	}
}

// driverCounts dumps a driver socket: how many variables and commands.
func driverCounts(ts *testscript.TestScript, path string) (nvars, ncmds int) {
	// The socket file can appear a moment before the driver accepts.
	var dc *sock.Client
	var err error
	if !poll(func() bool { dc, err = sock.Dial(path); return err == nil }) {
		ts.Fatalf("driver socket: %v", err)
	}
	defer dc.Close()
	dc.Conn().SetDeadline(time.Now().Add(deadline))
	ts.Check(dc.DumpAll())
	for {
		e, err := dc.Next()
		ts.Check(err)
		switch e.Op {
		case "SETINFO":
			nvars++
		case "ADDCMD":
			ncmds++
		case "DUMPDONE":
			return nvars, ncmds
		}
	}
}

// waitreply request regexp: wait until upsd on 127.0.0.1:$PORT answers
// the protocol line request with a line matching regexp (for example a
// new description after a reload).
func cmdWaitReply(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: waitreply request regexp")
	}
	waitReply(ts, args[0], args[1])
}

func waitReply(ts *testscript.TestScript, req, pattern string) {
	re, err := regexp.Compile(pattern)
	ts.Check(err)
	addr := "127.0.0.1:" + ts.Getenv("PORT")
	last := "no reply"
	ok := poll(func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			last = err.Error()
			return false
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(time.Second))
		if _, err := c.Write([]byte(req + "\n")); err != nil {
			return false
		}
		last, _ = bufio.NewReader(c).ReadString('\n')
		return re.MatchString(strings.TrimSuffix(last, "\n"))
	})
	if !ok {
		ts.Fatalf("upsd at %s did not answer %q with %s; last: %s", addr, req, pattern, strings.TrimSpace(last))
	}
}

// gencert path: write a self-signed CERTFILE for 127.0.0.1 and ::1.
func cmdGenCert(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: gencert path")
	}
	now := time.Now()
	data, err := upsd.SelfSignedCert([]string{"127.0.0.1", "::1"}, now.Add(-time.Hour), now.Add(time.Hour))
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), data, 0o600))
}

// starttls certfile ups var: connect to upsd on 127.0.0.1:$PORT, STARTTLS
// trusting only certfile's certificate, and print GET VAR's value. With !,
// expect the upgrade to fail and print why.
func cmdStartTLS(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: starttls certfile ups var")
	}
	data, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		ts.Fatalf("no certificate in %s", args[0])
	}
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	c, err := client.Dial(ctx, "127.0.0.1:"+ts.Getenv("PORT"))
	ts.Check(err)
	defer c.Close()
	c.SetDeadline(time.Now().Add(deadline))
	err = c.StartTLS(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if neg {
		if err == nil {
			ts.Fatalf("STARTTLS succeeded")
		}
		fmt.Fprintln(ts.Stdout(), err)
		return
	}
	ts.Check(err)
	v, err := c.GetVar(args[1], args[2])
	ts.Check(err)
	fmt.Fprintln(ts.Stdout(), v)
}
