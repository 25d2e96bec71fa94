// Package features holds upslab's Gherkin conformance suite: runbooks a NUT
// user recognises (notify storms, upssched timers, shutdown on low battery),
// run through the whole stack in the lab (simulator → driver → upsd →
// upsmon → upssched) on a virtual clock. `go test ./features` runs them;
// -godog.tags and -godog.format select scenarios and formatters (pretty,
// progress, junit, cucumber).
//
// Steps stay one-liners over the lab: a scenario builds its setup with
// Given steps, the lab starts at the first When or Then, and assertions read
// the lab's timeline.
package features

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/upslab/upslab/lab"
	"github.com/upslab/upslab/stack/upsmon"
)

// world is one scenario's state.
type world struct {
	units       []lab.UnitSpec
	monitors    []string // MONITOR lines of the primary
	upsmonConf  []string // other upsmon.conf text of the primary
	upsschedCfg string
	secondaries []lab.HostSpec
	secMonitors map[string]string
	setup       map[string][]string
	lab         *lab.Lab
	outage      time.Duration
	hasOutage   bool
}

// InitializeScenario registers the steps; godog calls it for each scenario.
func InitializeScenario(sc *godog.ScenarioContext) {
	w := &world{secMonitors: map[string]string{}, setup: map[string][]string{}}
	sc.After(func(ctx context.Context, _ *godog.Scenario, err error) (context.Context, error) {
		if w.lab != nil {
			w.lab.Close()
		}
		return ctx, nil
	})

	// Setup.
	sc.Step(`^a (?:second )?UPS "([^"]+)" simulated as an Ellipse ECO (\d+) at (\d+)% load$`, w.aUPS)
	sc.Step(`^upsmon monitors "([^"]+)" as (primary|secondary)$`, w.monitors_)
	sc.Step(`^this upsmon\.conf:$`, w.upsmonConfDoc)
	sc.Step(`^this upsmon\.conf line: "(.+)"$`, w.upsmonConfLine)
	sc.Step(`^this upsmon\.conf line: '(.+)'$`, w.upsmonConfLine)
	sc.Step(`^this upssched\.conf:$`, w.upsschedConfDoc)
	sc.Step(`^a secondary host "([^"]+)" that monitors "([^"]+)" as secondary$`, w.secondary)
	sc.Step(`^the battery health is (\d+)%$`, func(p int) error { return w.setupAll(fmt.Sprintf("battery health %d%%", p)) })

	// Events.
	sc.Step(`^the lab runs for (\d+) (seconds?|minutes?|hours?)$`, w.pass)
	sc.Step(`^(\d+) (seconds?|minutes?|hours?) pass(?:es)?$`, w.pass)
	sc.Step(`^mains power (fails|returns)$`, func(how string) error { return w.mains(how, "") })
	sc.Step(`^mains power (fails|returns) on "([^"]+)"$`, w.mains)
	sc.Step(`^mains flaps (\d+) times every (\d+) seconds$`, w.flap)
	sc.Step(`^the UPS cable flaps (\d+) times every (\d+) seconds$`, w.cableFlap)
	sc.Step(`^the UPS cable is (pulled|plugged back)$`, w.cable)
	sc.Step(`^the battery needs replacing$`, func() error { return w.exec("", "battery replace") })
	sc.Step(`^the lab runs until the host shuts down$`, w.untilShutdown)
	sc.Step(`^the lab runs until the battery charge is (\d+)%$`, w.untilCharge)
	sc.Step(`^the lab runs until upsmon notifies ([A-Z]+)$`, w.untilNotify)
	sc.Step(`^the host's shutdown script kills UPS power$`, w.killPower)
	sc.Step(`^the operator runs "upsmon -c fsd" on the primary$`, w.operatorFSD)

	// Outcomes.
	sc.Step(`^upsmon notified ([A-Z_]+) (\d+) times?$`, w.notifiedExactly)
	sc.Step(`^upsmon notified ([A-Z_]+) at (most|least) (\d+) times?$`, w.notifiedBound)
	sc.Step(`^CMDSCRIPT never ran "([^"]+)"$`, func(arg string) error { return w.cmdscriptRan(arg, 0) })
	sc.Step(`^CMDSCRIPT ran "([^"]+)" (\d+) times?$`, w.cmdscriptRan)
	sc.Step(`^CMDSCRIPT ran "([^"]+)" within (\d+) seconds of the outage$`, w.cmdscriptWithin)
	sc.Step(`^the timer "([^"]+)" was (started|cancelled) (\d+) times?$`, w.timerCount)
	sc.Step(`^the timer "([^"]+)" fired between (\d+) and (\d+) seconds after the outage$`, w.timerFiredBetween)
	sc.Step(`^the upssched timer daemon exited between (\d+) and (\d+) seconds after its last timer fired$`, w.schedExit)
	sc.Step(`^the host (did not shut|shut) down$`, w.hostShutdown)
	sc.Step(`^upsmon logged "([^"]+)"$`, w.logged)
	sc.Step(`^the ([A-Z]+) notification went to syslog: (yes|no), wall: (yes|no), exec: (yes|no)$`, w.notifyRouting)
	sc.Step(`^the ([A-Z]+) notification says "([^"]+)"$`, w.notifySays)
	sc.Step(`^the notifications were, in order:$`, w.notificationsInOrder)
	sc.Step(`^POWERDOWNFLAG was written$`, w.powerdownFlag)
	sc.Step(`^SHUTDOWNCMD ran after low battery within (\d+) seconds$`, w.shutdownAfterLB)
	sc.Step(`^the UPS output is (off|on)$`, w.outputIs)
	sc.Step(`^the UPS output went off and came back on$`, w.outputCycled)
	sc.Step(`^low battery came between (\d+) and (\d+) minutes after the outage$`, w.lowBatteryBetween)
	sc.Step(`^the secondary "([^"]+)" shut down before the primary$`, w.secondaryFirst)
	sc.Step(`^the primary shut down at most (\d+) seconds after setting FSD$`, w.primaryAfterFSD)
	sc.Step(`^the secondary "([^"]+)" was notified ([A-Z]+)$`, w.secondaryNotified)
	sc.Step(`^the secondary "([^"]+)" shut down$`, w.secondaryShutDown)
}

