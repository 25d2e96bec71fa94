package upsmon

import "github.com/upslab/upslab/stack/conf"

// Flags says where a notification goes (NOTIFYFLAG); its values, names
// and parsing are package conf's.
type Flags = conf.NotifyFlag

// Notification flags, as in upsmon.conf.
const (
	// FlagIgnore drops the notification; it wins over every other flag.
	FlagIgnore = conf.NotifyIgnore
	// FlagSyslog logs the message at NOTICE level.
	FlagSyslog = conf.NotifySyslog
	// FlagWall sends the message to all terminals with wall(1).
	FlagWall = conf.NotifyWall
	// FlagExec runs NOTIFYCMD with the message.
	FlagExec = conf.NotifyExec
)

// DefaultFlags is what a notification type gets without NOTIFYFLAG (CAL
// gets SYSLOG only: conf.DefaultNotifyFlags).
const DefaultFlags = conf.DefaultNotifyFlag

// Notification type names (NOTIFYTYPE in NOTIFYCMD's environment), the
// ones the machine raises. The types and their stock messages are listed
// in package conf (NotifyTypes, LaterNotifyTypes, DefaultNotifyMessages).
const (
	Online           = string(conf.NotifyOnline)
	OnBatt           = string(conf.NotifyOnBatt)
	LowBatt          = string(conf.NotifyLowBatt)
	FSD              = string(conf.NotifyFSD)
	CommOK           = string(conf.NotifyCommOK)
	CommBad          = string(conf.NotifyCommBad)
	Shutdown         = string(conf.NotifyShutdown)
	ReplBatt         = string(conf.NotifyReplBatt)
	NoComm           = string(conf.NotifyNoComm)
	NoParent         = string(conf.NotifyNoParent)
	Cal              = string(conf.NotifyCal)
	ShutdownHostsync = "SHUTDOWN_HOSTSYNC" // later NUT (conf.LaterNotifyTypes)
	NotCal           = "NOTCAL"
	Off              = "OFF"
	NotOff           = "NOTOFF"
	Bypass           = "BYPASS"
	NotBypass        = "NOTBYPASS"
)
