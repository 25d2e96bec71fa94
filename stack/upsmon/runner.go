package upsmon

import "github.com/upslab/upslab/internal/clock"

// Runner drives a Machine from clock callbacks, with no goroutine: each
// request is answered at once by Answer, and Sleep becomes a
// Clock.AfterFunc. On a virtual clock the whole monitor then runs inside
// the calls that advance time, in a deterministic order. This is how the
// lab (and the chain tests) run upsmon; the Daemon is the same idea over
// real connections and a real clock.
type Runner struct {
	M     *Machine
	Clock clock.Clock
	// Answer answers Connect, Poll, SetFSD and GetNumLogins.
	Answer func(Action) Input
	// Effect carries out everything else (Notify, Log, Wall, Disconnect,
	// WritePowerDownFlag, RunShutdownCmd, Exit); may be nil.
	Effect func(Action)

	timer clock.Timer
}

// Start runs the first loop iteration.
func (r *Runner) Start() { r.run(r.M.Start()) }

// Command delivers an operator command (cuts a pending sleep short when
// the machine acts on it at once, as a signal does).
func (r *Runner) Command(c Command) {
	acts := r.M.Step(c)
	if len(acts) > 0 && r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
	r.run(acts)
}

func (r *Runner) run(acts []Action) {
	for len(acts) > 0 {
		var next []Action
		for _, a := range acts {
			switch a := a.(type) {
			case Connect, Poll, SetFSD, GetNumLogins:
				next = r.M.Step(r.Answer(a))
			case Sleep:
				r.timer = r.Clock.AfterFunc(a.D, func() {
					r.timer = nil
					r.run(r.M.Step(Wake{}))
				})
			default:
				if r.Effect != nil {
					r.Effect(a)
				}
			}
		}
		acts = next
	}
}
