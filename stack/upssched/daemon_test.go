package upssched

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/upslab/upslab/internal/clock"
)

// pipeListener is an in-memory net.Listener for the daemon.
type pipeListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}
func (l *pipeListener) Close() error   { l.once.Do(func() { close(l.closed) }); return nil }
func (l *pipeListener) Addr() net.Addr { return &net.UnixAddr{Name: "pipe", Net: "unix"} }

func (l *pipeListener) request(t *testing.T, line string) string {
	c, s := net.Pipe()
	l.conns <- s
	defer c.Close()
	go c.Write([]byte(line + "\n"))
	r := bufio.NewReader(c)
	var out strings.Builder
	for {
		l, err := r.ReadString('\n')
		out.WriteString(l)
		if err != nil || strings.HasPrefix(l, "OK") || strings.HasPrefix(l, "ERR") {
			return out.String()
		}
	}
}

// TestDaemonServe runs the timer daemon in a synctest bubble: timers fire
// at their second, the protocol answers as NUT's, and the daemon leaves
// 15 s after its last timer — sleeping in between, not spinning (#1964:
// in a bubble a busy loop would never let time advance).
func TestDaemonServe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var mu sync.Mutex
		var ran []string
		d := NewDaemon(clock.Real(), "cmdscript")
		d.Run = func(cmdscript, arg string, env []string) {
			mu.Lock()
			defer mu.Unlock()
			ran = append(ran, time.Since(start).Round(time.Second).String()+" "+arg+" "+strings.Join(env, " "))
		}
		l := newPipeListener()
		done := make(chan struct{})
		go func() { d.Serve(l); close(done) }()

		if got := l.request(t, `START "onbatt" "5" "ONBATT" "eaton@localhost" "UPS on battery"`); got != "OK\n" {
			t.Fatalf("START: %q", got)
		}
		if got := l.request(t, `START "commbad" "3"`); got != "OK\n" { // 2.8.0's shorter form
			t.Fatalf("short START: %q", got)
		}
		if got := l.request(t, `FROB`); got != "ERR UNKNOWN\n" {
			t.Fatalf("FROB: %q", got)
		}
		list := l.request(t, "LIST-TIMERS")
		if !strings.HasPrefix(list, "BEGIN LIST TIMERS\nonbatt\t") || !strings.HasSuffix(list, "END LIST TIMERS\nOK\n") {
			t.Fatalf("LIST-TIMERS: %q", list)
		}
		if got := l.request(t, `CANCEL "nothing" "was-not-running"`); got != "OK\n" {
			t.Fatalf("CANCEL: %q", got)
		}
		synctest.Wait()
		time.Sleep(10 * time.Second)
		synctest.Wait()
		mu.Lock()
		want := []string{"0s was-not-running ", "3s commbad ", "5s onbatt UPSNAME=eaton@localhost NOTIFYTYPE=ONBATT NOTIFYMSG=UPS on battery"}
		if strings.Join(ran, "|") != strings.Join(want, "|") {
			t.Errorf("ran %q\nwant %q", ran, want)
		}
		mu.Unlock()
		select {
		case <-done:
			t.Fatal("daemon left with 15 s linger not over")
		default:
		}
		<-done
		if d := time.Since(start); d != 20*time.Second {
			t.Errorf("daemon left after %v, want 20s (last timer at 5s + 15s)", d)
		}
	})
}
