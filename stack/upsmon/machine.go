package upsmon

import (
	"fmt"
	"strings"
	"time"

	"github.com/upslab/upslab/internal/clock"
)

// status bits of one UPS, as NUT's ST_* flags.
const (
	stOnline uint32 = 1 << iota
	stOnBatt
	stLowBatt
	stFSD
	stCal
	stOff
	stBypass
)

// ups is the per-UPS state of NUT's utype_t.
type ups struct {
	mon       Monitor
	connected bool
	loggedIn  bool
	commstate int // -1 never seen, 0 lost, 1 alive
	linestate int // -1 never seen, 0 not on line, 1 on line
	status    uint32
	// Times in whole seconds since the Unix epoch (NUT's time_t); 0 = never.
	lastpoll, lastnoncrit, lastrbwarn, lastncwarn int64
	oblbsince, offsince                           int64
	offCritical                                   bool
	fsdNotified                                   bool
	pollFailStreak                                int
}

func (u *ups) has(f uint32) bool { return u.status&f == f }
func (u *ups) set(f uint32)      { u.status |= f }
func (u *ups) clear(f uint32)    { u.status &^= f }

type phase int

const (
	phaseIdle      phase = iota // before Start
	phaseConnect                // waiting for Connected of ups[cur]
	phasePoll                   // waiting for Polled of ups[cur]
	phaseSleep                  // waiting for Wake between loops
	phaseSetFSD                 // waiting for FSDSet of primaries[cur]
	phaseHostSync               // waiting for NumLogins
	phaseHostSleep              // 250 ms between NUMLOGINS rounds
	phaseFinal                  // FINALDELAY after SHUTDOWN
	phaseAfter                  // SHUTDOWNEXIT no/N: running on after SHUTDOWNCMD
	phaseDone                   // exited
)

// Machine is upsmon's decision logic with no I/O: it runs NUT 2.8.0's main
// loop (poll every UPS in MONITOR order, recalc, sleep) as a conversation
// with a shell. Start begins; each Step takes an Input and returns Actions,
// the last of which may be a request the shell must answer. The machine
// reads only clk.Now; it never sets timers, so the lab can run it from
// virtual-clock callbacks.
//
// Where 2.8.0 has bugs later NUT fixed, this follows the fix:
//   - CAL is cleared when it leaves ups.status, with NOTCAL (#2168, 2.8.2);
//     2.8.0 then never treats the UPS as critical again.
//   - the primary notifies FSD after upsd accepts its FSD (2.8.5), and sends
//     SHUTDOWN_HOSTSYNC while waiting for secondaries.
//   - OFF/NOTOFF and BYPASS/NOTBYPASS are notified (2.8.1).
type Machine struct {
	cfg   *Config
	clk   clock.Clock
	upses []*ups

	ph        phase
	cur       int
	sleepval  int // seconds
	userFSD   bool
	reload    *Config
	stop      int // signal number, 0 = none
	primaries []*ups
	syncStart int64
	syncRound int
	after     int64
}

// New returns a Machine for cfg reading the time from clk.
func New(cfg *Config, clk clock.Clock) *Machine {
	m := &Machine{cfg: cfg, clk: clk, sleepval: 5}
	for _, mon := range cfg.Monitors {
		m.upses = append(m.upses, newUPS(mon))
	}
	return m
}

func newUPS(mon Monitor) *ups { return &ups{mon: mon, commstate: -1, linestate: -1} }

// Config returns the configuration in use.
func (m *Machine) Config() *Config { return m.cfg }

// Done reports whether the machine has exited.
func (m *Machine) Done() bool { return m.ph == phaseDone }

// Monitors returns the UPSes being monitored, in MONITOR order.
func (m *Machine) Monitors() []Monitor {
	out := make([]Monitor, len(m.upses))
	for i, u := range m.upses {
		out[i] = u.mon
	}
	return out
}

