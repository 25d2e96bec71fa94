package lab

import (
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

func TestOutageToShutdown(t *testing.T) {
	l, err := New(Options{
		Seed:           1,
		Units:          []UnitSpec{{Name: "eaton", Load: 40}},
		Hosts:          []HostSpec{{Files: map[string]string{"upsmon.conf": primaryConf}}},
		KillPowerAfter: 20 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Run(time.Minute)
	if err := l.Exec("eaton", "mains off"); err != nil {
		t.Fatal(err)
	}
	h := l.Hosts()[0]
	if !l.RunUntil(func() bool { return h.ShutDown }, 2*time.Hour) {
		var b strings.Builder
		WriteText(&b, l.Events())
		t.Fatalf("no shutdown:\n%s", b.String())
	}
	l.Run(time.Minute)
	if err := l.Exec("eaton", "mains on"); err != nil {
		t.Fatal(err)
	}
	l.Run(5 * time.Minute)
	var b strings.Builder
	WriteText(&b, Filter(l.Events(), "", "", "", ""))
	t.Log(b.String())
	var kinds []string
	for _, e := range l.Events() {
		switch e.Kind {
		case KindNotify:
			kinds = append(kinds, e.Type)
		case KindShutdown, KindPowerdown, KindOutputOff, KindOutputOn, KindFSD:
			kinds = append(kinds, string(e.Kind))
		}
	}
	t.Logf("%v", kinds)
}
