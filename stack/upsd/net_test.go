package upsd

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/upslab/upslab/drivers/sock"
	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/stack/client"
	"github.com/upslab/upslab/stack/dstate"
	"github.com/upslab/upslab/stack/protocol"
)

// netEnv is a Server on a loopback listener whose UPS "dummy" is served
// by a drivers/sock.Server over in-memory pipes.
type netEnv struct {
	srv    *Server
	clk    *clock.Virtual
	addr   string
	table  *dstate.Table
	drv    *sock.Server
	events chan string
	dials  chan net.Conn // driver side of each connection upsd made
}

func newNetEnv(t *testing.T, realDriver bool) *netEnv {
	t.Helper()
	e := &netEnv{
		clk:    clock.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
		table:  eatonTable(),
		events: make(chan string, 1000),
		dials:  make(chan net.Conn, 10),
	}
	if realDriver {
		e.drv = sock.NewServer(e.table, nil)
	}
	s := New(e.clk)
	s.onDriverEvent = func(ups, op string) { e.events <- op }
	s.DialDriver = func(path string) (net.Conn, error) {
		if !strings.HasSuffix(path, "dummy-ups-dummy") {
			t.Errorf("dialled %q", path)
		}
		a, b := net.Pipe()
		if e.drv != nil {
			go e.drv.ServeConn(b)
		} else {
			e.dials <- b
		}
		return a, nil
	}
	s.SetUPS([]UPSConf{{Name: "dummy", Driver: "dummy-ups", Port: "x.dev"}})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.addr = l.Addr().String()
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	e.srv = s
	return e
}

func (e *netEnv) waitFor(t *testing.T, op string) {
	t.Helper()
	timeout := time.NewTimer(5 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case got := <-e.events:
			if got == op {
				return
			}
		case <-timeout.C:
			t.Fatalf("driver event %s never came", op)
		}
	}
}