// UPSStatus is a read-only view of one UPS as upsmon sees it, for tests and
// the lab.
type UPSStatus struct {
	System                            string
	Connected, LoggedIn               bool
	CommOK                            bool
	Online, OnBatt, LowBatt, FSD, Cal bool
	Off, Bypass                       bool
	LastPoll                          time.Time
}

// Status returns what upsmon believes about each UPS.
func (m *Machine) Status() []UPSStatus {
	var out []UPSStatus
	for _, u := range m.upses {
		s := UPSStatus{System: u.mon.System, Connected: u.connected, LoggedIn: u.loggedIn,
			CommOK: u.commstate == 1, Online: u.has(stOnline), OnBatt: u.has(stOnBatt),
			LowBatt: u.has(stLowBatt), FSD: u.has(stFSD), Cal: u.has(stCal),
			Off: u.has(stOff), Bypass: u.has(stBypass)}
		if u.lastpoll != 0 {
			s.LastPoll = time.Unix(u.lastpoll, 0)
		}
		out = append(out, s)
	}
	return out
}

func (m *Machine) now() int64 { return m.clk.Now().Unix() }

// out collects actions of one Step.
type out struct{ acts []Action }

func (o *out) add(a ...Action) { o.acts = append(o.acts, a...) }
func (o *out) log(l Level, f string, a ...any) {
	o.add(Log{Level: l, Text: fmt.Sprintf(f, a...)})
}
func (o *out) debug(n int, f string, a ...any) {
	o.add(Log{Level: LevelDebug, Debug: n, Text: fmt.Sprintf(f, a...)})
}

// Start begins the first loop iteration.
func (m *Machine) Start() []Action {
	var o out
	for _, u := range m.upses {
		if u.mon.PowerValue > 0 {
			role := "secondary"
			if u.mon.Primary {
				role = "primary"
			}
			o.log(LevelInfo, "UPS: %s (%s) (power value %d)", u.mon.System, role, u.mon.PowerValue)
		} else {
			o.log(LevelInfo, "UPS: %s (monitoring only)", u.mon.System)
		}
	}
	if m.cfg.ShutdownCmd == "" {
		o.log(LevelWarning, "Warning: no shutdown command defined!")
	}
	m.loop(&o)
	return o.acts
}

// Step feeds one input and returns what to do next.
func (m *Machine) Step(in Input) []Action {
	var o out
	switch in := in.(type) {
	case Command:
		m.command(&o, in)
	case Wake:
		switch m.ph {
		case phaseSleep:
			m.loop(&o)
		case phaseHostSleep:
			m.askNumLogins(&o)
		case phaseFinal:
			m.finish(&o)
		case phaseAfter:
			m.afterShutdown(&o)
		}
	case Connected:
		if m.ph == phaseConnect && m.upses[m.cur].mon.System == in.UPS {
			m.connected(&o, m.upses[m.cur], in)
		}
	case Polled:
		if m.ph == phasePoll && m.upses[m.cur].mon.System == in.UPS {
			m.polled(&o, m.upses[m.cur], in)
		}
	case FSDSet:
		if m.ph == phaseSetFSD && m.primaries[m.cur].mon.System == in.UPS {
			m.fsdSet(&o, m.primaries[m.cur], in)
		}
	case NumLogins:
		if m.ph == phaseHostSync {
			m.numLogins(&o, in.Max)
		}
	}
	return o.acts
}

func (m *Machine) command(o *out, c Command) {
	switch c.Kind {
	case CmdFSD:
		sig := c.Signal
		if sig == 0 {
			sig = 10
		}
		o.log(LevelInfo, "Signal %d: User requested FSD", sig)
		m.userFSD = true
	case CmdReload:
		m.reload = c.Config
	case CmdStop:
		m.stop = c.Signal
		if m.stop == 0 {
			m.stop = 15
		}
	}
	// A signal cuts NUT's sleep() short; during the shutdown sequence NUT
	// is past the point of listening.
	if m.ph == phaseSleep {
		m.loop(o)
	} else if m.ph == phaseAfter && m.stop != 0 {
		m.exit(o, 0, true)
	}
}

