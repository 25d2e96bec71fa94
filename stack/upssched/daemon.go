package upssched

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/stack/parseconf"
)

// Daemon is the timer daemon: a Sched behind NUT's PIPEFN socket protocol.
// One goroutine owns the table; connections hand it their requests.
//
// Wire protocol (NUT 2.8.5, one request per line, parseconf quoting; the
// reply is "OK" or "ERR UNKNOWN"):
//
//	START <name> <seconds> [<NOTIFYTYPE> <UPSNAME> <NOTIFYMSG>]
//	START-SHARED <name> <seconds> <NOTIFYTYPE> <UPSNAME> <NOTIFYMSG>
//	CANCEL <name> [<cmd> [<NOTIFYTYPE> <UPSNAME> <NOTIFYMSG>]]
//	CANCEL-MATCHED <name> <cmd> <NOTIFYTYPE> <UPSNAME> <NOTIFYMSG>
//	LIST-TIMERS   → BEGIN LIST TIMERS / name TAB expiry TAB left TAB types TAB upses TAB msgs / END LIST TIMERS / OK
//
// 2.8.0's shorter START and CANCEL are accepted as they are.
type Daemon struct {
	Sched     *Sched
	Clock     clock.Clock
	CmdScript string
	// Run runs "CMDSCRIPT arg" with env added; it blocks the daemon, as
	// NUT's system() does. Default: /bin/sh -c.
	Run  func(cmdscript, arg string, env []string)
	Logf func(format string, a ...any)

	reqs chan request
}

type request struct {
	args  []string
	reply chan string
}

// NewDaemon returns a daemon with an empty table.
func NewDaemon(clk clock.Clock, cmdscript string) *Daemon {
	clk = clock.Or(clk)
	return &Daemon{Sched: NewSched(clk), Clock: clk, CmdScript: cmdscript, reqs: make(chan request)}
}

// RunShell runs "cmdscript arg" through /bin/sh with env added to this
// process's environment minus UPSNAME, NOTIFYTYPE and NOTIFYMSG (2.8.5:
// the daemon keeps none of the event that started it).
func RunShell(cmdscript, arg string, env []string) error {
	c := exec.Command("/bin/sh", "-c", cmdscript+" "+arg)
	var base []string
	for _, e := range os.Environ() {
		if strings.HasPrefix(e, "UPSNAME=") || strings.HasPrefix(e, "NOTIFYTYPE=") || strings.HasPrefix(e, "NOTIFYMSG=") {
			continue
		}
		base = append(base, e)
	}
	c.Env = append(base, env...)
	c.Stdin, c.Stdout, c.Stderr = nil, nil, nil
	return c.Run()
}

func (d *Daemon) logf(f string, a ...any) {
	if d.Logf != nil {
		d.Logf(f, a...)
	}
}

func (d *Daemon) run(arg string, env []string) {
	if d.Run != nil {
		d.Run(d.CmdScript, arg, env)
		return
	}
	if err := RunShell(d.CmdScript, arg, env); err != nil {
		d.logf("exec_cmd(%s %s) returned %v", d.CmdScript, arg, err)
	}
}

// Serve accepts requests on ln and runs timers until the table has been
// empty for the linger time; it then closes ln (which removes a Unix
// socket) and returns. No busy loop: it sleeps until the next deadline or
// request (2.8.0 spun at 95% CPU, #1964).
func (d *Daemon) Serve(ln net.Listener) error {
	go d.acceptLoop(ln)
	defer ln.Close()
	for {
		wait := d.Sched.Next().Sub(d.Clock.Now())
		t := d.Clock.NewTimer(max(wait, 0))
		select {
		case r := <-d.reqs:
			t.Stop()
			r.reply <- d.handle(r.args)
		case <-t.C():
		}
		for _, e := range d.Sched.Due() {
			d.logf("Event: %s ", e.Timer)
			d.run(e.Arg, e.Env)
		}
		if d.Sched.Done() {
			d.logf("Timer queue empty, exiting")
			return nil
		}
	}
}

func (d *Daemon) acceptLoop(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go d.conn(c)
	}
}

func (d *Daemon) conn(c net.Conn) {
	defer c.Close()
	var tok parseconf.Tokenizer
	r := bufio.NewReader(c)
	buf := make([]byte, 512)
	for {
		_ = c.SetReadDeadline(time.Now().Add(time.Minute))
		n, err := r.Read(buf)
		var lines [][]string
		tok.Feed(buf[:n], func(l parseconf.Line) {
			if l.Err == nil {
				lines = append(lines, l.Words)
			}
		})
		for _, args := range lines {
			rep := make(chan string, 1)
			d.reqs <- request{args: args, reply: rep}
			if _, werr := c.Write([]byte(<-rep)); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func arg(a []string, i int) string {
	if i < len(a) {
		return a[i]
	}
	return ""
}

// handle runs one request inside the daemon goroutine and returns the reply.
func (d *Daemon) handle(a []string) string {
	if len(a) == 0 {
		return "ERR UNKNOWN\n"
	}
	env := Env{NotifyType: arg(a, 3), UPSName: arg(a, 4), NotifyMsg: arg(a, 5)}
	var evs []Event
	switch a[0] {
	case "LIST-TIMERS":
		var b strings.Builder
		b.WriteString("BEGIN LIST TIMERS\n")
		now := d.Clock.Now()
		q := func(l []string, sep string) string {
			if len(l) == 0 {
				return `""`
			}
			return strings.Join(l, sep)
		}
		for _, t := range d.Sched.Timers() {
			fmt.Fprintf(&b, "%s\t%d\t%g\t%s\t%s\t%s\n", t.Name, t.Expire.Unix(), t.Expire.Sub(now).Round(time.Second).Seconds(),
				q(t.NotifyTypes, ","), q(t.UPSNames, ","), q(t.NotifyMsgs, ".\t"))
		}
		b.WriteString("END LIST TIMERS\nOK\n")
		return b.String()
	case "CANCEL", "CANCEL-MATCHED":
		if len(a) < 2 {
			return "ERR UNKNOWN\n"
		}
		evs = d.Sched.Cancel(a[1], arg(a, 2), env, a[0] == "CANCEL-MATCHED")
	case "START", "START-SHARED":
		if len(a) < 3 {
			return "ERR UNKNOWN\n"
		}
		evs = d.Sched.Start(a[1], a[2], env, a[0] == "START-SHARED")
	default:
		d.logf("Unknown command on socket: ")
		for i, w := range a {
			d.logf("arg %d: %s", i, w)
		}
		return "ERR UNKNOWN\n"
	}
	for _, e := range evs {
		switch e.Kind {
		case Started:
			d.logf("New timer: %s %s", e.Timer, e.Text)
		case Cancelled:
			d.logf("Cancelling timer: %s", e.Timer)
		case Ignored:
			d.logf("%s", e.Text)
		case CancelCmd:
			d.logf("%s", e.Text)
			d.run(e.Arg, e.Env)
		}
	}
	return "OK\n"
}