// --- setup ---

func (w *world) aUPS(name string, model, load int) error {
	w.units = append(w.units, lab.UnitSpec{Name: name, Model: fmt.Sprintf("ellipse-eco-%d", model), Load: load})
	return nil
}

func (w *world) monitors_(sys, role string) error {
	w.monitors = append(w.monitors, fmt.Sprintf("MONITOR %s 1 upsmon secret %s", sys, role))
	return nil
}

func (w *world) upsmonConfDoc(doc *godog.DocString) error {
	w.upsmonConf = append(w.upsmonConf, doc.Content)
	return nil
}

func (w *world) upsmonConfLine(line string) error {
	w.upsmonConf = append(w.upsmonConf, line)
	return nil
}

func (w *world) upsschedConfDoc(doc *godog.DocString) error {
	w.upsschedCfg = doc.Content
	return nil
}

func (w *world) secondary(name, sys string) error {
	w.secMonitors[name] = fmt.Sprintf("MONITOR %s 1 upsmon secret secondary", sys)
	w.secondaries = append(w.secondaries, lab.HostSpec{Name: name})
	return nil
}

func (w *world) setupAll(cmd string) error {
	for i := range w.units {
		w.units[i].Setup = append(w.units[i].Setup, cmd)
	}
	return nil
}

// ensure starts the lab at the first event or outcome step.
func (w *world) ensure() (*lab.Lab, error) {
	if w.lab != nil {
		return w.lab, nil
	}
	common := strings.Join(w.upsmonConf, "\n")
	files := map[string]string{"upsmon.conf": strings.Join(w.monitors, "\n") + "\n" + common + "\n"}
	if w.upsschedCfg != "" {
		files["upssched.conf"] = w.upsschedCfg
	}
	hosts := []lab.HostSpec{{Name: "primary", Files: files}}
	for _, s := range w.secondaries {
		f := map[string]string{"upsmon.conf": w.secMonitors[s.Name] + "\n" + common + "\n"}
		if w.upsschedCfg != "" {
			f["upssched.conf"] = w.upsschedCfg
		}
		hosts = append(hosts, lab.HostSpec{Name: s.Name, Files: f})
	}
	l, err := lab.New(lab.Options{Seed: 1, Units: w.units, Hosts: hosts})
	if err != nil {
		return nil, err
	}
	w.lab = l
	return l, nil
}

// --- events ---

func duration(n int, unit string) time.Duration {
	switch {
	case strings.HasPrefix(unit, "second"):
		return time.Duration(n) * time.Second
	case strings.HasPrefix(unit, "minute"):
		return time.Duration(n) * time.Minute
	}
	return time.Duration(n) * time.Hour
}

