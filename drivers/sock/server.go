package sock

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"

	"github.com/upslab/upslab/stack/dstate"
	"github.com/upslab/upslab/stack/parseconf"
)

// Handler carries out SET and INSTCMD for the server and returns a
// tracking code (StatHandled, StatUnknown, StatInvalid, StatFailed).
// Calls come from the connections' goroutines; the handler serialises
// them with its own work (the driver loop holds one lock for both).
type Handler interface {
	InstCmd(name, arg string) int
	Set(name, value string) int
}

// DefaultMaxQueue is the default for Server.MaxQueue.
const DefaultMaxQueue = 1 << 20

// Server is the driver end of the socket. It serves Table to any number of
// clients at once: each connection has its own reader and its own writer
// goroutine with an outgoing queue, so a client that stops reading never
// blocks the driver; it is dropped once its queue exceeds MaxQueue (NUT
// drops a client whose write fails).
type Server struct {
	// Table is the state served; its changes are broadcast to every client.
	Table *dstate.Table
	// Handler receives SET and INSTCMD; nil answers StatUnknown.
	Handler Handler
	// Logf logs what NUT's drivers log about the socket; nil discards.
	Logf func(format string, args ...any)
	// MaxQueue is the most bytes queued for one slow client before it is
	// disconnected; 0 means DefaultMaxQueue.
	MaxQueue int

	mu        sync.Mutex
	conns     map[*conn]struct{}
	listeners []net.Listener
	closed    bool
}

// NewServer returns a server for t and subscribes it to t's changes.
func NewServer(t *dstate.Table, h Handler) *Server {
	s := &Server{Table: t, Handler: h, conns: map[*conn]struct{}{}}
	t.Listen(s.broadcast)
	return s
}

// SocketPath is where a driver's socket lives: <statepath>/<driver>-<ups>.
func SocketPath(statePath, driver, ups string) string {
	return filepath.Join(statePath, driver+"-"+ups)
}

// Listen creates the Unix socket at path with mode 0660, replacing a stale
// socket left by a driver that died (NUT unlinks it too).
func Listen(path string) (net.Listener, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
		os.Remove(path)
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("driver socket: %w", err)
	}
	if err := os.Chmod(path, 0o660); err != nil {
		l.Close()
		return nil, fmt.Errorf("driver socket: %w", err)
	}
	return l, nil
}

func (s *Server) logf(format string, args ...any) {
	if s.Logf != nil {
		s.Logf(format, args...)
	}
}

// Serve accepts connections on l until l is closed or Close is called.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return net.ErrClosed
	}
	s.listeners = append(s.listeners, l)
	s.mu.Unlock()
	for {
		c, err := l.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		s.ServeConn(c)
	}
}

// ServeConn serves one already connected client (a net.Pipe in tests and
// in the lab) and returns at once; the connection is served by its own
// goroutines until either side closes it.
func (s *Server) ServeConn(c net.Conn) {
	cn := &conn{srv: s, c: c, wake: make(chan struct{}, 1), done: make(chan struct{})}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		c.Close()
		return
	}
	s.conns[cn] = struct{}{}
	s.mu.Unlock()
	go cn.writeLoop()
	go cn.readLoop()
}

// Close stops the listeners and disconnects every client.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	ls := s.listeners
	s.listeners = nil
	cs := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		cs = append(cs, c)
	}
	s.mu.Unlock()
	for _, l := range ls {
		l.Close()
	}
	for _, c := range cs {
		c.close()
	}
	return nil
}

// Clients returns the number of connected clients.
func (s *Server) Clients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// broadcast queues a change for every client. It runs under s.mu, as the
// dump does, so a client that asked for DUMPALL sees each change either in
// the dump or after it, never an older value after a newer one.
func (s *Server) broadcast(ch dstate.Change) {
	line := []byte(FormatChange(ch))
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.enqueue(line)
	}
}

func (s *Server) dump(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ch := range s.Table.Dump() {
		c.enqueue([]byte(FormatChange(ch)))
	}
	c.enqueue([]byte("DUMPDONE\n"))
}

type conn struct {
	srv  *Server
	c    net.Conn
	wake chan struct{}
	done chan struct{}

	mu      sync.Mutex
	queue   [][]byte
	queued  int
	closing bool
}

// enqueue adds a line for the writer; it never blocks.
func (c *conn) enqueue(line []byte) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	limit := c.srv.MaxQueue
	if limit <= 0 {
		limit = DefaultMaxQueue
	}
	if c.queued+len(line) > limit {
		c.mu.Unlock()
		c.srv.logf("WARNING: driver socket client is not reading (%d bytes queued), disconnecting", c.queued)
		go c.close() // not here: the caller may hold srv.mu
		return
	}
	c.queue = append(c.queue, line)
	c.queued += len(line)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *conn) writeLoop() {
	for {
		select {
		case <-c.done:
			return
		case <-c.wake:
		}
		c.mu.Lock()
		q := c.queue
		c.queue = nil
		c.queued = 0
		c.mu.Unlock()
		var buf []byte
		for _, l := range q {
			buf = append(buf, l...)
		}
		if len(buf) == 0 {
			continue
		}
		if _, err := c.c.Write(buf); err != nil {
			c.close()
			return
		}
	}
}

func (c *conn) close() {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	c.closing = true
	c.mu.Unlock()
	c.srv.mu.Lock()
	delete(c.srv.conns, c)
	c.srv.mu.Unlock()
	close(c.done)
	c.c.Close()
}

func (c *conn) readLoop() {
	defer c.close()
	var tok parseconf.Tokenizer
	buf := make([]byte, 4096)
	for {
		n, err := c.c.Read(buf)
		tok.Feed(buf[:n], c.handle)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				c.srv.logf("driver socket read: %v", err)
			}
			return
		}
	}
}

// handle runs one line from the client, logging what NUT 2.8.0 logs for
// lines it does not understand.
func (c *conn) handle(l parseconf.Line) {
	s := c.srv
	if l.Err != nil {
		s.logf("Parse error on sock: %v", l.Err)
		return
	}
	r, err := ParseRequest(l.Words)
	if err != nil {
		var spe *SetParamsError
		switch {
		case errors.Is(err, ErrMalformedInstCmd):
			s.logf("Malformed INSTCMD request")
		case errors.As(err, &spe):
			s.logf("Got SET <var> with unsupported parameters (%s/%s)", spe.Word3, spe.Word4)
		}
		s.logf("Unknown command on socket: ")
		for i, w := range l.Words {
			s.logf("arg %d: %s", i, w)
		}
		return
	}
	switch r.Op {
	case "DUMPALL":
		s.dump(c)
	case "PING":
		c.enqueue([]byte("PONG\n"))
	case "INSTCMD", "SET":
		code := StatUnknown
		if s.Handler != nil {
			if r.Op == "INSTCMD" {
				code = s.Handler.InstCmd(r.Name, r.Value)
			} else {
				code = s.Handler.Set(r.Name, r.Value)
			}
		}
		if r.Tracking != "" {
			c.enqueue([]byte(fmt.Sprintf("TRACKING %s %d\n", word(r.Tracking), code)))
		}
	}
}
