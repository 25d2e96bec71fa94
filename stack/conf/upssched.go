package conf

import (
	"io"
	"strings"

	"github.com/upslab/upslab/stack/parseconf"
)

// UpsschedConf is upssched.conf.
type UpsschedConf struct {
	File string
	// CmdScript, PipeFn and LockFn are the last values in the file. All
	// three must be set before the first AT line (upssched exits with
	// "CMDSCRIPT must be set before any ATs in the config file!").
	CmdScript string
	PipeFn    string
	LockFn    string
	// At are the AT lines in file order; every matching one runs.
	At []At
	// DebugMin is the minimum debug level (NUT 2.8.5); -1 when not set.
	DebugMin int
}

// Actions of an AT line.
const (
	StartTimer         = "START-TIMER"
	CancelTimer        = "CANCEL-TIMER"
	Execute            = "EXECUTE"
	StartTimerShared   = "START-TIMER-SHARED"   // NUT 2.8.5
	CancelTimerMatched = "CANCEL-TIMER-MATCHED" // NUT 2.8.5 docs
)

// At is one "AT <notifytype> <upsname|*> <action> <args>" line.
type At struct {
	// NotifyType as written; upssched compares it case-insensitively.
	NotifyType string
	// UPSName is compared exactly with UPSNAME, i.e. the full MONITOR
	// system string ("myups@localhost", not "myups"; NUT issue #1858),
	// or "*" for every UPS.
	UPSName string
	// Action is StartTimer, CancelTimer, Execute, StartTimerShared or
	// CancelTimerMatched.
	Action string
	// Timer is the timer name (START/CANCEL actions).
	Timer string
	// Seconds is the START-TIMER interval.
	Seconds int
	// Command is the EXECUTE command, or the optional CANCEL-TIMER command
	// run when no such timer exists.
	Command string
	// CmdScript is the CMDSCRIPT in effect at this line (a later
	// CMDSCRIPT line changes it for the lines after it).
	CmdScript string
	Line      int
}

// Matches reports whether the line applies to an event, with upssched's
// comparisons.
func (a *At) Matches(upsname, notifyType string) bool {
	return (a.UPSName == "*" || a.UPSName == upsname) && strings.EqualFold(a.NotifyType, notifyType)
}

// ParseUpsschedConf reads upssched.conf.
func ParseUpsschedConf(r io.Reader, filename string) (*UpsschedConf, []Warning, error) {
	p := &parser{file: filename}
	c := &UpsschedConf{File: filename, DebugMin: -1}
	lines, err := p.lines(r)
	if err != nil {
		return c, nil, err
	}
	for _, l := range lines {
		w := l.Words
		switch w[0] {
		case "CMDSCRIPT", "PIPEFN", "LOCKFN":
			if !p.need(l, 2, w[0]+" <path>") {
				continue
			}
			if len(c.At) > 0 && w[0] != "CMDSCRIPT" {
				p.warn(&l, "%s after the first AT line: upssched uses the new value only for the AT lines after it", w[0])
			}
			switch w[0] {
			case "CMDSCRIPT":
				if len(w) > 2 {
					// 2.8.0 takes one word; NUT master takes the rest as
					// arguments of the script.
					p.warn(&l, "CMDSCRIPT: only the first word is used, extra words ignored: %s", showLine(w[2:]))
				}
				c.CmdScript = w[1]
			case "PIPEFN":
				p.extra(l, 2)
				c.PipeFn = w[1]
			case "LOCKFN":
				p.extra(l, 2)
				c.LockFn = w[1]
			}
		case "DEBUG_MIN":
			if !p.need(l, 2, "DEBUG_MIN <level>") {
				continue
			}
			p.extra(l, 2)
			if n, ok := atoiStrict(w[1]); ok && n >= 0 {
				c.DebugMin = n
			} else {
				p.errAt(l, 1, "DEBUG_MIN: expected a level >= 0, got %s", show(w[1]))
			}
		case "AT":
			p.at(c, l)
		default:
			p.warn(&l, "%s", invalidDirective("upssched.conf", w))
		}
	}
	return c, p.warns, p.err()
}

func (p *parser) at(c *UpsschedConf, l parseconf.Line) {
	w := l.Words
	const usage = "AT <notifytype> <upsname|*> START-TIMER <name> <seconds> | CANCEL-TIMER <name> [<command>] | EXECUTE <command>"
	if len(w) < 5 {
		p.errAt(l, 0, "AT: missing arguments, expected %s", usage)
		return
	}
	for _, need := range []struct{ v, name string }{{c.CmdScript, "CMDSCRIPT"}, {c.PipeFn, "PIPEFN"}, {c.LockFn, "LOCKFN"}} {
		if need.v == "" {
			// Fatal in upssched.
			p.errAt(l, 0, "%s must be set before any ATs in the config file!", need.name)
			return
		}
	}
	a := At{NotifyType: w[1], UPSName: w[2], Action: w[3], CmdScript: c.CmdScript, Line: l.Num}
	if _, _, ok := LookupNotifyType(w[1]); !ok {
		p.warn(&l, "AT %s: unknown notify type, the line never matches (expected one of %s)", w[1], notifyTypeList())
	}
	if !strings.Contains(w[2], "@") && w[2] != "*" {
		p.warn(&l, "AT %s %s: UPSNAME is the MONITOR system string, usually upsname@host (e.g. %s@localhost); %s alone matches only a MONITOR line written without a host",
			w[1], w[2], w[2], w[2])
	}
	switch w[3] {
	case StartTimer, StartTimerShared:
		if len(w) < 6 {
			p.errAt(l, 3, "%s: missing interval, expected AT %s %s %s <name> <seconds>", w[3], w[1], w[2], w[3])
			return
		}
		p.extra(l, 6)
		n, ok := atoiStrict(w[5])
		if !ok || n < 0 {
			// The timer daemon reads it with atoi: garbage is 0 and a
			// negative one is ignored ("bogus offset for timer").
			p.errAt(l, 5, "%s %s: expected a whole number of seconds >= 0, got %s", w[3], w[4], show(w[5]))
			return
		}
		a.Timer, a.Seconds = w[4], n
	case CancelTimer, CancelTimerMatched:
		// NUT master documents CANCEL-TIMER-MATCHED, but its parse_at (as
		// of 2026-08) does not dispatch it yet: it logs "Invalid command".
		p.extra(l, 6)
		a.Timer = w[4]
		if len(w) > 5 {
			a.Command = w[5]
		}
	case Execute:
		p.extra(l, 5)
		if w[4] == "" {
			p.errAt(l, 4, "Empty EXECUTE command argument: expected AT %s %s EXECUTE <command>", w[1], w[2])
			return
		}
		a.Command = w[4]
	default:
		p.errAt(l, 3, "Invalid command: %s: expected START-TIMER, CANCEL-TIMER or EXECUTE (or START-TIMER-SHARED, CANCEL-TIMER-MATCHED of later NUT)", show(w[3]))
		return
	}
	c.At = append(c.At, a)
}

// Matching returns the AT lines that apply to an event, in file order:
// upssched runs every one of them.
func (c *UpsschedConf) Matching(upsname, notifyType string) []At {
	var out []At
	for _, a := range c.At {
		if a.Matches(upsname, notifyType) {
			out = append(out, a)
		}
	}
	return out
}
