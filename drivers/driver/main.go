package driver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/upslab/upslab/drivers/hiddev"
	"github.com/upslab/upslab/drivers/sock"
	"github.com/upslab/upslab/drivers/usb"
	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/internal/privdrop"
	"github.com/upslab/upslab/stack/conf"
	"github.com/upslab/upslab/stack/dstate"
	"github.com/upslab/upslab/stack/parseconf"
)

// Versions published as NUT's usbhid-ups 2.8.0 publishes them. Version is
// driver.version: NUT's release with our suffix, so that both "2.8.0"
// parsers and people can tell whose driver it is.
const (
	Version           = "2.8.0-upslab"
	DriverName        = "Generic HID driver"
	DriverVersion     = "0.47" // driver.version.internal (usbhid-ups 0.47 in 2.8.0)
	USBDriverName     = "USB communication driver (libusb 1.0)"
	USBDriverVersion  = "0.43"
	SHUTDriverName    = "SHUT communication driver"
	SHUTDriverVersion = "0.86"
)

// SubOptions are the subdriver settings from the command line (the fields
// of mge.Options).
type SubOptions struct {
	OffDelay, OnDelay int // -1 = default
	LowBatt           int // -1 = unset
	Clock             clock.Clock
	PollInterval      time.Duration
	Logf              func(string, ...any)
}

// Hooks filled by the packages that provide them, so that this package
// does not depend on every transport and subdriver at once.
var (
	// NewSubdriver builds the HID subdriver for a device (drivers/mge).
	NewSubdriver func(dev hiddev.Device, t *dstate.Table, o SubOptions) (Subdriver, error)
	// OpenSerial opens a SHUT device on a serial port (drivers/shut).
	OpenSerial func(path string) (hiddev.Device, io.Closer, error)
	// OpenSim starts an in-process simulated Ellipse ECO on clk and returns
	// it as a HID device (port=sim); control, when not empty, is a Unix
	// socket path that accepts simulator script commands.
	OpenSim func(clk clock.Clock, control string, logf func(string, ...any)) (hiddev.Device, io.Closer, error)
	// MGECode maps the subdriver's errors to tracking codes; nil uses
	// DefaultCode.
	MGECode func(error) int
)

// vars lists the -x variables usbhid-ups and mge-shut 2.8.0 accept (value
// or flag), plus simcontrol for port=sim.
var knownVars = map[string]bool{
	"lowbatt": true, "offdelay": true, "ondelay": true, "pollfreq": true,
	"pollonly": false, "onlinedischarge": false,
	"vendor": true, "product": true, "serial": true, "vendorid": true, "productid": true,
	"bus": true, "device": true, "usb_set_altinterface": true,
	"explore": false, "maxreport": false, "interruptonly": false, "interruptsize": true,
	"notification": true, "simcontrol": true,
}

// settings is what the command line and ups.conf produce.
type settings struct {
	prog     string
	ups      string
	port     string
	vals     map[string]string
	flags    map[string]bool
	debug    int
	dump     int
	kill     bool
	user     string
	interval time.Duration
}

type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func fatalf(format string, args ...any) error {
	return &exitError{1, fmt.Sprintf(format, args...)}
}

// logger writes NUT-style log lines (common.c vupslog): the message, and
// with debugging on (-D) every line, message or debug, starts with the
// seconds since start; debug lines carry their level as "[D1] ".
type logger struct {
	mu    sync.Mutex
	w     io.Writer
	level int
	start time.Time
	clk   clock.Clock
}

func (l *logger) write(msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.level > 0 {
		el := l.clk.Since(l.start)
		fmt.Fprintf(l.w, "%4d.%06d\t", int(el/time.Second), int(el%time.Second/time.Microsecond))
	}
	fmt.Fprintf(l.w, "%s\n", strings.TrimRight(msg, "\n"))
}

func (l *logger) logf(format string, args ...any) { l.write(fmt.Sprintf(format, args...)) }

func (l *logger) debugf(level int, format string, args ...any) {
	if level <= l.level {
		l.write(fmt.Sprintf("[D%d] ", level) + fmt.Sprintf(format, args...))
	}
}

// Main is usbhid-ups: args are the arguments without the program name.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return MainAs("usbhid-ups", args, stdin, stdout, stderr)
}

