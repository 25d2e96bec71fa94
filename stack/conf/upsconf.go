package conf

import (
	"io"
	"strings"

	"github.com/upslab/upslab/stack/parseconf"
)

// Driver-side defaults of the ups.conf global directives (ups.conf(5),
// spec daemons.md §2). They are not applied to UPSConf, which keeps only
// what the file says; drivers and upsdrvctl apply them.
const (
	DefaultMaxStartDelay = 45 // seconds upsdrvctl waits for a driver to start
	DefaultMaxRetry      = 1  // driver start attempts
	DefaultRetryDelay    = 5  // seconds between attempts
	DefaultPollInterval  = 2  // seconds between driver updates
)

// UPSConf is ups.conf: global directives, then one section per UPS.
type UPSConf struct {
	File string
	// Global holds the directives before the first section (chroot,
	// driverpath, maxstartdelay, maxretry, retrydelay, nowait,
	// pollinterval, synchronous, user, group, debug_min, ...), in order.
	Global []Option
	// UPS holds the sections in file order. A section repeated with the
	// exact same name is merged into the first, as NUT does.
	UPS []*UPS
}

// Option is one "key = value" line or one bare flag word.
type Option struct {
	Key   string
	Value string // "" for a flag
	Flag  bool   // a bare word such as nolock, ignorelb or nowait
	Line  int
}

// Arg renders the option as a driver's -x argument: "key=value" or "key".
func (o Option) Arg() string {
	if o.Flag {
		return o.Key
	}
	return o.Key + "=" + o.Value
}

// UPS is one [name] section of ups.conf.
type UPS struct {
	Name string // between the brackets, as written
	Line int    // line of the [name] header
	// Driver and Port are required: upsd ignores a section without them
	// ("Warning: ignoring incomplete configuration for UPS [x]").
	Driver string
	Port   string
	// Desc is shown by LIST UPS and GET UPSDESC; when HasDesc is false
	// upsd answers "Unavailable".
	Desc    string
	HasDesc bool
	// Options are every other key and flag of the section, in file order
	// (duplicates kept): what the driver receives.
	Options []Option
}

// Lookup returns the value of the last option named key (case-sensitive,
// as drivers compare keys), including driver, port and desc.
func (u *UPS) Lookup(key string) (string, bool) {
	switch key {
	case "driver":
		return u.Driver, u.Driver != ""
	case "port":
		return u.Port, u.Port != ""
	case "desc":
		return u.Desc, u.HasDesc
	}
	return lookupOption(u.Options, key)
}

// Complete reports whether the section has both driver and port.
func (u *UPS) Complete() bool { return u.Driver != "" && u.Port != "" }

// SocketName is the driver socket's file name in the state path,
// "<driver>-<upsname>", where upsd expects it.
func (u *UPS) SocketName() string { return u.Driver + "-" + u.Name }

// Lookup returns the value of the last global option named key.
func (c *UPSConf) Lookup(key string) (string, bool) { return lookupOption(c.Global, key) }

// Find returns the UPS named name, compared case-insensitively as upsd
// compares UPS names, or nil.
func (c *UPSConf) Find(name string) *UPS {
	for _, u := range c.UPS {
		if strings.EqualFold(u.Name, name) {
			return u
		}
	}
	return nil
}

func lookupOption(opts []Option, key string) (string, bool) {
	for i := len(opts) - 1; i >= 0; i-- {
		if opts[i].Key == key {
			return opts[i].Value, true
		}
	}
	return "", false
}

// sectionName reports whether w is a [section] header and its name.
func sectionName(w string) (string, bool) {
	if len(w) >= 2 && w[0] == '[' && w[len(w)-1] == ']' {
		return w[1 : len(w)-1], true
	}
	return "", false
}

