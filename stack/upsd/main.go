package upsd

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/upslab/upslab/internal/privdrop"
	"github.com/upslab/upslab/stack/cli/nutcli"
	"github.com/upslab/upslab/stack/conf"
	"github.com/upslab/upslab/stack/protocol"
)

// Compiled-in defaults, as Debian's NUT build.
const (
	DefaultConfPath  = conf.DefaultConfPath
	DefaultStatePath = "/run/nut"
)

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// Main is the upsd command: NUT's flags (-F, -B, -D, -u, -c reload|stop,
// -P, -4, -6, -q, -V, -h) and environment (NUT_CONFPATH, NUT_STATEPATH,
// NUT_ALTPIDPATH). It runs in the foreground always (Go cannot fork);
// like NUT it writes upsd.pid unless -F is given once (-FF writes it too).
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// getopt as upsd 2.8.0: bundled flags (-FF, -DDD) and attached
	// arguments (-ureading) work.
	opts, _, bad := nutcli.Getopt(args, "+h46p:qr:i:fu:Vc:P:DFB")
	if bad {
		usage(stdout)
		return 1
	}
	var nF, nD int
	var user, cmd, pidArg string
	var only4, only6, ver, help bool
	var removed []rune // -i and -p, gone since NUT 2.4
	for _, o := range opts {
		switch o.Name {
		case 'F':
			nF++
		case 'D':
			nD++
		case 'u':
			user = o.Arg
		case 'c':
			cmd = o.Arg
		case 'P':
			pidArg = o.Arg
		case '4':
			only4 = true
		case '6':
			only6 = true
		case 'V':
			ver = true
		case 'h':
			help = true
		case 'i', 'p':
			removed = append(removed, o.Name)
		}
		// -B, -q, -r and -f are accepted and have no effect here.
	}
	fmt.Fprintf(stdout, "Network UPS Tools upsd %s\n", protocol.NUTVersion)
	if help {
		usage(stdout)
		return 0
	}
	if ver {
		return 0
	}
	logf := func(format string, a ...any) {
		fmt.Fprintf(stderr, format+"\n", a...)
	}
	fatal := func(format string, a ...any) int {
		logf(format, a...)
		return 1
	}
	for _, o := range removed {
		logf("Fatal error: -%c is no longer supported - use LISTEN in upsd.conf", o)
	}
	confPath := conf.ConfPath(os.Getenv)
	statePath := envOr("NUT_STATEPATH", DefaultStatePath)
	pidDir := envOr("NUT_ALTPIDPATH", statePath)
	pidFile := filepath.Join(pidDir, "upsd.pid")

	if cmd != "" {
		sig := map[string]syscall.Signal{"reload": syscall.SIGHUP, "stop": syscall.SIGTERM}[cmd]
		if sig == 0 {
			return fatal("Invalid command: %s", cmd)
		}
		pid, err := readPID(pidFile)
		if pidArg != "" {
			pid, err = strconv.Atoi(pidArg)
		}
		if err != nil {
			return fatal("Failed to signal the currently running daemon (if any): %v", err)
		}
		if err := signalPID(pid, sig); err != nil {
			return fatal("kill: %v", err)
		}
		return 0
	}
	if pid, err := readPID(pidFile); err == nil && signalPID(pid, 0) == nil {
		return fatal("Fatal error: A previous upsd instance is already running!")
	}
	// As upsd 2.8.0: the user is resolved first, the switch comes once the
	// listeners are open (ports below 1024 need root), before anything is
	// served. Unlike NUT, no compiled-in default user: only -u drops.
	runAs, drop, err := privdrop.Plan(user, os.Geteuid())
	if err != nil {
		return fatal("%v", err)
	}

	confFile := filepath.Join(confPath, conf.UpsdConfName)
	if fi, err := os.Stat(confFile); err != nil {
		return fatal("%v", err)
	} else if w, bad := conf.PermWarning(confFile, fi.Mode()); bad && fi.Mode().Perm()&0o004 != 0 {
		// upsd.conf may hold CERTIDENT's database password; upsd 2.8.0
		// warns only when others can read it.
		logf("%s", warningText(w))
	}
	cfg, err := loadConf(confFile, conf.LoadUpsdConf, logf)
	if err != nil {
		return fatal("%s", cantOpen(confFile, err))
	}
	cfg.AllowNoDevice = cfg.AllowNoDeviceWith(os.Getenv)
	if cfg.StatePath != "" {
		statePath = cfg.StatePath
	}

	s := New(nil)
	s.Logf = logf
	s.StatePath = statePath
	s.MaxAge = cfg.MaxAge
	s.TrackingDelay = cfg.TrackingDelay
	s.MaxConn = cfg.MaxConn

	// Listeners: LISTEN lines, else 127.0.0.1 and ::1 on 3493 (-4 and -6
	// keep only the default of their family).
	addrs := cfg.Listen
	if len(addrs) == 0 {
		for _, a := range conf.DefaultListen {
			v6 := strings.Contains(a.Addr, ":")
			if v6 && !only4 || !v6 && !only6 {
				addrs = append(addrs, a)
			}
		}
	}
	var lns []net.Listener
	for _, a := range addrs {
		network := "tcp"
		if only4 {
			network = "tcp4"
		} else if only6 {
			network = "tcp6"
		}
		l, err := net.Listen(network, a.HostPort())
		if err != nil {
			logf("not listening on %s port %s: %v", a.Addr, a.Port, err)
			continue
		}
		logf("listening on %s port %s", a.Addr, a.Port)
		lns = append(lns, l)
	}
	if len(lns) == 0 {
		return fatal("Fatal error: no listening interface available")
	}
	defer func() {
		for _, l := range lns {
			l.Close()
		}
	}()
	if drop {
		if err := privdrop.Drop(runAs); err != nil {
			return fatal("Fatal error: %v", err)
		}
		if nD > 0 {
			logf("Succeeded to become_user(%s): now UID=%d GID=%d", runAs.Name, os.Getuid(), os.Getgid())
		}
	}
	checkReadable(statePath, logf)

	upsFile := filepath.Join(confPath, conf.UPSConfName)
	upsc, err := loadConf(upsFile, conf.LoadUPSConf, logf)
	if err != nil {
		// upsd 2.8.0 says "Can't open" twice (fatal_with_errno around
		// its own message).
		return fatal("Can't open %s: %s", upsFile, cantOpen(upsFile, err))
	}
	list := UPSFromConf(upsc)
	if len(list) == 0 {
		logf("Warning: no UPS definitions in ups.conf")
		if !cfg.AllowNoDevice {
			return fatal("Fatal error: at least one UPS must be defined in ups.conf")
		}
	}
	s.SetUPS(list)
	s.Start()

	d, _, derr := protocol.LoadDescriptions(cfg.DataPath)
	if derr != nil {
		logf("%s", derr)
	}
	s.Descriptions = d

	// LoadUsersConf checks the mode: upsd's "<file> is world readable".
	usersFile := filepath.Join(confPath, conf.UsersConfName)
	usersc, err := loadConf(usersFile, conf.LoadUsersConf, logf)
	if err != nil {
		return fatal("%s", cantOpen(usersFile, err))
	}
	s.SetUsers(UsersFromConf(usersc))
	if cfg.CertFile != "" {
		tc, err := loadCert(cfg.CertFile, cfg.DisableWeakSSL)
		if err != nil {
			logf("Failed to load certificate file %s: %v", cfg.CertFile, err)
		} else {
			s.TLSConfig = tc
		}
	}

	writePID := nF != 1 && nD == 0 || nF >= 2
	if writePID {
		if err := os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
			logf("Can't write PID file %s: %v", pidFile, err)
		} else {
			defer os.Remove(pidFile)
		}
	} else {
		logf("Running as foreground process, not saving a PID file")
	}

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT)
	signal.Ignore(syscall.SIGPIPE)
	defer signal.Stop(sigs)
	errc := make(chan error, len(lns))
	var wg sync.WaitGroup
	for _, l := range lns {
		wg.Add(1)
		go func(l net.Listener) {
			defer wg.Done()
			if err := s.Serve(l); err != nil {
				errc <- err
			}
		}(l)
	}
	defer func() {
		s.Close()
		wg.Wait()
	}()
	for {
		select {
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				reload(s, confPath, logf)
				continue
			}
			logf("Signal %d: exiting", sig.(syscall.Signal))
			return 0
		case err := <-errc:
			return fatal("%v", err)
		}
	}
}