func dial(t *testing.T, addr string) *client.Client {
	t.Helper()
	c, err := client.Dial(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestDriverSocket runs the whole network path: a driver on the socket
// protocol, our upsd, our client library over TCP.
func TestDriverSocket(t *testing.T) {
	e := newNetEnv(t, true)
	e.waitFor(t, "DUMPDONE")
	c := dial(t, e.addr)
	v, err := c.GetVar("dummy", "device.model")
	if err != nil || v != `Fake "Q" \ model # 1` {
		t.Fatalf("GetVar = %q, %v", v, err)
	}
	vars, err := c.ListVar("dummy")
	if err != nil || len(vars) != 8 {
		t.Fatalf("ListVar = %v, %v", vars, err)
	}
	// A live change reaches clients.
	e.table.Set("ups.status", "OB LB")
	e.waitFor(t, "SETINFO")
	if v, _ := c.GetVar("dummy", "ups.status"); v != "OB LB" {
		t.Errorf("after change: %q", v)
	}
	// The driver restarts: DRIVER-NOT-CONNECTED until the next loop pass
	// reconnects and the dump is in.
	e.drv.Close()
	e.waitFor(t, "EOF")
	if _, err := c.GetVar("dummy", "ups.status"); !protocol.IsCode(err, protocol.ErrDriverNotConnected) {
		t.Fatalf("after driver exit: %v", err)
	}
	e.drv = sock.NewServer(e.table, nil)
	e.clk.Advance(2 * time.Second)
	e.waitFor(t, "DUMPDONE")
	if v, err := c.GetVar("dummy", "ups.status"); err != nil || v != "OB LB" {
		t.Fatalf("after reconnect: %q %v", v, err)
	}
}

// TestStaleness drives a scripted driver that stops talking.
func TestStaleness(t *testing.T) {
	e := newNetEnv(t, false)
	drv := <-e.dials
	br := bufio.NewReader(drv)
	if l, _ := br.ReadString('\n'); l != "DUMPALL\n" {
		t.Fatalf("first line from upsd %q", l)
	}
	c := dial(t, e.addr)
	// Before the dump: the WAIT placeholder.
	if v, err := c.GetVar("dummy", "ups.status"); err != nil || v != "WAIT" {
		t.Fatalf("before dump: %q %v", v, err)
	}
	go drv.Write([]byte("SETINFO ups.status \"OL\"\nDATAOK\nDUMPDONE\n"))
	e.waitFor(t, "DUMPDONE")
	pings := make(chan string, 10)
	go func() {
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				close(pings)
				return
			}
			pings <- l
		}
	}()
	e.clk.Advance(6 * time.Second) // > MAXAGE/3: upsd sends PING
	if p := <-pings; p != "PING\n" {
		t.Fatalf("got %q, want PING", p)
	}
	if v, err := c.GetVar("dummy", "ups.status"); err != nil || v != "OL" {
		t.Fatalf("at 6 s: %q %v", v, err)
	}
	e.clk.Advance(10 * time.Second) // 16 s > MAXAGE
	if _, err := c.GetVar("dummy", "ups.status"); !protocol.IsCode(err, protocol.ErrDataStale) {
		t.Fatalf("at 16 s: %v, want DATA-STALE", err)
	}
	// FSD, UPSDESC, server.* still answer while stale.
	if _, err := c.GetUPSDesc("dummy"); err != nil {
		t.Errorf("UPSDESC while stale: %v", err)
	}
	go drv.Write([]byte("PONG\n"))
	e.waitFor(t, "PONG")
	if v, err := c.GetVar("dummy", "ups.status"); err != nil || v != "OL" {
		t.Fatalf("after PONG: %q %v", v, err)
	}
	// The driver says its data is stale.
	go drv.Write([]byte("DATASTALE\n"))
	e.waitFor(t, "DATASTALE")
	if _, err := c.GetVar("dummy", "ups.status"); !protocol.IsCode(err, protocol.ErrDataStale) {
		t.Fatalf("after DATASTALE: %v", err)
	}
	// SET goes to the driver with the client's spelling, quoted.
	go drv.Write([]byte("DATAOK\nSETINFO ups.id \"a\"\nSETFLAGS ups.id RW STRING\nSETAUX ups.id 8\n"))
	e.waitFor(t, "SETAUX")
	adm := dial(t, e.addr)
	us := Users{{Name: "admin", Password: "pw", HasPass: true, Actions: map[string]bool{"set": true}, InstCmds: map[string]bool{"all": true}}}
	e.srv.SetUsers(us)
	if err := adm.Username("admin"); err != nil {
		t.Fatal(err)
	}
	adm.Password("pw")
	if _, err := adm.SetVar("dummy", "UPS.ID", `x "y"`); err != nil {
		t.Fatal(err)
	}
	p := <-pings
	for p == "PING\n" {
		p = <-pings
	}
	if p != "SET UPS.ID \"x \\\"y\\\"\"\n" {
		t.Errorf("driver got %q", p)
	}
}

// TestIdleTimeout: a silent client is dropped after more than 60 s.
func TestIdleTimeout(t *testing.T) {
	e := newNetEnv(t, true)
	e.waitFor(t, "DUMPDONE")
	c := dial(t, e.addr)
	if _, err := c.Ver(); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(60 * time.Second)
	if _, err := c.Ver(); err != nil {
		t.Fatalf("at 60 s: %v", err)
	}
	e.clk.Advance(62 * time.Second)
	if _, err := c.Ver(); err == nil {
		t.Fatal("idle client still served after 62 s")
	}
}

// TestPipelineAndLongLine: pipelined requests are answered in order; a
// line longer than MaxLine closes the connection.
func TestPipelineAndLongLine(t *testing.T) {
	e := newNetEnv(t, true)
	e.waitFor(t, "DUMPDONE")
	conn, err := net.Dial("tcp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("VER\r\nNETVER\nGET UPSDESC dummy\n"))
	r := protocol.NewReader(conn)
	want := []string{protocol.ServerInfo, "1.3", `UPSDESC dummy "Unavailable"`}
	for _, w := range want {
		if l, err := r.ReadLine(); err != nil || l != w {
			t.Fatalf("got %q %v, want %q", l, err, w)
		}
	}
	conn.Write([]byte(strings.Repeat("x", protocol.DefaultMaxLine+10) + "\nVER\n"))
	if l, err := r.ReadLine(); err == nil {
		t.Fatalf("long line answered: %q", l)
	}
}
