// Package upsd is NUT's upsd: it serves the state of the UPSes that
// drivers publish on their driver sockets to network clients (upsc,
// upsmon, PyNUT, Home Assistant...) with NUT 2.8.0's protocol on TCP port
// 3493 — the same replies, quoting, case rules, argument checks, error
// codes and order of checks.
//
// A Server never listens or dials on its own: Serve takes a listener, and
// driver sockets are reached through DialDriver. Main (the upsd command)
// does the listening, the config files, signals and the PID file. The lab
// runs a Server in memory: AttachTable publishes a dstate.Table without a
// driver socket, and NewSession answers request lines synchronously with
// the same dispatcher the network uses.
package upsd

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/stack/conf"
	"github.com/upslab/upslab/stack/dstate"
	"github.com/upslab/upslab/stack/protocol"
)

// Defaults of the Server limits.
const (
	// DefaultMaxConn is the default for MaxConn. NUT's default is the
	// process's open-file limit, commonly 1024.
	DefaultMaxConn = 1024
	// DefaultIdleTimeout is how long a client may stay silent: NUT 2.8.0
	// drops clients that sent no complete line for more than 60 s.
	DefaultIdleTimeout = 60 * time.Second
	// DefaultMaxAge is MAXAGE: data older than this is stale.
	DefaultMaxAge = conf.DefaultMaxAge
	// DefaultTrackingDelay is TRACKINGDELAY, the lifetime of tracking IDs.
	DefaultTrackingDelay = conf.DefaultTrackingDelay
	// DefaultLoopInterval is the pass interval of upsd's main loop
	// (reconnects, PING, staleness, idle clients).
	DefaultLoopInterval = 2 * time.Second
)

// Server is upsd. Set the fields before Serve; zero values mean the
// documented defaults. Methods are safe for concurrent use.
type Server struct {
	// Clock drives the loop, staleness and idle timeouts; nil means the
	// real clock.
	Clock clock.Clock
	// MaxLine is the longest request line accepted, in bytes (0:
	// protocol.DefaultMaxLine). A longer line closes the connection.
	MaxLine int
	// MaxConn is the most client connections served at once (0:
	// DefaultMaxConn); further connections are closed at once.
	MaxConn int
	// IdleTimeout drops clients silent for longer (0: DefaultIdleTimeout;
	// negative: never).
	IdleTimeout time.Duration
	// MaxAge is MAXAGE (0: DefaultMaxAge).
	MaxAge time.Duration
	// TrackingDelay is TRACKINGDELAY (0: DefaultTrackingDelay).
	TrackingDelay time.Duration
	// LoopInterval is the main loop's pass interval (0:
	// DefaultLoopInterval).
	LoopInterval time.Duration
	// TLSConfig enables STARTTLS; nil answers ERR FEATURE-NOT-CONFIGURED
	// like a NUT build with TLS but no CERTFILE.
	TLSConfig *tls.Config
	// Descriptions answers GET DESC / GET CMDDESC; nil means every name
	// is "Description unavailable".
	Descriptions *protocol.Descriptions
	// StatePath is where driver sockets are (<StatePath>/<driver>-<ups>).
	StatePath string
	// DialDriver connects to a driver socket; nil dials a Unix socket.
	DialDriver func(path string) (net.Conn, error)
	// Logf receives NUT's log lines ("Connected to UPS [x]: ..."); nil
	// discards them.
	Logf func(format string, args ...any)

	mu       sync.RWMutex
	upsList  []*ups // ups.conf order
	users    Users
	conns    []*session // newest first, as NUT's client list
	nconns   int
	lns      []net.Listener
	closed   bool
	loop     clock.Timer
	started  bool
	tmu      sync.Mutex
	tracking map[string]*trackEntry // upper-case id
	wg       sync.WaitGroup

	// onDriverEvent, when set (tests), is called after each driver line
	// is applied.
	onDriverEvent func(ups, op string)
}

type trackEntry struct {
	result  string
	created time.Time
}

// New returns a Server with the given clock (nil: real).
func New(clk clock.Clock) *Server {
	return &Server{Clock: clk}
}

func (s *Server) clockOr() clock.Clock {
	if s.Clock == nil {
		s.Clock = clock.Real()
	}
	return s.Clock
}

func (s *Server) now() time.Time { return s.clockOr().Now() }

func (s *Server) maxAge() time.Duration {
	if s.MaxAge > 0 {
		return s.MaxAge
	}
	return DefaultMaxAge
}

func (s *Server) idle() time.Duration {
	if s.IdleTimeout != 0 {
		return s.IdleTimeout
	}
	return DefaultIdleTimeout
}

func (s *Server) maxConn() int {
	if s.MaxConn > 0 {
		return s.MaxConn
	}
	return DefaultMaxConn
}

func (s *Server) logf(format string, args ...any) {
	if s.Logf != nil {
		s.Logf(format, args...)
	}
}

