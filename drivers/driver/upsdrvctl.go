package driver

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/upslab/upslab/drivers/sock"
	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/stack/conf"
)

// CtlMain is upsdrvctl: it starts, stops and shuts down the drivers that
// ups.conf lists.
//
// NUT's upsdrvctl waits for each driver to exit, which its drivers do when
// they go to the background. upslab drivers stay in the foreground, so
// this upsdrvctl starts each one in a new session (output to /dev/null)
// and waits until its socket accepts connections, until it
// exits (a failure), or until maxstartdelay.
func CtlMain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintf(stdout, "Network UPS Tools - UPS driver controller %s\n", Version)
	var (
		test, passDebug bool
		debug           int
		user            string
		rest            []string
	)
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) < 2 || a[0] != '-' {
			rest = append(rest, args[i:]...)
			break
		}
		for j := 1; j < len(a); j++ {
			switch c := a[j]; c {
			case 't':
				test = true
			case 'D':
				debug++
			case 'd':
				passDebug = true
			case 'V':
				return 0
			case 'h':
				ctlHelp(stdout)
				return 0
			case 'u', 'r':
				v := a[j+1:]
				if v == "" {
					if i+1 >= len(args) {
						fmt.Fprintf(stderr, "Error: option -%c requires an argument\n", c)
						return 1
					}
					i++
					v = args[i]
				}
				if c == 'u' {
					user = v
				}
				j = len(a)
			default:
				fmt.Fprintf(stderr, "Error: unknown option -%c. Try -h for help.\n", c)
				return 1
			}
		}
	}
	if len(rest) < 1 {
		ctlHelp(stdout)
		return 1
	}
	if test {
		fmt.Fprintln(stdout, "*** Testing mode: not calling exec/kill")
	}
	path := filepath.Join(conf.ConfPath(os.Getenv), "ups.conf")
	c, _, err := conf.LoadUPSConf(path)
	if c == nil {
		fmt.Fprintf(stderr, "Can't open %s: %v\n", path, err)
		return 1
	}
	for _, e := range parseErrors(err) {
		fmt.Fprintln(stderr, e)
	}
	var ups []*conf.UPS
	for _, u := range c.UPS {
		if u.Complete() {
			ups = append(ups, u)
		}
	}
	if len(ups) == 0 {
		fmt.Fprintln(stderr, "Error: no UPS definitions found in ups.conf!")
		return 1
	}
	if len(rest) > 1 {
		var one *conf.UPS
		for _, u := range ups {
			if u.Name == rest[1] {
				one = u
			}
		}
		if one == nil {
			fmt.Fprintf(stderr, "UPS %s not found in ups.conf\n", rest[1])
			return 1
		}
		ups = []*conf.UPS{one}
	}
	ctl := &ctl{conf: c, test: test, debug: debug, passDebug: passDebug, user: user, stdout: stdout, stderr: stderr, clk: clock.Real()}
	switch rest[0] {
	case "start":
		for _, u := range ups {
			ctl.start(u)
		}
	case "stop":
		for _, u := range ups {
			ctl.stop(u)
		}
	case "shutdown":
		// sdorder: lower first; -1 (the default 0 in NUT is first too)
		// means "never" only when negative.
		sort.SliceStable(ups, func(i, j int) bool { return sdorder(ups[i]) < sdorder(ups[j]) })
		for _, u := range ups {
			if sdorder(u) >= 0 {
				ctl.shutdown(u)
			}
		}
	default:
		fmt.Fprintf(stderr, "Error: unrecognized command [%s]\n", rest[0])
		return 1
	}
	if ctl.errors > 0 {
		return 1
	}
	return 0
}

func ctlHelp(w io.Writer) {
	fmt.Fprint(w, `Starts and stops UPS drivers via ups.conf.

usage: upsdrvctl [OPTIONS] (start | stop | shutdown) [<ups>]

  -h			display this help
  -r <path>		drivers will chroot to <path> (ignored by upslab drivers)
  -t			testing mode - prints actions without doing them
  -u <user>		drivers started will switch from root to <user>
  -D            	raise debugging level
  -d            	pass debugging level from upsdrvctl to driver
  start			start all UPS drivers in ups.conf
  start	<ups>		only start driver for UPS <ups>
  stop			stop all UPS drivers in ups.conf
  stop <ups>		only stop driver for UPS <ups>
  shutdown		shutdown all UPS drivers in ups.conf
  shutdown <ups>	only shutdown UPS <ups>
`)
}

func sdorder(u *conf.UPS) int {
	v, ok := u.Lookup("sdorder")
	if !ok {
		return 0
	}
	n, _ := strconv.Atoi(v)
	return n
}

type ctl struct {
	conf           *conf.UPSConf
	test           bool
	debug          int
	passDebug      bool
	user           string
	stdout, stderr io.Writer
	clk            clock.Clock
	errors         int
}

