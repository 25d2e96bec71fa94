// Package hiddev is the seam between the HID layer and whatever carries HID
// to it: real USB (gousb), the simulator's USB device in memory, SHUT on a
// serial line. The HID parser, the Eaton/MGE mapping and the driver loop only
// ever see a Device; they never know which transport is underneath.
//
// A Device has no Close: the code that opened the transport owns it and
// closes it (cmd/, the lab). Optional abilities are separate interfaces,
// found by type assertion.
package hiddev

import (
	"errors"
	"time"
)

// Device is a HID device as a UPS driver sees it.
type Device interface {
	// ReportDescriptor returns the HID report descriptor bytes.
	ReportDescriptor() ([]byte, error)
	// GetFeature reads feature report id. The returned slice starts with the
	// report ID byte, as on the wire (HID GET_REPORT with a non-zero ID).
	GetFeature(id byte) ([]byte, error)
	// SetFeature writes a feature report; report[0] is the report ID.
	SetFeature(report []byte) error
	// ReadInput waits up to timeout for the next input (interrupt IN)
	// report and returns it, report ID first. It returns ErrTimeout when
	// nothing came. A timeout of 0 polls without waiting.
	ReadInput(timeout time.Duration) ([]byte, error)
}

// Info describes the device identity, when the transport knows it.
type Info struct {
	VendorID, ProductID uint16
	Manufacturer        string
	Product             string
	Serial              string
	BCDDevice           uint16
	Bus                 string
}

// Identifier is implemented by transports that know the device identity
// (USB descriptors, SHUT's GET_DESCRIPTOR of the device and strings).
type Identifier interface {
	Identity() (Info, error)
}

// InputNotifier is implemented by in-memory devices that can call back as
// soon as an input report is queued, so a loop on a virtual clock reacts at
// once instead of at its next poll. f must not block.
type InputNotifier interface {
	NotifyInput(f func())
}

var (
	// ErrTimeout is returned by ReadInput when no report came in time.
	ErrTimeout = errors.New("hid: timeout")
	// ErrGone means the device stopped answering or was unplugged; the
	// driver marks its data stale and tries again later.
	ErrGone = errors.New("hid: device gone")
	// ErrNotSupported means the device refused the request (a USB STALL,
	// a SHUT NAK that retries did not cure).
	ErrNotSupported = errors.New("hid: request not supported")
)
