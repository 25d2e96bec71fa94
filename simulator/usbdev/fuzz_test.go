package usbdev_test

import (
	"bytes"
	"testing"

	"github.com/upslab/upslab/simulator/hidview"
)

// FuzzControl: a hostile host sends any setup packet with any data. The
// device must not panic, must never answer more than wLength, and must
// still enumerate afterwards.
func FuzzControl(f *testing.F) {
	for _, s := range transcript {
		f.Add(s.rType, s.request, s.value, s.index, uint16(s.length), []byte(s.data))
	}
	f.Fuzz(func(t *testing.T, rType, request uint8, value, index, length uint16, out []byte) {
		_, d := newDevice(t)
		buf := out
		if rType&0x80 != 0 {
			buf = make([]byte, length%2048)
		}
		n, _ := d.Control(rType, request, value, index, buf)
		if n < 0 || n > len(buf) {
			t.Fatalf("answered %d bytes to wLength %d", n, len(buf))
		}
		// Whatever happened, a host can set the configuration and read the
		// descriptors again.
		d.Control(0x00, 0x09, 1, 0, nil)
		dev := make([]byte, 18)
		if n, err := d.Control(0x80, 0x06, 0x0100, 0, dev); err != nil || n != 18 {
			t.Fatalf("device descriptor after fuzz: %d, %v", n, err)
		}
		desc := make([]byte, 4096)
		n, err := d.Control(0x81, 0x06, 0x2200, 0, desc)
		if err != nil || !bytes.Equal(desc[:n], hidview.EllipseECO650Descriptor()) {
			t.Fatalf("report descriptor after fuzz: %v", err)
		}
	})
}
