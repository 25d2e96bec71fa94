// Package sock is NUT's driver socket protocol: the Unix stream socket a
// driver creates at <statepath>/<driver>-<upsname>, through which upsd (ours
// or NUT's) reads the driver's state and sends SET and INSTCMD.
//
// The package has three parts, like net/textproto:
//
//   - the codec: FormatChange turns a dstate.Change into the line a driver
//     sends; ParseEvent and ParseRequest read tokenized lines (tokenizing is
//     stack/parseconf's, the same rules as every NUT file and the network
//     protocol);
//   - Server, the driver side: it serves a dstate.Table to many clients at
//     once (DUMPALL, PING, broadcasts of every change) and hands SET and
//     INSTCMD to a Handler, answering TRACKING when asked;
//   - Client, the upsd side: it sends DUMPALL, PING, SET and INSTCMD and
//     reads the driver's lines as Events, which Apply copies into upsd's
//     mirror Table.
//
// One deliberate difference from NUT 2.8.0: its drivers escape values only
// when dumping (DUMPALL) and send live SETINFO / ADDENUM / DELENUM values
// raw, so a value holding `"` or `\` reaches upsd mangled until the next
// dump (daemons.md §6.3, verified). This package escapes on both paths.
package sock

import (
	"errors"
	"fmt"
	"strings"

	"github.com/upslab/upslab/internal/cnum"
	"github.com/upslab/upslab/stack/dstate"
	"github.com/upslab/upslab/stack/parseconf"
)

// Tracking codes a driver returns for SET and INSTCMD (NUT's STAT_*).
const (
	StatHandled = 0 // handled (success)
	StatUnknown = 1 // unknown command or variable
	StatInvalid = 2 // invalid argument
	StatFailed  = 3 // handled but failed
)

// word renders one word of a line: as is when the tokenizer would read it
// back unchanged, else quoted with NUT's escapes. Variable and command
// names never need quotes; the test is for hostile input.
func word(s string) string {
	if s == "" {
		return `""`
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c > '~' || c == '"' || c == '\\' || c == '#' || c == '=' {
			return parseconf.Quote(s)
		}
	}
	return s
}

// FormatChange returns the line (with its newline) a driver sends for c.
// Values (SETINFO, ADDENUM, DELENUM) are always quoted and escaped, on the
// dump path and the live path alike (NUT 2.8.0 escapes only the dump).
func FormatChange(c dstate.Change) string {
	var b strings.Builder
	b.WriteString(c.Op)
	for i, a := range c.Args {
		b.WriteByte(' ')
		quoted := i == 1 && (c.Op == "SETINFO" || c.Op == "ADDENUM" || c.Op == "DELENUM")
		if quoted {
			b.WriteString(parseconf.Quote(a))
		} else {
			b.WriteString(word(a))
		}
	}
	b.WriteByte('\n')
	return b.String()
}

// Event is one recognised line from a driver. Op is upper case; Args are
// the words after it, unquoted.
type Event struct {
	Op   string
	Args []string
}

// String formats the event as the driver's line without the newline.
func (e Event) String() string {
	return strings.TrimSuffix(FormatChange(dstate.Change{Op: e.Op, Args: e.Args}), "\n")
}

// minArgs is the number of words after the keyword that upsd 2.8.0
// requires (server/sstate.c); shorter lines are ignored.
var minArgs = map[string]int{
	"PONG": 0, "DUMPDONE": 0, "DATASTALE": 0, "DATAOK": 0,
	"ADDCMD": 1, "DELCMD": 1, "DELINFO": 1,
	"SETFLAGS": 2, "SETINFO": 2, "ADDENUM": 2, "DELENUM": 2, "SETAUX": 2, "TRACKING": 2,
	"ADDRANGE": 3, "DELRANGE": 3,
}

// ParseEvent reads a tokenized driver line with upsd 2.8.0's rules: the
// keyword is case-insensitive and each keyword needs a minimum number of
// words (extra words are ignored, except for SETFLAGS whose every word is
// a flag). It reports false for lines upsd ignores; those do not count as
// "heard from the driver".
func ParseEvent(words []string) (Event, bool) {
	if len(words) == 0 {
		return Event{}, false
	}
	op := strings.ToUpper(words[0])
	n, ok := minArgs[op]
	if !ok || len(words)-1 < n {
		return Event{}, false
	}
	args := words[1:]
	if op != "SETFLAGS" {
		args = args[:n]
	}
	return Event{Op: op, Args: append([]string(nil), args...)}, true
}

