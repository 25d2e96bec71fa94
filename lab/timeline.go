package lab

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Kind is the kind of a timeline event.
type Kind string

// Event kinds, in the words a NUT user would use.
const (
	KindDevice       Kind = "device"        // the simulated device changed (script command, output off/on)
	KindStatus       Kind = "status"        // ups.status as upsd serves it changed
	KindNotify       Kind = "notify"        // upsmon notification (Type, Message, Flags)
	KindTimerStart   Kind = "timer-start"   // upssched START-TIMER
	KindTimerCancel  Kind = "timer-cancel"  // upssched CANCEL-TIMER that stopped a timer
	KindTimerFire    Kind = "timer-fire"    // a upssched timer expired
	KindCmdScript    Kind = "cmdscript"     // CMDSCRIPT ran with Type as its argument
	KindNotifyCmd    Kind = "notifycmd"     // NOTIFYCMD ran for a notification of type Type
	KindFSD          Kind = "fsd"           // upsmon set FSD on a UPS
	KindShutdown     Kind = "shutdown"      // SHUTDOWNCMD ran
	KindPowerdown    Kind = "powerdownflag" // POWERDOWNFLAG written
	KindOutputOff    Kind = "output-off"    // the UPS cut its output
	KindOutputOn     Kind = "output-on"     // the UPS restored its output
	KindLog          Kind = "log"           // a daemon log line (upsmon, upssched, driver, upsd)
	KindSchedExit    Kind = "sched-exit"    // the upssched timer daemon left
	KindSchedStart   Kind = "sched-start"   // the upssched timer daemon started
	KindWall         Kind = "wall"          // a wall message
	KindSyslog       Kind = "syslog"        // a syslog message
	KindExpect       Kind = "expect"        // a scenario expectation was checked
	KindInstantCmd   Kind = "instcmd"       // an instant command reached the driver
	KindDriverStale  Kind = "stale"         // the driver marked its data stale
	KindDriverFresh  Kind = "fresh"         // the driver's data is fresh again
	KindScriptAction Kind = "script"        // a scenario script line ran
)

// Event is one line of the lab's timeline.
type Event struct {
	// At is the simulated time since the lab started.
	At time.Duration `json:"-"`
	// Kind says what happened.
	Kind Kind `json:"kind"`
	// Host is the monitoring host involved, if any.
	Host string `json:"host,omitempty"`
	// UPS is the UPS involved (a lab unit name, or a MONITOR system string).
	UPS string `json:"ups,omitempty"`
	// Type is the notify type, timer name, command or status.
	Type string `json:"type,omitempty"`
	// Message is the notification text or log line.
	Message string `json:"message,omitempty"`
	// Flags are the NOTIFYFLAG words of a notification.
	Flags string `json:"flags,omitempty"`
}

// String formats the event as one readable timeline line.
func (e Event) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%10s  %-13s", FormatAt(e.At), e.Kind)
	if e.Host != "" {
		fmt.Fprintf(&b, " host=%s", e.Host)
	}
	if e.UPS != "" {
		fmt.Fprintf(&b, " ups=%s", e.UPS)
	}
	if e.Type != "" {
		fmt.Fprintf(&b, " %s", e.Type)
	}
	if e.Flags != "" {
		fmt.Fprintf(&b, " [%s]", e.Flags)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, " %q", e.Message)
	}
	return b.String()
}

// FormatAt prints a simulated instant as h:mm:ss(.mmm).
func FormatAt(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	h := d / time.Hour
	m := (d % time.Hour) / time.Minute
	s := (d % time.Minute) / time.Second
	ms := (d % time.Second) / time.Millisecond
	out := fmt.Sprintf("%d:%02d:%02d", h, m, s)
	if ms != 0 {
		out += fmt.Sprintf(".%03d", ms)
	}
	if neg {
		out = "-" + out
	}
	return out
}

// WriteJSON writes one JSON object per event, with the simulated time in
// seconds as "t".
func WriteJSON(w io.Writer, events []Event) error {
	enc := json.NewEncoder(w)
	for _, e := range events {
		if err := enc.Encode(struct {
			T       float64 `json:"t"`
			Kind    Kind    `json:"kind"`
			Host    string  `json:"host,omitempty"`
			UPS     string  `json:"ups,omitempty"`
			Type    string  `json:"type,omitempty"`
			Message string  `json:"message,omitempty"`
			Flags   string  `json:"flags,omitempty"`
		}{e.At.Seconds(), e.Kind, e.Host, e.UPS, e.Type, e.Message, e.Flags}); err != nil {
			return err
		}
	}
	return nil
}

// WriteText writes the readable timeline.
func WriteText(w io.Writer, events []Event) error {
	for _, e := range events {
		if _, err := fmt.Fprintln(w, e.String()); err != nil {
			return err
		}
	}
	return nil
}

// Filter returns the events that match all given conditions; empty
// strings match anything.
func Filter(events []Event, kind Kind, host, ups, typ string) []Event {
	var out []Event
	for _, e := range events {
		if kind != "" && e.Kind != kind {
			continue
		}
		if host != "" && e.Host != host {
			continue
		}
		if ups != "" && e.UPS != ups {
			continue
		}
		if typ != "" && !strings.EqualFold(e.Type, typ) {
			continue
		}
		out = append(out, e)
	}
	return out
}
