package upssched

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/syslog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/stack/parseconf"
)

// Environment variables between an upssched client and the timer daemon it
// starts (the daemon is this program run again, since Go cannot fork).
const (
	envDaemon    = "UPSLAB_UPSSCHED_DAEMON"
	envPipeFn    = "UPSLAB_UPSSCHED_PIPEFN"
	envLockFn    = "UPSLAB_UPSSCHED_LOCKFN"
	envCmdScript = "UPSLAB_UPSSCHED_CMDSCRIPT"
	envDebug     = "UPSLAB_UPSSCHED_DEBUG"
	// Testing knobs: how often a client retries (NUT: 30) and how long an
	// idle daemon lingers (NUT: ~15 s), so tests of failures stay short.
	envTries  = "UPSLAB_UPSSCHED_TRIES"
	envLinger = "UPSLAB_UPSSCHED_LINGER"
)

// maxTries and retryDelay are NUT's MAX_TRIES and its 250 ms usleep.
var (
	maxTries   = 30
	retryDelay = 250 * time.Millisecond
)

type logger struct {
	stderr io.Writer
	sys    *syslog.Writer
	debug  int
}

func newLogger(stderr io.Writer, debug int) *logger {
	l := &logger{stderr: stderr, debug: debug}
	if w, err := syslog.New(syslog.LOG_DAEMON|syslog.LOG_INFO, "upssched"); err == nil {
		l.sys = w
	}
	return l
}

func (l *logger) logf(f string, a ...any) {
	msg := fmt.Sprintf(f, a...)
	if l.stderr != nil {
		fmt.Fprintln(l.stderr, msg)
	}
	if l.sys != nil {
		_ = l.sys.Info(msg)
	}
}

func (l *logger) debugf(n int, f string, a ...any) {
	if l.debug >= n {
		l.logf(f, a...)
	}
}

func (l *logger) close() {
	if l.sys != nil {
		l.sys.Close()
	}
}

// strerror words an error as C's strerror does ("No such file or
// directory"), for NUT's message shapes.
func strerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return strerror(pe.Err)
	}
	return err.Error()
}

// ConfPath returns the directory of NUT's configuration files.
func ConfPath() string {
	if p := os.Getenv("NUT_CONFPATH"); p != "" {
		return p
	}
	return "/etc/nut"
}

