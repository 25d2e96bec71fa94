package usbdev_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/upslab/upslab/drivers/usb"
	"github.com/upslab/upslab/simulator"
	"github.com/upslab/upslab/simulator/hidview"
	"github.com/upslab/upslab/simulator/hidview/hidviewtest"
	"github.com/upslab/upslab/simulator/usbdev"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func newDevice(t testing.TB) (*hidviewtest.Model, *usbdev.Device) {
	t.Helper()
	m := hidviewtest.New(hidviewtest.Online())
	return m, usbdev.New(hidview.FromModel(m, nil))
}

// setup is one control transfer: an IN request asks for length bytes, an
// OUT request sends data.
type setup struct {
	note           string
	rType, request uint8
	value, index   uint16
	length         int
	data           string // hex, OUT data stage
}

func (s setup) do(d *usbdev.Device) string {
	buf := make([]byte, s.length)
	if s.rType&0x80 == 0 {
		buf, _ = hex.DecodeString(s.data)
	}
	n, err := d.Control(s.rType, s.request, s.value, s.index, buf)
	head := fmt.Sprintf("%02x %02x %04x %04x %04x", s.rType, s.request, s.value, s.index, len(buf))
	if s.data != "" {
		head += " " + s.data
	}
	switch {
	case errors.Is(err, usb.ErrStall):
		return head + " -> STALL"
	case err != nil:
		return head + " -> error " + err.Error()
	case s.rType&0x80 != 0:
		return head + " -> " + hex.EncodeToString(buf[:n])
	}
	return head + " -> OK"
}

// The sequence a host (Linux enumeration, then libusb as NUT's usbhid-ups
// uses it) sends, then requests real hardware refuses.
var transcript = []setup{
	{note: "enumeration: device descriptor, first 8 bytes then all", rType: 0x80, request: 0x06, value: 0x0100, length: 64},
	{rType: 0x80, request: 0x06, value: 0x0100, length: 18},
	{note: "configuration: header, then the whole set", rType: 0x80, request: 0x06, value: 0x0200, length: 9},
	{rType: 0x80, request: 0x06, value: 0x0200, length: 34},
	{note: "language table, strings (libusb_get_string_descriptor_ascii)", rType: 0x80, request: 0x06, value: 0x0300, length: 255},
	{rType: 0x80, request: 0x06, value: 0x0301, index: 0x0409, length: 255},
	{rType: 0x80, request: 0x06, value: 0x0302, index: 0x0409, length: 255},
	{rType: 0x80, request: 0x06, value: 0x0304, index: 0x0409, length: 255},
	{note: "a string shorter than asked (NUT 2.8.0 wLength 20)", rType: 0x80, request: 0x06, value: 0x0305, index: 0x0409, length: 20},
	{rType: 0x80, request: 0x06, value: 0x0306, index: 0x0409, length: 20},
	{rType: 0x80, request: 0x06, value: 0x0307, index: 0x0409, length: 255},
	{note: "truncated answer", rType: 0x80, request: 0x06, value: 0x0301, index: 0x0409, length: 4},
	{rType: 0x00, request: 0x09, value: 1},
	{rType: 0x80, request: 0x08, length: 1},
	{note: "Linux usbhid: SET_IDLE 0 for all reports", rType: 0x21, request: 0x0a, value: 0x0000},
	{rType: 0xa1, request: 0x02, value: 0x0000, length: 1},
	{note: "NUT libusb1.c: HID descriptor of interface 0", rType: 0x81, request: 0x06, value: 0x2100, length: 9},
	{note: "feature reports", rType: 0xa1, request: 0x01, value: 0x0301, length: 4},
	{rType: 0xa1, request: 0x01, value: 0x0306, length: 6},
	{rType: 0xa1, request: 0x01, value: 0x0309, length: 5},
	{rType: 0xa1, request: 0x01, value: 0x030b, length: 13},
	{rType: 0xa1, request: 0x01, value: 0x0310, length: 9},
	{rType: 0xa1, request: 0x01, value: 0x031b, length: 2},
	{note: "input report on endpoint 0", rType: 0xa1, request: 0x01, value: 0x0101, length: 4},
	{note: "shutdown.return (NUT 2.8.0)", rType: 0x21, request: 0x09, value: 0x030a, data: "0a1e000000"},
	{rType: 0x21, request: 0x09, value: 0x0309, data: "0914000000"},
	{rType: 0xa1, request: 0x01, value: 0x0309, length: 5},
	{rType: 0x80, request: 0x00, length: 2},
	{rType: 0x81, request: 0x00, length: 2},
	{rType: 0x82, request: 0x00, index: 0x81, length: 2},
	{rType: 0x81, request: 0x0a, length: 1},
	{rType: 0x01, request: 0x0b, value: 0},
	{note: "refused like hardware", rType: 0x80, request: 0x06, value: 0x0600, length: 10},
	{rType: 0x80, request: 0x06, value: 0x0303, index: 0x0409, length: 255},
	{rType: 0x80, request: 0x06, value: 0x0301, index: 0x040c, length: 255},
	{rType: 0x80, request: 0x06, value: 0x2100, length: 9},
	{rType: 0x81, request: 0x06, value: 0x2101, length: 9},
	{rType: 0x81, request: 0x06, value: 0x2200, index: 1, length: 64},
	{rType: 0xa1, request: 0x01, value: 0x0342, length: 8},
	{rType: 0xa1, request: 0x01, value: 0x0201, length: 4},
	{rType: 0xa1, request: 0x01, value: 0x0300, length: 4},
	{rType: 0x21, request: 0x09, value: 0x0101, data: "01000000"},
	{rType: 0x21, request: 0x09, value: 0x0306, data: "0632000000"},
	{rType: 0x21, request: 0x09, value: 0x0309, data: "0a14000000"},
	{rType: 0x21, request: 0x09, value: 0x0309, data: "091400"},
	{rType: 0xa1, request: 0x03, length: 1},
	{rType: 0x21, request: 0x0b, value: 1},
	{rType: 0xc0, request: 0x01, length: 8},
	{rType: 0x00, request: 0x09, value: 2},
	{rType: 0x01, request: 0x0b, value: 1},
	{rType: 0x80, request: 0x07, value: 0x0100, length: 18},
	{rType: 0x82, request: 0x0c, index: 0x81, length: 2},
	{rType: 0x21, request: 0x09, value: 0x0309, index: 1, data: "0914000000"},
	{note: "unconfigured: class requests stall", rType: 0x00, request: 0x09, value: 0},
	{rType: 0xa1, request: 0x01, value: 0x0301, length: 4},
	{rType: 0x80, request: 0x08, length: 1},
	{rType: 0x00, request: 0x09, value: 1},
}