// MainAs runs the driver under the program name prog (usbhid-ups or
// mge-shut): the name of its socket and the driver= it accepts in ups.conf.
func MainAs(prog string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return RunContext(context.Background(), prog, args, stdout, stderr)
}

// RunContext is MainAs for in-process use (interop tests, the lab's
// real-time mode): the driver also exits, as on SIGTERM, when ctx ends.
func RunContext(ctx context.Context, prog string, args []string, stdout, stderr io.Writer) int {
	err := run(ctx, prog, args, stdout, stderr)
	var ee *exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		if ee.msg != "" {
			fmt.Fprintln(stderr, ee.msg)
		}
		return ee.code
	default:
		fmt.Fprintln(stderr, err)
		return 1
	}
}

func usage(w io.Writer, prog string) {
	fmt.Fprintf(w, `
usage: %s (-a <id>|-s <id>) [OPTIONS]
  -a <id>        - autoconfig using ups.conf section <id>
                 - note: -x after -a overrides ups.conf settings

  -s <id>        - configure directly from cmd line arguments
                 - note: must specify all driver parameters with successive -x
                 - note: at least 'port' variable should be set

  -V             - print version, then exit
  -D             - raise debugging level (and stay foreground by default)
  -d <count>     - dump data to stdout after 'count' updates loop and exit
  -F             - stay foregrounded even if no debugging is enabled
  -h             - display this help
  -k             - force shutdown
  -i <int>       - poll interval
  -u <user>      - switch to <user> (if started as root)
  -x <var>=<val> - set driver variable <var> to <val>
                 - example: -x cable=940-0095B

port = auto (USB), sim (in-process simulated Ellipse ECO; -x simcontrol=<socket>
accepts simulator commands), or a serial device path (SHUT).
`, prog)
}

// getopt splits NUT's driver options ("+a:s:kFBDd:hx:Lqr:u:g:Vi:").
func getopt(args []string, visit func(opt byte, arg string) error) error {
	const withArg = "asdxrugi"
	const flags = "kFBDhLqV"
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			if i+1 < len(args) {
				return fatalf("Error: too many non-option arguments. Try -h for help.")
			}
			return nil
		}
		if len(a) < 2 || a[0] != '-' {
			return fatalf("Error: too many non-option arguments. Try -h for help.")
		}
		for j := 1; j < len(a); j++ {
			c := a[j]
			switch {
			case strings.IndexByte(withArg, c) >= 0:
				val := a[j+1:]
				if val == "" {
					if i+1 >= len(args) {
						return fatalf("Error: option -%c requires an argument. Try -h for help.", c)
					}
					i++
					val = args[i]
				}
				if err := visit(c, val); err != nil {
					return err
				}
				j = len(a)
			case strings.IndexByte(flags, c) >= 0:
				if err := visit(c, ""); err != nil {
					return err
				}
			default:
				return fatalf("Error: unknown option -%c. Try -h for help.", c)
			}
		}
	}
	return nil
}

// apply handles one ups.conf or -x setting as NUT's main_arg and storeval
// do, publishing driver.parameter.* and driver.flag.* in t.
func (s *settings) apply(t *dstate.Table, key, val string, flag bool, fromConf bool) error {
	switch key {
	case "nolock", "ignorelb":
		if flag {
			t.Set("driver.flag."+key, "enabled")
			s.flags[key] = true
			return nil
		}
	case "port":
		if !flag {
			s.port = val
			t.Set("driver.parameter.port", val)
			return nil
		}
	case "user", "group", "sddelay", "synchronous", "sdorder", "desc", "debug_min":
		if !flag {
			if key == "user" && s.user == "" {
				s.user = val
			}
			if key == "debug_min" {
				if n, err := strconv.Atoi(val); err == nil && n > s.debug {
					s.debug = n
				}
			}
			return nil
		}
	case "driver":
		if fromConf && !flag {
			if val != s.prog && !(val == "usbhid-ups" || val == "mge-shut") {
				return fatalf("Error: UPS [%s] is for driver %s, but I'm %s!", s.ups, val, s.prog)
			}
			s.prog = val // we stand in for both, under the name ups.conf says
			return nil
		}
	case "pollinterval":
		// ups.conf only in NUT (-i on the command line); -x accepted too.
		if !flag {
			n, _ := strconv.Atoi(val)
			if n <= 0 {
				return fatalf("Error: UPS [%s]: invalid pollinterval: %d", s.ups, n)
			}
			s.interval = time.Duration(n) * time.Second
			return nil
		}
	}
	if rest, ok := strings.CutPrefix(key, "override."); ok && !flag {
		t.Set(rest, val)
		t.Freeze(rest) // NUT's ST_FLAG_IMMUTABLE: the device cannot change it
		return nil
	}
	if rest, ok := strings.CutPrefix(key, "default."); ok && !flag {
		t.Set(rest, val)
		return nil
	}
	_, known := knownVars[key]
	if !known {
		// NUT prints this and exits with status 0 (main.c storeval).
		what := "variable name"
		if flag {
			what = "flag"
		}
		return &exitError{0, fmt.Sprintf("\nFatal error: '%s' is not a valid %s for this driver.\n\n"+
			"Look in the man page or call this driver with -h for a list of\n"+
			"valid variable names and flags.", key, what)}
	}
	if flag {
		t.Set("driver.flag."+key, "enabled")
		s.flags[key] = true
		return nil
	}
	t.Set("driver.parameter."+key, val)
	s.vals[key] = val
	return nil
}

