package conf

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/upslab/upslab/stack/parseconf"
)

// upsmon.conf defaults (NUT 2.8.0 clients/upsmon.c globals; spec
// daemons.md §8.1). FINALDELAY is 5 although upsmon(8) says 15.
const (
	DefaultMinSupplies    = 1
	DefaultPollFreq       = 5 * time.Second
	DefaultPollFreqAlert  = 5 * time.Second
	DefaultHostSync       = 15 * time.Second
	DefaultDeadTime       = 15 * time.Second
	DefaultFinalDelay     = 5 * time.Second
	DefaultRBWarnTime     = 43200 * time.Second
	DefaultNoCommWarnTime = 300 * time.Second
	// Later NUT (master clients/upsmon.c).
	DefaultOffDuration            = 30 * time.Second
	DefaultOverDuration           = -1 * time.Second // negative: OVER alone is never critical
	DefaultOBLBDuration           = 0
	DefaultPollFailLogThrottleMax = -1 // log every failed poll
)

// UpsmonConf is upsmon.conf.
type UpsmonConf struct {
	File string
	// Monitors are the MONITOR lines in file order (a repeated system
	// string is dropped with NUT's warning).
	Monitors []Monitor
	// MinSupplies is how many power values must stay fine; default 1.
	MinSupplies int
	// ShutdownCmd is run by the root parent through /bin/sh; empty when
	// not set (upsmon then warns "no shutdown command defined!").
	ShutdownCmd string
	// NotifyCmd is run as `NotifyCmd "message"` through /bin/sh; empty
	// when not set.
	NotifyCmd string
	// PowerDownFlag is the killpower flag file; empty when not set (no
	// compiled default in 2.8.0).
	PowerDownFlag string
	// Poll intervals and timers; defaults 5 s, 5 s, 15 s, 15 s, 5 s,
	// 43200 s and 300 s.
	PollFreq, PollFreqAlert, HostSync, DeadTime, FinalDelay time.Duration
	RBWarnTime, NoCommWarnTime                              time.Duration
	// NotifyMsg holds the NOTIFYMSG overrides; use Message for the
	// effective text.
	NotifyMsg map[NotifyType]string
	// NotifyFlags holds the NOTIFYFLAG overrides; use Flags for the
	// effective flags.
	NotifyFlags map[NotifyType]NotifyFlag
	// RunAsUser overrides the compiled user (Debian "nut"); -u wins.
	RunAsUser string
	// TLS client settings; all off by default.
	CertPath   string
	CertFile   string // later NUT, OpenSSL builds
	CertIdent  *CertIdent
	CertHosts  []CertHost
	CertVerify bool
	ForceSSL   bool
	// DebugMin is the minimum debug level; -1 when not set.
	DebugMin int

	// Directives of later NUT (2.8.1 and after), unknown to 2.8.0.

	// OBLBDuration: OB+LB must last this long to be critical; default 0.
	OBLBDuration time.Duration
	// OffDuration: OFF lasting this long counts as critical; default 30 s,
	// negative disables.
	OffDuration time.Duration
	// OverDuration: OVER lasting this long counts as critical; default
	// -1 s (never).
	OverDuration time.Duration
	// ShutdownExit: how long upsmon lingers after SHUTDOWNCMD; 0 (the
	// default, and "yes") exits at once, negative ("no") keeps running.
	ShutdownExit time.Duration
	// PollFailLogThrottleMax: log a failing poll only every N polls;
	// default -1 (every poll).
	PollFailLogThrottleMax int
	// AlarmCritical: an ALARM status counts towards critical; default true.
	AlarmCritical bool
}

// Monitor is one MONITOR line.
type Monitor struct {
	// System is the string as written, "upsname[@host[:port]]"; it is
	// what UPSNAME carries to NOTIFYCMD and upssched.
	System string
	// UPSName, Host and Port are System split the way libupsclient does
	// (host "localhost" and port 3493 when absent; [v6addr]:port allowed).
	UPSName string
	Host    string
	Port    int
	// PowerValue is how many power supplies this UPS feeds; 0 means
	// monitoring only.
	PowerValue int
	User       string
	Password   string
	// Primary is true for "primary" and "master"; any other word is a
	// secondary. Role is the word as written.
	Primary bool
	Role    string
	Line    int
}

