package upslabcli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/simulator"
	"github.com/upslab/upslab/simulator/control"
	"github.com/upslab/upslab/simulator/script"
)

func init() {
	Register(Command{
		Name:    "sim",
		Summary: "run a simulated Eaton Ellipse ECO and print its state changes",
		Run:     runSim,
	})
}

// SimFrontEnd is a way for hosts to reach the device that upslab sim runs:
// a USB/IP server, SHUT on a pseudo-terminal (--serial), and so on. Each
// registers itself from an init function in its own file of this package,
// so that sim.go does not change when one is added:
//
//	func init() {
//		RegisterSimFrontEnd(SimFrontEnd{Name: "shut", Flags: func(fs *flag.FlagSet) func(*SimEnv) (func(), error) {
//			link := fs.String("serial", "", "serve SHUT on this pseudo-terminal `link`")
//			pad := fs.Bool("pad-descriptor", false, "zero-pad the report descriptor (NUT 2.8.0 mge-shut)")
//			return func(env *SimEnv) (func(), error) {
//				if *link == "" {
//					return nil, nil // not asked for
//				}
//				srv, err := startShut(env.Context, env.Device, *link, *pad)
//				return srv.Close, err
//			}
//		}})
//	}
//
// Front-ends start after the device, the script and the control socket,
// and are stopped (in reverse order) before sim exits.
type SimFrontEnd struct {
	// Name identifies the front-end in error messages.
	Name string
	// Flags adds the front-end's flags to fs. It returns the function
	// that starts the front-end once the flags are parsed; that function
	// returns a nil stop and a nil error when the front-end's flags were
	// not given.
	Flags func(fs *flag.FlagSet) (start func(env *SimEnv) (stop func(), err error))
}

// SimEnv is what a front-end gets to work with.
type SimEnv struct {
	Context context.Context // ends when sim stops
	Device  *simulator.Device
	Clock   clock.Clock // the device's clock (virtual, paced in real time)
	Stdout  io.Writer   // shared with the state lines; use Logf to write
	Stderr  io.Writer
	// Logf prints one timestamped line on stdout, between state lines.
	Logf func(format string, args ...any)
}

var (
	frontMu      sync.Mutex
	simFrontEnds []SimFrontEnd
)

// RegisterSimFrontEnd adds a front-end to upslab sim.
func RegisterSimFrontEnd(f SimFrontEnd) {
	frontMu.Lock()
	defer frontMu.Unlock()
	simFrontEnds = append(simFrontEnds, f)
}

const simUsage = `usage: upslab sim [flags]

Runs a simulated UPS (by default an Eaton Ellipse ECO 650) on a virtual
clock paced in real time, or --speed times faster, and prints one
timestamped line per state change, and "> command" for each script or
control command applied.

flags:
`

// printer serializes the output lines.
type printer struct {
	mu sync.Mutex
	w  io.Writer
}

func (p *printer) line(t time.Time, format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "%s %s\n", t.UTC().Format(time.RFC3339), fmt.Sprintf(format, args...))
}

// echoTarget prints each command before the device applies it, so the
// command's line comes before the state change it causes.
type echoTarget struct {
	d *simulator.Device
	p *printer
}

func (e echoTarget) Apply(c script.Command) error {
	if c.Op != script.OpExpect {
		e.p.line(e.d.Clock().Now(), "> %s", c)
	}
	err := e.d.Apply(c)
	if err != nil {
		e.p.line(e.d.Clock().Now(), "! %s: %v", c, err)
	}
	return err
}

func (e echoTarget) Check(c script.Command) error { return e.d.Check(c) }

