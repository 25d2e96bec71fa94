package upssched

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/internal/cnum"
)

// DefaultLinger is how long the timer daemon stays up with no timer left:
// NUT counts 15 idle passes of its 1-second select loop. 2.8.0 spun
// instead (#1964, fixed by #1965 in 2.8.1) and left at once; this waits.
const DefaultLinger = 15 * time.Second

// Env is the event that reached upssched: upsmon's UPSNAME, NOTIFYTYPE and
// the message (NOTIFYMSG, 2.8.5).
type Env struct{ UPSName, NotifyType, NotifyMsg string }

// Timer is one entry of the timer daemon's list.
type Timer struct {
	Name   string
	Expire time.Time
	// The events that started it (several for START-TIMER-SHARED), passed
	// to CMDSCRIPT when it fires, as NUT 2.8.5 does (#3097).
	NotifyTypes, UPSNames, NotifyMsgs []string
}

// EventKind tells what the timer table did.
type EventKind int

// Event kinds.
const (
	Started       EventKind = iota + 1 // a timer was added (or a shared one joined)
	Cancelled                          // a timer was removed by CANCEL
	Fired                              // a timer expired: run CMDSCRIPT <name>
	CancelCmd                          // CANCEL found no timer: run CMDSCRIPT <cmd>
	Ignored                            // a request was ignored (Text says why)
	Executed                           // an EXECUTE line ran CMDSCRIPT <cmd> in the client
	DaemonStarted                      // the timer daemon started
	DaemonExited                       // the timer daemon left (no timer for Linger)
)

// Event is one thing the timer table did. For Fired and CancelCmd the
// shell runs "CMDSCRIPT Arg" with Env added to the environment.
type Event struct {
	Kind  EventKind
	Timer string
	// Arg is what CMDSCRIPT gets: the timer name, or the cancel command.
	Arg string
	// Env is the environment for CMDSCRIPT ("UPSNAME=…"); empty for a
	// cancel command, whose environment in 2.8.5 has none of them.
	Env  []string
	Text string // log line, NUT's wording
}

func (e Event) String() string {
	switch e.Kind {
	case Started:
		return "started " + e.Timer + " " + e.Text
	case Cancelled:
		return "cancelled " + e.Timer
	case Fired:
		return fmt.Sprintf("fired %s run %q env %s", e.Timer, e.Arg, strings.Join(e.Env, " "))
	case CancelCmd:
		return fmt.Sprintf("cancel-cmd %s run %q", e.Timer, e.Arg)
	case Ignored:
		return "ignored " + e.Text
	case Executed:
		return fmt.Sprintf("execute run %q env %s", e.Arg, strings.Join(e.Env, " "))
	case DaemonStarted:
		return "daemon started"
	case DaemonExited:
		return "daemon exited"
	}
	return "?"
}

// Sched is the timer daemon's table, without I/O: requests come in through
// Start and Cancel, time through Due, and the events say what to run. The
// daemon (or the lab) calls Due at Next().
type Sched struct {
	clk       clock.Clock
	timers    []*Timer
	idleSince time.Time
	// Linger is how long an empty table stays before Done; DefaultLinger.
	Linger time.Duration
}

// NewSched returns an empty table reading the time from clk.
func NewSched(clk clock.Clock) *Sched {
	return &Sched{clk: clk, idleSince: clk.Now(), Linger: DefaultLinger}
}

// maxOffset bounds a timer's seconds (about 35,000 years) so that now+ofs
// cannot overflow. NUT adds strtol's long to time_t unchecked, so a huge
// offset wraps there and the timer fires at once; here it just never does.
const maxOffset = 1 << 40

// Start adds a timer of secs seconds (a decimal string, as on the wire).
// NUT's time is whole seconds: the timer expires at the whole second
// now+secs, so it fires between secs−1 and secs seconds from now in real
// time. Starting a name that runs already adds a second timer, as NUT does
// up to 2.8.5 (both fire; CANCEL-TIMER now removes both). With shared, the
// event joins the first timer of that name instead (START-TIMER-SHARED).
func (s *Sched) Start(name, secs string, env Env, shared bool) []Event {
	s.touch()
	ofs := min(cnum.Atol(secs), maxOffset) // the daemon's strtol(secs, NULL, 10)
	if ofs < 0 {
		return []Event{{Kind: Ignored, Timer: name, Text: "bogus offset for timer, ignoring"}}
	}
	if shared {
		for _, t := range s.timers {
			if t.Name == name {
				addUnique(&t.NotifyTypes, env.NotifyType)
				addUnique(&t.UPSNames, env.UPSName)
				addUnique(&t.NotifyMsgs, env.NotifyMsg)
				return []Event{{Kind: Started, Timer: name, Text: "(shared, joined)"}}
			}
		}
	}
	now := s.clk.Now()
	t := &Timer{Name: name, Expire: time.Unix(now.Unix()+ofs, 0).In(now.Location())}
	addUnique(&t.NotifyTypes, env.NotifyType)
	addUnique(&t.UPSNames, env.UPSName)
	addUnique(&t.NotifyMsgs, env.NotifyMsg)
	s.timers = append(s.timers, t)
	return []Event{{Kind: Started, Timer: name, Text: fmt.Sprintf("(%d seconds)", ofs)}}
}

