package upsd

import (
	"crypto/rand"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/upslab/upslab/internal/cnum"
	"github.com/upslab/upslab/stack/parseconf"
	"github.com/upslab/upslab/stack/protocol"
)

type action int

const (
	actNone action = iota
	actClose
	actStartTLS
)

// session is one client's state: NUT's nut_ctype_t.
type session struct {
	s        *Server
	addr     string
	mu       sync.Mutex
	conn     net.Conn // nil for in-memory sessions
	lastLine time.Time
	killed   bool

	user, pass       string
	hasUser, hasPass bool
	loginUPS         *ups
	loginName        string // canonical name at LOGIN time
	tracking         bool
	tls              bool
}

func (s *Server) newSession(addr string, conn net.Conn) *session {
	c := &session{s: s, addr: addr, conn: conn, lastLine: s.now()}
	s.mu.Lock()
	// Newest first, like NUT's client list (LIST CLIENT order).
	s.conns = append([]*session{c}, s.conns...)
	s.mu.Unlock()
	return c
}

func (c *session) touch() {
	c.mu.Lock()
	c.lastLine = c.s.now()
	c.mu.Unlock()
}

func (c *session) idleSince(now time.Time) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return now.Sub(c.lastLine)
}

func (c *session) setConn(nc net.Conn) {
	c.mu.Lock()
	c.conn = nc
	c.tls = true
	c.mu.Unlock()
}

// kill closes the connection (idle timeout, removed UPS, shutdown).
func (c *session) kill() {
	c.mu.Lock()
	c.killed = true
	conn := c.conn
	c.mu.Unlock()
	if conn != nil {
		conn.Close()
	}
}

// close removes the session and its login.
func (c *session) close() {
	s := c.s
	s.mu.Lock()
	for i, o := range s.conns {
		if o == c {
			s.conns = append(s.conns[:i:i], s.conns[i+1:]...)
			break
		}
	}
	u := c.loginUPS
	c.loginUPS = nil
	s.mu.Unlock()
	if u != nil {
		u.mu.Lock()
		u.numLogins--
		u.mu.Unlock()
	}
	c.mu.Lock()
	conn := c.conn
	c.mu.Unlock()
	if conn != nil {
		conn.Close()
	}
}

func errLine(code string) []string { return []string{"ERR " + code} }

