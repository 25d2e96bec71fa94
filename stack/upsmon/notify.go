package upsmon

import (
	"sort"
	"strings"
)

// Flags says where a notification goes (NOTIFYFLAG).
type Flags uint8

// Notification flags, as in upsmon.conf.
const (
	// FlagIgnore drops the notification; it wins over every other flag.
	FlagIgnore Flags = 1 << iota
	// FlagSyslog logs the message at NOTICE level.
	FlagSyslog
	// FlagWall sends the message to all terminals with wall(1).
	FlagWall
	// FlagExec runs NOTIFYCMD with the message.
	FlagExec
)

// String gives the flags as upsmon.conf spells them ("SYSLOG+WALL").
func (f Flags) String() string {
	var parts []string
	for _, n := range []struct {
		f Flags
		s string
	}{{FlagSyslog, "SYSLOG"}, {FlagWall, "WALL"}, {FlagExec, "EXEC"}, {FlagIgnore, "IGNORE"}} {
		if f&n.f != 0 {
			parts = append(parts, n.s)
		}
	}
	if len(parts) == 0 {
		return "NONE"
	}
	return strings.Join(parts, "+")
}

// DefaultFlags is what a notification type gets without NOTIFYFLAG.
const DefaultFlags = FlagSyslog | FlagWall

// Notification type names (NOTIFYTYPE in NOTIFYCMD's environment).
const (
	Online           = "ONLINE"
	OnBatt           = "ONBATT"
	LowBatt          = "LOWBATT"
	FSD              = "FSD"
	CommOK           = "COMMOK"
	CommBad          = "COMMBAD"
	Shutdown         = "SHUTDOWN"
	ShutdownHostsync = "SHUTDOWN_HOSTSYNC"
	ReplBatt         = "REPLBATT"
	NoComm           = "NOCOMM"
	NoParent         = "NOPARENT"
	Cal              = "CAL"
	NotCal           = "NOTCAL"
	Off              = "OFF"
	NotOff           = "NOTOFF"
	Bypass           = "BYPASS"
	NotBypass        = "NOTBYPASS"
)

// stockMessages are NUT's default NOTIFYMSG texts. 2.8.0 knows ONLINE to
// CAL; the rest arrived in 2.8.1–2.8.5 and are accepted so that an
// upsmon.conf written for current NUT works.
var stockMessages = map[string]string{
	Online:           "UPS %s on line power",
	OnBatt:           "UPS %s on battery",
	LowBatt:          "UPS %s battery is low",
	FSD:              "UPS %s: forced shutdown in progress",
	CommOK:           "Communications with UPS %s established",
	CommBad:          "Communications with UPS %s lost",
	Shutdown:         "Auto logout and shutdown proceeding",
	ShutdownHostsync: "Shutdown initiated; primary system is waiting for secondaries to log out or time out",
	ReplBatt:         "UPS %s battery needs to be replaced",
	NoComm:           "UPS %s is unavailable",
	NoParent:         "upsmon parent process died - shutdown impossible",
	Cal:              "UPS %s: calibration in progress",
	NotCal:           "UPS %s: calibration finished",
	Off:              "UPS %s: administratively OFF or asleep",
	NotOff:           "UPS %s: no longer administratively OFF or asleep",
	Bypass:           "UPS %s: on bypass (powered, not protecting)",
	NotBypass:        "UPS %s: no longer on bypass",
	"ECO":            "UPS %s: in ECO mode (as defined by vendor)",
	"NOTECO":         "UPS %s: no longer in ECO mode",
	"OVER":           "UPS %s: overloaded",
	"NOTOVER":        "UPS %s: no longer overloaded",
	"TRIM":           "UPS %s: trimming incoming voltage",
	"NOTTRIM":        "UPS %s: no longer trimming incoming voltage",
	"BOOST":          "UPS %s: boosting incoming voltage",
	"NOTBOOST":       "UPS %s: no longer boosting incoming voltage",
	"ALARM":          "UPS %s: one or more active alarms: [%s]",
	"NOTALARM":       "UPS %s is no longer in an alarm state (no active alarms)",
	"OTHER":          "UPS %s: has at least one unclassified status token: [%s]",
	"NOTOTHER":       "UPS %s has no unclassified status tokens anymore",
}

// NotifyTypes lists every notification type name upsmon.conf accepts.
func NotifyTypes() []string {
	out := make([]string, 0, len(stockMessages))
	for k := range stockMessages {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// StockMessage returns NUT's default message for a type ("" if unknown).
func StockMessage(typ string) string { return stockMessages[typ] }

// defaultFlags: 2.8.0 gives CAL only SYSLOG; everything else SYSLOG+WALL.
func defaultFlags(typ string) Flags {
	if typ == Cal {
		return FlagSyslog
	}
	return DefaultFlags
}

// FormatMessage substitutes the UPS system name for the first %s of a
// NOTIFYMSG, and %% for %. NUT hands the string to sprintf, where any other
// conversion is undefined behaviour; here it is kept as written. A second
// %s (2.8.3+ ALARM/OTHER texts) gets the empty string.
func FormatMessage(format, ups string) string {
	var b strings.Builder
	used := false
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 >= len(format) {
			b.WriteByte(c)
			continue
		}
		switch format[i+1] {
		case '%':
			b.WriteByte('%')
			i++
		case 's':
			if !used {
				b.WriteString(ups)
				used = true
			}
			i++
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
