package shut

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/upslab/upslab/drivers/shut/frame"
	"github.com/upslab/upslab/internal/clock"
)

// Errors of the line; the Port maps them to hiddev's.
var (
	errTimeout = errors.New("shut: no answer within the byte timeout")
	errClosed  = errors.New("shut: port closed")
	errBad     = errors.New("shut: bad frames")
	errNAK     = errors.New("shut: request refused (NAK)")
	errNoSync  = errors.New("shut: no sync echo")
	errAnswer  = errors.New("shut: implausible answer")
	errTooLong = errors.New("shut: answer longer than requested")
	errRestart = errors.New("shut: the device restarted its answer")
)

// maxBadFrames is how many bad frames in a row end an attempt. NUT gives
// up after 3; a NAK costs us only the frame again (the device resends the
// same one, so nothing is ambiguous), and a long descriptor on a noisy
// line needs more.
const maxBadFrames = 10

// line is the protocol engine. One goroutine (Port.run) owns it: it is the
// only writer and the only reader of the byte channel.
type line struct {
	w    io.Writer
	in   <-chan []byte // chunks from the reader goroutine; closed at EOF
	clk  clock.Clock
	o    *Options
	buf  []byte
	eof  error
	idle frame.Decoder // notifications between messages
	msg  []byte        // notification being assembled
	// deliver gets each complete, plausible notification.
	deliver func(report []byte)
	// lastNoise is when the line last showed damage (a bad frame, a NAK,
	// a timeout); the Port confirms answers while it is recent.
	lastNoise time.Time
}

// noise notes that the line just showed damage.
func (l *line) noise() { l.lastNoise = l.clk.Now() }

// noisy reports whether the line showed damage within d.
func (l *line) noisy(d time.Duration) bool {
	return !l.lastNoise.IsZero() && l.clk.Since(l.lastNoise) < d
}

func (l *line) debugf(level int, format string, args ...any) {
	if l.o.Debugf != nil {
		l.o.Debugf(level, format, args...)
	}
}

func (l *line) write(b []byte) error {
	l.debugf(5, "shut: send % x", b)
	_, err := l.w.Write(b)
	return err
}

// readByte returns the next byte, waiting up to d.
func (l *line) readByte(d time.Duration) (byte, error) {
	var t clock.Timer
	for len(l.buf) == 0 {
		if l.eof != nil {
			return 0, l.eof
		}
		if t == nil {
			t = l.clk.NewTimer(d)
			defer t.Stop()
		}
		select {
		case c, ok := <-l.in:
			if !ok {
				l.eof = errClosed
				return 0, l.eof
			}
			l.debugf(5, "shut: recv % x", c)
			l.buf = c
		case <-t.C():
			return 0, errTimeout
		}
	}
	b := l.buf[0]
	l.buf = l.buf[1:]
	return b, nil
}

func (l *line) unread(b byte) { l.buf = append([]byte{b}, l.buf...) }

// drainQuiet discards bytes until the line is quiet for QuietGap: the rest
// of a frame whose length cannot be trusted.
func (l *line) drainQuiet() error {
	for {
		if _, err := l.readByte(l.o.QuietGap); err != nil {
			if errors.Is(err, errTimeout) {
				return nil
			}
			return err
		}
	}
}

// readFrame reads the rest of a frame that started with b.
func (l *line) readFrame(b byte) (frame.Event, error) {
	var d frame.Decoder
	ev := d.Feed(b)
	for ev.Kind == frame.None {
		c, err := l.readByte(l.o.ByteTimeout)
		if err != nil {
			return ev, err
		}
		ev = d.Feed(c)
	}
	return ev, nil
}

// onIdleByte handles a byte that came between messages: notifications are
// acknowledged and delivered, anything else is dropped.
func (l *line) onIdleByte(b byte) error {
	ev := l.idle.Feed(b)
	switch ev.Kind {
	case frame.Bad:
		l.noise()
		l.debugf(2, "shut: notification: %v", ev.Err)
		l.msg = nil
		if err := l.drainQuiet(); err != nil {
			return err
		}
		return l.write([]byte{frame.NAK})
	case frame.Complete:
		f := ev.Frame
		if f.Kind() != frame.Notify {
			l.debugf(2, "shut: stray frame %v", f)
			return nil
		}
		if err := l.write([]byte{frame.ACK}); err != nil {
			return err
		}
		l.msg = append(l.msg, f.Data...)
		if f.Last() {
			r := l.msg
			l.msg = nil
			if l.deliver != nil {
				l.deliver(r)
			}
		} else if len(l.msg) > 64 {
			l.msg = nil
		}
	}
	return nil
}

// settle finishes a notification the device had started when a request
// comes, so the request does not cut into it.
func (l *line) settle() error {
	for l.idle.Busy() || len(l.buf) > 0 {
		b, err := l.readByte(l.o.QuietGap)
		if errors.Is(err, errTimeout) {
			l.idle.Reset()
			return nil
		}
		if err != nil {
			return err
		}
		if err := l.onIdleByte(b); err != nil {
			return err
		}
	}
	return nil
}

// sync sends the notification-level byte until the device echoes it.
func (l *line) sync() error {
	for try := 0; try < l.o.SyncTries; try++ {
		l.buf = nil
		l.idle.Reset()
		if err := l.write([]byte{l.o.Notify}); err != nil {
			return err
		}
		t := l.clk.Now().Add(l.o.SyncTimeout)
		for {
			left := t.Sub(l.clk.Now())
			if left <= 0 {
				break
			}
			b, err := l.readByte(left)
			if errors.Is(err, errTimeout) {
				break
			}
			if err != nil {
				return err
			}
			if b == l.o.Notify {
				l.debugf(3, "shut: synchronised (0x%02x, try %d)", b, try)
				return nil
			}
		}
	}
	return errNoSync
}

