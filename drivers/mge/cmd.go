package mge

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// commandPause is usbhid-ups's wait between the two writes of
// shutdown.return and shutdown.stayoff ("some UPS's don't accept commands
// that arrive too rapidly").
const commandPause = 125 * time.Millisecond

// parseLong converts a NUT value to a number as NUT's atol does (leading
// blanks, a sign, then digits up to the first other character: "170.5" is
// 170). NUT writes 0 for a value without any digit; we refuse it with
// ErrInvalid instead, the same answer NUT 2.8.1+ gives for values a lookup
// cannot convert (STAT_*_CONVERSION_FAILED), rather than write 0 to the
// UPS. A number beyond int64 is refused too (atol would saturate). That
// refusal is why this is not internal/cnum's Atol, which never fails.
func parseLong(v string) (float64, error) {
	t := strings.TrimLeft(v, " \t\n\v\f\r")
	i := 0
	if i < len(t) && (t[i] == '-' || t[i] == '+') {
		i++
	}
	start := i
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == start {
		return 0, fmt.Errorf("%w: %q is not a number", ErrInvalid, v)
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q: %w", ErrInvalid, v, err)
	}
	return float64(n), nil
}

// InstCmd runs an instant command as usbhid-ups's instcmd does. arg is
// the optional extra argument ("" for none: the table's value is used).
// Composite commands: load.off / load.on (the .delay command with 0),
// shutdown.return (ups.start.auto := yes if present, load.on.delay with
// ups.delay.start, a 125 ms pause on the Clock, load.off.delay with
// ups.delay.shutdown) and shutdown.stayoff (same with -1). The pause is
// Options.Pause, else Clock.Sleep (see Options.Pause about virtual clocks).
func (s *Subdriver) InstCmd(name, arg string) error {
	if s.desc == nil {
		return errors.New("mge: InstCmd before Init")
	}
	switch strings.ToLower(name) {
	case "beeper.off":
		s.logf("The 'beeper.off' command has been renamed to 'beeper.disable'")
		return s.InstCmd("beeper.disable", "")
	case "beeper.on":
		s.logf("The 'beeper.on' command has been renamed to 'beeper.enable'")
		return s.InstCmd("beeper.enable", "")
	}
	i := s.findNUT(name)
	if i < 0 {
		switch strings.ToLower(name) {
		case "load.on":
			return s.InstCmd("load.on.delay", "0")
		case "load.off":
			return s.InstCmd("load.off.delay", "0")
		case "shutdown.return", "shutdown.stayoff":
			stayoff := strings.EqualFold(name, "shutdown.stayoff")
			if _, ok := s.t.Get("ups.start.auto"); ok {
				v := "yes"
				if stayoff {
					v = "no"
				}
				_ = s.Set("ups.start.auto", v) // NUT ignores the result
			}
			start, _ := s.t.Get("ups.delay.start")
			if stayoff {
				start = "-1"
			}
			if err := s.InstCmd("load.on.delay", start); err != nil {
				return err
			}
			if s.opts.Pause != nil {
				s.opts.Pause(commandPause)
			} else {
				s.clk.Sleep(commandPause)
			}
			off, _ := s.t.Get("ups.delay.shutdown")
			return s.InstCmd("load.off.delay", off)
		}
		// NUT answers STAT_INSTCMD_INVALID for a command it has no item for.
		return fmt.Errorf("%w: %s", ErrInvalid, name)
	}
	e := &Table[i]
	if e.Flags&Cmd == 0 {
		return fmt.Errorf("%w: %s is not an instant command", ErrInvalid, name)
	}
	val := arg
	if val == "" {
		val = e.Format
	}
	var v float64
	if e.Lookup != nil {
		hv, ok := e.Lookup.toHID(s, val)
		if !ok {
			return fmt.Errorf("%w: %s: no HID value for %q", ErrInvalid, name, val)
		}
		v = hv
	} else {
		var err error
		if v, err = parseLong(val); err != nil {
			return err
		}
	}
	if err := s.write(s.items[i], v); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrFailed, name, err)
	}
	s.dataChanged = true
	return nil
}

// Set writes a read-write variable as usbhid-ups's setvar does.
// Driver-side variables (ups.delay.*, outlet.*.desc) only change the
// table. NUT 2.8.0 answers STAT_SET_UNKNOWN both for unknown variables
// and for failed writes (a FIXME in NUT); so does Set, with the cause
// wrapped.
func (s *Subdriver) Set(name, value string) error {
	if s.desc == nil {
		return errors.New("mge: Set before Init")
	}
	i := s.findNUT(name)
	if i < 0 {
		return fmt.Errorf("%w: %s", ErrUnknown, name)
	}
	e := &Table[i]
	if e.Flags&RW == 0 {
		return fmt.Errorf("%w: %s is not writable", ErrUnknown, name)
	}
	if e.Flags&Absent != 0 {
		s.t.Set(e.Name, value)
		return nil
	}
	var v float64
	if e.Lookup != nil {
		hv, ok := e.Lookup.toHID(s, value)
		if !ok {
			return fmt.Errorf("%w: %s: no HID value for %q", ErrInvalid, name, value)
		}
		v = hv
	} else {
		var err error
		if v, err = parseLong(value); err != nil {
			return err
		}
	}
	if err := s.write(s.items[i], v); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrUnknown, name, err)
	}
	s.dataChanged = true
	return nil
}

// KillPower is upsdrv_shutdown (driver -k): shutdown.return, else
// shutdown.reboot, else load.off.delay.
func (s *Subdriver) KillPower() error {
	var errs []error
	for _, c := range []string{"shutdown.return", "shutdown.reboot", "load.off.delay"} {
		err := s.InstCmd(c, "")
		if err == nil {
			return nil
		}
		errs = append(errs, err)
	}
	return fmt.Errorf("mge: shutdown failed: %w", errors.Join(errs...))
}
