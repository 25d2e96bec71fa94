package driver

import (
	"io"

	"github.com/upslab/upslab/drivers/hiddev"
	"github.com/upslab/upslab/drivers/shut"
)

func init() { OpenSerial = openSerial }

// openSerial opens a SHUT device on a serial port (mge-shut, or
// usbhid-ups with a serial port=), with NUT's line settings and timing.
func openSerial(path string) (hiddev.Device, io.Closer, error) {
	p, err := shut.Open(path, shut.Options{})
	if err != nil {
		return nil, nil, err
	}
	return p, p, nil
}
