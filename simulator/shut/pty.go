package shut

import (
	"errors"
	"fmt"
	"os"

	"github.com/creack/pty"

	"github.com/upslab/upslab/drivers/shut/serial"
)

// PTY is a pseudo-terminal for a simulated serial device: the server uses
// Master, a host opens the slave through Link, a symlink to it.
type PTY struct {
	Master *os.File
	// Slave stays open here so that a host closing the port (mge-shut
	// exiting) does not make the master's reads fail: the simulated device
	// outlives its hosts, as a real one does.
	Slave *os.File
	Link  string
}

// OpenPTY opens a pseudo-terminal, sets its slave raw (2400 8N1, so no
// line discipline changes a byte before the host configures the port) and
// makes link a symlink to the slave. An existing symlink at link is
// replaced; any other file there is an error.
func OpenPTY(link string) (*PTY, error) {
	if fi, err := os.Lstat(link); err == nil {
		if fi.Mode()&os.ModeSymlink == 0 {
			return nil, fmt.Errorf("shut: %s exists and is not a symlink", link)
		}
		if err := os.Remove(link); err != nil {
			return nil, fmt.Errorf("shut: %w", err)
		}
	}
	m, s, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("shut: pseudo-terminal: %w", err)
	}
	if err := serial.Raw(int(s.Fd())); err != nil {
		m.Close()
		s.Close()
		return nil, fmt.Errorf("shut: pseudo-terminal %s: %w", s.Name(), err)
	}
	if err := os.Symlink(s.Name(), link); err != nil {
		m.Close()
		s.Close()
		return nil, fmt.Errorf("shut: %w", err)
	}
	return &PTY{Master: m, Slave: s, Link: link}, nil
}

// Close removes the link and closes both ends.
func (p *PTY) Close() error {
	err := os.Remove(p.Link)
	if errors.Is(err, os.ErrNotExist) {
		err = nil
	}
	return errors.Join(err, p.Master.Close(), p.Slave.Close())
}
