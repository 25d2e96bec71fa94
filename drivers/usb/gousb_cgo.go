//go:build cgo && !nolibusb

package usb

/*
#cgo pkg-config: libusb-1.0
#include <libusb.h>
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/gousb"
)

// ControlTimeout is the timeout of control transfers on real hardware
// (NUT's USB_TIMEOUT); gousb's default waits for ever.
const ControlTimeout = 5 * time.Second

// Device is an opened real USB HID device (via gousb and libusb). It is a
// hiddev.Device through its HID; Close releases it.
type Device struct {
	*HID
	ctx  *gousb.Context
	dev  *gousb.Device
	cfg  *gousb.Config
	intf *gousb.Interface
}

// LibraryVersion describes the USB library for driver.version.usb, as NUT
// 2.8.0 does: "libusb-1.0.26 (API: 0x1000109)".
func LibraryVersion() string {
	v := C.libusb_get_version()
	return fmt.Sprintf("libusb-%d.%d.%d (API: 0x%x)", v.major, v.minor, v.micro, C.LIBUSB_API_VERSION)
}

// newContext wraps gousb.NewContext, which panics when libusb cannot start
// (no /dev/bus/usb in a container, for example).
func newContext() (ctx *gousb.Context, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("usb: libusb did not start: %v", r)
		}
	}()
	return gousb.NewContext(), nil
}

// Open finds the first device that m selects, detaches a kernel driver
// from it (Linux), claims its HID interface and reads its descriptors.
func Open(m Match) (*Device, error) {
	mt, err := m.Compile()
	if err != nil {
		return nil, err
	}
	ctx, err := newContext()
	if err != nil {
		return nil, err
	}
	devs, openErr := ctx.OpenDevices(func(d *gousb.DeviceDesc) bool {
		return mt.MatchIDs(Candidate{VendorID: uint16(d.Vendor), ProductID: uint16(d.Product), Bus: d.Bus, Device: d.Address})
	})
	var chosen *gousb.Device
	for _, d := range devs {
		if chosen != nil {
			d.Close()
			continue
		}
		c := Candidate{VendorID: uint16(d.Desc.Vendor), ProductID: uint16(d.Desc.Product), Bus: d.Desc.Bus, Device: d.Desc.Address}
		d.ControlTimeout = ControlTimeout
		c.Vendor, _ = d.Manufacturer()
		c.Product, _ = d.Product()
		c.Serial, _ = d.SerialNumber()
		if mt.MatchAll(c) {
			chosen = d
		} else {
			d.Close()
		}
	}
	if chosen == nil {
		ctx.Close()
		// OpenDevices reports devices it could not open (permissions) in
		// openErr; with no match at all it is the useful hint.
		if openErr != nil {
			return nil, fmt.Errorf("usb: no matching HID UPS found (%v)", openErr)
		}
		return nil, errors.New("usb: no matching HID UPS found")
	}
	d := &Device{ctx: ctx, dev: chosen}
	if err := d.claim(); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func (d *Device) claim() error {
	// Kernel driver detach works on Linux only; elsewhere libusb says
	// "not supported" and the claim below fails with a clear error if a
	// kernel driver (OpenBSD's uhidev/upd) holds the device.
	_ = d.dev.SetAutoDetach(true)
	cfgNum, err := d.dev.ActiveConfigNum()
	if err != nil {
		cfgNum = 1
	}
	cfg, err := d.dev.Config(cfgNum)
	if err != nil {
		return fmt.Errorf("usb: configuration %d: %w", cfgNum, err)
	}
	d.cfg = cfg
	ifNum, epAddr := 0, uint8(0x81)
	for _, it := range cfg.Desc.Interfaces {
		if len(it.AltSettings) > 0 && it.AltSettings[0].Class == gousb.ClassHID {
			ifNum = it.Number
			for _, ep := range it.AltSettings[0].Endpoints {
				if ep.Direction == gousb.EndpointDirectionIn && ep.TransferType == gousb.TransferTypeInterrupt {
					epAddr = uint8(ep.Address)
					break
				}
			}
			break
		}
	}
	intf, err := cfg.Interface(ifNum, 0)
	if err != nil {
		return fmt.Errorf("usb: can't claim USB device [%04x:%04x]: %w", uint16(d.dev.Desc.Vendor), uint16(d.dev.Desc.Product), err)
	}
	d.intf = intf
	ep, err := intf.InEndpoint(int(epAddr & 0x0f))
	if err != nil {
		return fmt.Errorf("usb: interrupt endpoint 0x%02x: %w", epAddr, err)
	}
	h, err := NewHID(&gousbConn{dev: d.dev, ep: ep})
	if err != nil {
		return err
	}
	h.Bus = fmt.Sprintf("%03d", d.dev.Desc.Bus)
	d.HID = h
	return nil
}

// Close releases the interface, the device and the libusb context.
func (d *Device) Close() error {
	if d.intf != nil {
		d.intf.Close()
	}
	if d.cfg != nil {
		d.cfg.Close()
	}
	if d.dev != nil {
		d.dev.Close()
	}
	if d.ctx != nil {
		d.ctx.Close()
	}
	return nil
}

// gousbConn is the Conn of a real device.
type gousbConn struct {
	dev *gousb.Device
	ep  *gousb.InEndpoint
}

func (g *gousbConn) Control(rType, request uint8, value, index uint16, data []byte) (int, error) {
	n, err := g.dev.Control(rType, request, value, index, data)
	return n, gousbErr(err)
}

func (g *gousbConn) ReadInterrupt(buf []byte, timeout time.Duration) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	n, err := g.ep.ReadContext(ctx, buf)
	if err != nil && ctx.Err() != nil {
		return n, ErrTimeout
	}
	return n, gousbErr(err)
}

// gousbErr maps libusb errors and transfer statuses to Conn errors.
func gousbErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gousb.ErrorPipe), errors.Is(err, gousb.TransferStall):
		return fmt.Errorf("%w: %v", ErrStall, err)
	case errors.Is(err, gousb.ErrorTimeout), errors.Is(err, gousb.TransferTimedOut), errors.Is(err, gousb.TransferCancelled):
		return fmt.Errorf("%w: %v", ErrTimeout, err)
	case errors.Is(err, gousb.ErrorNoDevice), errors.Is(err, gousb.TransferNoDevice), errors.Is(err, gousb.ErrorIO):
		return fmt.Errorf("%w: %v", ErrNoDevice, err)
	}
	return err
}
