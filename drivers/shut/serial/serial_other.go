//go:build !(linux || darwin || freebsd || openbsd || netbsd || dragonfly)

package serial

import "errors"

var errNoTermios = errors.New("serial: no termios on this system")

// Raw is unavailable without termios.
func Raw(fd int) error { return errNoTermios }

// ModemLines is unavailable without termios.
func ModemLines(fd int, dtr, rts bool) error { return errNoTermios }

// FlushInput is unavailable without termios.
func FlushInput(fd int) error { return errNoTermios }
