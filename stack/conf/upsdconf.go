package conf

import (
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/upslab/upslab/stack/parseconf"
)

// DefaultPort is NUT's IANA port, used by LISTEN without a port and by
// MONITOR systems without one.
const DefaultPort = 3493

// upsd.conf defaults (NUT 2.8.0 server/upsd.c, spec daemons.md §3).
const (
	DefaultMaxAge        = 15 * time.Second   // upsd.c: maxage = 15
	DefaultTrackingDelay = 3600 * time.Second // upsd.c: tracking_delay = 3600
)

// DefaultListen is where upsd listens when upsd.conf has no LISTEN line
// (server/upsd.c: "::1" and "127.0.0.1" on PORT; spec nut-protocol.md §1).
var DefaultListen = []Listen{{Addr: "127.0.0.1", Port: "3493"}, {Addr: "::1", Port: "3493"}}

// UpsdConf is upsd.conf.
type UpsdConf struct {
	File string
	// Listen is every LISTEN line in file order; empty means DefaultListen
	// (see Listeners). NUT 2.8.0 binds them in reverse file order (fixed
	// in 2.8.1) and never changes them on reload.
	Listen []Listen
	// MaxAge is the staleness limit; default 15 s.
	MaxAge time.Duration
	// TrackingDelay is how long tracking results are kept; default 3600 s.
	TrackingDelay time.Duration
	// AllowNoDevice lets upsd start with no UPS in ups.conf; default
	// false. The environment variable ALLOW_NO_DEVICE overrides it.
	AllowNoDevice bool
	// MaxConn caps drivers + listeners + clients. 0 means not set: NUT
	// then uses the OS open-files limit, sysconf(_SC_OPEN_MAX), which is
	// 1024 on a default Linux.
	MaxConn int
	// StatePath and DataPath override NUT_STATEPATH and the compiled data
	// directory (cmdvartab); empty when not set.
	StatePath string
	DataPath  string
	// CertFile is the OpenSSL server certificate (PEM with chain and key).
	// Debian's NSS build of 2.8.0 does not know CERTFILE; it is accepted
	// here because later and OpenSSL builds use it.
	CertFile string
	// CertPath, CertIdent and CertRequest are the NSS settings (Debian):
	// certificate database directory, certificate name and its database
	// password, and whether to ask clients for a certificate (0 no,
	// 1 request, 2 require); CertRequest is -1 when not set. Debian's
	// upsd 2.8.0 is built without client certificate validation and logs
	// "upsd.conf: invalid directive CERTREQUEST 2" (checked with the real
	// binary); it is accepted here for builds that have it.
	CertPath    string
	CertIdent   *CertIdent
	CertRequest int
	// DisableWeakSSL restricts TLS to 1.2 and later; default false.
	DisableWeakSSL bool
	// DebugMin is the minimum debug level; -1 when not set.
	DebugMin int
}

// Listen is one LISTEN line.
type Listen struct {
	Addr string // host name or address, IPv6 without brackets
	Port string // port number or service name; "3493" when not given
	Line int    // 0 for the defaults
}

// HostPort joins Addr and Port for net.Listen.
func (l Listen) HostPort() string { return net.JoinHostPort(l.Addr, l.Port) }

// CertIdent is a CERTIDENT line: an NSS certificate name and the password
// of the certificate database.
type CertIdent struct {
	Name     string
	Password string
}

// Listeners returns the LISTEN lines, or DefaultListen when there are none.
func (c *UpsdConf) Listeners() []Listen {
	if len(c.Listen) == 0 {
		return append([]Listen(nil), DefaultListen...)
	}
	return c.Listen
}

// NewUpsdConf returns the settings of an empty upsd.conf.
func NewUpsdConf(filename string) *UpsdConf {
	return &UpsdConf{File: filename, MaxAge: DefaultMaxAge, TrackingDelay: DefaultTrackingDelay, CertRequest: -1, DebugMin: -1}
}

