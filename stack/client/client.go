// Package client is a Go client for NUT's network protocol (upsd, TCP
// port 3493), for upsmon, the command-line tools and any Go program.
//
//	c, err := client.Dial(ctx, "localhost:3493")
//	if err != nil { ... }
//	defer c.Close()
//	status, err := c.GetVar("eaton", "ups.status")
//	var e *protocol.Error
//	if errors.As(err, &e) && e.Code == protocol.ErrDataStale { ... }
//
// A Client holds one connection with one buffered reader, and runs one
// request at a time (methods are safe for concurrent use: they take turns).
// Errors from upsd ("ERR <code>") are *protocol.Error; a server that breaks
// the protocol gives a protocol.ProtocolError; I/O errors are returned as
// they are. Arguments are encoded as libupsclient does (quoted when they
// hold a space; \ " # escaped), and arguments holding a newline or another
// control byte are refused before anything is sent, so no caller-supplied
// value can inject a second request.
package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/upslab/upslab/stack/protocol"
)

// Client is a connection to upsd.
type Client struct {
	mu   sync.Mutex
	conn net.Conn
	r    *protocol.Reader
	tls  bool
}

// Dial connects to upsd at addr ("host:port"; a missing port means 3493).
func Dial(ctx context.Context, addr string) (*Client, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(strings.Trim(addr, "[]"), strconv.Itoa(protocol.DefaultPort))
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return NewClient(conn), nil
}

// NewClient returns a Client speaking over conn, which it then owns.
func NewClient(conn net.Conn) *Client {
	return &Client{conn: conn, r: protocol.NewReader(conn)}
}

// Conn returns the underlying connection (the TLS one after StartTLS).
func (c *Client) Conn() net.Conn { return c.conn }

// SetDeadline sets the read and write deadline of the connection, which
// bounds every following request.
func (c *Client) SetDeadline(t time.Time) error { return c.conn.SetDeadline(t) }

// Close closes the connection without LOGOUT.
func (c *Client) Close() error { return c.conn.Close() }

// send writes one request line; the caller holds c.mu.
func (c *Client) send(cmd string, args ...string) error {
	line, err := protocol.Request(cmd, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	_, err = c.conn.Write([]byte(line))
	return err
}

// roundTrip sends a request and returns the one-line reply; an ERR reply
// is returned as *protocol.Error.
func (c *Client) roundTrip(cmd string, args ...string) (string, error) {
	line, err := protocol.Request(cmd, args...)
	if err != nil {
		return "", fmt.Errorf("%s: %w", cmd, err)
	}
	return c.roundTripLine(line)
}

// roundTripLine sends a ready request line (with LF) and reads the reply.
func (c *Client) roundTripLine(req string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.conn.Write([]byte(req)); err != nil {
		return "", err
	}
	line, err := c.r.ReadLine()
	if err != nil {
		return "", err
	}
	if e := protocol.ParseError(line); e != nil {
		return line, e
	}
	return line, nil
}

// Raw sends one request made of cmd and args (each encoded with
// protocol.EncodeArg) and returns the raw reply line, with an ERR reply
// also returned as *protocol.Error. For multi-line replies use the List
// methods.
func (c *Client) Raw(cmd string, args ...string) (string, error) {
	return c.roundTrip(cmd, args...)
}

// expectOK runs a request whose success reply starts with "OK".
func (c *Client) expectOK(cmd string, args ...string) (string, error) {
	line, err := c.roundTrip(cmd, args...)
	if err != nil {
		return line, err
	}
	if line != "OK" && !strings.HasPrefix(line, "OK ") {
		return line, protocol.ProtocolError(fmt.Sprintf("%s: unexpected reply %q", cmd, line))
	}
	return line, nil
}

// Ver returns the server's VER string.
func (c *Client) Ver() (string, error) { return c.roundTrip("VER") }

// NetVer returns the protocol version (NETVER), "1.3" for NUT 2.8.0.
func (c *Client) NetVer() (string, error) { return c.roundTrip("NETVER") }

// Username sends USERNAME.
func (c *Client) Username(u string) error { _, err := c.expectOK("USERNAME", u); return err }

// Password sends PASSWORD.
func (c *Client) Password(p string) error { _, err := c.expectOK("PASSWORD", p); return err }

// Login sends LOGIN ups (needs Username and Password first).
func (c *Client) Login(ups string) error { _, err := c.expectOK("LOGIN", ups); return err }

// Logout sends LOGOUT and reads the reply ("OK Goodbye"); the server then
// closes the connection. The caller still calls Close.
func (c *Client) Logout() error { _, err := c.expectOK("LOGOUT"); return err }

// Primary asks for primary rights on ups. As NUT 2.8.0's upsmon does, a
// reply not starting with OK (an error from an older upsd, which knows
// only MASTER) is followed by MASTER ups; the MASTER reply decides.
func (c *Client) Primary(ups string) error {
	_, err := c.expectOK("PRIMARY", ups)
	var e *protocol.Error
	if errors.As(err, &e) {
		_, err = c.expectOK("MASTER", ups)
	}
	return err
}

// FSD sets the forced-shutdown flag on ups.
func (c *Client) FSD(ups string) error { _, err := c.expectOK("FSD", ups); return err }

// StartTLS sends STARTTLS and, on "OK STARTTLS", runs a TLS client
// handshake with cfg on the connection. Any other reply is returned as an
// error (*protocol.Error for ERR FEATURE-NOT-CONFIGURED etc.) and the
// connection stays usable in clear text, as libupsclient's "try TLS" mode
// expects.
func (c *Client) StartTLS(cfg *tls.Config) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.send("STARTTLS"); err != nil {
		return err
	}
	line, err := c.r.ReadLine()
	if err != nil {
		return err
	}
	if e := protocol.ParseError(line); e != nil {
		return e
	}
	if !strings.HasPrefix(line, "OK STARTTLS") {
		return protocol.ProtocolError("STARTTLS: unexpected reply " + strconv.Quote(line))
	}
	if c.r.Buffered().Buffered() > 0 {
		return protocol.ProtocolError("STARTTLS: server sent data before the handshake")
	}
	tc := tls.Client(c.conn, cfg)
	if err := tc.Handshake(); err != nil {
		c.conn.Close()
		return fmt.Errorf("STARTTLS handshake: %w", err)
	}
	c.conn = tc
	c.r = protocol.NewReader(tc)
	c.tls = true
	return nil
}