func (m *Machine) exit(o *out, code int, logout bool) {
	if m.stop != 0 {
		o.log(LevelInfo, "Signal %d: exiting", m.stop)
	}
	if logout {
		for _, u := range m.upses {
			if u.connected {
				o.add(Disconnect{UPS: u.mon.System})
				u.connected = false
			}
		}
	}
	o.add(Exit{Code: code})
	m.ph = phaseDone
}

// loop runs the start of one main-loop iteration.
func (m *Machine) loop(o *out) {
	if m.stop != 0 {
		m.exit(o, 0, true)
		return
	}
	if m.userFSD {
		m.forceShutdown(o)
		return
	}
	if m.reload != nil {
		cfg := m.reload
		m.reload = nil
		if !m.applyReload(o, cfg) {
			return
		}
	}
	m.cur = -1
	m.pollNext(o)
}

// pollNext moves to the next UPS, or ends the iteration with recalc.
func (m *Machine) pollNext(o *out) {
	m.cur++
	if m.cur >= len(m.upses) {
		m.recalc(o)
		return
	}
	u := m.upses[m.cur]
	if !u.connected {
		o.debug(1, "Trying to connect to UPS [%s]", u.mon.System)
		m.ph = phaseConnect
		o.add(Connect{Monitor: u.mon})
		return
	}
	m.ph = phasePoll
	o.add(Poll{Monitor: u.mon})
}

func (m *Machine) connected(o *out, u *ups, c Connected) {
	if c.Err != nil {
		if c.Impossible {
			o.log(LevelErr, "UPS [%s]: Connection impossible, dropping link", u.mon.System)
		} else {
			o.log(LevelErr, "UPS [%s]: connect failed: %s", u.mon.System, c.Err)
		}
		m.gone(o, u)
		m.pollNext(o)
		return
	}
	u.connected = true
	switch c.AuthStep {
	case "":
		u.loggedIn = true
		o.debug(1, "Logged into UPS %s", u.mon.System)
		m.ph = phasePoll
		o.add(Poll{Monitor: u.mon})
		return
	case "USERNAME":
		o.log(LevelErr, "Set username on [%s] failed: %s", u.mon.System, c.AuthErr)
	case "PASSWORD":
		if c.AuthErr.Closed {
			o.log(LevelErr, "Set password on [%s] failed: %s", u.mon.System, c.AuthErr)
		} else {
			o.log(LevelErr, "Set password on [%s] failed - got [%s]", u.mon.System, c.AuthErr.Reply())
		}
	case "LOGIN":
		if c.AuthErr.Closed {
			o.log(LevelErr, "Can't login to UPS [%s]: %s", u.mon.System, c.AuthErr)
		} else {
			o.log(LevelErr, "Login on UPS [%s] failed - got [%s]", u.mon.System, c.AuthErr.Reply())
		}
	case "PRIMARY":
		u.loggedIn = true
		o.log(LevelAlert, "Primary managerial privileges unavailable on UPS [%s]", u.mon.System)
		if c.AuthErr.Closed {
			o.log(LevelAlert, "Reason: %s", c.AuthErr)
		} else {
			o.log(LevelAlert, "Response: [%s]", c.AuthErr.Reply())
		}
	}
	// NUT's try_connect failed: no poll this round; the connection stays
	// and is polled (unauthenticated) next time (issue #3403).
	m.pollNext(o)
}

func (m *Machine) polled(o *out, u *ups, p Polled) {
	if p.Err == nil {
		u.pollFailStreak = 0
		m.parseStatus(o, u, p.Status)
		m.pollNext(o)
		return
	}
	if m.logPollFail(u) {
		if p.Err.Code == "UNKNOWN-UPS" {
			o.log(LevelErr, "Poll UPS [%s] failed - [%s] does not exist on server %s", u.mon.System, u.mon.UPS, u.mon.Host)
		} else {
			o.log(LevelErr, "Poll UPS [%s] failed - %s", u.mon.System, p.Err)
		}
	}
	m.gone(o, u)
	if p.Err.Closed {
		m.drop(o, u)
	}
	m.pollNext(o)
}

