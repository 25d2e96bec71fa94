//go:build !(linux || darwin || freebsd || openbsd || netbsd || dragonfly)

package shut

import (
	"errors"
	"fmt"
)

// Open is not available on this system: it has no termios.
func Open(path string, o Options) (*Port, error) {
	return nil, fmt.Errorf("shut: open %s: %w", path, errors.New("serial ports need termios (Linux or a BSD)"))
}
