package upsmon

import (
	"fmt"
	"strings"
	"time"

	"github.com/upslab/upslab/stack/protocol"
)

// Input is something the shell tells the Machine: a request answered, time
// passed, or a command from the operator.
type Input interface{ input() }

// Wake answers Sleep: the time asked for has passed (or a command arrived;
// see Command).
type Wake struct{}

// Connected answers Connect.
type Connected struct {
	UPS string // Monitor.System
	// Err is set when no connection could be made; nothing else happened.
	Err *Failure
	// Impossible says the client's own settings forbade the connection
	// (CERTVERIFY without CERTPATH): NUT then logs "Connection impossible,
	// dropping link" rather than "connect failed".
	Impossible bool
	// AuthStep names the login step that failed: "USERNAME", "PASSWORD",
	// "LOGIN" or "PRIMARY" ("PRIMARY" covers the MASTER fallback too).
	// Empty when the login went through. An ERR reply to USERNAME is not a
	// failure in NUT (libupsclient's raw read does not look at it).
	AuthStep string
	// AuthErr is what went wrong at AuthStep: a reply other than OK (Code,
	// or Text for a reply that is not even ERR) or an I/O failure (Closed).
	AuthErr *Failure
}

// Polled answers Poll: the value of ups.status, or why it could not be read.
type Polled struct {
	UPS    string
	Status string
	Err    *Failure
}

// FSDSet answers SetFSD.
type FSDSet struct {
	UPS string
	Err *Failure
}

// NumLogins answers GetNumLogins with the largest NUMLOGINS among the UPSes
// asked about; a failed query counts as 0, as in NUT.
type NumLogins struct{ Max int }

// CommandKind is what `upsmon -c` (or a signal) asks for.
type CommandKind int

// Commands.
const (
	// CmdFSD is `upsmon -c fsd` (SIGUSR1): forced shutdown at the start of
	// the next loop, whatever the UPS state.
	CmdFSD CommandKind = iota + 1
	// CmdStop is `upsmon -c stop` (SIGTERM, SIGINT, SIGQUIT).
	CmdStop
	// CmdReload is `upsmon -c reload` (SIGHUP); Config holds the new file.
	CmdReload
)

// Command is an operator command. Like a signal interrupting NUT's
// sleep(), a Command fed while the Machine sleeps ends the sleep: the shell
// must then forget its pending Wake.
type Command struct {
	Kind   CommandKind
	Signal int     // for the log line ("Signal 10: User requested FSD"); 0 = default
	Config *Config // CmdReload only
}

func (Wake) input()      {}
func (Connected) input() {}
func (Polled) input()    {}
func (FSDSet) input()    {}
func (NumLogins) input() {}
func (Command) input()   {}

// Failure is why a request to upsd failed, as libupsclient sees it.
type Failure struct {
	// Code is the word of an "ERR <code>" reply, e.g. "DATA-STALE".
	Code string
	// Text is for everything else: libupsclient's wording of an I/O problem
	// ("Server disconnected", "Connection failure: Connection refused"), or
	// the raw line of a reply that is neither OK nor ERR.
	Text string
	// Closed says the connection is gone; NUT then drops it and reconnects
	// at the next poll.
	Closed bool
}

// Err returns an ERR-reply failure.
func Err(code string) *Failure { return &Failure{Code: code} }

// IOFailure returns a failure that lost the connection.
func IOFailure(text string) *Failure { return &Failure{Text: text, Closed: true} }

// Reply is the raw reply line NUT logs for a refused request.
func (f *Failure) Reply() string {
	if f.Code != "" {
		return "ERR " + f.Code
	}
	return f.Text
}

// String is libupsclient's upscli_strerror() text.
func (f *Failure) String() string {
	if f.Code != "" {
		return protocol.ClientText(f.Code)
	}
	return f.Text
}

// Action is something the Machine asks the shell to do. Connect, Poll,
// SetFSD, GetNumLogins and Sleep are requests: each Step returns at most
// one, always last, and the shell answers it with the matching Input before
// anything else (except a Command during a Sleep). The other actions are
// effects to carry out in order.
type Action interface{ action() }

// Level is a syslog priority.
type Level int

// Syslog levels used by upsmon.
const (
	LevelCrit Level = iota + 2
	LevelErr
	LevelWarning
	LevelNotice
	LevelInfo
	LevelDebug
	LevelAlert Level = 1
)

