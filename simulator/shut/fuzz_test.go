package shut

import (
	"testing"

	"github.com/upslab/upslab/drivers/shut/frame"
)

// FuzzMachine: any bytes from a host; the device never panics and writes
// only tokens and well-formed response or notification frames, never an
// answer longer than a request's wLength.
func FuzzMachine(f *testing.F) {
	f.Add(get(0x10, 9))
	f.Add([]byte{0x18, 0x81, 0x88, 0xa1, 0x01, 0x10, 0x03, 0x00, 0x00, 0x09, 0x00, 0xba, 0x06, 0x15, 0x06})
	f.Add([]byte{0x01, 0x88, 0x21, 0x09, 0x0a, 0x03, 0x00, 0x00, 0x05, 0x00, 0x24, 0x81, 0x55, 0x0a, 0x1e, 0x00, 0x00, 0x00, 0x14})
	f.Fuzz(func(t *testing.T, in []byte) {
		c := &fakeConn{answer: []byte{0x10, 0x05, 0x01, 0x07, 0x02, 0x08, 0x04, 0x06, 0x09, 0x01, 0x02, 0x03}}
		m := &machine{conn: c, pad: len(in)%2 == 0}
		m.queue = [][]byte{{0x01, 0x25, 0x00, 0x00}}
		var d frame.Decoder
		for _, b := range in {
			outs := append(m.feed(b), m.notify()...)
			for _, o := range outs {
				for _, x := range o {
					ev := d.Feed(x)
					switch ev.Kind {
					case frame.Bad, frame.Garbage:
						t.Fatalf("device wrote % x: %v", o, ev.Err)
					case frame.Complete:
						if k := ev.Frame.Kind(); k != frame.Response && k != frame.Notify {
							t.Fatalf("device wrote a frame of kind %d", k)
						}
					}
				}
				if d.Busy() {
					t.Fatalf("device wrote half a frame: % x", o)
				}
			}
			if m.st == awaitAck && m.notif == nil {
				total := 0
				for _, f := range m.frames {
					total += len(f.Data)
				}
				if w := int(m.setup[6]) | int(m.setup[7])<<8; total > w {
					t.Fatalf("answer of %d bytes to wLength %d", total, w)
				}
			}
		}
	})
}
