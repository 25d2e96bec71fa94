package script

import (
	"fmt"
	"strings"
)

// Pos is a place in a script: file name, 1-based line and column (in
// bytes).
type Pos struct {
	File string
	Line int
	Col  int
}

// String formats p as file:line:col (or line:col without a file name).
func (p Pos) String() string {
	if p.File == "" {
		return fmt.Sprintf("%d:%d", p.Line, p.Col)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Error is a script error at a position.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

type tokKind int

const (
	tokWord tokKind = iota
	tokSemi
	tokLBrace
	tokRBrace
	tokNewline
	tokEOF
)

type token struct {
	kind   tokKind
	text   string
	quoted bool
	pos    Pos
}

func (t token) describe() string {
	switch t.kind {
	case tokSemi:
		return `";"`
	case tokLBrace:
		return `"{"`
	case tokRBrace:
		return `"}"`
	case tokNewline:
		return "end of line"
	case tokEOF:
		return "end of script"
	}
	return fmt.Sprintf("%q", t.text)
}

// Limits that keep hostile or mistaken input cheap.
const (
	maxSource = 1 << 20 // bytes of script text
	maxTokens = 1 << 17
	maxWord   = 256
)

// lex splits src into tokens. Words are runs of characters other than
// blanks, ";", "{", "}" and "#"; a double-quoted word may hold those (with
// \" and \\ escapes); "#" starts a comment to the end of the line.
func lex(file, src string) ([]token, error) {
	if len(src) > maxSource {
		return nil, &Error{Pos{file, 1, 1}, fmt.Sprintf("script too long (%d bytes, limit %d)", len(src), maxSource)}
	}
	var toks []token
	line, col := 1, 1
	i := 0
	add := func(t token) error {
		if len(toks) >= maxTokens {
			return &Error{t.pos, fmt.Sprintf("script too long (more than %d tokens)", maxTokens)}
		}
		toks = append(toks, t)
		return nil
	}
	for i < len(src) {
		c := src[i]
		pos := Pos{file, line, col}
		switch {
		case c == '\n':
			if err := add(token{kind: tokNewline, pos: pos}); err != nil {
				return nil, err
			}
			i++
			line++
			col = 1
		case c == ' ' || c == '\t' || c == '\r':
			i++
			col++
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
				col++
			}
		case c == ';' || c == '{' || c == '}':
			k := map[byte]tokKind{';': tokSemi, '{': tokLBrace, '}': tokRBrace}[c]
			if err := add(token{kind: k, text: string(c), pos: pos}); err != nil {
				return nil, err
			}
			i++
			col++
		case c == '"':
			var b strings.Builder
			i++
			col++
			closed := false
			for i < len(src) {
				c := src[i]
				if c == '\n' {
					break
				}
				if c == '\\' && i+1 < len(src) && (src[i+1] == '"' || src[i+1] == '\\') {
					b.WriteByte(src[i+1])
					i += 2
					col += 2
					continue
				}
				i++
				col++
				if c == '"' {
					closed = true
					break
				}
				b.WriteByte(c)
			}
			if !closed {
				return nil, &Error{pos, "unterminated quoted string"}
			}
			if b.Len() > maxWord {
				return nil, &Error{pos, fmt.Sprintf("word too long (%d bytes, limit %d)", b.Len(), maxWord)}
			}
			if err := add(token{kind: tokWord, text: b.String(), quoted: true, pos: pos}); err != nil {
				return nil, err
			}
		default:
			start := i
			for i < len(src) && !strings.ContainsRune(" \t\r\n;{}#\"", rune(src[i])) {
				i++
				col++
			}
			if i-start > maxWord {
				return nil, &Error{pos, fmt.Sprintf("word too long (%d bytes, limit %d)", i-start, maxWord)}
			}
			if err := add(token{kind: tokWord, text: src[start:i], pos: pos}); err != nil {
				return nil, err
			}
		}
	}
	toks = append(toks, token{kind: tokEOF, pos: Pos{file, line, col}})
	return toks, nil
}
