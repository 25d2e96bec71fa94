package upssched

import (
	"bytes"
	"errors"

	"github.com/upslab/upslab/stack/conf"
)

// At is one AT line of upssched.conf, with the CMDSCRIPT, PIPEFN and
// LOCKFN in force where it stands and its arguments as written (see
// conf.At; upssched also acts on the lines conf marks Rejected).
type At = conf.At

// Config is upssched.conf as package conf reads it; upssched acts on every
// AT line of it, Rejected ones included, as NUT does when it reaches them.
type Config struct {
	*conf.UpsschedConf
}

// Parse reads upssched.conf; name is the path as upssched logs it.
// warnings are NUT's non-fatal log lines ("upssched.conf: invalid
// directive BOGUS line", "Parse error: ..."), not package conf's longer
// diagnostics: upssched reads on past what conf calls an error, as NUT
// does.
func Parse(name string, data []byte) (*Config, []string) {
	c, _, err := conf.ParseUpsschedConf(bytes.NewReader(data), name)
	warnings := c.NUTLog
	var list conf.ErrorList
	if err != nil && !errors.As(err, &list) {
		// Not about a line (a file too big to be one): nothing was read.
		warnings = append(warnings, err.Error())
	}
	return &Config{c}, warnings
}

// Step is what one matching AT line asks for.
type Step struct {
	// Kind is "START", "START-SHARED", "CANCEL", "CANCEL-MATCHED" (sent to
	// the timer daemon) or "EXECUTE" (run here, at once).
	Kind string
	// Name is the timer name, or the command for EXECUTE.
	Name string
	// Arg is the second argument as written: the seconds for START (the
	// daemon reads them with atoi), the optional command for CANCEL.
	Arg    string
	HasArg bool
	At     At
}

// FatalError is NUT's "CMDSCRIPT must be set before any ATs in the config
// file!" and its PIPEFN / LOCKFN siblings.
type FatalError struct{ Msg string }

func (e *FatalError) Error() string { return e.Msg }

// stepKinds maps an AT action to the request sent to the timer daemon.
var stepKinds = map[string]string{
	conf.StartTimer:         "START",
	conf.StartTimerShared:   "START-SHARED",
	conf.CancelTimer:        "CANCEL",
	conf.CancelTimerMatched: "CANCEL-MATCHED",
	conf.Execute:            "EXECUTE",
}

// Match walks the AT lines as upssched does (top to bottom, acting on each
// match as it is reached) and returns the steps for one event. An AT line
// met before CMDSCRIPT, PIPEFN and LOCKFN are all set is fatal even if it
// does not match; the steps before it have already happened in NUT and are
// returned too. Invalid AT commands come back in logs.
func (c *Config) Match(upsname, notifytype string) (steps []Step, logs []string, err error) {
	for _, a := range c.At {
		for _, req := range []struct{ v, n string }{{a.CmdScript, "CMDSCRIPT"}, {a.PipeFn, "PIPEFN"}, {a.LockFn, "LOCKFN"}} {
			if req.v == "" {
				return steps, logs, &FatalError{req.n + " must be set before any ATs in the config file!"}
			}
		}
		// UPS name: exact, case-sensitive, the full MONITOR system name
		// (NUT #1858: "myups" never matches "myups@localhost").
		if !a.Matches(upsname, notifytype) {
			continue
		}
		s := Step{Kind: stepKinds[a.Action], At: a}
		if len(a.Args) > 0 {
			s.Name = a.Args[0]
		}
		if len(a.Args) > 1 {
			s.Arg, s.HasArg = a.Args[1], true
		}
		switch {
		case s.Kind == "":
			logs = append(logs, "Invalid command: "+a.Action)
			continue
		case s.Kind == "EXECUTE" && s.Name == "":
			logs = append(logs, "Empty EXECUTE command argument")
			continue
		}
		steps = append(steps, s)
	}
	return steps, logs, nil
}
