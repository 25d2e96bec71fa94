package upsmon

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/upslab/upslab/stack/parseconf"
)

// Monitor is one MONITOR line.
type Monitor struct {
	// System is the name as written: "ups[@host[:port]]". It is what
	// notifications carry in UPSNAME and %s.
	System string
	// UPS, Host and Port are System split up (Host "localhost" and Port
	// 3493 by default).
	UPS, Host string
	Port      int
	// PowerValue is how many power supplies this UPS feeds (0 = monitor only).
	PowerValue int
	// User and Password log in to upsd.
	User, Password string
	// Primary is true for "primary" (or "master"); anything else is a
	// secondary, as in NUT.
	Primary bool
}

// Addr is the host:port to dial for m.
func (m Monitor) Addr() string { return net.JoinHostPort(m.Host, strconv.Itoa(m.Port)) }

// Config is upsmon.conf. Times are whole seconds, as NUT reads them.
type Config struct {
	Monitors       []Monitor
	MinSupplies    int
	ShutdownCmd    string
	NotifyCmd      string
	PowerDownFlag  string
	PollFreq       int
	PollFreqAlert  int
	HostSync       int
	DeadTime       int
	FinalDelay     int
	RBWarnTime     int
	NoCommWarnTime int
	// NotifyMsg and NotifyFlags hold NOTIFYMSG / NOTIFYFLAG overrides by
	// upper-case type name.
	NotifyMsg   map[string]string
	NotifyFlags map[string]Flags
	RunAsUser   string
	DebugMin    int

	// Directives later NUT added, accepted so that a current upsmon.conf
	// works. OBLBDuration (2.8.3): OB+LB must last this long before it is
	// critical (0 = at once). OffDuration (2.8.1): a UPS OFF for longer is
	// critical; NUT's later default is 30, but 2.8.0 ignores OFF, so here
	// the default is -1 (never) and only an explicit OFFDURATION turns it on.
	// OverDuration: accepted, not acted upon. ShutdownExit: 0 = exit after
	// SHUTDOWNCMD (yes, NUT's default), -1 = keep running (no), N = exit
	// N seconds later. PollFailLogThrottleMax: -1 = log every failed poll
	// (2.8.0), 0 = only state changes, N = every N-th repeat.
	OBLBDuration           int
	OffDuration            int
	OverDuration           int
	ShutdownExit           int
	PollFailLogThrottleMax int
}

// DefaultConfig returns upsmon's built-in settings.
func DefaultConfig() *Config {
	return &Config{
		MinSupplies:            1,
		PollFreq:               5,
		PollFreqAlert:          5,
		HostSync:               15,
		DeadTime:               15,
		FinalDelay:             5,
		RBWarnTime:             43200,
		NoCommWarnTime:         300,
		NotifyMsg:              map[string]string{},
		NotifyFlags:            map[string]Flags{},
		OffDuration:            -1,
		OverDuration:           -1,
		PollFailLogThrottleMax: -1,
	}
}

// Message returns the NOTIFYMSG for typ with the UPS name substituted.
func (c *Config) Message(typ, system string) string {
	f, ok := c.NotifyMsg[typ]
	if !ok {
		f = stockMessages[typ]
	}
	return FormatMessage(f, system)
}

// Flags returns the NOTIFYFLAG for typ.
func (c *Config) Flags(typ string) Flags {
	if f, ok := c.NotifyFlags[typ]; ok {
		return f
	}
	return defaultFlags(typ)
}

// TotalPower sums the MONITOR power values.
func (c *Config) TotalPower() int {
	n := 0
	for _, m := range c.Monitors {
		n += m.PowerValue
	}
	return n
}

// ParseError is a fatal configuration problem.
type ParseError struct{ Msg string }

func (e *ParseError) Error() string { return e.Msg }

