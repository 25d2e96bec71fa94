//go:build !cgo || nolibusb

package usb

import "errors"

// Device is an opened real USB device; without cgo there is none.
type Device struct{ *HID }

// ErrNoLibusb is returned by Open in builds without cgo or libusb.
var ErrNoLibusb = errors.New("usb: built without USB support (cgo disabled): use port=sim or a serial port, or rebuild with CGO_ENABLED=1 and libusb-1.0-0-dev")

// LibraryVersion describes the USB library, for driver.version.usb.
func LibraryVersion() string { return "none (built without cgo)" }

// Open always fails: this build has no libusb.
func Open(m Match) (*Device, error) {
	if _, err := m.Compile(); err != nil {
		return nil, err
	}
	return nil, ErrNoLibusb
}

// Close does nothing.
func (d *Device) Close() error { return nil }
