//go:build linux || darwin || freebsd || openbsd || netbsd || dragonfly

package shut

import (
	"fmt"
	"os"

	"github.com/upslab/upslab/drivers/shut/serial"
	"golang.org/x/sys/unix"
)

// Open opens the serial port at path with NUT's libshut line settings and
// returns the SHUT device on it (see NewPort). The port is opened
// non-blocking without becoming the controlling terminal, locked against
// other drivers (flock, as NUT on Linux), set to 2400 baud 8N1 raw, with
// DTR off and RTS on, and its input queue flushed: what the device sent
// before is lost, as with NUT. On a pseudo-terminal the modem-line ioctls
// fail; that is ignored, as NUT does.
func Open(path string, o Options) (*Port, error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("shut: open %s: %w", path, err)
	}
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("shut: %s is locked by another process: %w", path, err)
	}
	if err := serial.Raw(fd); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("shut: %s: %w", path, err)
	}
	_ = serial.ModemLines(fd, false, true)
	if err := serial.FlushInput(fd); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("shut: %s: flush: %w", path, err)
	}
	// The Go runtime polls a non-blocking descriptor, so Close wakes a
	// pending Read.
	return NewPort(os.NewFile(uintptr(fd), path), o)
}
