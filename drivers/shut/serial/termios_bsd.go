//go:build darwin || freebsd || openbsd || netbsd || dragonfly

package serial

import "golang.org/x/sys/unix"

const (
	ioctlGetTermios = unix.TIOCGETA
	ioctlSetTermios = unix.TIOCSETA
)

// On the BSDs the speed fields hold the rate itself.
func setSpeed(t *unix.Termios) {
	t.Ispeed, t.Ospeed = 2400, 2400
}

// fread is FREAD of <sys/fcntl.h> (1 on every BSD), which x/sys/unix does
// not export: TIOCFLUSH with it flushes the input queue only.
const fread = 1

func flushInput(fd int) error {
	return unix.IoctlSetPointerInt(fd, unix.TIOCFLUSH, fread)
}
