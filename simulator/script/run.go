package script

import (
	"fmt"
	"sync"
	"time"

	"github.com/upslab/upslab/internal/clock"
)

// Target is what commands act on (the simulator's Device).
type Target interface {
	// Apply carries out c now. A command that fails changes nothing.
	Apply(c Command) error
}

// Checker is an optional ability of a Target: Check tells whether c would
// be accepted (ranges, profile limits) without applying it, so that a whole
// script or control line can be refused before any of it runs.
type Checker interface {
	Check(c Command) error
}

// Runner runs scripts on a clock against a target.
type Runner struct {
	Clock  clock.Clock
	Target Target
	// Seed drives jitter for scripts that give no seed of their own.
	Seed uint64
	// OnApply, if set, is called after each command is applied, with its
	// error (nil on success). It runs in the clock's callback.
	OnApply func(e Event, err error)
	// OnExpect, if set, receives expect commands when they fall due; the
	// replay evaluates them. Without it they are dropped.
	OnExpect func(e Event)
}

// Run is a script being run.
type Run struct {
	r      *Runner
	start  time.Time
	events []Event
	mu     sync.Mutex
	next   int
	timer  clock.Timer
	done   chan struct{}
	closed bool
}

// Start expands s, checks every command against the target (when it is a
// Checker), applies the commands due at time 0 at once and schedules the
// rest on the clock. If the expansion, a check or a time-0 command fails,
// Start returns the error and schedules nothing; commands of time 0 before
// the failing one have been applied (a check failure applies nothing).
func (r *Runner) Start(s *Script) (*Run, error) {
	events, err := s.Events(r.Seed)
	if err != nil {
		return nil, err
	}
	if ch, ok := r.Target.(Checker); ok {
		for _, e := range events {
			if e.Cmd.Op == OpExpect {
				continue
			}
			if err := ch.Check(e.Cmd); err != nil {
				return nil, &Error{e.Cmd.Pos, err.Error()}
			}
		}
	}
	run := &Run{r: r, start: r.Clock.Now(), events: events, done: make(chan struct{})}
	run.mu.Lock()
	defer run.mu.Unlock()
	for run.next < len(events) && events[run.next].At == 0 {
		e := events[run.next]
		run.next++
		if err := run.apply(e); err != nil && e.Cmd.Op != OpExpect {
			run.finishLocked()
			return nil, &Error{e.Cmd.Pos, err.Error()}
		}
	}
	run.scheduleLocked()
	return run, nil
}

func (run *Run) apply(e Event) error {
	if e.Cmd.Op == OpExpect {
		if run.r.OnExpect != nil {
			run.r.OnExpect(e)
		}
		return nil
	}
	err := run.r.Target.Apply(e.Cmd)
	if run.r.OnApply != nil {
		run.r.OnApply(e, err)
	}
	return err
}

func (run *Run) scheduleLocked() {
	if run.next >= len(run.events) {
		run.finishLocked()
		return
	}
	due := run.start.Add(run.events[run.next].At)
	run.timer = run.r.Clock.AfterFunc(due.Sub(run.r.Clock.Now()), run.fire)
}

func (run *Run) fire() {
	run.mu.Lock()
	if run.closed {
		run.mu.Unlock()
		return
	}
	at := run.events[run.next].At
	var batch []Event
	for run.next < len(run.events) && run.events[run.next].At == at {
		batch = append(batch, run.events[run.next])
		run.next++
	}
	run.mu.Unlock()
	// Apply without the lock: a target's change listeners may look at the
	// run (Remaining) or stop it.
	for _, e := range batch {
		run.apply(e)
	}
	run.mu.Lock()
	if !run.closed {
		run.scheduleLocked()
	}
	run.mu.Unlock()
}

func (run *Run) finishLocked() {
	if !run.closed {
		run.closed = true
		close(run.done)
	}
}

// Stop cancels the commands not yet run.
func (run *Run) Stop() {
	run.mu.Lock()
	defer run.mu.Unlock()
	if run.timer != nil {
		run.timer.Stop()
	}
	run.finishLocked()
}

// Done is closed when the last command has run or the run was stopped.
func (run *Run) Done() <-chan struct{} { return run.done }

// Remaining returns the number of commands not yet run.
func (run *Run) Remaining() int {
	run.mu.Lock()
	defer run.mu.Unlock()
	return len(run.events) - run.next
}

// Length returns the time of the last command, relative to the start.
func (run *Run) Length() time.Duration {
	if len(run.events) == 0 {
		return 0
	}
	return run.events[len(run.events)-1].At
}

// Apply parses src as a script and runs it from now: the commands due now
// are applied before Apply returns, later ones are scheduled. It is what a
// control socket line does. name names the source in errors.
func (r *Runner) Apply(name, src string) (*Run, error) {
	s, err := Parse(name, []byte(src))
	if err != nil {
		return nil, err
	}
	if len(s.Stmts) == 0 {
		return nil, fmt.Errorf("empty command")
	}
	return r.Start(s)
}
