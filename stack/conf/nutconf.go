package conf

import (
	"fmt"
	"io"
	"strings"
)

// NUT modes of nut.conf.
const (
	ModeNone       = "none"
	ModeStandalone = "standalone"
	ModeNetServer  = "netserver"
	ModeNetClient  = "netclient"
)

// NutConf is nut.conf, a shell fragment sourced by init scripts (and read
// by systemd): NAME=value lines, no spaces around =.
type NutConf struct {
	File string
	// Mode is MODE; "none" when not set (nut.conf(5)). Debian's wrappers
	// run upsd only for standalone/netserver, upsmon also for netclient.
	Mode string
	// UpsdOptions, UpsmonOptions and PoweroffWait are UPSD_OPTIONS,
	// UPSMON_OPTIONS and POWEROFF_WAIT (a sleep(1) duration like "15m").
	UpsdOptions   string
	UpsmonOptions string
	PoweroffWait  string
	// AllowNoDevice is ALLOW_NO_DEVICE; it overrides upsd.conf's. Nil when
	// not set.
	AllowNoDevice *bool
	// Vars is every assignment in file order (including the ones above).
	Vars []ShellVar
}

// ShellVar is one NAME=value assignment of nut.conf.
type ShellVar struct {
	Name     string
	Value    string // with quotes and escapes removed; $ is not expanded
	Exported bool   // named by an export line
	Line     int
}

// Lookup returns the value of the last assignment of name.
func (c *NutConf) Lookup(name string) (string, bool) {
	for i := len(c.Vars) - 1; i >= 0; i-- {
		if c.Vars[i].Name == name {
			return c.Vars[i].Value, true
		}
	}
	return "", false
}

// Env returns the variables as NAME=value strings, last assignment of each
// name winning, in order of first appearance: what sourcing the file would
// put in a shell.
func (c *NutConf) Env() []string {
	var names []string
	last := map[string]string{}
	for _, v := range c.Vars {
		if _, ok := last[v.Name]; !ok {
			names = append(names, v.Name)
		}
		last[v.Name] = v.Value
	}
	env := make([]string, len(names))
	for i, n := range names {
		env[i] = n + "=" + last[n]
	}
	return env
}

// shWord is one shell word.
type shWord struct {
	text      string
	assign    bool   // NAME=value
	name      string // for assignments
	line, col int
	dollar    bool // an unquoted or double-quoted $ or `
}

// shLexer splits a shell fragment into simple commands of words, with the
// quoting rules of POSIX sh (no expansions).
type shLexer struct {
	src       []byte
	i         int
	line, col int
	p         *parser
}

func (x *shLexer) next() (byte, bool) {
	if x.i >= len(x.src) {
		return 0, false
	}
	c := x.src[x.i]
	x.i++
	if c == '\n' {
		x.line++
		x.col = 0
	} else {
		x.col++
	}
	return c, true
}

func (x *shLexer) peek() (byte, bool) {
	if x.i >= len(x.src) {
		return 0, false
	}
	return x.src[x.i], true
}

func isNameByte(c byte, first bool) bool {
	return c == '_' || (c|0x20) >= 'a' && (c|0x20) <= 'z' || !first && c >= '0' && c <= '9'
}

// command reads one simple command (up to a newline or ;). It returns
// false at the end of input.
func (x *shLexer) command() (words []shWord, line int, more bool) {
	line = x.line
	for {
		c, ok := x.peek()
		if !ok {
			return words, line, len(words) > 0
		}
		switch {
		case c == '\n' || c == ';':
			x.next()
			if len(words) > 0 || c == ';' {
				return words, line, true
			}
			line = x.line
		case c == ' ' || c == '\t' || c == '\r':
			x.next()
		case c == '#':
			for c, ok := x.peek(); ok && c != '\n'; c, ok = x.peek() {
				x.next()
			}
		default:
			if len(words) == 0 {
				line = x.line
			}
			words = append(words, x.word())
		}
	}
}

func (x *shLexer) word() shWord {
	w := shWord{line: x.line, col: x.col + 1}
	var b strings.Builder
	literalPrefix := true // only unquoted name characters so far
	for {
		c, ok := x.peek()
		if !ok || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' {
			break
		}
		x.next()
		switch c {
		case '\\':
			literalPrefix = false
			n, ok := x.next()
			if !ok {
				x.p.errs = append(x.p.errs, &Error{File: x.p.file, Line: x.line, Col: x.col, Msg: "backslash at end of file: expected a character after it"})
				break
			}
			if n != '\n' { // backslash-newline joins lines
				b.WriteByte(n)
			}
		case '\'':
			literalPrefix = false
			if !x.until('\'', &b, false, &w) {
				x.p.errs = append(x.p.errs, &Error{File: x.p.file, Line: w.line, Col: w.col, Msg: "unterminated ' quote: expected a closing '"})
			}
		case '"':
			literalPrefix = false
			if !x.until('"', &b, true, &w) {
				x.p.errs = append(x.p.errs, &Error{File: x.p.file, Line: w.line, Col: w.col, Msg: `unterminated " quote: expected a closing "`})
			}
		case '=':
			if literalPrefix && !w.assign && b.Len() > 0 {
				w.assign, w.name = true, b.String()
				b.Reset()
				literalPrefix = false
				continue
			}
			b.WriteByte(c)
		case '$', '`':
			w.dollar = true
			literalPrefix = false
			b.WriteByte(c)
		default:
			if literalPrefix && !isNameByte(c, b.Len() == 0) {
				literalPrefix = false
			}
			b.WriteByte(c)
		}
	}
	w.text = b.String()
	return w
}

