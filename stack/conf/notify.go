package conf

import (
	"strings"
)

// NotifyType is an upsmon notification event name (NOTIFYMSG, NOTIFYFLAG,
// the NOTIFYTYPE environment variable, upssched's AT lines).
type NotifyType string

// NUT 2.8.0's notify types (clients/upsmon.h), in its order.
const (
	NotifyOnline   NotifyType = "ONLINE"
	NotifyOnBatt   NotifyType = "ONBATT"
	NotifyLowBatt  NotifyType = "LOWBATT"
	NotifyFSD      NotifyType = "FSD"
	NotifyCommOK   NotifyType = "COMMOK"
	NotifyCommBad  NotifyType = "COMMBAD"
	NotifyShutdown NotifyType = "SHUTDOWN"
	NotifyReplBatt NotifyType = "REPLBATT"
	NotifyNoComm   NotifyType = "NOCOMM"
	NotifyNoParent NotifyType = "NOPARENT"
	NotifyCal      NotifyType = "CAL"
)

// NotifyTypes lists NUT 2.8.0's notify types in upsmon's order.
var NotifyTypes = []NotifyType{
	NotifyOnline, NotifyOnBatt, NotifyLowBatt, NotifyFSD, NotifyCommOK, NotifyCommBad,
	NotifyShutdown, NotifyReplBatt, NotifyNoComm, NotifyNoParent, NotifyCal,
}

// LaterNotifyTypes are the types NUT added after 2.8.0 (spec daemons.md
// §8.4; messages from NUT master clients/upsmon.h). They are accepted in
// NOTIFYMSG and NOTIFYFLAG, where real 2.8.0 warns about them.
var LaterNotifyTypes = []NotifyType{
	"SHUTDOWN_HOSTSYNC", "NOTCAL", "OFF", "NOTOFF", "BYPASS", "NOTBYPASS",
	"ECO", "NOTECO", "ALARM", "NOTALARM", "OVER", "NOTOVER", "TRIM", "NOTTRIM",
	"BOOST", "NOTBOOST", "OTHER", "NOTOTHER",
	"SUSPEND_STARTING", "SUSPEND_FINISHED", "SUSPEND_TIMEJUMP_UNEXPECTED",
}

// DefaultNotifyMessages are upsmon's stock messages, exactly as NUT 2.8.0
// prints them (clients/upsmon.h notifylist). Each is a printf format with
// one %s for the MONITOR system string (SHUTDOWN and NOPARENT have none).
// Use FormatNotify rather than fmt.Sprintf on user-supplied messages.
var DefaultNotifyMessages = map[NotifyType]string{
	NotifyOnline:   "UPS %s on line power",
	NotifyOnBatt:   "UPS %s on battery",
	NotifyLowBatt:  "UPS %s battery is low",
	NotifyFSD:      "UPS %s: forced shutdown in progress",
	NotifyCommOK:   "Communications with UPS %s established",
	NotifyCommBad:  "Communications with UPS %s lost",
	NotifyShutdown: "Auto logout and shutdown proceeding",
	NotifyReplBatt: "UPS %s battery needs to be replaced",
	NotifyNoComm:   "UPS %s is unavailable",
	NotifyNoParent: "upsmon parent process died - shutdown impossible",
	NotifyCal:      "UPS %s: calibration in progress",
}

// LaterNotifyMessages are the stock messages of LaterNotifyTypes (NUT
// master). ALARM and OTHER carry a second %s (the alarm text, the status
// tokens); SUSPEND_TIMEJUMP_UNEXPECTED's %s is a time, not a UPS.
var LaterNotifyMessages = map[NotifyType]string{
	"SHUTDOWN_HOSTSYNC":           "Shutdown initiated; primary system is waiting for secondaries to log out or time out",
	"NOTCAL":                      "UPS %s: calibration finished",
	"OFF":                         "UPS %s: administratively OFF or asleep",
	"NOTOFF":                      "UPS %s: no longer administratively OFF or asleep",
	"BYPASS":                      "UPS %s: on bypass (powered, not protecting)",
	"NOTBYPASS":                   "UPS %s: no longer on bypass",
	"ECO":                         "UPS %s: in ECO mode (as defined by vendor)",
	"NOTECO":                      "UPS %s: no longer in ECO mode",
	"ALARM":                       "UPS %s: one or more active alarms: [%s]",
	"NOTALARM":                    "UPS %s is no longer in an alarm state (no active alarms)",
	"OVER":                        "UPS %s: overloaded",
	"NOTOVER":                     "UPS %s: no longer overloaded",
	"TRIM":                        "UPS %s: trimming incoming voltage",
	"NOTTRIM":                     "UPS %s: no longer trimming incoming voltage",
	"BOOST":                       "UPS %s: boosting incoming voltage",
	"NOTBOOST":                    "UPS %s: no longer boosting incoming voltage",
	"OTHER":                       "UPS %s: has at least one unclassified status token: [%s]",
	"NOTOTHER":                    "UPS %s has no unclassified status tokens anymore",
	"SUSPEND_STARTING":            "OS is entering sleep/suspend/hibernate mode",
	"SUSPEND_FINISHED":            "OS just finished sleep/suspend/hibernate mode, de-activating obsolete UPS readings to avoid an unfortunate shutdown",
	"SUSPEND_TIMEJUMP_UNEXPECTED": "Unexpected clock change by %s, treating as wake up from sleep",
}