func (l Level) String() string {
	switch l {
	case LevelAlert:
		return "ALERT"
	case LevelCrit:
		return "CRIT"
	case LevelErr:
		return "ERR"
	case LevelWarning:
		return "WARNING"
	case LevelNotice:
		return "NOTICE"
	case LevelInfo:
		return "INFO"
	case LevelDebug:
		return "DEBUG"
	}
	return fmt.Sprintf("LEVEL%d", int(l))
}

// Log is a log line, worded as NUT's upsmon words it.
type Log struct {
	Level Level
	// Debug is the -D count needed to see a LevelDebug line.
	Debug int
	Text  string
}

// Notify is a notification (NUT's do_notify). The shell logs Message at
// NOTICE when Flags has FlagSyslog, sends it to wall with FlagWall, and runs
// NOTIFYCMD "<Message>" with UPSNAME=UPS and NOTIFYTYPE=Type with FlagExec.
// Notifications whose flags include IGNORE are not emitted.
type Notify struct {
	Type    string
	UPS     string // the MONITOR system name; "" for SHUTDOWN, SHUTDOWN_HOSTSYNC, NOPARENT
	Message string
	Flags   Flags
}

// Wall sends a message to every terminal, whatever NOTIFYFLAG says.
type Wall struct{ Text string }

// Connect asks the shell to connect to upsd and log in (USERNAME, PASSWORD,
// LOGIN, and PRIMARY with MASTER as fallback for a primary); answer with
// Connected.
type Connect struct{ Monitor Monitor }

// Poll asks for GET VAR <ups> ups.status on the existing connection;
// answer with Polled. A connection the shell lost answers with
// IOFailure("Driver not connected"), as libupsclient does on a closed fd.
type Poll struct{ Monitor Monitor }

// Disconnect asks the shell to send LOGOUT (if the connection is still up)
// and close it.
type Disconnect struct{ UPS string }

// SetFSD asks the shell to send FSD <ups>; answer with FSDSet.
type SetFSD struct{ Monitor Monitor }

// GetNumLogins asks for GET NUMLOGINS on each of these UPSes; answer with
// NumLogins.
type GetNumLogins struct{ Monitors []Monitor }

// Sleep asks the shell to wait; answer with Wake.
type Sleep struct{ D time.Duration }

// WritePowerDownFlag asks to create the POWERDOWNFLAG file with NUT's magic
// content ("upsmon-shutdown-file", no newline).
type WritePowerDownFlag struct{ Path string }

// RunShutdownCmd asks to run SHUTDOWNCMD through the shell.
type RunShutdownCmd struct{ Cmd string }

// Exit asks the shell to end the daemon with this code.
type Exit struct{ Code int }

func (Log) action()                {}
func (Notify) action()             {}
func (Wall) action()               {}
func (Connect) action()            {}
func (Poll) action()               {}
func (Disconnect) action()         {}
func (SetFSD) action()             {}
func (GetNumLogins) action()       {}
func (Sleep) action()              {}
func (WritePowerDownFlag) action() {}
func (RunShutdownCmd) action()     {}
func (Exit) action()               {}

// PowerDownMagic is what POWERDOWNFLAG holds (NUT's SDMAGIC).
const PowerDownMagic = "upsmon-shutdown-file"

// Format renders an action as one transcript line.
func Format(a Action) string {
	switch a := a.(type) {
	case Log:
		if a.Level == LevelDebug {
			return fmt.Sprintf("log DEBUG%d %s", a.Debug, a.Text)
		}
		return fmt.Sprintf("log %s %s", a.Level, a.Text)
	case Notify:
		ups := a.UPS
		if ups == "" {
			ups = `""`
		}
		return fmt.Sprintf("notify %s %s %s %q", a.Type, ups, a.Flags, a.Message)
	case Wall:
		return fmt.Sprintf("wall %q", a.Text)
	case Connect:
		role := "secondary"
		if a.Monitor.Primary {
			role = "primary"
		}
		return fmt.Sprintf("connect %s %s", a.Monitor.System, role)
	case Poll:
		return "poll " + a.Monitor.System
	case Disconnect:
		return "disconnect " + a.UPS
	case SetFSD:
		return "set-fsd " + a.Monitor.System
	case GetNumLogins:
		var n []string
		for _, m := range a.Monitors {
			n = append(n, m.System)
		}
		return "get-numlogins " + strings.Join(n, " ")
	case Sleep:
		return "sleep " + a.D.String()
	case WritePowerDownFlag:
		return "write-powerdownflag " + a.Path
	case RunShutdownCmd:
		return fmt.Sprintf("shutdowncmd %q", a.Cmd)
	case Exit:
		return fmt.Sprintf("exit %d", a.Code)
	}
	return fmt.Sprintf("%#v", a)
}