// dispatch answers one request (NUT 2.8.0's parse_net/check_command and
// the net_* handlers). It returns the reply lines and what to do next.
func (c *session) dispatch(w []string) ([]string, action) {
	if len(w) == 0 {
		return errLine(protocol.ErrUnknownCommand), actNone
	}
	cmd := strings.ToUpper(w[0])
	args := w[1:]
	gated := false
	switch cmd {
	case "VER", "NETVER", "PROTVER", "HELP", "STARTTLS", "GET", "LIST", "USERNAME", "PASSWORD", "LOGOUT":
	case "LOGIN", "PRIMARY", "MASTER", "FSD", "SET", "INSTCMD":
		gated = true
	default:
		return errLine(protocol.ErrUnknownCommand), actNone
	}
	// The auth gate only checks that USERNAME and PASSWORD were sent; it
	// runs before argument checks (FSD with no argument and no login gets
	// USERNAME-REQUIRED).
	if gated {
		if !c.hasUser {
			return errLine(protocol.ErrUsernameRequired), actNone
		}
		if !c.hasPass {
			return errLine(protocol.ErrPasswordRequired), actNone
		}
	}
	switch cmd {
	case "VER":
		if len(args) != 0 {
			return errLine(protocol.ErrInvalidArgument), actNone
		}
		return []string{protocol.ServerInfo}, actNone
	case "NETVER", "PROTVER":
		if len(args) != 0 {
			return errLine(protocol.ErrInvalidArgument), actNone
		}
		return []string{protocol.ProtoVersion}, actNone
	case "HELP":
		if len(args) != 0 {
			return errLine(protocol.ErrInvalidArgument), actNone
		}
		return []string{"Commands: HELP VER GET LIST SET INSTCMD LOGIN LOGOUT USERNAME PASSWORD STARTTLS"}, actNone
	case "STARTTLS":
		if c.tls {
			return errLine(protocol.ErrAlreadySSLMode), actNone
		}
		if c.s.TLSConfig == nil || c.conn == nil {
			return errLine(protocol.ErrFeatureNotConfigured), actNone
		}
		return []string{"OK STARTTLS"}, actStartTLS
	case "GET":
		return c.get(args), actNone
	case "LIST":
		return c.list(args), actNone
	case "USERNAME":
		if len(args) != 1 {
			return errLine(protocol.ErrInvalidArgument), actNone
		}
		if c.hasUser {
			c.s.logf("Client %s@%s tried to set a username twice", c.user, c.addr)
			return errLine(protocol.ErrAlreadySetUsername), actNone
		}
		c.user, c.hasUser = args[0], true
		return []string{"OK"}, actNone
	case "PASSWORD":
		if len(args) != 1 {
			return errLine(protocol.ErrInvalidArgument), actNone
		}
		if c.hasPass {
			if c.hasUser {
				c.s.logf("Client %s@%s tried to set a password twice", c.user, c.addr)
			}
			return errLine(protocol.ErrAlreadySetPassword), actNone
		}
		c.pass, c.hasPass = args[0], true
		return []string{"OK"}, actNone
	case "LOGOUT":
		if len(args) != 0 {
			return errLine(protocol.ErrInvalidArgument), actNone
		}
		if c.loginUPS != nil {
			c.s.logf("User %s@%s logged out from UPS [%s]%s", c.user, c.addr, c.loginName, c.sslTag())
		}
		return []string{"OK Goodbye"}, actClose
	case "LOGIN":
		return c.login(args), actNone
	case "PRIMARY", "MASTER":
		if len(args) != 1 {
			return errLine(protocol.ErrInvalidArgument), actNone
		}
		if c.s.findUPS(args[0]) == nil {
			return errLine(protocol.ErrUnknownUPS), actNone
		}
		if !c.checkAction("PRIMARY") && !c.checkAction("MASTER") {
			return errLine(protocol.ErrAccessDenied), actNone
		}
		return []string{"OK " + cmd + "-GRANTED"}, actNone
	case "FSD":
		if len(args) != 1 {
			return errLine(protocol.ErrInvalidArgument), actNone
		}
		u := c.s.findUPS(args[0])
		if u == nil {
			return errLine(protocol.ErrUnknownUPS), actNone
		}
		if !c.checkAction("FSD") {
			return errLine(protocol.ErrAccessDenied), actNone
		}
		c.s.logf("Client %s@%s set FSD on UPS [%s]", c.user, c.addr, u.name)
		u.mu.Lock()
		u.fsd = true
		u.mu.Unlock()
		return []string{"OK FSD-SET"}, actNone
	case "SET":
		return c.set(args), actNone
	case "INSTCMD":
		return c.instcmd(args), actNone
	}
	return errLine(protocol.ErrUnknownCommand), actNone
}

func (c *session) sslTag() string {
	if c.tls {
		return " (SSL)"
	}
	return ""
}

func (c *session) users() Users {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	return c.s.users
}

func (c *session) checkAction(a string) bool {
	return c.users().CheckAction(c.user, c.pass, c.hasUser, c.hasPass, a)
}

func (c *session) login(args []string) []string {
	if len(args) != 1 {
		return errLine(protocol.ErrInvalidArgument)
	}
	if c.loginUPS != nil {
		c.s.logf("Client %s@%s tried to login twice", c.user, c.addr)
		return errLine(protocol.ErrAlreadyLoggedIn)
	}
	u := c.s.findUPS(args[0])
	if u == nil {
		return errLine(protocol.ErrUnknownUPS)
	}
	if !c.checkAction("LOGIN") {
		return errLine(protocol.ErrAccessDenied)
	}
	u.mu.Lock()
	u.numLogins++
	u.mu.Unlock()
	c.s.mu.Lock()
	c.loginUPS, c.loginName = u, u.name
	c.s.mu.Unlock()
	c.s.logf("User %s@%s logged into UPS [%s]%s", c.user, c.addr, u.name, c.sslTag())
	return []string{"OK"}
}

