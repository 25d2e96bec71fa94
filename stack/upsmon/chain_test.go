package upsmon_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/stack/upsmon"
	"github.com/upslab/upslab/stack/upssched"
)

// chain is upsmon (Machine on a Runner) → NOTIFYCMD upssched (Local) →
// CMDSCRIPT, all on one virtual clock: what the lab wires, without the
// simulator. status is what upsd would answer.
type chain struct {
	clk      *clock.Virtual
	status   string
	runner   *upsmon.Runner
	sched    *upssched.Local
	events   []string
	shutdown bool
}

func newChain(t *testing.T, monConf, schedConf string) *chain {
	c := &chain{clk: clock.NewVirtual(clock.Epoch), status: "OL"}
	cfg, _, err := upsmon.Parse("upsmon.conf", []byte(monConf))
	if err != nil {
		t.Fatal(err)
	}
	sc, _ := upssched.Parse("upssched.conf", []byte(schedConf))
	stamp := func() string { return c.clk.Now().Sub(clock.Epoch).String() }
	c.sched = &upssched.Local{Config: sc, Clock: c.clk, Run: func(cmdscript, arg string, env []string) {
		c.events = append(c.events, stamp()+" cmdscript "+arg)
	}}
	c.runner = &upsmon.Runner{M: upsmon.New(cfg, c.clk), Clock: c.clk,
		Answer: func(a upsmon.Action) upsmon.Input {
			switch a := a.(type) {
			case upsmon.Connect:
				return upsmon.Connected{UPS: a.Monitor.System}
			case upsmon.Poll:
				return upsmon.Polled{UPS: a.Monitor.System, Status: c.status}
			case upsmon.SetFSD:
				c.status = "FSD " + c.status
				return upsmon.FSDSet{UPS: a.Monitor.System}
			}
			return upsmon.NumLogins{Max: 1}
		},
		Effect: func(a upsmon.Action) {
			switch a := a.(type) {
			case upsmon.Notify:
				c.events = append(c.events, stamp()+" notify "+a.Type)
				if a.Flags&upsmon.FlagExec != 0 {
					if _, err := c.sched.Notify(upssched.Env{UPSName: a.UPS, NotifyType: a.Type, NotifyMsg: a.Message}); err != nil {
						t.Error(err)
					}
				}
			case upsmon.RunShutdownCmd:
				c.shutdown = true
				c.events = append(c.events, stamp()+" shutdowncmd")
			}
		}}
	c.runner.Start()
	return c
}

func (c *chain) count(ev string) int {
	n := 0
	for _, e := range c.events {
		if strings.HasSuffix(e, " "+ev) {
			n++
		}
	}
	return n
}

const chainMon = `MONITOR eaton@localhost 1 upsmon secret primary
NOTIFYCMD upssched
POLLFREQ 5
POLLFREQALERT 5
NOTIFYFLAG ONBATT SYSLOG+WALL+EXEC
NOTIFYFLAG ONLINE SYSLOG+WALL+EXEC
NOTIFYFLAG LOWBATT SYSLOG+WALL+EXEC
SHUTDOWNCMD "/sbin/shutdown -h +0"
POWERDOWNFLAG /etc/killpower
`

const chainSched = `CMDSCRIPT upssched-cmd
PIPEFN /run/nut/upssched.pipe
LOCKFN /run/nut/upssched.lock
AT ONBATT * START-TIMER onbattwarn 30
AT ONLINE * CANCEL-TIMER onbattwarn
AT ONLINE * EXECUTE ups-back-on-power
`

// TestChainFlapping: mains flapping every 20 s never runs the delayed
// command; every return runs the back-on-power command.
func TestChainFlapping(t *testing.T) {
	c := newChain(t, chainMon, chainSched)
	c.clk.Advance(time.Minute)
	for range 5 {
		c.status = "OB DISCHRG"
		c.clk.Advance(20 * time.Second)
		c.status = "OL CHRG"
		c.clk.Advance(20 * time.Second)
	}
	c.clk.Advance(5 * time.Minute)
	for ev, want := range map[string]int{"notify ONBATT": 5, "notify ONLINE": 5, "cmdscript onbattwarn": 0, "cmdscript ups-back-on-power": 5, "shutdowncmd": 0} {
		if got := c.count(ev); got != want {
			t.Errorf("%s: %d times, want %d\n%s", ev, got, want, strings.Join(c.events, "\n"))
		}
	}
}

// TestChainOutage: an outage longer than the timer runs it exactly once,
// within POLLFREQ + 30 s of the outage; then low battery shuts down.
func TestChainOutage(t *testing.T) {
	c := newChain(t, chainMon, chainSched)
	c.clk.Advance(time.Minute)
	c.status = "OB DISCHRG"
	out := c.clk.Now()
	c.clk.Advance(5 * time.Minute)
	if got := c.count("cmdscript onbattwarn"); got != 1 {
		t.Fatalf("onbattwarn ran %d times\n%s", got, strings.Join(c.events, "\n"))
	}
	i := slices.IndexFunc(c.events, func(e string) bool { return strings.HasSuffix(e, "onbattwarn") })
	at, _ := time.ParseDuration(strings.Fields(c.events[i])[0])
	if d := clock.Epoch.Add(at).Sub(out); d > 35*time.Second {
		t.Errorf("onbattwarn %v after the outage", d)
	}
	c.status = "OB DISCHRG LB"
	c.clk.Advance(time.Minute)
	if !c.shutdown {
		t.Errorf("no shutdown\n%s", strings.Join(c.events, "\n"))
	}
	want := []string{"notify ONBATT", "cmdscript onbattwarn", "notify LOWBATT", "notify FSD", "notify SHUTDOWN", "shutdowncmd"}
	var got []string
	for _, e := range c.events {
		got = append(got, strings.SplitN(e, " ", 2)[1])
	}
	if !slices.Equal(got, want) {
		t.Errorf("timeline:\n%s\nwant %v", strings.Join(c.events, "\n"), want)
	}
}