// reload re-reads ups.conf, upsd.conf (not LISTEN) and upsd.users, as on
// SIGHUP (daemons.md §5).
func reload(s *Server, confPath string, logf func(string, ...any)) {
	logf("SIGHUP: reloading configuration")
	upsdFile := filepath.Join(confPath, conf.UpsdConfName)
	if _, err := loadConf(upsdFile, conf.LoadUpsdConf, logf); err != nil {
		logf("Reload failed: %s", cantOpen(upsdFile, err))
		return
	}
	// MAXAGE and TRACKINGDELAY keep their start-up values (the Server's
	// limits are fixed once it serves).
	upsFile := filepath.Join(confPath, conf.UPSConfName)
	if c, err := loadConf(upsFile, conf.LoadUPSConf, logf); err == nil {
		s.SetUPS(UPSFromConf(c))
	} else {
		logf("%s", cantOpen(upsFile, err))
	}
	usersFile := filepath.Join(confPath, conf.UsersConfName)
	if c, err := loadConf(usersFile, conf.LoadUsersConf, logf); err == nil {
		s.SetUsers(UsersFromConf(c))
	} else {
		logf("%s", cantOpen(usersFile, err))
	}
}

// checkReadable is upsd's check on the state path, which holds the driver
// sockets.
func checkReadable(path string, logf func(string, ...any)) {
	fi, err := os.Stat(path)
	if err == nil && fi.Mode().Perm()&0o004 != 0 {
		logf("%s is world readable", path)
	}
}

func readPID(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || n <= 0 {
		return 0, errors.New("bad PID file " + path)
	}
	return n, nil
}

func loadCert(path string, noWeak bool) (*tls.Config, error) {
	// NUT's OpenSSL build reads CERTFILE as one PEM holding the
	// certificate (chain) and the private key.
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cert, err := tls.X509KeyPair(pem, pem)
	if err != nil {
		return nil, err
	}
	c := &tls.Config{Certificates: []tls.Certificate{cert}}
	if noWeak {
		c.MinVersion = tls.VersionTLS12
	}
	return c, nil
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: upsd [OPTIONS]

  -c <command>	send <command> via signal to background process
		commands:
		 - reload: reread configuration files
		 - stop: stop process and exit
  -P <pid>	send the signal above to specified PID (bypassing PID file)
  -D		raise debugging level (and stay foreground by default)
  -F		stay foregrounded even if no debugging is enabled
  -FF		stay foregrounded and still save the PID file
  -B		stay backgrounded even if debugging is bumped
  -q		raise log level threshold
  -h		display this help
  -r <dir>	chroots to <dir>
  -u <user>	switch to <user> (if started as root)
  -V		display the version of this software
  -4		IPv4 only
  -6		IPv6 only
`)
}
