package driver

import (
	"errors"

	"github.com/upslab/upslab/drivers/hiddev"
	"github.com/upslab/upslab/drivers/mge"
	"github.com/upslab/upslab/drivers/sock"
	"github.com/upslab/upslab/stack/dstate"
)

func init() {
	NewSubdriver = NewMGE
	MGECode = MGETrackingCode
}

// NewMGE builds the MGE HID subdriver (NUT 2.8.0's "MGE HID 1.46") for dev.
func NewMGE(dev hiddev.Device, t *dstate.Table, o SubOptions) (Subdriver, error) {
	return mge.New(dev, t, mge.Options{
		OffDelay: o.OffDelay, OnDelay: o.OnDelay, LowBatt: o.LowBatt,
		Clock: o.Clock, Logf: o.Logf, PollInterval: o.PollInterval,
	}), nil
}

// MGETrackingCode maps drivers/mge errors to tracking codes: nil 0,
// ErrUnknown 1, ErrInvalid 2, ErrFailed and anything else 3.
func MGETrackingCode(err error) int {
	switch {
	case err == nil:
		return sock.StatHandled
	case errors.Is(err, mge.ErrUnknown):
		return sock.StatUnknown
	case errors.Is(err, mge.ErrInvalid):
		return sock.StatInvalid
	}
	return DefaultCode(err)
}