// lookup finds a UPS and runs the availability check.
func (c *session) lookup(name string, avail bool) (*ups, []string) {
	u := c.s.findUPS(name)
	if u == nil {
		return nil, errLine(protocol.ErrUnknownUPS)
	}
	if avail {
		if code := u.availability(c.s.now(), c.s.maxAge()); code != "" {
			return nil, errLine(code)
		}
	}
	return u, nil
}

func (c *session) get(a []string) []string {
	if len(a) < 1 {
		return errLine(protocol.ErrInvalidArgument)
	}
	sub := strings.ToUpper(a[0])
	if sub == "TRACKING" {
		if len(a) < 2 {
			if c.tracking {
				return []string{"ON"}
			}
			return []string{"OFF"}
		}
		if !c.tracking {
			return errLine(protocol.ErrFeatureNotConfigured)
		}
		return []string{c.s.trackingGet(a[1])}
	}
	if len(a) < 2 {
		return errLine(protocol.ErrInvalidArgument)
	}
	name := a[1]
	switch sub {
	case "NUMLOGINS":
		u, e := c.lookup(name, true)
		if e != nil {
			return e
		}
		u.mu.Lock()
		n := u.numLogins
		u.mu.Unlock()
		return []string{"NUMLOGINS " + name + " " + strconv.Itoa(n)}
	case "UPSDESC":
		u, e := c.lookup(name, false)
		if e != nil {
			return e
		}
		if !u.hasDesc {
			return []string{"UPSDESC " + name + ` "Unavailable"`}
		}
		return []string{"UPSDESC " + name + " " + protocol.Quote(u.desc)}
	}
	if len(a) < 3 {
		return errLine(protocol.ErrInvalidArgument)
	}
	v := a[2]
	switch sub {
	case "VAR":
		if len(v) >= 7 && strings.EqualFold(v[:7], "server.") {
			// server.* is upsd's own and ignores the UPS name entirely.
			switch strings.ToLower(v) {
			case "server.info":
				return []string{"VAR " + name + " server.info " + protocol.Quote(protocol.ServerInfo)}
			case "server.version":
				return []string{"VAR " + name + " server.version " + protocol.Quote(protocol.NUTVersion)}
			}
			return errLine(protocol.ErrVarNotSupported)
		}
		u, e := c.lookup(name, true)
		if e != nil {
			return e
		}
		val, ok := u.table.Get(v)
		if !ok {
			return errLine(protocol.ErrVarNotSupported)
		}
		if strings.EqualFold(v, "ups.status") && u.isFSD() {
			val = "FSD " + val
		}
		return []string{"VAR " + name + " " + v + " " + protocol.Quote(val)}
	case "TYPE":
		u, e := c.lookup(name, true)
		if e != nil {
			return e
		}
		vr, ok := u.table.Var(v)
		if !ok {
			return errLine(protocol.ErrVarNotSupported)
		}
		return []string{"TYPE " + name + " " + v + typeWords(vr)}
	case "DESC":
		if _, e := c.lookup(name, true); e != nil {
			return e
		}
		// NUT 2.8.0 sends cmdvartab text without re-escaping (issue
		// #3629); we escape it.
		return []string{"DESC " + name + " " + v + " " + protocol.Quote(c.s.Descriptions.Var(v))}
	case "CMDDESC":
		if _, e := c.lookup(name, true); e != nil {
			return e
		}
		return []string{"CMDDESC " + name + " " + v + " " + protocol.Quote(c.s.Descriptions.Cmd(v))}
	}
	return errLine(protocol.ErrInvalidArgument)
}

func (u *ups) isFSD() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.fsd
}

