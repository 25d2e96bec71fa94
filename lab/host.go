package lab

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/stack/parseconf"
	"github.com/upslab/upslab/stack/upsd"
	"github.com/upslab/upslab/stack/upsmon"
)

// Host is a machine running upsmon (and upssched when its NOTIFYCMD is
// upssched). Its upsmon is the daemon's own state machine; the lab plays
// the daemon's shell: it answers the machine's requests through in-memory
// upsd sessions and records its effects.
type Host struct {
	// Name is the host's name in the timeline.
	Name string
	// Primary is true for the host that runs upsd.
	Primary bool
	// Monitor is the upsmon state machine.
	Monitor *upsmon.Machine
	// Config is its upsmon.conf.
	Config *upsmon.Config

	lab      *Lab
	sessions map[string]*upsd.Session
	sleep    clock.Timer
	sched    scheduler

	// ShutdownAt is when upsmon finished its shutdown sequence: wrote
	// POWERDOWNFLAG and ran SHUTDOWNCMD, or exited without one (valid when
	// ShutDown).
	ShutdownAt time.Duration
	// ShutDown reports that upsmon finished its shutdown sequence.
	ShutDown bool
	// PowerDownFlag reports that POWERDOWNFLAG was written.
	PowerDownFlag bool
	exited        bool
	shuttingDown  bool
}

// scheduler is upssched as the lab runs it: NOTIFYCMD calls go in.
type scheduler interface {
	Notify(upsName, notifyType, message string)
	Stop()
}

func (l *Lab) newHost(spec HostSpec, primary bool) (*Host, error) {
	name := spec.Name
	if name == "" {
		name = "primary"
		if !primary {
			name = fmt.Sprintf("host%d", len(l.hosts)+1)
		}
	}
	h := &Host{Name: name, Primary: primary, lab: l, sessions: map[string]*upsd.Session{}}
	src, ok := spec.Files["upsmon.conf"]
	if !ok {
		return nil, fmt.Errorf("lab: host %s: no upsmon.conf", name)
	}
	cfg, warns, err := upsmon.Parse("upsmon.conf", []byte(src))
	for _, w := range warns {
		l.record(Event{Kind: KindLog, Host: name, Message: w})
	}
	if err != nil {
		return nil, fmt.Errorf("lab: host %s: %w", name, err)
	}
	h.Config = cfg
	h.Monitor = upsmon.New(cfg, l.Clock)
	if sc, ok := spec.Files["upssched.conf"]; ok {
		s, err := newSched(h, sc)
		if err != nil {
			return nil, fmt.Errorf("lab: host %s: %w", name, err)
		}
		h.sched = s
	}
	return h, nil
}

func (h *Host) start() { h.run(h.Monitor.Start()) }

func (h *Host) stop() {
	if h.sleep != nil {
		h.sleep.Stop()
	}
	if h.sched != nil {
		h.sched.Stop()
	}
	for k, s := range h.sessions {
		s.Close()
		delete(h.sessions, k)
	}
}

func (h *Host) record(e Event) {
	e.Host = h.Name
	h.lab.record(e)
}

// Command sends `upsmon -c fsd|stop|reload` to the host's upsmon.
func (h *Host) Command(kind upsmon.CommandKind) {
	if h.exited {
		return
	}
	if h.sleep != nil {
		h.sleep.Stop()
		h.sleep = nil
	}
	h.run(h.Monitor.Step(upsmon.Command{Kind: kind}))
}

// run carries out the machine's actions, answering its requests at once
// (upsd is in memory) and scheduling its sleeps on the clock.
func (h *Host) run(acts []upsmon.Action) {
	for len(acts) > 0 {
		var next []upsmon.Action
		for _, a := range acts {
			if in := h.do(a); in != nil {
				next = append(next, h.Monitor.Step(in)...)
			}
		}
		acts = next
	}
}

