package conf

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/upslab/upslab/stack/parseconf"
)

// MaxFileSize bounds what ParseX reads: NUT's own files are a few
// kilobytes, so anything near this is not a configuration file.
const MaxFileSize = 4 << 20

// parser collects the errors and warnings of one file.
type parser struct {
	file  string
	errs  ErrorList
	warns []Warning
	// tokErr, when set, also sees each line the tokenizer rejected (with
	// the tokenizer's own error), for a file that keeps NUT's log of it.
	tokErr func(parseconf.Line)
}

// lines tokenizes r with NUT's rules. Lines with a tokenizer error are
// reported and dropped, as NUT drops them ("Parse error: file:line: ...").
func (p *parser) lines(r io.Reader) ([]parseconf.Line, error) {
	tok := parseconf.Tokenizer{Positions: true}
	var out []parseconf.Line
	emit := func(l parseconf.Line) {
		if l.Err == nil {
			out = append(out, l)
			return
		}
		if p.tokErr != nil {
			p.tokErr(l)
		}
		msg := l.Err.Error()
		switch {
		case errors.Is(l.Err, parseconf.ErrHashInQuotes):
			// NUT 2.8.0: "Unbalanced word due to unescaped # in quotes".
			msg = `Unbalanced word due to unescaped # in quotes: write \# for a literal # (the line is skipped)`
		case errors.Is(l.Err, parseconf.ErrUnterminated):
			msg = `unterminated quoted word or trailing backslash at end of file: expected a closing "`
		}
		p.errs = append(p.errs, &Error{File: p.file, Line: l.ErrPos.Line, Col: l.ErrPos.Col, Msg: msg})
	}
	lr := &io.LimitedReader{R: r, N: MaxFileSize + 1}
	buf := make([]byte, 32<<10)
	total := 0
	for {
		n, err := lr.Read(buf)
		total += n
		if total > MaxFileSize {
			return nil, &Error{File: p.file, Msg: fmt.Sprintf("file larger than %d bytes: not a NUT configuration file", MaxFileSize)}
		}
		tok.Feed(buf[:n], emit)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.file, err)
		}
	}
	tok.Flush(emit)
	return out, nil
}

// errAt records an error at word i of l (i < 0: no column).
func (p *parser) errAt(l parseconf.Line, i int, format string, args ...any) {
	e := &Error{File: p.file, Line: l.Num, Msg: fmt.Sprintf(format, args...)}
	if i >= 0 && i < len(l.Pos) {
		e.Line, e.Col = l.Pos[i].Line, l.Pos[i].Col
	}
	p.errs = append(p.errs, e)
}

// warn records a warning for line l (nil: the whole file).
func (p *parser) warn(l *parseconf.Line, format string, args ...any) {
	w := Warning{File: p.file, Msg: fmt.Sprintf(format, args...)}
	if l != nil {
		w.Line = l.Num
	}
	p.warns = append(p.warns, w)
}

// err returns the collected errors, or nil.
func (p *parser) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	return p.errs
}

// invalidDirective is the "invalid directive" text of upsd, upssched and
// upsmon: prefix, then every word after a space.
func invalidDirective(prefix string, words []string) string {
	var b strings.Builder
	b.WriteString(prefix)
	b.WriteString(": invalid directive")
	for _, w := range words {
		b.WriteByte(' ')
		b.WriteString(w)
	}
	return b.String()
}

// show renders a word for a message: quoted with NUT's escapes when it is
// empty or holds anything but plain characters.
func show(w string) string {
	if w == "=" {
		return w
	}
	if w == "" || strings.ContainsAny(w, " \t\"\\#=") {
		return parseconf.Quote(w)
	}
	return w
}

// showLine renders words as they could be written back.
func showLine(ws []string) string {
	s := make([]string, len(ws))
	for i, w := range ws {
		s[i] = show(w)
	}
	return strings.Join(s, " ")
}

// atoiStrict parses a decimal integer with an optional sign. It is strict
// on purpose, unlike NUT's atoi (internal/cnum): a word that atoi would
// read as 0 or cut short ("30s") is reported here.
func atoiStrict(s string) (int, bool) {
	if s == "" || len(s) > 12 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// intArg reads word i of l as a whole number.
func (p *parser) intArg(l parseconf.Line, i int, what string) (int, bool) {
	n, ok := atoiStrict(l.Words[i])
	if !ok {
		p.errAt(l, i, "%s: expected a whole number, got %s", what, show(l.Words[i]))
	}
	return n, ok
}

// secondsArg reads word i of l as whole seconds.
func (p *parser) secondsArg(l parseconf.Line, i int, what string) (time.Duration, bool) {
	n, ok := atoiStrict(l.Words[i])
	if !ok {
		p.errAt(l, i, "%s: expected a whole number of seconds, got %s", what, show(l.Words[i]))
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}

// directive is a line's keyword as upsd, upsmon and upssched compare it:
// exactly (strcmp), except DEBUG_MIN, which they compare with strcasecmp;
// that one comes back upper case.
func directive(word string) string {
	if strings.EqualFold(word, "DEBUG_MIN") {
		return "DEBUG_MIN"
	}
	return word
}

// debugMin reads a DEBUG_MIN line's level (a whole number >= 0) into dst;
// bad is the daemon's complaint about a bad one, which the error starts
// with.
func (p *parser) debugMin(l parseconf.Line, dst *int, bad string) {
	if !p.need(l, 2, "DEBUG_MIN <level>") {
		return
	}
	p.extra(l, 2)
	if n, ok := atoiStrict(l.Words[1]); ok && n >= 0 {
		*dst = n
		return
	}
	p.errAt(l, 1, "%s: expected a level >= 0, got %s", bad, show(l.Words[1]))
}

// parseBool is NUT's parse_boolean (server/conf.c): true/on/yes/1 and
// false/off/no/0, any case.
func parseBool(s string) (v, ok bool) {
	switch strings.ToLower(s) {
	case "true", "on", "yes", "1":
		return true, true
	case "false", "off", "no", "0":
		return false, true
	}
	return false, false
}

// extra warns about words after the last one a directive uses.
func (p *parser) extra(l parseconf.Line, used int) {
	if len(l.Words) > used {
		p.warn(&l, "%s: extra words ignored: %s (quote a value that holds spaces)", l.Words[0], showLine(l.Words[used:]))
	}
}

// need checks that l has at least n words; usage is the expected form.
func (p *parser) need(l parseconf.Line, n int, usage string) bool {
	if len(l.Words) >= n {
		return true
	}
	p.errAt(l, 0, "%s: missing arguments, expected %s", l.Words[0], usage)
	return false
}

// removedIn24 is the error for the access-control directives NUT 2.4
// removed (upsd.conf ACL/ACCEPT/REJECT, upsd.users allowfrom), which old
// tutorials still show. NUT 2.8.0 logs nutMsg and ignores the line, so the
// server would be open to whoever can reach it.
func (p *parser) removedIn24(l parseconf.Line, nutMsg string) {
	p.errAt(l, 0, "%s was removed in NUT 2.4 (NUT logs %q and ignores it): "+
		"choose the addresses upsd binds with LISTEN <address> [<port>] in upsd.conf, "+
		"and restrict who may connect to port 3493 with the firewall", l.Words[0], nutMsg)
}