// SplitSystem splits "ups[@host[:port]]" as libupsclient does.
func SplitSystem(sys string) (ups, host string, port int, err error) {
	ups, rest, found := strings.Cut(sys, "@")
	if ups == "" {
		return "", "", 0, fmt.Errorf("unable to split UPS name [%s]", sys)
	}
	host, port = "localhost", 3493
	if !found || rest == "" {
		return ups, host, port, nil
	}
	host = rest
	if strings.HasPrefix(rest, "[") {
		end := strings.Index(rest, "]")
		if end < 0 {
			return "", "", 0, fmt.Errorf("unable to split UPS name [%s]", sys)
		}
		host = rest[1:end]
		rest = rest[end+1:]
		if p, ok := strings.CutPrefix(rest, ":"); ok {
			port = atoi(p)
		}
		return ups, host, port, nil
	}
	if h, p, ok := strings.Cut(rest, ":"); ok {
		host, port = h, atoi(p)
	}
	return ups, host, port, nil
}

// atoi is C's atoi: leading digits, garbage gives 0.
func atoi(s string) int {
	s = strings.TrimLeft(s, " \t")
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
		if n > 1<<30 {
			break
		}
	}
	if neg {
		return -n
	}
	return n
}

// Parse reads upsmon.conf. Problems NUT only warns about come back in
// warnings (NUT's log lines); problems NUT treats as fatal return an error.
// name is used in messages ("upsmon.conf").
func Parse(name string, data []byte) (cfg *Config, warnings []string, err error) {
	cfg = DefaultConfig()
	var tok parseconf.Tokenizer
	var lines []parseconf.Line
	emit := func(l parseconf.Line) { lines = append(lines, l) }
	tok.Feed(data, emit)
	tok.Flush(emit)
	warn := func(f string, a ...any) { warnings = append(warnings, fmt.Sprintf(f, a...)) }
	seen := map[string]bool{}
	for _, l := range lines {
		if l.Err != nil {
			warn("Parse error: %s:%d: %v", name, l.Num, l.Err)
			continue
		}
		w := l.Words
		if len(w) == 0 {
			continue
		}
		if !cfg.directive(w, warn, seen, &err) {
			warn("%s line %d: invalid directive %s", name, l.Num, strings.Join(w, " "))
		}
		if err != nil {
			return nil, warnings, err
		}
	}
	return cfg, warnings, nil
}

