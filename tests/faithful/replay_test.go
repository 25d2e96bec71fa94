package faithful

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/lab"
)

// execAt is one simulator command of a real-time run, at its time since
// upsmon started.
type execAt struct {
	at  time.Duration
	cmd string
}

// replayTolerance is how far apart in time the lab and the processes may
// make the same call: about one poll. Low battery may come up to 2.5 s
// apart: the simulator integrates the charge continuously but reports the
// crossing of battery.charge.low when it next wakes or is read by the
// driver, whose polls have another phase in real time (the driver starts
// a second or two before upsmon) than in the lab; then upsmon sees it at
// its next poll, plus process latency.
const replayTolerance = 2500 * time.Millisecond

// replayInLab plays a finished real-time run again in the lab: the rig's
// own NUT files (placeholders expanded the same way), the same setup, the
// same simulator commands at the same times since upsmon started, until
// the same moment (or the lab's shutdown, when the processes shut down);
// then the calls must agree (labAgrees). This is what proves the lab
// faithful beyond the scenario's own assertions: every NOTIFYCMD call with
// its message and UPSNAME, every CMDSCRIPT call, SHUTDOWNCMD, in the same
// order at about the same times.
func (b *procBackend) replayInLab(end time.Duration) error {
	r := b.r
	l, err := lab.New(lab.Options{
		// The same fraction of a second as the real run's start: upssched
		// counts whole seconds (time() in NUT), so a timer of N s fires
		// between N−1 and N s after it started, depending on that phase.
		Start: clock.Epoch.Add(time.Duration(r.Started.Nanosecond())),
		Seed:  1, // as port=sim
		Units: []lab.UnitSpec{b.unitSpec},
		Hosts: []lab.HostSpec{{Name: "primary", Files: map[string]string{
			"upsmon.conf":   r.Expand(r.Files["upsmon.conf"]),
			"upssched.conf": r.Expand(r.Files["upssched.conf"]),
		}}},
		UpsdFiles: map[string]string{"upsd.users": r.Files["upsd.users"]},
	})
	if err != nil {
		return err
	}
	defer l.Close()
	for _, e := range b.execs {
		l.Run(e.at - l.Now())
		if err := l.Exec(b.ups, e.cmd); err != nil {
			return err
		}
	}
	l.Run(end - l.Now())
	h := l.Hosts()[0]
	if sd := pick(r.Events(), "shutdown"); len(sd) > 0 && !h.ShutDown {
		l.RunUntil(func() bool { return h.ShutDown }, replayTolerance)
	}
	var out []Event
	msg := map[string]string{} // notify type → message of its latest notification
	for _, e := range l.Events() {
		switch e.Kind {
		case lab.KindNotify:
			msg[e.Type] = e.Message
		case lab.KindNotifyCmd:
			out = append(out, Event{At: e.At, Kind: "notify", What: e.Type, UPS: e.UPS, Type: e.Type, Args: msg[e.Type]})
		case lab.KindCmdScript:
			out = append(out, Event{At: e.At, Kind: "cmdscript", What: e.Type})
		case lab.KindShutdown:
			out = append(out, Event{At: e.At, Kind: "shutdown"})
		}
	}
	var ex []Exclusion
	if b.impl == Real {
		ex = append(ex, primaryFSDNotify)
	}
	err = labAgrees(b.t, r, out, replayTolerance, ex...)
	if err != nil || testing.Verbose() {
		var tl []string
		for _, e := range l.Events() {
			if e.Kind != lab.KindLog && e.Kind != lab.KindSyslog && e.Kind != lab.KindWall {
				tl = append(tl, e.String())
			}
		}
		b.t.Logf("lab replay timeline:\n%s", indent(strings.Join(tl, "\n")))
	}
	return err
}

// noEnv drops what the lab does not record: the environment a CMDSCRIPT
// saw (the lab runs no script).
var noEnv = Exclusion{
	Name: "lab-no-cmdscript-env (the lab records CMDSCRIPT's argument, not its environment)",
	Mask: func(e Event) Event {
		if e.Kind == "cmdscript" {
			e.UPS, e.Type = "", ""
		}
		return e
	},
}

// labAgrees checks the real run against the lab: the same calls in the
// same order (see canonical) at times within tol; nil, or an error showing
// both sides.
func labAgrees(t *testing.T, r *Rig, labEvents []Event, tol time.Duration, ex ...Exclusion) error {
	t.Helper()
	name := r.Name + " (real time)"
	ex = append(ex, noEnv)
	const gap = 500 * time.Millisecond
	a := canonical(apply(labEvents, ex...), r.Addr(), gap)
	b := canonical(apply(r.Events(), ex...), r.Addr(), gap)
	if d := diff("lab (virtual clock)", a, r.Addr(), name, b, r.Addr()); d != "" {
		return fmt.Errorf("the lab and %s recorded different calls:\n%s", r.Name, d)
	}
	if bad := timesWithin(a, b, tol); len(bad) > 0 {
		return fmt.Errorf("lab vs %s: %s\n%s", r.Name, strings.Join(bad, "; "), sideBySide("lab (virtual clock)", a, r.Addr(), name, b, r.Addr()))
	}
	t.Logf("the lab and %s agree:\n%s", r.Name, sideBySide("lab (virtual clock)", a, r.Addr(), name, b, r.Addr()))
	return nil
}
