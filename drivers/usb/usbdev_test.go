package usb_test

import (
	"errors"
	"testing"
	"time"

	"github.com/upslab/upslab/drivers/hiddev"
	"github.com/upslab/upslab/drivers/usb"
	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/simulator"
	"github.com/upslab/upslab/simulator/hidview"
	"github.com/upslab/upslab/simulator/usbdev"
)

// The host side against the simulator's USB device: identity, the 909-byte
// report descriptor length announced by the real ECO (NUT issue #589),
// feature reports, interrupt reports, and a pulled cable.
func TestAgainstSimulatedECO(t *testing.T) {
	clk := clock.NewVirtual(clock.Epoch)
	dev := simulator.New(clk, nil, 1)
	defer dev.Stop()
	view := hidview.New(dev)
	h, err := usb.NewHID(usbdev.New(view))
	if err != nil {
		t.Fatal(err)
	}
	id, _ := h.Identity()
	if id.VendorID != 0x0463 || id.ProductID != 0xffff || id.Manufacturer != "EATON" || id.Product != "Ellipse ECO" || id.BCDDevice != 0x0100 {
		t.Errorf("identity %+v", id)
	}
	rd, _ := h.ReportDescriptor()
	want, _ := view.ReportDescriptor()
	if len(rd) != len(want) {
		t.Errorf("report descriptor %d bytes, want %d", len(rd), len(want))
	}
	r, err := h.GetFeature(0x06)
	if err != nil || len(r) != 6 || r[0] != 0x06 {
		t.Errorf("GetFeature(0x06) = % x, %v", r, err)
	}
	if _, err := h.ReadInput(0); !errors.Is(err, hiddev.ErrTimeout) {
		t.Errorf("idle ReadInput: %v", err)
	}
	dev.Exec("mains off")
	if r, err := h.ReadInput(0); err != nil || len(r) == 0 {
		t.Errorf("ReadInput after mains off = % x, %v", r, err)
	}
	dev.Exec("cable unplug")
	if _, err := h.GetFeature(0x06); !errors.Is(err, hiddev.ErrGone) {
		t.Errorf("unplugged: %v, want ErrGone", err)
	}
	dev.Exec("cable replug")
	clk.Advance(time.Second)
	if _, err := h.GetFeature(0x06); err != nil {
		t.Errorf("replugged: %v", err)
	}
}
