package shut

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/upslab/upslab/drivers/shut/frame"
	"github.com/upslab/upslab/drivers/usb"
	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/simulator"
	"github.com/upslab/upslab/simulator/hidview"
	"github.com/upslab/upslab/simulator/usbdev"
)

// fakeConn answers every IN request with a fixed answer and records OUT
// requests.
type fakeConn struct {
	answer []byte
	outs   [][]byte
	stall  bool
}

func (f *fakeConn) Control(rType, request uint8, value, index uint16, data []byte) (int, error) {
	if f.stall {
		return 0, usb.ErrStall
	}
	if rType&0x80 == 0 {
		f.outs = append(f.outs, append([]byte{byte(value)}, data...))
		return len(data), nil
	}
	return copy(data, f.answer), nil
}

func (f *fakeConn) ReadInterrupt([]byte, time.Duration) (int, error) { return 0, usb.ErrTimeout }

func hexs(s string) []byte {
	var b []byte
	for _, f := range strings.Fields(s) {
		var x byte
		fmt.Sscanf(f, "%02x", &x)
		b = append(b, x)
	}
	return b
}

func get(id byte, n int) []byte {
	s := []byte{0xa1, 0x01, id, 0x03, 0, 0, 0, 0}
	binary.LittleEndian.PutUint16(s[6:], uint16(n))
	return frame.Encode(frame.Request|frame.Last, s)
}

// Each case feeds host bytes to a fresh machine and checks what the
// device wrote back, in order.
func TestMachine(t *testing.T) {
	answer10 := hexs("10 05 01 07 02 08 04 06 09")
	for _, c := range []struct {
		name  string
		conn  *fakeConn
		level byte
		in    [][]byte
		want  string
	}{
		{"sync echo", &fakeConn{}, 0, [][]byte{{frame.SyncOff}, {frame.SyncComplete}}, "18 16"},
		{"get two frames", &fakeConn{answer: answer10}, 0, [][]byte{get(0x10, 9), {frame.ACK}, {frame.ACK}},
			"06 04 88 10 05 01 07 02 08 04 06 1b 84 11 09 09"},
		{"NAK resends the frame", &fakeConn{answer: answer10}, 0, [][]byte{get(0x10, 9), {frame.NAK}, {frame.ACK}, {frame.NAK}, {frame.ACK}},
			"06 04 88 10 05 01 07 02 08 04 06 1b 04 88 10 05 01 07 02 08 04 06 1b 84 11 09 09 84 11 09 09"},
		{"bad checksum is NAKed", &fakeConn{answer: answer10}, 0, [][]byte{hexs("81 88 a1 01 10 03 00 00 09 00 00")}, "15"},
		{"bad length is NAKed", &fakeConn{}, 0, [][]byte{hexs("81 87")}, "15"},
		// 0x97 spoils the length; the request's own 0x81 then starts a
		// frame whose length 0x06 is bad too: still one NAK.
		{"one NAK per damaged write", &fakeConn{}, 0, [][]byte{hexs("81 97 81 06 00 22 00 00 cc 03 6a")}, "15"},
		{"sync abandons an answer", &fakeConn{answer: answer10}, 0, [][]byte{get(0x10, 9), {frame.SyncOff}, {frame.ACK}},
			"06 04 88 10 05 01 07 02 08 04 06 1b 18"},
		{"never more than wLength", &fakeConn{answer: answer10}, 0, [][]byte{get(0x10, 3), {frame.ACK}}, "06 84 33 10 05 01 14"},
		{"stall: ACK, then silence", &fakeConn{stall: true}, 0, [][]byte{get(0x10, 9)}, "06"},
		{"NAK when idle after an answer", &fakeConn{answer: answer10}, 0, [][]byte{get(0x10, 3), {frame.ACK}, {frame.NAK}}, "06 84 33 10 05 01 14 15"},
		{"NAK after a SET re-ACKs", &fakeConn{}, 0, [][]byte{hexs("01 88 21 09 0a 03 00 00 05 00 24"), hexs("81 55 0a 1e 00 00 00 14"), {frame.NAK}}, "06 06 06"},
		{"SET data frame sent twice is taken once", &fakeConn{}, 0, [][]byte{hexs("01 88 21 09 0a 03 00 00 05 00 24"), hexs("81 55 0a 1e 00 00 00 14"), hexs("81 55 0a 1e 00 00 00 14")}, "06 06 06"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := &machine{conn: c.conn, level: c.level}
			var got []byte
			for _, w := range c.in {
				for _, b := range w {
					for _, o := range m.feed(b) {
						got = append(got, o...)
					}
				}
				// The line goes quiet between the host's writes.
				for _, o := range m.quiet() {
					got = append(got, o...)
				}
			}
			if want := hexs(c.want); !bytes.Equal(got, want) {
				t.Errorf("device wrote % x\nwant          % x", got, want)
			}
		})
	}
}