func (s *Server) isClosed() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.closed
}

func (s *Server) sockPath(u *ups) string {
	if s.StatePath == "" {
		return u.sockName
	}
	return s.StatePath + "/" + u.sockName
}

func (s *Server) dialDriver(path string) (net.Conn, error) {
	if s.DialDriver != nil {
		return s.DialDriver(path)
	}
	return net.Dial("unix", path)
}

// SetUPS replaces the UPS list with ups.conf's sections (as on start and
// on reload): new UPSes are added, removed ones dropped (their logged-in
// clients disconnected), a changed driver or port forces a reconnect,
// descriptions are updated. FSD latches survive for UPSes that remain.
// UPSes attached in memory are kept.
func (s *Server) SetUPS(list []UPSConf) {
	s.mu.Lock()
	old := map[string]*ups{}
	for _, u := range s.upsList {
		old[strings.ToLower(u.name)] = u
	}
	var next []*ups
	var drop []*ups
	seen := map[string]bool{}
	for _, c := range list {
		k := strings.ToLower(c.Name)
		seen[k] = true
		if u := old[k]; u != nil && !u.attached {
			u.mu.Lock()
			u.desc, u.hasDesc = c.Desc, c.HasDesc
			changed := u.driver != c.Driver || u.port != c.Port
			u.driver, u.port = c.Driver, c.Port
			u.sockName = c.Driver + "-" + c.Name
			u.mu.Unlock()
			if changed {
				link := u.detachLink()
				if link != nil {
					link.Close()
				}
			}
			next = append(next, u)
			continue
		}
		next = append(next, &ups{
			name: c.Name, desc: c.Desc, hasDesc: c.HasDesc,
			driver: c.Driver, port: c.Port, sockName: c.Driver + "-" + c.Name,
			table: &dstate.Table{},
		})
	}
	for _, u := range s.upsList {
		k := strings.ToLower(u.name)
		if u.attached && !seen[k] {
			next = append(next, u)
			continue
		}
		if !seen[k] {
			drop = append(drop, u)
		}
	}
	s.upsList = next
	var kick []*session
	for _, u := range drop {
		for _, c := range s.conns {
			if c.loginUPS == u {
				kick = append(kick, c)
			}
		}
	}
	s.mu.Unlock()
	for _, u := range drop {
		s.disconnect(u)
	}
	for _, c := range kick {
		c.kill()
	}
	if s.isStarted() {
		s.pass()
	}
}

func (u *ups) detachLink() driverLink {
	u.mu.Lock()
	defer u.mu.Unlock()
	l := u.link
	u.link = nil
	u.gen++
	u.table.Reset()
	return l
}

// SetUsers replaces upsd.users.
func (s *Server) SetUsers(us Users) {
	s.mu.Lock()
	s.users = us
	s.mu.Unlock()
}

// AttachTable serves t as UPS name without a driver socket: the lab's
// in-memory path. The UPS is always connected; it is stale exactly when
// t.Stale(). SET VAR and INSTCMD go to h (nil: every request fails with
// tracking code 1, "unknown"), whose return code completes the tracking
// entry at once. desc is the ups.conf description ("" for none). An
// existing UPS of the same name (case-insensitive) is replaced.
func (s *Server) AttachTable(name, desc string, t *dstate.Table, h Handler) {
	u := &ups{name: name, desc: desc, hasDesc: desc != "", table: t, attached: true}
	u.link = &memLink{s: s, h: h}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, o := range s.upsList {
		if strings.EqualFold(o.name, name) {
			u.fsd, u.numLogins = o.fsd, o.numLogins
			s.upsList[i] = u
			return
		}
	}
	s.upsList = append(s.upsList, u)
}

// memLink forwards SET and INSTCMD to an in-memory Handler.
type memLink struct {
	s *Server
	h Handler
}

func (m *memLink) Set(name, value, tracking string) error {
	code := 1
	if m.h != nil {
		code = m.h.Set(name, value)
	}
	if tracking != "" {
		m.s.trackingDone(tracking, itoa(code))
	}
	return nil
}

func (m *memLink) InstCmd(name, arg, tracking string) error {
	code := 1
	if m.h != nil {
		code = m.h.InstCmd(name, arg)
	}
	if tracking != "" {
		m.s.trackingDone(tracking, itoa(code))
	}
	return nil
}

func (m *memLink) Ping() error  { return nil }
func (m *memLink) Close() error { return nil }

// findUPS looks a UPS up case-insensitively (NUT's get_ups_ptr).
func (s *Server) findUPS(name string) *ups {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, u := range s.upsList {
		if strings.EqualFold(u.name, name) {
			return u
		}
	}
	return nil
}

