package faithful

import (
	"os"
	"path/filepath"
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
	for _, e := range l.Events() {
		switch e.Kind {
		case lab.KindNotifyCmd:
			out = append(out, Event{At: e.At, Kind: "notify", What: e.Type, UPS: e.UPS, Type: e.Type})
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

// compareLab checks the real run against the lab: the same calls in the
// same order (per poll, see canonical) at times within tol.
func compareLab(t *testing.T, r *Rig, labEvents []Event, tol time.Duration, ex ...Exclusion) {
	t.Helper()
	name := r.Name + " (real time)"
	t.Helper()
	ex = append(ex, noEnv)
	const gap = 400 * time.Millisecond
	a := canonical(apply(labEvents, ex...), r.Addr(), gap)
	b := canonical(apply(r.Events(), ex...), r.Addr(), gap)
	if d := diff("lab (virtual clock)", a, r.Addr(), name, b, r.Addr()); d != "" {
		t.Errorf("the lab and %s recorded different calls:\n%s", r.Name, d)
		return
	}
	for _, bad := range timesWithin(a, b, tol) {
		t.Errorf("lab vs %s: %s", r.Name, bad)
	}
	t.Logf("the lab and %s agree:\n%s", r.Name, sideBySide("lab (virtual clock)", a, r.Addr(), name, b, r.Addr()))
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

// TestFaithfulFlappingMains (issue 8): "flapping mains does not run the
// delayed command". Three 2 s outages 1 s apart under a 4 s upssched
// timer: three ONBATT, three ONLINE, the back-on-line command three times,
// and never the delayed command; then a 6 s outage runs it once. The lab
// and the processes give the same calls at times within 1.5 s (one poll,
// plus upssched's whole-second timers). Played by our processes, and by
// real NUT upsmon + upssched on our upsd and driver.
func TestFaithfulFlappingMains(t *testing.T) {
	t.Parallel()
	rb := Runbook{
		Name: "flapping mains",
		Steps: []Step{
			{2500 * time.Millisecond, "mains off"}, {4500 * time.Millisecond, "mains on"},
			{5500 * time.Millisecond, "mains off"}, {7500 * time.Millisecond, "mains on"},
			{8500 * time.Millisecond, "mains off"}, {10500 * time.Millisecond, "mains on"},
			{11500 * time.Millisecond, "mains off"}, {17500 * time.Millisecond, "mains on"},
		},
		Until:    20 * time.Second,
		Upssched: stormSched,
	}
	for _, tc := range []struct {
		name  string
		setup Setup
		real  bool
	}{
		{"ours", ourStack, false},
		{"real upsmon+upssched", Setup{Name: "real upsmon+upssched on our upsd+driver", Upsd: Ours, Upsmon: Real, Upssched: Real}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var k *nutref.Kit
			if tc.real {
				k = nutref.Require(t)
			}
			r := playReal(t, k, tc.setup, rb)
			compareLab(t, r, playLab(t, rb, r), 1500*time.Millisecond)
			if n := len(matching(r.Events(), "cmdscript", "onbattwarn")); n != 1 {
				t.Errorf("the delayed command ran %d times, want 1 (for the long outage only)", n)
			}
		})
	}
}

// TestFaithfulOutageToLowBattery (issue 8): "outage to low battery shuts
// down". The ECO 650 at 23 % charge and 90 % load loses mains: ONBATT,
// LOWBATT when the simulated charge reaches battery.charge.low (20 %),
// FSD, SHUTDOWN, SHUTDOWNCMD and POWERDOWNFLAG — in the lab and in real
// time, with low battery at the same time within lowBattTol: the
// simulator's battery runs at the same pace on both clocks.
func TestFaithfulOutageToLowBattery(t *testing.T) {
	t.Parallel()
	rb := Runbook{
		Name:      "outage to low battery",
		Setup:     []string{"battery charge 23%", "load 90%"},
		Steps:     []Step{{2500 * time.Millisecond, "mains off"}},
		Until:     22 * time.Second,
		ShutsDown: true,
		Upssched:  stormSched,
	}
	r := playReal(t, nil, ourStack, rb)
	labEvents := playLab(t, rb, r)
	compareLab(t, r, labEvents, lowBattTol)
	b, err := os.ReadFile(filepath.Join(r.Dir, "killpower"))
	if err != nil || string(b) != "upsmon-shutdown-file" {
		t.Errorf("POWERDOWNFLAG holds %q (%v)", b, err)
	}
}

// lowBattTol is how far apart the lab and a real run may see low
// battery. The simulator integrates the charge continuously, but a
// crossing of battery.charge.low is reported when the device next wakes
// (every second while discharging, counted from its last operation) or is
// read by the driver, whose polls have another phase in real time (the
// driver starts a second or two before upsmon, at any fraction) than in
// the lab; so up to 1 s apart, and upsmon sees it at its next poll (1 s):
// 2 s, plus process latency. Observed: 0.05 s and 1.03 s in two runs of
// the same test.
const lowBattTol = 2500 * time.Millisecond

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

// TestRealUpsmonShutsDownOnSimulatedBattery (issue 7): real NUT upsmon and
// upssched against our upsd, our usbhid-ups and the simulated ECO 650
// (port=sim). The battery is set to 25 % with a 90 % load, then mains
// fails: real upsmon sees ONBATT, then LOWBATT when the simulated charge
// reaches 20 %, sets FSD through our upsd, and runs SHUTDOWNCMD; the
// POWERDOWNFLAG is written. The same runbook in the lab gives the same
// calls (the lab runs our upsmon, so primary-fsd-notify is excluded, and
// the timer's environment, #3097).
func TestRealUpsmonShutsDownOnSimulatedBattery(t *testing.T) {
	t.Parallel()
	k := nutref.Require(t)
	rb := Runbook{
		Name:      "real upsmon, simulated battery",
		Setup:     []string{"battery charge 25%", "load 90%"},
		Steps:     []Step{{2500 * time.Millisecond, "mains off"}},
		Until:     23 * time.Second,
		ShutsDown: true,
		Upssched:  stormSched,
	}
	r := playReal(t, k, Setup{Name: "real upsmon+upssched on our upsd+driver", Upsd: Ours, Upsmon: Real, Upssched: Real}, rb)
	evs := r.Events()
	for _, want := range []string{"ONBATT", "LOWBATT", "SHUTDOWN"} {
		if len(matching(evs, "notify", want)) != 1 {
			t.Errorf("real upsmon notified %s %d times, want 1", want, len(matching(evs, "notify", want)))
		}
	}
	b, err := os.ReadFile(filepath.Join(r.Dir, "killpower"))
	if err != nil || string(b) != "upsmon-shutdown-file" {
		t.Errorf("POWERDOWNFLAG holds %q (%v)", b, err)
	}
	if !strings.Contains(r.upsdLog(), "set FSD on UPS [eco]") {
		t.Errorf("our upsd did not log the FSD from real upsmon")
	}
	compareLab(t, r, playLab(t, rb, r), lowBattTol, primaryFSDNotify, timerEnv("onbattwarn", "commbad"))
}

// TestFaithfulCablePulled (issue 8): the USB cable pulled for 6 s and
// plugged back: the driver loses the device and marks its data stale,
// upsd answers DATA-STALE, upsmon notifies COMMBAD, and COMMOK once the
// driver found the device again; the commbad timer (10 s) is cancelled.
// The lab and our processes agree within one poll, and here the lab is
// one poll late: it notices the unplug at its second driver poll, not the
// first. The cause is lab/lab.go (newUnit): its mge.Options has no
// PollInterval, so the subdriver keeps reports fresh for the default 2 s
// while the driver polls every 1 s (ups.conf pollinterval = 1); our
// usbhid-ups passes pollinterval to the subdriver (drivers/driver/mge.go).
// With the default pollinterval of 2 s the two agree.
func TestFaithfulCablePulled(t *testing.T) {
	t.Parallel()
	rb := Runbook{
		Name:     "cable pulled",
		Steps:    []Step{{2500 * time.Millisecond, "cable unplug"}, {8500 * time.Millisecond, "cable plug"}},
		Until:    15 * time.Second,
		Upssched: stormSched,
	}
	r := playReal(t, nil, ourStack, rb)
	compareLab(t, r, playLab(t, rb, r), 1500*time.Millisecond)
}