// sendAwaitAck writes frame f until the device acknowledges it. A
// response frame instead of the ACK means the ACK was lost and the answer
// started: it is left for the caller. A notification is skipped without
// an ACK; the device sends it again later (it had not seen our request
// when it began it).
func (l *line) sendAwaitAck(f []byte) error {
	if err := l.write(f); err != nil {
		return err
	}
	timeouts, naks := 0, 0
	for {
		b, err := l.readByte(l.o.ByteTimeout)
		switch {
		case errors.Is(err, errTimeout):
			// NUT sends a NAK here and waits; we send the frame again,
			// which a device that never got it can act on.
			l.noise()
			timeouts++
			if timeouts >= l.o.AckTimeouts {
				return errTimeout
			}
			if err := l.write(f); err != nil {
				return err
			}
			continue
		case err != nil:
			return err
		}
		switch {
		case b == frame.ACK:
			return nil
		case b == frame.NAK:
			l.noise()
			naks++
			if naks > 8 {
				return errNAK
			}
			// Let the line settle first: a second NAK for the same
			// damage, or an answer already under way, must not make us
			// send the request twice (two answers would interleave).
			if err := l.drainQuiet(); err != nil {
				return err
			}
			if err := l.write(f); err != nil {
				return err
			}
		case frame.IsStart(b) && b&^frame.Last == frame.Response:
			l.unread(b)
			return nil
		case frame.IsStart(b) && b&^frame.Last == frame.Notify:
			if _, err := l.readFrame(b); err != nil && !errors.Is(err, errTimeout) {
				return err
			}
		}
		// A late sync echo or noise: ignored.
	}
}

// receive reads a response message of at most max bytes.
func (l *line) receive(max int) ([]byte, error) {
	var msg []byte
	bad, timeouts := 0, 0
	// last is the token we sent last. When nothing comes, it was lost
	// and the device still waits for it: we say it again. After an ACK
	// that is the only safe word (a NAK would bring back a frame we have,
	// which could not be told from the next one); after a NAK an ACK
	// would skip the frame we asked for. Before any frame, a NAK asks
	// for the first one, as NUT does.
	last := byte(frame.NAK)
	nak := func(why error) error {
		l.noise()
		bad++
		l.debugf(3, "shut: %v: NAK", why)
		if bad >= maxBadFrames {
			return fmt.Errorf("%w: %v", errBad, why)
		}
		if err := l.drainQuiet(); err != nil {
			return err
		}
		last = frame.NAK
		return l.write([]byte{frame.NAK})
	}
	for {
		b, err := l.readByte(l.o.ByteTimeout)
		if errors.Is(err, errTimeout) {
			l.noise()
			timeouts++
			if timeouts >= l.o.AckTimeouts {
				return nil, errTimeout
			}
			if err := l.write([]byte{last}); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if !frame.IsStart(b) {
			if b == frame.ACK {
				// The device acknowledged our request a second time: it
				// got two copies and starts its answer again, which could
				// not be told from the rest of this one.
				return nil, errRestart
			}
			if b == frame.NAK || frame.IsSync(b) {
				continue // stale token
			}
			if err := nak(fmt.Errorf("byte 0x%02x where a frame should start", b)); err != nil {
				return nil, err
			}
			continue
		}
		ev, err := l.readFrame(b)
		if errors.Is(err, errTimeout) {
			// Part of a frame we have not acknowledged: the device sends
			// the same frame again.
			if err := nak(errors.New("frame cut short")); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if ev.Kind == frame.Bad {
			if err := nak(ev.Err); err != nil {
				return nil, err
			}
			continue
		}
		f := ev.Frame
		if f.Kind() == frame.Notify {
			continue // not now; the device sends it again
		}
		if f.Kind() != frame.Response {
			if err := nak(fmt.Errorf("frame type 0x%02x in an answer", f.Type)); err != nil {
				return nil, err
			}
			continue
		}
		bad, timeouts = 0, 0
		if err := l.write([]byte{frame.ACK}); err != nil {
			return nil, err
		}
		last = frame.ACK
		msg = append(msg, f.Data...)
		if len(msg) > max {
			return nil, fmt.Errorf("%w (%d > %d bytes)", errTooLong, len(msg), max)
		}
		if f.Last() {
			return msg, nil
		}
	}
}

// once makes one attempt at a control transfer.
func (l *line) once(setup [8]byte, out []byte, wLength int) ([]byte, error) {
	if err := l.settle(); err != nil {
		return nil, err
	}
	if setup[0]&0x80 == 0 && len(out) > 0 {
		if err := l.sendAwaitAck(frame.Encode(frame.Request, setup[:])); err != nil {
			return nil, err
		}
		// The data frame: the whole report in one frame (NUT 2.8.0 can
		// send no more; the Eaton reports that are written are short).
		return nil, l.sendAwaitAck(frame.Encode(frame.Request|frame.Last, out))
	}
	if err := l.sendAwaitAck(frame.Encode(frame.Request|frame.Last, setup[:])); err != nil {
		return nil, err
	}
	if setup[0]&0x80 == 0 {
		return nil, nil
	}
	return l.receive(wLength)
}