// typeWords is GET TYPE's answer after the names, in NUT 2.8.0's order:
// RW, ENUM, RANGE, then STRING:<aux> or NUMBER.
func typeWords(v dstateVar) string {
	var b strings.Builder
	if v.Flags&flagRW != 0 {
		b.WriteString(" RW")
	}
	if len(v.Enums) > 0 {
		b.WriteString(" ENUM")
	}
	if len(v.Ranges) > 0 {
		b.WriteString(" RANGE")
	}
	if v.Flags&flagString != 0 {
		fmt.Fprintf(&b, " STRING:%d", v.Aux)
	} else {
		b.WriteString(" NUMBER")
	}
	return b.String()
}

func (c *session) list(a []string) []string {
	if len(a) < 1 {
		return errLine(protocol.ErrInvalidArgument)
	}
	sub := strings.ToUpper(a[0])
	if sub == "UPS" {
		out := []string{"BEGIN LIST UPS"}
		c.s.mu.RLock()
		for _, u := range c.s.upsList {
			d := `"Description unavailable"`
			if u.hasDesc {
				d = protocol.Quote(u.desc)
			}
			out = append(out, "UPS "+u.name+" "+d)
		}
		c.s.mu.RUnlock()
		return append(out, "END LIST UPS")
	}
	if len(a) < 2 {
		return errLine(protocol.ErrInvalidArgument)
	}
	name := a[1]
	switch sub {
	case "VAR", "RW":
		u, e := c.lookup(name, true)
		if e != nil {
			return e
		}
		fsd := u.isFSD()
		out := []string{"BEGIN LIST " + sub + " " + name}
		for _, v := range u.table.Vars() {
			if sub == "RW" {
				if v.Flags&flagRW != 0 {
					out = append(out, "RW "+name+" "+v.Name+" "+protocol.Quote(v.Value))
				}
				continue
			}
			val := v.Value
			if fsd && strings.EqualFold(v.Name, "ups.status") {
				val = "FSD " + val
			}
			out = append(out, "VAR "+name+" "+v.Name+" "+protocol.Quote(val))
		}
		return append(out, "END LIST "+sub+" "+name)
	case "CMD":
		u, e := c.lookup(name, true)
		if e != nil {
			return e
		}
		out := []string{"BEGIN LIST CMD " + name}
		for _, cmd := range u.table.Cmds() {
			out = append(out, "CMD "+name+" "+cmd)
		}
		return append(out, "END LIST CMD "+name)
	case "CLIENT":
		u, e := c.lookup(name, false)
		if e != nil {
			return e
		}
		out := []string{"BEGIN LIST CLIENT " + name}
		c.s.mu.RLock()
		for _, o := range c.s.conns {
			if o.loginUPS != nil && strings.EqualFold(o.loginName, u.name) {
				out = append(out, "CLIENT "+o.loginName+" "+o.addr)
			}
		}
		c.s.mu.RUnlock()
		return append(out, "END LIST CLIENT "+name)
	}
	if len(a) < 3 {
		return errLine(protocol.ErrInvalidArgument)
	}
	v := a[2]
	switch sub {
	case "ENUM", "RANGE":
		u, e := c.lookup(name, true)
		if e != nil {
			return e
		}
		vr, ok := u.table.Var(v)
		if !ok {
			return errLine(protocol.ErrVarNotSupported)
		}
		out := []string{"BEGIN LIST " + sub + " " + name + " " + v}
		if sub == "ENUM" {
			for _, en := range vr.Enums {
				out = append(out, "ENUM "+name+" "+v+" "+protocol.Quote(en))
			}
		} else {
			for _, r := range vr.Ranges {
				out = append(out, fmt.Sprintf("RANGE %s %s \"%d\" \"%d\"", name, v, r.Min, r.Max))
			}
		}
		return append(out, "END LIST "+sub+" "+name+" "+v)
	}
	return errLine(protocol.ErrInvalidArgument)
}

