package upsd

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/upslab/upslab/drivers/sock"
	"github.com/upslab/upslab/stack/dstate"
)

// Handler carries out SET and INSTCMD for a UPS attached in memory
// (AttachTable) and returns a driver tracking code: 0 handled, 1 unknown,
// 2 invalid argument, 3 failed (drivers/sock.StatHandled...). A
// drivers/sock.Handler satisfies it.
type Handler interface {
	InstCmd(name, arg string) int
	Set(name, value string) int
}

// driverLink is how upsd talks to one driver.
type driverLink interface {
	Set(name, value, tracking string) error
	InstCmd(name, arg, tracking string) error
	Ping() error
	Close() error
}

// ups is upsd's view of one UPS.
type ups struct {
	name, desc     string
	hasDesc        bool
	driver, port   string
	sockName       string // <driver>-<name>
	mu             sync.Mutex
	table          *dstate.Table
	link           driverLink // nil: not connected
	attached       bool       // in-memory table: always connected, never times out
	gen            int        // connection generation, to ignore stale readers
	dumpDone       bool
	dataOK         bool
	lastHeard      time.Time
	lastPing       time.Time
	staleLogged    bool
	fsd            bool
	numLogins      int
	connecting     bool
	lastConnFail   time.Time
	loggedConnFail bool
	removed        bool
}

// availability returns "" when the UPS can answer, else the error code
// (DRIVER-NOT-CONNECTED or DATA-STALE), with NUT 2.8.0's rule: stale
// when the dump is done and the last data word was DATASTALE, or when
// nothing was heard for more than MAXAGE.
func (u *ups) availability(now time.Time, maxAge time.Duration) string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.availLocked(now, maxAge)
}

func (u *ups) availLocked(now time.Time, maxAge time.Duration) string {
	if u.attached {
		if u.table.Stale() {
			return "DATA-STALE"
		}
		return ""
	}
	if u.link == nil {
		return "DRIVER-NOT-CONNECTED"
	}
	if u.dumpDone && !u.dataOK {
		return "DATA-STALE"
	}
	if now.Sub(u.lastHeard) > maxAge {
		return "DATA-STALE"
	}
	return ""
}

// connectDriver dials the driver socket of u (NUT: sstate_connect). It
// runs outside the server lock.
func (s *Server) connectDriver(u *ups) {
	path := s.sockPath(u)
	conn, err := s.dialDriver(path)
	now := s.now()
	u.mu.Lock()
	u.connecting = false
	if u.removed {
		u.mu.Unlock()
		if conn != nil {
			conn.Close()
		}
		return
	}
	if err != nil {
		// NUT repeats this message at most every 300 s.
		if !u.loggedConnFail || now.Sub(u.lastConnFail) >= 300*time.Second {
			s.logf("Can't connect to UPS [%s] (%s): %s", u.name, u.sockName, sysErrText(err))
			u.lastConnFail = now
			u.loggedConnFail = true
		}
		u.mu.Unlock()
		return
	}
	u.loggedConnFail = false
	c := sock.NewClient(conn)
	if err := c.DumpAll(); err != nil {
		u.mu.Unlock()
		s.logf("Initial write to UPS [%s] failed: %v", u.name, err)
		c.Close()
		return
	}
	u.gen++
	gen := u.gen
	u.link = c
	u.dumpDone = false
	u.staleLogged = false
	u.lastHeard = now
	u.table.Reset()
	// NUT shows ups.status "WAIT" until the driver's dump arrives.
	u.table.Set("ups.status", "WAIT")
	u.mu.Unlock()
	s.logf("Connected to UPS [%s]: %s", u.name, u.sockName)
	s.wg.Add(1)
	go s.readDriver(u, c, gen)
}

// readDriver applies the driver's lines to u's table until the socket
// fails; then the UPS is not connected until the next loop pass.
func (s *Server) readDriver(u *ups, c *sock.Client, gen int) {
	defer s.wg.Done()
	for {
		ev, err := c.Next()
		u.mu.Lock()
		if u.gen != gen {
			u.mu.Unlock()
			c.Close()
			return
		}
		if err != nil {
			u.link = nil
			u.table.Reset()
			u.mu.Unlock()
			c.Close()
			if !s.isClosed() {
				s.logf("UPS [%s]: driver socket closed: %v", u.name, err)
			}
			if s.onDriverEvent != nil {
				s.onDriverEvent(u.name, "EOF")
			}
			return
		}
		u.lastHeard = s.now()
		switch ev.Op {
		case "DUMPDONE":
			u.dumpDone = true
		case "DATAOK":
			u.dataOK = true
		case "DATASTALE":
			u.dataOK = false
		case "PONG":
		case "TRACKING":
			s.trackingDone(ev.Args[0], ev.Args[1])
		default:
			sock.Apply(u.table, ev)
		}
		u.mu.Unlock()
		if s.onDriverEvent != nil {
			s.onDriverEvent(u.name, ev.Op)
		}
	}
}

// checkUPS is one loop pass for u: reconnect, PING, stale log lines.
func (s *Server) checkUPS(u *ups, now time.Time) {
	u.mu.Lock()
	if u.attached || u.removed {
		u.mu.Unlock()
		return
	}
	if u.link == nil {
		if !u.connecting {
			u.connecting = true
			u.mu.Unlock()
			s.connectDriver(u)
			return
		}
		u.mu.Unlock()
		return
	}
	// Prod a silent driver after MAXAGE/3 (integer seconds, as NUT).
	third := time.Duration(int(s.maxAge()/time.Second)/3) * time.Second
	if now.Sub(u.lastHeard) > third && now.Sub(u.lastPing) > third {
		u.lastPing = now
		if err := u.link.Ping(); err != nil {
			s.logf("Send ping to UPS [%s] failed: %v", u.name, err)
		}
	}
	stale := u.availLocked(now, s.maxAge()) != ""
	logStale, logFresh := stale && !u.staleLogged, !stale && u.staleLogged
	u.staleLogged = stale
	u.mu.Unlock()
	if logStale {
		s.logf("Data for UPS [%s] is stale - check driver", u.name)
	}
	if logFresh {
		s.logf("UPS [%s] data is no longer stale", u.name)
	}
}

func (s *Server) disconnect(u *ups) {
	u.mu.Lock()
	u.removed = true
	link := u.link
	u.link = nil
	u.gen++
	u.mu.Unlock()
	if link != nil {
		link.Close()
	}
}

// sysErrText renders an error as NUT's strerror text ("No such file or
// directory").
func sysErrText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return oe.Err.Error()
	}
	if errors.Is(err, os.ErrNotExist) {
		return "No such file or directory"
	}
	return fmt.Sprint(err)
}