func intVal(s *settings, key string, def int) (int, error) {
	v, ok := s.vals[key]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, fatalf("Error: invalid %s: %s", key, v)
	}
	return n, nil
}

func run(ctx context.Context, prog string, args []string, stdout, stderr io.Writer) error {
	clk := clock.Real()
	t := &dstate.Table{}
	s := &settings{prog: prog, vals: map[string]string{}, flags: map[string]bool{}, interval: DefaultPollInterval}
	lg := &logger{w: stderr, start: clk.Now(), clk: clk}

	// The banner goes to stdout first, as NUT's upsdrv_banner.
	banner := func() {
		fmt.Fprintf(stdout, "Network UPS Tools - %s %s (%s)\n", DriverName, DriverVersion, Version)
		if s.prog == "mge-shut" {
			fmt.Fprintf(stdout, "%s %s\n", SHUTDriverName, SHUTDriverVersion)
			// NUT 2.8.0 builds mge-shut as an experimental driver and
			// says so right after the banner (seen on the real binary).
			fmt.Fprint(stdout, "Warning: This is an experimental driver.\nSome features may not function correctly.\n\n")
		} else {
			fmt.Fprintf(stdout, "%s %s\n", USBDriverName, USBDriverVersion)
		}
	}
	banner()

	found := false
	err := getopt(args, func(o byte, a string) error {
		switch o {
		case 'a':
			s.ups = a
			path := filepath.Join(conf.ConfPath(os.Getenv), "ups.conf")
			c, _, err := conf.LoadUPSConf(path)
			if c == nil && err != nil {
				return fatalf("Can't open %s: %v", path, err)
			}
			for _, e := range parseErrors(err) {
				lg.logf("%s", e)
			}
			for _, g := range c.Global {
				switch g.Key {
				case "pollinterval":
					n, _ := strconv.Atoi(g.Value)
					if n <= 0 {
						return fatalf("Error: invalid pollinterval: %d", n)
					}
					s.interval = time.Duration(n) * time.Second
				case "user":
					if s.user == "" {
						s.user = g.Value
					}
				case "debug_min":
					if n, err := strconv.Atoi(g.Value); err == nil && n > s.debug {
						s.debug = n
					}
				}
			}
			var u *conf.UPS
			for _, x := range c.UPS { // drivers compare the name exactly
				if x.Name == a {
					u = x
				}
			}
			if u == nil {
				return fatalf("Error: Section %s not found in ups.conf", a)
			}
			found = true
			if u.Driver != "" {
				if err := s.apply(t, "driver", u.Driver, false, true); err != nil {
					return err
				}
			}
			if u.Port != "" {
				s.apply(t, "port", u.Port, false, true)
			}
			for _, op := range u.Options {
				if err := s.apply(t, op.Key, op.Value, op.Flag, true); err != nil {
					return err
				}
			}
		case 's':
			s.ups, found = a, true
		case 'D':
			s.debug++
		case 'd':
			s.dump, _ = strconv.Atoi(a)
		case 'k':
			s.kill = true
		case 'i':
			n, _ := strconv.Atoi(a)
			if n <= 0 {
				return fatalf("Error: command-line: invalid pollinterval: %d", n)
			}
			s.interval = time.Duration(n) * time.Second
		case 'u':
			s.user = a
		case 'x':
			k, v, hasVal := strings.Cut(a, "=")
			if err := s.apply(t, k, v, !hasVal, false); err != nil {
				return err
			}
		case 'h':
			usage(stdout, s.prog)
			return &exitError{0, ""}
		case 'V':
			return &exitError{0, ""}
		case 'L':
			names := make([]string, 0, len(knownVars))
			for k := range knownVars {
				names = append(names, k)
			}
			sort.Strings(names)
			for _, k := range names {
				kind := "FLAG"
				if knownVars[k] {
					kind = "VALUE"
				}
				fmt.Fprintf(stdout, "%s %s \"\"\n", kind, k)
			}
			return &exitError{0, ""}
		}
		return nil
	})
	if err != nil {
		return err
	}
	lg.level = s.debug
	if !found {
		return fatalf("Error: specifying '-a id' or '-s id' is now mandatory. Try -h for help.")
	}
	if s.port == "" {
		return fatalf("Error: you must specify a port name in ups.conf or in '-x port=...' argument.\nTry -h for help.")
	}
	// NUT switches to the user before opening the device, so the device
	// must be accessible to it (udev rules). Unlike NUT, no compiled-in
	// default user: only an explicit -u or user= drops privileges.
	if _, err := privdrop.Become(s.user); err != nil {
		return fatalf("%v", err)
	}
	lg.debugf(1, "debug level is '%d'", s.debug)

	opts := SubOptions{OffDelay: -1, OnDelay: -1, LowBatt: -1, Clock: clk, Logf: lg.logf, PollInterval: s.interval}
	for key, dst := range map[string]*int{"offdelay": &opts.OffDelay, "ondelay": &opts.OnDelay, "lowbatt": &opts.LowBatt} {
		if *dst, err = intVal(s, key, -1); err != nil {
			return err
		}
	}
	pollfreq, err := intVal(s, "pollfreq", int(DefaultPollFreq/time.Second))
	if err != nil {
		return err
	}

	t.Set("device.type", "ups")
	open := func() (hiddev.Device, Subdriver, io.Closer, error) {
		dev, closer, usbVer, err := openPort(s, clk, lg)
		if err != nil {
			return nil, nil, nil, err
		}
		if usbVer != "" {
			t.Set("driver.version.usb", usbVer)
		}
		if NewSubdriver == nil {
			closer.Close()
			return nil, nil, nil, errors.New("no HID subdriver built in")
		}
		sd, err := NewSubdriver(dev, t, opts)
		if err != nil {
			closer.Close()
			return nil, nil, nil, err
		}
		if id, ok := dev.(hiddev.Identifier); ok {
			if info, err := id.Identity(); err == nil {
				lg.debugf(1, "Detected a UPS: %s/%s", orUnknown(info.Manufacturer), orUnknown(info.Product))
			}
		}
		// The subdriver logs "Using subdriver: MGE HID 1.46" itself.
		return dev, sd, closer, nil
	}
	dev, sd, closer, err := open()
	if err != nil {
		return fatalf("No matching HID UPS found (%v)", err)
	}
	var closeMu sync.Mutex
	defer func() {
		closeMu.Lock()
		closer.Close()
		closeMu.Unlock()
	}()

	dopts := Options{
		PollInterval: s.interval,
		PollFreq:     time.Duration(pollfreq) * time.Second,
		PollOnly:     s.flags["pollonly"],
		TrackingCode: MGECode,
		Logf:         lg.logf,
		Debugf:       lg.debugf,
	}
	if s.port != "sim" && s.port != "simulator" {
		dopts.Reopen = func() (hiddev.Device, Subdriver, error) {
			closeMu.Lock()
			closer.Close()
			closeMu.Unlock()
			dev, sd, c, err := open()
			if err != nil {
				return nil, nil, err
			}
			closeMu.Lock()
			closer = c
			closeMu.Unlock()
			return dev, sd, nil
		}
	}
	d := New(dev, sd, t, clk, dopts)

	if s.kill {
		if err := sd.Init(); err != nil {
			return fatalf("Can't initialize data from HID UPS")
		}
		if err := d.KillPower(); err != nil {
			return fatalf("Shutdown failed!")
		}
		return nil
	}

	if err := d.Init(); err != nil {
		return fatalf("Can't initialize data from HID UPS (%v)", err)
	}
	t.Set("driver.version", Version)
	t.Set("driver.version.internal", DriverVersion)
	t.Set("driver.name", s.prog)

	if s.dump > 0 {
		// NUT's loop: the dump comes after 'count' more update loops,
		// back to back (no sleeping in dump mode).
		for i := 0; i <= s.dump; i++ {
			d.Poll()
		}
		finish(t, s)
		for _, v := range t.Vars() {
			fmt.Fprintf(stdout, "%s: %s\n", v.Name, parseconf.Escape(v.Value))
		}
		return nil
	}

	state := os.Getenv("NUT_STATEPATH")
	if state == "" {
		state = "/run/nut"
	}
	path := sock.SocketPath(state, s.prog, s.ups)
	l, err := sock.Listen(path)
	if err != nil {
		return fatalf("Can't create socket %s: %v", path, err)
	}
	srv := sock.NewServer(t, d)
	srv.Logf = lg.logf
	go srv.Serve(l)
	defer func() {
		srv.Close()
		os.Remove(path)
	}()
	finish(t, s)
	pidfile := filepath.Join(pidPath(state), s.prog+"-"+s.ups+".pid")
	if err := os.WriteFile(pidfile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err == nil {
		defer os.Remove(pidfile)
	}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT)
	defer signal.Stop(sigs)
	d.Start()
	defer d.Stop()
	// NUT logs this when it goes to the background; upslab drivers stay in
	// the foreground (Go cannot fork), so it marks "serving" instead.
	lg.logf("Startup successful")
	select {
	case sig := <-sigs:
		lg.logf("Signal %d: exiting", sig.(syscall.Signal))
	case <-ctx.Done():
		lg.logf("Exiting: %v", context.Cause(ctx))
	}
	return nil
}

