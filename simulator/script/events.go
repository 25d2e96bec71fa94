package script

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Event is a command at a time, relative to the start of the script.
type Event struct {
	At  time.Duration
	Cmd Command
}

// String renders e as "+1m30s mains off".
func (e Event) String() string { return "+" + durString(e.At) + " " + e.Cmd.String() }

// Events expands the script into its commands in time order. seed drives
// jitter when the script's jitter statements give no seed of their own;
// the same seed gives the same list.
//
// Timing rules: the script keeps a current time, starting at 0. "after D"
// and "wait D" move it on by D (plus jitter), "at D" sets it to D (which
// must not be earlier), a flap moves it on by count×period and a sag or
// surge by its length; a command runs at the current time.
func (s *Script) Events(seed uint64) ([]Event, error) {
	x := &expander{rng: rand.New(rand.NewPCG(seed, seed^0x75706c6162))}
	if err := x.stmts(s.Stmts); err != nil {
		return nil, err
	}
	return x.out, nil
}

type expander struct {
	now    time.Duration
	jitter time.Duration
	rng    *rand.Rand
	out    []Event
}

func (x *expander) emit(c Command) error {
	if len(x.out) >= MaxEvents {
		return &Error{c.Pos, fmt.Sprintf("script expands to more than %d commands", MaxEvents)}
	}
	x.out = append(x.out, Event{At: x.now, Cmd: c})
	return nil
}

// wait moves time on by d plus jitter.
func (x *expander) wait(pos Pos, d time.Duration) error {
	if x.jitter > 0 {
		d += time.Duration(x.rng.Int64N(int64(x.jitter) + 1))
	}
	if d > MaxSpan-x.now {
		return &Error{pos, fmt.Sprintf("script runs past %s", durString(MaxSpan))}
	}
	x.now += d
	return nil
}

func (x *expander) stmts(ss []Stmt) error {
	for i := range ss {
		if err := x.stmt(&ss[i]); err != nil {
			return err
		}
	}
	return nil
}

func (x *expander) stmt(s *Stmt) error {
	switch s.Kind {
	case KindCommand:
		return x.emit(s.Cmd)
	case KindAt:
		if s.Dur < x.now {
			return &Error{s.Pos, fmt.Sprintf("at %s is earlier than the script's current time %s (at counts from the start; use after for relative times)", durString(s.Dur), durString(x.now))}
		}
		x.now = s.Dur
		return x.stmt(&s.Body[0])
	case KindAfter:
		if err := x.wait(s.Pos, s.Dur); err != nil {
			return err
		}
		return x.stmt(&s.Body[0])
	case KindWait:
		return x.wait(s.Pos, s.Dur)
	case KindRepeat:
		for i := 0; i < s.Count; i++ {
			if err := x.stmts(s.Body); err != nil {
				return err
			}
		}
		return nil
	case KindFlap:
		off, on := OpMainsOff, OpMainsOn
		if s.Flapping == "cable" {
			off, on = OpCableUnplug, OpCableReplug
		}
		for i := 0; i < s.Count; i++ {
			if err := x.emit(Command{Pos: s.Pos, Op: off}); err != nil {
				return err
			}
			if err := x.wait(s.Pos, s.Off); err != nil {
				return err
			}
			if err := x.emit(Command{Pos: s.Pos, Op: on}); err != nil {
				return err
			}
			if err := x.wait(s.Pos, s.Dur-s.Off); err != nil {
				return err
			}
		}
		return nil
	case KindPulse:
		if err := x.emit(Command{Pos: s.Pos, Op: OpSag, Value: s.Volts}); err != nil {
			return err
		}
		if err := x.wait(s.Pos, s.Dur); err != nil {
			return err
		}
		return x.emit(Command{Pos: s.Pos, Op: OpSagEnd})
	case KindJitter:
		x.jitter = s.Dur
		if s.HasSeed {
			x.rng = rand.New(rand.NewPCG(s.Seed, s.Seed^0x75706c6162))
		}
		return nil
	}
	return &Error{s.Pos, fmt.Sprintf("unknown statement kind %d", s.Kind)}
}