func TestEndpoint0Transcript(t *testing.T) {
	_, d := newDevice(t)
	var b strings.Builder
	b.WriteString("# setup packet (bmRequestType bRequest wValue wIndex wLength) [OUT data] -> answer\n")
	for _, s := range transcript {
		if s.note != "" {
			b.WriteString("# " + s.note + "\n")
		}
		b.WriteString(s.do(d) + "\n")
	}
	got := []byte(b.String())
	path := "testdata/endpoint0.txt"
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("endpoint 0 transcript differs (go test -update, then review):\n%s", got)
	}
}

func TestDescriptors(t *testing.T) {
	_, d := newDevice(t)
	// Device descriptor: bcdUSB 1.10, 0463:ffff, bcdDevice 0x0100, strings 1/2/4.
	if got := hex.EncodeToString(d.DeviceDescriptor()); got != "12011001000000086304ffff0001010204"+"01" {
		t.Errorf("device descriptor %s", got)
	}
	// HID descriptor: as the real unit (NUT #589: 09 21 10 10 21 01 22 8d
	// 03) but announcing this descriptor's real length.
	n := len(hidview.EllipseECO650Descriptor())
	want := []byte{0x09, 0x21, 0x10, 0x10, 0x21, 0x01, 0x22, byte(n), byte(n >> 8)}
	if got := d.HIDDescriptor(); !bytes.Equal(got, want) {
		t.Errorf("HID descriptor % x, want % x", got, want)
	}
	cfg := d.ConfigDescriptor()
	if len(cfg) != 34 || int(cfg[2])|int(cfg[3])<<8 != 34 || !bytes.Equal(cfg[18:27], want) {
		t.Errorf("config descriptor % x", cfg)
	}
	// The report descriptor through endpoint 0 is the view's, complete.
	buf := make([]byte, n)
	if k, err := d.Control(0x81, 0x06, 0x2200, 0, buf); err != nil || k != n || !bytes.Equal(buf, hidview.EllipseECO650Descriptor()) {
		t.Errorf("report descriptor: %d bytes, %v", k, err)
	}
}

func TestInterruptIn(t *testing.T) {
	m, d := newDevice(t)
	buf := make([]byte, 8)
	if _, err := d.ReadInterrupt(buf, 750*time.Millisecond); !errors.Is(err, usb.ErrTimeout) {
		t.Fatalf("idle: %v, want ErrTimeout", err)
	}
	m.Update(func(s *simulator.State) { s.MainsPresent, s.Discharging, s.Charging = false, true, false })
	n, err := d.ReadInterrupt(buf, 0)
	if err != nil || hex.EncodeToString(buf[:n]) != "01300000" {
		t.Fatalf("after mains loss: % x, %v", buf[:n], err)
	}
	// Halt and clear, as libusb_clear_halt does after a PIPE error.
	if _, err := d.Control(0x02, 0x03, 0, 0x81, nil); err != nil {
		t.Fatal(err)
	}
	m.Update(func(s *simulator.State) { s.Charge = 90 })
	if _, err := d.ReadInterrupt(buf, 0); !errors.Is(err, usb.ErrStall) {
		t.Errorf("halted endpoint: %v", err)
	}
	if _, err := d.Control(0x02, 0x01, 0, 0x81, nil); err != nil {
		t.Fatal(err)
	}
	if n, err := d.ReadInterrupt(buf, 0); err != nil || buf[0] != 0x06 || n != 6 {
		t.Errorf("after clear halt: % x, %v", buf[:n], err)
	}
	// A buffer too small for the report.
	m.Update(func(s *simulator.State) { s.Charge = 80 })
	if _, err := d.ReadInterrupt(make([]byte, 2), 0); err == nil {
		t.Error("short buffer: no error")
	}
}

func TestCablePulled(t *testing.T) {
	m, d := newDevice(t)
	if _, err := d.Control(0x00, 0x09, 0, 0, nil); err != nil { // unconfigure
		t.Fatal(err)
	}
	m.Update(func(s *simulator.State) { s.CommLost = true })
	if _, err := d.Control(0x80, 0x06, 0x0100, 0, make([]byte, 18)); !errors.Is(err, usb.ErrNoDevice) {
		t.Errorf("Control: %v", err)
	}
	if _, err := d.ReadInterrupt(make([]byte, 8), 0); !errors.Is(err, usb.ErrNoDevice) {
		t.Errorf("ReadInterrupt: %v", err)
	}
	m.Update(func(s *simulator.State) { s.CommLost = false })
	// Replugged and enumerated again: configured, reports answer.
	buf := make([]byte, 4)
	if _, err := d.Control(0xa1, 0x01, 0x0301, 0, buf); err != nil {
		t.Errorf("after replug: %v", err)
	}
}
