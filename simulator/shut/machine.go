package shut

import (
	"encoding/binary"
	"fmt"

	"github.com/upslab/upslab/drivers/shut/frame"
	"github.com/upslab/upslab/drivers/usb"
)

// PadLength is the report-descriptor length announced with Options.Pad:
// 0x0404 has equal bytes, so NUT 2.8.0's mge-shut, which reads the length
// as lo|lo<<8 (NUT issue #2022, fixed in 2.8.1), reads it right.
const PadLength = 0x0404

// maxAnswer bounds the buffer a request's wLength asks for.
const maxAnswer = 8192

type state int

const (
	idle      state = iota
	awaitAck        // a response or notification frame was sent
	awaitData       // the setup frame of a SET_REPORT came; its data frame is next
)

// machine is the device side of SHUT without I/O: bytes from the host
// in, bytes to write out. The Server drives it.
type machine struct {
	conn   usb.Conn
	pad    bool
	light  map[byte]bool // report IDs sent at the light notification level
	logf   func(string, ...any)
	dec    frame.Decoder
	level  byte // last sync byte (0: none yet, no notifications)
	st     state
	frames []frame.Frame // answer or notification being sent
	idx    int           // frame of frames waiting for its ACK
	notif  []byte        // the notification being sent, to requeue if abandoned
	setup  [8]byte       // SET_REPORT setup packet while awaitData
	last   []byte        // last bytes sent, for a NAK when nothing is pending
	queue  [][]byte      // input reports waiting to be notified
	sent   int           // resends of the current notification frame
	// discard: a bad frame came; bytes are dropped until the line is
	// quiet, then one NAK goes out (quiet). Without it the rest of a
	// corrupted request can look like another bad frame and earn a second
	// NAK, the host sends the request twice, and two answers interleave.
	discard bool
}

func (m *machine) debugf(format string, args ...any) {
	if m.logf != nil {
		m.logf(format, args...)
	}
}

func (m *machine) send(out *[][]byte, b []byte) {
	m.last = b
	*out = append(*out, b)
}

// abandon drops a pending answer or notification (a sync byte or a new
// request came); an abandoned notification goes back to the queue.
func (m *machine) abandon() {
	if m.st == awaitAck && m.notif != nil {
		m.queue = append([][]byte{m.notif}, m.queue...)
	}
	m.st, m.frames, m.idx, m.notif, m.sent = idle, nil, 0, nil, 0
}

// reset forgets a half-received frame (idle gap).
func (m *machine) resetFrame() { m.dec.Reset() }

// feed takes one byte from the host and returns what to write.
func (m *machine) feed(b byte) [][]byte {
	if m.discard {
		return nil
	}
	var out [][]byte
	ev := m.dec.Feed(b)
	switch ev.Kind {
	case frame.Token:
		switch {
		case frame.IsSync(b):
			// Echo at any time; the byte also sets the notification
			// level (0x18: none, which mge-shut 2.8.0 always asks for).
			m.abandon()
			m.level = b
			m.send(&out, []byte{b})
		case b == frame.ACK:
			if m.st != awaitAck {
				break
			}
			m.idx++
			m.sent = 0
			if m.idx < len(m.frames) {
				m.send(&out, m.frames[m.idx].Bytes())
				break
			}
			m.st, m.frames, m.idx, m.notif = idle, nil, 0, nil
		case b == frame.NAK:
			// A NAK with a frame pending asks for it again. With nothing
			// pending, NUT is telling us (after 3 s) that it got no ACK:
			// if our last word was an ACK it was lost, so say it again;
			// otherwise its request never reached us whole, and a NAK
			// makes NUT send it again at once. (Resending our last
			// response frame instead, as a first version did, fed NUT a
			// stale answer and its sync then read the leftovers: real
			// mge-shut 2.8.0 gave up at 1 % noise.)
			switch {
			case m.st == awaitAck:
				m.send(&out, m.frames[m.idx].Bytes())
			case len(m.last) == 1 && m.last[0] == frame.ACK:
				m.send(&out, m.last)
			default:
				m.send(&out, []byte{frame.NAK})
			}
		}
	case frame.Bad:
		m.debugf("shut: %v: NAK when the line is quiet", ev.Err)
		m.discard = true
	case frame.Complete:
		if ev.Frame.Kind() != frame.Request {
			m.debugf("shut: ignoring frame %v from the host", ev.Frame)
			break
		}
		m.request(ev.Frame, &out)
	}
	return out
}

// quiet is called when the line has been silent for a while: a pending
// NAK for a bad frame goes out.
func (m *machine) quiet() [][]byte {
	if !m.discard {
		return nil
	}
	m.discard = false
	m.dec.Reset()
	var out [][]byte
	m.send(&out, []byte{frame.NAK})
	return out
}

