package conf

import "io"

// HostsConf is hosts.conf, the list of UPSes the CGI programs (upsstats,
// upsset, upsimage) may show.
type HostsConf struct {
	File    string
	Monitor []HostsMonitor // in file order
}

// HostsMonitor is one `MONITOR <system> "<description>"` line.
type HostsMonitor struct {
	System string // upsname@host[:port]
	Desc   string
	Line   int
}

// Allowed reports whether the CGI programs may show system: only systems
// listed here are (clients/cgilib.c checkhost, exact match).
func (c *HostsConf) Allowed(system string) bool {
	for _, m := range c.Monitor {
		if m.System == system {
			return true
		}
	}
	return false
}

// ParseHostsConf reads hosts.conf. The CGI programs ignore every line that
// is not a MONITOR line with at least three words; so do we, with a
// warning.
func ParseHostsConf(r io.Reader, filename string) (*HostsConf, []Warning, error) {
	p := &parser{file: filename}
	c := &HostsConf{File: filename}
	lines, err := p.lines(r)
	if err != nil {
		return c, nil, err
	}
	for _, l := range lines {
		w := l.Words
		if w[0] != "MONITOR" {
			p.warn(&l, "hosts.conf: invalid directive %s (only MONITOR <system> \"<description>\" is read)", showLine(w))
			continue
		}
		if !p.need(l, 3, `MONITOR <upsname@host> "<description>"`) {
			continue
		}
		p.extra(l, 3)
		if _, _, _, err := SplitSystem(w[1]); err != nil {
			p.errAt(l, 1, "MONITOR: %v; expected upsname@host[:port]", err)
			continue
		}
		c.Monitor = append(c.Monitor, HostsMonitor{System: w[1], Desc: w[2], Line: l.Num})
	}
	return c, p.warns, p.err()
}
