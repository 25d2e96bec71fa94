package upsd

import (
	"os/user"
)

func lookupUser(name string) (*user.User, error) { return user.Lookup(name) }
