package shut

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/upslab/upslab/drivers/shut/frame"
	"github.com/upslab/upslab/drivers/usb"
	"github.com/upslab/upslab/simulator/hidview"
)

// exchange is one control transfer of a transcript: the SETUP packet,
// the data the host sent (SET) and the answer the device gave (GET).
type exchange struct {
	setup  [8]byte
	out    []byte
	answer []byte
}

// transcriptExchanges decodes both sides of a session transcript into
// control transfers, in order.
func transcriptExchanges(t testing.TB, ws []frame.Write) []exchange {
	t.Helper()
	var host, dev []frame.Frame
	for _, side := range []bool{true, false} {
		var d frame.Decoder
		for _, b := range frame.Stream(ws, side) {
			if ev := d.Feed(b); ev.Kind == frame.Complete {
				if side {
					host = append(host, ev.Frame)
				} else {
					dev = append(dev, ev.Frame)
				}
			}
		}
	}
	var xs []exchange
	di := 0
	for i := 0; i < len(host); i++ {
		var x exchange
		copy(x.setup[:], host[i].Data)
		if x.setup[0]&0x80 == 0 {
			if !host[i].Last() {
				i++
				x.out = host[i].Data
			}
			xs = append(xs, x)
			continue
		}
		for di < len(dev) {
			f := dev[di]
			di++
			x.answer = append(x.answer, f.Data...)
			if f.Last() {
				break
			}
		}
		xs = append(xs, x)
	}
	return xs
}

func readSession(t testing.TB) []frame.Write {
	t.Helper()
	f, err := os.Open("testdata/nut-2.8.0-mge-shut-session.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ws, err := frame.ReadTranscript(f)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// playback is a usb.Conn that expects the transcript's transfers in order
// and gives its answers; transform may change an answer (padding tests).
type playback struct {
	t  testing.TB
	xs []exchange
	i  int
	fn func(x exchange) []byte
}

func (p *playback) Control(rType, request uint8, value, index uint16, data []byte) (int, error) {
	if p.i >= len(p.xs) {
		p.t.Fatalf("unexpected transfer %#02x/%#02x %#04x", rType, request, value)
	}
	x := p.xs[p.i]
	p.i++
	var setup [8]byte
	setup[0], setup[1] = rType, request
	binary.LittleEndian.PutUint16(setup[2:], value)
	binary.LittleEndian.PutUint16(setup[4:], index)
	binary.LittleEndian.PutUint16(setup[6:], binary.LittleEndian.Uint16(x.setup[6:]))
	if setup != x.setup {
		p.t.Fatalf("transfer %d: setup % x, want % x", p.i, setup, x.setup)
	}
	if rType&0x80 == 0 {
		if !bytes.Equal(data, x.out) {
			p.t.Fatalf("transfer %d: data % x, want % x", p.i, data, x.out)
		}
		return len(data), nil
	}
	a := x.answer
	if p.fn != nil {
		a = p.fn(x)
	}
	return copy(data, a), nil
}

func (p *playback) ReadInterrupt([]byte, time.Duration) (int, error) { return 0, usb.ErrTimeout }

// runMachine feeds the host's writes to a machine and returns what it wrote.
func runMachine(m *machine, ws []frame.Write) []byte {
	var got []byte
	for _, w := range ws {
		if !w.Host {
			continue
		}
		for _, b := range w.Bytes {
			for _, o := range m.feed(b) {
				got = append(got, o...)
			}
		}
	}
	return got
}

// The device side answers real mge-shut 2.8.0's bytes exactly as the
// device of the verified session did, given the same USB answers.
func TestGoldenSession(t *testing.T) {
	ws := readSession(t)
	xs := transcriptExchanges(t, ws)
	if len(xs) < 30 {
		t.Fatalf("only %d transfers in the transcript", len(xs))
	}
	santak := hidview.SantakTGBox850Descriptor()
	for _, c := range []struct {
		name string
		pad  bool
		fn   func(x exchange) []byte
	}{
		{"as recorded", false, nil},
		// The recorded device served Santak's 926-byte descriptor padded
		// to 1028 by hand; Pad must give the same bytes from the real one.
		{"pad from real length", true, func(x exchange) []byte {
			switch binary.LittleEndian.Uint16(x.setup[2:]) >> 8 {
			case usb.DescHID:
				a := append([]byte(nil), x.answer...)
				binary.LittleEndian.PutUint16(a[7:], uint16(len(santak)))
				return a
			case usb.DescReport:
				return santak
			}
			return x.answer
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			pb := &playback{t: t, xs: xs, fn: c.fn}
			m := &machine{conn: pb, pad: c.pad}
			got := runMachine(m, ws)
			want := frame.Stream(ws, false)
			if !bytes.Equal(got, want) {
				t.Errorf("device stream differs at byte %d\n got % x\nwant % x", firstDiff(got, want), clip(got, firstDiff(got, want)), clip(want, firstDiff(got, want)))
			}
			if pb.i != len(xs) {
				t.Errorf("%d of %d transfers made", pb.i, len(xs))
			}
		})
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func clip(b []byte, at int) string {
	lo, hi := max(0, at-8), min(len(b), at+24)
	return fmt.Sprintf("[%d:] % x", lo, b[lo:hi])
}
