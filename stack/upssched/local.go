package upssched

import "github.com/upslab/upslab/internal/clock"

// Local is upssched in one process on one clock: the client part (AT
// matching, EXECUTE) and the timer daemon (a Sched, started on demand and
// leaving after Linger) without sockets or child processes. The lab uses it
// in place of the upssched binary; the transcript tests drive it too.
//
// On a virtual clock the timers fire from clock callbacks, inside the call
// that advances time.
type Local struct {
	Config *Config
	Clock  clock.Clock
	// Run runs CMDSCRIPT with arg (and env added to the environment). For
	// EXECUTE it is called from Notify, for timers from the clock.
	Run func(cmdscript, arg string, env []string)
	// OnEvent, if set, sees every event (for timelines).
	OnEvent func(Event)

	sched     *Sched
	cmdscript string
	timer     clock.Timer
}

// Running reports whether the timer daemon is up.
func (l *Local) Running() bool { return l.sched != nil }

// Timers lists the running timers.
func (l *Local) Timers() []Timer {
	if l.sched == nil {
		return nil
	}
	return l.sched.Timers()
}

func (l *Local) event(e Event) {
	if l.OnEvent != nil {
		l.OnEvent(e)
	}
}

// Notify is one upssched invocation by upsmon with UPSNAME, NOTIFYTYPE and
// the message in env. Log lines and a fatal configuration error come back.
func (l *Local) Notify(env Env) (logs []string, err error) {
	steps, logs, err := l.Config.Match(env.UPSName, env.NotifyType)
	for _, s := range steps {
		switch s.Kind {
		case "EXECUTE":
			// EXECUTE runs in the client with upsmon's environment.
			e := []string{"UPSNAME=" + env.UPSName, "NOTIFYTYPE=" + env.NotifyType}
			l.event(Event{Kind: Executed, Arg: s.Name, Env: e})
			if l.Run != nil {
				l.Run(s.At.CmdScript, s.Name, e)
			}
			continue
		case "CANCEL", "CANCEL-MATCHED":
			// No daemon and nothing to run on a miss: nothing to do.
			if l.sched == nil && s.Arg == "" {
				continue
			}
		}
		if l.sched == nil {
			l.sched = NewSched(l.Clock)
			l.cmdscript = s.At.CmdScript
			l.event(Event{Kind: DaemonStarted})
		}
		var evs []Event
		switch s.Kind {
		case "START":
			evs = l.sched.Start(s.Name, s.Arg, env, false)
		case "START-SHARED":
			evs = l.sched.Start(s.Name, s.Arg, env, true)
		case "CANCEL":
			evs = l.sched.Cancel(s.Name, s.Arg, env, false)
		case "CANCEL-MATCHED":
			evs = l.sched.Cancel(s.Name, s.Arg, env, true)
		}
		l.handle(evs)
		l.arm()
	}
	return logs, err
}

func (l *Local) handle(evs []Event) {
	for _, e := range evs {
		l.event(e)
		if (e.Kind == Fired || e.Kind == CancelCmd) && l.Run != nil {
			l.Run(l.cmdscript, e.Arg, e.Env)
		}
	}
}

// arm sets the clock timer for the daemon's next duty.
func (l *Local) arm() {
	if l.timer != nil {
		l.timer.Stop()
	}
	if l.sched == nil {
		return
	}
	d := l.sched.Next().Sub(l.Clock.Now())
	l.timer = l.Clock.AfterFunc(max(d, 0), l.wake)
}

func (l *Local) wake() {
	if l.sched == nil {
		return
	}
	l.handle(l.sched.Due())
	if l.sched.Done() {
		l.sched = nil
		l.timer = nil
		l.event(Event{Kind: DaemonExited})
		return
	}
	l.arm()
}