func (w *world) pass(n int, unit string) error {
	l, err := w.ensure()
	if err != nil {
		return err
	}
	l.Run(duration(n, unit))
	return nil
}

// exec runs a simulator command on one unit, or on the first when ups is "".
func (w *world) exec(ups, cmd string) error {
	l, err := w.ensure()
	if err != nil {
		return err
	}
	if ups == "" {
		ups = l.Units()[0].Name
	}
	return l.Exec(ups, cmd)
}

func (w *world) markOutage() {
	if !w.hasOutage {
		w.hasOutage = true
		w.outage = w.lab.Now()
	}
}

func (w *world) mains(how, ups string) error {
	cmd := "mains on"
	if how == "fails" {
		cmd = "mains off"
	}
	if err := w.exec(ups, cmd); err != nil {
		return err
	}
	if how == "fails" {
		w.markOutage()
	}
	return nil
}

func (w *world) flap(n, every int) error {
	half := time.Duration(every) * time.Second / 2
	for i := 0; i < n; i++ {
		if err := w.mains("fails", ""); err != nil {
			return err
		}
		w.lab.Run(half)
		if err := w.mains("returns", ""); err != nil {
			return err
		}
		w.lab.Run(half)
	}
	return nil
}

func (w *world) cableFlap(n, every int) error {
	half := time.Duration(every) * time.Second / 2
	for i := 0; i < n; i++ {
		if err := w.exec("", "cable unplug"); err != nil {
			return err
		}
		w.lab.Run(half)
		if err := w.exec("", "cable replug"); err != nil {
			return err
		}
		w.lab.Run(half)
	}
	return nil
}

func (w *world) cable(how string) error {
	if how == "pulled" {
		return w.exec("", "cable unplug")
	}
	return w.exec("", "cable replug")
}

const runLimit = 12 * time.Hour

func (w *world) untilShutdown() error {
	l, err := w.ensure()
	if err != nil {
		return err
	}
	if !l.RunUntil(func() bool { return l.Hosts()[0].ShutDown }, runLimit) {
		return fmt.Errorf("the host did not shut down within %s", runLimit)
	}
	return nil
}

func (w *world) untilCharge(p int) error {
	l, err := w.ensure()
	if err != nil {
		return err
	}
	u := l.Units()[0]
	if !l.RunUntil(func() bool { return u.Device.State().Charge <= p }, runLimit) {
		return fmt.Errorf("charge never fell to %d%% (now %d%%)", p, u.Device.State().Charge)
	}
	return nil
}

func (w *world) untilNotify(typ string) error {
	l, err := w.ensure()
	if err != nil {
		return err
	}
	if !l.RunUntil(func() bool { return len(lab.Filter(l.Events(), lab.KindNotify, "primary", "", typ)) > 0 }, runLimit) {
		return fmt.Errorf("upsmon never notified %s", typ)
	}
	return nil
}

func (w *world) killPower() error {
	l, err := w.ensure()
	if err != nil {
		return err
	}
	l.Hosts()[0].KillPower()
	return nil
}

func (w *world) operatorFSD() error {
	l, err := w.ensure()
	if err != nil {
		return err
	}
	l.Hosts()[0].Command(upsmon.CmdFSD)
	return nil
}

// --- outcomes ---

func (w *world) events(kind lab.Kind, host, typ string) ([]lab.Event, error) {
	l, err := w.ensure()
	if err != nil {
		return nil, err
	}
	return lab.Filter(l.Events(), kind, host, "", typ), nil
}

func (w *world) timeline() string {
	var b strings.Builder
	for _, e := range w.lab.Events() {
		if e.Kind == lab.KindLog || e.Kind == lab.KindSyslog || e.Kind == lab.KindWall {
			continue
		}
		b.WriteString(e.String())
		b.WriteByte('\n')
	}
	return b.String()
}

func (w *world) failf(format string, a ...any) error {
	return fmt.Errorf(format+"\ntimeline:\n%s", append(a, w.timeline())...)
}

func (w *world) notifiedExactly(typ string, n int) error {
	ev, err := w.events(lab.KindNotify, "primary", typ)
	if err != nil {
		return err
	}
	if len(ev) != n {
		return w.failf("upsmon notified %s %d times, want %d", typ, len(ev), n)
	}
	return nil
}

