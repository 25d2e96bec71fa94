// Package privdrop switches a daemon started as root to an unprivileged
// user, as NUT's become_user (common.c) does for upsd, the drivers and
// upsmon's child: supplementary groups, then the group, then the user.
//
// Go may do this in a multi-threaded process since Go 1.16: on Linux the
// runtime applies setuid/setgid/setgroups to every thread (and the BSDs
// have process-wide credentials), so no goroutine is left running as root.
package privdrop

import (
	"fmt"
	"os/user"
	"strconv"
)

// Credentials are the ids a process takes on when it becomes a user.
type Credentials struct {
	Name   string // login name, as given
	UID    int
	GID    int   // primary group
	Groups []int // supplementary groups (initgroups), primary included
}

// Lookup resolves name in the password and group databases. The error
// reads as NUT 2.8.0's get_user_pwent: "user NAME not found".
func Lookup(name string) (Credentials, error) {
	u, err := user.Lookup(name)
	if err != nil {
		if _, ok := err.(user.UnknownUserError); ok {
			return Credentials{}, fmt.Errorf("user %s not found", name)
		}
		return Credentials{}, fmt.Errorf("getpwnam(%s): %w", name, err)
	}
	c := Credentials{Name: name}
	if c.UID, err = strconv.Atoi(u.Uid); err != nil {
		return Credentials{}, fmt.Errorf("user %s: uid %q is not a number", name, u.Uid)
	}
	if c.GID, err = strconv.Atoi(u.Gid); err != nil {
		return Credentials{}, fmt.Errorf("user %s: gid %q is not a number", name, u.Gid)
	}
	c.Groups = []int{c.GID}
	// Without cgo, os/user reads /etc/group; a failure leaves only the
	// primary group, which is what matters for NUT's files (root:nut 0640).
	if ids, err := u.GroupIds(); err == nil {
		for _, g := range ids {
			if n, err := strconv.Atoi(g); err == nil && n != c.GID {
				c.Groups = append(c.Groups, n)
			}
		}
	}
	return c, nil
}

// Plan decides what a daemon given -u name (or RUN_AS_USER) does when its
// effective uid is euid: nothing when no user is named or when it is not
// root (NUT's become_user returns quietly then), else drop to the looked-up
// user. A user that does not exist is an error only when a drop is due,
// as in NUT, which resolves the name before it knows whether it may switch.
func Plan(name string, euid int) (c Credentials, drop bool, err error) {
	if name == "" || euid != 0 {
		return Credentials{}, false, nil
	}
	c, err = Lookup(name)
	if err != nil {
		return Credentials{}, false, err
	}
	return c, true, nil
}

// Become looks name up and drops to it if the process runs as root; it
// reports whether it switched. Call it after opening what needs root
// (listening sockets, devices) and before serving anything.
func Become(name string) (bool, error) {
	c, drop, err := Plan(name, geteuid())
	if err != nil || !drop {
		return false, err
	}
	return true, Drop(c)
}
