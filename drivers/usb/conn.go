// Package usb turns a USB device's endpoint 0 and interrupt IN endpoint into
// a hiddev.Device, with exactly the control transfers a HID host sends:
// GET_DESCRIPTOR for the device, configuration, string and HID report
// descriptors, HID class GET_REPORT / SET_REPORT / SET_IDLE, and interrupt
// reads. Real hardware reaches it through gousb (cgo only); the simulator's
// USB device implements Conn directly, in memory.
package usb

import (
	"errors"
	"time"
)

// Conn is a USB device as a host sees it: control transfers on endpoint 0
// and reads from the HID interrupt IN endpoint.
type Conn interface {
	// Control performs a control transfer. For IN transfers (rType&0x80)
	// data is filled and the byte count returned; for OUT transfers data is
	// sent. A request the device does not support returns ErrStall.
	Control(rType, request uint8, value, index uint16, data []byte) (int, error)
	// ReadInterrupt reads one report from the interrupt IN endpoint, waiting
	// up to timeout; it returns ErrTimeout when nothing came.
	ReadInterrupt(buf []byte, timeout time.Duration) (int, error)
}

var (
	// ErrStall is a STALL handshake on a control transfer.
	ErrStall = errors.New("usb: stall")
	// ErrTimeout is returned when a transfer did not complete in time.
	ErrTimeout = errors.New("usb: timeout")
	// ErrNoDevice means the device is gone (unplugged).
	ErrNoDevice = errors.New("usb: no device")
)

// Standard request constants used by hosts and by the simulated device.
const (
	RequestGetStatus     = 0x00
	RequestGetDescriptor = 0x06
	RequestSetConfig     = 0x09
	HIDGetReport         = 0x01
	HIDGetIdle           = 0x02
	HIDSetReport         = 0x09
	HIDSetIdle           = 0x0a

	DescDevice    = 0x01
	DescConfig    = 0x02
	DescString    = 0x03
	DescInterface = 0x04
	DescEndpoint  = 0x05
	DescHID       = 0x21
	DescReport    = 0x22

	ReportInput   = 0x01
	ReportOutput  = 0x02
	ReportFeature = 0x03
)
