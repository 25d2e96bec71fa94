package upsmon

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/stack/client"
	"github.com/upslab/upslab/stack/protocol"
)

// Conn is what upsmon needs from a connection to upsd; *client.Client has
// it. The lab can hand in its own.
type Conn interface {
	Username(string) error
	Password(string) error
	Login(ups string) error
	Primary(ups string) error
	FSD(ups string) error
	GetVar(ups, name string) (string, error)
	GetNumLogins(ups string) (int, error)
	Logout() error
	Close() error
}

// deadliner is the optional ability to bound a request in time.
type deadliner interface{ SetDeadline(time.Time) error }

// netTimeout is libupsclient's read timeout for upsmon's requests.
const netTimeout = 5 * time.Second

// Daemon is the thin shell around a Machine: it answers the machine's
// requests over real connections and carries out its actions.
type Daemon struct {
	Machine *Machine
	Clock   clock.Clock
	// Dial opens a connection to upsd at addr; default client.Dial.
	Dial func(ctx context.Context, addr string) (Conn, error)
	// Shell runs a command line with extra environment and waits; default
	// /bin/sh -c. Used for NOTIFYCMD (in its own goroutine, as NUT forks
	// per notification), SHUTDOWNCMD and wall.
	Shell func(cmdline string, env []string) error
	// Log receives every log line (debug ones already filtered).
	Log func(Level, string)
	// Debug is the -D count.
	Debug int

	conns map[string]Conn
	cmds  chan Command
	bg    sync.WaitGroup
}

// NewDaemon returns a Daemon for m with the real defaults.
func NewDaemon(m *Machine, clk clock.Clock) *Daemon {
	return &Daemon{Machine: m, Clock: clock.Or(clk), conns: map[string]Conn{}, cmds: make(chan Command, 8)}
}

// Send delivers an operator command (a signal); it is acted upon when the
// machine next waits, as NUT acts on its signal flags.
func (d *Daemon) Send(c Command) { d.cmds <- c }

// Wait waits for notification commands still running.
func (d *Daemon) Wait() { d.bg.Wait() }

func (d *Daemon) log(l Level, s string) {
	if d.Log != nil {
		d.Log(l, s)
	}
}

func (d *Daemon) shell(cmdline string, env []string) error {
	if d.Shell != nil {
		return d.Shell(cmdline, env)
	}
	c := exec.Command("/bin/sh", "-c", cmdline)
	c.Env = append(os.Environ(), env...)
	return c.Run()
}

// Run drives the machine until it exits, and returns the exit code.
func (d *Daemon) Run(ctx context.Context) int {
	acts := d.Machine.Start()
	for {
		var next []Action
		for _, a := range acts {
			if ex, ok := a.(Exit); ok {
				d.closeAll(false)
				return ex.Code
			}
			if in, more := d.do(ctx, a); in != nil {
				next = d.Machine.Step(in)
			} else if more != nil {
				next = more
			}
		}
		if next == nil {
			// A machine that asks for nothing has nothing left to do.
			return 1
		}
		acts = next
	}
}

func (d *Daemon) closeAll(logout bool) {
	for k, c := range d.conns {
		if logout {
			_ = c.Logout()
		}
		c.Close()
		delete(d.conns, k)
	}
}

