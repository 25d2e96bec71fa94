// Package usbdev is the simulated UPS as a USB device: the descriptors of
// the real Eaton Ellipse ECO (device 0463:ffff, one HID interface with an
// interrupt IN endpoint), endpoint 0's standard and HID class requests, and
// the interrupt IN endpoint fed by the HID view's input queue.
//
// A Device implements usb.Conn, so it is the in-memory USB transport: a
// driver in the same process reaches it with exactly the control transfers
// and interrupt reads gousb would send to the hardware. A request the real
// unit would not take gets a STALL (usb.ErrStall); a pulled cable
// (State.CommLost) fails every transfer with usb.ErrNoDevice.
//
// The device starts configured (configuration 1), as a host's USB stack
// leaves it after enumeration, and goes back to that state after every
// replug.
package usbdev

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/upslab/upslab/drivers/hiddev"
	"github.com/upslab/upslab/drivers/usb"
	"github.com/upslab/upslab/simulator/hidview"
)

// Descriptor values. What NUT issue #589 shows of a real Ellipse ECO 800 is
// kept (ids, bcdDevice, string indexes, the HID descriptor's bcdHID 0x1010
// and country 0x21); the rest is not public and is a plausible low-speed
// HID UPS, marked "assumption".
const (
	bcdUSB          = 0x0110 // assumption: USB 1.1, full/low-speed only
	maxPacket0      = 8      // assumption: low-speed control endpoint
	configValue     = 1
	configAttrs     = 0xa0 // assumption: bus-powered, remote wakeup
	configMaxPower  = 50   // assumption: 100 mA (units of 2 mA)
	interfaceNumber = 0
	endpointIn      = 0x81   // NUT hard-codes 0x81
	endpointMaxPkt  = 8      // assumption: every ECO input report fits 8 bytes
	endpointPeriod  = 10     // assumption: 10 ms polling interval
	bcdHID          = 0x1010 // sic: the real unit says 0x1010 ("HID v10.10"), not 1.10
	hidCountry      = 0x21   // as the real unit (#589)
	langEnglishUS   = 0x0409
)

// USB standard request codes not in drivers/usb.
const (
	reqClearFeature = 0x01
	reqSetFeature   = 0x03
	reqSetAddress   = 0x05
	reqGetConfig    = 0x08
	reqGetInterface = 0x0a
	reqSetInterface = 0x0b

	featureEndpointHalt = 0
	featureRemoteWakeup = 1
)

// Device is the simulated UPS on a USB bus.
type Device struct {
	v *hidview.View

	mu         sync.Mutex
	configured bool
	halted     bool // interrupt IN endpoint halted (SET_FEATURE ENDPOINT_HALT)
	wakeup     bool // remote wakeup enabled
	address    uint8
	idle       map[byte]byte // HID idle rate per report ID (0 = all), 4 ms units
	plugs      uint64
}

var (
	_ usb.Conn             = (*Device)(nil)
	_ hiddev.InputNotifier = (*Device)(nil)
)

// New returns the USB device around view v.
func New(v *hidview.View) *Device {
	d := &Device{v: v, idle: map[byte]byte{}}
	d.reset()
	d.plugs = v.Plugs()
	return d
}

// reset puts the device where a host leaves it after enumeration.
func (d *Device) reset() {
	d.configured = true
	d.halted = false
	d.wakeup = false
	d.address = 1
	d.idle = map[byte]byte{}
}

// NotifyInput registers f, called each time an input report is queued for
// the interrupt IN endpoint (drivers/usb's HID forwards to it), so a host
// loop on a virtual clock reads at once. f must not block.
func (d *Device) NotifyInput(f func()) { d.v.NotifyInput(f) }

// View returns the HID view the device serves.
func (d *Device) View() *hidview.View { return d.v }

// present checks the cable and catches up with replugs; d.mu must be held.
func (d *Device) present() error {
	if d.v.Gone() {
		return usb.ErrNoDevice
	}
	if p := d.v.Plugs(); p != d.plugs {
		d.plugs = p
		d.reset()
	}
	return nil
}

// DeviceDescriptor returns the 18-byte device descriptor.
func (d *Device) DeviceDescriptor() []byte {
	p := d.v.Profile()
	b := []byte{18, usb.DescDevice, 0, 0, 0, 0, 0, maxPacket0, 0, 0, 0, 0, 0, 0, p.IManufacturer, p.IProduct, p.ISerial, 1}
	binary.LittleEndian.PutUint16(b[2:], bcdUSB)
	binary.LittleEndian.PutUint16(b[8:], p.VendorID)
	binary.LittleEndian.PutUint16(b[10:], p.ProductID)
	binary.LittleEndian.PutUint16(b[12:], p.BCDDevice)
	return b
}

