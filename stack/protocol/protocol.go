// Package protocol is the codec of NUT's network protocol (upsd on TCP
// port 3493), shared by the server (stack/upsd), the client library
// (stack/client) and the command-line tools.
//
// Its parts, as in net/textproto:
//
//   - Reader: one persistent buffered reader per connection, with a
//     maximum line length. ReadLine reads a reply line; ReadRequest reads
//     one request with NUT's tokenizer rules (a quoted newline or a
//     backslash before the newline continues the request).
//   - Encoding: Quote, Escape and EncodeArg produce words the way upsd and
//     libupsclient do; SplitReply parses a reply line into words.
//   - Lists: ReadList reads a BEGIN LIST … END LIST block.
//   - Errors: *Error is a proper "ERR <code>" reply from the peer (use
//     errors.As); *ProtocolError is a peer that broke the protocol.
//   - Descriptions: the cmdvartab variable/command descriptions.
package protocol

import (
	"errors"
	"fmt"
	"strings"
)

// Version strings of the NUT release we are compatible with.
const (
	// NUTVersion is the NUT release we behave like.
	NUTVersion = "2.8.0"
	// ProtoVersion is the answer to NETVER.
	ProtoVersion = "1.3"
	// ServerInfo is the answer to VER and the value of server.info.
	ServerInfo = "Network UPS Tools upsd " + NUTVersion + " - http://www.networkupstools.org/"
	// DefaultPort is the IANA port of upsd.
	DefaultPort = 3493
)

// Error codes sent by upsd after "ERR ".
const (
	ErrAccessDenied         = "ACCESS-DENIED"
	ErrUnknownUPS           = "UNKNOWN-UPS"
	ErrVarNotSupported      = "VAR-NOT-SUPPORTED"
	ErrCmdNotSupported      = "CMD-NOT-SUPPORTED"
	ErrInvalidArgument      = "INVALID-ARGUMENT"
	ErrInstCmdFailed        = "INSTCMD-FAILED"
	ErrSetFailed            = "SET-FAILED"
	ErrReadOnly             = "READONLY"
	ErrTooLong              = "TOO-LONG"
	ErrFeatureNotSupported  = "FEATURE-NOT-SUPPORTED"
	ErrFeatureNotConfigured = "FEATURE-NOT-CONFIGURED"
	ErrAlreadySSLMode       = "ALREADY-SSL-MODE"
	ErrDriverNotConnected   = "DRIVER-NOT-CONNECTED"
	ErrDataStale            = "DATA-STALE"
	ErrAlreadyLoggedIn      = "ALREADY-LOGGED-IN"
	ErrInvalidPassword      = "INVALID-PASSWORD"
	ErrAlreadySetPassword   = "ALREADY-SET-PASSWORD"
	ErrInvalidUsername      = "INVALID-USERNAME"
	ErrAlreadySetUsername   = "ALREADY-SET-USERNAME"
	ErrUsernameRequired     = "USERNAME-REQUIRED"
	ErrPasswordRequired     = "PASSWORD-REQUIRED"
	ErrUnknownCommand       = "UNKNOWN-COMMAND"
	ErrInvalidValue         = "INVALID-VALUE"
	// ErrUnknown and ErrFailed occur only as GET TRACKING results.
	ErrUnknown = "UNKNOWN"
	ErrFailed  = "FAILED"
)

// clientText is libupsclient's text for each code (upsc prints
// "Error: <text>"). Codes missing here print "Unknown error", as in
// libupsclient 2.8.0 (FEATURE-NOT-*, ALREADY-SSL-MODE, INVALID-ARGUMENT,
// UNKNOWN).
var clientText = map[string]string{
	"VAR-NOT-SUPPORTED":    "Variable not supported by UPS",
	"UNKNOWN-UPS":          "Unknown UPS",
	"ACCESS-DENIED":        "Access denied",
	"PASSWORD-REQUIRED":    "Password required",
	"PASSWORD-INCORRECT":   "Password incorrect",
	"MISSING-ARGUMENT":     "Missing argument",
	"DATA-STALE":           "Data stale",
	"VAR-UNKNOWN":          "Variable unknown",
	"ALREADY-LOGGED-IN":    "Already logged in",
	"ALREADY-SET-PASSWORD": "Already set password",
	"UNKNOWN-TYPE":         "Unknown variable type",
	"UNKNOWN-VAR":          "Unknown variable",
	"READONLY":             "Read-only variable",
	"TOO-LONG":             "New value is too long",
	"INVALID-VALUE":        "Invalid value for variable",
	"SET-FAILED":           "Set command failed",
	"UNKNOWN-INSTCMD":      "Unknown instant command",
	"INSTCMD-FAILED":       "Instant command failed",
	"CMD-NOT-SUPPORTED":    "Instant command not supported",
	"INVALID-USERNAME":     "Invalid username",
	"ALREADY-SET-USERNAME": "Already set username",
	"UNKNOWN-COMMAND":      "Unknown command",
	"INVALID-PASSWORD":     "Invalid password",
	"USERNAME-REQUIRED":    "Username required",
	"DRIVER-NOT-CONNECTED": "Driver not connected",
	// No INVALID-ARGUMENT: libupsclient 2.8.0 has no entry for that word
	// (its "Invalid argument" is for local errors), so it prints
	// "Unknown error" (checked with strings(1) on Debian's library).
}

// ClientText returns the message libupsclient prints for an error code
// ("Data stale" for DATA-STALE), or "Unknown error".
func ClientText(code string) string {
	if t, ok := clientText[code]; ok {
		return t
	}
	return "Unknown error"
}

// Error is an "ERR <code> [detail]" reply.
type Error struct {
	// Code is the error word, e.g. "DATA-STALE".
	Code string
	// Detail holds any words after the code (2.8.0 never sends them).
	Detail string
}

func (e *Error) Error() string {
	if e.Detail != "" {
		return "upsd: ERR " + e.Code + " " + e.Detail
	}
	return "upsd: ERR " + e.Code
}

// Is makes errors.Is(err, &Error{Code: c}) match on the code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// IsCode reports whether err is (or wraps) an *Error with the given code.
func IsCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// ParseError returns the *Error for a reply line starting with "ERR ", or
// nil if the line is not an error.
func ParseError(line string) *Error {
	if !strings.HasPrefix(line, "ERR ") && line != "ERR" {
		return nil
	}
	rest := strings.TrimSpace(strings.TrimPrefix(line, "ERR"))
	code, detail, _ := strings.Cut(rest, " ")
	return &Error{Code: code, Detail: strings.TrimSpace(detail)}
}

// ProtocolError reports a peer that broke the protocol: an unexpected or
// malformed line, a line that is too long.
type ProtocolError string

func (p ProtocolError) Error() string { return "nut protocol error: " + string(p) }

// protoErrorf builds a ProtocolError.
func protoErrorf(format string, args ...any) error {
	return ProtocolError(fmt.Sprintf(format, args...))
}