// until reads up to the closing quote q. In double quotes a backslash
// escapes only $ ` " \ and newline.
func (x *shLexer) until(q byte, b *strings.Builder, dq bool, w *shWord) bool {
	for {
		c, ok := x.next()
		if !ok {
			return false
		}
		switch {
		case c == q:
			return true
		case dq && c == '\\':
			n, ok := x.peek()
			if ok && strings.IndexByte("$`\"\\\n", n) >= 0 {
				x.next()
				if n != '\n' {
					b.WriteByte(n)
				}
				continue
			}
			b.WriteByte(c)
		case dq && (c == '$' || c == '`'):
			w.dollar = true
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
}

// ParseNutConf reads nut.conf.
func ParseNutConf(r io.Reader, filename string) (*NutConf, []Warning, error) {
	p := &parser{file: filename}
	c := &NutConf{File: filename, Mode: ModeNone}
	src, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return c, nil, fmt.Errorf("%s: %w", filename, err)
	}
	if len(src) > MaxFileSize {
		return c, nil, &Error{File: filename, Msg: fmt.Sprintf("file larger than %d bytes: not a NUT configuration file", MaxFileSize)}
	}
	x := &shLexer{src: src, line: 1, p: p}
	modeSet := false
	for {
		words, line, more := x.command()
		if !more {
			break
		}
		if len(words) == 0 {
			continue
		}
		at := func(w shWord, format string, args ...any) {
			p.errs = append(p.errs, &Error{File: filename, Line: w.line, Col: w.col, Msg: fmt.Sprintf(format, args...)})
		}
		if bad, ok := spacedAssign(words); ok {
			at(bad, "spaces around = are not allowed (the file is sourced by sh): expected %s", bad.text)
			continue
		}
		export := !words[0].assign && words[0].text == "export"
		if export {
			words = words[1:]
		}
		allAssign := true
		for _, w := range words {
			allAssign = allAssign && (w.assign || export && isName(w.text))
		}
		if !allAssign {
			p.warns = append(p.warns, Warning{File: filename, Line: line,
				Msg: fmt.Sprintf("not a NAME=value assignment, ignored: %s", shShow(words))})
			continue
		}
		for _, w := range words {
			if !w.assign { // export NAME
				found := false
				for i := range c.Vars {
					if c.Vars[i].Name == w.text {
						c.Vars[i].Exported, found = true, true
					}
				}
				if !found {
					c.Vars = append(c.Vars, ShellVar{Name: w.text, Exported: true, Line: w.line})
				}
				continue
			}
			if w.dollar {
				p.warns = append(p.warns, Warning{File: filename, Line: w.line,
					Msg: fmt.Sprintf("%s: $ and ` are not expanded here (systemd does not expand them either)", w.name)})
			}
			c.Vars = append(c.Vars, ShellVar{Name: w.name, Value: w.text, Exported: export, Line: w.line})
			switch w.name {
			case "MODE":
				switch w.text {
				case ModeNone, ModeStandalone, ModeNetServer, ModeNetClient:
					c.Mode, modeSet = w.text, true
				default:
					at(w, "MODE=%s: expected none, standalone, netserver or netclient", w.text)
				}
			case "UPSD_OPTIONS":
				c.UpsdOptions = w.text
			case "UPSMON_OPTIONS":
				c.UpsmonOptions = w.text
			case "POWEROFF_WAIT":
				c.PoweroffWait = w.text
			case "ALLOW_NO_DEVICE":
				if v, ok := parseBool(w.text); ok {
					c.AllowNoDevice = &v
				} else {
					at(w, "ALLOW_NO_DEVICE=%s: expected true or false", w.text)
				}
			}
		}
	}
	if !modeSet && len(p.errs) == 0 {
		p.warns = append(p.warns, Warning{File: filename, Msg: "MODE is not set: NUT starts nothing (MODE=none)"})
	}
	return c, p.warns, p.err()
}

// spacedAssign finds "NAME = value", "NAME =value" and "NAME= value".
func spacedAssign(ws []shWord) (shWord, bool) {
	for i, w := range ws {
		if i+1 >= len(ws) {
			break
		}
		next := ws[i+1]
		fix := func(name, val string) shWord {
			return shWord{text: name + "=" + shQuote(val), line: w.line, col: w.col}
		}
		switch {
		case w.assign && w.text == "" && !next.assign:
			return fix(w.name, next.text), true // NAME= value
		case !w.assign && isName(w.text) && strings.HasPrefix(next.text, "=") && !next.assign:
			val := strings.TrimPrefix(next.text, "=")
			if val == "" && i+2 < len(ws) {
				val = ws[i+2].text // NAME = value
			}
			return fix(w.text, val), true
		}
	}
	return shWord{}, false
}

func isName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isNameByte(s[i], i == 0) {
			return false
		}
	}
	return true
}

// shQuote quotes a value for a shell when it needs it.
func shQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`;#&|<>()*?[]{}~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func shShow(ws []shWord) string {
	s := make([]string, len(ws))
	for i, w := range ws {
		if w.assign {
			s[i] = w.name + "=" + shQuote(w.text)
		} else {
			s[i] = shQuote(w.text)
		}
	}
	return strings.Join(s, " ")
}
