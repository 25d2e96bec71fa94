package upsmon

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/upslab/upslab/stack/conf"
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
	// TLS holds CERTPATH, CERTVERIFY, FORCESSL and CERTHOST; the Daemon
	// applies them, the Machine does not look at them.
	TLS TLSSettings

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
		f = conf.StockNotifyMessage(conf.NotifyType(typ))
	}
	return conf.FormatNotify(f, system)
}

// Flags returns the NOTIFYFLAG for typ.
func (c *Config) Flags(typ string) Flags {
	if f, ok := c.NotifyFlags[typ]; ok {
		return f
	}
	return conf.DefaultNotifyFlagOf(conf.NotifyType(typ))
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

// Parse reads upsmon.conf with stack/conf's parser. Problems NUT only
// warns about come back in warnings (NUT's log lines); problems NUT treats
// as fatal return an error. name is used in messages ("upsmon.conf").
func Parse(name string, data []byte) (cfg *Config, warnings []string, err error) {
	c, warns, err := conf.ParseUpsmonConf(bytes.NewReader(data), name)
	for _, w := range warns {
		warnings = append(warnings, w.Msg)
	}
	var list conf.ErrorList
	if err != nil && !errors.As(err, &list) {
		return nil, warnings, err
	}
	// stack/conf reports every bad line as an error; NUT upsmon only logs
	// them and goes on, except for the old MONITOR format without a user.
	for _, e := range list {
		msg, _, _ := strings.Cut(e.Msg, ": expected")
		if strings.HasPrefix(msg, "Unable to use old-style MONITOR line") {
			warnings = append(warnings, msg, "Convert it and add a username to upsd.users - see the documentation")
			return nil, warnings, &ParseError{"Fatal error: unusable configuration"}
		}
		warnings = append(warnings, msg)
	}
	cfg = FromConf(c)
	// 2.8.0 ignores OFF; later NUT's 30 s OFFDURATION default (which
	// stack/conf reports) would make an OFF UPS critical. Only an explicit
	// OFFDURATION line turns that on here.
	explicit := false
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == "OFFDURATION" {
			explicit = true
		}
	}
	if !explicit {
		cfg.OffDuration = -1
	}
	return cfg, warnings, nil
}

// FromConf turns stack/conf's upsmon.conf into the machine's Config. It
// keeps stack/conf's OFFDURATION default (later NUT's 30 s); Parse uses -1
// (2.8.0: OFF never critical) unless the file sets OFFDURATION.
func FromConf(c *conf.UpsmonConf) *Config {
	secs := func(d time.Duration) int {
		if d < 0 {
			return -1
		}
		return int(d / time.Second)
	}
	cfg := &Config{
		MinSupplies: c.MinSupplies, ShutdownCmd: c.ShutdownCmd, NotifyCmd: c.NotifyCmd,
		PowerDownFlag: c.PowerDownFlag, PollFreq: secs(c.PollFreq), PollFreqAlert: secs(c.PollFreqAlert),
		HostSync: secs(c.HostSync), DeadTime: secs(c.DeadTime), FinalDelay: secs(c.FinalDelay),
		RBWarnTime: secs(c.RBWarnTime), NoCommWarnTime: secs(c.NoCommWarnTime),
		NotifyMsg: map[string]string{}, NotifyFlags: map[string]Flags{},
		RunAsUser: c.RunAsUser, DebugMin: max(c.DebugMin, 0),
		OBLBDuration: max(secs(c.OBLBDuration), 0), OffDuration: secs(c.OffDuration),
		OverDuration: secs(c.OverDuration), ShutdownExit: secs(c.ShutdownExit),
		PollFailLogThrottleMax: c.PollFailLogThrottleMax,
	}
	cfg.TLS = TLSSettings{CertPath: c.CertPath, CertVerify: c.CertVerify, ForceSSL: c.ForceSSL}
	for _, h := range c.CertHosts {
		cfg.TLS.CertHosts = append(cfg.TLS.CertHosts, CertHost{Host: h.Host, CertName: h.CertName, Verify: h.Verify, ForceSSL: h.ForceSSL})
	}
	for t, m := range c.NotifyMsg {
		cfg.NotifyMsg[strings.ToUpper(string(t))] = m
	}
	for t, f := range c.NotifyFlags {
		cfg.NotifyFlags[strings.ToUpper(string(t))] = f
	}
	for _, m := range c.Monitors {
		cfg.Monitors = append(cfg.Monitors, Monitor{System: m.System, UPS: m.UPSName, Host: m.Host,
			Port: m.Port, PowerValue: m.PowerValue, User: m.User, Password: m.Password, Primary: m.Primary})
	}
	return cfg
}

// Check applies NUT's start-up sanity rule: the power values must be able
// to reach MINSUPPLIES.
func (c *Config) Check() error {
	if tp := c.TotalPower(); tp < c.MinSupplies {
		return &ParseError{fmt.Sprintf("\nFatal error: insufficient power configured!\n\nSum of power values........: %d\nMinimum value (MINSUPPLIES): %d\n\nEdit your upsmon.conf and change the values.", tp, c.MinSupplies)}
	}
	return nil
}