// NotifyFlag is a set of NOTIFYFLAG flags.
type NotifyFlag uint8

// Notify flags (clients/upsmon.h values).
const (
	NotifyIgnore NotifyFlag = 1 << iota // do nothing; wins over the others
	NotifySyslog                        // log at NOTICE
	NotifyWall                          // wall(1) the message
	NotifyExec                          // run NOTIFYCMD with the message
)

// DefaultNotifyFlag is what every 2.8.0 type but CAL starts with; CAL
// starts with SYSLOG only (clients/upsmon.h). Later NUT defaults to SYSLOG
// only on some platforms.
const DefaultNotifyFlag = NotifySyslog | NotifyWall

// DefaultNotifyFlags gives the starting flags of each notify type. Types
// not listed (LaterNotifyTypes) start with DefaultNotifyFlag.
var DefaultNotifyFlags = map[NotifyType]NotifyFlag{
	NotifyOnline: DefaultNotifyFlag, NotifyOnBatt: DefaultNotifyFlag, NotifyLowBatt: DefaultNotifyFlag,
	NotifyFSD: DefaultNotifyFlag, NotifyCommOK: DefaultNotifyFlag, NotifyCommBad: DefaultNotifyFlag,
	NotifyShutdown: DefaultNotifyFlag, NotifyReplBatt: DefaultNotifyFlag, NotifyNoComm: DefaultNotifyFlag,
	NotifyNoParent: DefaultNotifyFlag, NotifyCal: NotifySyslog,
}

// StockNotifyMessage is upsmon's own message for t, of 2.8.0 or of later
// NUT; "" for an unknown type. t must be spelled as in NotifyTypes.
func StockNotifyMessage(t NotifyType) string {
	if m, ok := DefaultNotifyMessages[t]; ok {
		return m
	}
	return LaterNotifyMessages[t]
}

// DefaultNotifyFlagOf is the flags t starts with before any NOTIFYFLAG.
func DefaultNotifyFlagOf(t NotifyType) NotifyFlag {
	if f, ok := DefaultNotifyFlags[t]; ok {
		return f
	}
	return DefaultNotifyFlag
}

var flagNames = []struct {
	f    NotifyFlag
	name string
}{{NotifySyslog, "SYSLOG"}, {NotifyWall, "WALL"}, {NotifyExec, "EXEC"}, {NotifyIgnore, "IGNORE"}}

// String renders the flags as in upsmon.conf: "SYSLOG+WALL+EXEC".
func (f NotifyFlag) String() string {
	var s []string
	for _, n := range flagNames {
		if f&n.f != 0 {
			s = append(s, n.name)
		}
	}
	if len(s) == 0 {
		return "0"
	}
	return strings.Join(s, "+")
}

// ParseNotifyFlag reads "SYSLOG+WALL+EXEC". Flag names are upper case
// only, as upsmon compares them with strcmp. bad lists the unknown names
// (upsmon warns "Invalid notify flag: [x]" and keeps the others).
func ParseNotifyFlag(s string) (f NotifyFlag, bad []string) {
	for _, part := range strings.Split(s, "+") {
		found := false
		for _, n := range flagNames {
			if part == n.name {
				f |= n.f
				found = true
			}
		}
		if !found {
			bad = append(bad, part)
		}
	}
	return f, bad
}

// LookupNotifyType finds a notify type by name, case-insensitively as
// upsmon and upssched compare them. later is true for a type that NUT
// 2.8.0 does not know.
func LookupNotifyType(name string) (t NotifyType, later, ok bool) {
	for _, n := range NotifyTypes {
		if strings.EqualFold(string(n), name) {
			return n, false, true
		}
	}
	for _, n := range LaterNotifyTypes {
		if strings.EqualFold(string(n), name) {
			return n, true, true
		}
	}
	return "", false, false
}

// FormatNotify fills a NOTIFYMSG format the way upsmon's sprintf does for
// well-formed messages: each %s takes the next argument ("" when there
// are none left), %% is a %, and any other % sequence is kept as written
// (in C it would be undefined behaviour).
func FormatNotify(format string, args ...string) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 >= len(format) {
			b.WriteByte(c)
			continue
		}
		switch format[i+1] {
		case 's':
			if len(args) > 0 {
				b.WriteString(args[0])
				args = args[1:]
			}
			i++
		case '%':
			b.WriteByte('%')
			i++
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