func (h *Host) do(a upsmon.Action) upsmon.Input {
	switch a := a.(type) {
	case upsmon.Log:
		typ := a.Level.String()
		if a.Level == upsmon.LevelDebug {
			typ = fmt.Sprintf("DEBUG%d", a.Debug)
		}
		h.record(Event{Kind: KindLog, Type: typ, Message: a.Text})
	case upsmon.Notify:
		h.notify(a)
	case upsmon.Wall:
		h.record(Event{Kind: KindWall, Message: a.Text})
	case upsmon.Connect:
		return h.connect(a.Monitor)
	case upsmon.Poll:
		return h.poll(a.Monitor)
	case upsmon.Disconnect:
		if s := h.sessions[a.UPS]; s != nil {
			s.Handle("LOGOUT")
			s.Close()
			delete(h.sessions, a.UPS)
		}
	case upsmon.SetFSD:
		in := upsmon.FSDSet{UPS: a.Monitor.System}
		_, f := h.request(a.Monitor, "FSD "+a.Monitor.UPS)
		in.Err = f
		if f == nil {
			h.record(Event{Kind: KindFSD, UPS: a.Monitor.System})
		}
		return in
	case upsmon.GetNumLogins:
		max := 0
		for _, m := range a.Monitors {
			w, f := h.request(m, "GET NUMLOGINS "+m.UPS)
			if f == nil && len(w) >= 3 {
				if n, err := strconv.Atoi(w[len(w)-1]); err == nil && n > max {
					max = n
				}
			}
		}
		return upsmon.NumLogins{Max: max}
	case upsmon.Sleep:
		h.sleep = h.lab.Clock.AfterFunc(a.D, func() {
			h.sleep = nil
			h.run(h.Monitor.Step(upsmon.Wake{}))
		})
	case upsmon.WritePowerDownFlag:
		h.PowerDownFlag = true
		h.markShutDown()
		h.record(Event{Kind: KindPowerdown, Type: a.Path})
	case upsmon.RunShutdownCmd:
		h.markShutDown()
		h.record(Event{Kind: KindShutdown, Type: a.Cmd})
		if d := h.lab.opts.KillPowerAfter; d > 0 && h.PowerDownFlag {
			h.lab.Clock.AfterFunc(d, h.KillPower)
		}
	case upsmon.Exit:
		if h.shuttingDown {
			h.markShutDown() // even without SHUTDOWNCMD, the host is going down
		}
		h.exited = true
		// The child exits without LOGOUT; upsd sees the connections close.
		for k, s := range h.sessions {
			s.Close()
			delete(h.sessions, k)
		}
		h.record(Event{Kind: KindLog, Type: "exit", Message: fmt.Sprintf("upsmon exited with status %d", a.Code)})
	}
	return nil
}

// KillPower runs the drivers' -k for the UPSes this host is primary for,
// as `upsdrvctl shutdown` does at the end of a shutdown with POWERDOWNFLAG
// present.
func (h *Host) KillPower() {
	for _, m := range h.Config.Monitors {
		if !m.Primary {
			continue
		}
		u := h.lab.Unit(m.UPS)
		if u == nil {
			continue
		}
		err := u.Driver.KillPower()
		msg := "killpower: shutdown.return sent"
		if err != nil {
			msg = "killpower failed: " + err.Error()
		}
		h.record(Event{Kind: KindInstantCmd, UPS: u.Name, Type: "killpower", Message: msg})
	}
}

// markShutDown notes the end of upsmon's shutdown sequence, once.
func (h *Host) markShutDown() {
	if !h.ShutDown {
		h.ShutDown = true
		h.ShutdownAt = h.lab.Now()
	}
}

func (h *Host) notify(n upsmon.Notify) {
	if n.Type == "SHUTDOWN" {
		h.shuttingDown = true
	}
	h.record(Event{Kind: KindNotify, UPS: n.UPS, Type: n.Type, Message: n.Message, Flags: n.Flags.String()})
	if n.Flags&upsmon.FlagSyslog != 0 {
		h.record(Event{Kind: KindSyslog, UPS: n.UPS, Type: n.Type, Message: n.Message})
	}
	if n.Flags&upsmon.FlagWall != 0 {
		h.record(Event{Kind: KindWall, UPS: n.UPS, Type: n.Type, Message: n.Message})
	}
	if n.Flags&upsmon.FlagExec != 0 && h.Config.NotifyCmd != "" {
		h.record(Event{Kind: KindNotifyCmd, UPS: n.UPS, Type: n.Type, Message: h.Config.NotifyCmd + " " + parseconf.Quote(n.Message)})
		if h.sched != nil && isUpssched(h.Config.NotifyCmd) {
			h.sched.Notify(n.UPS, n.Type, n.Message)
		}
	}
}

func isUpssched(cmd string) bool {
	w, err := parseconf.Split(cmd)
	if err != nil || len(w) == 0 {
		return false
	}
	return filepath.Base(w[0]) == "upssched"
}

