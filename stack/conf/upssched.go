package conf

import (
	"errors"
	"fmt"
	"io"
	"sort"
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
	// At are the AT lines in file order; every matching one runs. Lines
	// this package reports as errors but upssched keeps are here too,
	// marked Rejected (see At.Rejected).
	At []At
	// DebugMin is the minimum debug level (NUT 2.8.5); -1 when not set.
	DebugMin int
	// NUTLog is what upssched 2.8.0 itself logs while reading the file, in
	// its words and in file order (checked against the real binary):
	// "upssched.conf: invalid directive <words>" for a line it does not
	// know or a known one with too few words, and "Parse error:
	// <file>:<line>: Unbalanced word due to unescaped # in quotes", where
	// <file> is the name given to ParseUpsschedConf (upssched logs the
	// path it opened). Our own warnings and errors say more; a program
	// that stands in for upssched logs these instead.
	NUTLog []string
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
	// PipeFn and LockFn are the PIPEFN and LOCKFN in effect at this line:
	// upssched talks to (or starts) the timer daemon of these, so a later
	// PIPEFN line sends the lines after it to another daemon.
	PipeFn, LockFn string
	// Args are the words after Action as written (upssched uses the first
	// two). upssched sends them to its timer daemon as text: the seconds
	// of START-TIMER are Args[1], which the daemon reads with C's atoi
	// ("30s" is 30, "x" is 0, and a negative one is ignored with "bogus
	// offset for timer"); a CANCEL-TIMER with a second word runs it when
	// no such timer exists, even when that word is empty.
	Args []string
	// Rejected marks a line reported in the error list that upssched
	// nevertheless keeps and acts on when an event reaches it: an AT line
	// before CMDSCRIPT, PIPEFN and LOCKFN are all set (fatal then), an
	// unknown action or an empty EXECUTE (logged then), START-TIMER seconds
	// that are not a whole number >= 0 (sent as written). Its typed fields
	// (Timer, Seconds, Command) may be unset.
	Rejected bool
}

// Matches reports whether the line applies to an event, with upssched's
// comparisons (Rejected lines included).
func (a *At) Matches(upsname, notifyType string) bool {
	return (a.UPSName == "*" || a.UPSName == upsname) && strings.EqualFold(a.NotifyType, notifyType)
}

// ParseUpsschedConf reads upssched.conf.
func ParseUpsschedConf(r io.Reader, filename string) (*UpsschedConf, []Warning, error) {
	p := &parser{file: filename}
	c := &UpsschedConf{File: filename, DebugMin: -1}
	// NUT logs as it reads; the tokenizer's rejects come first here, so
	// the log is put back in line order at the end.
	type logLine struct {
		line int
		msg  string
	}
	var nutLog []logLine
	p.tokErr = func(l parseconf.Line) {
		// An open quote at the end of the file is dropped without a word.
		if errors.Is(l.Err, parseconf.ErrHashInQuotes) {
			nutLog = append(nutLog, logLine{l.Num, fmt.Sprintf("Parse error: %s:%d: Unbalanced word due to unescaped # in quotes", filename, l.Num)})
		}
	}
	defer func() {
		sort.SliceStable(nutLog, func(i, j int) bool { return nutLog[i].line < nutLog[j].line })
		for _, l := range nutLog {
			c.NUTLog = append(c.NUTLog, l.msg)
		}
	}()
	lines, err := p.lines(r)
	if err != nil {
		return c, nil, err
	}
	for _, l := range lines {
		w := l.Words
		key := directive(w[0])
		// upssched knows a directive only with its words: one with fewer
		// is an "invalid directive" there.
		if n := upsschedWords[key]; len(w) < n || n == 0 {
			nutLog = append(nutLog, logLine{l.Num, invalidDirective("upssched.conf", w)})
		}
		switch key {
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
			p.debugMin(l, &c.DebugMin, "DEBUG_MIN")
		case "AT":
			p.at(c, l)
		default:
			p.warn(&l, "%s", invalidDirective("upssched.conf", w))
		}
	}
	return c, p.warns, p.err()
}

// upsschedWords is how many words upssched needs for each directive it
// knows.
var upsschedWords = map[string]int{"CMDSCRIPT": 2, "PIPEFN": 2, "LOCKFN": 2, "DEBUG_MIN": 2, "AT": 5}

// at reads an AT line. Every line upssched keeps (five words or more) is
// appended, the ones with errors marked Rejected.
func (p *parser) at(c *UpsschedConf, l parseconf.Line) {
	w := l.Words
	const usage = "AT <notifytype> <upsname|*> START-TIMER <name> <seconds> | CANCEL-TIMER <name> [<command>] | EXECUTE <command>"
	if len(w) < 5 {
		p.errAt(l, 0, "AT: missing arguments, expected %s", usage)
		return
	}
	a := At{NotifyType: w[1], UPSName: w[2], Action: w[3], CmdScript: c.CmdScript, Line: l.Num,
		PipeFn: c.PipeFn, LockFn: c.LockFn, Args: append([]string(nil), w[4:]...)}
	defer func() { c.At = append(c.At, a) }()
	reject := func(word int, format string, args ...any) {
		p.errAt(l, word, format, args...)
		a.Rejected = true
	}
	for _, need := range []struct{ v, name string }{{c.CmdScript, "CMDSCRIPT"}, {c.PipeFn, "PIPEFN"}, {c.LockFn, "LOCKFN"}} {
		if need.v == "" {
			// Fatal in upssched, when it reaches the line.
			reject(0, "%s must be set before any ATs in the config file!", need.name)
			return
		}
	}
	if _, _, ok := LookupNotifyType(w[1]); !ok {
		p.warn(&l, "AT %s: unknown notify type, the line never matches (expected one of %s)", w[1], notifyTypeList())
	}
	if !strings.Contains(w[2], "@") && w[2] != "*" {
		p.warn(&l, "AT %s %s: UPSNAME is the MONITOR system string, usually upsname@host (e.g. %s@localhost); %s alone matches only a MONITOR line written without a host",
			w[1], w[2], w[2], w[2])
	}
	switch w[3] {
	case StartTimer, StartTimerShared:
		a.Timer = w[4]
		if len(w) < 6 {
			reject(3, "%s: missing interval, expected AT %s %s %s <name> <seconds>", w[3], w[1], w[2], w[3])
			return
		}
		p.extra(l, 6)
		n, ok := atoiStrict(w[5])
		if !ok || n < 0 {
			// The timer daemon reads it with atoi: garbage is 0 and a
			// negative one is ignored ("bogus offset for timer").
			reject(5, "%s %s: expected a whole number of seconds >= 0, got %s", w[3], w[4], show(w[5]))
			return
		}
		a.Seconds = n
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
			reject(4, "Empty EXECUTE command argument: expected AT %s %s EXECUTE <command>", w[1], w[2])
			return
		}
		a.Command = w[4]
	default:
		reject(3, "Invalid command: %s: expected START-TIMER, CANCEL-TIMER or EXECUTE (or START-TIMER-SHARED, CANCEL-TIMER-MATCHED of later NUT)", show(w[3]))
	}
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
