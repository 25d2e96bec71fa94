package shut

import (
	"bytes"
	"testing"

	"github.com/upslab/upslab/drivers/shut/frame"
	"github.com/upslab/upslab/internal/clock"
)

// FuzzReceive: whatever a device sends after a request, the host side
// never panics, writes only tokens and request frames, and returns an
// answer no longer than wLength built from good response frames only.
func FuzzReceive(f *testing.F) {
	f.Add([]byte{0x06, 0x84, 0x66, 0x06, 0x64, 0xe0, 0x04, 0x00, 0x00, 0x86})
	f.Add([]byte{0x85, 0x66, 0x06, 0x5c, 0x62, 0x02, 0x00, 0x00, 0x3a, 0x06, 0x04, 0x88, 1, 2, 3, 4, 5, 6, 7, 8, 8, 0x84, 0x11, 9, 9})
	f.Add([]byte{0x15, 0x15, 0x06, 0x84, 0x23, 0x00, 0x84, 0x22, 0x01, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, in []byte) {
		ch := make(chan []byte, 1)
		ch <- in
		close(ch)
		var w bytes.Buffer
		o := Options{Clock: clock.NewVirtual(clock.Epoch)}
		o.defaults()
		l := &line{w: &w, in: ch, clk: o.Clock, o: &o}
		setup := setupPacket(0xa1, 0x01, 0x0306, 0, 16)
		ans, err := l.once(setup, nil, 16)
		if err == nil {
			if len(ans) > 16 || len(ans) == 0 {
				t.Fatalf("answer of %d bytes", len(ans))
			}
			if !madeOfFrames(in, ans) {
				t.Fatalf("answer % x is not made of good response frames of % x", ans, in)
			}
		}
		var d frame.Decoder
		for _, b := range w.Bytes() {
			ev := d.Feed(b)
			switch ev.Kind {
			case frame.Bad, frame.Garbage:
				t.Fatalf("host wrote % x", w.Bytes())
			case frame.Complete:
				if ev.Frame.Kind() != frame.Request {
					t.Fatalf("host wrote a frame of kind %d", ev.Frame.Kind())
				}
			}
		}
	})
}

// madeOfFrames reports whether ans is the data of a run of good response
// frames found in in (at any offsets), the last one flagged Last.
func madeOfFrames(in, ans []byte) bool {
	var mid, last [][]byte // data of the response frames anywhere in in
	for i := range in {
		var d frame.Decoder
		for _, b := range in[i:] {
			ev := d.Feed(b)
			if ev.Kind == frame.Complete && ev.Frame.Kind() == frame.Response {
				if ev.Frame.Last() {
					last = append(last, ev.Frame.Data)
				} else {
					mid = append(mid, ev.Frame.Data)
				}
			}
			if ev.Kind != frame.None {
				break
			}
		}
	}
	ok := make([]bool, len(ans)+1) // ok[i]: ans[:i] is a run of mid frames
	ok[0] = true
	for i := 0; i < len(ans); i++ {
		if !ok[i] {
			continue
		}
		for _, m := range mid {
			if bytes.HasPrefix(ans[i:], m) {
				ok[i+len(m)] = true
			}
		}
	}
	for _, l := range last {
		if n := len(ans) - len(l); n >= 0 && ok[n] && bytes.Equal(ans[n:], l) {
			return true
		}
	}
	return false
}