// connect logs in as upsmon does: USERNAME, PASSWORD, LOGIN, then PRIMARY
// with MASTER as fallback.
func (h *Host) connect(m upsmon.Monitor) upsmon.Input {
	in := upsmon.Connected{UPS: m.System}
	if h.lab.upsdDown {
		in.Err = upsmon.IOFailure("Connection failure: Connection refused")
		return in
	}
	if old := h.sessions[m.System]; old != nil {
		old.Close()
	}
	s := h.lab.Upsd.NewSession("127.0.0.1")
	h.sessions[m.System] = s
	steps := []struct{ step, line string }{
		{"USERNAME", "USERNAME " + m.User},
		{"PASSWORD", "PASSWORD " + m.Password},
		{"LOGIN", "LOGIN " + m.UPS},
	}
	if m.Primary {
		steps = append(steps, struct{ step, line string }{"PRIMARY", "PRIMARY " + m.UPS})
	}
	for _, st := range steps {
		reply := first(s.Handle(st.line))
		if st.step == "USERNAME" {
			continue // libupsclient does not look at this reply
		}
		if st.step == "PRIMARY" && reply == "ERR UNKNOWN-COMMAND" {
			reply = first(s.Handle("MASTER " + m.UPS))
		}
		if !strings.HasPrefix(reply, "OK") {
			in.AuthStep = st.step
			in.AuthErr = failure(reply)
			return in
		}
	}
	return in
}

func (h *Host) poll(m upsmon.Monitor) upsmon.Input {
	in := upsmon.Polled{UPS: m.System}
	w, f := h.request(m, "GET VAR "+m.UPS+" ups.status")
	if f != nil {
		in.Err = f
		return in
	}
	if len(w) >= 4 {
		in.Status = w[3]
	}
	return in
}

// request sends one line on m's session and splits the reply.
func (h *Host) request(m upsmon.Monitor, line string) ([]string, *upsmon.Failure) {
	s := h.sessions[m.System]
	if s == nil || h.lab.upsdDown {
		return nil, upsmon.IOFailure("Driver not connected")
	}
	reply := first(s.Handle(line))
	if strings.HasPrefix(reply, "ERR ") || reply == "" {
		return nil, failure(reply)
	}
	w, err := parseconf.Split(reply)
	if err != nil {
		return nil, &upsmon.Failure{Text: reply}
	}
	return w, nil
}

func first(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return lines[0]
}

func failure(reply string) *upsmon.Failure {
	if code, ok := strings.CutPrefix(reply, "ERR "); ok {
		if i := strings.IndexByte(code, ' '); i >= 0 {
			code = code[:i]
		}
		return upsmon.Err(code)
	}
	if reply == "" {
		return upsmon.IOFailure("Server disconnected")
	}
	return &upsmon.Failure{Text: reply}
}

// configureUpsd gives upsd its users: upsd.users if given, else one user
// per MONITOR line with the rights its role needs.
func (l *Lab) configureUpsd() error {
	if src, ok := l.opts.UpsdFiles["upsd.users"]; ok {
		users, warns, err := upsd.ParseUsers(strings.NewReader(src), "upsd.users")
		for _, w := range warns {
			l.record(Event{Kind: KindLog, Host: "upsd", Message: w.String()})
		}
		if err != nil {
			return fmt.Errorf("lab: %w", err)
		}
		l.Upsd.SetUsers(users)
		return nil
	}
	var users upsd.Users
	seen := map[string]*upsd.User{}
	for _, hs := range l.opts.Hosts {
		cfg, _, err := upsmon.Parse("upsmon.conf", []byte(hs.Files["upsmon.conf"]))
		if err != nil {
			continue // reported by newHost
		}
		for _, m := range cfg.Monitors {
			u := seen[m.User]
			if u == nil {
				u = &upsd.User{Name: m.User, Password: m.Password, HasPass: true, Actions: map[string]bool{}, InstCmds: map[string]bool{}}
				seen[m.User] = u
				users = append(users, u)
			}
			u.Actions["login"] = true
			if m.Primary {
				u.Actions["master"] = true
				u.Actions["fsd"] = true
			}
		}
	}
	l.Upsd.SetUsers(users)
	return nil
}

// StopUpsd makes upsd unreachable (connections drop, new ones are
// refused) until StartUpsd.
func (l *Lab) StopUpsd() {
	l.upsdDown = true
	for _, h := range l.hosts {
		for k, s := range h.sessions {
			s.Close()
			delete(h.sessions, k)
		}
	}
	l.record(Event{Kind: KindLog, Host: "upsd", Message: "upsd stopped"})
}

// StartUpsd makes upsd reachable again.
func (l *Lab) StartUpsd() {
	l.upsdDown = false
	l.record(Event{Kind: KindLog, Host: "upsd", Message: "upsd started"})
}