// finish publishes what main.c sets once the driver is up.
func finish(t *dstate.Table, s *settings) {
	t.Set("driver.parameter.pollinterval", strconv.Itoa(int(s.interval/time.Second)))
	t.Set("driver.parameter.synchronous", "auto")
	for _, k := range []string{"mfr", "model", "serial"} {
		if v, ok := t.Get("ups." + k); ok {
			t.Set("device."+k, v)
		}
	}
}

func pidPath(state string) string {
	if p := os.Getenv("NUT_ALTPIDPATH"); p != "" {
		return p
	}
	return state
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// openPort opens the transport port= names: sim, a serial device, or USB.
func openPort(s *settings, clk clock.Clock, lg *logger) (hiddev.Device, io.Closer, string, error) {
	switch {
	case s.port == "sim" || s.port == "simulator":
		if OpenSim == nil {
			return nil, nil, "", errors.New("port=sim: simulator not built in")
		}
		dev, c, err := OpenSim(clk, s.vals["simcontrol"], lg.logf)
		return dev, c, "upslab simulator (in-process USB)", err
	case s.prog == "mge-shut" || isSerial(s.port):
		if OpenSerial == nil {
			return nil, nil, "", fmt.Errorf("port=%s: SHUT serial support not built in", s.port)
		}
		dev, c, err := OpenSerial(s.port)
		return dev, c, "", err
	}
	m := usb.Match{
		VendorID: s.vals["vendorid"], ProductID: s.vals["productid"],
		Vendor: s.vals["vendor"], Product: s.vals["product"], Serial: s.vals["serial"],
		Bus: s.vals["bus"], Device: s.vals["device"],
	}
	d, err := usb.Open(m)
	if err != nil {
		return nil, nil, "", err
	}
	return d, d, usb.LibraryVersion(), nil
}

// isSerial reports whether port names a character device (a serial line),
// which NUT's usbhid-ups would ignore but mge-shut would open.
func isSerial(port string) bool {
	if port == "auto" || !strings.HasPrefix(port, "/") {
		return false
	}
	fi, err := os.Stat(port)
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// parseErrors renders stack/conf's errors for ups.conf as NUT's drivers
// and upsdrvctl log their parser's: "Parse error: <file>:<line>...". The
// lines are skipped and the program goes on, as NUT's do; stack/conf also
// reports lines NUT skips without a word (a key without "="), so they show
// up here too.
func parseErrors(err error) []string {
	var out []string
	var el conf.ErrorList
	if errors.As(err, &el) {
		for _, e := range el {
			out = append(out, "Parse error: "+e.Error())
		}
	}
	return out
}