// badHeader reports a header that the tokenizer split, like [my ups].
func (p *parser) badHeader(l parseconf.Line) bool {
	if !strings.HasPrefix(l.Words[0], "[") {
		return false
	}
	for _, w := range l.Words[1:] {
		if strings.HasSuffix(w, "]") {
			p.errAt(l, 0, "section header %s is split into words: expected one word, write \"[%s]\" in quotes or drop the spaces",
				showLine(l.Words), strings.Trim(strings.Join(l.Words, " "), "[]"))
			return true
		}
	}
	p.errAt(l, 0, "section header %s has no closing ]: expected [name]", show(l.Words[0]))
	return true
}

// ParseUPSConf reads ups.conf. filename is used in messages.
func ParseUPSConf(r io.Reader, filename string) (*UPSConf, []Warning, error) {
	p := &parser{file: filename}
	c := &UPSConf{File: filename}
	lines, err := p.lines(r)
	if err != nil {
		return c, nil, err
	}
	var cur *UPS
	for _, l := range lines {
		w := l.Words
		if name, ok := sectionName(w[0]); ok {
			if name == "" {
				p.errAt(l, 0, "empty section name []: expected [upsname]")
				cur = &UPS{} // swallow its lines
				continue
			}
			if len(w) > 1 {
				p.warn(&l, "words after the section header ignored: %s", showLine(w[1:]))
			}
			cur = nil
			for _, u := range c.UPS {
				if u.Name == name {
					cur = u // NUT merges a repeated section into the first
					p.warn(&l, "section [%s] repeated (first at line %d): its settings are merged into the first, as NUT does", name, u.Line)
					break
				}
				if strings.EqualFold(u.Name, name) {
					// upsd (server/conf.c ups_create) ignores the second.
					p.warn(&l, "UPS name [%s] is already in use!", name)
				}
			}
			if cur == nil {
				cur = &UPS{Name: name, Line: l.Num}
				c.UPS = append(c.UPS, cur)
			}
			if strings.EqualFold(name, "default") {
				p.warn(&l, "the UPS name [default] is reserved by NUT's documentation; pick another name")
			}
			continue
		}
		if p.badHeader(l) {
			continue
		}
		var opt Option
		switch {
		case len(w) == 1:
			opt = Option{Key: w[0], Flag: true, Line: l.Num}
		case w[1] == "=" && len(w) >= 3:
			opt = Option{Key: w[0], Value: w[2], Line: l.Num}
			if len(w) > 3 {
				p.warn(&l, "%s: only the first word after = is used, extra words ignored: %s (quote a value that holds spaces)", w[0], showLine(w[3:]))
			}
		case w[1] == "=":
			p.errAt(l, 1, "%s = needs a value: expected %s = <value>", w[0], w[0])
			continue
		default:
			// NUT silently ignores such lines (common/upsconf.c).
			p.errAt(l, 1, "%s: expected \"key = value\" or a single flag word, got %s", w[0], showLine(w))
			continue
		}
		if cur == nil {
			if opt.Key == "driver" || opt.Key == "port" || opt.Key == "desc" {
				p.warn(&l, "%s before the first [upsname] section is a global directive and is ignored by upsd", opt.Key)
			}
			c.Global = append(c.Global, opt)
			continue
		}
		switch opt.Key {
		case "driver", "port", "desc":
			if opt.Flag {
				p.errAt(l, 0, "%s needs a value: expected %s = <value>", opt.Key, opt.Key)
				continue
			}
			switch opt.Key {
			case "driver":
				cur.Driver = opt.Value
			case "port":
				cur.Port = opt.Value
			case "desc":
				cur.Desc, cur.HasDesc = opt.Value, true
			}
		default:
			cur.Options = append(cur.Options, opt)
		}
	}
	for _, u := range c.UPS {
		if u.Name != "" && !u.Complete() {
			p.warns = append(p.warns, Warning{File: filename, Line: u.Line,
				Msg: "Warning: ignoring incomplete configuration for UPS [" + u.Name + "]"})
		}
	}
	return c, p.warns, p.err()
}