// CertHost is a CERTHOST line: per-host TLS expectations.
type CertHost struct {
	Host     string
	CertName string
	Verify   bool
	ForceSSL bool
	Line     int
}

// NewUpsmonConf returns the settings of an empty upsmon.conf.
func NewUpsmonConf(filename string) *UpsmonConf {
	return &UpsmonConf{
		File: filename, MinSupplies: DefaultMinSupplies,
		PollFreq: DefaultPollFreq, PollFreqAlert: DefaultPollFreqAlert,
		HostSync: DefaultHostSync, DeadTime: DefaultDeadTime, FinalDelay: DefaultFinalDelay,
		RBWarnTime: DefaultRBWarnTime, NoCommWarnTime: DefaultNoCommWarnTime,
		NotifyMsg: map[NotifyType]string{}, NotifyFlags: map[NotifyType]NotifyFlag{},
		DebugMin: -1, OffDuration: DefaultOffDuration, OverDuration: DefaultOverDuration,
		OBLBDuration: DefaultOBLBDuration, PollFailLogThrottleMax: DefaultPollFailLogThrottleMax,
		AlarmCritical: true,
	}
}

// Message returns the NOTIFYMSG format for t: the override, else the
// stock message.
func (c *UpsmonConf) Message(t NotifyType) string {
	if m, ok := c.NotifyMsg[t]; ok {
		return m
	}
	return StockNotifyMessage(t)
}

// Flags returns the NOTIFYFLAG flags for t: the override, else the default.
func (c *UpsmonConf) Flags(t NotifyType) NotifyFlag {
	if f, ok := c.NotifyFlags[t]; ok {
		return f
	}
	return DefaultNotifyFlagOf(t)
}

// TotalPower is the sum of the MONITOR power values; upsmon refuses to
// start when it is below MinSupplies ("insufficient power configured").
func (c *UpsmonConf) TotalPower() int {
	n := 0
	for _, m := range c.Monitors {
		n += m.PowerValue
	}
	return n
}

// SplitSystem splits a MONITOR system string "upsname[@host[:port]]" as
// libupsclient's upscli_splitname does: host "localhost" and port 3493
// when absent, "[v6addr]" or "[v6addr]:port" for IPv6 literals.
func SplitSystem(s string) (upsname, host string, port int, err error) {
	name, rest, hasAt := strings.Cut(s, "@")
	if name == "" {
		return "", "", 0, fmt.Errorf("no UPS name before @ in %q", s)
	}
	if !hasAt {
		return name, "localhost", DefaultPort, nil
	}
	var portStr string
	hasPort := false
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return "", "", 0, fmt.Errorf("missing closing bracket in [domain literal] %q", rest)
		}
		host = rest[1:end]
		after := rest[end+1:]
		if strings.HasPrefix(after, ":") {
			portStr, hasPort = after[1:], true
		} else if after != "" {
			return "", "", 0, fmt.Errorf("unexpected %q after ] in %q", after, rest)
		}
	} else {
		host, portStr, hasPort = strings.Cut(rest, ":")
	}
	if host == "" {
		return "", "", 0, fmt.Errorf("no host after @ in %q", s)
	}
	if !hasPort {
		return name, host, DefaultPort, nil
	}
	n, perr := strconv.Atoi(portStr)
	if perr != nil || n < 1 || n > 65535 {
		return "", "", 0, fmt.Errorf("no port from 1 to 65535 after ':' in %q", s)
	}
	return name, host, n, nil
}

// ParseUpsmonConf reads upsmon.conf. Keywords are upper case and
// case-sensitive, except DEBUG_MIN.
func ParseUpsmonConf(r io.Reader, filename string) (*UpsmonConf, []Warning, error) {
	p := &parser{file: filename}
	c := NewUpsmonConf(filename)
	lines, err := p.lines(r)
	if err != nil {
		return c, nil, err
	}
	for _, l := range lines {
		p.upsmonLine(c, l)
	}
	return c, p.warns, p.err()
}

// count reads "<key> <n>" into dst: a whole number >= 0. upsmon warns
// "Ignoring invalid <key> value: <n>" about a negative one and keeps the
// value it had.
func (p *parser) count(l parseconf.Line, what string, dst *int) {
	key := l.Words[0]
	if !p.need(l, 2, key+" "+what) {
		return
	}
	p.extra(l, 2)
	if n, ok := p.intArg(l, 1, key); ok {
		if n < 0 {
			p.warn(&l, "Ignoring invalid %s value: %d", key, n)
			return
		}
		*dst = n
	}
}