// Apply copies a state event into t, as upsd does with its mirror of a
// driver's state, and reports whether it was a state change event (DUMPDONE,
// PONG and TRACKING are not: the caller handles them). DATASTALE and DATAOK
// set t's stale flag; upsd honours them only after DUMPDONE, which is the
// caller's business.
func Apply(t *dstate.Table, e Event) bool {
	a := e.Args
	switch e.Op {
	case "SETINFO":
		t.Set(a[0], a[1])
	case "DELINFO":
		t.Del(a[0])
	case "SETFLAGS":
		t.SetFlags(a[0], dstate.ParseFlags(a[1:]))
	case "SETAUX":
		// upsd's state_setaux reads it with strtol into a long: "12x" is
		// 12, garbage is 0.
		t.SetAux(a[0], int(cnum.Atol(a[1])))
	case "ADDENUM":
		t.AddEnum(a[0], a[1])
	case "DELENUM":
		t.DelEnum(a[0], a[1])
	case "ADDRANGE":
		t.AddRange(a[0], dstate.Range{Min: cnum.Atoi(a[1]), Max: cnum.Atoi(a[2])})
	case "DELRANGE":
		t.DelRange(a[0], dstate.Range{Min: cnum.Atoi(a[1]), Max: cnum.Atoi(a[2])})
	case "ADDCMD":
		t.AddCmd(a[0])
	case "DELCMD":
		t.DelCmd(a[0])
	case "DATASTALE":
		t.SetStale(true)
	case "DATAOK":
		t.SetStale(false)
	default:
		return false
	}
	return true
}

// Request is one command from upsd to the driver.
type Request struct {
	// Op is DUMPALL, PING, INSTCMD or SET.
	Op string
	// Name is the command (INSTCMD) or variable (SET).
	Name string
	// Value is the SET value or the INSTCMD parameter; HasValue tells an
	// empty parameter from none.
	Value    string
	HasValue bool
	// Tracking is the TRACKING id, or empty when none was asked for.
	Tracking string
}

// ErrMalformedInstCmd is an INSTCMD with a wrong word count; the server
// logs NUT 2.8.0's "Malformed INSTCMD request" for it.
var ErrMalformedInstCmd = errors.New("malformed INSTCMD request")

// SetParamsError is a 5-word SET whose fourth word is not TRACKING; the
// server logs NUT 2.8.0's "Got SET <var> with unsupported parameters".
type SetParamsError struct{ Word3, Word4 string }

func (e *SetParamsError) Error() string {
	return fmt.Sprintf("SET with unsupported parameters (%s/%s)", e.Word3, e.Word4)
}

// errUnknown marks a line the driver does not understand; the server logs
// it as NUT does ("Unknown command on socket: " and then each word).
var errUnknown = errors.New("unknown command on socket")

// ParseRequest reads a tokenized line from upsd with NUT 2.8.0's rules
// (drivers/dstate.c sock_arg): INSTCMD takes 2, 3, 4 (… TRACKING id) or 5
// (… param TRACKING id) words; SET takes at least 3, and 5 only as
// `SET var value TRACKING id` (4 or 6+ words pass with the extra words
// ignored, as in 2.8.0).
func ParseRequest(words []string) (Request, error) {
	if len(words) == 0 {
		return Request{}, errUnknown
	}
	op := strings.ToUpper(words[0])
	switch op {
	case "DUMPALL", "PING":
		return Request{Op: op}, nil
	}
	if len(words) < 2 {
		return Request{}, errUnknown
	}
	if op == "INSTCMD" {
		r := Request{Op: op, Name: words[1]}
		switch {
		case len(words) == 2:
		case len(words) == 3:
			r.Value, r.HasValue = words[2], true
		case len(words) == 4 && strings.EqualFold(words[2], "TRACKING"):
			r.Tracking = words[3]
		case len(words) == 5 && strings.EqualFold(words[3], "TRACKING"):
			r.Value, r.HasValue, r.Tracking = words[2], true, words[4]
		default:
			return Request{}, ErrMalformedInstCmd
		}
		return r, nil
	}
	if len(words) < 3 {
		return Request{}, errUnknown
	}
	if op == "SET" {
		r := Request{Op: op, Name: words[1], Value: words[2], HasValue: true}
		if len(words) == 5 {
			if !strings.EqualFold(words[3], "TRACKING") {
				return Request{}, &SetParamsError{words[3], words[4]}
			}
			r.Tracking = words[4]
		}
		return r, nil
	}
	return Request{}, errUnknown
}

// Line formats the request as upsd 2.8.0 sends it, with its newline: SET
// quotes the value; INSTCMD's parameter is escaped and left unquoted as
// upsd does, unless it holds a blank or is empty, when it is quoted so the
// driver reads it as one word.
func (r Request) Line() string {
	var b strings.Builder
	b.WriteString(r.Op)
	switch r.Op {
	case "SET":
		b.WriteString(" " + word(r.Name) + " " + parseconf.Quote(r.Value))
	case "INSTCMD":
		b.WriteString(" " + word(r.Name))
		if r.HasValue {
			b.WriteString(" " + word(r.Value))
		}
	}
	if r.Tracking != "" && (r.Op == "SET" || r.Op == "INSTCMD") {
		b.WriteString(" TRACKING " + word(r.Tracking))
	}
	b.WriteByte('\n')
	return b.String()
}
