package conf

import (
	"fmt"
	"io/fs"
	"strings"
)

// Error is one problem in a configuration file.
type Error struct {
	File string // the name given to ParseX, or the path given to LoadX
	Line int    // 1-based physical line; 0 when the whole file is meant
	Col  int    // 1-based byte column; 0 when unknown or irrelevant
	Msg  string // what was wrong and what was expected
}

func (e *Error) Error() string {
	switch {
	case e.Line == 0:
		return e.File + ": " + e.Msg
	case e.Col == 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// ErrorList is every Error found in one file, in line order. It is what
// ParseX returns as its error; errors.As finds the *Error items in it.
type ErrorList []*Error

func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Unwrap gives errors.Is and errors.As access to each item.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// Warning is something NUT would log and then ignore, or a hint of ours.
// Msg is NUT 2.8.0's own log text where NUT has one (for example
// "upsd.conf: invalid directive listen 127.0.0.1"), so a daemon can log
// Msg as it is; String adds file and line.
type Warning struct {
	File string
	Line int // 0 when the whole file is meant
	Msg  string
	// Mode is the file's mode for the permission warning of PermWarning
	// (so a daemon can word it as its NUT counterpart does), 0 otherwise.
	Mode fs.FileMode
}

func (w Warning) String() string {
	if w.Line == 0 {
		return w.File + ": " + w.Msg
	}
	return fmt.Sprintf("%s:%d: %s", w.File, w.Line, w.Msg)
}
