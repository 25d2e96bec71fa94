package serial

import "golang.org/x/sys/unix"

const (
	ioctlGetTermios = unix.TCGETS
	ioctlSetTermios = unix.TCSETS
)

func setSpeed(t *unix.Termios) {
	t.Cflag &^= unix.CBAUD
	t.Cflag |= unix.B2400
	t.Ispeed, t.Ospeed = unix.B2400, unix.B2400
}

func flushInput(fd int) error { return unix.IoctlSetInt(fd, unix.TCFLSH, unix.TCIFLUSH) }