func (p *parser) upsmonLine(c *UpsmonConf, l parseconf.Line) {
	w := l.Words
	key := directive(w[0])
	seconds := map[string]*time.Duration{
		"POLLFREQ": &c.PollFreq, "POLLFREQALERT": &c.PollFreqAlert, "HOSTSYNC": &c.HostSync,
		"DEADTIME": &c.DeadTime, "FINALDELAY": &c.FinalDelay, "RBWARNTIME": &c.RBWarnTime,
		"NOCOMMWARNTIME": &c.NoCommWarnTime, "OFFDURATION": &c.OffDuration,
		"OVERDURATION": &c.OverDuration, "OBLBDURATION": &c.OBLBDuration,
	}
	strs := map[string]*string{
		"SHUTDOWNCMD": &c.ShutdownCmd, "NOTIFYCMD": &c.NotifyCmd, "POWERDOWNFLAG": &c.PowerDownFlag,
		"RUN_AS_USER": &c.RunAsUser, "CERTPATH": &c.CertPath, "CERTFILE": &c.CertFile,
	}
	if d, ok := seconds[key]; ok {
		if !p.need(l, 2, key+" <seconds>") {
			return
		}
		p.extra(l, 2)
		v, ok := p.secondsArg(l, 1, key)
		if !ok {
			return
		}
		switch key {
		case "POLLFREQ", "POLLFREQALERT", "FINALDELAY":
			if v < 0 { // upsmon ignores it (debug message)
				p.warn(&l, "Ignoring invalid %s value: %d", key, v/time.Second)
				return
			}
		case "HOSTSYNC", "DEADTIME", "RBWARNTIME", "NOCOMMWARNTIME":
			if v < 0 {
				p.errAt(l, 1, "%s: expected a number of seconds >= 0, got %s", key, w[1])
				return
			}
		case "OBLBDURATION":
			if v < time.Second {
				v = 0
			}
		}
		*d = v
		return
	}
	if s, ok := strs[key]; ok {
		if !p.need(l, 2, key+" <value>") {
			return
		}
		if len(w) > 2 && (key == "SHUTDOWNCMD" || key == "NOTIFYCMD") {
			// 2.8.0 uses only the first word; NUT master takes the rest
			// as separate arguments.
			p.warn(&l, "%s: only the first word is used, extra words ignored: %s; quote the whole command: %s %s",
				key, showLine(w[2:]), key, parseconf.Quote(strings.Join(w[1:], " ")))
		} else {
			p.extra(l, 2)
		}
		*s = w[1]
		return
	}
	switch key {
	case "MONITOR":
		p.monitor(c, l)
	case "MINSUPPLIES":
		p.count(l, "<number>", &c.MinSupplies)
	case "NOTIFYMSG":
		if !p.need(l, 3, `NOTIFYMSG <notify type> "<message>"`) {
			return
		}
		p.extra(l, 3)
		t, ok := p.notifyType(l, "'%s' is not a valid notify event name")
		if ok {
			c.NotifyMsg[t] = w[2]
			if strings.Count(w[2], "%s") > 1 && t != "ALARM" && t != "OTHER" {
				p.warn(&l, "NOTIFYMSG %s: only one %%s is filled (with the UPS name); the others print nothing", t)
			}
		}
	case "NOTIFYFLAG":
		if !p.need(l, 3, "NOTIFYFLAG <notify type> <flag>[+<flag>...] (flags SYSLOG, WALL, EXEC, IGNORE)") {
			return
		}
		p.extra(l, 3)
		t, ok := p.notifyType(l, "Warning: invalid notify type [%s]")
		if !ok {
			return
		}
		f, bad := ParseNotifyFlag(w[2])
		for _, b := range bad {
			p.errAt(l, 2, "Invalid notify flag: [%s]: expected SYSLOG, WALL, EXEC or IGNORE (upper case) joined with +", b)
		}
		c.NotifyFlags[t] = f // upsmon keeps the valid ones
	case "CERTIDENT":
		p.certIdent(l, &c.CertIdent)
	case "CERTHOST":
		if !p.need(l, 5, "CERTHOST <hostname> <certificate name> <certverify 0|1> <forcessl 0|1>") {
			return
		}
		p.extra(l, 5)
		v, ok1 := p.intArg(l, 3, "CERTHOST certverify")
		f, ok2 := p.intArg(l, 4, "CERTHOST forcessl")
		if ok1 && ok2 {
			c.CertHosts = append(c.CertHosts, CertHost{Host: w[1], CertName: w[2], Verify: v != 0, ForceSSL: f != 0, Line: l.Num})
		}
	case "CERTVERIFY", "FORCESSL", "ALARMCRITICAL":
		if !p.need(l, 2, key+" 0|1") {
			return
		}
		p.extra(l, 2)
		if n, ok := p.intArg(l, 1, key); ok {
			switch key {
			case "CERTVERIFY":
				c.CertVerify = n != 0
			case "FORCESSL":
				c.ForceSSL = n != 0
			case "ALARMCRITICAL":
				c.AlarmCritical = n != 0
			}
		}
	case "SHUTDOWNEXIT":
		if !p.need(l, 2, "SHUTDOWNEXIT yes|no|<seconds>") {
			return
		}
		p.extra(l, 2)
		switch strings.ToLower(w[1]) {
		case "on", "yes", "true":
			c.ShutdownExit = 0
		case "off", "no", "false":
			c.ShutdownExit = -1 * time.Second
		default:
			if n, ok := atoiStrict(w[1]); ok {
				c.ShutdownExit = time.Duration(n) * time.Second
			} else {
				p.errAt(l, 1, "SHUTDOWNEXIT: expected yes, no or a number of seconds, got %s", show(w[1]))
			}
		}
	case "POLLFAIL_LOG_THROTTLE_MAX":
		p.count(l, "<polls>", &c.PollFailLogThrottleMax)
	case "DEBUG_MIN":
		p.debugMin(l, &c.DebugMin, "Invalid DEBUG_MIN value found in upsmon.conf global settings")
	default:
		p.warn(&l, "%s line %d: invalid directive%s", p.file, l.Num, strings.TrimPrefix(invalidDirective("", w), ": invalid directive"))
	}
}