// ParseUpsdConf reads upsd.conf. Keywords are upper case and
// case-sensitive, except DEBUG_MIN.
func ParseUpsdConf(r io.Reader, filename string) (*UpsdConf, []Warning, error) {
	p := &parser{file: filename}
	c := NewUpsdConf(filename)
	lines, err := p.lines(r)
	if err != nil {
		return c, nil, err
	}
	for _, l := range lines {
		w := l.Words
		switch key := directive(w[0]); key {
		case "ACL":
			p.removedIn24(l, "ACL in upsd.conf is no longer supported - switch to LISTEN")
		case "ACCEPT", "REJECT":
			p.removedIn24(l, key+" in upsd.conf is no longer supported - switch to LISTEN")
		case "LISTEN":
			if !p.need(l, 2, "LISTEN <address> [<port>]") {
				continue
			}
			ln := Listen{Addr: w[1], Port: strconv.Itoa(DefaultPort), Line: l.Num}
			if len(w) >= 3 {
				ln.Port = w[2]
			}
			p.extra(l, 3)
			if p.checkListen(l, ln) {
				c.Listen = append(c.Listen, ln)
			}
		case "MAXAGE", "TRACKINGDELAY":
			if !p.need(l, 2, key+" <seconds>") {
				continue
			}
			p.extra(l, 2)
			d, ok := p.upsdNumber(l, key, "<seconds>")
			if ok && d < 0 {
				p.errAt(l, 1, "%sexpected %s <seconds> >= 0, got %s", nutNonNumeric(key, w[1]), key, w[1])
				ok = false
			}
			if ok && key == "MAXAGE" {
				c.MaxAge = d
			} else if ok {
				c.TrackingDelay = d
			}
		case "ALLOW_NO_DEVICE":
			if !p.need(l, 2, "ALLOW_NO_DEVICE <true|false>") {
				continue
			}
			p.extra(l, 2)
			// A number counts as true when it is not 0 (server/conf.c).
			if n, ok := atoiStrict(w[1]); ok && n >= 0 {
				c.AllowNoDevice = n != 0
			} else if v, ok := parseBool(w[1]); ok {
				c.AllowNoDevice = v
			} else {
				p.errAt(l, 1, "ALLOW_NO_DEVICE has non numeric and non boolean value (%s)!: expected true/false (yes/no, on/off, 1/0)", w[1])
			}
		case "MAXCONN":
			if !p.need(l, 2, "MAXCONN <connections>") {
				continue
			}
			p.extra(l, 2)
			if d, ok := p.upsdNumber(l, key, "<connections>"); ok {
				if n := int(d / time.Second); n < 1 {
					// upsd refuses to start with it.
					p.errAt(l, 1, "MAXCONN: expected at least 1 connection, got %d", n)
				} else {
					c.MaxConn = int(d / time.Second)
				}
			}
		case "STATEPATH", "DATAPATH", "CERTFILE", "CERTPATH":
			if !p.need(l, 2, key+" <path>") {
				continue
			}
			p.extra(l, 2)
			switch key {
			case "STATEPATH":
				c.StatePath = w[1]
			case "DATAPATH":
				c.DataPath = w[1]
			case "CERTFILE":
				c.CertFile = w[1]
			case "CERTPATH":
				c.CertPath = w[1]
			}
		case "CERTIDENT":
			p.certIdent(l, &c.CertIdent)
		case "CERTREQUEST":
			if !p.need(l, 2, "CERTREQUEST 0|1|2") {
				continue
			}
			p.extra(l, 2)
			if n, ok := atoiStrict(w[1]); ok && n >= 0 && n <= 2 {
				c.CertRequest = n
			} else {
				p.errAt(l, 1, "%sexpected CERTREQUEST 0 (no), 1 (request) or 2 (require), got %s", nutNonNumeric(key, w[1]), show(w[1]))
			}
		case "DISABLE_WEAK_SSL":
			if !p.need(l, 2, "DISABLE_WEAK_SSL <true|false>") {
				continue
			}
			p.extra(l, 2)
			if v, ok := parseBool(w[1]); ok {
				c.DisableWeakSSL = v
			} else {
				p.errAt(l, 1, "DISABLE_WEAK_SSL has non boolean value (%s)!: expected true/false (yes/no, on/off, 1/0)", w[1])
			}
		case "DEBUG_MIN":
			p.debugMin(l, &c.DebugMin, "DEBUG_MIN has non numeric or negative value in upsd.conf")
		default:
			p.warn(&l, "%s", invalidDirective("upsd.conf", w))
		}
	}
	return c, p.warns, p.err()
}

