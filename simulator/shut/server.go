// Package shut serves the simulated UPS over SHUT (Serial HID UPS
// Transfer), the framed serial protocol of Eaton/MGE units, on any byte
// stream; upslab sim --serial puts it on a pseudo-terminal for real NUT's
// mge-shut or our usbhid-ups.
//
// SHUT frames carry USB SETUP packets, so the server forwards each request
// to the simulator's USB device (simulator/usbdev) and frames the answer:
// the sync handshake and notification levels (0x16, 0x17, 0x18), ACK/NAK
// after every frame and resends, SET_REPORT's setup and data frames,
// notifications (input reports) when the host asked for them, the echo of
// sync bytes at any time, and the reset of a half-received frame after an
// idle gap. Options add what real lines do: 2400-baud pacing, byte noise
// (corrupt, drop, delay) and a silent line while the cable is pulled; and
// Pad works around NUT 2.8.0's descriptor-length bug (#2022).
//
// The protocol decisions are a state machine without I/O (machine.go);
// Serve only moves bytes and timers, on a clock.Clock.
package shut

import (
	"context"
	"io"
	"math/rand"
	"time"

	"github.com/upslab/upslab/drivers/hiddev"
	"github.com/upslab/upslab/drivers/usb"
	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/simulator/hidview"
)

// Defaults of Options.
const (
	// DefaultIdleReset: a frame not completed within this gap is dropped,
	// so a lost byte cannot wedge the parser (NUT's sync tries are 1 s
	// apart, so the next one gets through).
	DefaultIdleReset = 500 * time.Millisecond
	// DefaultNotifyTimeout: a notification frame not acknowledged within
	// this time is sent again (NUT waits 3 s for any byte).
	DefaultNotifyTimeout = 3 * time.Second
	// DefaultQuietGap: after a bad frame the device waits for this much
	// silence before its NAK (seven byte times at 2400 baud).
	DefaultQuietGap = 30 * time.Millisecond
	// Baud is the real line speed.
	Baud = 2400
)

// Options configure a Server.
type Options struct {
	// Pad zero-pads the report descriptor to PadLength bytes and announces
	// PadLength in the HID descriptor, so NUT 2.8.0's mge-shut can read it
	// (NUT #2022). Without it the real length is served.
	Pad bool
	// Baud paces the bytes the device writes (10 bits per byte); 0 writes
	// them at once, which keeps tests fast.
	Baud int
	// Clock times the line (pacing, idle gap, notification resends,
	// delays); nil is the real clock. It is the line's clock, not the
	// model's: a model run faster than real time still talks to a
	// real-time host.
	Clock clock.Clock
	// IdleReset, NotifyTimeout and QuietGap default to DefaultIdleReset,
	// DefaultNotifyTimeout and DefaultQuietGap.
	IdleReset, NotifyTimeout, QuietGap time.Duration
	// Noise returns the percentage of bytes the line spoils, in both
	// directions: each spoiled byte is corrupted, dropped or (device to
	// host) delayed. Typically simulator.Device.LineNoise; nil is none.
	Noise func() int
	// MaxDelay bounds a noise delay (default 100 ms, well under the
	// host's 3 s byte timeout).
	MaxDelay time.Duration
	// Seed seeds the noise.
	Seed int64
	// Gone reports a pulled cable: the line is silent both ways. nil uses
	// the HID view of a simulator/usbdev device, if that is the Conn.
	Gone func() bool
	// Logf, when set, gets protocol events (bad frames, refusals).
	Logf func(format string, args ...any)
}

// Server is the device side of a SHUT line.
type Server struct {
	conn usb.Conn
	o    Options
	clk  clock.Clock
	rng  *rand.Rand

	wake chan struct{} // an input report was queued
}

// New returns a server for USB device conn (normally a *usbdev.Device).
func New(conn usb.Conn, o Options) *Server {
	if o.IdleReset <= 0 {
		o.IdleReset = DefaultIdleReset
	}
	if o.NotifyTimeout <= 0 {
		o.NotifyTimeout = DefaultNotifyTimeout
	}
	if o.QuietGap <= 0 {
		o.QuietGap = DefaultQuietGap
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = 100 * time.Millisecond
	}
	viewer, hasView := conn.(interface{ View() *hidview.View })
	if o.Gone == nil && hasView {
		o.Gone = viewer.View().Gone
	}
	s := &Server{conn: conn, o: o, clk: clock.Or(o.Clock), rng: rand.New(rand.NewSource(o.Seed)), wake: make(chan struct{}, 1)}
	if n, ok := conn.(hiddev.InputNotifier); ok {
		n.NotifyInput(func() {
			select {
			case s.wake <- struct{}{}:
			default:
			}
		})
	}
	return s
}