func (c *session) set(a []string) []string {
	if len(a) < 2 {
		return errLine(protocol.ErrInvalidArgument)
	}
	switch strings.ToUpper(a[0]) {
	case "VAR":
		if len(a) < 4 {
			return errLine(protocol.ErrInvalidArgument)
		}
		return c.setVar(a[1], a[2], a[3])
	case "TRACKING":
		switch strings.ToUpper(a[1]) {
		case "ON":
			c.tracking = true
		case "OFF":
			c.tracking = false
		default:
			return errLine(protocol.ErrInvalidArgument)
		}
		return []string{"OK"}
	}
	return errLine(protocol.ErrInvalidArgument)
}

func (c *session) setVar(name, v, val string) []string {
	u, e := c.lookup(name, true)
	if e != nil {
		return e
	}
	if !c.checkAction("SET") {
		return errLine(protocol.ErrAccessDenied)
	}
	vr, ok := u.table.Var(v)
	if !ok {
		return errLine(protocol.ErrVarNotSupported)
	}
	if vr.Flags&flagRW == 0 {
		return errLine(protocol.ErrReadOnly)
	}
	if vr.Flags&flagString != 0 {
		if vr.Aux < 1 {
			c.s.logf("UPS [%s]: auxdata for %s is invalid", u.name, v)
			return errLine(protocol.ErrSetFailed)
		}
		if len(val) > vr.Aux {
			return errLine(protocol.ErrTooLong)
		}
	}
	if len(vr.Enums) > 0 {
		found := false
		for _, en := range vr.Enums {
			if en == val {
				found = true
				break
			}
		}
		if !found {
			return errLine(protocol.ErrInvalidValue)
		}
	}
	if len(vr.Ranges) > 0 {
		n := cnum.Atoi(val) // upsd reads it with atoi: "275.9" is 275, "abc" is 0
		found := false
		for _, r := range vr.Ranges {
			if n >= r.Min && n <= r.Max {
				found = true
				break
			}
		}
		if !found {
			return errLine(protocol.ErrInvalidValue)
		}
	}
	id := c.newTracking()
	c.s.logf("Set variable: %s@%s set %s on %s to %s (tracking ID: %s)", c.user, c.addr, v, u.name, val, orDisabled(id))
	if err := u.send(func(l driverLink) error { return l.Set(v, val, id) }); err != nil {
		c.s.logf("Set command send failed")
		return errLine(protocol.ErrSetFailed)
	}
	if id != "" {
		return []string{"OK TRACKING " + id}
	}
	return []string{"OK"}
}

func (c *session) instcmd(a []string) []string {
	if len(a) < 2 {
		return errLine(protocol.ErrInvalidArgument)
	}
	name, cmd := a[0], a[1]
	// The parameter is taken only with exactly three arguments; with more
	// it is silently dropped and the command still sent (2.8.0, verified).
	param, hasParam := "", false
	if len(a) == 3 {
		param, hasParam = a[2], true
	}
	u, e := c.lookup(name, true)
	if e != nil {
		return e
	}
	if !u.table.HasCmd(cmd) {
		return errLine(protocol.ErrCmdNotSupported)
	}
	if !c.users().CheckInstCmd(c.user, c.pass, c.hasUser, c.hasPass, cmd) {
		return errLine(protocol.ErrAccessDenied)
	}
	id := c.newTracking()
	with := ""
	if hasParam {
		with = " with value " + param
	}
	c.s.logf("Instant command: %s@%s did %s%s on %s (tracking ID: %s)", c.user, c.addr, cmd, with, u.name, orDisabled(id))
	// NUT 2.8.0 forwards the parameter escaped but unquoted, so one with a
	// space reaches the driver as several words; drivers/sock quotes it.
	if err := u.send(func(l driverLink) error { return l.InstCmd(cmd, param, id) }); err != nil {
		c.s.logf("Set command send failed")
		return errLine(protocol.ErrInstCmdFailed)
	}
	if id != "" {
		return []string{"OK TRACKING " + id}
	}
	return []string{"OK"}
}

func orDisabled(id string) string {
	if id == "" {
		return "disabled"
	}
	return id
}

