package upssched

import (
	"fmt"
	"strings"

	"github.com/upslab/upslab/stack/parseconf"
)

// At is one AT line, with the CMDSCRIPT, PIPEFN and LOCKFN in force where
// it stands (a later CMDSCRIPT line changes them for the lines after it).
type At struct {
	NotifyType string // compared case-insensitively with NOTIFYTYPE
	UPS        string // compared exactly with UPSNAME, or "*"
	Command    string // START-TIMER, START-TIMER-SHARED, CANCEL-TIMER, CANCEL-TIMER-MATCHED, EXECUTE, or anything (logged as invalid)
	Arg1, Arg2 string // timer name / command; seconds / cancel command
	HasArg2    bool
	Line       int

	CmdScript, PipeFn, LockFn string
}

// Config is upssched.conf.
type Config struct {
	// Ats are the AT lines in file order.
	Ats []At
	// CmdScript, PipeFn and LockFn are the last values in the file.
	CmdScript, PipeFn, LockFn string
	DebugMin                  int
}

// Parse reads upssched.conf. warnings are NUT's non-fatal log lines.
func Parse(name string, data []byte) (*Config, []string) {
	cfg := &Config{}
	var warnings []string
	var tok parseconf.Tokenizer
	emit := func(l parseconf.Line) {
		if l.Err != nil {
			warnings = append(warnings, fmt.Sprintf("Parse error: %s:%d: %v", name, l.Num, l.Err))
			return
		}
		w := l.Words
		if len(w) == 0 {
			return
		}
		ok := true
		switch {
		case w[0] == "CMDSCRIPT" && len(w) >= 2:
			cfg.CmdScript = w[1]
		case w[0] == "PIPEFN" && len(w) >= 2:
			cfg.PipeFn = w[1]
		case w[0] == "LOCKFN" && len(w) >= 2:
			cfg.LockFn = w[1]
		case strings.EqualFold(w[0], "DEBUG_MIN") && len(w) >= 2:
			fmt.Sscan(w[1], &cfg.DebugMin)
		case w[0] == "AT" && len(w) >= 5:
			a := At{NotifyType: w[1], UPS: w[2], Command: w[3], Arg1: w[4], Line: l.Num,
				CmdScript: cfg.CmdScript, PipeFn: cfg.PipeFn, LockFn: cfg.LockFn}
			if len(w) >= 6 {
				a.Arg2, a.HasArg2 = w[5], true
			}
			cfg.Ats = append(cfg.Ats, a)
		default:
			ok = false
		}
		if !ok {
			warnings = append(warnings, fmt.Sprintf("%s line %d: invalid directive %s", name, l.Num, strings.Join(w, " ")))
		}
	}
	tok.Feed(data, emit)
	tok.Flush(emit)
	return cfg, warnings
}

// Step is what one matching AT line asks for.
type Step struct {
	// Kind is "START", "START-SHARED", "CANCEL", "CANCEL-MATCHED" (sent to
	// the timer daemon) or "EXECUTE" (run here, at once).
	Kind string
	// Name is the timer name, or the command for EXECUTE.
	Name string
	// Arg is the seconds for START, the optional command for CANCEL.
	Arg    string
	HasArg bool
	At     At
}

// FatalError is NUT's "CMDSCRIPT must be set before any ATs in the config
// file!" and its PIPEFN / LOCKFN siblings.
type FatalError struct{ Msg string }

func (e *FatalError) Error() string { return e.Msg }

// Match walks the AT lines as upssched does (top to bottom, acting on each
// match as it is reached) and returns the steps for one event. An AT line
// met before CMDSCRIPT, PIPEFN and LOCKFN are all set is fatal even if it
// does not match; the steps before it have already happened in NUT and are
// returned too. Invalid AT commands come back in logs.
func (c *Config) Match(upsname, notifytype string) (steps []Step, logs []string, err error) {
	for _, a := range c.Ats {
		for _, req := range []struct{ v, n string }{{a.CmdScript, "CMDSCRIPT"}, {a.PipeFn, "PIPEFN"}, {a.LockFn, "LOCKFN"}} {
			if req.v == "" {
				return steps, logs, &FatalError{req.n + " must be set before any ATs in the config file!"}
			}
		}
		// UPS name: exact, case-sensitive, the full MONITOR system name
		// (NUT #1858: "myups" never matches "myups@localhost").
		if a.UPS != upsname && a.UPS != "*" {
			continue
		}
		if !strings.EqualFold(a.NotifyType, notifytype) {
			continue
		}
		s := Step{Name: a.Arg1, Arg: a.Arg2, HasArg: a.HasArg2, At: a}
		switch a.Command {
		case "START-TIMER":
			s.Kind = "START"
		case "START-TIMER-SHARED":
			s.Kind = "START-SHARED"
		case "CANCEL-TIMER":
			s.Kind = "CANCEL"
		case "CANCEL-TIMER-MATCHED":
			s.Kind = "CANCEL-MATCHED"
		case "EXECUTE":
			if a.Arg1 == "" {
				logs = append(logs, "Empty EXECUTE command argument")
				continue
			}
			s.Kind = "EXECUTE"
		default:
			logs = append(logs, "Invalid command: "+a.Command)
			continue
		}
		steps = append(steps, s)
	}
	return steps, logs, nil
}
