package upsmon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/syslog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/internal/privdrop"
)

// Version is what the banner says.
const Version = "2.8.0"

// ConfPath is NUT_CONFPATH, or Debian's /etc/nut.
func ConfPath() string {
	if p := os.Getenv("NUT_CONFPATH"); p != "" {
		return p
	}
	return "/etc/nut"
}

// PIDPath is NUT_ALTPIDPATH, else NUT_STATEPATH, else /run/nut.
func PIDPath() string {
	for _, v := range []string{"NUT_ALTPIDPATH", "NUT_STATEPATH"} {
		if p := os.Getenv(v); p != "" {
			return p
		}
	}
	return "/run/nut"
}

type logger struct {
	mu     sync.Mutex
	stderr io.Writer
	sys    *syslog.Writer
}

func (l *logger) log(lv Level, s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stderr != nil {
		fmt.Fprintln(l.stderr, s)
	}
	if l.sys != nil {
		switch lv {
		case LevelAlert:
			_ = l.sys.Alert(s)
		case LevelCrit:
			_ = l.sys.Crit(s)
		case LevelErr:
			_ = l.sys.Err(s)
		case LevelWarning:
			_ = l.sys.Warning(s)
		case LevelNotice:
			_ = l.sys.Notice(s)
		case LevelDebug:
			_ = l.sys.Debug(s)
		default:
			_ = l.sys.Info(s)
		}
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `upsmon - UPS monitor and shutdown controller

usage: upsmon [OPTIONS]

  -c <cmd>	send command to running process
		commands:
		 - fsd: shutdown all primary-mode UPSes (use with caution)
		 - reload: reread configuration
		 - stop: stop monitoring and exit
  -P <pid>	send the signal above to specified PID (bypassing PID file)
  -D		raise debugging level (and stay foreground by default)
  -F		stay foregrounded even if no debugging is enabled
  -B		stay backgrounded even if debugging is bumped
  -h		display this help
  -K		checks POWERDOWNFLAG, sets exit code to 0 if set
  -p		always run privileged (disable privileged parent)
  -u <user>	run child as user <user> (ignored when using -p)
  -4		IPv4 only
  -6		IPv6 only
`)
}

// Main is the upsmon program.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintf(stdout, "Network UPS Tools upsmon %s (upslab)\n", Version)
	var (
		cmd        string
		pidArg     = -1
		debug      int
		foreground = -1
		checkFlag  bool
		runAs      string
		confFile   = filepath.Join(ConfPath(), "upsmon.conf")
	)
	// getopt "+DFBhic:P:f:pu:VK46": clustered flags and attached values.
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if len(a) < 2 || a[0] != '-' {
			break
		}
		for j := 1; j < len(a); j++ {
			opt := a[j]
			val := func() (string, bool) {
				if j+1 < len(a) {
					v := a[j+1:]
					j = len(a)
					return v, true
				}
				if i+1 < len(args) {
					i++
					return args[i], true
				}
				return "", false
			}
			switch opt {
			case 'c', 'P', 'f', 'u':
				v, ok := val()
				if !ok {
					usage(stdout)
					return 1
				}
				switch opt {
				case 'c':
					switch {
					case v != "" && strings.HasPrefix("fsd", v):
						cmd = "fsd"
					case v != "" && strings.HasPrefix("stop", v):
						cmd = "stop"
					case v != "" && strings.HasPrefix("reload", v):
						cmd = "reload"
					default:
						usage(stdout)
						return 1
					}
				case 'P':
					n, err := strconv.Atoi(v)
					if err != nil || n < 0 {
						usage(stdout)
						return 1
					}
					pidArg = n
				case 'f':
					confFile = v
				case 'u':
					runAs = v
				}
			case 'D':
				debug++
			case 'F':
				foreground = 1
			case 'B':
				foreground = 0
			case 'h':
				usage(stdout)
				return 0
			case 'K':
				checkFlag = true
			case 'p', '4', '6', 'i':
			case 'V':
				return 0
			default:
				usage(stdout)
				return 1
			}
		}
	}
	log := &logger{stderr: stderr}
	if w, err := syslog.New(syslog.LOG_DAEMON|syslog.LOG_NOTICE, "upsmon"); err == nil {
		log.sys = w
		defer w.Close()
	}
	pidFile := filepath.Join(PIDPath(), "upsmon.pid")

	if cmd != "" {
		sig := map[string]syscall.Signal{"fsd": syscall.SIGUSR1, "stop": syscall.SIGTERM, "reload": syscall.SIGHUP}[cmd]
		if err := sendSignal(pidFile, pidArg, sig, log, stderr); err != nil {
			return 1
		}
		return 0
	}
	if err := sendSignal(pidFile, pidArg, 0, &logger{}, io.Discard); err == nil {
		fmt.Fprintln(stdout, "Fatal error: A previous upsmon instance is already running!")
		fmt.Fprintln(stdout, "Either stop the previous instance first, or use the 'reload' command.")
		return 1
	}

	cfg, code := loadConfig(confFile, log)
	if cfg == nil {
		return code
	}
	if cfg.PowerDownFlag != "" {
		log.log(LevelInfo, "Using power down flag file "+cfg.PowerDownFlag)
	}
	if cfg.DebugMin > debug {
		debug = cfg.DebugMin
	}
	if foreground < 0 {
		foreground = 0
		if debug > 0 {
			foreground = 1
		}
	}
	if checkFlag {
		return checkPowerDownFlag(cfg.PowerDownFlag, log)
	}
	if cfg.ShutdownCmd == "" {
		fmt.Fprintln(stdout, "Warning: no shutdown command defined!")
	}
	if cfg.PowerDownFlag != "" {
		switch pdflagStatus(cfg.PowerDownFlag, log) {
		case -1:
			// "containthe": NUT 2.8.0's own typo, kept for grep.
			log.log(LevelErr, fmt.Sprintf("POWERDOWNFLAG (%s) does not containthe upsmon magic string - disabling!", cfg.PowerDownFlag))
			cfg.PowerDownFlag = ""
		case 1:
			os.Remove(cfg.PowerDownFlag)
		}
	}
	if err := cfg.Check(); err != nil {
		fmt.Fprintln(stdout, err.Error())
		return 1
	}
	if runAs == "" {
		runAs = cfg.RunAsUser
	}
	// The user is resolved as NUT does, but not switched to: NUT's upsmon
	// forks a root parent, kept for SHUTDOWNCMD, and drops privileges in
	// the child; Go cannot fork, so this upsmon stays the one root process
	// of NUT's "upsmon -p" (a child re-exec'd through privdrop would be
	// the faithful split).
	if _, _, err := privdrop.Plan(runAs, os.Geteuid()); err != nil {
		log.log(LevelErr, err.Error())
		return 1
	}
	if foreground == 0 {
		return background(args, stderr)
	}
	// One process does everything, as with -p: Go cannot fork a root
	// parent and an unprivileged child.
	if os.Geteuid() == 0 {
		log.log(LevelInfo, "Warning: running as one big root process by request (upsmon -p)")
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		log.log(LevelWarning, fmt.Sprintf("writepid: fopen %s: %s", pidFile, cap1(errnoText(err))))
	}
	defer os.Remove(pidFile)

	d := NewDaemon(New(cfg, clock.Real()), clock.Real())
	d.Debug = debug
	d.Log = log.log
	go func() {
		for s := range sigs {
			sig := s.(syscall.Signal)
			switch sig {
			case syscall.SIGUSR1:
				d.Send(Command{Kind: CmdFSD, Signal: int(sig)})
			case syscall.SIGHUP:
				if nc, _ := loadConfig(confFile, log); nc != nil {
					d.Send(Command{Kind: CmdReload, Config: nc})
				}
			default:
				d.Send(Command{Kind: CmdStop, Signal: int(sig)})
			}
		}
	}()
	rc := d.Run(context.Background())
	d.Wait()
	return rc
}

