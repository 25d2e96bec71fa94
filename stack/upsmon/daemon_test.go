package upsmon

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/stack/protocol"
)

// fakeConn plays upsd: ups.status follows a timeline, and it records what
// upsmon asked.
type fakeConn struct {
	mu     *sync.Mutex
	start  time.Time
	status func(elapsed time.Duration) string
	calls  *[]string
	login  error
}

func (c *fakeConn) rec(s string)            { c.mu.Lock(); *c.calls = append(*c.calls, s); c.mu.Unlock() }
func (c *fakeConn) Username(u string) error { c.rec("USERNAME " + u); return nil }
func (c *fakeConn) Password(p string) error { c.rec("PASSWORD " + p); return nil }
func (c *fakeConn) Login(u string) error    { c.rec("LOGIN " + u); return c.login }
func (c *fakeConn) Primary(u string) error  { c.rec("PRIMARY " + u); return nil }
func (c *fakeConn) FSD(u string) error      { c.rec("FSD " + u); return nil }
func (c *fakeConn) GetVar(ups, name string) (string, error) {
	return c.status(time.Since(c.start)), nil
}
func (c *fakeConn) GetNumLogins(string) (int, error) { return 1, nil }
func (c *fakeConn) Logout() error                    { c.rec("LOGOUT"); return nil }
func (c *fakeConn) Close() error                     { return nil }

// TestDaemonShutdown runs the real shell (Daemon) in a synctest bubble:
// the UPS goes on battery and low; NOTIFYCMD gets NUT's command line and
// environment, POWERDOWNFLAG is written, SHUTDOWNCMD runs, and upsmon
// exits without LOGOUT.
func TestDaemonShutdown(t *testing.T) {
	flag := filepath.Join(t.TempDir(), "killpower")
	synctest.Test(t, func(t *testing.T) {
		cfg, _, err := Parse("upsmon.conf", []byte(`MONITOR eaton@localhost 1 upsmon secret primary
NOTIFYCMD /usr/local/bin/notify
NOTIFYFLAG LOWBATT EXEC
NOTIFYFLAG ONBATT SYSLOG+EXEC
SHUTDOWNCMD "/sbin/shutdown -h +0"
POWERDOWNFLAG `+flag+`
FINALDELAY 5
`))
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var calls []string
		var logs []string
		start := time.Now()
		d := NewDaemon(New(cfg, clock.Real()), clock.Real())
		d.Dial = func(ctx context.Context, addr string) (Conn, error) {
			if addr != "localhost:3493" {
				t.Errorf("dialled %q", addr)
			}
			return &fakeConn{mu: &mu, start: start, calls: &calls, status: func(e time.Duration) string {
				switch {
				case e < 20*time.Second:
					return "OL"
				case e < 40*time.Second:
					return "OB DISCHRG"
				}
				return "OB DISCHRG LB"
			}}, nil
		}
		d.Shell = func(cmdline string, env []string) error {
			mu.Lock()
			defer mu.Unlock()
			if strings.Contains(cmdline, "wall") {
				return nil
			}
			calls = append(calls, time.Since(start).String()+" sh "+cmdline+" "+strings.Join(env, " "))
			return nil
		}
		d.Log = func(l Level, s string) { logs = append(logs, s) }
		if rc := d.Run(context.Background()); rc != 0 {
			t.Fatalf("exit %d", rc)
		}
		d.Wait()
		want := []string{
			"USERNAME upsmon", "PASSWORD secret", "LOGIN eaton", "PRIMARY eaton",
			`20s sh /usr/local/bin/notify "UPS eaton@localhost on battery" UPSNAME=eaton@localhost NOTIFYTYPE=ONBATT`,
			`40s sh /usr/local/bin/notify "UPS eaton@localhost battery is low" UPSNAME=eaton@localhost NOTIFYTYPE=LOWBATT`,
			"FSD eaton",
			"45s sh /sbin/shutdown -h +0 ",
		}
		// Notifications run in their own goroutine (NUT forks): order free.
		slices.Sort(calls)
		slices.Sort(want)
		if !slices.Equal(calls, want) {
			t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(calls, "\n"), strings.Join(want, "\n"))
		}
		b, err := os.ReadFile(flag)
		if err != nil || string(b) != PowerDownMagic {
			t.Errorf("POWERDOWNFLAG: %q, %v", b, err)
		}
		if !slices.Contains(logs, "UPS eaton@localhost on battery") || slices.Contains(logs, "UPS eaton@localhost battery is low") {
			t.Errorf("SYSLOG flag not honoured: %q", logs)
		}
	})
}

// TestDaemonStop: a stop command cuts the sleep short; upsmon logs out.
// A failed LOGIN is logged as NUT does and the UPS is still polled.
func TestDaemonStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg, _, _ := Parse("upsmon.conf", []byte("MONITOR eaton@localhost 1 upsmon wrong secondary\nSHUTDOWNCMD true\n"))
		var calls, logs []string
		d := NewDaemon(New(cfg, clock.Real()), clock.Real())
		d.Dial = func(ctx context.Context, addr string) (Conn, error) {
			return &fakeConn{mu: new(sync.Mutex), start: time.Now(), calls: &calls, login: &protocol.Error{Code: "ACCESS-DENIED"},
				status: func(time.Duration) string { return "OL" }}, nil
		}
		d.Log = func(l Level, s string) { logs = append(logs, s) }
		done := make(chan int)
		go func() { done <- d.Run(context.Background()) }()
		time.Sleep(12 * time.Second)
		d.Send(Command{Kind: CmdStop, Signal: 15})
		if rc := <-done; rc != 0 {
			t.Fatalf("exit %d", rc)
		}
		if calls[len(calls)-1] != "LOGOUT" {
			t.Errorf("no LOGOUT at stop: %q", calls)
		}
		for _, w := range []string{"Login on UPS [eaton@localhost] failed - got [ERR ACCESS-DENIED]", "Signal 15: exiting"} {
			if !slices.Contains(logs, w) {
				t.Errorf("no log %q in %q", w, logs)
			}
		}
	})
}