// logPollFail applies POLLFAIL_LOG_THROTTLE_MAX (2.8.1; -1 = 2.8.0's
// "every poll").
func (m *Machine) logPollFail(u *ups) bool {
	n := u.pollFailStreak
	u.pollFailStreak++
	switch max := m.cfg.PollFailLogThrottleMax; {
	case max < 0:
		return true
	case max == 0:
		return n == 0
	default:
		return n%max == 0
	}
}

func (m *Machine) drop(o *out, u *ups) {
	o.debug(2, "Dropping connection to UPS [%s]", u.mon.System)
	u.commstate = 0
	u.linestate = 0
	u.loggedIn = false
	u.connected = false
	o.add(Disconnect{UPS: u.mon.System})
}

func (m *Machine) notify(o *out, typ, system string) {
	f := m.cfg.Flags(typ)
	if f&FlagIgnore != 0 {
		return
	}
	o.add(Notify{Type: typ, UPS: system, Message: m.cfg.Message(typ, system), Flags: f})
}

func (m *Machine) alive(o *out, u *ups) {
	u.lastpoll = m.now()
	if u.commstate == 1 {
		return
	}
	if u.commstate == 0 {
		m.notify(o, CommOK, u.mon.System)
	}
	u.commstate = 1
}

func (m *Machine) gone(o *out, u *ups) {
	if u.commstate != 0 {
		u.commstate = 0
		m.notify(o, CommBad, u.mon.System)
		return
	}
	now := m.now()
	if now-u.lastpoll < int64(m.cfg.NoCommWarnTime) {
		return
	}
	if now-u.lastncwarn > int64(m.cfg.NoCommWarnTime) {
		m.notify(o, NoComm, u.mon.System)
		u.lastncwarn = now
	}
}

func (m *Machine) parseStatus(o *out, u *ups, status string) {
	o.debug(2, "parse_status: [%s]", status)
	if status == "" {
		m.gone(o, u)
		return
	}
	m.alive(o, u)
	// NUT clears these by substring before looking at the words.
	if !strings.Contains(status, "LB") {
		u.clear(stLowBatt)
	}
	if !strings.Contains(status, "FSD") {
		u.clear(stFSD)
	}
	words := strings.Split(status, " ")
	has := map[string]bool{}
	for _, w := range words {
		w = strings.ToUpper(w)
		has[w] = true
		switch w {
		case "OL":
			m.onLine(o, u)
		case "OB":
			m.onBatt(o, u)
		case "LB":
			if !u.has(stLowBatt) {
				m.notify(o, LowBatt, u.mon.System)
				u.set(stLowBatt)
			}
		case "RB":
			now := m.now()
			if now-u.lastrbwarn > int64(m.cfg.RBWarnTime) {
				m.notify(o, ReplBatt, u.mon.System)
				u.lastrbwarn = now
			}
		case "CAL":
			if !u.has(stCal) {
				m.notify(o, Cal, u.mon.System)
				u.set(stCal)
			}
		case "OFF":
			m.off(o, u)
		case "BYPASS":
			if !u.has(stBypass) {
				m.sleepval = m.cfg.PollFreqAlert
				m.notify(o, Bypass, u.mon.System)
				u.set(stBypass)
			}
		case "FSD":
			if !u.has(stFSD) {
				m.notify(o, FSD, u.mon.System)
				u.set(stFSD)
			}
		}
		m.updateCritTimer(u)
	}
	// Fix of NUT #2168 (2.8.0 never clears CAL, so a UPS that once
	// calibrated is never critical on OB+LB again until upsmon restarts).
	if u.has(stCal) && !has["CAL"] {
		u.clear(stCal)
		m.notify(o, NotCal, u.mon.System)
	}
	if u.has(stOff) && !has["OFF"] {
		u.clear(stOff)
		u.offsince, u.offCritical = 0, false
		m.notify(o, NotOff, u.mon.System)
	}
	if u.has(stBypass) && !has["BYPASS"] {
		u.clear(stBypass)
		m.notify(o, NotBypass, u.mon.System)
	}
}