func errnoText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return err.Error()
}

func loadConfig(fn string, log *logger) (*Config, int) {
	data, err := os.ReadFile(fn)
	if err != nil {
		log.log(LevelErr, fmt.Sprintf("Can't open %s: %s", fn, cap1(errnoText(err))))
		return nil, 1
	}
	cfg, warns, err := Parse(filepath.Base(fn), data)
	for _, w := range warns {
		log.log(LevelWarning, w)
	}
	if err != nil {
		log.log(LevelErr, err.Error())
		return nil, 1
	}
	return cfg, 0
}

// sendSignal is NUT's sendsignal: read the PID file (or use -P), check the
// process, signal it.
func sendSignal(pidFile string, pid int, sig syscall.Signal, log *logger, stderr io.Writer) error {
	if pid < 0 {
		b, err := os.ReadFile(pidFile)
		if err != nil {
			log.log(LevelNotice, fmt.Sprintf("fopen %s: %s", pidFile, cap1(errnoText(err))))
			return err
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			log.log(LevelNotice, "Failed to read pid from "+pidFile)
			return err
		}
	}
	if pid < 2 {
		log.log(LevelNotice, fmt.Sprintf("Ignoring invalid pid number %d", pid))
		return errors.New("invalid pid")
	}
	if err := syscall.Kill(pid, 0); err != nil {
		fmt.Fprintf(stderr, "kill: %s\n", cap1(err.Error()))
		return err
	}
	if sig != 0 {
		if err := syscall.Kill(pid, sig); err != nil {
			fmt.Fprintf(stderr, "kill: %s\n", cap1(err.Error()))
			return err
		}
	}
	return nil
}

// pdflagStatus: 0 not there (or not configured), 1 ours, -1 something else.
func pdflagStatus(fn string, log *logger) int {
	if fn == "" {
		return 0
	}
	b, err := os.ReadFile(fn)
	if errors.Is(err, fs.ErrNotExist) {
		return 0
	}
	if err != nil {
		log.log(LevelErr, fmt.Sprintf("'%s' exists, but we can't read from it: %s", fn, cap1(errnoText(err))))
		return -1
	}
	if strings.HasPrefix(string(b), PowerDownMagic) {
		return 1
	}
	return -1
}

// checkPowerDownFlag is `upsmon -K`.
func checkPowerDownFlag(fn string, log *logger) int {
	switch pdflagStatus(fn, log) {
	case -1:
		log.log(LevelErr, fmt.Sprintf("POWERDOWNFLAG (%s) does not contain the upsmon magic string", fn))
		return 1
	case 0:
		log.log(LevelErr, "Power down flag is not set")
		return 1
	}
	log.log(LevelInfo, "Power down flag is set")
	return 0
}

// background runs this program again in the foreground, detached, like
// NUT's fork into the background.
func background(args []string, stderr io.Writer) int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "Unable to enter background: %v\n", err)
		return 1
	}
	c := &exec.Cmd{Path: exe, Args: append(append([]string{"upsmon"}, args...), "-F")}
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := c.Start(); err != nil {
		fmt.Fprintf(stderr, "Unable to enter background: %v\n", err)
		return 1
	}
	_ = c.Process.Release()
	return 0
}