// Start begins the main loop (reconnecting drivers, PING, staleness,
// idle clients, tracking expiry) on the Server's clock. Serve calls it;
// the lab calls it when it has no listener.
func (s *Server) Start() {
	s.mu.Lock()
	if s.started || s.closed {
		s.mu.Unlock()
		return
	}
	s.started = true
	if s.tracking == nil {
		s.tracking = map[string]*trackEntry{}
	}
	s.mu.Unlock()
	s.pass()
	s.scheduleLoop()
}

func (s *Server) isStarted() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.started
}

func (s *Server) scheduleLoop() {
	iv := s.LoopInterval
	if iv <= 0 {
		iv = DefaultLoopInterval
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.loop = s.clockOr().AfterFunc(iv, func() {
		s.pass()
		s.scheduleLoop()
	})
}

// pass is one pass of upsd's main loop.
func (s *Server) pass() {
	now := s.now()
	s.mu.RLock()
	list := append([]*ups(nil), s.upsList...)
	conns := append([]*session(nil), s.conns...)
	s.mu.RUnlock()
	for _, u := range list {
		s.checkUPS(u, now)
	}
	if idle := s.idle(); idle > 0 {
		for _, c := range conns {
			if c.idleSince(now) > idle {
				c.kill()
			}
		}
	}
	s.expireTracking(now)
}

// Serve accepts clients on l until Close. It may be called for several
// listeners at once.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return net.ErrClosed
	}
	s.lns = append(s.lns, l)
	s.mu.Unlock()
	s.Start()
	for {
		conn, err := l.Accept()
		if err != nil {
			if s.isClosed() {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		s.mu.Lock()
		if s.nconns >= s.maxConn() || s.closed {
			s.mu.Unlock()
			conn.Close()
			continue
		}
		s.nconns++
		s.mu.Unlock()
		s.wg.Add(1)
		go s.serveConn(conn)
	}
}

// Close stops the listeners, the loop, every client and driver
// connection, and waits for their goroutines.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	lns := s.lns
	conns := append([]*session(nil), s.conns...)
	list := append([]*ups(nil), s.upsList...)
	if s.loop != nil {
		s.loop.Stop()
	}
	s.mu.Unlock()
	for _, l := range lns {
		l.Close()
	}
	for _, c := range conns {
		c.kill()
	}
	for _, u := range list {
		if !u.attached {
			s.disconnect(u)
		}
	}
	s.wg.Wait()
	return nil
}

// serveConn runs one network client: read a request, dispatch, write the
// reply. Only this goroutine writes to conn, and no lock is held while it
// writes, so a slow client only holds up itself.
func (s *Server) serveConn(conn net.Conn) {
	defer s.wg.Done()
	sess := s.newSession(addrText(conn.RemoteAddr()), conn)
	defer func() {
		sess.close()
		s.mu.Lock()
		s.nconns--
		s.mu.Unlock()
	}()
	r := protocol.NewReader(conn)
	r.MaxLine = s.MaxLine
	var out []byte
	for {
		words, err := r.ReadRequest()
		if err != nil {
			var pe protocol.ProtocolError
			if errors.As(err, &pe) && err != protocol.ErrLineTooLong {
				// # inside quotes: NUT 2.8.0 sends no reply at all and
				// the client hangs (nut-protocol.md §1.1). We answer
				// ERR INVALID-ARGUMENT instead, as §11 advises.
				sess.touch()
				if _, werr := conn.Write([]byte("ERR INVALID-ARGUMENT\n")); werr != nil {
					return
				}
				continue
			}
			if err == protocol.ErrLineTooLong {
				s.logf("Client %s sent a line longer than %d bytes - disconnecting", sess.addr, max(s.MaxLine, protocol.DefaultMaxLine))
			}
			return
		}
		sess.touch()
		replies, act := sess.dispatch(words)
		out = out[:0]
		for _, l := range replies {
			out = append(out, l...)
			out = append(out, '\n')
		}
		// One write per reply: a whole LIST goes out at once (NUT writes
		// each line separately, which costs ~40 ms per LIST with Nagle).
		if _, err := sess.conn.Write(out); err != nil {
			return
		}
		switch act {
		case actClose:
			return
		case actStartTLS:
			tc := tls.Server(&prefixConn{Conn: sess.conn, r: r.Buffered()}, s.TLSConfig)
			if err := tc.Handshake(); err != nil {
				s.logf("TLS handshake with %s failed: %v", sess.addr, err)
				return
			}
			sess.setConn(tc)
			r = protocol.NewReader(tc)
			r.MaxLine = s.MaxLine
		}
	}
}

// prefixConn reads through a bufio.Reader that may hold bytes read ahead
// of the STARTTLS line (the client's ClientHello).
type prefixConn struct {
	net.Conn
	r io.Reader
}

func (p *prefixConn) Read(b []byte) (int, error) { return p.r.Read(b) }

func addrText(a net.Addr) string {
	if a == nil {
		return "unknown"
	}
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	h, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return h
}