func (m *Machine) onLine(o *out, u *ups) {
	if u.has(stOnline) {
		return
	}
	m.sleepval = m.cfg.PollFreq
	if u.linestate != -1 {
		m.notify(o, Online, u.mon.System)
	}
	u.linestate = 1
	u.set(stOnline)
	u.clear(stOnBatt)
}

func (m *Machine) onBatt(o *out, u *ups) {
	if u.has(stOnBatt) {
		return
	}
	m.sleepval = m.cfg.PollFreqAlert
	u.linestate = 0
	m.notify(o, OnBatt, u.mon.System)
	u.set(stOnBatt)
	u.clear(stOnline)
}

// off follows NUT 2.8.1+: OFF is notified, and with OFFDURATION ≥ 0 an OFF
// lasting longer than that makes the UPS critical.
func (m *Machine) off(o *out, u *ups) {
	now := m.now()
	if u.has(stOff) {
		if d := m.cfg.OffDuration; d > 0 && now-u.offsince > int64(d) && !u.offCritical {
			o.log(LevelWarning, "ups_is_off: %s is in state OFF for %d sec, assuming the line is not fed (if it is calibrating etc., check the upsmon 'OFFDURATION' option)", u.mon.System, now-u.offsince)
			u.offCritical = true
		}
		return
	}
	m.sleepval = m.cfg.PollFreqAlert
	u.offsince = now
	if m.cfg.OffDuration == 0 {
		o.log(LevelWarning, "ups_is_off: %s is in state OFF, assuming the line is not fed (if it is calibrating etc., check the upsmon 'OFFDURATION' option)", u.mon.System)
		u.offCritical = true
	}
	m.notify(o, Off, u.mon.System)
	u.set(stOff)
}

func (m *Machine) updateCritTimer(u *ups) {
	if !u.has(stOnBatt) || !u.has(stLowBatt) || u.has(stCal) {
		u.lastnoncrit = m.now()
	}
}

