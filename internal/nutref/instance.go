package nutref

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// markerVar is set in the environment of every process an instance starts,
// so that stray processes (a driver backgrounded by upsdrvctl, upssched's
// timer daemon) can be found by PID and stopped when the test ends.
const markerVar = "UPSLAB_NUTREF_INSTANCE"

// RunTimeout bounds [Instance.Run], so that a client waiting on a dead server
// fails the test instead of hanging it.
const RunTimeout = 30 * time.Second

// Instance is one private NUT installation for one test.
type Instance struct {
	// Kit is the kit the programs come from.
	Kit *Kit
	// Dir is the instance's private directory; ConfPath and StatePath are
	// inside it. It is short (under the system temporary directory, not the
	// test's) because driver sockets live in StatePath and Unix socket paths
	// are limited to about 100 bytes.
	Dir string
	// ConfPath is NUT_CONFPATH: ups.conf, upsd.conf, upsd.users, upsmon.conf,
	// .dev files for dummy-ups and so on. Write them with WriteFile.
	ConfPath string
	// StatePath is NUT_STATEPATH (and NUT_ALTPIDPATH): driver sockets and PID
	// files. Mode 0700, as NUT expects.
	StatePath string
	// Port is a free loopback TCP port for upsd (see Listen, Addr, Target).
	// It was free when the instance was made; another process could in
	// theory take it before upsd binds it.
	Port int

	mu    sync.Mutex
	nproc int
}

// NewInstance makes a fresh instance whose directory is removed, and whose
// processes are stopped, when the test ends.
func (k *Kit) NewInstance(t testing.TB) *Instance {
	t.Helper()
	reapOrphans()
	base := os.TempDir()
	if len(base) > 40 { // testscript and friends set long TMPDIRs
		base = "/tmp"
	}
	dir, err := os.MkdirTemp(base, "nutref")
	if err != nil {
		t.Fatalf("nutref: %v", err)
	}
	// Cleanups run last-registered first: the directory goes after every
	// process (each Start registers its own stop later) is gone.
	t.Cleanup(func() { os.RemoveAll(dir) })
	t.Cleanup(func() { reapMarked(dir) })
	inst := &Instance{
		Kit:       k,
		Dir:       dir,
		ConfPath:  filepath.Join(dir, "etc"),
		StatePath: filepath.Join(dir, "state"),
	}
	for _, d := range []string{inst.ConfPath, inst.StatePath, filepath.Join(dir, "log")} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatalf("nutref: %v", err)
		}
	}
	inst.Port = freePort(t)
	return inst
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("nutref: no free loopback port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// WriteFile writes a file into ConfPath with mode 0600 (upsd.users and
// upsmon.conf hold passwords). The name may contain subdirectories.
func (inst *Instance) WriteFile(name, content string) {
	p := filepath.Join(inst.ConfPath, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		panic(fmt.Sprintf("nutref: %v", err))
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		panic(fmt.Sprintf("nutref: %v", err))
	}
	// os.WriteFile keeps the mode of an existing file; make it 0600 anyway.
	if err := os.Chmod(p, 0o600); err != nil {
		panic(fmt.Sprintf("nutref: %v", err))
	}
}

// Path returns the path of a file in ConfPath.
func (inst *Instance) Path(name string) string { return filepath.Join(inst.ConfPath, name) }

// Addr is upsd's address, "127.0.0.1:<Port>".
func (inst *Instance) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(inst.Port)) }

// Target is how clients name a UPS on this instance's upsd:
// "<ups>@127.0.0.1:<Port>" (for upsc, upsrw, upscmd and upsmon's MONITOR).
func (inst *Instance) Target(ups string) string { return ups + "@" + inst.Addr() }

// Listen is an upsd.conf line that makes upsd listen on the instance's port.
func (inst *Instance) Listen() string { return fmt.Sprintf("LISTEN 127.0.0.1 %d\n", inst.Port) }

// DriverSocket is the path of the Unix socket a driver creates for a UPS
// section: NUT names it <driver>-<ups> in the state path.
func (inst *Instance) DriverSocket(driver, ups string) string {
	return filepath.Join(inst.StatePath, driver+"-"+ups)
}