func addUnique(list *[]string, v string) {
	if v != "" && !slices.Contains(*list, v) {
		*list = append(*list, v)
	}
}

// Cancel removes every timer called name (NUT 2.8.5; 2.8.0 removed only
// the first, so a doubled timer still fired). With matched
// (CANCEL-TIMER-MATCHED) a timer is removed only if its events include
// env's NOTIFYTYPE and UPSNAME (when given). If nothing was removed and cmd
// is not empty, CMDSCRIPT cmd runs (whether or not a daemon was running:
// the client starts one to ask).
func (s *Sched) Cancel(name, cmd string, env Env, matched bool) []Event {
	s.touch()
	var evs []Event
	kept := s.timers[:0]
	for _, t := range s.timers {
		if t.Name == name && (!matched || t.matches(env)) {
			evs = append(evs, Event{Kind: Cancelled, Timer: name})
			continue
		}
		kept = append(kept, t)
	}
	clear(s.timers[len(kept):])
	s.timers = kept
	if len(s.timers) == 0 {
		s.idleSince = s.clk.Now()
	}
	if len(evs) == 0 && cmd != "" {
		evs = append(evs, Event{Kind: CancelCmd, Timer: name, Arg: cmd, Text: fmt.Sprintf("Cancel %s, event: %s", name, cmd)})
	}
	return evs
}

func (t *Timer) matches(env Env) bool {
	if env.NotifyType == "" && env.UPSName == "" {
		return true
	}
	if env.NotifyType != "" && !slices.Contains(t.NotifyTypes, env.NotifyType) {
		return false
	}
	if env.UPSName != "" && !slices.Contains(t.UPSNames, env.UPSName) {
		return false
	}
	return true
}

func (s *Sched) touch() {
	if len(s.timers) == 0 {
		s.idleSince = s.clk.Now()
	}
}

// Due removes and returns the timers that have expired, in list order.
func (s *Sched) Due() []Event {
	now := s.clk.Now()
	var evs []Event
	kept := s.timers[:0]
	for _, t := range s.timers {
		if now.Before(t.Expire) {
			kept = append(kept, t)
			continue
		}
		evs = append(evs, Event{Kind: Fired, Timer: t.Name, Arg: t.Name, Env: t.env()})
	}
	clear(s.timers[len(kept):])
	s.timers = kept
	if len(evs) > 0 && len(s.timers) == 0 {
		s.idleSince = now
	}
	return evs
}

// env is 2.8.5's environment for a timer script: comma-separated UPSNAME
// and NOTIFYTYPE of the events that started it, their messages joined by
// ".<TAB>"; a variable with no value is not set at all.
func (t *Timer) env() []string {
	var e []string
	if len(t.UPSNames) > 0 {
		e = append(e, "UPSNAME="+strings.Join(t.UPSNames, ","))
	}
	if len(t.NotifyTypes) > 0 {
		e = append(e, "NOTIFYTYPE="+strings.Join(t.NotifyTypes, ","))
	}
	if len(t.NotifyMsgs) > 0 {
		e = append(e, "NOTIFYMSG="+strings.Join(t.NotifyMsgs, ".\t"))
	}
	return e
}

// Next is when the table next needs attention: the earliest expiry, or,
// with no timer left, the end of the linger.
func (s *Sched) Next() time.Time {
	if len(s.timers) == 0 {
		return s.idleSince.Add(s.Linger)
	}
	next := s.timers[0].Expire
	for _, t := range s.timers[1:] {
		if t.Expire.Before(next) {
			next = t.Expire
		}
	}
	return next
}

// Done reports that the table has been empty for Linger: the daemon may
// remove PIPEFN and exit.
func (s *Sched) Done() bool {
	return len(s.timers) == 0 && !s.clk.Now().Before(s.idleSince.Add(s.Linger))
}

// Timers returns a copy of the list, in order.
func (s *Sched) Timers() []Timer {
	out := make([]Timer, len(s.timers))
	for i, t := range s.timers {
		out[i] = *t
	}
	return out
}
