package driver

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"

	"github.com/upslab/upslab/drivers/hiddev"
	"github.com/upslab/upslab/drivers/usb"
	"github.com/upslab/upslab/internal/clock"
	"github.com/upslab/upslab/simulator"
	"github.com/upslab/upslab/simulator/hidview"
	"github.com/upslab/upslab/simulator/usbdev"
)

func init() { OpenSim = openSim }

// SimHID is the simulated Ellipse ECO as the driver sees it: the host side
// (usb.HID) of the simulator's USB device, which can also signal queued
// interrupt reports through the HID view (hiddev.InputNotifier), so a loop
// on a virtual clock reacts to them at once. A plain usb.HID cannot
// notify: the driver then reads the interrupt pipe in a goroutine (real
// clock) or at each poll (virtual clock).
type SimHID struct {
	*usb.HID
	Device *simulator.Device
	View   *hidview.View
	USB    *usbdev.Device
}

// NotifyInput forwards to the HID view.
func (s *SimHID) NotifyInput(f func()) { s.View.NotifyInput(f) }

// NewSim builds a simulated Ellipse ECO 650 on clk (seed 1) behind the
// simulator's USB device, opened with the same control transfers as real
// hardware. The lab and tests use it; port=sim uses it too.
func NewSim(clk clock.Clock) (*SimHID, error) {
	dev := simulator.New(clk, nil, 1)
	view := hidview.New(dev)
	view.SetClock(clk)
	u := usbdev.New(view)
	h, err := usb.NewHID(u)
	if err != nil {
		dev.Stop()
		return nil, err
	}
	return &SimHID{HID: h, Device: dev, View: view, USB: u}, nil
}

type closers []func()

func (c closers) Close() error {
	for i := len(c) - 1; i >= 0; i-- {
		c[i]()
	}
	return nil
}

// ServeControl, when set (simulator/control), serves simulator commands
// on the simcontrol socket; without it a line protocol is used: each line
// is one script command for simulator.Device.Exec, answered "OK" or
// "ERR <message>".
var ServeControl func(l net.Listener, d *simulator.Device) error

func openSim(clk clock.Clock, control string, logf func(string, ...any)) (hiddev.Device, io.Closer, error) {
	s, err := NewSim(clk)
	if err != nil {
		return nil, nil, err
	}
	cl := closers{s.Device.Stop}
	if control != "" {
		os.Remove(control)
		l, err := net.Listen("unix", control)
		if err != nil {
			s.Device.Stop()
			return nil, nil, fmt.Errorf("simcontrol: %w", err)
		}
		cl = append(cl, func() { l.Close(); os.Remove(control) })
		serve := ServeControl
		if serve == nil {
			serve = serveLines
		}
		go func() {
			if err := serve(l, s.Device); err != nil && !errors.Is(err, net.ErrClosed) {
				logf("simcontrol: %v", err)
			}
		}()
	}
	return s, cl, nil
}

// serveLines is the fallback control protocol.
func serveLines(l net.Listener, d *simulator.Device) error {
	var mu sync.Mutex // one command at a time
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		go func() {
			defer c.Close()
			sc := bufio.NewScanner(c)
			for sc.Scan() {
				line := strings.TrimSpace(sc.Text())
				if line == "" {
					continue
				}
				mu.Lock()
				err := d.Exec(line)
				mu.Unlock()
				reply := "OK\n"
				if err != nil {
					reply = "ERR " + strings.ReplaceAll(err.Error(), "\n", " ") + "\n"
				}
				if _, err := c.Write([]byte(reply)); err != nil {
					return
				}
			}
		}()
	}
}