// directive applies one line; it reports false for an unknown directive.
func (c *Config) directive(w []string, warn func(string, ...any), seen map[string]bool, fatal *error) bool {
	num := func(set func(int), name string) bool {
		if len(w) < 2 {
			return false
		}
		v := atoi(w[1])
		if v < 0 {
			warn("Ignoring invalid %s value: %d", name, v)
			return true
		}
		set(v)
		return true
	}
	switch w[0] {
	case "MONITOR":
		if len(w) < 5 {
			return false
		}
		if len(w) == 5 {
			warn("Unable to use old-style MONITOR line without a username")
			warn("Convert it and add a username to upsd.users - see the documentation")
			*fatal = &ParseError{"Fatal error: unusable configuration"}
			return true
		}
		if seen[w[1]] {
			warn("Warning: ignoring duplicate UPS [%s]", w[1])
			return true
		}
		ups, host, port, err := SplitSystem(w[1])
		if err != nil {
			warn("Error: %v", err)
			return true
		}
		pv := atoi(w[2])
		if pv < 0 {
			warn("UPS [%s]: ignoring invalid power value [%s]", w[1], w[2])
			return true
		}
		seen[w[1]] = true
		c.Monitors = append(c.Monitors, Monitor{
			System: w[1], UPS: ups, Host: host, Port: port, PowerValue: pv,
			User: w[3], Password: w[4],
			Primary: w[5] == "primary" || w[5] == "master",
		})
	case "MINSUPPLIES":
		return num(func(v int) { c.MinSupplies = v }, "MINSUPPLIES")
	case "SHUTDOWNCMD":
		if len(w) < 2 {
			return false
		}
		c.ShutdownCmd = w[1]
	case "NOTIFYCMD":
		if len(w) < 2 {
			return false
		}
		c.NotifyCmd = w[1]
	case "POWERDOWNFLAG":
		if len(w) < 2 {
			return false
		}
		c.PowerDownFlag = w[1]
	case "POLLFREQ":
		return num(func(v int) { c.PollFreq = v }, "POLLFREQ")
	case "POLLFREQALERT":
		return num(func(v int) { c.PollFreqAlert = v }, "POLLFREQALERT")
	case "HOSTSYNC":
		return num(func(v int) { c.HostSync = v }, "HOSTSYNC")
	case "DEADTIME":
		return num(func(v int) { c.DeadTime = v }, "DEADTIME")
	case "FINALDELAY":
		return num(func(v int) { c.FinalDelay = v }, "FINALDELAY")
	case "RBWARNTIME":
		return num(func(v int) { c.RBWarnTime = v }, "RBWARNTIME")
	case "NOCOMMWARNTIME":
		return num(func(v int) { c.NoCommWarnTime = v }, "NOCOMMWARNTIME")
	case "RUN_AS_USER":
		if len(w) < 2 {
			return false
		}
		c.RunAsUser = w[1]
	case "NOTIFYMSG":
		if len(w) < 3 {
			return false
		}
		t := strings.ToUpper(w[1])
		if _, ok := stockMessages[t]; !ok {
			warn("'%s' is not a valid notify event name", w[1])
			warn("Warning: invalid notify type [%s]", w[1])
			return true
		}
		c.NotifyMsg[t] = w[2]
	case "NOTIFYFLAG":
		if len(w) < 3 {
			return false
		}
		t := strings.ToUpper(w[1])
		if _, ok := stockMessages[t]; !ok {
			warn("'%s' is not a valid notify event name", w[1])
			warn("Warning: invalid notify type [%s]", w[1])
			return true
		}
		var f Flags
		for _, p := range strings.Split(w[2], "+") {
			switch p { // upper case only, as in NUT
			case "SYSLOG":
				f |= FlagSyslog
			case "WALL":
				f |= FlagWall
			case "EXEC":
				f |= FlagExec
			case "IGNORE":
				f |= FlagIgnore
			default:
				warn("Invalid notify flag: [%s]", p)
			}
		}
		c.NotifyFlags[t] = f
	case "DEBUG_MIN", "debug_min", "Debug_Min":
		return num(func(v int) { c.DebugMin = v }, "DEBUG_MIN")
	case "CERTPATH", "CERTIDENT", "CERTHOST", "CERTVERIFY", "FORCESSL":
		// TLS settings: accepted; this upsmon does not speak TLS yet.
		return len(w) >= 2
	case "OBLBDURATION":
		if len(w) < 2 {
			return false
		}
		c.OBLBDuration = max(atoi(w[1]), 0)
	case "OFFDURATION":
		if len(w) < 2 {
			return false
		}
		c.OffDuration = atoi(w[1])
	case "OVERDURATION":
		if len(w) < 2 {
			return false
		}
		c.OverDuration = atoi(w[1])
	case "SHUTDOWNEXIT":
		if len(w) < 2 {
			return false
		}
		switch strings.ToLower(w[1]) {
		case "yes", "on", "true":
			c.ShutdownExit = 0
		case "no", "off", "false":
			c.ShutdownExit = -1
		default:
			c.ShutdownExit = atoi(w[1])
		}
	case "POLLFAIL_LOG_THROTTLE_MAX":
		return num(func(v int) { c.PollFailLogThrottleMax = v }, "POLLFAIL_LOG_THROTTLE_MAX")
	case "ALARMCRITICAL", "NOTIFYCMD_MODE", "SHUTDOWN_HOSTSYNC":
		return len(w) >= 2 // later NUT; accepted and ignored
	default:
		return false
	}
	return true
}

// Check applies NUT's start-up sanity rule: the power values must be able
// to reach MINSUPPLIES.
func (c *Config) Check() error {
	if tp := c.TotalPower(); tp < c.MinSupplies {
		return &ParseError{fmt.Sprintf("\nFatal error: insufficient power configured!\n\nSum of power values........: %d\nMinimum value (MINSUPPLIES): %d\n\nEdit your upsmon.conf and change the values.", tp, c.MinSupplies)}
	}
	return nil
}