// request handles a good request frame.
func (m *machine) request(f frame.Frame, out *[][]byte) {
	if m.st == awaitData && f.Last() && len(f.Data) == int(binary.LittleEndian.Uint16(m.setup[6:])) {
		// SET_REPORT's data frame: the whole report, ID first.
		m.send(out, []byte{frame.ACK})
		m.st = idle
		s := m.setup
		if _, err := m.conn.Control(s[0], s[1], binary.LittleEndian.Uint16(s[2:]), binary.LittleEndian.Uint16(s[4:]), f.Data); err != nil {
			m.debugf("shut: SET request % x data % x: %v", s, f.Data, err)
		}
		return
	}
	m.abandon()
	if len(f.Data) != 8 {
		// A data frame whose ACK the host missed, sent again: the report
		// was taken already. Acknowledge and drop it.
		m.send(out, []byte{frame.ACK})
		return
	}
	copy(m.setup[:], f.Data)
	rType, req := f.Data[0], f.Data[1]
	value := binary.LittleEndian.Uint16(f.Data[2:])
	index := binary.LittleEndian.Uint16(f.Data[4:])
	wLength := int(binary.LittleEndian.Uint16(f.Data[6:]))
	m.send(out, []byte{frame.ACK})
	if rType&0x80 == 0 {
		if wLength > 0 && !f.Last() {
			m.st = awaitData
			return
		}
		if wLength == 0 {
			if _, err := m.conn.Control(rType, req, value, index, nil); err != nil {
				m.debugf("shut: request % x: %v", f.Data, err)
			}
		}
		// An OUT request with data but the last flag set is what NUT
		// 2.8.0 sends for reports of 8 bytes (the setup packet again):
		// nothing to apply.
		return
	}
	ans, err := m.answer(rType, req, value, index, wLength)
	if err != nil || len(ans) == 0 {
		// Assumption (no capture of a real refusal): a request the unit
		// does not take is acknowledged and left unanswered, so the host
		// times out, as a STALL times out nothing on USB.
		m.debugf("shut: request % x: no answer (%v)", f.Data, err)
		return
	}
	m.frames = frame.Split(frame.Response, ans)
	m.idx, m.st = 0, awaitAck
	m.send(out, m.frames[0].Bytes())
}

// answer runs an IN request on the USB device, with the descriptor padding
// of Options.Pad.
func (m *machine) answer(rType, req uint8, value, index uint16, wLength int) ([]byte, error) {
	if wLength > maxAnswer {
		wLength = maxAnswer
	}
	isReport := rType == 0x81 && req == usb.RequestGetDescriptor && value>>8 == usb.DescReport
	isHID := rType == 0x81 && req == usb.RequestGetDescriptor && value>>8 == usb.DescHID
	n := wLength
	if m.pad && isReport {
		n = maxAnswer
	}
	buf := make([]byte, n)
	got, err := m.conn.Control(rType, req, value, index, buf)
	if err != nil {
		return nil, err
	}
	buf = buf[:got]
	switch {
	case m.pad && isReport:
		if len(buf) < PadLength {
			// Zero bytes are reserved short items that NUT's parser
			// skips (spec 2.8.1).
			buf = append(buf, make([]byte, PadLength-len(buf))...)
		}
		if len(buf) > wLength {
			buf = buf[:wLength]
		}
	case m.pad && isHID && len(buf) >= 9:
		if l := binary.LittleEndian.Uint16(buf[7:]); l < PadLength {
			binary.LittleEndian.PutUint16(buf[7:], PadLength)
		}
	}
	return buf, nil
}

// notify starts sending the next queued input report when the line is
// free and the host asked for notifications.
func (m *machine) notify() [][]byte {
	if m.st != idle || m.dec.Busy() || m.discard || len(m.queue) == 0 {
		return nil
	}
	if m.level != frame.SyncComplete && m.level != frame.SyncLight {
		m.queue = nil
		return nil
	}
	var out [][]byte
	for len(m.queue) > 0 {
		r := m.queue[0]
		m.queue = m.queue[1:]
		if len(r) == 0 || (m.level == frame.SyncLight && !m.light[r[0]]) {
			continue
		}
		m.notif = r
		m.frames = frame.Split(frame.Notify, r)
		m.idx, m.st, m.sent = 0, awaitAck, 0
		m.send(&out, m.frames[0].Bytes())
		break
	}
	return out
}

// ackTimeout is called when a notification frame waited too long for its
// ACK: it is sent again, three times at most, then dropped (a host that
// polls only may never answer).
func (m *machine) ackTimeout() [][]byte {
	if m.st != awaitAck || m.notif == nil {
		return nil
	}
	if m.sent >= 3 {
		m.st, m.frames, m.idx, m.notif, m.sent = idle, nil, 0, nil, 0
		return m.notify()
	}
	m.sent++
	var out [][]byte
	m.send(&out, m.frames[m.idx].Bytes())
	return out
}

// lost forgets everything in flight (cable pulled).
func (m *machine) lost() {
	m.dec.Reset()
	m.discard = false
	m.st, m.frames, m.idx, m.notif, m.sent, m.last = idle, nil, 0, nil, 0, nil
	m.queue = nil
}

func (m *machine) String() string {
	return fmt.Sprintf("state %d level %#02x frames %d/%d queue %d", m.st, m.level, m.idx, len(m.frames), len(m.queue))
}