func runSim(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("upslab sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	model := fs.String("model", "ellipse-eco-650", "built-in profile: "+strings.Join(simulator.Builtins(), ", "))
	profile := fs.String("profile", "", "profile `file` (key = value lines; see docs/scripts.md), instead of --model")
	scriptFile := fs.String("script", "", "script `file` of power events to run from the start")
	ctlPath := fs.String("control", "", "Unix `socket` accepting script commands, one per line (see upslab ctl)")
	speedStr := fs.String("speed", "1", "how many times faster than real time; \"max\" runs --for at once")
	seed := fs.Int64("seed", 1, "seed for jitter; the same seed gives the same timeline")
	forDur := fs.Duration("for", 0, "stop after this much simulated time (0: run until interrupted)")
	startStr := fs.String("start", "", "simulated start time, RFC 3339 (default: now)")
	frontMu.Lock()
	fronts := append([]SimFrontEnd(nil), simFrontEnds...)
	frontMu.Unlock()
	starts := make([]func(*SimEnv) (func(), error), len(fronts))
	for i, f := range fronts {
		starts[i] = f.Flags(fs)
	}
	fs.Usage = func() {
		fmt.Fprint(stderr, simUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "upslab sim: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "upslab sim: "+format+"\n", args...)
		return 1
	}

	maxSpeed := *speedStr == "max"
	speed := 0.0
	if !maxSpeed {
		var err error
		speed, err = strconv.ParseFloat(*speedStr, 64)
		if err != nil || speed <= 0 || speed > 1e6 {
			fmt.Fprintf(stderr, "upslab sim: --speed %q: want a number in (0, 1e6] or max\n", *speedStr)
			return 2
		}
	} else if *forDur <= 0 || *ctlPath != "" {
		fmt.Fprintln(stderr, "upslab sim: --speed max needs --for and no --control")
		return 2
	}

	var prof *simulator.Profile
	if *profile != "" {
		b, err := os.ReadFile(*profile)
		if err != nil {
			return fail("%v", err)
		}
		if prof, err = simulator.ParseProfile(*profile, b); err != nil {
			return fail("%v", err)
		}
	} else {
		var ok bool
		if prof, ok = simulator.Builtin(*model); !ok {
			return fail("unknown model %q, expected one of %s", *model, strings.Join(simulator.Builtins(), ", "))
		}
	}
	var sc *script.Script
	if *scriptFile != "" {
		b, err := os.ReadFile(*scriptFile)
		if err != nil {
			return fail("%v", err)
		}
		if sc, err = script.Parse(*scriptFile, b); err != nil {
			return fail("%v", err)
		}
	}
	start := clock.Real().Now().UTC().Truncate(time.Second)
	if *startStr != "" {
		t, err := time.Parse(time.RFC3339, *startStr)
		if err != nil {
			fmt.Fprintf(stderr, "upslab sim: --start: %v\n", err)
			return 2
		}
		start = t
	}

	v := clock.NewVirtual(start)
	d := simulator.New(v, prof, *seed)
	defer d.Stop()
	out := &printer{w: stdout}
	target := echoTarget{d: d, p: out}
	d.Watch(func(s simulator.State) { out.line(s.Time, "%s", s.Line()) })

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()

	if sc != nil {
		r := &script.Runner{
			Clock: v, Target: target, Seed: uint64(*seed),
			// Expectations are checked against the device itself.
			OnExpect: func(e script.Event) {
				if err := simulator.Expect(d.State(), e.Cmd.Args); err != nil {
					out.line(v.Now(), "! %s: %v", e.Cmd, err)
					return
				}
				out.line(v.Now(), "# %s: ok", e.Cmd)
			},
		}
		if _, err := r.Start(sc); err != nil {
			return fail("%v", err)
		}
	}

	if *ctlPath != "" {
		l, err := listenUnix(*ctlPath)
		if err != nil {
			return fail("%v", err)
		}
		defer os.Remove(*ctlPath)
		defer l.Close()
		opts := &control.Options{
			Log:    func(m string) { out.line(v.Now(), "! %s", m) },
			Target: target,
		}
		go control.Serve(l, d, opts)
	}

	env := &SimEnv{Context: ctx, Device: d, Clock: v, Stdout: stdout, Stderr: stderr,
		Logf: func(format string, args ...any) { out.line(v.Now(), format, args...) }}
	for i, st := range starts {
		if st == nil {
			continue
		}
		stop, err := st(env)
		if err != nil {
			return fail("%s: %v", fronts[i].Name, err)
		}
		if stop != nil {
			defer stop()
		}
	}

	if maxSpeed {
		v.RunUntil(start.Add(*forDur))
		return 0
	}
	if *forDur > 0 {
		v.AfterFunc(*forDur, cancel)
	}
	simulator.Pace(ctx, v, clock.Real(), speed, 10*time.Millisecond)
	return 0
}

// listenUnix listens on path, first removing a stale socket that nobody
// answers on (left by a killed sim).
func listenUnix(path string) (net.Listener, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
		if c, err := net.Dial("unix", path); err == nil {
			c.Close()
			return nil, fmt.Errorf("%s: another simulator is listening there", path)
		}
		os.Remove(path)
	}
	return net.Listen("unix", path)
}
