package upsd

import "github.com/upslab/upslab/stack/dstate"

type dstateVar = dstate.Var

const (
	flagRW     = dstate.RW
	flagString = dstate.String
)
