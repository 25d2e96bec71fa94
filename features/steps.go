// Package features holds upslab's Gherkin conformance suite: runbooks a NUT
// user recognises (notify storms, upssched timers, shutdown on low battery),
// run through the whole stack in the lab (simulator → driver → upsd →
// upsmon → upssched) on a virtual clock. `go test ./features` runs them;
// -godog.tags and -godog.format select scenarios and formatters (pretty,
// progress, junit, cucumber).
//
// Steps stay one-liners over a Backend: a scenario builds its Setup with
// Given steps, the backend starts at the first When or Then, and assertions
// read its timeline. The lab (NewLabBackend) is the default; tests/faithful
// runs the scenarios tagged @realtime on real processes in real time
// through InitializeScenarioWith. Steps whose events a backend cannot see
// (Backend.Observes: upssched's timer start/cancel, syslog and wall
// routing, daemon log lines on the process backend) pass without checking
// there and say so in the scenario's log (world.unchecked).
package features

import (
	"context"
	"fmt"
	"sort"
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
	newBackend  func() Backend
	b           Backend
	started     bool
	outage      time.Duration
	hasOutage   bool
	// unchecked lists the assertions the backend could not make.
	unchecked []string
}

// InitializeScenario registers the steps on the lab backend; godog calls it
// for each scenario.
func InitializeScenario(sc *godog.ScenarioContext) {
	InitializeScenarioWith(NewLabBackend)(sc)
}

// InitializeScenarioWith returns a scenario initializer whose steps run on
// a backend that newBackend makes, one per scenario.
func InitializeScenarioWith(newBackend func() Backend) func(*godog.ScenarioContext) {
	return func(sc *godog.ScenarioContext) { register(sc, newBackend) }
}

// Jitterer is implemented by a backend whose events of one moment may be
// recorded in any order within Jitter (processes forked per notification).
type Jitterer interface {
	Jitter() time.Duration
}

// Logger is implemented by a backend that wants to hear which assertions
// it could not make (they pass unchecked on it).
type Logger interface {
	Logf(format string, args ...any)
}