// HIDDescriptor returns the 9-byte HID class descriptor, announcing the
// report descriptor's real length.
func (d *Device) HIDDescriptor() []byte {
	n := len(d.v.Profile().Descriptor)
	b := []byte{9, usb.DescHID, 0, 0, hidCountry, 1, usb.DescReport, byte(n), byte(n >> 8)}
	binary.LittleEndian.PutUint16(b[2:], bcdHID)
	return b
}

// ConfigDescriptor returns the configuration descriptor with its
// interface, HID and endpoint descriptors (34 bytes).
func (d *Device) ConfigDescriptor() []byte {
	b := []byte{9, usb.DescConfig, 0, 0, 1, configValue, 0, configAttrs, configMaxPower}
	b = append(b, 9, usb.DescInterface, interfaceNumber, 0, 1, 3, 0, 0, 0) // HID class, no subclass, no protocol
	b = append(b, d.HIDDescriptor()...)
	b = append(b, 7, usb.DescEndpoint, endpointIn, 0x03, endpointMaxPkt, 0, endpointPeriod)
	binary.LittleEndian.PutUint16(b[2:], uint16(len(b)))
	return b
}

// stringDescriptor returns string descriptor i (0: the language table).
func (d *Device) stringDescriptor(i uint8, lang uint16) ([]byte, bool) {
	if i == 0 {
		return []byte{4, usb.DescString, langEnglishUS & 0xff, langEnglishUS >> 8}, true
	}
	// Hosts that skip the language table send wIndex 0 (NUT's SHUT side
	// does); the unit has one language and answers both.
	if lang != 0 && lang != langEnglishUS {
		return nil, false
	}
	s, ok := d.v.String(i)
	if !ok {
		return nil, false
	}
	u := utf16.Encode([]rune(s))
	if len(u) > 126 {
		u = u[:126]
	}
	b := []byte{byte(2 + 2*len(u)), usb.DescString}
	for _, c := range u {
		b = append(b, byte(c), byte(c>>8))
	}
	return b, true
}

// in copies an answer to an IN transfer: the device sends at most wLength
// bytes and may send fewer.
func in(data, answer []byte) (int, error) {
	return copy(data, answer), nil
}

var errStall = usb.ErrStall

func stall(format string, args ...any) error {
	return fmt.Errorf("usbdev: "+format+": %w", append(args, errStall)...)
}

// Control answers one control transfer on endpoint 0. wLength is len(data).
func (d *Device) Control(rType, request uint8, value, index uint16, data []byte) (n int, err error) {
	defer func() {
		// A hostile host must never take the device down.
		if r := recover(); r != nil {
			n, err = 0, stall("request %#02x/%#02x: internal error: %v", rType, request, r)
		}
	}()
	d.mu.Lock()
	if err := d.present(); err != nil {
		d.mu.Unlock()
		return 0, err
	}
	d.mu.Unlock()
	switch rType & 0x60 {
	case 0x00:
		return d.standard(rType, request, value, index, data)
	case 0x20:
		return d.class(rType, request, value, index, data)
	}
	return 0, stall("vendor request %#02x/%#02x", rType, request)
}

func (d *Device) standard(rType, request uint8, value, index uint16, data []byte) (int, error) {
	recipient := rType & 0x1f
	dirIn := rType&0x80 != 0
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case request == usb.RequestGetStatus && dirIn:
		switch {
		case recipient == 0 && index == 0:
			st := uint16(0) // bus-powered
			if d.wakeup {
				st |= 2
			}
			return in(data, []byte{byte(st), byte(st >> 8)})
		case recipient == 1 && index == interfaceNumber && d.configured:
			return in(data, []byte{0, 0})
		case recipient == 2 && (index&0xff == 0 || index&0xff == endpointIn && d.configured):
			h := byte(0)
			if index&0xff == endpointIn && d.halted {
				h = 1
			}
			return in(data, []byte{h, 0})
		}
	case (request == reqClearFeature || request == reqSetFeature) && !dirIn:
		on := request == reqSetFeature
		switch {
		case recipient == 0 && value == featureRemoteWakeup && configAttrs&0x20 != 0:
			d.wakeup = on
			return 0, nil
		case recipient == 2 && value == featureEndpointHalt && index&0xff == endpointIn && d.configured:
			d.halted = on
			return 0, nil
		case recipient == 2 && value == featureEndpointHalt && index&0xff == 0 && !on:
			return 0, nil
		}
	case request == reqSetAddress && !dirIn && recipient == 0:
		if value <= 127 && index == 0 && len(data) == 0 {
			d.address = uint8(value)
			return 0, nil
		}
	case request == usb.RequestGetDescriptor && dirIn && recipient == 0:
		typ, idx := uint8(value>>8), uint8(value)
		switch typ {
		case usb.DescDevice:
			if idx == 0 {
				return in(data, d.DeviceDescriptor())
			}
		case usb.DescConfig:
			if idx == 0 {
				return in(data, d.ConfigDescriptor())
			}
		case usb.DescString:
			if b, ok := d.stringDescriptor(idx, index); ok {
				return in(data, b)
			}
		}
		// Device qualifier (6) and others: a USB 1.1 device STALLs.
		return 0, stall("GET_DESCRIPTOR type %#02x index %d", typ, idx)
	case request == usb.RequestGetDescriptor && dirIn && recipient == 1:
		// HID class descriptors are asked of the interface (bmRequestType 0x81).
		typ, idx := uint8(value>>8), uint8(value)
		if index != interfaceNumber || idx != 0 {
			break
		}
		switch typ {
		case usb.DescHID:
			return in(data, d.HIDDescriptor())
		case usb.DescReport:
			desc, err := d.v.ReportDescriptor()
			if err != nil {
				return 0, mapErr(err)
			}
			return in(data, desc)
		}
	case request == reqGetConfig && dirIn && recipient == 0:
		c := byte(0)
		if d.configured {
			c = configValue
		}
		return in(data, []byte{c})
	case request == usb.RequestSetConfig && !dirIn && recipient == 0:
		switch value {
		case 0:
			d.configured = false
			return 0, nil
		case configValue:
			d.configured, d.halted = true, false
			return 0, nil
		}
	case request == reqGetInterface && dirIn && recipient == 1:
		if d.configured && index == interfaceNumber {
			return in(data, []byte{0})
		}
	case request == reqSetInterface && !dirIn && recipient == 1:
		if d.configured && index == interfaceNumber && value == 0 {
			d.halted = false
			return 0, nil
		}
	}
	return 0, stall("standard request %#02x/%#02x wValue %#04x wIndex %#04x", rType, request, value, index)
}