// Main is the upssched program: run by upsmon as NOTIFYCMD with UPSNAME and
// NOTIFYTYPE set, it acts on the matching AT lines of upssched.conf. With
// -l (NUT 2.8.5) it lists the running timers.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if n, err := strconv.Atoi(os.Getenv(envTries)); err == nil && n > 0 {
		maxTries = n
	}
	if os.Getenv(envDaemon) == "1" {
		return daemonMain(stderr)
	}
	fl := flag.NewFlagSet("upssched", flag.ContinueOnError)
	fl.SetOutput(stderr)
	list := fl.Bool("l", false, "list the running timers")
	var debug int
	fl.Func("D", "raise the debug level", func(string) error { debug++; return nil })
	fl.Lookup("D").DefValue = ""
	fl.Usage = func() {
		fmt.Fprintln(stderr, "upssched: timer helper for scheduling events from upsmon")
		fmt.Fprintln(stderr, "Usage: upssched [-D] [-l]   (normally run by upsmon as NOTIFYCMD)")
		fl.PrintDefaults()
	}
	// -D takes no value; rewrite "-D" to "-D=" for flag.Func.
	var rewritten []string
	for _, a := range args {
		if strings.TrimLeft(a, "D-") == "" && strings.HasPrefix(a, "-D") {
			for range strings.Count(a, "D") {
				rewritten = append(rewritten, "-D=")
			}
			continue
		}
		rewritten = append(rewritten, a)
	}
	if err := fl.Parse(rewritten); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 1
	}
	log := newLogger(stderr, debug)
	defer log.close()

	upsname, ok1 := os.LookupEnv("UPSNAME")
	ntype, ok2 := os.LookupEnv("NOTIFYTYPE")
	if !*list && (!ok1 || !ok2) {
		fmt.Fprintln(stdout, "Error: UPSNAME and NOTIFYTYPE must be set.")
		fmt.Fprintln(stdout, "This program should only be run from upsmon.")
		return 1
	}
	fn := filepath.Join(ConfPath(), "upssched.conf")
	data, err := os.ReadFile(fn)
	if err != nil {
		log.logf("Can't open %s: %s", fn, strerror(err))
		return 1
	}
	cfg, warns := Parse(fn, data)
	for _, w := range warns {
		log.logf("%s", w)
	}
	if debug < cfg.DebugMin {
		log.debug = cfg.DebugMin
	}
	if *list {
		return listTimers(cfg, stdout, log)
	}
	env := Env{UPSName: upsname, NotifyType: ntype, NotifyMsg: os.Getenv("NOTIFYMSG")}
	if env.NotifyMsg == "" && fl.NArg() > 0 {
		env.NotifyMsg = fl.Arg(0) // upsmon passes the message as the one argument
	}
	steps, logs, ferr := cfg.Match(upsname, ntype)
	for _, l := range logs {
		log.logf("%s", l)
	}
	for _, s := range steps {
		log.debugf(1, "parse_at: processing %s\t[%s]\t[%s]\t[%s]\t[%s]", s.At.Action, s.Name, s.Arg, ntype, upsname)
		if s.Kind == "EXECUTE" {
			log.debugf(1, "Executing command: %s", s.Name)
			c := exec.Command("/bin/sh", "-c", s.At.CmdScript+" "+s.Name)
			c.Stdout, c.Stderr = stdout, stderr
			if err := c.Run(); err != nil {
				log.logf("exec_cmd(%s %s) returned %v", s.At.CmdScript, s.Name, err)
			}
			continue
		}
		if code := sendCmd(s, env, log); code != 0 {
			return code
		}
	}
	if ferr != nil {
		fmt.Fprintln(stdout, ferr.Error())
		log.logf("%s", ferr.Error())
		return 1
	}
	return 0
}

// requestLine builds the line sent to the daemon (2.8.5 layout).
func requestLine(kind, name, arg string, env Env) string {
	q := parseconf.Quote
	return fmt.Sprintf("%s %s %s %s %s %s\n", kind, q(name), q(arg), q(env.NotifyType), q(env.UPSName), q(env.NotifyMsg))
}

type parentState int

const (
	parentConnected parentState = iota
	parentStarted
	parentUnnecessary
)

// sendCmd is NUT's sendcmd: talk to the daemon, starting it if needed.
func sendCmd(s Step, env Env, log *logger) int {
	req := requestLine(s.Kind, s.Name, s.Arg, env)
	for range maxTries {
		conn, st, code := checkParent(s, log)
		if code != 0 {
			return code
		}
		switch st {
		case parentUnnecessary:
			return 0
		case parentStarted:
			clock.Real().Sleep(retryDelay)
			continue
		}
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(conn, req); err != nil {
			log.logf("write failed, trying again")
			conn.Close()
			continue
		}
		line, err := bufio.NewReader(conn).ReadString('\n')
		conn.Close()
		if err != nil && line == "" {
			log.logf("read confirmation failed, trying again")
			continue
		}
		if strings.HasPrefix(line, "OK") {
			return 0
		}
		log.logf("read confirmation got [%s]", strings.TrimRight(line, "\n"))
	}
	log.logf("Unable to connect to daemon and unable to start daemon")
	return 1
}

// checkParent is NUT's check_parent: connect, or take LOCKFN and start the
// daemon. Two clients racing: the loser removes the lock (in case its owner
// crashed), waits 250 ms and tries again; after 30 tries it gives up.
func checkParent(s Step, log *logger) (net.Conn, parentState, int) {
	var lastErr error
	for range maxTries {
		c, err := net.Dial("unix", s.At.PipeFn)
		if err == nil {
			return c, parentConnected, 0
		}
		if (s.Kind == "CANCEL" || s.Kind == "CANCEL-MATCHED") && !s.HasArg {
			return nil, parentUnnecessary, 0
		}
		lock, err := os.OpenFile(s.At.LockFn, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0)
		if err == nil {
			startDaemon(s.At, lock, log)
			return nil, parentStarted, 0
		}
		lastErr = err
		_ = os.Remove(s.At.LockFn)
		clock.Real().Sleep(retryDelay)
	}
	log.logf("Failed to connect to parent and failed to create parent: %s", strerror(lastErr))
	return nil, 0, 1
}