func register(sc *godog.ScenarioContext, newBackend func() Backend) {
	w := &world{secMonitors: map[string]string{}, setup: map[string][]string{}, newBackend: newBackend}
	sc.After(func(ctx context.Context, _ *godog.Scenario, err error) (context.Context, error) {
		if w.b != nil {
			w.b.Close()
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
	sc.Step(`^the battery charge is (\d+)% with a (\d+)% load$`, func(c, l int) error {
		return w.setupAll(fmt.Sprintf("battery charge %d%%", c), fmt.Sprintf("load %d%%", l))
	})
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

func (w *world) setupAll(cmds ...string) error {
	for i := range w.units {
		w.units[i].Setup = append(w.units[i].Setup, cmds...)
	}
	return nil
}

// ensure starts the backend at the first event or outcome step.
func (w *world) ensure() (Backend, error) {
	if w.started {
		return w.b, nil
	}
	w.started = true
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
	b := w.newBackend()
	w.b = b
	if err := b.Start(Setup{Units: w.units, Hosts: hosts}); err != nil {
		return nil, err
	}
	return b, nil
}

// observes reports whether the backend sees a kind of event; when it
// does not, the assertion is noted as unchecked (and passes).
func (w *world) observes(kind lab.Kind, typ, assertion string) bool {
	if w.b.Observes(kind, typ) {
		return true
	}
	note := fmt.Sprintf("unchecked on this backend (no %s events", kind)
	if typ != "" {
		note += " of " + typ
	}
	note += "): " + assertion
	w.unchecked = append(w.unchecked, note)
	if l, ok := w.b.(Logger); ok {
		l.Logf("%s", note)
	}
	return false
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
	b, err := w.ensure()
	if err != nil {
		return err
	}
	return b.Pass(duration(n, unit))
}

// exec runs a simulator command on one unit, or on the first when ups is "".
func (w *world) exec(ups, cmd string) error {
	b, err := w.ensure()
	if err != nil {
		return err
	}
	return b.Exec(ups, cmd)
}

func (w *world) markOutage() {
	if !w.hasOutage {
		w.hasOutage = true
		w.outage = w.b.Now()
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
		if err := w.b.Pass(half); err != nil {
			return err
		}
		if err := w.mains("returns", ""); err != nil {
			return err
		}
		if err := w.b.Pass(half); err != nil {
			return err
		}
	}
	return nil
}

func (w *world) cableFlap(n, every int) error {
	half := time.Duration(every) * time.Second / 2
	for i := 0; i < n; i++ {
		if err := w.exec("", "cable unplug"); err != nil {
			return err
		}
		if err := w.b.Pass(half); err != nil {
			return err
		}
		if err := w.exec("", "cable replug"); err != nil {
			return err
		}
		if err := w.b.Pass(half); err != nil {
			return err
		}
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

// runUntil lets time pass until cond holds (an error from cond stops it).
func (w *world) runUntil(cond func() (bool, error), what string) error {
	b, err := w.ensure()
	if err != nil {
		return err
	}
	var cerr error
	ok, err := b.RunUntil(func() bool {
		if cerr != nil {
			return true
		}
		var ok bool
		ok, cerr = cond()
		return ok
	}, runLimit)
	if err != nil {
		return err
	}
	if cerr != nil {
		return cerr
	}
	if !ok {
		return w.failf("%s", what)
	}
	return nil
}

func (w *world) untilShutdown() error {
	return w.runUntil(func() (bool, error) {
		h, err := w.b.Host("primary")
		return h.ShutDown, err
	}, fmt.Sprintf("the host did not shut down within %s", runLimit))
}

func (w *world) untilCharge(p int) error {
	return w.runUntil(func() (bool, error) {
		c, err := w.b.Charge("")
		return c <= p, err
	}, fmt.Sprintf("charge never fell to %d%%", p))
}

func (w *world) untilNotify(typ string) error {
	return w.runUntil(func() (bool, error) {
		return len(lab.Filter(w.b.Events(), lab.KindNotify, "primary", "", typ)) > 0, nil
	}, fmt.Sprintf("upsmon never notified %s", typ))
}

func (w *world) killPower() error {
	b, err := w.ensure()
	if err != nil {
		return err
	}
	return b.KillPower("primary")
}

func (w *world) operatorFSD() error {
	b, err := w.ensure()
	if err != nil {
		return err
	}
	return b.Command("primary", upsmon.CmdFSD)
}

// --- outcomes ---

func (w *world) events(kind lab.Kind, host, typ string) ([]lab.Event, error) {
	b, err := w.ensure()
	if err != nil {
		return nil, err
	}
	return lab.Filter(b.Events(), kind, host, "", typ), nil
}

func (w *world) timeline() string {
	var b strings.Builder
	for _, e := range w.b.Events() {
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
	if err != nil || !w.observes(lab.KindNotify, typ, fmt.Sprintf("upsmon notified %s %d times", typ, n)) {
		return err
	}
	if len(ev) != n {
		return w.failf("upsmon notified %s %d times, want %d", typ, len(ev), n)
	}
	return nil
}

func (w *world) notifiedBound(typ, bound string, n int) error {
	ev, err := w.events(lab.KindNotify, "primary", typ)
	if err != nil || !w.observes(lab.KindNotify, typ, fmt.Sprintf("upsmon notified %s at %s %d times", typ, bound, n)) {
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

// timerCount needs upssched's START-TIMER/CANCEL-TIMER, which only the lab
// sees (a process backend sees the CMDSCRIPT calls, not the timer daemon's
// bookkeeping): skipped elsewhere.
func (w *world) timerCount(name, what string, n int) error {
	kind := lab.KindTimerStart
	if what == "cancelled" {
		kind = lab.KindTimerCancel
	}
	ev, err := w.events(kind, "primary", name)
	if err != nil || !w.observes(kind, "", fmt.Sprintf("the timer %q was %s %d times", name, what, n)) {
		return err
	}
	if len(ev) != n {
		return w.failf("timer %q was %s %d times, want %d", name, what, len(ev), n)
	}
	return nil
}

// timerFiredBetween: where the backend does not see the timer fire, the
// CMDSCRIPT call with the timer's name (what START-TIMER runs when it
// fires) stands for it.
func (w *world) timerFiredBetween(name string, lo, hi int) error {
	kind := lab.KindTimerFire
	if _, err := w.ensure(); err != nil {
		return err
	}
	if !w.b.Observes(kind, "") {
		kind = lab.KindCmdScript
	}
	ev, err := w.events(kind, "primary", name)
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

// schedExit needs the timer daemon's exit, which only the lab sees.
func (w *world) schedExit(lo, hi int) error {
	fires, err := w.events(lab.KindTimerFire, "primary", "")
	if err != nil || !w.observes(lab.KindSchedExit, "", "the upssched timer daemon's exit") {
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

func (w *world) primary() (HostState, error) {
	if _, err := w.ensure(); err != nil {
		return HostState{}, err
	}
	return w.b.Host("primary")
}

func (w *world) hostShutdown(how string) error {
	h, err := w.primary()
	if err != nil {
		return err
	}
	if want := how == "shut"; h.ShutDown != want {
		return w.failf("host shut down: %v, want %v", h.ShutDown, want)
	}
	return nil
}

// logged reads daemon log lines: the lab's upsmon log (a process backend
// does not parse its daemons' output, so it is unchecked there).
func (w *world) logged(text string) error {
	ev, err := w.events(lab.KindLog, "", "")
	if err != nil || !w.observes(lab.KindLog, "", fmt.Sprintf("upsmon logged %q", text)) {
		return err
	}
	for _, e := range ev {
		if strings.Contains(e.Message, text) {
			return nil
		}
	}
	return w.failf("no log line contains %q", text)
}

func yes(s string) bool { return s == "yes" }

// notifyRouting checks each route the backend sees: a process backend sees
// EXEC (NOTIFYCMD was called), not syslog or wall.
func (w *world) notifyRouting(typ, syslog, wall, exec string) error {
	for _, c := range []struct {
		kind lab.Kind
		want bool
	}{{lab.KindSyslog, yes(syslog)}, {lab.KindWall, yes(wall)}, {lab.KindNotifyCmd, yes(exec)}} {
		ev, err := w.events(c.kind, "primary", typ)
		if err != nil {
			return err
		}
		if !w.observes(c.kind, "", fmt.Sprintf("the %s notification went to %s: %v", typ, c.kind, c.want)) {
			continue
		}
		if got := len(ev) > 0; got != c.want {
			return w.failf("%s notification to %s: %v, want %v", typ, c.kind, got, c.want)
		}
	}
	return nil
}

func (w *world) notifySays(typ, msg string) error {
	ev, err := w.events(lab.KindNotify, "primary", typ)
	if err != nil || !w.observes(lab.KindNotify, typ, fmt.Sprintf("the %s notification says %q", typ, msg)) {
		return err
	}
	if len(ev) == 0 || ev[0].Message != msg {
		return w.failf("%s notification says %v, want %q", typ, ev, msg)
	}
	return nil
}

// notificationsInOrder checks the order of the types the backend sees.
func (w *world) notificationsInOrder(t *godog.Table) error {
	ev, err := w.events(lab.KindNotify, "primary", "")
	if err != nil {
		return err
	}
	var want []string
	rank := map[string]int{}
	for _, r := range t.Rows {
		if typ := r.Cells[0].Value; w.observes(lab.KindNotify, typ, "upsmon notified "+typ+" in order") {
			want = append(want, typ)
			if _, ok := rank[typ]; !ok {
				rank[typ] = len(rank)
			}
		}
	}
	// Notifications closer than the backend's Jitter are one poll's: real
	// NUT's upsmon forks a process per notification, so those reach
	// NOTIFYCMD in either order (LOWBATT and SHUTDOWN of one poll).
	if j, ok := w.b.(Jitterer); ok && j.Jitter() > 0 {
		ev = append([]lab.Event(nil), ev...)
		for i := 0; i < len(ev); {
			k := i + 1
			for k < len(ev) && ev[k].At-ev[k-1].At < j.Jitter() {
				k++
			}
			g := ev[i:k]
			sort.SliceStable(g, func(a, b int) bool { return orderRank(rank, g[a].Type) < orderRank(rank, g[b].Type) })
			i = k
		}
	}
	var got []string
	for _, e := range ev {
		got = append(got, e.Type)
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

func orderRank(rank map[string]int, typ string) int {
	if r, ok := rank[typ]; ok {
		return r
	}
	return len(rank)
}

func (w *world) powerdownFlag() error {
	h, err := w.primary()
	if err != nil {
		return err
	}
	if !h.PowerDownFlag {
		return w.failf("POWERDOWNFLAG was not written")
	}
	return nil
}

func (w *world) firstStatusWith(word string) (time.Duration, bool) {
	for _, e := range w.b.Events() {
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
	h, err := w.primary()
	if err != nil {
		return err
	}
	lb, ok := w.firstStatusWith("LB")
	if !ok || !h.ShutDown {
		return w.failf("no low battery (%v) or no shutdown (%v)", ok, h.ShutDown)
	}
	if d := h.ShutdownAt - lb; d < 0 || d > time.Duration(secs)*time.Second {
		return w.failf("SHUTDOWNCMD ran %s after low battery, want within %ds", d, secs)
	}
	return nil
}

func (w *world) outputIs(want string) error {
	b, err := w.ensure()
	if err != nil {
		return err
	}
	on, err := b.OutputOn("")
	if err != nil {
		return err
	}
	if on != (want == "on") {
		return w.failf("UPS output on: %v, want %s", on, want)
	}
	return nil
}

func (w *world) outputCycled() error {
	off, err := w.events(lab.KindOutputOff, "", "")
	if err != nil {
		return err
	}
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

func (w *world) host(name string) (HostState, error) {
	if _, err := w.ensure(); err != nil {
		return HostState{}, err
	}
	return w.b.Host(name)
}

func (w *world) secondaryFirst(name string) error {
	s, err := w.host(name)
	if err != nil {
		return err
	}
	p, err := w.b.Host("primary")
	if err != nil {
		return err
	}
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
	p, err := w.b.Host("primary")
	if err != nil {
		return err
	}
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
	if ev := lab.Filter(w.b.Events(), lab.KindNotify, name, "", typ); len(ev) == 0 {
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
