package usbdev_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/upslab/upslab/drivers/hiddev"
	"github.com/upslab/upslab/drivers/usb"
	"github.com/upslab/upslab/simulator"
	"github.com/upslab/upslab/simulator/hidview"
)

// TestHostOverMemory runs the project's USB HID host (drivers/usb, the
// control transfers NUT's libusb1.c sends) against the device in memory.
func TestHostOverMemory(t *testing.T) {
	m, d := newDevice(t)
	h, err := usb.NewHID(d)
	if err != nil {
		t.Fatal(err)
	}
	desc, _ := h.ReportDescriptor()
	if !bytes.Equal(desc, hidview.EllipseECO650Descriptor()) {
		t.Errorf("host read a %d-byte descriptor", len(desc))
	}
	info, _ := h.Identity()
	if info.VendorID != 0x0463 || info.ProductID != 0xffff || info.Manufacturer != "EATON" || info.Product != "Ellipse ECO" || info.Serial != "000000000" || info.BCDDevice != 0x0100 {
		t.Errorf("identity %+v", info)
	}
	l, _ := hidview.ParseLayout(desc)
	for _, id := range l.IDs(hidview.Feature) {
		r, err := h.GetFeature(id)
		if err != nil || len(r) != l.ReportLen(id, hidview.Feature) || r[0] != id {
			t.Errorf("GetFeature(%#02x) = % x, %v", id, r, err)
		}
	}
	if err := h.SetFeature([]byte{0x0a, 0x1e, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	if m.State().TimerStart != 30 {
		t.Errorf("SET_REPORT 0x0a did not reach the model: %+v", m.State())
	}
	if err := h.SetFeature([]byte{0x06, 0, 0, 0, 0, 0}); !errors.Is(err, hiddev.ErrNotSupported) {
		t.Errorf("SET of a read-only report: %v", err)
	}
	n := h.Notifier()
	if n == nil {
		t.Fatal("in-memory device does not notify input")
	}
	woke := 0
	n.NotifyInput(func() { woke++ })
	m.Update(func(s *simulator.State) { s.MainsPresent = false })
	r, err := h.ReadInput(0)
	if err != nil || r[0] != 0x01 || woke != 1 {
		t.Errorf("interrupt report % x, %v; notified %d", r, err, woke)
	}
	if _, err := h.ReadInput(0); !errors.Is(err, hiddev.ErrTimeout) {
		t.Errorf("nothing queued: %v", err)
	}
}