func (s *Server) gone() bool { return s.o.Gone != nil && s.o.Gone() }

func (s *Server) noise() int {
	if s.o.Noise == nil {
		return 0
	}
	return s.o.Noise()
}

// spoil decides a byte's fate: 0 keep, 1 corrupt, 2 drop, 3 delay.
func (s *Server) spoil(p int, canDelay bool) int {
	if p <= 0 || s.rng.Intn(100) >= p {
		return 0
	}
	n := 2
	if canDelay {
		n = 3
	}
	return 1 + s.rng.Intn(n)
}

// write sends b with noise and pacing.
func (s *Server) write(w io.Writer, b []byte) error {
	p := s.noise()
	var chunk []byte
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		_, err := w.Write(chunk)
		if s.o.Baud > 0 {
			s.clk.Sleep(time.Duration(len(chunk)) * 10 * time.Second / time.Duration(s.o.Baud))
		}
		chunk = chunk[:0]
		return err
	}
	for _, c := range b {
		switch s.spoil(p, true) {
		case 1:
			c ^= byte(1 + s.rng.Intn(255))
		case 2:
			continue
		case 3:
			if err := flush(); err != nil {
				return err
			}
			s.clk.Sleep(time.Duration(1 + s.rng.Int63n(int64(s.o.MaxDelay))))
		}
		chunk = append(chunk, c)
	}
	return flush()
}

// Serve speaks SHUT on rw until ctx ends or reading fails. It is the only
// writer of rw.
func (s *Server) Serve(ctx context.Context, rw io.ReadWriter) error {
	m := &machine{conn: s.conn, pad: s.o.Pad, logf: s.o.Logf, light: map[byte]bool{0x01: true, 0x02: true, 0x03: true}}
	in := make(chan []byte, 16)
	rerr := make(chan error, 1)
	go func() {
		buf := make([]byte, 256)
		for {
			n, err := rw.Read(buf)
			if n > 0 {
				select {
				case in <- append([]byte(nil), buf[:n]...):
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				rerr <- err
				return
			}
		}
	}()
	idle := s.clk.NewTimer(time.Hour)
	idle.Stop()
	ackT := s.clk.NewTimer(time.Hour)
	ackT.Stop()
	defer idle.Stop()
	defer ackT.Stop()

	wasGone := false
	emit := func(out [][]byte) error {
		for _, b := range out {
			if err := s.write(rw, b); err != nil {
				return err
			}
		}
		if m.st == awaitAck && m.notif != nil {
			ackT.Reset(s.o.NotifyTimeout)
		}
		return nil
	}
	pump := func() error {
		// Take queued input reports from the interrupt endpoint; with
		// notifications off they are read and dropped, so the host gets
		// fresh ones when it turns them on.
		for {
			buf := make([]byte, 64)
			n, err := s.conn.ReadInterrupt(buf, 0)
			if err != nil || n == 0 {
				break
			}
			m.queue = append(m.queue, buf[:n])
		}
		return emit(m.notify())
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-rerr:
			return err
		case <-s.wake:
			if s.gone() {
				continue
			}
			if err := pump(); err != nil {
				return err
			}
		case <-idle.C():
			if m.discard {
				if err := emit(m.quiet()); err != nil {
					return err
				}
			} else if m.dec.Busy() {
				m.debugf("shut: idle gap in a frame: dropped")
				m.resetFrame()
			}
			if err := pump(); err != nil {
				return err
			}
		case <-ackT.C():
			if s.gone() {
				continue
			}
			if err := emit(m.ackTimeout()); err != nil {
				return err
			}
		case chunk := <-in:
			if s.gone() {
				// Cable pulled: nothing reaches the device, nothing comes back.
				if !wasGone {
					m.lost()
					wasGone = true
				}
				continue
			}
			wasGone = false
			p := s.noise()
			for _, b := range chunk {
				switch s.spoil(p, false) {
				case 1:
					b ^= byte(1 + s.rng.Intn(255))
				case 2:
					continue
				}
				if err := emit(m.feed(b)); err != nil {
					return err
				}
			}
			switch {
			case m.discard:
				idle.Reset(s.o.QuietGap)
			case m.dec.Busy():
				idle.Reset(s.o.IdleReset)
			default:
				idle.Stop()
				if err := pump(); err != nil {
					return err
				}
			}
		}
	}
}