func (w *world) notifiedBound(typ, bound string, n int) error {
	ev, err := w.events(lab.KindNotify, "primary", typ)
	if err != nil {
		return err
	}
	if (bound == "most" && len(ev) > n) || (bound == "least" && len(ev) < n) {
		return w.failf("upsmon notified %s %d times, want at %s %d", typ, len(ev), bound, n)
	}
	return nil
}

func (w *world) cmdscriptRan(arg string, n int) error {
	ev, err := w.events(lab.KindCmdScript, "primary", arg)
	if err != nil {
		return err
	}
	if len(ev) != n {
		return w.failf("CMDSCRIPT ran %q %d times, want %d", arg, len(ev), n)
	}
	return nil
}

func (w *world) cmdscriptWithin(arg string, secs int) error {
	ev, err := w.events(lab.KindCmdScript, "primary", arg)
	if err != nil {
		return err
	}
	if len(ev) == 0 || !w.hasOutage {
		return w.failf("CMDSCRIPT never ran %q after an outage", arg)
	}
	if d := ev[0].At - w.outage; d > time.Duration(secs)*time.Second || d < 0 {
		return w.failf("CMDSCRIPT ran %q %s after the outage, want within %ds", arg, d, secs)
	}
	return nil
}

func (w *world) timerCount(name, what string, n int) error {
	kind := lab.KindTimerStart
	if what == "cancelled" {
		kind = lab.KindTimerCancel
	}
	ev, err := w.events(kind, "primary", name)
	if err != nil {
		return err
	}
	if len(ev) != n {
		return w.failf("timer %q was %s %d times, want %d", name, what, len(ev), n)
	}
	return nil
}

func (w *world) timerFiredBetween(name string, lo, hi int) error {
	ev, err := w.events(lab.KindTimerFire, "primary", name)
	if err != nil {
		return err
	}
	if len(ev) == 0 || !w.hasOutage {
		return w.failf("timer %q never fired after an outage", name)
	}
	d := ev[0].At - w.outage
	if d < time.Duration(lo)*time.Second || d > time.Duration(hi)*time.Second {
		return w.failf("timer %q fired %s after the outage, want between %ds and %ds", name, d, lo, hi)
	}
	return nil
}

func (w *world) schedExit(lo, hi int) error {
	fires, err := w.events(lab.KindTimerFire, "primary", "")
	if err != nil {
		return err
	}
	exits, _ := w.events(lab.KindSchedExit, "primary", "")
	if len(fires) == 0 || len(exits) == 0 {
		return w.failf("no timer fired or the daemon never left")
	}
	d := exits[len(exits)-1].At - fires[len(fires)-1].At
	if d < time.Duration(lo)*time.Second || d > time.Duration(hi)*time.Second {
		return w.failf("the timer daemon left %s after its last timer, want between %ds and %ds", d, lo, hi)
	}
	return nil
}

func (w *world) hostShutdown(how string) error {
	l, err := w.ensure()
	if err != nil {
		return err
	}
	want := how == "shut"
	if got := l.Hosts()[0].ShutDown; got != want {
		return w.failf("host shut down: %v, want %v", got, want)
	}
	return nil
}

func (w *world) logged(text string) error {
	l, err := w.ensure()
	if err != nil {
		return err
	}
	for _, e := range l.Events() {
		if e.Kind == lab.KindLog && strings.Contains(e.Message, text) {
			return nil
		}
	}
	return w.failf("no log line contains %q", text)
}

func yes(s string) bool { return s == "yes" }

func (w *world) notifyRouting(typ, syslog, wall, exec string) error {
	for _, c := range []struct {
		kind lab.Kind
		want bool
	}{{lab.KindSyslog, yes(syslog)}, {lab.KindWall, yes(wall)}, {lab.KindNotifyCmd, yes(exec)}} {
		ev, err := w.events(c.kind, "primary", typ)
		if err != nil {
			return err
		}
		if got := len(ev) > 0; got != c.want {
			return w.failf("%s notification to %s: %v, want %v", typ, c.kind, got, c.want)
		}
	}
	return nil
}

func (w *world) notifySays(typ, msg string) error {
	ev, err := w.events(lab.KindNotify, "primary", typ)
	if err != nil {
		return err
	}
	if len(ev) == 0 || ev[0].Message != msg {
		return w.failf("%s notification says %v, want %q", typ, ev, msg)
	}
	return nil
}