// get runs GET <args...> and checks that the reply echoes the query
// words (case-insensitively, as libupsclient does); it returns the words
// after them.
func (c *Client) get(args ...string) ([]string, error) {
	line, err := c.roundTrip("GET", args...)
	if err != nil {
		return nil, err
	}
	w, err := protocol.SplitReply(line)
	if err != nil {
		return nil, err
	}
	if len(w) < len(args)+1 {
		return nil, protocol.ProtocolError("GET " + strings.Join(args, " ") + ": short reply " + strconv.Quote(line))
	}
	for i, a := range args {
		if !strings.EqualFold(w[i], a) {
			return nil, protocol.ProtocolError("GET " + strings.Join(args, " ") + ": reply does not match: " + strconv.Quote(line))
		}
	}
	return w[len(args):], nil
}

func (c *Client) get1(args ...string) (string, error) {
	w, err := c.get(args...)
	if err != nil {
		return "", err
	}
	return w[0], nil
}

// GetVar returns the value of a variable (GET VAR).
func (c *Client) GetVar(ups, name string) (string, error) { return c.get1("VAR", ups, name) }

// GetNumLogins returns how many clients are logged in to ups.
func (c *Client) GetNumLogins(ups string) (int, error) {
	s, err := c.get1("NUMLOGINS", ups)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, protocol.ProtocolError("NUMLOGINS: not a number: " + strconv.Quote(s))
	}
	return n, nil
}

// GetUPSDesc returns the description of ups from ups.conf.
func (c *Client) GetUPSDesc(ups string) (string, error) { return c.get1("UPSDESC", ups) }

// GetDesc returns the description of a variable.
func (c *Client) GetDesc(ups, name string) (string, error) { return c.get1("DESC", ups, name) }

// GetCmdDesc returns the description of an instant command.
func (c *Client) GetCmdDesc(ups, cmd string) (string, error) { return c.get1("CMDDESC", ups, cmd) }

// GetType returns the type words of a variable (e.g. ["RW", "STRING:16"]).
func (c *Client) GetType(ups, name string) ([]string, error) { return c.get("TYPE", ups, name) }

// SetTracking turns command tracking on or off for this connection.
func (c *Client) SetTracking(on bool) error {
	v := "OFF"
	if on {
		v = "ON"
	}
	_, err := c.expectOK("SET", "TRACKING", v)
	return err
}

// GetTracking returns the state of a tracked command: "PENDING",
// "SUCCESS", or the result line "ERR UNKNOWN" / "ERR FAILED" /
// "ERR INVALID-ARGUMENT" as text (these are results, not errors). An error
// about the request itself (FEATURE-NOT-CONFIGURED) is a *protocol.Error.
func (c *Client) GetTracking(id string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.send("GET", "TRACKING", id); err != nil {
		return "", err
	}
	line, err := c.r.ReadLine()
	if err != nil {
		return "", err
	}
	if line == "ERR "+protocol.ErrFeatureNotConfigured {
		return "", protocol.ParseError(line)
	}
	return line, nil
}

// SetVar asks upsd to set a variable (needs Username, Password and the SET
// action). The value is always sent quoted, as upsrw does. It returns the
// tracking ID when tracking is on, else "".
func (c *Client) SetVar(ups, name, value string) (string, error) {
	if err := protocol.CheckArg(value); err != nil {
		return "", fmt.Errorf("SET VAR: %w", err)
	}
	req, err := protocol.Request("SET VAR", ups, name)
	if err != nil {
		return "", fmt.Errorf("SET VAR: %w", err)
	}
	// The value goes quoted even without a space, like upsrw.
	req = strings.TrimSuffix(req, "\n") + " " + protocol.Quote(value) + "\n"
	line, err := c.roundTripLine(req)
	if err != nil {
		return "", err
	}
	if line != "OK" && !strings.HasPrefix(line, "OK ") {
		return "", protocol.ProtocolError(fmt.Sprintf("SET VAR: unexpected reply %q", line))
	}
	return trackingID(line), nil
}

// InstCmd runs an instant command; arg is optional ("" for none). It
// returns the tracking ID when tracking is on, else "".
func (c *Client) InstCmd(ups, cmd, arg string) (string, error) {
	args := []string{ups, cmd}
	if arg != "" {
		args = append(args, arg)
	}
	line, err := c.expectOK("INSTCMD", args...)
	return trackingID(line), err
}

func trackingID(line string) string {
	if id, ok := strings.CutPrefix(line, "OK TRACKING "); ok {
		return id
	}
	return ""
}

// Do sends line exactly as given (plus the newline) and returns the reply
// line as it came, without turning ERR replies into errors. It is for
// tools that must send what NUT's own tools send (upsrw and upscmd send
// USERNAME and PASSWORD unquoted); line must not hold control characters.
func (c *Client) Do(line string) (string, error) {
	if err := protocol.CheckArg(line); err != nil {
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.conn.Write([]byte(line + "\n")); err != nil {
		return "", err
	}
	return c.r.ReadLine()
}
