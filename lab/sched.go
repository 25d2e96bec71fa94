package lab

import (
	"fmt"

	"github.com/upslab/upslab/stack/upssched"
)

// labSched is upssched on the lab's clock: upssched.Local, the same AT
// matching and timer table as the upssched program, without sockets.
type labSched struct {
	h     *Host
	local *upssched.Local
}

// newSched builds the host's upssched from upssched.conf.
func newSched(h *Host, conf string) (scheduler, error) {
	cfg, warns := upssched.Parse("upssched.conf", []byte(conf))
	for _, w := range warns {
		h.record(Event{Kind: KindLog, Type: "upssched", Message: w})
	}
	s := &labSched{h: h}
	s.local = &upssched.Local{
		Config: cfg,
		Clock:  h.lab.Clock,
		Run: func(cmdscript, arg string, env []string) {
			h.record(Event{Kind: KindCmdScript, Type: arg, Message: cmdscript + " " + arg})
		},
		OnEvent: s.event,
	}
	return s, nil
}

func (s *labSched) event(e upssched.Event) {
	switch e.Kind {
	case upssched.Started:
		s.h.record(Event{Kind: KindTimerStart, Type: e.Timer, Message: e.Text})
	case upssched.Cancelled:
		s.h.record(Event{Kind: KindTimerCancel, Type: e.Timer, Message: e.Text})
	case upssched.Fired:
		s.h.record(Event{Kind: KindTimerFire, Type: e.Timer, Message: e.Text})
	case upssched.DaemonStarted:
		s.h.record(Event{Kind: KindSchedStart, Type: "upssched"})
	case upssched.DaemonExited:
		s.h.record(Event{Kind: KindSchedExit, Type: "upssched"})
	case upssched.Ignored:
		s.h.record(Event{Kind: KindLog, Type: "upssched", Message: e.Text})
	}
}

// Notify is upsmon running upssched as NOTIFYCMD.
func (s *labSched) Notify(ups, typ, msg string) {
	logs, err := s.local.Notify(upssched.Env{UPSName: ups, NotifyType: typ, NotifyMsg: msg})
	for _, l := range logs {
		s.h.record(Event{Kind: KindLog, Type: "upssched", Message: l})
	}
	if err != nil {
		s.h.record(Event{Kind: KindLog, Type: "upssched", Message: fmt.Sprintf("upssched: %v", err)})
	}
}

// Stop does nothing: the timers live on the lab's clock, which stops with
// the lab.
func (s *labSched) Stop() {}