// SET_REPORT reaches the USB device once, with the report ID first.
func TestMachineSet(t *testing.T) {
	c := &fakeConn{}
	m := &machine{conn: c}
	for _, b := range append(hexs("01 88 21 09 0a 03 00 00 05 00 24"), hexs("81 55 0a 1e 00 00 00 14 81 55 0a 1e 00 00 00 14")...) {
		m.feed(b)
	}
	if len(c.outs) != 1 || !bytes.Equal(c.outs[0], hexs("0a 0a 1e 00 00 00")) {
		t.Errorf("OUT transfers %x", c.outs)
	}
}

// Notification levels: 0x16 sends every input report, 0x17 the status
// ones only (an assumption: no capture says which), 0x18 none.
func TestMachineNotify(t *testing.T) {
	for _, c := range []struct {
		level byte
		want  int
	}{{frame.SyncComplete, 2}, {frame.SyncLight, 1}, {frame.SyncOff, 0}, {0, 0}} {
		t.Run(fmt.Sprintf("%#02x", c.level), func(t *testing.T) {
			m := &machine{conn: &fakeConn{}, level: c.level, light: map[byte]bool{1: true}}
			m.queue = [][]byte{hexs("06 5c 62 02 00 00"), hexs("01 25 00 00")}
			n := 0
			for out := m.notify(); len(out) > 0; out = m.notify() {
				n++
				if out[0][0] != frame.Notify|frame.Last {
					t.Fatalf("notification frame % x", out[0])
				}
				if more := m.feed(frame.ACK); len(more) != 0 {
					t.Fatalf("ACK of a one-frame notification answered % x", more)
				}
			}
			if n != c.want {
				t.Errorf("%d notifications, want %d", n, c.want)
			}
		})
	}
	// A request cutting into a notification wins; the notification is
	// sent again afterwards.
	m := &machine{conn: &fakeConn{answer: []byte{0x06, 1}}, level: frame.SyncComplete}
	m.queue = [][]byte{hexs("01 25 00 00")}
	first := m.notify()
	var out [][]byte
	for _, b := range get(0x06, 2) {
		out = append(out, m.feed(b)...)
	}
	out = append(out, m.feed(frame.ACK)...)
	again := m.notify()
	if len(first) != 1 || len(again) != 1 || !bytes.Equal(first[0], again[0]) || len(out) != 2 {
		t.Errorf("notification %x, exchange %x, again %x", first, out, again)
	}
}

// linePair runs a Server for a fresh simulated ECO on one end of a pipe.
func linePair(t *testing.T, o Options) (*simulator.Device, net.Conn, func()) {
	dev := simulator.New(clock.NewVirtual(clock.Epoch), nil, 1)
	host, line := net.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- New(usbdev.New(hidview.New(dev)), o).Serve(ctx, line) }()
	return dev, host, func() {
		cancel()
		host.Close()
		line.Close()
		<-done
		dev.Stop()
	}
}

func readN(t *testing.T, c net.Conn, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatal(err)
	}
	return b
}

// A frame cut short is dropped after the idle gap, so the next sync gets
// through (NUT's tries are 1 s apart).
func TestServeIdleGap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, host, stop := linePair(t, Options{})
		defer stop()
		host.Write(hexs("81 88 80 06 00")) // the rest is lost
		time.Sleep(DefaultIdleReset + time.Millisecond)
		host.Write([]byte{frame.SyncOff})
		if got := readN(t, host, 1); got[0] != frame.SyncOff {
			t.Fatalf("after the gap: % x, want the echo", got)
		}
	})
}

// A pulled cable: the line is silent, even for sync; it answers again
// after the replug.
func TestServeCablePulled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dev, host, stop := linePair(t, Options{})
		defer stop()
		dev.Exec("cable unplug")
		host.Write([]byte{frame.SyncOff})
		got := make(chan []byte, 1)
		go func() {
			b := make([]byte, 1)
			host.Read(b)
			got <- b
		}()
		time.Sleep(10 * time.Second)
		synctest.Wait()
		select {
		case b := <-got:
			t.Fatalf("pulled cable answered % x", b)
		default:
		}
		dev.Exec("cable replug")
		host.Write([]byte{frame.SyncOff})
		if b := <-got; b[0] != frame.SyncOff {
			t.Fatalf("after replug: % x", b)
		}
	})
}

// With Baud, the device's bytes take the line's time, 10 bits each: the
// last frame of the device descriptor starts after the ACK and two full
// frames (23 bytes).
func TestServeBaud(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, host, stop := linePair(t, Options{Baud: Baud})
		defer stop()
		start := time.Now()
		host.Write(hexs("81 88 80 06 00 01 00 00 12 00 95"))
		readN(t, host, 1+11)
		host.Write([]byte{frame.ACK})
		readN(t, host, 11)
		host.Write([]byte{frame.ACK})
		readN(t, host, 5)
		want := 23 * 10 * time.Second / Baud
		if d := time.Since(start); d < want-time.Microsecond || d > want+time.Microsecond {
			t.Errorf("took %v, want %v", d, want)
		}
	})
}
