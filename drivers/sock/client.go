package sock

import (
	"net"
	"strconv"
	"sync"

	"github.com/upslab/upslab/internal/cnum"
	"github.com/upslab/upslab/stack/parseconf"
)

// Client is the upsd end of a driver socket. Reading (Next) and writing
// (DumpAll, Ping, Set, InstCmd) may happen from different goroutines; one
// persistent tokenizer keeps lines that arrive split across reads whole.
type Client struct {
	c   net.Conn
	wmu sync.Mutex

	tok     parseconf.Tokenizer
	buf     []byte
	pending []parseconf.Line
	err     error
}

// Dial connects to the driver socket at path.
func Dial(path string) (*Client, error) {
	c, err := net.Dial("unix", path)
	if err != nil {
		return nil, err
	}
	return NewClient(c), nil
}

// NewClient wraps an open connection to a driver.
func NewClient(c net.Conn) *Client {
	return &Client{c: c, buf: make([]byte, 4096)}
}

// Close closes the connection.
func (c *Client) Close() error { return c.c.Close() }

// Conn returns the underlying connection (for deadlines).
func (c *Client) Conn() net.Conn { return c.c }

func (c *Client) send(line string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.c.Write([]byte(line))
	return err
}

// DumpAll asks for the full state; the driver answers with its dump and
// DUMPDONE.
func (c *Client) DumpAll() error { return c.send("DUMPALL\n") }

// Ping asks the driver for a PONG.
func (c *Client) Ping() error { return c.send("PING\n") }

// Set sends SET name "value", with TRACKING id when tracking is not empty.
func (c *Client) Set(name, value, tracking string) error {
	return c.send(Request{Op: "SET", Name: name, Value: value, HasValue: true, Tracking: tracking}.Line())
}

// InstCmd sends INSTCMD name [arg], with TRACKING id when tracking is not
// empty. An empty arg sends no parameter, as upsd does.
func (c *Client) InstCmd(name, arg, tracking string) error {
	return c.send(Request{Op: "INSTCMD", Name: name, Value: arg, HasValue: arg != "", Tracking: tracking}.Line())
}

// Next returns the next line from the driver that upsd recognises (see
// ParseEvent); lines upsd would ignore are skipped. It returns the read
// error (io.EOF when the driver closed the socket).
func (c *Client) Next() (Event, error) {
	for {
		for len(c.pending) > 0 {
			l := c.pending[0]
			c.pending = c.pending[1:]
			if l.Err != nil {
				continue
			}
			if e, ok := ParseEvent(l.Words); ok {
				return e, nil
			}
		}
		if c.err != nil {
			return Event{}, c.err
		}
		n, err := c.c.Read(c.buf)
		c.tok.Feed(c.buf[:n], func(l parseconf.Line) { c.pending = append(c.pending, l) })
		if err != nil {
			c.err = err
		}
	}
}

// TrackingResult is the text upsd logs and returns for a tracking code
// (GET TRACKING): PENDING, SUCCESS, or ERR with NUT's error name; like
// upsd 2.8.0 it reads the code with atoi and answers ERR UNKNOWN for codes
// it does not know.
func TrackingResult(code string) string {
	switch strconv.Itoa(cnum.Atoi(code)) {
	case "-1":
		return "PENDING"
	case "0":
		return "SUCCESS"
	case "1":
		return "ERR UNKNOWN"
	case "2":
		return "ERR INVALID-ARGUMENT"
	case "3":
		return "ERR FAILED"
	}
	return "ERR UNKNOWN"
}
