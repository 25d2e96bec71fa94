package upsd

import (
	"os/user"
	"time"
)

type durationT = time.Duration

func lookupUser(name string) (*user.User, error) { return user.Lookup(name) }