func (m *Machine) critical(o *out, u *ups) bool {
	if u.has(stFSD) {
		return true
	}
	now := m.now()
	if u.has(stOff) && m.cfg.OffDuration >= 0 && u.offCritical {
		o.log(LevelWarning, "UPS [%s] is reported as (administratively) OFF", u.mon.System)
		return true
	}
	if !u.has(stOnBatt) || !u.has(stLowBatt) {
		u.oblbsince = 0
		return false
	}
	if u.has(stCal) {
		o.log(LevelWarning, "is_ups_critical: seems that UPS [%s] is OB+LB now, but it is also calibrating - not declaring a critical state", u.mon.UPS)
		return false
	}
	if d := int64(m.cfg.OBLBDuration); d > 0 {
		if u.oblbsince == 0 {
			u.oblbsince = now
			m.sleepval = max(gcd(max(m.cfg.PollFreqAlert, 1), int(d)), 1)
			o.log(LevelWarning, "is_ups_critical: seems that UPS [%s] is OB+LB now, but OBLBDURATION=%d - not declaring a critical state just now, but will bump the polling rate to %d (from POLLFREQALERT=%d) and wait to see if this situation dissipates soon", u.mon.UPS, d, m.sleepval, m.cfg.PollFreqAlert)
			return false
		}
		if now-u.oblbsince < d {
			o.log(LevelWarning, "is_ups_critical: seems that UPS [%s] is still OB+LB for %d sec out of %d delay", u.mon.UPS, now-u.oblbsince, d)
			return false
		}
		o.log(LevelWarning, "is_ups_critical: seems that UPS [%s] is still OB+LB for %d sec out of %d delay - proceeding with shutdown alerts", u.mon.UPS, now-u.oblbsince, d)
	}
	if u.mon.Primary {
		return true
	}
	if now-u.lastnoncrit > int64(m.cfg.HostSync) {
		o.log(LevelWarning, "Giving up on the primary for UPS [%s]", u.mon.System)
		return true
	}
	return false
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// recalc is NUT's recalc(): dead promotion, criticality, power sum.
func (m *Machine) recalc(o *out) {
	now := m.now()
	val := 0
	for _, u := range m.upses {
		if now-u.lastpoll > int64(m.cfg.DeadTime) && u.has(stOnBatt) {
			o.debug(1, "Promoting dead UPS: %s", u.mon.System)
			u.set(stLowBatt)
		}
		if m.critical(o, u) {
			o.debug(1, "Critical UPS: %s", u.mon.System)
		} else {
			val += u.mon.PowerValue
		}
	}
	o.debug(3, "Current power value: %d", val)
	o.debug(3, "Minimum power value: %d", m.cfg.MinSupplies)
	if val < m.cfg.MinSupplies {
		m.forceShutdown(o)
		return
	}
	m.ph = phaseSleep
	o.add(Sleep{D: time.Duration(m.sleepval) * time.Second})
}

// forceShutdown: FSD on every UPS we are primary for, wait for the
// secondaries, shut down.
func (m *Machine) forceShutdown(o *out) {
	o.debug(1, "Shutting down any UPSes in PRIMARY mode...")
	m.primaries = nil
	for _, u := range m.upses {
		if u.mon.Primary {
			m.primaries = append(m.primaries, u)
		}
	}
	if len(m.primaries) == 0 {
		m.doShutdown(o)
		return
	}
	m.cur = 0
	m.ph = phaseSetFSD
	o.debug(2, "Setting FSD on UPS %s", m.primaries[0].mon.System)
	o.add(SetFSD{Monitor: m.primaries[0].mon})
}

func (m *Machine) fsdSet(o *out, u *ups, r FSDSet) {
	if r.Err != nil {
		if r.Err.Closed {
			o.log(LevelErr, "FSD set on UPS %s failed: %s", u.mon.System, r.Err)
		} else {
			o.log(LevelErr, "FSD set on UPS %s failed: %s", u.mon.System, r.Err.Reply())
		}
	} else if !u.fsdNotified {
		// NUT 2.8.5: the primary tells its own NOTIFYCMD; 2.8.0 exits
		// before it could see FSD in ups.status, so it never notified.
		u.fsdNotified = true
		m.notify(o, FSD, u.mon.System)
	}
	m.cur++
	if m.cur < len(m.primaries) {
		o.debug(2, "Setting FSD on UPS %s", m.primaries[m.cur].mon.System)
		o.add(SetFSD{Monitor: m.primaries[m.cur].mon})
		return
	}
	o.debug(1, "This system is a primary... waiting for secondaries to logout...")
	m.syncStart = m.now()
	m.syncRound = 0
	m.askNumLogins(o)
}

func (m *Machine) askNumLogins(o *out) {
	m.ph = phaseHostSync
	m.syncRound++
	mons := make([]Monitor, len(m.primaries))
	for i, u := range m.primaries {
		mons[i] = u.mon
	}
	o.add(GetNumLogins{Monitors: mons})
}

func (m *Machine) numLogins(o *out, max int) {
	if max <= 1 {
		m.doShutdown(o)
		return
	}
	if m.now()-m.syncStart > int64(m.cfg.HostSync) {
		o.log(LevelInfo, "Host sync timer expired, forcing shutdown")
		m.doShutdown(o)
		return
	}
	if m.syncRound == 1 {
		m.notify(o, ShutdownHostsync, "")
	}
	m.ph = phaseHostSleep
	o.add(Sleep{D: 250 * time.Millisecond})
}

func (m *Machine) doShutdown(o *out) {
	o.log(LevelCrit, "Executing automatic power-fail shutdown")
	o.add(Wall{Text: "Executing automatic power-fail shutdown"})
	m.notify(o, Shutdown, "")
	m.ph = phaseFinal
	o.add(Sleep{D: time.Duration(m.cfg.FinalDelay) * time.Second})
}

// finish is the parent's part: POWERDOWNFLAG, then SHUTDOWNCMD; the
// monitor child exits without LOGOUT.
func (m *Machine) finish(o *out) {
	if m.cfg.PowerDownFlag != "" {
		o.add(WritePowerDownFlag{Path: m.cfg.PowerDownFlag})
	}
	if m.cfg.ShutdownCmd != "" {
		o.add(RunShutdownCmd{Cmd: m.cfg.ShutdownCmd})
	}
	if m.cfg.ShutdownExit == 0 {
		m.exit(o, 0, false)
		return
	}
	// SHUTDOWNEXIT no / <seconds> (2.8.1+): stay alive, doing nothing
	// more, until stopped or the delay has passed.
	m.after = m.now()
	m.ph = phaseAfter
	o.add(Sleep{D: time.Duration(max(m.cfg.PollFreq, 1)) * time.Second})
}

func (m *Machine) afterShutdown(o *out) {
	if d := m.cfg.ShutdownExit; d > 0 && m.now()-m.after > int64(d) {
		m.exit(o, 0, false)
		return
	}
	o.add(Sleep{D: time.Duration(max(m.cfg.PollFreq, 1)) * time.Second})
}

// applyReload follows NUT's reload_conf: drop UPSes no longer listed, keep
// the state of the others, add new ones.
func (m *Machine) applyReload(o *out, cfg *Config) bool {
	o.log(LevelInfo, "Reloading configuration")
	if cfg.TotalPower() < cfg.MinSupplies {
		o.log(LevelCrit, "Fatal error: total power value (%d) less than MINSUPPLIES (%d)", cfg.TotalPower(), cfg.MinSupplies)
		o.log(LevelCrit, "Impossible power configuration, unable to continue")
		m.exit(o, 1, true)
		return false
	}
	old := map[string]*ups{}
	for _, u := range m.upses {
		old[u.mon.System] = u
	}
	var next []*ups
	for _, mon := range cfg.Monitors {
		u, ok := old[mon.System]
		if !ok {
			next = append(next, newUPS(mon))
			continue
		}
		delete(old, mon.System)
		if u.mon.PowerValue != mon.PowerValue {
			o.log(LevelInfo, "UPS [%s]: redefined power value to %d", mon.System, mon.PowerValue)
		}
		reconnect := false
		if u.mon.User != mon.User {
			o.log(LevelInfo, "UPS [%s]: redefined username", mon.System)
			reconnect = reconnect || !u.loggedIn
		}
		if u.mon.Password != mon.Password {
			o.log(LevelInfo, "UPS [%s]: redefined password", mon.System)
			reconnect = reconnect || !u.loggedIn
		}
		if !u.mon.Primary && mon.Primary {
			o.log(LevelInfo, "UPS [%s]: redefined as a primary", mon.System)
			reconnect = true
		} else if u.mon.Primary && !mon.Primary {
			o.log(LevelInfo, "UPS [%s]: redefined as a secondary", mon.System)
		}
		u.mon = mon
		if reconnect && u.connected {
			o.log(LevelInfo, "UPS [%s]: retrying connection", mon.System)
			m.drop(o, u)
		}
		next = append(next, u)
	}
	for _, u := range m.upses {
		if _, gone := old[u.mon.System]; gone {
			o.log(LevelNotice, "No longer monitoring UPS [%s]", u.mon.System)
			if u.connected {
				o.add(Disconnect{UPS: u.mon.System})
			}
		}
	}
	if cfg.ShutdownCmd != m.cfg.ShutdownCmd {
		o.log(LevelWarning, "Warning: SHUTDOWNCMD redefined in split-process mode!")
		o.log(LevelWarning, "You must restart upsmon for this change to work")
		cfg.ShutdownCmd = m.cfg.ShutdownCmd
	}
	if cfg.PowerDownFlag != m.cfg.PowerDownFlag {
		o.log(LevelWarning, "Warning: POWERDOWNFLAG redefined in split-process mode!")
		o.log(LevelWarning, "You must restart upsmon for this change to work")
		cfg.PowerDownFlag = m.cfg.PowerDownFlag
	}
	m.cfg = cfg
	m.upses = next
	return true
}