// checkListen catches LISTEN forms that getaddrinfo would reject.
// certIdent reads "CERTIDENT <certificate name> <database password>"
// (upsd.conf and upsmon.conf) into dst.
func (p *parser) certIdent(l parseconf.Line, dst **CertIdent) {
	if !p.need(l, 3, "CERTIDENT <certificate name> <database password>") {
		return
	}
	p.extra(l, 3)
	*dst = &CertIdent{Name: l.Words[1], Password: l.Words[2]}
}

func (p *parser) checkListen(l parseconf.Line, ln Listen) bool {
	a := ln.Addr
	if strings.HasPrefix(a, "[") {
		p.errAt(l, 1, "LISTEN %s: write IPv6 addresses without brackets, expected LISTEN %s [<port>]", a, strings.Trim(a, "[]"))
		return false
	}
	if host, port, err := net.SplitHostPort(a); err == nil && net.ParseIP(a) == nil && !strings.Contains(host, ":") {
		p.errAt(l, 1, "LISTEN %s: the port is a separate word, expected LISTEN %s %s", a, host, port)
		return false
	}
	if a == "" {
		p.errAt(l, 1, "LISTEN: empty address, expected LISTEN <address> [<port>]")
		return false
	}
	if n, err := strconv.Atoi(ln.Port); err == nil {
		if n < 1 || n > 65535 {
			p.errAt(l, 2, "LISTEN %s %s: expected a port from 1 to 65535", a, ln.Port)
			return false
		}
	} else if ln.Port == "" || strings.ContainsAny(ln.Port, " /:") {
		p.errAt(l, 2, "LISTEN %s: expected a port number or service name, got %s", a, show(ln.Port))
		return false
	}
	return true
}

// nutNonNumeric is upsd's "X has non numeric value (v)!: " when upsd would
// say it (the value does not start with a digit), else "".
func nutNonNumeric(key, v string) string {
	if v == "" || v[0] < '0' || v[0] > '9' {
		return fmt.Sprintf("%s has non numeric value (%s)!: ", key, v)
	}
	return ""
}

// upsdNumber reads word 1 as a whole number, returned as seconds.
func (p *parser) upsdNumber(l parseconf.Line, key, what string) (time.Duration, bool) {
	v := l.Words[1]
	n, ok := atoiStrict(v)
	if !ok {
		p.errAt(l, 1, "%sexpected %s %s, got %s", nutNonNumeric(key, v), key, what, show(v))
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}

// AllowNoDeviceWith returns AllowNoDevice after the environment variable
// ALLOW_NO_DEVICE, which wins over upsd.conf when it reads as a boolean.
// upsd 2.8.0 compares only a prefix, case-insensitively ("TRUE", "YES",
// "ON", "1" / "FALSE", "NO", "OFF", "0"), so "1x" and "yesterday" are true;
// anything else leaves the file's value. getenv is os.Getenv when nil.
func (c *UpsdConf) AllowNoDeviceWith(getenv func(string) string) bool {
	if getenv == nil {
		getenv = os.Getenv
	}
	v := strings.ToUpper(getenv("ALLOW_NO_DEVICE"))
	for _, p := range []string{"TRUE", "YES", "ON", "1"} {
		if strings.HasPrefix(v, p) {
			return true
		}
	}
	for _, p := range []string{"FALSE", "NO", "OFF", "0"} {
		if strings.HasPrefix(v, p) {
			return false
		}
	}
	return c.AllowNoDevice
}
