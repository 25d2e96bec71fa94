// Package frame is the wire format of SHUT (Serial HID UPS Transfer), the
// protocol Eaton/MGE UPSes speak on their RS-232 port, shared by the host
// side (drivers/shut) and the simulated device (simulator/shut).
//
// The line carries two things: single-byte tokens (ACK, NAK and the three
// sync bytes that also choose the notification level) and frames of one to
// eight data bytes:
//
//	type | length | data (n bytes) | XOR of the data
//
// The type byte is 0x80 ("last frame of this message") or'ed with 1
// (request, host to device), 4 (response) or 5 (notification); the length
// byte repeats n in both nibbles (0x11 … 0x88). A message longer than eight
// bytes is cut into frames, each acknowledged before the next is sent.
//
// Encode and Split build frames; a Decoder takes the line byte by byte and
// says what each byte completed, so both sides resynchronise the same way.
package frame

import (
	"errors"
	"fmt"
)

// Single-byte tokens.
const (
	ACK = 0x06 // frame received, checksum good
	NAK = 0x15 // frame bad, or "please resend"
	// SyncComplete, SyncLight and SyncOff synchronise the line and choose
	// the notification level; the device echoes the byte. NUT 2.8.0's
	// mge-shut always sends SyncOff (polling only); nut-scanner sends
	// SyncComplete.
	SyncComplete = 0x16
	SyncLight    = 0x17
	SyncOff      = 0x18
)

// Frame kinds (the low nibble of the type byte) and the last-frame flag.
const (
	Request  = 0x01 // host → device: a USB SETUP packet, or SET_REPORT data
	Response = 0x04 // device → host: the answer to a request
	Notify   = 0x05 // device → host: an unsolicited input report
	Last     = 0x80 // set on the last frame of a message
)

// MaxData is the most data bytes one frame carries.
const MaxData = 8

// IsSync reports whether b is one of the three sync bytes.
func IsSync(b byte) bool { return b == SyncComplete || b == SyncLight || b == SyncOff }

// IsStart reports whether b can begin a frame: a known kind, with or
// without the last flag, and no other bit set.
func IsStart(b byte) bool {
	switch b &^ Last {
	case Request, Response, Notify:
		return true
	}
	return false
}

// Checksum is the XOR of the data bytes (type and length are not covered).
func Checksum(data []byte) byte {
	var c byte
	for _, b := range data {
		c ^= b
	}
	return c
}

// Frame is one decoded frame.
type Frame struct {
	Type byte   // full type byte: kind | Last
	Data []byte // 1..8 bytes
}

// Kind returns the frame kind (Request, Response, Notify).
func (f Frame) Kind() byte { return f.Type &^ Last }

// Last reports whether the frame ends its message.
func (f Frame) Last() bool { return f.Type&Last != 0 }

// Bytes encodes the frame.
func (f Frame) Bytes() []byte { return Encode(f.Type, f.Data) }

func (f Frame) String() string { return fmt.Sprintf("% x", f.Bytes()) }

// Encode returns the frame of type typ carrying data. It panics if data
// is empty or longer than MaxData: callers cut messages with Split.
func Encode(typ byte, data []byte) []byte {
	n := len(data)
	if n == 0 || n > MaxData {
		panic(fmt.Sprintf("frame: %d data bytes", n))
	}
	b := make([]byte, 0, n+3)
	b = append(b, typ, byte(n<<4|n))
	b = append(b, data...)
	return append(b, Checksum(data))
}

// Split cuts msg into frames of kind: eight bytes each, the rest in the
// last one, which alone has the Last flag. An empty message yields no
// frames (SHUT has no empty frame).
func Split(kind byte, msg []byte) []Frame {
	var fs []Frame
	for len(msg) > 0 {
		n := min(len(msg), MaxData)
		t := kind
		if n == len(msg) {
			t |= Last
		}
		fs = append(fs, Frame{Type: t, Data: append([]byte(nil), msg[:n]...)})
		msg = msg[n:]
	}
	return fs
}

// Errors a Decoder reports for a bad frame.
var (
	// ErrLength is a length byte whose nibbles differ or that says 0 or
	// more than 8 bytes. The rest of the frame cannot be delimited.
	ErrLength = errors.New("shut: bad frame length byte")
	// ErrChecksum is a frame whose XOR does not match.
	ErrChecksum = errors.New("shut: bad frame checksum")
)

// EventKind says what a byte fed to a Decoder completed.
type EventKind int

// Event kinds.
const (
	None     EventKind = iota // the byte is part of a frame still being read
	Token                     // a single-byte token outside a frame (ACK, NAK, sync)
	Complete                  // a good frame
	Bad                       // a bad frame (Err says why); the decoder is reset
	Garbage                   // a byte that is neither a token nor a frame start
)

// Event is the result of feeding one byte.
type Event struct {
	Kind  EventKind
	Byte  byte  // the byte fed (Token, Garbage)
	Frame Frame // Complete
	Err   error // Bad
}

// Decoder reads the line byte by byte. Its zero value is ready.
type Decoder struct {
	typ  byte
	n    int // data length from the length byte; 0 while waiting for it
	data []byte
	busy bool
}

// Busy reports whether a frame has been started but not finished.
func (d *Decoder) Busy() bool { return d.busy }

// Reset drops a half-read frame (after an idle gap, or when the reader
// gives up on it).
func (d *Decoder) Reset() {
	d.busy = false
	d.n = 0
	d.data = d.data[:0]
}

// Feed takes one byte from the line.
func (d *Decoder) Feed(b byte) Event {
	if !d.busy {
		switch {
		case IsStart(b):
			d.busy, d.typ, d.n, d.data = true, b, 0, d.data[:0]
			return Event{Kind: None, Byte: b}
		case b == ACK || b == NAK || IsSync(b):
			return Event{Kind: Token, Byte: b}
		}
		return Event{Kind: Garbage, Byte: b}
	}
	if d.n == 0 {
		n := int(b & 0x0f)
		if int(b>>4) != n || n == 0 || n > MaxData {
			d.Reset()
			return Event{Kind: Bad, Byte: b, Err: fmt.Errorf("%w 0x%02x after type 0x%02x", ErrLength, b, d.typ)}
		}
		d.n = n
		return Event{Kind: None, Byte: b}
	}
	if len(d.data) < d.n {
		d.data = append(d.data, b)
		return Event{Kind: None, Byte: b}
	}
	f := Frame{Type: d.typ, Data: append([]byte(nil), d.data...)}
	d.Reset()
	if c := Checksum(f.Data); c != b {
		return Event{Kind: Bad, Byte: b, Frame: f, Err: fmt.Errorf("%w: type 0x%02x data % x: got 0x%02x, want 0x%02x", ErrChecksum, f.Type, f.Data, b, c)}
	}
	return Event{Kind: Complete, Byte: b, Frame: f}
}