// do carries out one action; a request returns the input that answers it,
// or (for a sleep cut short by a command) the machine's next actions.
func (d *Daemon) do(ctx context.Context, a Action) (Input, []Action) {
	switch a := a.(type) {
	case Log:
		if a.Level != LevelDebug || a.Debug <= d.Debug {
			d.log(a.Level, a.Text)
		}
	case Notify:
		if a.Flags&FlagSyslog != 0 {
			d.log(LevelNotice, a.Message)
		}
		wall := a.Flags&FlagWall != 0
		exe := a.Flags&FlagExec != 0 && d.Machine.Config().NotifyCmd != ""
		if wall || exe {
			cmd := d.Machine.Config().NotifyCmd
			d.bg.Add(1)
			go func() {
				defer d.bg.Done()
				if wall {
					d.wall(a.Message)
				}
				if exe {
					// NUT: system("<NOTIFYCMD> \"<message>\"") — the message
					// is quoted, not escaped.
					env := []string{"UPSNAME=" + a.UPS, "NOTIFYTYPE=" + a.Type}
					if err := d.shell(cmd+` "`+a.Message+`"`, env); err != nil {
						var ee *exec.ExitError
						if !errors.As(err, &ee) {
							d.log(LevelErr, "notify: "+err.Error())
						}
					}
				}
			}()
		}
	case Wall:
		d.wall(a.Text)
	case Connect:
		return d.connect(ctx, a.Monitor), nil
	case Poll:
		c := d.conns[a.Monitor.System]
		if c == nil {
			return Polled{UPS: a.Monitor.System, Err: IOFailure("Driver not connected")}, nil
		}
		d.deadline(c)
		v, err := c.GetVar(a.Monitor.UPS, "ups.status")
		f := failure(err)
		if f != nil && f.Closed {
			c.Close()
			delete(d.conns, a.Monitor.System)
		}
		return Polled{UPS: a.Monitor.System, Status: v, Err: f}, nil
	case Disconnect:
		if c := d.conns[a.UPS]; c != nil {
			d.deadline(c)
			_ = c.Logout()
			c.Close()
			delete(d.conns, a.UPS)
		}
	case SetFSD:
		c := d.conns[a.Monitor.System]
		if c == nil {
			return FSDSet{UPS: a.Monitor.System, Err: IOFailure("Driver not connected")}, nil
		}
		d.deadline(c)
		return FSDSet{UPS: a.Monitor.System, Err: failure(c.FSD(a.Monitor.UPS))}, nil
	case GetNumLogins:
		max := 0
		for _, m := range a.Monitors {
			if c := d.conns[m.System]; c != nil {
				d.deadline(c)
				if n, err := c.GetNumLogins(m.UPS); err == nil && n > max {
					max = n
				}
			}
		}
		return NumLogins{Max: max}, nil
	case Sleep:
		t := d.Clock.NewTimer(a.D)
		for {
			select {
			case <-t.C():
				return Wake{}, nil
			case c := <-d.cmds:
				if next := d.Machine.Step(c); len(next) > 0 {
					t.Stop()
					return nil, next
				}
			case <-ctx.Done():
				t.Stop()
				if next := d.Machine.Step(Command{Kind: CmdStop}); len(next) > 0 {
					return nil, next
				}
				return nil, []Action{Exit{Code: 0}}
			}
		}
	case WritePowerDownFlag:
		if err := os.WriteFile(a.Path, []byte(PowerDownMagic), 0o644); err != nil {
			d.log(LevelErr, "Failed to create power down flag!")
		}
	case RunShutdownCmd:
		if err := d.shell(a.Cmd, nil); err != nil {
			d.log(LevelErr, "Unable to call shutdown command: "+a.Cmd)
		}
	}
	return nil, nil
}

func (d *Daemon) wall(msg string) {
	_ = d.shell(`printf '%s\n' "$UPSLAB_WALL_MSG" | wall 2>/dev/null`, []string{"UPSLAB_WALL_MSG=" + msg})
}

func (d *Daemon) deadline(c Conn) {
	if dl, ok := c.(deadliner); ok {
		_ = dl.SetDeadline(time.Now().Add(netTimeout))
	}
}

func (d *Daemon) connect(ctx context.Context, m Monitor) Input {
	dial := d.Dial
	if dial == nil {
		dial = func(ctx context.Context, addr string) (Conn, error) {
			c, err := client.Dial(ctx, addr)
			if err != nil {
				return nil, err
			}
			return c, nil
		}
	}
	if err := d.preTLS(m); err != nil {
		return Connected{UPS: m.System, Err: IOFailure("Connection impossible"), Impossible: true}
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := dial(dctx, m.Addr())
	if err != nil {
		return Connected{UPS: m.System, Err: dialFailure(err)}
	}
	d.deadline(c)
	// As libupsclient for upsmon: STARTTLS first, then the login.
	if f := d.startTLS(c, m); f != nil {
		c.Close()
		return Connected{UPS: m.System, Err: f}
	}
	d.conns[m.System] = c
	res := Connected{UPS: m.System}
	fail := func(step string, err error) Input {
		res.AuthStep, res.AuthErr = step, failure(err)
		if res.AuthErr.Closed {
			c.Close()
			delete(d.conns, m.System)
		}
		return res
	}
	// An ERR reply to USERNAME goes unnoticed in NUT (raw read); only a
	// lost connection counts.
	if err := c.Username(m.User); err != nil && failure(err).Closed {
		return fail("USERNAME", err)
	}
	if err := c.Password(m.Password); err != nil {
		return fail("PASSWORD", err)
	}
	if err := c.Login(m.UPS); err != nil {
		return fail("LOGIN", err)
	}
	if m.Primary {
		if err := c.Primary(m.UPS); err != nil {
			return fail("PRIMARY", err)
		}
	}
	return res
}

// failure turns a client error into libupsclient's view of it.
func failure(err error) *Failure {
	if err == nil {
		return nil
	}
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return Err(pe.Code)
	}
	var perr protocol.ProtocolError
	if errors.As(err, &perr) {
		return &Failure{Text: string(perr)}
	}
	var ne net.Error
	if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || (errors.As(err, &ne) && ne.Timeout()) {
		return IOFailure("Server disconnected")
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return IOFailure("Read error: " + cap1(errno.Error()))
	}
	return IOFailure("Read error: " + err.Error())
}

func dialFailure(err error) *Failure {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return IOFailure("No such host")
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return IOFailure("Connection failure: " + cap1(errno.Error()))
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return IOFailure("Connection failure: Connection timed out")
	}
	return IOFailure("Connection failure: " + err.Error())
}

func cap1(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
