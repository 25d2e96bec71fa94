//go:build !unix

package privdrop

import "errors"

// geteuid is never root where there are no uids: Plan then never drops.
func geteuid() int { return -1 }

// Drop is not supported on this system (Windows has no uids): services
// choose their account when they are installed.
func Drop(c Credentials) error {
	return errors.New("switching users is not supported on this system")
}
