//go:build linux || darwin || freebsd || openbsd || netbsd || dragonfly

package shut

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/upslab/upslab/drivers/usb"
	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/simulator"
	"github.com/upslab/upslab/simulator/hidview"
	simshut "github.com/upslab/upslab/simulator/shut"
	"github.com/upslab/upslab/simulator/usbdev"
)

// ptyRig serves a simulated ECO 650 over SHUT on a real pseudo-terminal,
// in real time, and returns the link to its slave.
func ptyRig(tb testing.TB, so simshut.Options) (link string, u *usbdev.Device, view *hidview.View) {
	tb.Helper()
	dev := simulator.New(clock.NewVirtual(clock.Epoch), nil, 1)
	view = hidview.New(dev)
	u = usbdev.New(view)
	link = filepath.Join(tb.TempDir(), "ttyECO")
	p, err := simshut.OpenPTY(link)
	if err != nil {
		tb.Skipf("no pseudo-terminal: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go simshut.New(u, so).Serve(ctx, p.Master)
	tb.Cleanup(func() {
		cancel()
		p.Close()
		dev.Stop()
	})
	return link, u, view
}

// Open on a real pty: line settings (the modem-line ioctls fail there and
// are ignored), flock, flush, then the same values as the USB level.
func TestPTY(t *testing.T) {
	link, u, view := ptyRig(t, simshut.Options{})
	p, err := Open(link, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := Open(link, Options{}); err == nil {
		t.Error("a second Open of a locked port succeeded")
	}
	direct, err := usb.NewHID(u)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := view.ReportDescriptor()
	if got, _ := p.ReportDescriptor(); !bytes.Equal(got, want) {
		t.Errorf("descriptor: %d bytes, want %d", len(got), len(want))
	}
	for _, id := range featureIDs(t, view) {
		w, err := direct.GetFeature(id)
		if err != nil {
			t.Fatal(err)
		}
		g, err := p.GetFeature(id)
		if err != nil || !bytes.Equal(g, w) {
			t.Errorf("report 0x%02x: % x (%v), want % x", id, g, err, w)
		}
	}
	if err := p.SetFeature(mustFeature(t, p, 0x09)); err != nil {
		t.Errorf("SET_REPORT: %v", err)
	}
}

func mustFeature(t *testing.T, p *Port, id byte) []byte {
	r, err := p.GetFeature(id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// BenchmarkPTY: a full open (sync, device and string descriptors, HID and
// report descriptors) plus one read of every feature report, over a real
// pseudo-terminal, unpaced. At 2400 baud the same exchange takes the
// line's time instead (about 10 s for the ECO).
func BenchmarkPTY(b *testing.B) {
	link, _, view := ptyRig(b, simshut.Options{})
	var ids []byte
	seen := map[byte]bool{}
	for _, f := range view.Layout().Fields {
		if f.Kind == hidview.Feature && !seen[f.ReportID] {
			seen[f.ReportID] = true
			ids = append(ids, f.ReportID)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		p, err := Open(link, Options{})
		if err != nil {
			b.Fatal(err)
		}
		for _, id := range ids {
			if _, err := p.GetFeature(id); err != nil {
				b.Fatal(err)
			}
		}
		p.Close()
	}
}