// notifyType reads word 1 of l as a notify type; nutMsg is upsmon's
// warning for an unknown one.
func (p *parser) notifyType(l parseconf.Line, nutMsg string) (NotifyType, bool) {
	t, _, ok := LookupNotifyType(l.Words[1])
	if !ok {
		p.errAt(l, 1, nutMsg+": expected one of %s", l.Words[1], notifyTypeList())
	}
	return t, ok
}

func notifyTypeList() string {
	s := make([]string, len(NotifyTypes))
	for i, t := range NotifyTypes {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

func (p *parser) monitor(c *UpsmonConf, l parseconf.Line) {
	w := l.Words
	const usage = "MONITOR <system> <powervalue> <username> <password> primary|secondary"
	if len(w) == 5 {
		// Fatal in upsmon: "Unable to use old-style MONITOR line without
		// a username".
		p.errAt(l, 0, "Unable to use old-style MONITOR line without a username: expected %s (and add the user to upsd.users)", usage)
		return
	}
	if len(w) < 6 {
		p.errAt(l, 0, "MONITOR: missing arguments, expected %s", usage)
		return
	}
	p.extra(l, 6)
	m := Monitor{System: w[1], User: w[3], Password: w[4], Role: w[5], Line: l.Num}
	var err error
	m.UPSName, m.Host, m.Port, err = SplitSystem(w[1])
	if err != nil {
		p.errAt(l, 1, "MONITOR: unable to split UPS name [%s]: %v; expected upsname[@host[:port]]", w[1], err)
		return
	}
	pv, ok := atoiStrict(w[2])
	if !ok || pv < 0 {
		p.errAt(l, 2, "UPS [%s]: ignoring invalid power value [%s]: expected a whole number >= 0", w[1], w[2])
		return
	}
	m.PowerValue = pv
	switch strings.ToLower(w[5]) {
	case "primary", "master":
		m.Primary = true
	case "secondary", "slave":
	default:
		// upsmon treats any other word as secondary, silently.
		p.errAt(l, 5, "MONITOR %s: unknown type %s, expected primary or secondary (master/slave accepted); NUT would treat it as secondary", w[1], show(w[5]))
	}
	for _, old := range c.Monitors {
		if old.System == m.System {
			p.warn(&l, "Warning: ignoring duplicate UPS [%s]", m.System)
			return
		}
	}
	c.Monitors = append(c.Monitors, m)
}