func (c *ctl) logf(format string, args ...any) {
	fmt.Fprintf(c.stderr, format+"\n", args...)
}

func (c *ctl) debugf(level int, format string, args ...any) {
	if level <= c.debug {
		fmt.Fprintf(c.stderr, format+"\n", args...)
	}
}

// driverPath finds the driver program: ups.conf's driverpath, else next
// to this program, else $PATH.
func (c *ctl) driverPath(name string) (string, error) {
	if dp, ok := c.conf.Lookup("driverpath"); ok {
		return filepath.Join(dp, name), nil
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return exec.LookPath(name)
}

func (c *ctl) intSetting(u *conf.UPS, key string, def int) int {
	if v, ok := u.Lookup(key); ok {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	if v, ok := c.conf.Lookup(key); ok {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	return def
}

func (c *ctl) argv(u *conf.UPS, extra ...string) []string {
	var a []string
	if c.passDebug && c.debug > 0 {
		a = append(a, "-"+strings.Repeat("D", c.debug))
	}
	a = append(a, extra...)
	a = append(a, "-a", u.Name)
	if c.user != "" {
		a = append(a, "-u", c.user)
	}
	return a
}

func (c *ctl) start(u *conf.UPS) {
	c.debugf(1, "Starting UPS: %s", u.Name)
	path, err := c.driverPath(u.Driver)
	if err != nil {
		c.logf("Can't start %s: %v", u.Driver, err)
		c.errors++
		return
	}
	args := c.argv(u)
	c.debugf(2, "exec: %s %s", path, strings.Join(args, " "))
	if c.test {
		return
	}
	retries := c.intSetting(u, "maxretry", conf.DefaultMaxRetry)
	delay := time.Duration(c.intSetting(u, "retrydelay", conf.DefaultRetryDelay)) * time.Second
	for attempt := 0; attempt < max(retries, 1); attempt++ {
		if attempt > 0 {
			c.clk.Sleep(delay)
		}
		if c.launch(u, path, args) {
			return
		}
	}
	c.errors++
}

// launch starts one driver and waits until its socket answers.
func (c *ctl) launch(u *conf.UPS, path string, args []string) bool {
	// The driver outlives upsdrvctl: its output goes to /dev/null (NUT's
	// backgrounded drivers log to syslog), since handing it our stdout
	// would keep a caller that reads our output to EOF waiting for ever.
	cmd := exec.Command(path, args...)
	detach(cmd)
	if err := cmd.Start(); err != nil {
		c.logf("Can't start %s: %v", path, err)
		return false
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	state := os.Getenv("NUT_STATEPATH")
	if state == "" {
		state = "/run/nut"
	}
	sockPath := sock.SocketPath(state, u.Driver, u.Name)
	limit := time.Duration(c.intSetting(u, "maxstartdelay", conf.DefaultMaxStartDelay)) * time.Second
	deadline := c.clk.Now().Add(limit)
	tick := c.clk.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-exited:
			var ee *exec.ExitError
			if errors.As(err, &ee) && ee.Exited() {
				c.logf("Driver failed to start (exit status=%d)", ee.ExitCode())
			} else if err != nil {
				c.logf("Driver exited abnormally")
			} else {
				c.logf("Driver failed to start (exit status=0)")
			}
			return false
		case <-tick.C():
			if conn, err := net.Dial("unix", sockPath); err == nil {
				conn.Close()
				return true
			}
			if c.clk.Now().After(deadline) {
				c.logf("Startup timer elapsed, continuing...")
				return false
			}
		}
	}
}

func (c *ctl) stop(u *conf.UPS) {
	c.debugf(1, "Stopping UPS: %s", u.Name)
	state := os.Getenv("NUT_ALTPIDPATH")
	if state == "" {
		state = os.Getenv("NUT_STATEPATH")
	}
	if state == "" {
		state = "/run/nut"
	}
	pidfn := filepath.Join(state, u.Driver+"-"+u.Name+".pid")
	b, err := os.ReadFile(pidfn)
	if err != nil {
		c.logf("Can't open %s: %v", pidfn, err)
		c.errors++
		return
	}
	c.debugf(2, "Sending signal to %s", pidfn)
	if c.test {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err == nil {
		err = terminate(pid)
	}
	if err != nil {
		c.logf("Stopping %s failed: %v", pidfn, err)
		c.errors++
	}
}

func (c *ctl) shutdown(u *conf.UPS) {
	c.debugf(1, "Shutdown UPS: %s", u.Name)
	path, err := c.driverPath(u.Driver)
	if err != nil {
		c.logf("Can't start %s: %v", u.Driver, err)
		c.errors++
		return
	}
	args := c.argv(u, "-k")
	c.debugf(2, "exec: %s %s", path, strings.Join(args, " "))
	if c.test {
		return
	}
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = c.stdout, c.stderr
	if err := cmd.Run(); err != nil {
		c.logf("Driver failed to start (%v)", err)
		c.errors++
	}
}