// startDaemon runs this program again as the timer daemon and waits until
// it listens on PIPEFN (or died trying), like NUT's fork + serialize pipe.
func startDaemon(at At, lock *os.File, log *logger) {
	defer lock.Close()
	exe, err := os.Executable()
	if err != nil {
		log.logf("Unable to enter background: %v", err)
		return
	}
	r, w, err := os.Pipe()
	if err != nil {
		log.logf("serialize: pipe: %v", err)
		return
	}
	defer r.Close()
	c := &exec.Cmd{Path: exe, Args: []string{"upssched"}}
	c.Env = append(os.Environ(), envDaemon+"=1", envPipeFn+"="+at.PipeFn, envLockFn+"="+at.LockFn,
		envCmdScript+"="+at.CmdScript, fmt.Sprintf("%s=%d", envDebug, log.debug))
	c.ExtraFiles = []*os.File{w}
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := c.Start(); err != nil {
		w.Close()
		log.logf("Unable to enter background: %v", err)
		return
	}
	w.Close()
	var b [1]byte
	_, _ = r.Read(b[:]) // a byte when listening; EOF if it died
	_ = c.Process.Release()
}

// daemonMain is the timer daemon process.
func daemonMain(stderr io.Writer) int {
	var debug int
	fmt.Sscan(os.Getenv(envDebug), &debug)
	pipefn, lockfn := os.Getenv(envPipeFn), os.Getenv(envLockFn)
	cmdscript := os.Getenv(envCmdScript)
	// The daemon keeps none of the environment of the event that started
	// it (2.8.3+; 2.8.0 leaked it into every timer script, see #3097).
	for _, v := range []string{"UPSNAME", "NOTIFYTYPE", "NOTIFYMSG", envDaemon, envPipeFn, envLockFn, envCmdScript, envDebug} {
		os.Unsetenv(v)
	}
	log := newLogger(nil, debug)
	defer log.close()
	ready := os.NewFile(3, "serialize")

	_ = os.Remove(pipefn)
	old := syscall.Umask(0o007)
	ln, err := net.Listen("unix", pipefn)
	syscall.Umask(old)
	if err != nil {
		log.logf("bind %s failed: %s", pipefn, strerror(err))
		return 1
	}
	if err := os.Chmod(pipefn, 0o660); err != nil {
		log.logf("chmod(%s, 0660) failed: %s", pipefn, strerror(err))
		return 1
	}
	log.debugf(1, "Timer daemon started")
	if ready != nil {
		_, _ = ready.Write([]byte{1})
		ready.Close()
	}
	_ = os.Remove(lockfn)

	d := NewDaemon(clock.Real(), cmdscript)
	if l, err := time.ParseDuration(os.Getenv(envLinger)); err == nil {
		d.Sched.Linger = l
	}
	d.Logf = func(f string, a ...any) { log.debugf(1, f, a...) }
	if err := d.Serve(ln); err != nil {
		log.logf("%v", err)
		return 1
	}
	return 0
}

// listTimers is `upssched -l` (2.8.5).
func listTimers(cfg *Config, stdout io.Writer, log *logger) int {
	if cfg.PipeFn == "" {
		log.logf("upssched.conf: invalid configuration for timer listing: lacks PIPEFN")
		return 1
	}
	c, err := net.Dial("unix", cfg.PipeFn)
	if err != nil {
		log.logf("upssched timer is not running")
		return 1
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, "LIST-TIMERS\n"); err != nil {
		log.logf("write failed, daemon must have ended")
		return 1
	}
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadString('\n')
		switch {
		case line == "BEGIN LIST TIMERS\n", line == "END LIST TIMERS\n":
		case strings.HasPrefix(line, "OK"):
			return 0
		case line != "":
			fmt.Fprint(stdout, line)
		}
		if err != nil {
			log.logf("read confirmation failed")
			return 1
		}
	}
}
