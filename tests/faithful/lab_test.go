package faithful

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/upslab/upslab/drivers/driver"
	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/internal/nutref"
	"github.com/upslab/upslab/lab"
)

// Runbook is a scenario played twice, on the same NUT files and the same
// simulator commands: by our binaries as processes in real time, and by
// the lab on its virtual clock.
type Runbook struct {
	Name string
	// Setup are simulator commands applied before upsmon starts.
	Setup []string
	// Steps are simulator commands at times after upsmon started.
	Steps []Step
	// Until is how long the scenario lasts at most; it ends earlier when
	// upsmon ran SHUTDOWNCMD and ShutsDown is set.
	Until     time.Duration
	ShutsDown bool
	// Upssched is the upssched.conf (placeholders as Setup.Files).
	Upssched string
}

// Step is one simulator command at a time.
type Step struct {
	At  time.Duration
	Cmd string
}

// simFiles is the NUT configuration of the runbooks: our usbhid-ups on the
// in-process simulated ECO 650 (port=sim) polled every second, upsd,
// upsmon as primary with 1 s polls.
func simFiles(upssched string) map[string]string {
	return map[string]string{
		"ups.conf":   "[eco]\n\tdriver = usbhid-ups\n\tport = sim\n\tsimcontrol = {SIMCTL}\n\tpollinterval = 1\n",
		"upsd.conf":  "LISTEN 127.0.0.1 {PORT}\n",
		"upsd.users": "[admin]\n\tpassword = pass\n\tupsmon primary\n",
		"upsmon.conf": `MONITOR eco@{ADDR} 1 admin pass primary
MINSUPPLIES 1
POLLFREQ 1
POLLFREQALERT 1
HOSTSYNC 3
DEADTIME 4
FINALDELAY 1
NOTIFYCMD {BIN}/upssched
SHUTDOWNCMD "{BIN}/shutdown"
POWERDOWNFLAG {DIR}/killpower
NOTIFYFLAG ONLINE SYSLOG+EXEC
NOTIFYFLAG ONBATT SYSLOG+EXEC
NOTIFYFLAG LOWBATT SYSLOG+EXEC
NOTIFYFLAG FSD SYSLOG+EXEC
NOTIFYFLAG COMMOK SYSLOG+EXEC
NOTIFYFLAG COMMBAD SYSLOG+EXEC
NOTIFYFLAG SHUTDOWN SYSLOG+EXEC
NOTIFYFLAG NOCOMM SYSLOG+EXEC
NOTIFYFLAG REPLBATT SYSLOG+EXEC
`,
		"upssched.conf": upssched,
	}
}

// ourStack is every role played by our binaries.
var ourStack = Setup{Name: "our processes", Driver: Ours, Upsd: Ours, Upsmon: Ours, Upssched: Ours}

// playReal runs the runbook as processes: our usbhid-ups (port=sim) and
// the upsd, upsmon and upssched that s picks (kit is needed for real
// NUT's).
func playReal(t *testing.T, kit *nutref.Kit, s Setup, rb Runbook) *Rig {
	t.Helper()
	s.UPS, s.Driver, s.Files = "eco", Ours, simFiles(rb.Upssched)
	r := NewRig(t, kit, s)
	r.StartStack("OL")
	for _, c := range rb.Setup {
		if err := r.Sim(c); err != nil {
			t.Fatal(err)
		}
	}
	r.StartMonitor()
	for _, s := range rb.Steps {
		waitUntilTime(r.Started.Add(s.At))
		if err := r.Sim(s.Cmd); err != nil {
			t.Fatal(err)
		}
	}
	if rb.ShutsDown {
		r.WaitShutdown(rb.Until - time.Since(r.Started))
	} else {
		waitUntilTime(r.Started.Add(rb.Until))
	}
	return r
}

// waitUntilTime waits for a moment of the scenario's own schedule (when
// the next simulator command is due): wall-clock time is what a real-time
// run is about, not a guess at how long something takes.
func waitUntilTime(at time.Time) {
	if d := time.Until(at); d > 0 {
		<-time.After(d)
	}
}

// playLab runs the runbook in the lab with the rig's files (the same
// text, placeholders expanded the same way) and returns the calls in the
// rig's terms.
func playLab(t *testing.T, rb Runbook, r *Rig) []Event {
	t.Helper()
	files := simFiles(rb.Upssched)
	l, err := lab.New(lab.Options{
		// The same fraction of a second as the real run's start: upssched
		// counts whole seconds (time() in NUT), so a timer of N s fires
		// between N−1 and N s after it started, depending on that phase.
		Start:     clock.Epoch.Add(time.Duration(r.Started.Nanosecond())),
		Seed:      1, // as port=sim
		Units:     []lab.UnitSpec{{Name: "eco", Setup: rb.Setup}},
		Hosts:     []lab.HostSpec{{Name: "primary", Files: map[string]string{"upsmon.conf": r.Expand(files["upsmon.conf"]), "upssched.conf": r.Expand(files["upssched.conf"])}}},
		UpsdFiles: map[string]string{"upsd.users": files["upsd.users"]},
		Driver:    driver.Options{PollInterval: time.Second}, // ups.conf pollinterval = 1
	})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, s := range rb.Steps {
		l.Run(s.At - l.Now())
		if err := l.Exec("eco", s.Cmd); err != nil {
			t.Fatal(err)
		}
	}
	h := l.Hosts()[0]
	if rb.ShutsDown {
		if !l.RunUntil(func() bool { return h.ShutDown }, rb.Until-l.Now()) {
			t.Errorf("lab: no shutdown within %v", rb.Until)
		}
	} else {
		l.Run(rb.Until - l.Now())
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
	if testing.Verbose() || t.Failed() {
		var tl []string
		for _, e := range l.Events() {
			if e.Kind != lab.KindLog && e.Kind != lab.KindSyslog {
				tl = append(tl, e.String())
			}
		}
		t.Logf("lab timeline:\n%s", indent(strings.Join(tl, "\n")))
	}
	return out
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

// stormSched is the notify-storm upssched.conf of NUT's documentation,
// with a 4 s timer.
const stormSched = `CMDSCRIPT {BIN}/upssched-cmd
PIPEFN {STATE}/upssched.pipe
LOCKFN {STATE}/upssched.lock
AT ONBATT * START-TIMER onbattwarn 4
AT ONLINE * CANCEL-TIMER onbattwarn
AT ONLINE * EXECUTE ups-back-on-power
AT LOWBATT * EXECUTE lowbatt
AT COMMBAD * START-TIMER commbad 10
AT COMMOK * CANCEL-TIMER commbad
`

// matching returns the events of a kind with a given What.
func matching(evs []Event, kind, what string) []Event {
	var out []Event
	for _, e := range evs {
		if e.Kind == kind && e.What == what {
			out = append(out, e)
		}
	}
	return out
}
