package shut

import (
	"bytes"
	"io"
	"net"
	"os"
	"testing"
	"testing/synctest"

	"github.com/upslab/upslab/drivers/shut/frame"
	"github.com/upslab/upslab/drivers/usb"
)

// scriptedDevice plays the device side of a transcript: it checks every
// host write byte for byte and answers with the recorded device writes.
func scriptedDevice(t *testing.T, c net.Conn, ws []frame.Write, done chan<- error) {
	for _, w := range ws {
		if !w.Host {
			if _, err := c.Write(w.Bytes); err != nil {
				done <- err
				return
			}
			continue
		}
		got := make([]byte, len(w.Bytes))
		if _, err := io.ReadFull(c, got); err != nil {
			done <- err
			return
		}
		if !bytes.Equal(got, w.Bytes) {
			t.Errorf("transcript line %d: host wrote % x, want % x", w.Line, got, w.Bytes)
			done <- nil
			return
		}
	}
	done <- nil
}

// Our host side sends exactly the bytes real mge-shut 2.8.0 sent in the
// verified session, for the same requests: sync, descriptors, the reports
// of NUT's walk, the three strings and shutdown.return's two SET_REPORTs.
func TestGoldenSession(t *testing.T) {
	f, err := os.Open("testdata/nut-2.8.0-mge-shut-session.txt")
	if err != nil {
		t.Fatal(err)
	}
	ws, err := frame.ReadTranscript(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	synctest.Test(t, func(t *testing.T) {
		host, dev := net.Pipe()
		done := make(chan error, 1)
		go scriptedDevice(t, dev, ws, done)
		p, err := NewPort(host, Options{Notify: frame.SyncOff})
		if err != nil {
			t.Fatal(err)
		}
		if info, _ := p.Identity(); info.Manufacturer != "EATON" || info.Product != "Ellipse ECO" || info.Serial != "000000000" {
			t.Errorf("identity %+v", info)
		}
		// NUT's dump-tree walk of the TG-BOX/ECO layout (spec 2.9).
		for _, id := range []byte{0x20, 0x03, 0x07, 0x0d, 0x12, 0x0b, 0x18, 0x17, 0x0c, 0x02, 0x19, 0x13, 0x14, 0x0e, 0x1f, 0x15, 0x09, 0x0a, 0x10, 0x01, 0x06, 0x08, 0x22, 0xfd} {
			if _, err := p.GetFeature(id); err != nil {
				t.Fatalf("report 0x%02x: %v", id, err)
			}
		}
		for _, s := range []struct {
			idx uint16
			n   int
		}{{7, 512}, {5, 20}, {6, 20}} {
			if _, err := p.Control(0x80, usb.RequestGetDescriptor, usb.DescString<<8|s.idx, 0, make([]byte, s.n)); err != nil {
				t.Fatalf("string %d: %v", s.idx, err)
			}
		}
		for _, r := range [][]byte{{0x0a, 0x1e, 0, 0, 0}, {0x09, 0x14, 0, 0, 0}} {
			if err := p.SetFeature(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		p.Close()
		dev.Close()
	})
}