func (w *world) notificationsInOrder(t *godog.Table) error {
	ev, err := w.events(lab.KindNotify, "primary", "")
	if err != nil {
		return err
	}
	var got []string
	for _, e := range ev {
		got = append(got, e.Type)
	}
	var want []string
	for _, r := range t.Rows {
		want = append(want, r.Cells[0].Value)
	}
	// The wanted types must appear in this order (others may come between).
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	if i != len(want) {
		return w.failf("notifications %v do not contain %v in order", got, want)
	}
	return nil
}

func (w *world) powerdownFlag() error {
	l, err := w.ensure()
	if err != nil {
		return err
	}
	if !l.Hosts()[0].PowerDownFlag {
		return w.failf("POWERDOWNFLAG was not written")
	}
	return nil
}

func (w *world) firstStatusWith(word string) (time.Duration, bool) {
	for _, e := range w.lab.Events() {
		if e.Kind == lab.KindStatus && hasWord(e.Type, word) {
			return e.At, true
		}
	}
	return 0, false
}

func hasWord(status, word string) bool {
	for _, f := range strings.Fields(status) {
		if f == word {
			return true
		}
	}
	return false
}

func (w *world) shutdownAfterLB(secs int) error {
	l, err := w.ensure()
	if err != nil {
		return err
	}
	lb, ok := w.firstStatusWith("LB")
	h := l.Hosts()[0]
	if !ok || !h.ShutDown {
		return w.failf("no low battery (%v) or no shutdown (%v)", ok, h.ShutDown)
	}
	if d := h.ShutdownAt - lb; d < 0 || d > time.Duration(secs)*time.Second {
		return w.failf("SHUTDOWNCMD ran %s after low battery, want within %ds", d, secs)
	}
	return nil
}

func (w *world) outputIs(want string) error {
	l, err := w.ensure()
	if err != nil {
		return err
	}
	on := l.Units()[0].Device.State().OutputOn
	if on != (want == "on") {
		return w.failf("UPS output on: %v, want %s", on, want)
	}
	return nil
}

func (w *world) outputCycled() error {
	off, _ := w.events(lab.KindOutputOff, "", "")
	on, _ := w.events(lab.KindOutputOn, "", "")
	if len(off) == 0 || len(on) == 0 || on[len(on)-1].At < off[0].At {
		return w.failf("output off %d times, on %d times", len(off), len(on))
	}
	return nil
}

func (w *world) lowBatteryBetween(lo, hi int) error {
	if _, err := w.ensure(); err != nil {
		return err
	}
	lb, ok := w.firstStatusWith("LB")
	if !ok || !w.hasOutage {
		return w.failf("no low battery after an outage")
	}
	d := lb - w.outage
	if d < time.Duration(lo)*time.Minute || d > time.Duration(hi)*time.Minute {
		return w.failf("low battery came %s after the outage, want between %dm and %dm", d, lo, hi)
	}
	return nil
}

func (w *world) host(name string) (*lab.Host, error) {
	l, err := w.ensure()
	if err != nil {
		return nil, err
	}
	h := l.Host(name)
	if h == nil {
		return nil, fmt.Errorf("no host %q", name)
	}
	return h, nil
}

func (w *world) secondaryFirst(name string) error {
	s, err := w.host(name)
	if err != nil {
		return err
	}
	p := w.lab.Hosts()[0]
	if !s.ShutDown || !p.ShutDown || s.ShutdownAt > p.ShutdownAt {
		return w.failf("secondary shut down %v at %s, primary %v at %s", s.ShutDown, s.ShutdownAt, p.ShutDown, p.ShutdownAt)
	}
	return nil
}

func (w *world) primaryAfterFSD(secs int) error {
	fsd, err := w.events(lab.KindFSD, "primary", "")
	if err != nil {
		return err
	}
	p := w.lab.Hosts()[0]
	if len(fsd) == 0 || !p.ShutDown {
		return w.failf("no FSD or no shutdown")
	}
	if d := p.ShutdownAt - fsd[0].At; d > time.Duration(secs)*time.Second {
		return w.failf("primary shut down %s after FSD, want at most %ds", d, secs)
	}
	return nil
}

func (w *world) secondaryNotified(name, typ string) error {
	if _, err := w.host(name); err != nil {
		return err
	}
	if ev := lab.Filter(w.lab.Events(), lab.KindNotify, name, "", typ); len(ev) == 0 {
		return w.failf("secondary %s was not notified %s", name, typ)
	}
	return nil
}

func (w *world) secondaryShutDown(name string) error {
	s, err := w.host(name)
	if err != nil {
		return err
	}
	if !s.ShutDown {
		return w.failf("secondary %s did not shut down", name)
	}
	return nil
}