func (u *ups) send(f func(driverLink) error) error {
	u.mu.Lock()
	l := u.link
	u.mu.Unlock()
	if l == nil {
		return net.ErrClosed
	}
	return f(l)
}

// newTracking returns a fresh tracking ID (and registers it as PENDING)
// when tracking is on, else "". NUT 2.8.0 uses an unseeded rand(), so
// every upsd produces the same IDs; we use crypto/rand (UUIDv4, upper
// case as NUT prints it).
func (c *session) newTracking() string {
	if !c.tracking {
		return ""
	}
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	id := strings.ToUpper(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]))
	c.s.tmu.Lock()
	if c.s.tracking == nil {
		c.s.tracking = map[string]*trackEntry{}
	}
	c.s.tracking[id] = &trackEntry{result: "PENDING", created: c.s.now()}
	c.s.tmu.Unlock()
	return id
}

// trackingDone records a driver's TRACKING <id> <code>.
func (s *Server) trackingDone(id, code string) {
	s.tmu.Lock()
	defer s.tmu.Unlock()
	if e := s.tracking[strings.ToUpper(id)]; e != nil {
		e.result = trackingResult(code)
		s.logf("tracking ID: %s\tresult: %s", id, e.result)
	}
}

func (s *Server) trackingGet(id string) string {
	s.tmu.Lock()
	defer s.tmu.Unlock()
	if e := s.tracking[strings.ToUpper(id)]; e != nil {
		return e.result
	}
	return "ERR UNKNOWN"
}

func (s *Server) expireTracking(now time.Time) {
	d := s.TrackingDelay
	if d <= 0 {
		d = DefaultTrackingDelay
	}
	s.tmu.Lock()
	defer s.tmu.Unlock()
	for id, e := range s.tracking {
		if now.Sub(e.created) > d {
			delete(s.tracking, id)
		}
	}
}

// trackingResult maps a driver's code (read with atoi) to GET TRACKING's
// answer.
func trackingResult(code string) string {
	switch cnum.Atoi(code) {
	case 0:
		return "SUCCESS"
	case 1:
		return "ERR UNKNOWN"
	case 2:
		return "ERR INVALID-ARGUMENT"
	case 3:
		return "ERR FAILED"
	}
	return "ERR UNKNOWN"
}

func itoa(n int) string { return strconv.Itoa(n) }

// Session is a client of the Server without a network connection, for the
// lab and for tests on a virtual clock: Handle answers one request line
// synchronously with the same dispatcher as the network path.
type Session struct {
	c *session
}

// NewSession opens an in-memory client session; addr is the address
// shown by LIST CLIENT and in logs (e.g. "127.0.0.1"). Close it when
// done: that ends its LOGIN, as a closed connection does.
func (s *Server) NewSession(addr string) *Session {
	return &Session{c: s.newSession(addr, nil)}
}

// Handle answers one request line (without or with its trailing newline;
// NUT's tokenizer rules apply, so quotes and backslashes work as on the
// wire) and returns the reply lines without newlines. After LOGOUT the
// session is closed and further requests get no reply (nil). STARTTLS
// answers ERR FEATURE-NOT-CONFIGURED: an in-memory session has no TLS.
func (ss *Session) Handle(line string) []string {
	c := ss.c
	c.mu.Lock()
	dead := c.killed
	c.mu.Unlock()
	if dead {
		return nil
	}
	words, err := parseconf.Split(strings.TrimSuffix(line, "\n"))
	c.touch()
	if err != nil {
		return errLine(protocol.ErrInvalidArgument)
	}
	replies, act := c.dispatch(words)
	if act == actClose {
		ss.Close()
	}
	return replies
}

// Close ends the session.
func (ss *Session) Close() {
	c := ss.c
	c.mu.Lock()
	if c.killed && c.loginUPS == nil && !c.inList() {
		c.mu.Unlock()
		return
	}
	c.killed = true
	c.mu.Unlock()
	c.close()
}

func (c *session) inList() bool {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	for _, o := range c.s.conns {
		if o == c {
			return true
		}
	}
	return false
}
