//go:build linux || darwin || freebsd || openbsd || netbsd || dragonfly

// Package serial sets up serial lines (and pseudo-terminals) the way NUT's
// SHUT driver does, with golang.org/x/sys termios: TCGETS/TCSETS on Linux,
// TIOCGETA/TIOCSETA on the BSDs and macOS.
package serial

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Raw sets fd to 2400 baud, 8 data bits, no parity, 1 stop bit, raw
// (CS8|CLOCAL|CREAD, IGNPAR, no output processing, no echo, VMIN 1,
// VTIME 0): libshut's settings. A pseudo-terminal accepts them too.
func Raw(fd int) error {
	t, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return fmt.Errorf("not a terminal: %w", err)
	}
	t.Iflag = unix.IGNPAR
	t.Oflag = 0
	t.Lflag = 0
	t.Cflag = unix.CS8 | unix.CLOCAL | unix.CREAD
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	setSpeed(t)
	if err := unix.IoctlSetTermios(fd, ioctlSetTermios, t); err != nil {
		return fmt.Errorf("line settings: %w", err)
	}
	return nil
}

// ModemLines sets DTR and RTS. mge-shut wants DTR off, RTS on (the MGE
// cable uses only TX/RX/GND; RTS is reserved for PnP). A pseudo-terminal
// refuses these ioctls; the error is returned for the caller to ignore,
// as NUT does.
func ModemLines(fd int, dtr, rts bool) error {
	set := func(on bool, bit int) error {
		req := uint(unix.TIOCMBIC)
		if on {
			req = unix.TIOCMBIS
		}
		return unix.IoctlSetPointerInt(fd, req, bit)
	}
	if err := set(dtr, unix.TIOCM_DTR); err != nil {
		return err
	}
	return set(rts, unix.TIOCM_RTS)
}

// FlushInput drops what the line received and nobody read yet.
func FlushInput(fd int) error { return flushInput(fd) }
