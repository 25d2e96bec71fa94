package lab

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

const primaryConf = `
MONITOR eaton@localhost 1 upsmon secret primary
SHUTDOWNCMD "/sbin/shutdown -h +0"
POWERDOWNFLAG /etc/killpower
POLLFREQ 5
POLLFREQALERT 5
`

const secondaryConf = `
MONITOR eaton@localhost 1 upsmon secret secondary
SHUTDOWNCMD "/sbin/shutdown -h +0"
POLLFREQ 5
POLLFREQALERT 5
`

func newLab(t *testing.T, hosts ...HostSpec) *Lab {
	t.Helper()
	l, err := New(Options{
		Seed:           1,
		Units:          []UnitSpec{{Name: "eaton", Load: 40}},
		Hosts:          hosts,
		KillPowerAfter: 20 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}

// milestones keeps the events a runbook cares about, as "kind:type".
func milestones(events []Event) []string {
	var out []string
	for _, e := range events {
		switch e.Kind {
		case KindNotify:
			out = append(out, e.Host+" notify:"+e.Type)
		case KindShutdown, KindPowerdown, KindFSD:
			out = append(out, e.Host+" "+string(e.Kind))
		case KindOutputOff, KindOutputOn:
			out = append(out, string(e.Kind))
		}
	}
	return out
}

func dump(l *Lab) string {
	var b strings.Builder
	WriteText(&b, l.Events())
	return b.String()
}

func TestOutageToShutdownAndBack(t *testing.T) {
	l := newLab(t, HostSpec{Files: map[string]string{"upsmon.conf": primaryConf}})
	l.Run(time.Minute)
	if err := l.Exec("eaton", "mains off"); err != nil {
		t.Fatal(err)
	}
	h := l.Hosts()[0]
	if !l.RunUntil(func() bool { return h.ShutDown }, 2*time.Hour) {
		t.Fatalf("no shutdown:\n%s", dump(l))
	}
	// 40 % load: low battery after about 8 minutes on battery.
	if h.ShutdownAt < 8*time.Minute || h.ShutdownAt > 11*time.Minute {
		t.Errorf("shut down at %s", FormatAt(h.ShutdownAt))
	}
	l.Run(time.Minute)
	if err := l.Exec("eaton", "mains on"); err != nil {
		t.Fatal(err)
	}
	l.Run(5 * time.Minute)
	got := milestones(l.Events())
	// The primary notifies its own FSD once upsd took it (NUT 2.8.5).
	want := []string{"primary notify:ONBATT", "primary notify:LOWBATT", "primary fsd", "primary notify:FSD",
		"primary notify:SHUTDOWN", "primary powerdownflag", "primary shutdown", "output-off", "output-on"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("milestones:\n got %q\nwant %q\n%s", got, want, dump(l))
	}
	if !h.PowerDownFlag || !l.Units()[0].Device.State().OutputOn {
		t.Fatalf("powerdownflag %v, output on %v", h.PowerDownFlag, l.Units()[0].Device.State().OutputOn)
	}
}

func TestSecondaryLeavesBeforePrimary(t *testing.T) {
	l := newLab(t,
		HostSpec{Name: "primary", Files: map[string]string{"upsmon.conf": primaryConf}},
		HostSpec{Name: "web", Files: map[string]string{"upsmon.conf": secondaryConf}})
	if err := l.Exec("eaton", "mains off"); err != nil {
		t.Fatal(err)
	}
	p, s := l.Host("primary"), l.Host("web")
	if !l.RunUntil(func() bool { return p.ShutDown }, 2*time.Hour) {
		t.Fatalf("no shutdown:\n%s", dump(l))
	}
	if !s.ShutDown || s.ShutdownAt > p.ShutdownAt {
		t.Fatalf("secondary %v at %s, primary at %s\n%s", s.ShutDown, FormatAt(s.ShutdownAt), FormatAt(p.ShutdownAt), dump(l))
	}
	if len(Filter(l.Events(), KindNotify, "web", "", "FSD")) != 1 {
		t.Fatalf("the secondary was not notified FSD once:\n%s", dump(l))
	}
}

func TestDeterministic(t *testing.T) {
	run := func() string {
		l := newLab(t, HostSpec{Files: map[string]string{"upsmon.conf": primaryConf}})
		if err := l.Exec("eaton", "flap cable 3 every 30s ; after 1m mains off ; jitter 5s ; flap cable 2 every 40s"); err != nil {
			t.Fatal(err)
		}
		l.Run(time.Hour)
		return dump(l)
	}
	if a, b := run(), run(); a != b {
		t.Fatal("two runs differ")
	}
}

func TestUnknownModel(t *testing.T) {
	_, err := New(Options{Units: []UnitSpec{{Name: "x", Model: "smart-ups"}}})
	if err == nil || !strings.Contains(err.Error(), `unknown model "smart-ups"`) {
		t.Fatalf("err = %v", err)
	}
}