func (d *Device) class(rType, request uint8, value, index uint16, data []byte) (int, error) {
	d.mu.Lock()
	ok := d.configured && rType&0x1f == 1 && index == interfaceNumber
	d.mu.Unlock()
	if !ok {
		return 0, stall("class request %#02x/%#02x wIndex %#04x", rType, request, index)
	}
	typ, id := uint8(value>>8), uint8(value)
	switch {
	case rType == 0xa1 && request == usb.HIDGetReport:
		var r []byte
		var err error
		switch typ {
		case usb.ReportFeature:
			r, err = d.v.GetFeature(id)
		case usb.ReportInput:
			r, err = d.v.InputReport(id)
		default:
			return 0, stall("GET_REPORT type %d id %#02x", typ, id)
		}
		if err != nil {
			return 0, mapErr(err)
		}
		return in(data, r)
	case rType == 0x21 && request == usb.HIDSetReport:
		if typ != usb.ReportFeature || len(data) == 0 || data[0] != id {
			return 0, stall("SET_REPORT type %d id %#02x", typ, id)
		}
		if err := d.v.SetFeature(data); err != nil {
			return 0, mapErr(err)
		}
		return len(data), nil
	case rType == 0xa1 && request == usb.HIDGetIdle:
		if value>>8 != 0 {
			break
		}
		d.mu.Lock()
		rate := d.idle[id]
		d.mu.Unlock()
		return in(data, []byte{rate})
	case rType == 0x21 && request == usb.HIDSetIdle:
		// Stored and read back; the unit reports on change only, which is
		// what idle 0 ("indefinite") means, and no host asks otherwise.
		d.mu.Lock()
		if id == 0 {
			d.idle = map[byte]byte{}
		}
		d.idle[id] = typ
		d.mu.Unlock()
		return 0, nil
	}
	// GET/SET_PROTOCOL (boot devices only), output reports: STALL.
	return 0, stall("class request %#02x/%#02x wValue %#04x", rType, request, value)
}

// mapErr turns the view's errors into what the wire shows.
func mapErr(err error) error {
	switch {
	case errors.Is(err, hiddev.ErrGone):
		return usb.ErrNoDevice
	case errors.Is(err, hiddev.ErrNotSupported):
		return fmt.Errorf("%v: %w", err, usb.ErrStall)
	}
	return err
}

// ReadInterrupt reads one input report from the interrupt IN endpoint.
func (d *Device) ReadInterrupt(buf []byte, timeout time.Duration) (int, error) {
	d.mu.Lock()
	if err := d.present(); err != nil {
		d.mu.Unlock()
		return 0, err
	}
	if !d.configured || d.halted {
		d.mu.Unlock()
		return 0, stall("interrupt IN endpoint %#02x not ready", endpointIn)
	}
	d.mu.Unlock()
	r, err := d.v.ReadInput(timeout)
	switch {
	case errors.Is(err, hiddev.ErrTimeout):
		return 0, usb.ErrTimeout
	case err != nil:
		return 0, mapErr(err)
	}
	n := copy(buf, r)
	if n < len(r) {
		// libusb calls this an overflow: the packet did not fit.
		return n, fmt.Errorf("usbdev: interrupt report %#02x: %d bytes, buffer %d: overflow", r[0], len(r), len(buf))
	}
	return n, nil
}
