//go:build unix

package privdrop

import (
	"fmt"
	"os"
	"syscall"
)

func geteuid() int { return os.Geteuid() }

// Drop sets the supplementary groups, the group and then the user of the
// whole process (all threads) to c; the order matters, since once the uid
// is gone the groups cannot be changed any more.
func Drop(c Credentials) error {
	if err := syscall.Setgroups(c.Groups); err != nil {
		return fmt.Errorf("setgroups: %w", err)
	}
	if err := syscall.Setgid(c.GID); err != nil {
		return fmt.Errorf("setgid: %w", err)
	}
	if err := syscall.Setuid(c.UID); err != nil {
		return fmt.Errorf("setuid: %w", err)
	}
	return nil
}