// Env returns the variables the instance sets, to be added to a base
// environment (later entries win in os/exec):
//
//	cmd.Env = append(os.Environ(), inst.Env()...)
//
// NUT_CONFPATH, NUT_STATEPATH, NUT_ALTPIDPATH, LD_LIBRARY_PATH (the kit's
// libraries first), PYTHONPATH (python3-nut's PyNUT first) and a marker used
// to find stray processes at cleanup (with the test binary's PID, so that a
// later run can end them if this one dies without cleaning up). It does not return the whole
// environment, so it can be copied into a testscript environment without
// clobbering PATH or HOME.
func (inst *Instance) Env() []string {
	return []string{
		"NUT_CONFPATH=" + inst.ConfPath,
		"NUT_STATEPATH=" + inst.StatePath,
		"NUT_ALTPIDPATH=" + inst.StatePath,
		"LD_LIBRARY_PATH=" + prependList(inst.Kit.LibraryPath(), os.Getenv("LD_LIBRARY_PATH")),
		"PYTHONPATH=" + prependList(inst.Kit.PythonPath(), os.Getenv("PYTHONPATH")),
		markerVar + "=" + inst.Dir,
		ownerVar + "=" + strconv.Itoa(os.Getpid()),
	}
}

func prependList(first, rest string) string {
	if rest == "" {
		return first
	}
	return first + string(os.PathListSeparator) + rest
}

// Command returns an unstarted command for a NUT program with the instance's
// environment, working directory Dir, and the same "-u root" rule as Start;
// for tests that need stdin, a custom environment or their own waiting.
// Unlike Start it adds no foreground flag and no cleanup.
func (inst *Instance) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, inst.Kit.Bin(name), withUser(name, args)...)
	cmd.Env = append(os.Environ(), inst.Env()...)
	cmd.Dir = inst.Dir
	return cmd
}

// Run runs a NUT program to completion (at most RunTimeout) and returns its
// combined output. A non-zero exit is returned as the error, with the output
// still returned. Typical uses: upsc, upsrw, upscmd, "upsd -c reload",
// "upsdrvctl start".
//
// Note that Debian's clients are built with NSS and print "Init SSL without
// certificate database" on stderr at every start (NUT 2.8.0 has no way to
// silence it); use Output to compare stdout alone.
func (inst *Instance) Run(t testing.TB, name string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := inst.run(name, args, &out, &out)
	return out.String(), err
}

// Output is Run with stdout and stderr kept apart, for byte-exact
// comparisons of a client's output.
func (inst *Instance) Output(t testing.TB, name string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var o, e bytes.Buffer
	err = inst.run(name, args, &o, &e)
	return o.String(), e.String(), err
}

func (inst *Instance) run(name string, args []string, stdout, stderr io.Writer) error {
	ctx, cancel := context.WithTimeout(context.Background(), RunTimeout)
	defer cancel()
	cmd := inst.Command(ctx, name, args...)
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	// A daemon the program started (upsdrvctl start) may keep the output
	// pipes open; do not wait for it.
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		return fmt.Errorf("%s %s: timed out after %v: %w", name, strings.Join(args, " "), RunTimeout, ctx.Err())
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}

// takesUser reports whether a program accepts "-u <user>" and would switch
// to the compiled-in "nut" user when started as root without it: upsd,
// upsmon, upsdrvctl and every driver (the programs in lib/nut).
func takesUser(name string) bool {
	switch name {
	case "upsd", "upsmon", "upsdrvctl":
		return true
	}
	return isDriver(name)
}

// isDriver reports whether name is a driver; drivers are the programs in
// lib/nut besides upsd and upsmon.
func isDriver(name string) bool {
	switch name {
	case "upsd", "upsmon", "upsdrvctl", "upssched", "upsc", "upsrw", "upscmd", "upslog", "nut-scanner", "upssched-cmd":
		return false
	}
	return !strings.HasSuffix(name, ".cgi")
}

// isDaemon reports whether a program backgrounds itself unless told not to.
func isDaemon(name string) bool { return name == "upsd" || name == "upsmon" || isDriver(name) }

// withUser adds "-u root" for programs that take it when the test runs as
// root: NUT would otherwise switch to the "nut" user, which a development
// machine or container usually does not have.
func withUser(name string, args []string) []string {
	if os.Geteuid() != 0 || !takesUser(name) {
		return args
	}
	for _, a := range args {
		if a == "-u" || strings.HasPrefix(a, "-u") && len(a) > 2 {
			return args
		}
	}
	return append([]string{"-u", "root"}, args...)
}

// withForeground adds -F for daemons unless the arguments already choose
// (-F, -FF, -D..., -B).
func withForeground(name string, args []string) []string {
	if !isDaemon(name) {
		return args
	}
	for _, a := range args {
		if len(a) >= 2 && a[0] == '-' && strings.Trim(a[1:], "DFB") == "" {
			return args
		}
	}
	return append([]string{"-F"}, args...)
}
