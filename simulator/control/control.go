// Package control is the simulator's control socket: a line protocol that
// lets tests and people pull the plug on a running simulated UPS.
//
// Each line the client sends is a piece of the script language (see
// docs/scripts.md): one command ("mains off"), several separated by ";",
// or timed statements ("flap 5 every 20s", "after 1m mains on"). The
// server answers every line with exactly one final line, "OK" or
// "ERR <message>"; a line is parsed and checked completely before any of it
// is applied, so a refused line changes nothing. Commands due now are
// applied before the answer; later ones are scheduled on the device's
// clock, and if one of those fails later the failure goes to the server's
// log.
//
// An expect statement due now is checked against the device, and a failed
// expectation is answered with ERR (so "upslab ctl SOCK expect status OB"
// is a test).
//
// Besides the language, the server knows three words: "status" (answers
// "name: value" lines describing the device, then OK), "help" (the
// statement words, then OK) and "quit" (closes the connection).
package control

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"

	"github.com/upslab/upslab/simulator"
	"github.com/upslab/upslab/simulator/script"
)

// DefaultMaxLine is the default limit on the length of a request line.
const DefaultMaxLine = 4096

// Options tune a server; the zero value is usable.
type Options struct {
	// Log receives the errors of scheduled commands that fail when they
	// fall due, and connection errors; nil discards them.
	Log func(msg string)
	// OnApply, if set, is called after each command applied from a
	// control line (now or later) with its error.
	OnApply func(e script.Event, err error)
	// Target, if set, receives the commands instead of the device (it
	// should pass them on to it, for example after logging them); if it
	// is a script.Checker, lines are checked with it.
	Target script.Target
	// MaxLine limits request lines (DefaultMaxLine if 0); a longer line
	// is answered with ERR and the connection closed.
	MaxLine int
}

// Serve accepts connections on l and serves each until the client closes
// it. It returns nil when l is closed, or the accept error.
func Serve(l net.Listener, d *simulator.Device, opts *Options) error {
	if opts == nil {
		opts = &Options{}
	}
	s := &server{d: d, opts: opts}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns = map[net.Conn]bool{}
	)
	defer func() {
		// The listener is gone: hang up on the clients too.
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	}()
	for {
		c, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		mu.Lock()
		conns[c] = true
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.serveConn(c, c)
			c.Close()
			mu.Lock()
			delete(conns, c)
			mu.Unlock()
		}()
	}
}

type server struct {
	d    *simulator.Device
	opts *Options
	seq  uint64
	mu   sync.Mutex
}

func (s *server) logf(format string, args ...any) {
	if s.opts.Log != nil {
		s.opts.Log(fmt.Sprintf(format, args...))
	}
}

// ServeConn serves one connection (or any reader/writer pair, for tests).
func ServeConn(r io.Reader, w io.Writer, d *simulator.Device, opts *Options) {
	if opts == nil {
		opts = &Options{}
	}
	(&server{d: d, opts: opts}).serveConn(r, w)
}

func (s *server) serveConn(r io.Reader, w io.Writer) {
	max := s.opts.MaxLine
	if max <= 0 {
		max = DefaultMaxLine
	}
	br := bufio.NewReaderSize(r, 512)
	bw := bufio.NewWriter(w)
	for {
		line, tooLong, err := readLine(br, max)
		if tooLong {
			fmt.Fprintf(bw, "ERR line too long (limit %d bytes)\n", max)
			bw.Flush()
			return
		}
		if err != nil {
			if err != io.EOF || line == "" {
				return
			}
		}
		if quit := s.handle(strings.TrimSpace(line), bw); quit {
			bw.Flush()
			return
		}
		if bw.Flush() != nil || err != nil {
			return
		}
	}
}

// readLine reads one line without its end, refusing lines over max bytes.
func readLine(br *bufio.Reader, max int) (string, bool, error) {
	var b []byte
	for {
		frag, err := br.ReadSlice('\n')
		b = append(b, frag...)
		if len(b) > max+2 {
			return "", true, nil
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return string(b), false, err
		}
		return strings.TrimRight(string(b), "\r\n"), false, nil
	}
}

func (s *server) handle(line string, w *bufio.Writer) (quit bool) {
	switch line {
	case "", "#":
		fmt.Fprintln(w, "OK")
		return false
	case "quit":
		fmt.Fprintln(w, "OK")
		return true
	case "status":
		for _, f := range s.d.State().Fields() {
			fmt.Fprintf(w, "%s: %s\n", f.Name, f.Value)
		}
		fmt.Fprintln(w, "OK")
		return false
	case "help":
		fmt.Fprintf(w, "statements: %s\n", strings.Join(script.Words(), ", "))
		fmt.Fprintln(w, "control words: status, help, quit")
		fmt.Fprintln(w, "OK")
		return false
	}
	s.mu.Lock()
	s.seq++
	seed := uint64(s.d.Seed()) + s.seq
	s.mu.Unlock()
	var target script.Target = s.d
	if s.opts.Target != nil {
		target = s.opts.Target
	}
	r := &script.Runner{
		Clock:  s.d.Clock(),
		Target: target,
		Seed:   seed,
		OnApply: func(e script.Event, err error) {
			if s.opts.OnApply != nil {
				s.opts.OnApply(e, err)
			}
			if err != nil && e.At > 0 {
				s.logf("control: %q at +%v: %v", e.Cmd.String(), e.At, err)
			}
		},
	}
	// Expectations are checked against the device: due now, they decide
	// the answer; later, a failure goes to the log.
	var failed []string
	r.OnExpect = func(e script.Event) {
		if err := simulator.Expect(s.d.State(), e.Cmd.Args); err != nil {
			if e.At == 0 {
				failed = append(failed, err.Error())
			} else {
				s.logf("control: %q at +%v: %v", e.Cmd.String(), e.At, err)
			}
		}
	}
	if _, err := r.Apply("", line); err != nil {
		fmt.Fprintf(w, "ERR %s\n", oneLine(err.Error()))
		return false
	}
	if len(failed) > 0 {
		fmt.Fprintf(w, "ERR %s\n", oneLine(strings.Join(failed, "; ")))
		return false
	}
	fmt.Fprintln(w, "OK")
	return false
}

func oneLine(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "\r", " "), "\n", " ") }
